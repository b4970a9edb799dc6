"""`rutinebok diff [REV_A] [REV_B]` and the version check `rutinebok check --against` uses."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
from pathlib import Path

from ..escape import terminal_lines
from ..load import Dataset
from .compare import Summary, compare
from .format import format_markdown, format_text
from .git import WORKTREE, DiffError, default_base, extract, load_at, repo_root, resolve


def _label(rev: str) -> str:
    return rev[:12] if re.fullmatch(r"[0-9a-f]{40}", rev) else rev


def run_diff(rev_a: str | None, rev_b: str | None, cwd: Path, data: str = "data",
             today: dt.date | None = None) -> Summary:
    root = repo_root(cwd)
    label_a = rev_a
    if rev_a is None:
        rev_a = default_base(root)
        label_a = "main" if rev_a != "HEAD" else "HEAD"
    a = resolve(rev_a, root)
    b = resolve(rev_b, root) if rev_b else None
    with tempfile.TemporaryDirectory() as tmp:
        a_ds, a_texts = load_at(a, root, data, Path(tmp))
        b_ds, b_texts = load_at(b, root, data, Path(tmp))
        signed = Path(tmp) / "signed-a"
        has_signed = extract(a, root, "signed", signed)
        return compare(a_ds, b_ds, a_texts, b_texts, _label(label_a), _label(rev_b) if rev_b else WORKTREE,
                       signed / "signed" if has_signed else None, today or dt.date.today())


def version_findings(ds: Dataset, rev: str, data_dir: Path) -> list:
    """RB036 for each routine whose content changed since `rev` while its version did not go up."""
    from ..findings import Finding

    root = repo_root(data_dir.resolve())
    rel = str(data_dir.resolve().relative_to(root))
    with tempfile.TemporaryDirectory() as tmp:
        old_ds, old_texts = load_at(resolve(rev, root), root, rel, Path(tmp))
    summary = compare(old_ds, ds, old_texts, {k: v.text for k, v in ds.files.items()}, rev, WORKTREE,
                      None, dt.date.today())
    out = []
    for change in summary.unbumped:
        r = ds.routines[change.routine_id]
        line, col = ds.source_of(r).position(("version",))
        out.append(Finding("RB036", "warning",
                           f"innholdet er endret siden {rev}, men versjonen er fortsatt {r.version}",
                           r.file, line, col, "version", "øk version og skriv en linje i change_log"))
    return out


def cmd_diff(args: argparse.Namespace) -> int:
    try:
        summary = run_diff(args.rev_a, args.rev_b, Path.cwd(), args.data)
    except DiffError as exc:
        print(f"rutinebok diff: {exc}", file=sys.stderr)
        return exc.code
    print(terminal_lines((format_markdown(summary) if args.format == "markdown" else format_text(summary))
                         .rstrip("\n")))
    if args.strict and summary.unbumped:
        print("rutinebok diff: versjonsnummeret er ikke økt for: "
              + ", ".join(r.routine_id for r in summary.unbumped)
              + " (øk version og skriv en linje i change_log)", file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("diff", help="oppsummer hva en endring betyr for rutinene (fra git)",
                       description="Oppsummerer på norsk hva en endring i dataene betyr for leserne: steg, "
                                   "frister, parter, kontakter, møter, lovgrunnlag og signaturer.")
    p.add_argument("rev_a", nargs="?", help="fra revisjon (standard: felles opphav med main)")
    p.add_argument("rev_b", nargs="?", help="til revisjon (standard: arbeidskopien)")
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument("--data", default="data", help="datamappen i repositoryet (standard: data)")
    p.add_argument("--strict", action="store_true", help="feil (kode 1) når en endret rutine ikke har fått ny versjon")
    p.set_defaults(handler=cmd_diff)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.diff ...` without the rest of the command line."""
    parser = argparse.ArgumentParser(prog="rutinebok diff")
    sub = parser.add_subparsers(dest="command")
    add_parsers(sub)
    try:
        args = parser.parse_args(["diff", *(argv if argv is not None else sys.argv[1:])])
    except SystemExit as exc:
        return int(exc.code or 0)
    return args.handler(args)
