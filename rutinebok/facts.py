"""The editors' report: every dated fact by age, every unknown fact, every editor's note.

Readers never see this. `rutinebok facts` prints it in the terminal or as Markdown (for a
pull-request comment or an issue); it reads the same data and the same check findings as
the site, so a number the home page says is «not confirmed since 2013» is listed here first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from .checks import run_checks
from .findings import Report
from .load import Dataset, load_dataset
from .words import date_words


@dataclass
class DatedFact:
    as_of: dt.date
    what: str
    where: str  # file:line

    def age_years(self, today: dt.date) -> float:
        return (today - self.as_of).days / 365.25


@dataclass
class Note:
    where: str
    path: str
    text: str


def _where(ds: Dataset, entity, path: tuple) -> str:
    src = ds.source_of(entity)
    line, _ = src.position(path)
    return f"{src.rel}:{line}" if line else src.rel


def dated_facts(ds: Dataset) -> list[DatedFact]:
    """Contacts with the date a source last confirmed them, oldest first."""
    out = []
    for org in ds.organisations.values():
        for i, c in enumerate(org.contacts):
            if c.as_of is None:
                continue
            value = c.phone or c.email or c.web or c.address or ""
            out.append(DatedFact(c.as_of, f"{org.name}: {c.label} ({value})",
                                 _where(ds, org, ("contacts", i, "as_of"))))
    return sorted(out, key=lambda f: (f.as_of, f.what))


def _walk_notes(value, path: tuple):
    if isinstance(value, BaseModel):
        note = getattr(value, "editor_note", None)
        if note:
            yield path, note
        for name in type(value).model_fields:
            if name != "editor_note":
                yield from _walk_notes(getattr(value, name), path + (name,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_notes(item, path + (i,))


def _path_words(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def editor_notes(ds: Dataset) -> list[Note]:
    notes = []
    for kind in ("organisations", "roles", "routines", "laws", "documents", "trees", "checklists"):
        for entity in ds.by_kind(kind).values():
            for path, text in _walk_notes(entity, ()):
                notes.append(Note(_where(ds, entity, path + ("editor_note",)), _path_words(path) or "(fila)",
                                  " ".join(text.split())))
    return notes


def report(ds: Dataset, findings: list, today: dt.date, fmt: str = "text") -> str:
    facts = dated_facts(ds)
    unknown = [f for f in findings if f.code == "RB023" and not f.path.endswith("as_of")]
    notes = editor_notes(ds)
    md = fmt == "markdown"
    lines = [("# " if md else "") + f"Opplysninger etter alder, per {date_words(today)}", ""]
    lines.append(("## " if md else "") + f"Daterte opplysninger ({len(facts)}), eldst først")
    if md:
        lines += ["", "| Alder | Bekreftet | Opplysning | Fil |", "| --- | --- | --- | --- |"]
    for f in facts:
        age = f"{f.age_years(today):.1f} år"
        if md:
            lines.append(f"| {age} | {f.as_of.isoformat()} | {f.what.replace('|', '/')} | `{f.where}` |")
        else:
            lines.append(f"  {age:>8}  {f.as_of.isoformat()}  {f.what}  [{f.where}]")
    lines += ["", ("## " if md else "") + f"Ukjente opplysninger ({len(unknown)})"]
    if md:
        lines.append("")
    for f in unknown:
        lines.append(("- " if md else "  ") + f"{f.message} [{f.file}:{f.line}]")
    lines += ["", ("## " if md else "") + f"Merknader til redaktørene ({len(notes)})"]
    if md:
        lines.append("")
    for n in notes:
        lines.append(("- " if md else "  ") + f"{n.path}: {n.text} [{n.where}]")
    return "\n".join(lines) + "\n"


def cmd_facts(args: argparse.Namespace) -> int:
    from .safefiles import data_folder

    args.data = data_folder(args.data, exit_code=2)  # as for a missing data folder
    if not Path(args.data).is_dir():
        print(f"rutinebok facts: fant ikke datamappen {args.data}", file=sys.stderr)
        return 2
    today = args.today or dt.date.today()
    rep = Report()
    ds = load_dataset(Path(args.data), rep)
    if ds.failed_files:
        print("rutinebok facts: dataene kan ikke leses; kjør `rutinebok check` først", file=sys.stderr)
        return 1
    sys.stdout.write(report(ds, run_checks(ds, today), today, args.format))
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("facts", help="for redaktører: alle daterte opplysninger etter alder, ukjente "
                       "opplysninger og merknader til redaktørene",
                       description="Redaktørenes oversikt (vises aldri for leserne): hver datert opplysning "
                                   "etter alder, hver ukjent opplysning sjekken varsler om (RB023), og hver "
                                   "editor_note i dataene.")
    p.add_argument("--data", type=Path, default=None, help="datamappen (standard: data)")
    p.add_argument("--today", type=dt.date.fromisoformat, default=None, help="dagens dato, ÅÅÅÅ-MM-DD")
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.set_defaults(handler=cmd_facts)
