"""Synthetic data sets: a valid data folder of any size, for benchmarks and load tests.

Everything written is made up (each file says so in its first line). The YAML is written
as text with string formatting, not through a YAML library, so large corpora are quick
to make. The output is laid out like data/ and must load and check without findings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from pathlib import Path

HEADER = "# Syntetisk testdata – ikke ekte opplysninger\n"
# Written into every generated folder; lets a later run replace the folder safely and lets
# the benchmark see which parameters made it. Not a .yml file, so the loader ignores it.
MARKER = ".rutinebok-generated.json"
GENERATOR_VERSION = 3  # 2: signing only for agreements, organisation numbers (clean under RB037, RB041)
# 3: areas (NAV offices serve one municipality, crisis centres and police districts a region)
REGION_SIZE = 5  # municipalities per region (a crisis centre's or a police district's area)

# --------------------------------------------------------------------------- fixed vocabulary

ORG_KINDS = ("krisesenter", "nav-kontor", "kommune", "kommunal-enhet", "politi")
ORG_PREFIX = {
    "krisesenter": "krisesenter",
    "nav-kontor": "nav",
    "kommune": "kommune",
    "kommunal-enhet": "enhet",
    "politi": "politi",
}
PLACES = (
    "Askedal", "Bjørkvik", "Dalsrud", "Eikeli", "Fjellstad", "Granhaug", "Holmvik", "Istad",
    "Kleiva", "Lindås", "Moberg", "Nordvang", "Ormlia", "Rosenli", "Solbakken", "Tjernvik",
    "Ulvund", "Vestmo", "Åsheim", "Østbygd",
)

# (id, name, organisation kinds, description); the first role of each kind signs for it.
ROLES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("leder-krisesenter", "Leder av krisesenteret", ("krisesenter",),
     "Har det faglige og administrative ansvaret for krisesenteret."),
    ("primaerkontakt", "Primærkontakt ved krisesenteret", ("krisesenter",),
     "Følger opp beboeren under oppholdet og samarbeider med de andre tjenestene."),
    ("fagansvarlig", "Fagansvarlig ved krisesenteret", ("krisesenter",),
     "Drøfter faglige problemstillinger med lederne i de andre tjenestene."),
    ("nav-leder", "NAV-leder", ("nav-kontor",), "Leder NAV-kontoret og signerer avtaler for det."),
    ("nav-veileder", "Veileder i NAV", ("nav-kontor",),
     "Veileder brukeren og koordinerer tjenestene fra NAV."),
    ("okonomisk-saksbehandler", "Økonomisk saksbehandler i NAV", ("nav-kontor",),
     "Behandler søknader om økonomisk stønad."),
    ("kommunalsjef", "Kommunalsjef", ("kommune",), "Har ansvaret for tjenestene i kommunen."),
    ("enhetsleder", "Enhetsleder", ("kommunal-enhet",), "Leder en kommunal enhet."),
    ("boligkonsulent", "Boligkonsulent", ("kommune", "kommunal-enhet"),
     "Tar imot søknader om kommunal bolig og hjelper brukeren med å skaffe bolig."),
    ("politikontakt", "Politikontakt", ("politi",),
     "Politiets kontaktperson for samarbeidet med hjelpetjenestene."),
    ("politistasjonssjef", "Politistasjonssjef", ("politi",), "Leder politistasjonen."),
)
SIGNER = {"krisesenter": "leder-krisesenter", "nav-kontor": "nav-leder", "kommune": "kommunalsjef",
          "kommunal-enhet": "enhetsleder", "politi": "politistasjonssjef"}
ROLES_FOR_KIND = {k: [r[0] for r in ROLES if k in r[2]] for k in ORG_KINDS}
USER_ROLE = "bruker"

# Named time rules. A rule id has the same value in every routine that states it.
RULES = (
    ("svartid-nodhjelp", "Svartid på søknad om nødhjelp", "PT48H", "innen",
     "En søknad om nødhjelp skal være behandlet innen 48 timer etter at den er mottatt."),
    ("hotellopphold", "Opphold på hotell", "P2D", "inntil",
     "Når det ikke er plass, kan brukeren bo på hotell i inntil to døgn."),
    ("kartlegging", "Frist for kartlegging", "P14D", "innen",
     "Kartleggingen av behovet skal være ferdig innen fjorten døgn."),
    ("maks-opphold", "Lengste opphold", "P3M", "normalt maks",
     "Et opphold varer normalt høyst tre måneder."),
)
RULE_REFERABLE = RULES[:3]  # values that fit inside a procedure's limit
LIMIT = "P3M"
LIMIT_DAYS = 89  # the shortest three calendar months, so the steps fit whatever the start
DURATIONS = ("PT48H", "P2D", "P1M", "PT24H", "P1W")
# Upper bound in days for each duration used (a month counted as 31).
DAYS = {"PT48H": 2, "P2D": 2, "P1M": 31, "PT24H": 1, "P1W": 7, "P14D": 14}
WHENS = ("snarest", "straks", "løpende")

LAWS = (
    ("syntetisk-lov-a", "LOV-2000-01-01-901", "Lov om syntetiske krisetjenester", "testlova",
     ("Formål", "Plikt til å samarbeide", "Samordning av tiltak", "Tilbud til brukeren",
      "Taushetsplikt", "Internkontroll")),
    ("syntetisk-lov-b", "LOV-2005-06-01-902", "Lov om syntetiske sosiale tjenester",
     "sosialtestloven",
     ("Formål", "Opplysning og råd", "Økonomisk stønad", "Midlertidig botilbud",
      "Individuell plan", "Klage", "Samarbeid med andre tjenester", "Ansvar for tjenestene")),
)
DOCUMENTS = (
    ("handlingsplan-syntetisk", "handlingsplan", "Syntetisk handlingsplan mot vold 2025–2030",
     2025, 2030, 30),
    ("veileder-syntetisk", "veileder", "Syntetisk veileder for samarbeid", None, None, 0),
)
SOURCES = (
    ("syntetisk-kilde-1", "Syntetisk kildedokument for rutiner", "dokument"),
    ("syntetisk-kilde-2", "Syntetisk kildedokument for organisasjoner", "dokument"),
    ("syntetisk-lovdata", "Syntetisk lovsamling", "nettside"),
)
GLOSSARY = (
    ("NAV", "Arbeids- og velferdsforvaltningen", "Den offentlige tjenesten for arbeid og velferd."),
    ("IKS", "interkommunalt selskap", "Et selskap som flere kommuner eier sammen."),
    ("IP", "individuell plan", "En plan for brukere som trenger langvarige og koordinerte tjenester."),
    ("EØS", "Det europeiske økonomiske samarbeidsområdet", "EU-landene og Island, Liechtenstein og Norge."),
    ("kode 6", None, "Strengt fortrolig adresse: adressen er skjult for nesten alle."),
)

THEMES = (
    "bolig etter krisesenteropphold", "økonomisk stønad og nødhjelp", "oppfølging av barn",
    "vold i nære relasjoner", "overgang til egen bolig", "samarbeid om individuell plan",
    "akutt hjelp utenom kontortid", "tilbakeføring til hjemkommunen",
)
ACTIONS = (
    "Tar imot henvendelsen og avklarer behovet sammen med brukeren.",
    "Kontakter de andre partene og avtaler et møte om videre oppfølging.",
    "Vurderer søknaden om økonomisk stønad og fatter vedtak så raskt som saken tillater.",
    "Sender kopi av vedtaket til brukeren og til kontaktpersonen i den andre tjenesten.",
    "Kartlegger boligbehovet og skriver kartleggingen i journalen.",
    "Gir brukeren informasjon om rettigheter, plikter og hvem som kan hjelpe videre.",
    "Melder fra om endringer i planen til de andre partene.",
    "Avklarer hvilket NAV-kontor som har ansvaret for livsopphold i perioden.",
    "Følger opp at tiltakene er satt i verk, og vurderer om de virker.",
    "Hjelper brukeren med å fylle ut søknaden og legge ved det som trengs.",
    "Avtaler visning av bolig og følger brukeren dit når det trengs.",
    "Vurderer sikkerheten og lager en sikkerhetsplan sammen med brukeren.",
)
CONDITIONS = ("med brukerens samtykke", "når det er fare for liv eller helse",
              "når brukeren har barn", "hvis brukeren ønsker det")
AFTERS = ("henvendelsen er mottatt", "søknaden er mottatt", "brukeren flyttet inn",
          "vedtaket er fattet")
FILLER = (
    "Partene skal samarbeide slik at brukeren får et helhetlig og samordnet tilbud.",
    "Rutinen beskriver hvem som gjør hva, og innen hvilken frist.",
    "Hver part sørger for at de ansatte kjenner rutinen og bruker den i det daglige arbeidet.",
    "Opplysninger om brukeren deles bare når brukeren samtykker eller loven krever det.",
    "Uenighet om ansvar løses først mellom saksbehandlerne og deretter på ledernivå.",
    "Brukeren skal ikke vente på hjelp mens tjenestene avklarer hvem som har ansvaret.",
    "Kontaktpersonene i hver tjeneste holder hverandre orientert om endringer.",
    "Rutinen evalueres jevnlig, og endringer avtales skriftlig mellom partene.",
)
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
          "oktober", "november", "desember")

# --------------------------------------------------------------------------- YAML text helpers

# No commas: a plain scalar with a comma would split inside a flow list [a, b].
_PLAIN = re.compile(r"[A-Za-zÆØÅæøå§][\w ÆØÅæøå§.–()/-]*[\wÆØÅæøå.)]")
_RESERVED = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "nan", "inf"}


def q(text: str) -> str:
    """A YAML scalar for `text`: plain when that is unambiguous, else double-quoted."""
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def folded(text: str, indent: int, width: int = 92) -> str:
    """A folded block scalar (>-) with greedy word wrap; `indent` is the content indent."""
    pad = " " * indent
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(pad) + len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return ">-\n" + "".join(f"{pad}{ln}\n" for ln in lines)


def flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _write(path: Path, text: str) -> int:
    data = (HEADER + text).encode("utf-8")
    path.write_bytes(data)
    return len(data)


# --------------------------------------------------------------------------- the parts


def _organisations(n: int) -> list[dict]:
    width = max(4, len(str(n)))
    orgs = []
    for i in range(n):
        kind = ORG_KINDS[i % len(ORG_KINDS)]
        place = PLACES[i % len(PLACES)]
        orgs.append({"id": f"{ORG_PREFIX[kind]}-{i + 1:0{width}d}", "kind": kind, "place": place,
                     "no": i + 1})
    return orgs


def _region(no: int, kommuner: list[dict]) -> list[str]:
    """The municipalities of one region: consecutive groups of REGION_SIZE, so every
    municipality has NAV, a crisis centre and a police district that serve it."""
    if not kommuner:
        return []
    n_regions = max(1, -(-len(kommuner) // REGION_SIZE))
    r = no % n_regions
    return [k["id"] for k in kommuner[r * REGION_SIZE:(r + 1) * REGION_SIZE]]


def _org_text(org: dict, kommuner: list[dict]) -> str:
    kind, place, no = org["kind"], org["place"], org["no"]
    name = {
        "krisesenter": f"Krisesenteret i {place} {no} IKS",
        "nav-kontor": f"NAV {place} {no}",
        "kommune": f"{place} kommune {no}",
        "kommunal-enhet": f"Boligkontoret i {place} {no}",
        "politi": f"{place} politistasjon {no}",
    }[kind]
    out = [f"id: {org['id']}\n", f"name: {q(name)}\n", f"kind: {kind}\n",
           # A made-up number (this corpus is synthetic), so digital signing is possible (RB041).
           f'org_number: "{900_000_000 + no}"\n',
           "org_number_source: {document: syntetisk-kilde-2, where: Enhetsregisteret}\n"]
    region = _region(no, kommuner)
    if kind == "krisesenter":
        out.append("legal_form: IKS\n")
        if region:
            out.append(f"owned_by: {flow(region)}\n")
            out.append(f"serves: {flow(region)}\n")
        out.append("serves_note: Kvinner, menn og barn som er utsatt for vold i nære relasjoner.\n")
    elif kind == "politi" and region:
        out.append(f"serves: {flow(region)}\n")
    elif kind == "nav-kontor" and kommuner:
        out.append(f"serves: [{kommuner[no % len(kommuner)]['id']}]\n")
    elif kind == "kommunal-enhet" and kommuner:
        out.append(f"part_of: {kommuner[no % len(kommuner)]['id']}\n")
    out.append("description: " + folded(
        f"{name} er en syntetisk organisasjon laget for å teste rutineboka. "
        "Alle opplysninger her er oppdiktet.", 2))
    phone = f"69 {no // 10000 % 100:02d} {no // 100 % 100:02d} {no % 100:02d}"
    out.append(
        "contacts:\n"
        "  - id: sentralbord\n"
        "    label: Sentralbord\n"
        f"    phone: {q(phone)}\n"
        f"    email: postmottak@{org['id']}.example\n"
        f"    address: {q(f'Storgata {no % 200 + 1}, {place}')}\n"
        "    opening_hours: Hverdager 08.00–15.30\n"
        "    source: {document: syntetisk-kilde-2, where: Kontaktopplysninger}\n"
    )
    out.append("source: {document: syntetisk-kilde-2}\n")
    org["name"] = name
    return "".join(out)


def _role_text(role_id: str, name: str, kinds: tuple[str, ...], description: str) -> str:
    return (f"id: {role_id}\nname: {q(name)}\norganisation_kinds: {flow(list(kinds))}\n"
            f"description: {folded(description, 2)}"
            "source: {document: syntetisk-kilde-1, where: Roller}\n")


def _user_role_text() -> str:
    return (f"id: {USER_ROLE}\nname: Brukeren\nkind: bruker\n"
            "also_called: [beboer, den voldsutsatte]\n"
            "description: " + folded("Personen rutinen handler om. Brukeren er selv en aktør "
                                     "med egne oppgaver.", 2) +
            "source: {document: syntetisk-kilde-1, where: Roller}\n")


def _law_text(law) -> str:
    law_id, official, title, short, paragraphs = law
    out = [(f"id: {law_id}\nkind: lov\nofficial_id: {official}\ntitle: {q(title)}\n"
            f"short_name: {short}\nin_force: 2001-01-01\nparagraphs:\n")]
    for n, ptitle in enumerate(paragraphs, 1):
        out.append(f"  - id: § {n}\n    title: {q(ptitle)}\n")
        if n == 2:
            # An old change: long before any generated routine was approved.
            out.append("    changes:\n      - date: 2015-07-01\n        kind: endret\n"
                       "        summary: Paragrafen fikk et nytt andre ledd.\n"
                       "        source: {document: syntetisk-lovdata, where: Endringer}\n")
    out.append(f"source: {{document: syntetisk-lovdata, where: {official}}}\n")
    return "".join(out)


def _document_text(doc) -> str:
    doc_id, kind, title, first, last, measures = doc
    out = [f"id: {doc_id}\nkind: {kind}\ntitle: {q(title)}\npublisher: Syntetisk direktorat\n"]
    if first:
        out.append(f"year: {first}\nfirst_year: {first}\nlast_year: {last}\n")
    else:
        out.append("year: 2024\n")
    if measures:
        out.append("measures:\n")
        for n in range(1, measures + 1):
            out.append(f'  - number: "{n}"\n    text: Tiltak nummer {n} i den syntetiske planen.\n')
    out.append("source: {document: syntetisk-kilde-1}\n")
    return "".join(out)


def _sources_text() -> str:
    out = ["sources:\n"]
    for sid, title, kind in SOURCES:
        out.append(f"  - id: {sid}\n    title: {q(title)}\n    kind: {kind}\n"
                   "    date: 2025-01-01\n    date_note: Syntetisk kilde laget for testing.\n")
    return "".join(out)


def _glossary_text() -> str:
    out = ["terms:\n"]
    for term, expansion, explanation in GLOSSARY:
        out.append(f"  - term: {q(term)}\n")
        if expansion:
            out.append(f"    expansion: {q(expansion)}\n")
        out.append(f"    explanation: {q(explanation)}\n")
    return "".join(out)


def _deadline(rng: random.Random, rules_here: list[tuple], budget: list[int]) -> str | None:
    """A step deadline as YAML (after 'deadline: '), mixing every form; None for no deadline.

    The check adds up the step durations of a procedure and warns when they pass its
    limit, so durations are drawn from `budget` (days left) and fall back to a word.
    """
    r = rng.random()
    if r < 0.15:
        return None
    if r < 0.70:  # a duration: shorthand (PT48H) or mapping with 'after'
        iso = rng.choice(DURATIONS)
        if DAYS[iso] <= budget[0]:
            budget[0] -= DAYS[iso]
            return iso if r < 0.55 else f"{{within: {iso}, after: {rng.choice(AFTERS)}}}"
    elif r >= 0.82 and rules_here:  # a named time rule stated in this routine
        rule = rng.choice(rules_here)
        if DAYS[rule[2]] <= budget[0]:
            budget[0] -= DAYS[rule[2]]
            return f"{{rule: {rule[0]}, after: {rng.choice(AFTERS)}}}"
    return rng.choice(WHENS)  # 'snarest' and the like (also when the budget is spent)


def _step_text(rng: random.Random, party_ids: list[str], roles: list[str], action: str,
               referable: list[tuple], budget: list[int]) -> str:
    """One procedure step (the random draws in the same order as always: same seed, same data)."""
    actor = USER_ROLE if rng.random() < 0.05 else (
        rng.choice(party_ids) if rng.random() < 0.1 else rng.choice(roles))
    o = [f"                - actor: {actor}\n", f"                  action: {q(action)}\n"]
    deadline = _deadline(rng, referable, budget)
    if deadline:
        o.append(f"                  deadline: {deadline}\n")
    if rng.random() < 0.25:
        o.append(f"                  condition: {rng.choice(CONDITIONS)}\n")
    if rng.random() < 0.5:
        o.append(f"                  to: {flow(rng.sample(roles, min(2, len(roles))))}\n")
    if rng.random() < 0.1:
        o.append("                  note: " + folded(
            "Dokumenter alltid hva som ble avtalt, og hvem som har fått beskjed.", 20))
    return "".join(o)


def _routine_text(i: int, rid: str, parties: list[dict], rng: random.Random, steps: int) -> str:
    owner = parties[0]
    party_ids = [p["id"] for p in parties]
    roles = sorted({r for p in parties for r in ROLES_FOR_KIND[p["kind"]]})
    theme = THEMES[i % len(THEMES)]
    names = ", ".join(p["name"] for p in parties[:-1]) + " og " + parties[-1]["name"]

    # Dates: change log, then approval, then signing, then in force; review long after.
    base = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(0, 300))
    version = rng.randint(1, 4)
    log_dates = [base - dt.timedelta(days=120 * (version - v)) for v in range(1, version + 1)]
    approved = base + dt.timedelta(days=rng.randrange(1, 20))
    signed = approved + dt.timedelta(days=rng.randrange(1, 30))
    valid_from = signed + dt.timedelta(days=rng.randrange(0, 30))
    review_by = dt.date(2030 + rng.randrange(0, 3), valid_from.month, min(valid_from.day, 28))

    kind = ("samarbeidsrutine", "ansvarsdeling", "arbeidsprosess")[i % 3]
    o = [f"id: {rid}\n", f"title: {q(f'Samarbeid om {theme} ({i + 1})')}\n", f"kind: {kind}\n",
         "summary: " + folded(f"Hvordan {names} samarbeider om {theme}: hvem som gjør hva, "
                              "fristene og hvem som kan kontaktes.", 2),
         f"owner: {owner['id']}\n", f"parties: {flow(party_ids)}\n",
         f"external_actors: [{USER_ROLE}]\n",
         f"version: {version}\nstatus: gjeldende\n",
         f"valid_from: {valid_from.isoformat()}\nreview_by: {review_by.isoformat()}\n",
         f"issued: {MONTHS[valid_from.month - 1]} {valid_from.year}\n",
         "approved:\n",
         f"  by: {q('Ledermøtet for partene i ' + owner['place'])}\n",
         f"  on: {approved.isoformat()}\n  organisation: {owner['id']}\n",
         "  source: {document: syntetisk-kilde-1, where: Vedtak}\n"]
    if kind != "arbeidsprosess":  # a work process is published, not signed (RB037)
        o += ["signing:\n",
              f"  method: {'digital' if i % 2 else 'papir'}\n  place: {owner['place']}\n",
              f"  date: {signed.isoformat()}\n  signatories:\n"]
        for k, p in enumerate(parties, 1):
            # The check warns about unnamed signatories; these names are plainly made up.
            o.append(f"    - party: {p['id']}\n      role: {SIGNER[p['kind']]}\n"
                     f"      name: Testperson {i + 1}-{k}\n")

    law_a, law_b = LAWS
    o.append("legal_basis:\n"
             f"  - law: {law_a[0]}\n    paragraph: § {1 + i % len(law_a[4])}\n"
             f"  - law: {law_b[0]}\n    paragraph: § 2\n    note: Plikten til å samarbeide.\n"
             f"  - law: {law_b[0]}\n")
    plan = DOCUMENTS[0]
    o.append("governing_documents:\n"
             f"  - document: {plan[0]}\n"
             f'    measures: ["{1 + i % plan[5]}", "{1 + (i * 7) % plan[5]}"]\n'
             f"  - document: {DOCUMENTS[1][0]}\n    note: Gir råd om samarbeidet.\n")

    o.append("sections:\n")
    # --- purpose: text blocks
    o.append("  - id: formal\n    title: Formål og omfang\n    blocks:\n")
    for k in range(3):
        o.append("      - text: " + folded(
            " ".join(FILLER[(i + k + j) % len(FILLER)] for j in range(3)), 10))
    o.append("      - list:\n          title: Rutinen gjelder\n          items:\n")
    for p in parties:
        o.append(f"            - {q(p['name'])}\n")

    # --- responsibilities and role descriptions
    o.append("  - id: ansvar\n    title: Ansvar og roller\n    blocks:\n")
    for p in parties:
        role = rng.choice(ROLES_FOR_KIND[p["kind"]])
        o.append("      - responsibility:\n"
                 "          duty: " + folded(f"{p['name']} sørger for at {theme} blir fulgt opp "
                                             "i egen tjeneste.", 12) +
                 f"          responsible: [{role}]\n"
                 f"          deadline: {rng.choice(DURATIONS)}\n")
    for role in roles[:3]:
        o.append(f"      - role:\n          actor: {role}\n          text: " + folded(
            "Har oppgavene som er beskrevet i prosedyrene nedenfor, og er kontaktperson "
            "for de andre partene.", 12))

    # --- time rules
    rules_here = RULES[: 2 + i % 3]
    o.append("  - id: frister\n    title: Frister og tidsregler\n    blocks:\n"
             "      - text: Fristene nedenfor gjelder for alle partene.\n")
    for rule_id, name, value, qualifier, text in rules_here:
        o.append(f"      - rule:\n          id: {rule_id}\n          name: {q(name)}\n"
                 f"          value: {value}\n          qualifier: {qualifier}\n"
                 f"          applies_to: {flow(party_ids[:2])}\n"
                 f"          text: {q(text)}\n")
    referable = [r for r in rules_here if r in RULE_REFERABLE]

    # --- procedures: M steps over 1-3 procedures, each in its own subsection
    n_proc = max(1, min(steps, 1 + i % 3))
    sizes = [steps // n_proc + (1 if k < steps % n_proc else 0) for k in range(n_proc)]
    o.append("  - id: prosedyrer\n    title: Prosedyrer\n    blocks:\n"
             "      - text: Stegene gjøres i den rekkefølgen de står.\n    sections:\n")
    for k, size in enumerate(sizes, 1):
        o.append(f"      - id: prosedyre-{k}-beskrivelse\n"
                 f"        title: {q(f'Prosedyre {k}: {theme}')}\n        blocks:\n"
                 f"          - procedure:\n              id: prosedyre-{k}\n"
                 f"              title: {q(f'Slik går vi fram, del {k}')}\n"
                 f"              intro: Prosedyren starter når brukeren tar kontakt.\n"
                 f"              limit: {LIMIT}\n              steps:\n")
        budget = [LIMIT_DAYS]
        for s in range(size):
            o.append(_step_text(rng, party_ids, roles, ACTIONS[(i + k + s) % len(ACTIONS)], referable, budget))

    # --- meeting
    o.append("  - id: moter\n    title: Samarbeidsmøter\n    blocks:\n"
             "      - meeting:\n          id: samarbeidsmote\n"
             "          title: Samarbeidsmøte mellom partene\n"
             f"          frequency: {{times: {1 + i % 4}, per: år, also_when_needed: true}}\n"
             f"          convener: {owner['id']}\n"
             f"          participants: {flow(party_ids)}\n"
             "          agenda: [Erfaringer siden forrige møte, Endringer i rutinen, Eventuelt]\n"
             "          tasks: [Evaluere samarbeidet, Foreslå endringer i rutinen]\n")

    # --- contacts
    o.append("  - id: kontakt\n    title: Kontaktopplysninger\n    blocks:\n"
             "      - contacts:\n          title: Kontaktpunkter hos partene\n          entries:\n")
    for p in party_ids:
        o.append(f"            - {p}/sentralbord\n")
    o.append("      - table:\n          id: ansvarsoversikt\n          caption: Hvem gjør hva\n"
             "          columns: [Part, Oppgave]\n          rows:\n")
    for p in parties:
        o.append(f"            - [{q(p['name'])}, Følger opp egne oppgaver i rutinen]\n")

    # --- evaluation
    o.append("  - id: evaluering\n    title: Evaluering og endringer\n    blocks:\n"
             "      - text: " + folded(
                 f"Rutinen evalueres senest {review_by.year}. Partene melder behov for endringer "
                 "til eieren av rutinen.", 10))

    o.append("attachments:\n  - id: samtykkeskjema\n    title: Skjema for samtykke\n")
    o.append("change_log:\n")
    for v, d in enumerate(log_dates, 1):
        summary = "Første versjon." if v == 1 else f"Oppdatert frister og kontaktopplysninger (versjon {v})."
        o.append(f"  - version: {v}\n    date: {d.isoformat()}\n    summary: {q(summary)}\n")
    o.append("source: {document: syntetisk-kilde-1, where: Rutine}\n")
    return "".join(o)


# --------------------------------------------------------------------------- the corpus


def _prepare(out_dir: Path) -> None:
    """Empty out_dir if it was made by this generator; refuse to touch anything else."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / MARKER).is_file():
            raise FileExistsError(f"{out_dir} finnes og er ikke laget av generatoren; velg en tom mappe")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def parameters(routines: int, steps: int, orgs: int | None, seed: int) -> dict:
    """The parameters a corpus is made from (as stored in its marker)."""
    return {"generator": GENERATOR_VERSION, "routines": routines, "steps": steps,
            "orgs": max(orgs if orgs is not None else routines, len(ORG_KINDS)), "seed": seed}


