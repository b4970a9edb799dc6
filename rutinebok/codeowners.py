"""`rutinebok codeowners`: .github/CODEOWNERS generated from the data.

Each organisation's reviewers own its own file and every routine (and decision tree) it is
party to, so a change to a routine asks the parties whose routine it is.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .findings import Report
from .load import load_dataset

TARGET = Path(".github/CODEOWNERS")
DEFAULT_TEAM = "@rutinebok/{id}"


def reviewers(org) -> list[str]:
    return list(org.reviewers) or [DEFAULT_TEAM.format(id=org.id)]


def codeowners_text(data_dir: Path) -> str:
    report = Report()
    ds = load_dataset(data_dir, report)
    if report.errors:
        raise ValueError("dataene har feil; kjør `rutinebok check` først")
    base = "/" + data_dir.as_posix().strip("/") + "/"
    lines = ["# Generert av `rutinebok codeowners` fra data/. Ikke rediger for hånd.",
             "# Eierne av en organisasjon godkjenner endringer i den og i rutinene den er part i.",
             "", "*.py @rutinebok/utviklere", "/data/sources.yml @rutinebok/redaksjon",
             "/data/glossary.yml @rutinebok/redaksjon", ""]
    for org in sorted(ds.organisations.values(), key=lambda o: o.id):
        lines.append(f"{base}organisations/{org.id}.yml {' '.join(reviewers(org))}")
    lines.append("")
    for r in sorted(ds.routines.values(), key=lambda x: x.id):
        owners: list[str] = []
        for party in ([r.owner] if r.owner else []) + r.parties:
            for who in reviewers(ds.organisations[party]) if party in ds.organisations else []:
                if who not in owners:
                    owners.append(who)
        owners = owners or ["@rutinebok/redaksjon"]
        lines.append(f"{base}routines/{r.id}.yml {' '.join(owners)}")
        for t in sorted(ds.trees.values(), key=lambda x: x.id):
            if t.routine == r.id:
                lines.append(f"{base}trees/{t.id}.yml {' '.join(owners)}")
    return "\n".join(lines) + "\n"


def cmd_codeowners(args: argparse.Namespace) -> int:
    try:
        text = codeowners_text(args.data)
    except ValueError as exc:
        print(f"rutinebok codeowners: {exc}", file=sys.stderr)
        return 1
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
    p.add_argument("--data", type=Path, default=Path("data"))
    p.add_argument("--out", type=Path, default=TARGET)
    p.add_argument("--check", action="store_true", help="feil hvis filen ikke er oppdatert")
    p.set_defaults(handler=cmd_codeowners)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.codeowners ...` without the rest of the command line."""
    parser = argparse.ArgumentParser(prog="rutinebok")
    add_parsers(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["codeowners", *(argv if argv is not None else sys.argv[1:])])
    except SystemExit as exc:
        return int(exc.code or 0)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
