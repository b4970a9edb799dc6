"""JSON Schema for every kind of data file, generated from the model, for editors.

`rutinebok schema` writes schema/<kind>.schema.json; `--check` fails when they are stale.
Each data file's first line points an editor at its schema (yaml-language-server), so it
completes keys and flags mistakes while one types. Titles and descriptions are Norwegian.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import kinds
from .model import _DURATION_RE

SCHEMA_DIR = Path("schema")
SCHEMA_LINE = "# yaml-language-server: $schema="

# Norwegian title and description for fields the model leaves without one.
FIELD_DOCS: dict[str, tuple[str, str]] = {
    "id": ("Id", "Id: små bokstaver a–z, sifre og bindestrek. Filnavnet er id-en."),
    "name": ("Navn", "Navnet slik det står i kilden."),
    "title": ("Tittel", "Overskriften."),
    "summary": ("Sammendrag", "Kort sammendrag for forsiden og søk."),
    "text": ("Tekst", "Tekst i Markdown."),
    "description": ("Beskrivelse", "Beskrivelse i Markdown."),
    "kind": ("Type", "Hva slags ting dette er."),
    "source": ("Kilde", "Hvor opplysningene kommer fra."),
    "sources": ("Kilder", "Kildedokumentene dataene bygger på."),
    "note": ("Merknad", "Merknad til leseren."),
    "date": ("Dato", "Dato, skrevet ÅÅÅÅ-MM-DD."),
    "date_note": ("Om datoen", "Hva kilden sier om datoen."),
    "url": ("Nettadresse", "Nettadresse, med https://."),
    "version": ("Versjon", "Versjonsnummer."),
    "status": ("Status", "utkast, gjeldende, til-revisjon eller utgått."),
    "sections": ("Seksjoner", "Avsnittene i rutinen, i rekkefølge; kan ha underavsnitt."),
    "blocks": ("Blokker", "Innholdet i avsnittet: tekst, prosedyrer, regler, møter og mer, i rekkefølge."),
    "steps": ("Steg", "De nummererte stegene i prosedyren."),
    "actor": ("Hvem", "Id for rollen eller organisasjonen som handler."),
    "deadline": ("Frist", "Frist som varighet (PT48H), dato (2019-12-31), snarest/straks/løpende, eller en tidsregel."),
    "frequency": ("Hvor ofte", "Hvor ofte møtet holdes."),
    "participants": ("Deltakere", "Roller eller organisasjoner som deltar."),
    "participants_note": ("Om deltakerne", "Deltakerne slik kilden beskriver dem."),
    "agenda": ("Dagsorden", "Faste punkter på dagsordenen."),
    "applies_to": ("Gjelder for", "Roller eller organisasjoner regelen gjelder for."),
    "qualifier": ("Presisering", "maks, minst, normalt maks, inntil, innen eller i."),
    "per": ("Per", "uke, måned eller år."),
    "alternatives": ("Alternativer", "Alternativene i fasen."),
    "points": ("Punkter", "Kulepunkter."),
    "result": ("Resultat", "Hva fasen skal føre til."),
    "tasks": ("Oppgaver", "Oppgaver."),
    "intro": ("Innledning", "Innledende tekst."),
    "caption": ("Tabelltekst", "Overskrift for tabellen."),
    "columns": ("Kolonner", "Kolonneoverskriftene."),
    "rows": ("Rader", "Radene; hver rad har like mange celler som det er kolonner."),
    "items": ("Punkter", "Punktene i listen."),
    "ordered": ("Nummerert", "true for nummerert liste."),
    "levels": ("Nivåer", "Nivåene i modellen."),
    "colour": ("Farge", "grønn, gul, oransje eller rød."),
    "number": ("Nummer", "Nummeret."),
    "first_year": ("Første år", "Første år perioden gjelder."),
    "last_year": ("Siste år", "Siste år perioden gjelder."),
    "year": ("År", "Året dokumentet er fra."),
    "measures": ("Tiltak", "Tiltakene."),
    "contacts": ("Kontakter", "Kontaktpunkter."),
    "list": ("Liste", "En liste med punkter."),
    "table": ("Tabell", "En tabell."),
    "procedure": ("Prosedyre", "En prosedyre med nummererte steg."),
    "responsibility": ("Ansvar", "En plikt og hvem som har den."),
    "meeting": ("Møte", "Et fast møte eller forum."),
    "rule": ("Tidsregel", "En navngitt tidsregel, f.eks. maks botid."),
    "phase": ("Fase", "En fase i en arbeidsprosess."),
    "role": ("Rollebeskrivelse", "Hva en rolle gjør."),
    "approved": ("Vedtatt", "Hvem som vedtok rutinen, og når."),
    "signing": ("Signering", "Hvordan, hvor og når partene signerte."),
    "signatories": ("Signatarer", "Én linje per part som signerer."),
    "place": ("Sted", "Stedet for signeringen."),
    "on": ("Dato", "Datoen for vedtaket."),
    "organisation": ("Organisasjon", "Id for organisasjonen."),
    "legal_basis": ("Lovgrunnlag", "Lover og forskrifter rutinen bygger på."),
    "governing_documents": ("Styringsdokumenter", "Planer og veiledere rutinen bygger på."),
    "attachments": ("Vedlegg", "Vedleggene."),
    "change_log": ("Endringslogg", "Én linje per versjon: hva som ble endret."),
    "paragraphs": ("Paragrafer", "Paragrafer vi viser til, med endringer."),
    "changes": ("Endringer", "Endringer i paragrafen, med dato."),
    "in_force": ("I kraft fra", "Datoen loven trådte i kraft."),
    "repealed_on": ("Opphevet", "Datoen loven ble opphevet."),
    "superseded_note": ("Om erstatningen", "Hva som erstattet dokumentet, når det er kjent."),
    "terms": ("Ord", "Ordene i ordlisten."),
    "nodes": ("Noder", "Spørsmålene og utfallene i veiviseren."),
    "period": ("Planperiode", "Første og siste år planen gjelder."),
    "limit": ("Ramme", "Rammen alle stegene i prosedyren må holde seg innenfor."),
    "outcome": ("Utfall", "Utfallet, når noden er et svar."),
    # Fields the model already describes: only a Norwegian title here (a description is used
    # when the model's is missing or only the generic one for ids).
    "action": ("Handling", "Hva som gjøres."),
    "address": ("Adresse", "Besøks- eller postadresse."),
    "after": ("Regnes fra", "Hendelsen fristen regnes fra."),
    "also_called": ("Også kalt", "Andre navn kildene bruker."),
    "search_terms": ("Søkeord", ("Hverdagsord folk søker med (for eksempel «depositum» for husleiegaranti). "
                                "Bare andre ord for det teksten allerede sier, aldri nye fakta. Vises ikke.")),
    "also_when_needed": ("Også ved behov", "Også ved behov."),
    "as_of": ("Bekreftet", "Datoen kilden bekreftet opplysningen."),
    "by": ("Innen dato", "Frist som dato."),
    "Approval.by": ("Vedtatt av", "Hvem som vedtok."),
    "Approval.on": ("Vedtatt dato", "Datoen for vedtaket."),
    "Contact.label": ("Betegnelse", "Hva kontaktpunktet er, f.eks. «Sentralbord»."),
    "Option.label": ("Svar", "Svaret leseren kan velge."),
    "Contact.id": ("Id", "Id for kontaktpunktet, unik innen organisasjonen."),
    "condition": ("Vilkår", "Vilkår for steget."),
    "convener": ("Innkaller", "Hvem som kaller inn (rolle eller organisasjon)."),
    "coordinator": ("Koordinator", "Hvem som koordinerer."),
    "document": ("Dokument", "Id for dokumentet (se data/documents/ eller data/sources.yml)."),
    "duty": ("Plikt", "Plikten."),
    "email": ("E-post", "Offentlig e-postadresse for tjenesten."),
    "ended_on": ("Opphørte", "Datoen organisasjonen opphørte eller fikk nytt navn."),
    "ended_how": ("Hva skjedde", "sammenslått, nytt-navn eller nedlagt."),
    "ended_source": ("Kilde for endringen", "Den offisielle kilden for at organisasjonen opphørte eller fikk nytt navn."),
    "caution": ("Merknad om endrede regler", "Vises ved blokken: ordlyden kan være utdatert, og hvor leseren kan spørre."),
    "Caution.title": ("Overskrift", "Overskriften på merknaden."),
    "Caution.text": ("Tekst", "Hva leseren må vite, og hvor hun kan spørre."),
    "Caution.law": ("Lov", "Loven eller forskriften som gjelder nå (id i data/laws/)."),
    "Caution.paragraph": ("Paragraf", "Paragrafen, f.eks. «§ 1»."),
    "Caution.source": ("Kilde", "Den offisielle kilden merknaden bygger på."),
    "editor_note": ("Merknad til redaktørene", "Vises aldri for leserne; `rutinebok facts` viser den."),
    "entries": ("Kontaktpunkter", "Kontaktpunkter: organisasjon/kontakt-id."),
    "expansion": ("Betydning", "Hva forkortelsen står for."),
    "explanation": ("Forklaring", "Forklaring i klarspråk."),
    "external_actors": ("Eksterne aktører", "Aktører som ikke er parter, men har steg i rutinen."),
    "file": ("Fil", "Filen, relativt til repoet."),
    "help": ("Hjelpetekst", "Hjelpetekst til spørsmålet."),
    "issued": ("Utgitt", "Utgivelsestid slik kilden oppgir den."),
    "label": ("Betegnelse", "Teksten som vises."),
    "law": ("Lov", "Id for loven eller forskriften (se data/laws/)."),
    "legal_form": ("Organisasjonsform", "Organisasjonsform, f.eks. IKS."),
    "method": ("Metode", "papir eller digital."),
    "need": ("Behov", "Hvilket behov innbyggeren har på nivået."),
    "next": ("Neste", "Id for noden svaret fører til."),
    "official_id": ("Lovdata-id", "Lovdatas id, f.eks. LOV-2009-06-19-44."),
    "opening_hours": ("Åpningstider", "Åpningstider slik kilden oppgir dem."),
    "options": ("Svar", "Svaralternativene til spørsmålet."),
    "organisation_kinds": ("Slags organisasjoner", "Slags organisasjoner rollen finnes i."),
    "organisations": ("Organisasjoner", "Organisasjonene rollen finnes i."),
    "owned_by": ("Eies av", "Eiere (for IKS: eierkommunene)."),
    "owner": ("Eier", "Organisasjonen som eier rutinen."),
    "paragraph": ("Paragraf", "Paragraf, f.eks. «§ 4». Tom når hele loven menes."),
    "part_of": ("Del av", "Organisasjonen denne er en enhet i."),
    "Role.part_of": ("Del av rollen", "Rollen denne er en del av, f.eks. NAV-kontoret for veileder i NAV."),
    "audience": ("Skrevet for", "ansatte (standard) eller hjelpsøkende."),
    "parties": ("Parter", "Partene (organisasjons-id-er)."),
    "party": ("Part", "Parten (organisasjons-id) som signerer."),
    "phone": ("Telefon", "Telefonnummer til tjenesten."),
    "plan": ("Plan", "Plan som etableres (målplan, IP)."),
    "publisher": ("Utgiver", "Utgiver slik kilden oppgir den."),
    "question": ("Spørsmål", "Spørsmålet, når noden er et spørsmål."),
    "replaced_by": ("Erstattet av", "Organisasjonen som overtok."),
    "responsible": ("Ansvarlig", "Roller eller organisasjoner som har ansvaret."),
    "review_by": ("Evalueres innen", "Datoen rutinen skal være evaluert/revidert innen."),
    "reviewers": ("Godkjennere", "GitHub-brukere eller -team som godkjenner endringer for organisasjonen."),
    "org_number": ("Organisasjonsnummer", ("Organisasjonsnummer (9 sifre) fra Enhetsregisteret. Tomt når ingen kilde "
                   "oppgir det.")),
    "org_number_source": ("Kilde for organisasjonsnummeret", ("Hvor organisasjonsnummeret kommer fra, f.eks. "
                          "Enhetsregisteret.")),
    "fingerprints": ("Godkjente sertifikater", ("SHA-256-fingeravtrykk av sertifikatene som kan signere digitalt "
                     "for parten.")),
    "routine": ("Rutine", "Id for rutinen."),
    "section": ("Seksjon", "Id for seksjonen i rutinen."),
    "see": ("Se", "Loven det nå henvises til."),
    "serves": ("Dekker", "Kommunene tjenesten dekker."),
    "serves_note": ("Om hvem tjenesten er for", "Hvem tjenesten er for, når det er avgrenset."),
    "short_name": ("Kortnavn", "Kort navn til bruk i tekst og tabeller."),
    "signed_copy": ("Signert kopi", "Sti til signert kopi, hvis den finnes."),
    "start": ("Start", "Id for det første spørsmålet."),
    "starts": ("Gjelder fra", "Datoen regelen gjelder fra."),
    "superseded": ("Erstattet", "Dokumentet er erstattet av et nyere."),
    "term": ("Ord", "Forkortelsen eller ordet, slik det står i teksten."),
    "times": ("Antall ganger", "Antall ganger per periode."),
    "to": ("Til", "Hvem som varsles eller kontaktes."),
    "valid_from": ("Gjelder fra", "Datoen rutinen gjelder fra."),
    "value": ("Verdi", "Varigheten regelen setter (ISO 8601), f.eks. P3M."),
    "web": ("Nettside", "Nettadresse, med https://."),
    "when": ("Når", "Frist uten fast tid: snarest, straks, løpende eller i-god-tid."),
    "where": ("Hvor i kilden", "Hvor i kilden: avsnitt, side eller tabell."),
    "within": ("Innen", "Frist som varighet (ISO 8601), f.eks. PT48H."),
}

# Norwegian titles for the kinds of objects (shown by editors on hover).
DEF_TITLES: dict[str, str] = {
    "Alternative": "Alternativ", "Approval": "Vedtak", "Attachment": "Vedlegg", "Block": "Blokk",
    "ChangeLogEntry": "Endring", "Contact": "Kontaktpunkt", "ContactList": "Kontaktliste",
    "Deadline": "Frist", "DocumentRef": "Styringsdokument", "Frequency": "Hyppighet",
    "ItemList": "Liste", "LawChange": "Lovendring", "LegalRef": "Lovhenvisning", "Level": "Nivå",
    "Levels": "Nivåmodell", "Measure": "Tiltak", "Meeting": "Møte", "Option": "Svar",
    "Outcome": "Utfall", "Paragraph": "Paragraf", "Period": "Periode", "Phase": "Fase",
    "PlanMeasures": "Tiltak i planen", "Procedure": "Prosedyre", "Responsibility": "Ansvar",
    "RoleDescription": "Rollebeskrivelse", "RoleTasks": "Oppgaver for en rolle", "Section": "Avsnitt",
    "Signatory": "Signatar", "Signing": "Signering", "Source": "Kilde", "SourceRef": "Kildehenvisning",
    "NamedSource": "Kilde for en del", "ChecklistItem": "Punkt i sjekkliste", "ChecklistSubItem": "Underpunkt",
    "Step": "Steg", "Table": "Tabell", "Term": "Ord", "TimeRule": "Tidsregel", "TreeNode": "Node",
}

GENERIC_ID = "Id: små bokstaver a–z, sifre og bindestrek."

# Norwegian descriptions of the kinds of objects (replacing the code's English docstrings).
DEF_DOCS: dict[str, str] = {
    "NamedSource": "En kilde i rutinens sources-liste, som seksjoner og blokker viser til med source: <id>.",
    "ChecklistItem": "Et punkt en rutine må dekke (covers) eller forklare (not_applicable).",
    "ChecklistSubItem": "En del av et punkt; dekkes alle underpunktene, er punktet dekket.",
    "Deadline": "En frist: nøyaktig én av within (varighet), by (dato), when (snarest, straks, løpende, i-god-tid) "
                "eller rule (en navngitt tidsregel). Kortform: PT48H, 2019-12-31 eller snarest.",
    "Block": "Én blokk i et avsnitt, med nøyaktig én nøkkel: text, responsibility, procedure, meeting, rule, "
             "phase, table, contacts, list, levels, measures eller role.",
    "Strict": "Ukjente nøkler er feil.",
}


def _docs(owner: str | None, name: str) -> tuple[str | None, str | None]:
    return FIELD_DOCS.get(f"{owner}.{name}") or FIELD_DOCS.get(name) or (None, None)


def _fill(node, owner: str | None = None) -> None:
    """Norwegian titles (and missing descriptions) on every property; `owner` is the model's name."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            title, description = _docs(owner, name)
            if title:
                prop["title"] = title
            current = prop.get("description")
            if description and (not current or (current == GENERIC_ID and name != "id")):
                prop["description"] = description
            _fill(prop)
        for key, value in node.items():
            if key == "definitions":
                for def_name, definition in value.items():
                    _fill(definition, def_name)
            elif key != "properties":
                _fill(value)
    elif isinstance(node, list):
        for item in node:
            _fill(item)


