"""`rutinebok codeowners`: .github/CODEOWNERS generated from the data.

Each organisation's reviewers own its own file and every routine (and decision tree) it is
party to, so a change to a routine asks the parties whose routine it is.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import kinds
from .errors import UserError
from .findings import Report
from .load import load_dataset

TARGET = Path(".github/CODEOWNERS")
DEFAULT_TEAM = "@rutinebok/{id}"


def reviewers(org) -> list[str]:
    return list(org.reviewers) or [DEFAULT_TEAM.format(id=org.id)]


def owners(ds, kind: kinds.Kind, entity) -> list[str]:
    """Who reviews a change to this entity's file, by its kind's review rule."""
    if kind.review == "self":
        return reviewers(entity)
    if kind.review == "parties":
        out: list[str] = []
        for party in ([entity.owner] if entity.owner else []) + entity.parties:
            for who in reviewers(ds.organisations[party]) if party in ds.organisations else []:
                if who not in out:
                    out.append(who)
        return out or [kinds.EDITORS]
    if kind.review == "routine":
        routine = ds.routines.get(entity.routine)
        return owners(ds, kinds.ROUTINES, routine) if routine is not None else [kinds.EDITORS]
    return [kinds.EDITORS]


def codeowners_text(data_dir: Path) -> str:
    report = Report()
    ds = load_dataset(data_dir, report)
    if report.errors:
        raise UserError("dataene har feil", "kjør `rutinebok check` og rett feilene først")
    base = "/" + data_dir.as_posix().strip("/") + "/"
    lines = ["# Generert av `rutinebok codeowners` fra data/. Ikke rediger for hånd.",
             "# Eierne av en organisasjon godkjenner endringer i den og i rutinene den er part i.",
             "# Redaksjonen eier hver mappe, så også nye filer har noen som godkjenner dem.",
             "", "*.py @rutinebok/utviklere"]
    lines += [f"{base}{k.file} {kinds.EDITORS}" for k in kinds.file_kinds()]
    lines += [f"{base}{k.folder}/ {kinds.EDITORS}" for k in kinds.folder_kinds()]
    for kind in kinds.folder_kinds():
        if kind.review == "editors":
            continue
        lines.append("")
        for entity in sorted(ds.by_kind(kind.name).values(), key=lambda e: e.id):
            lines.append(f"{base}{kind.folder}/{entity.id}.yml {' '.join(owners(ds, kind, entity))}")
    return "\n".join(lines) + "\n"


def cmd_codeowners(args: argparse.Namespace) -> int:
    from .safefiles import data_folder

    text = codeowners_text(data_folder(args.data))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} er ikke oppdatert. Kjør `rutinebok codeowners`.", file=sys.stderr)
            return 1
        print(f"{args.out} er oppdatert.")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"Skrev {args.out}.")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("codeowners", help="lag .github/CODEOWNERS fra dataene")
    p.add_argument("--data", type=Path, default=None, help="datamappen (standard: data)")
    p.add_argument("--out", type=Path, default=TARGET)
    p.add_argument("--check", action="store_true", help="feil hvis filen ikke er oppdatert")
    p.set_defaults(handler=cmd_codeowners)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.codeowners ...`: the same as `rutinebok codeowners ...`."""
    from .cli import main as cli_main

    return cli_main(["codeowners", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    sys.exit(main())
