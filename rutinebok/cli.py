"""Command line: `rutinebok check`, `rutinebok generate`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from . import __version__
from .checks import run_checks
from .findings import Report
from .load import load_dataset

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

# Modules that contribute subcommands through add_parsers(sub); imported lazily in _parser.
_COMMAND_MODULES: list = []


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ugyldig dato «{text}» (skriv ÅÅÅÅ-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rutinebok", description="Samarbeidsrutiner som data.")
    p.add_argument("--version", action="version", version=f"rutinebok {__version__}")
    sub = p.add_subparsers(dest="command", metavar="KOMMANDO")
    sub.required = True

    c = sub.add_parser("check", help="sjekk dataene og skriv ut feil og advarsler")
    c.set_defaults(handler=cmd_check)
    c.add_argument("--data", type=Path, default=Path("data"), help="datamappen (standard: data)")
    c.add_argument("--strict", action="store_true", help="advarsler teller som feil")
    c.add_argument("--today", type=_date, default=None, help="dagens dato, ÅÅÅÅ-MM-DD (for testing)")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--against", metavar="REV", help="sammenlign med en git-revisjon (f.eks. main): "
                   "en rutine med endret innhold må ha høyere versjon")

    g = sub.add_parser("generate", help="lag et syntetisk datasett for ytelsestester")
    g.set_defaults(handler=cmd_generate)
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--routines", type=int, default=100)
    g.add_argument("--steps", type=int, default=20)
    g.add_argument("--orgs", type=int, default=None)
    g.add_argument("--seed", type=int, default=1)
    from . import address, codeowners, diff, facts, new, pdf, schema, sign

    for module in (pdf, sign, schema, new, codeowners, diff, address, facts, *_COMMAND_MODULES):  # other stages add their own subcommands
        module.add_parsers(sub)
    return p


def cmd_check(args: argparse.Namespace) -> int:
    today = args.today or dt.date.today()
    started = time.perf_counter()
    report = Report()
    ds = load_dataset(args.data, report)
    skipped = bool(ds.failed_files)
    if not skipped:
        report.extend(run_checks(ds, today))
        if args.against:
            from .diff import DiffError, version_findings

            try:
                report.extend(version_findings(ds, args.against, args.data))
            except DiffError as exc:
                print(f"rutinebok check: --against: {exc}", file=sys.stderr)
                return exc.code
    findings = report.sorted()
    errors, warnings = len(report.errors), len(report.warnings)
    failed = errors > 0 or (args.strict and warnings > 0)
    elapsed = time.perf_counter() - started
    if args.format == "json":
        json.dump({
            "findings": [f.as_dict() for f in findings],
            "summary": {"errors": errors, "warnings": warnings, "files": len(ds.files) + len(ds.failed_files),
                        "routines": len(ds.routines), "organisations": len(ds.organisations),
                        "roles": len(ds.roles), "cross_checks_run": not skipped,
                        "today": today.isoformat(), "strict": args.strict, "ok": not failed},
        }, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for f in findings:
            print(f.format())
        if findings:
            counts: dict[str, int] = {}
            for f in findings:
                counts[f"{f.code} [{f.name}]"] = counts.get(f"{f.code} [{f.name}]", 0) + 1
            print("\nPer kode: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
        counted = (f"{len(ds.routines)} rutiner, {len(ds.organisations)} organisasjoner, "
                   f"{len(ds.roles)} roller, {len(ds.laws)} lover/forskrifter, {len(ds.trees)} veivisere")
        print(f"\nSjekket {len(ds.files) + len(ds.failed_files)} filer ({counted}) per "
              f"{today.isoformat()} på {elapsed:.2f} s: {errors} feil, {warnings} advarsler.")
        if skipped:
            print(f"Kryssjekkene ble ikke kjørt fordi {len(ds.failed_files)} fil(er) ikke kunne leses. "
                  "Rett feilene over og kjør igjen.")
        if args.strict and warnings and not errors:
            print("--strict: advarslene teller som feil.")
    return EXIT_ERRORS if failed else EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    from .generate import generate_corpus

    try:
        result = generate_corpus(args.out, routines=args.routines, steps=args.steps, orgs=args.orgs,
                                 seed=args.seed)
    except (FileExistsError, ValueError) as exc:
        print(f"rutinebok generate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug in rutinebok, not bad data: say so briefly
        if os.environ.get("RUTINEBOK_DEBUG"):
            raise
        print(f"rutinebok: intern feil ({type(exc).__name__}: {exc}). Dette er en feil i rutinebok, "
              "ikke i dataene; kjør med RUTINEBOK_DEBUG=1 for detaljer og meld fra.", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