def kind_schema(name: str, model) -> dict:
    # Draft 7 with "definitions": what the VS Code YAML extension (yaml-language-server) fully
    # supports; it warns that 2020-12 schemas are "not yet fully supported".
    schema = model.model_json_schema(ref_template="#/definitions/{model}")
    if "$defs" in schema:
        schema["definitions"] = schema.pop("$defs")
    for def_name, definition in (schema.get("definitions") or {}).items():
        definition["description"] = DEF_DOCS.get(def_name, definition.get("description", def_name))
        definition["title"] = DEF_TITLES.get(def_name, def_name)
    _fill(schema, model.__name__)
    defs = schema.get("definitions") or {}
    if "Deadline" in defs:  # the model also takes the short form: "PT48H", "2019-12-31", "snarest"
        when = defs["Deadline"]["properties"]["when"]["anyOf"][0]["enum"]
        short = {"title": "Frist (kortform)",
                 "description": "Kortform: en varighet (PT48H), en dato (2019-12-31) eller " + ", ".join(when) + ".",
                 "anyOf": [{"type": "string", "pattern": _DURATION_RE.pattern},
                           {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                           {"type": "string", "enum": when}]}
        defs["Deadline"] = {"title": "Frist", "description": DEF_DOCS["Deadline"], "anyOf": [short, defs["Deadline"]]}
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["$id"] = f"https://rutinebok.example/schema/{name}.schema.json"
    schema["title"] = kinds.get(name).title if name in {k.name for k in kinds.all_kinds()} else name
    schema["description"] = f"Skjema for en datafil av typen «{schema['title']}» i Rutinebok."
    return schema


def all_schemas() -> dict[str, dict]:
    return {kind.name: kind_schema(kind.name, kind.model) for kind in kinds.all_kinds()}


def schema_text(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_name_for(data_file: Path, data_dir: Path) -> str | None:
    rel = data_file.relative_to(data_dir)
    kind = (kinds.by_folder(rel.parts[0]) if len(rel.parts) == 2
            else kinds.by_file(rel.name) if len(rel.parts) == 1 else None)
    return kind.name if kind else None


def schema_line(data_file: Path, data_dir: Path, schema_dir: Path) -> str | None:
    import os

    name = schema_name_for(data_file, data_dir)
    if name is None:
        return None
    rel = os.path.relpath(schema_dir / f"{name}.schema.json", data_file.parent)
    return f"{SCHEMA_LINE}{rel}"


def with_schema_line(text: str, line: str) -> str:
    """The text with `line` first, replacing an older schema line."""
    lines = text.split("\n")
    if lines and lines[0].startswith(SCHEMA_LINE):
        lines = lines[1:]
    return "\n".join([line, *lines])


def write_schemas(schema_dir: Path, data_dir: Path | None = None) -> list[Path]:
    schema_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = schema_dir / f"{name}.schema.json"
        path.write_text(schema_text(schema), encoding="utf-8")
        written.append(path)
    from . import fieldref

    written.append(fieldref.write(schema_dir, all_schemas()))
    if data_dir is not None:
        for f in sorted(data_dir.rglob("*.yml")):
            line = schema_line(f, data_dir, schema_dir)
            if line:
                text = f.read_text(encoding="utf-8")
                new = with_schema_line(text, line)
                if new != text:
                    f.write_text(new, encoding="utf-8")
    return written


def stale(schema_dir: Path) -> list[str]:
    out = []
    for name, schema in all_schemas().items():
        path = schema_dir / f"{name}.schema.json"
        if not path.exists() or path.read_text(encoding="utf-8") != schema_text(schema):
            out.append(str(path))
    from . import fieldref

    if fieldref.stale(schema_dir, all_schemas()):
        out.append(str(schema_dir / fieldref.FILE_NAME))
    return out


def wrong_schema_lines(data_dir: Path, schema_dir: Path) -> list[str]:
    """Data files whose first line does not point at their schema."""
    out = []
    for f in sorted(data_dir.rglob("*.yml")):
        line = schema_line(f, data_dir, schema_dir)
        if line and f.read_text(encoding="utf-8").split("\n", 1)[0] != line:
            out.append(str(f))
    return out


def cmd_schema(args: argparse.Namespace) -> int:
    if args.check:
        bad = stale(args.out)
        if bad:
            print("Skjemaene er ikke oppdatert etter endringer i modellen: " + ", ".join(bad)
                  + ". Kjør `rutinebok schema`.", file=sys.stderr)
        lines = wrong_schema_lines(args.data, args.out) if args.data.is_dir() else []
        if lines:
            print("Første linje viser ikke til skjemaet i: " + ", ".join(lines)
                  + ". Kjør `rutinebok schema`.", file=sys.stderr)
        if bad or lines:
            return 1
        print("Skjemaene er oppdatert, og hver datafil viser til sitt skjema.")
        return 0
    written = write_schemas(args.out, args.data)
    print(f"Skrev {len(written)} skjemaer til {args.out} og oppdaterte skjemalinjen i datafilene.")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("schema", help="skriv JSON-skjema for datafilene (for redigeringsprogrammer)")
    p.add_argument("--out", type=Path, default=SCHEMA_DIR)
    p.add_argument("--data", type=Path, default=Path("data"))
    p.add_argument("--check", action="store_true", help="feil hvis skjemaene ikke stemmer med modellen")
    p.set_defaults(handler=cmd_schema)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.schema ...` without the rest of the command line."""
    parser = argparse.ArgumentParser(prog="rutinebok")
    add_parsers(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["schema", *(argv if argv is not None else sys.argv[1:])])
    except SystemExit as exc:
        return int(exc.code or 0)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