def generate_corpus(out_dir: Path, routines: int, steps: int, orgs: int | None = None,
                    seed: int = 1) -> dict:
    """Write a valid synthetic data folder to out_dir; return counts and total bytes.

    `orgs` defaults to `routines` (at least one per organisation kind). Each routine has
    2–5 parties and `steps` procedure steps. The same arguments give the same bytes.
    """
    if routines < 0 or steps < 1:
        raise ValueError("routines må være 0 eller mer og steps minst 1")
    params = parameters(routines, steps, orgs, seed)
    out_dir = Path(out_dir)
    _prepare(out_dir)
    rng = random.Random(seed)
    total = 0
    counts = {"organisations": 0, "roles": 0, "routines": 0, "laws": 0, "documents": 0}
    for folder in counts:
        (out_dir / folder).mkdir()

    orgs_list = _organisations(params["orgs"])
    kommuner = [o for o in orgs_list if o["kind"] == "kommune"]
    for org in orgs_list:
        total += _write(out_dir / "organisations" / f"{org['id']}.yml", _org_text(org, kommuner))
    counts["organisations"] = len(orgs_list)

    for role in ROLES:
        total += _write(out_dir / "roles" / f"{role[0]}.yml", _role_text(*role))
    total += _write(out_dir / "roles" / f"{USER_ROLE}.yml", _user_role_text())
    counts["roles"] = len(ROLES) + 1

    for law in LAWS:
        total += _write(out_dir / "laws" / f"{law[0]}.yml", _law_text(law))
    counts["laws"] = len(LAWS)
    for doc in DOCUMENTS:
        total += _write(out_dir / "documents" / f"{doc[0]}.yml", _document_text(doc))
    counts["documents"] = len(DOCUMENTS)
    total += _write(out_dir / "sources.yml", _sources_text())
    total += _write(out_dir / "glossary.yml", _glossary_text())

    width = max(4, len(str(routines)))
    n_orgs = len(orgs_list)
    for i in range(routines):
        # The owner is organisation i (so every organisation is a party somewhere); the
        # other parties are drawn at random.
        n_parties = min(n_orgs, rng.randint(2, 5))
        owner = i % n_orgs
        others = rng.sample([k for k in range(n_orgs) if k != owner], n_parties - 1) \
            if n_orgs <= 64 else _sample_excluding(rng, n_orgs, owner, n_parties - 1)
        parties = [orgs_list[owner]] + [orgs_list[k] for k in others]
        rid = f"rutine-{i + 1:0{width}d}"
        total += _write(out_dir / "routines" / f"{rid}.yml",
                        _routine_text(i, rid, parties, rng, steps))
    counts["routines"] = routines

    files = sum(counts.values()) + 2
    (out_dir / MARKER).write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    return {**counts, "steps_per_routine": steps, "files": files, "bytes": total,
            "parameters": params}


