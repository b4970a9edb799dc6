"""`rutinebok explain RB012`: what a code means, from the rule registry; `--markdown` makes
the code table in CONTRIBUTING.md (`--write` updates it between its two marker lines)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .errors import UserError

START = "<!-- Kodetabellen lages av `rutinebok explain --write CONTRIBUTING.md`; ikke rediger for hånd. -->"
END = "<!-- slutt på kodetabellen -->"


def explain(code: str) -> str:
    from .checks import RULES
    from .findings import did_you_mean

    m = re.fullmatch(r"(?:RB)?0*(\d{1,3})", code.strip().upper())
    if m:  # rb12, 12 and RB012 are the same code
        code = f"RB{int(m.group(1)):03d}"
    r = RULES.get(code)
    if r is None:
        raise UserError(f"koden «{code}» finnes ikke", did_you_mean(code, RULES) or
                        "se `rutinebok explain --markdown` for alle kodene")
    lines = [f"{r.code} [{r.name}] ({r.severity_word})", "", r.doc]
    if r.notice is not None:
        lines += ["", f"Leserne ser en merknad øverst på siden og i PDF-en: «{r.notice.title}»."]
    return "\n".join(lines) + "\n"


def with_table(text: str, table: str) -> str:
    """`text` with the part between the markers replaced by `table`."""
    if START not in text or END not in text:
        raise UserError("fant ikke merkelinjene for kodetabellen", f"legg inn {START} og {END}")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n\n{table}\n{END}{tail}"


def cmd_explain(args: argparse.Namespace) -> int:
    from .checks.registry import markdown_table

    if args.write:
        path: Path = args.write
        old = path.read_text("utf-8")
        new = with_table(old, markdown_table())
        if new != old:
            path.write_text(new, "utf-8")
            print(f"Skrev kodetabellen i {path}.")
        else:
            print(f"{path} er oppdatert.")
        return 0
    if args.markdown:
        sys.stdout.write(markdown_table())
        return 0
    if not args.code:
        raise UserError("oppgi en kode, f.eks. `rutinebok explain RB012`", "eller --markdown for alle")
    sys.stdout.write(explain(args.code))
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("explain", help="forklar en kode fra sjekken, f.eks. RB012")
    p.add_argument("code", nargs="?", help="koden, f.eks. RB012")
    p.add_argument("--markdown", action="store_true", help="skriv tabellen over alle kodene (Markdown)")
    p.add_argument("--write", type=Path, metavar="FIL", help="oppdater kodetabellen i FIL (CONTRIBUTING.md)")
    p.set_defaults(handler=cmd_explain)
