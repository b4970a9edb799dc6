"""`rutinebok new KIND ID`: a valid, commented starting file that passes the check."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from . import kinds
from .errors import UserError
from .findings import Report
from .load import load_dataset
from .model import ID_PATTERN
from .schema import SCHEMA_DIR, schema_line
from .words import ascii_id


def new_file(kind: str, new_id: str, data_dir: Path, schema_dir: Path | None = None,
             checklist: str | None = None) -> Path:
    """Write data/<kind>/<id>.yml; schema_dir defaults to schema/ beside the data folder.

    With `checklist` (routines only), the routine answers to that checklist and has one
    section per item, none of them covered yet, so the check lists every item as uncovered."""
    import datetime as dt

    entry = kinds.by_new_word(kind)
    if entry is None or entry.scaffold is None:
        raise UserError(f"ukjent slags fil «{kind}»; velg " + " eller ".join(_words()))
    if not re.match(ID_PATTERN, new_id):
        raise UserError(f"«{new_id}» er ikke en gyldig id: bruk små bokstaver a–z, sifre og bindestrek, "
                         f"f.eks. «{_suggest(new_id)}»")
    if not data_dir.is_dir():
        raise UserError(f"fant ikke datamappen {data_dir}", "oppgi mappen med --data")
    ds = load_dataset(data_dir, Report())
    existing = ds.ids()
    if new_id in existing:
        entity = ds.by_kind(existing[new_id])[new_id]
        raise UserError(f"id-en «{new_id}» finnes allerede, i {entity.file or existing[new_id]}; "
                              "velg en annen id eller rediger den filen")
    target = data_dir / entry.folder / f"{new_id}.yml"
    if target.exists():
        raise UserError(f"{target} finnes allerede", "velg en annen id; filen blir ikke overskrevet")
    owner = next(iter(sorted(ds.organisations)), "eier")
    org_kind = ds.organisations[owner].kind if owner in ds.organisations else "annet"
    source = next((s.id for s in ds.sources.sources), "kilde") if ds.sources else "kilde"
    routine = next(iter(sorted(ds.routines)), "rutine")
    text = entry.scaffold.format(id=new_id, owner=owner, org_kind=org_kind, source=source,
                                    routine=routine, today=dt.date.today().isoformat())
    if checklist is not None:
        if entry.name != "routines":
            raise UserError("--checklist gjelder bare for en ny rutine", "rutinebok new routine ID --checklist ID")
        checklists = ds.by_kind("checklists")
        if checklist not in checklists:
            from .findings import did_you_mean

            raise UserError(f"ukjent sjekkliste «{checklist}»", did_you_mean(checklist, checklists)
                            or "sjekklister: " + (", ".join(sorted(checklists)) or "ingen"))
        text = checklist_routine(text, checklists[checklist])
    target.parent.mkdir(parents=True, exist_ok=True)
    line = schema_line(target, data_dir, schema_dir or data_dir.parent / SCHEMA_DIR.name)
    target.write_text(f"{line}\n{text}" if line else text, encoding="utf-8")
    return target


def _words() -> list[str]:
    return sorted(k.new_word for k in kinds.all_kinds() if k.new_word and k.scaffold)


def _comment(text: str, indent: str, width: int = 92) -> list[str]:
    import textwrap

    return [f"{indent}# {line}" for line in textwrap.wrap(" ".join(text.split()), width - len(indent) - 2)]


def checklist_routine(text: str, checklist) -> str:
    """The routine template with its sections replaced by one section per checklist item."""
    import json

    from .checks.checklists import PAGE_ANCHORS
    from .model import ASKS_WORDS

    head, _, rest = text.partition("sections:\n")
    tail = rest[rest.index("change_log:"):]
    kind = checklist.applies_to[0]
    head = re.sub(r"^kind: .*$", f"kind: {kind}  # sjekklisten gjelder for: {', '.join(checklist.applies_to)}",
                  head, flags=re.MULTILINE)
    lines = [f"checklists: [{checklist.id}]  # {checklist.title}",
             "# Et punkt som ikke gjelder for rutinen, forklares her i stedet: {punkt-id: hvorfor}.",
             "not_applicable: {}",
             "sections:"]
    for item in checklist.items:
        sid = item.id if item.id not in PAGE_ANCHORS else f"{item.id}-punkt"
        lines.append(f"  - id: {sid}")
        lines.append(f"    title: {json.dumps(item.title, ensure_ascii=False)}")
        lines += _comment(f"Krav: «{item.requirement}»", "    ")
        if item.asks_for:
            asks = [ASKS_WORDS[a] for a in item.asks_for]
            lines += _comment("Punktet krever at rutinen sier " + (asks[0] if len(asks) == 1 else
                              ", ".join(asks[:-1]) + " og " + asks[-1]) +
                              ": bruk en prosedyre, et ansvar, et møte eller en kontaktliste.", "    ")
        lines.append(f"    # Når seksjonen dekker punktet, skriv: covers: [{item.id}]")
        lines.append("    covers: []")
        lines.append("    blocks:")
        lines.append("      - text: Skriv hvordan rutinen oppfyller punktet.")
    return head + "\n".join(lines) + "\n" + tail


def _suggest(text: str) -> str:
    return ascii_id(text) or "ny-id"


def cmd_new(args: argparse.Namespace) -> int:
    from .safefiles import data_folder

    path = new_file(args.kind, args.id, data_folder(args.data), checklist=args.checklist)
    print(f"Skrev {path}. Fyll inn feltene og kjør `rutinebok check`.")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("new", help="lag en ny datafil med kommentarer som består sjekken")
    p.add_argument("kind", choices=_words())
    p.add_argument("id")
    p.add_argument("--data", type=Path, default=None, help="datamappen (standard: data)")
    p.add_argument("--checklist", metavar="ID", default=None,
                   help="ny rutine med én seksjon per punkt i sjekklisten (id i data/checklists/)")
    p.set_defaults(handler=cmd_new)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.new ...`: the same as `rutinebok new ...`."""
    from .cli import main as cli_main

    return cli_main(["new", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    sys.exit(main())
