"""Command line: `rutinebok check` and the other subcommands, each imported only when run.

`check` needs only the core dependencies (pyproject.toml); `pdf`, `sign`, `diff` and the
site need their extras, and say so in Norwegian when one is missing. A UserError
(errors.py) is the user's to fix and is printed plainly; any other exception is a bug in
rutinebok and is reported as one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import json
import os
import sys
import time
from pathlib import Path

from . import __version__
from .errors import UserError
from .safefiles import data_folder

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

# Subcommand -> (module that adds its parser with add_parsers(sub), extra it needs, help).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("", "", "sjekk dataene og skriv ut feil og advarsler"),
    "explain": ("explain", "", "forklar en kode fra sjekken, f.eks. RB012"),
    "new": ("new", "", "lag en ny datafil med kommentarer som består sjekken"),
    "schema": ("schema", "", "skriv JSON-skjema for datafilene (for redigeringsprogrammer)"),
    "codeowners": ("codeowners", "", "lag .github/CODEOWNERS fra dataene"),
    "facts": ("facts", "", "for redaktører: alle daterte opplysninger etter alder og ukjente fakta"),
    "adresse": ("address", "", "nettstedets offentlige adresse og repository (for CI)"),
    "diff": ("diff", "site", "oppsummer hva en endring betyr for rutinene (fra git)"),
    "pdf": ("pdf", "pdf", "lag utskrivbare PDF-er av rutinene (PDF/A, ett signaturfelt per part)"),
    "sign": ("sign", "sign", "signer en parts felt i en rutine-PDF (PAdES)"),
    "verify": ("sign", "sign", "kontroller signaturene i en rutine-PDF"),
}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ugyldig dato «{text}» (skriv ÅÅÅÅ-MM-DD)") from None


def _missing_package(command: str, exc: ModuleNotFoundError) -> UserError:
    """A package an extra provides is not installed: the user's to fix, not a bug."""
    if not exc.name or exc.name.split(".")[0] == "rutinebok":
        raise exc
    extra = COMMANDS.get(command, ("", "", ""))[1]
    return UserError(f"kommandoen «{command}» trenger Python-pakken «{exc.name.split('.')[0]}», som ikke er "
                     "installert", f"installer med: pip install 'rutinebok[{extra or 'all'}]'")


def _command_module(name: str):
    try:
        return importlib.import_module(f"rutinebok.{COMMANDS[name][0]}")
    except ModuleNotFoundError as exc:
        raise _missing_package(name, exc) from None


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen command's module is imported (the others are listed)."""
    p = argparse.ArgumentParser(prog="rutinebok", description="Samarbeidsrutiner som data.")
    p.add_argument("--version", action="version", version=f"rutinebok {__version__}")
    sub = p.add_subparsers(dest="command", metavar="KOMMANDO")
    sub.required = True

    c = sub.add_parser("check", help=COMMANDS["check"][2])
    c.set_defaults(handler=cmd_check)
    c.add_argument("paths", nargs="*", type=Path, metavar="FIL",
                   help="vis bare funnene i disse filene (alle dataene leses likevel, for henvisningene)")
    c.add_argument("--data", type=Path, default=None, help="datamappen (standard: data)")
    c.add_argument("--strict", action="store_true", help="advarsler teller som feil")
    c.add_argument("--today", type=_date, default=None, help="dagens dato, ÅÅÅÅ-MM-DD (for testing)")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--against", metavar="REV", help="sammenlign med en git-revisjon (f.eks. main): "
                   "en rutine med endret innhold må ha høyere versjon")
    if command in COMMANDS and command != "check":
        _command_module(command).add_parsers(sub)
    for name, (_, _, help_text) in COMMANDS.items():
        if name not in sub.choices:
            sub.add_parser(name, help=help_text, add_help=False)
    return p