def _sample_excluding(rng: random.Random, n: int, excluded: int, k: int) -> list[int]:
    """k distinct ints in range(n) other than `excluded`, without building the whole range."""
    chosen: list[int] = []
    while len(chosen) < k:
        x = rng.randrange(n)
        if x != excluded and x not in chosen:
            chosen.append(x)
    return chosen


def read_marker(out_dir: Path) -> dict | None:
    """The parameters a generated folder was made with, or None."""
    try:
        return json.loads((Path(out_dir) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------- command line


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """Add the generator's options to `parser` (or a new one), the one command line for it."""
    p = parser or argparse.ArgumentParser(
        prog="bench/generate.py",
        description="Lag et syntetisk, gyldig datasett (til ytelsestester).")
    p.add_argument("--out", type=Path, required=True, help="mappen datasettet skrives til")
    p.add_argument("--routines", type=int, required=True, help="antall rutiner")
    p.add_argument("--steps", type=int, default=20, help="steg per rutine (standard 20)")
    p.add_argument("--orgs", type=int, default=None,
                   help="antall organisasjoner (standard: like mange som rutiner)")
    p.add_argument("--seed", type=int, default=1, help="frø for tilfeldige valg (standard 1)")
    return p


def run(args: argparse.Namespace) -> int:
    try:
        result = generate_corpus(args.out, args.routines, args.steps, args.orgs, args.seed)
    except (FileExistsError, ValueError) as exc:
        print(f"feil: {exc}", file=sys.stderr)
        return 2
    print(f"skrev {result['files']} filer ({result['bytes'] / 1_048_576:.1f} MiB) til {args.out}: "
          f"{result['routines']} rutiner à {args.steps} steg, "
          f"{result['organisations']} organisasjoner, {result['roles']} roller")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


def generated_tree(n_questions: int) -> dict:
    """A decision tree as data: a balanced binary tree of n questions and n+1 outcomes.

    Its references (routine moss-krisesenter-nav, organisation nav-moss) exist in the real data/.
    """
    nodes = []
    for i in range(n_questions):
        kids = [2 * i + 1, 2 * i + 2]
        nodes.append({"id": f"q{i}", "question": f"Spørsmål {i}?", "options": [
            {"label": "Ja", "next": f"q{kids[0]}" if kids[0] < n_questions else f"o{kids[0]}"},
            {"label": "Nei", "next": f"q{kids[1]}" if kids[1] < n_questions else f"o{kids[1]}"}]})
    for i in range(n_questions, 2 * n_questions + 1):
        nodes.append({"id": f"o{i}", "outcome": {"title": f"Utfall {i}", "text": "Et svar.",
                                                 "responsible": ["nav-moss"]}})
    return {"id": "generert", "title": "Generert tre", "summary": "Til test.", "routine": "moss-krisesenter-nav",
            "start": "q0", "nodes": nodes, "source": {"document": "seed-000"}}


if __name__ == "__main__":
    raise SystemExit(main())
