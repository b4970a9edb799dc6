"""`rutinebok new KIND ID`: a valid, commented starting file that passes the check."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .findings import Report
from .load import load_dataset
from .model import ID_PATTERN
from .schema import SCHEMA_DIR, schema_line

KINDS = {"routine": "routines", "organisation": "organisations", "role": "roles", "tree": "trees"}

TEMPLATES = {
    "organisations": """\
# {id}: ny organisasjon. Fyll inn bare det en offentlig kilde oppgir; gjett aldri.
id: {id}
name: Navnet på organisasjonen
kind: annet  # krisesenter, nav-kontor, kommune, kommunal-enhet, politi, stiftelse, statlig, forum, ...
contacts: []  # legg til kontaktpunkter med kilde, f.eks. telefon til tjenesten
source: {{document: {source}}}  # kildedokumentet (se data/sources.yml)
""",
    "roles": """\
# {id}: ny rolle.
id: {id}
name: Navnet på rollen
organisation_kinds: [{org_kind}]  # hvor rollen finnes; eller organisations: [id, ...]
description: >-
  Hva rollen gjør, kort og i klarspråk.
source: {{document: {source}}}
""",
    "routines": """\
# {id}: ny rutine. Fyll inn, og kjør `rutinebok check` for å se hva som mangler.
id: {id}
title: Tittel på rutinen
kind: samarbeidsrutine  # samarbeidsrutine, ansvarsdeling, arbeidsprosess, strategiplan eller rapport
summary: >-
  Ett eller to setninger om hva rutinen gjelder.
owner: {owner}  # organisasjonen som eier rutinen
parties: [{owner}]  # partene; hver part trenger en linje under signing.signatories når rutinen signeres
version: 1
status: utkast  # utkast, gjeldende, til-revisjon eller utgått
sections:
  - id: formal
    title: Formål
    blocks:
      - text: >-
          Hva rutinen skal sikre.
change_log:
  - version: 1
    date: {today}
    summary: Første utkast.
source: {{document: {source}}}
""",
    "trees": """\
# {id}: ny veiviser. Hvert spørsmål har svar (options) som fører til et nytt spørsmål eller et utfall.
id: {id}
title: Spørsmålet veiviseren svarer på?
summary: >-
  Hva veiviseren hjelper med.
routine: {routine}  # rutinen veiviseren bygger på
start: forste-sporsmal
nodes:
  - id: forste-sporsmal
    question: Første spørsmål?
    options:
      - label: Ja
        next: svar-ja
      - label: Nei
        next: svar-nei
  - id: svar-ja
    outcome:
      title: Hva som skjer ved ja
      text: Forklar hva som skjer, og hvem som har ansvaret.
      responsible: [{owner}]
  - id: svar-nei
    outcome:
      title: Hva som skjer ved nei
      text: Forklar hva som skjer, og hvem som har ansvaret.
      responsible: [{owner}]
source: {{document: {source}}}
""",
}


def new_file(kind: str, new_id: str, data_dir: Path, schema_dir: Path | None = None) -> Path:
    """Write data/<kind>/<id>.yml; schema_dir defaults to schema/ beside the data folder."""
    import datetime as dt

    folder = KINDS[kind]
    if not re.match(ID_PATTERN, new_id):
        raise ValueError(f"«{new_id}» er ikke en gyldig id: bruk små bokstaver a–z, sifre og bindestrek, "
                         f"f.eks. «{_suggest(new_id)}»")
    if not data_dir.is_dir():
        raise ValueError(f"fant ikke datamappen {data_dir}")
    ds = load_dataset(data_dir, Report())
    existing = ds.ids()
    if new_id in existing:
        entity = getattr(ds, existing[new_id])[new_id]
        raise FileExistsError(f"id-en «{new_id}» finnes allerede, i {entity.file or existing[new_id]}; "
                              "velg en annen id eller rediger den filen")
    target = data_dir / folder / f"{new_id}.yml"
    if target.exists():
        raise FileExistsError(f"{target} finnes allerede")
    owner = next(iter(sorted(ds.organisations)), "eier")
    org_kind = ds.organisations[owner].kind if owner in ds.organisations else "annet"
    source = next((s.id for s in ds.sources.sources), "kilde") if ds.sources else "kilde"
    routine = next(iter(sorted(ds.routines)), "rutine")
    text = TEMPLATES[folder].format(id=new_id, owner=owner, org_kind=org_kind, source=source,
                                    routine=routine, today=dt.date.today().isoformat())
    target.parent.mkdir(parents=True, exist_ok=True)
    line = schema_line(target, data_dir, schema_dir or data_dir.parent / SCHEMA_DIR.name)
    target.write_text(f"{line}\n{text}" if line else text, encoding="utf-8")
    return target


def _suggest(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})
    slug = re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")
    return slug or "ny-id"


def cmd_new(args: argparse.Namespace) -> int:
    try:
        path = new_file(args.kind, args.id, args.data)
    except (ValueError, FileExistsError) as exc:
        print(f"rutinebok new: {exc}", file=sys.stderr)
        return 1
    print(f"Skrev {path}. Fyll inn feltene og kjør `rutinebok check`.")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("new", help="lag en ny datafil med kommentarer som består sjekken")
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("id")
    p.add_argument("--data", type=Path, default=Path("data"))
    p.set_defaults(handler=cmd_new)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.new ...` without the rest of the command line."""
    parser = argparse.ArgumentParser(prog="rutinebok")
    add_parsers(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["new", *(argv if argv is not None else sys.argv[1:])])
    except SystemExit as exc:
        return int(exc.code or 0)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