def _wanted_command(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def _file_filter(paths: list[Path], data: Path):
    """A predicate on a finding's file for `rutinebok check FIL ...` (None: every file)."""
    if not paths:
        return None
    from .load import _rel

    wanted = set()
    for path in paths:
        if not path.exists():
            raise UserError(f"fant ikke filen {path}", "oppgi en fil i datamappen, f.eks. data/routines/id.yml")
        if not path.resolve().is_relative_to(data.resolve()):
            raise UserError(f"{path} ligger utenfor datamappen {data}",
                            f"sjekk en fil under {data}/, eller pek på en annen datamappe med --data")
        wanted.add(_rel(path.resolve(), data.resolve().parent, data.resolve()))
    return lambda file: file in wanted


def _findings(args: argparse.Namespace, today: dt.date):
    from .checks import run_checks
    from .findings import Report
    from .load import load_dataset

    report = Report()
    ds = load_dataset(args.data, report)
    partial = bool(ds.failed_files)
    checked = run_checks(ds, today)
    if partial:
        # With a file missing, a reference to it would look broken: keep the errors the
        # loader found and the other files' warnings, which do not depend on the missing file.
        checked = [f for f in checked if f.severity == "warning" and f.file not in ds.failed_files]
    report.extend(checked)
    if args.against and not partial:
        from .diff import DiffError, version_findings

        try:
            report.extend(version_findings(ds, args.against, args.data))
        except DiffError as exc:
            raise UserError(f"--against: {exc}", exit_code=exc.code) from None
    return ds, report, partial


def cmd_check(args: argparse.Namespace) -> int:
    from . import kinds

    today = args.today or dt.date.today()
    started = time.perf_counter()
    args.data = data_folder(args.data)  # the repository's own unless one is named with --data
    keep = _file_filter(args.paths, args.data)
    ds, report, partial = _findings(args, today)
    findings = [f for f in report.sorted() if keep is None or keep(f.file)]
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    failed = errors > 0 or (args.strict and warnings > 0)
    elapsed = time.perf_counter() - started
    if args.format == "json":
        json.dump({
            "findings": [f.as_dict() for f in findings],
            "summary": {"errors": errors, "warnings": warnings, "files": len(ds.files) + len(ds.failed_files),
                        **{k.name: len(ds.by_kind(k.name)) for k in kinds.folder_kinds()},
                        "cross_checks_run": not partial,
                        "today": today.isoformat(), "strict": args.strict, "ok": not failed},
        }, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        _print_text(findings, ds, today, elapsed, errors, warnings)
        if partial:
            print(f"{len(ds.failed_files)} fil(er) kunne ikke leses. Kryssjekkene mellom filene ga bare "
                  "advarsler nå; rett feilene over og kjør igjen for å se alt.")
        if args.strict and warnings and not errors:
            print("--strict: advarslene teller som feil.")
    return EXIT_ERRORS if failed else EXIT_OK


def _print_text(findings, ds, today: dt.date, elapsed: float, errors: int, warnings: int) -> None:
    from . import kinds

    for f in findings:
        print(f.format())
    if findings:
        counts: dict[str, int] = {}
        for f in findings:
            counts[f"{f.code} [{f.name}]"] = counts.get(f"{f.code} [{f.name}]", 0) + 1
        print("\nPer kode: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    counted = ", ".join(f"{len(ds.by_kind(k.name))} {k.noun if len(ds.by_kind(k.name)) == 1 else k.plural}"
                        for k in kinds.folder_kinds())
    print(f"\nSjekket {len(ds.files) + len(ds.failed_files)} filer ({counted}) per "
          f"{today.isoformat()} på {elapsed:.2f} s: {errors} feil, {warnings} advarsler.")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(argv)
    except UserError as exc:
        print(f"rutinebok: feil: {exc}", file=sys.stderr)
        return exc.exit_code
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


def _run(argv: list[str]) -> int:
    parser = _parser(_wanted_command(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except ModuleNotFoundError as exc:  # e.g. `pdf` imports its renderer only when it runs
        raise _missing_package(args.command, exc) from None


# Commands whose process may end without the interpreter's teardown once their output is
# flushed: they hold no worker processes, threads or open files when they return, and their
# file (a signed PDF) is written, synced and closed before. Freeing the ~180,000 objects
# pyHanko and the data leave behind takes about 0.3 s, a third of a signature.
_FAST_EXIT = frozenset({"sign", "verify"})


def run() -> None:
    """The `rutinebok` program (console script and `python -m rutinebok`): main(), then exit."""
    argv = sys.argv[1:]
    fast_exit = _wanted_command(argv) in _FAST_EXIT
    if fast_exit:
        # Reading a signed PDF makes ~100,000 objects that live until the process ends, and
        # the imports as many again; each full collection of the cyclic garbage collector
        # walks them all, a fifth of a signature's time. These commands make no garbage
        # cycles worth collecting, and the process ends right after them.
        gc.disable()
        from .sign import cli as sign_cli

        sign_cli.FORK_DATA = True  # a process of its own: the data may load in a forked one
    code = main(argv)
    if not fast_exit:
        sys.exit(code)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    try:
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
