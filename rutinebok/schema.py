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

from .model import FILE_KINDS, FOLDER_KINDS

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
}

# Norwegian descriptions of the kinds of objects (replacing the code's English docstrings).
DEF_DOCS: dict[str, str] = {
    "Deadline": "En frist: nøyaktig én av within (varighet), by (dato), when (snarest, straks, løpende, i-god-tid) "
                "eller rule (en navngitt tidsregel). Kortform: PT48H, 2019-12-31 eller snarest.",
    "Block": "Én blokk i et avsnitt, med nøyaktig én nøkkel: text, responsibility, procedure, meeting, rule, "
             "phase, table, contacts, list, levels, measures eller role.",
    "Strict": "Ukjente nøkler er feil.",
}


def _fill(node, defs_name: str | None = None) -> None:
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            title, description = FIELD_DOCS.get(name, (None, None))
            if title:
                prop["title"] = title
            if not prop.get("description") and description:
                prop["description"] = description
            _fill(prop)
        for key, value in node.items():
            if key != "properties":
                _fill(value)
    elif isinstance(node, list):
        for item in node:
            _fill(item)


def kind_schema(name: str, model) -> dict:
    schema = model.model_json_schema()
    for def_name, definition in (schema.get("$defs") or {}).items():
        definition["description"] = DEF_DOCS.get(def_name, definition.get("description", def_name))
        definition["title"] = def_name
    _fill(schema)
    defs = schema.get("$defs") or {}
    if "Deadline" in defs:  # the model also takes the short form: "PT48H", "2019-12-31", "snarest"
        defs["Deadline"] = {"title": "Frist", "description": DEF_DOCS["Deadline"],
                            "anyOf": [{"type": "string", "description": "Kortform av fristen."}, defs["Deadline"]]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://rutinebok.example/schema/{name}.schema.json"
    schema["title"] = {"organisations": "Organisasjon", "roles": "Rolle", "routines": "Rutine",
                       "laws": "Lov eller forskrift", "documents": "Styringsdokument", "trees": "Veiviser",
                       "glossary": "Ordliste", "sources": "Kilder"}.get(name, name)
    schema["description"] = f"Skjema for en datafil av typen «{schema['title']}» i Rutinebok."
    return schema


def all_schemas() -> dict[str, dict]:
    out = {name: kind_schema(name, model) for name, model in FOLDER_KINDS.items()}
    for file_name, model in FILE_KINDS.items():
        name = file_name.removesuffix(".yml")
        out[name] = kind_schema(name, model)
    return out


def schema_text(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_name_for(data_file: Path, data_dir: Path) -> str | None:
    rel = data_file.relative_to(data_dir)
    if len(rel.parts) == 2 and rel.parts[0] in FOLDER_KINDS:
        return rel.parts[0]
    if len(rel.parts) == 1 and rel.name in FILE_KINDS:
        return rel.name.removesuffix(".yml")
    return None


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
    return out


def cmd_schema(args: argparse.Namespace) -> int:
    if args.check:
        bad = stale(args.out)
        if bad:
            print("Skjemaene er ikke oppdatert etter endringer i modellen: " + ", ".join(bad)
                  + ". Kjør `rutinebok schema`.", file=sys.stderr)
            return 1
        print("Skjemaene er oppdatert.")
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
