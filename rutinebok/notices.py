"""The notices at the top of a routine (site banner, PDF first page), made from the check's
findings and from what the day says about the organisations the routine names."""

from __future__ import annotations

from dataclasses import dataclass

from .findings import Finding
from .model import Routine
from .names import Names
from .words import date_words, sentence


@dataclass
class Banner:
    level: str  # warning, danger, info
    title: str
    text: str


def banners(names: Names, findings: list[Finding], r: Routine) -> list[Banner]:
    """Warnings a reader must see at the top of a routine: what each finding's rule says readers
    see (checks.RULES[code].notice), then the organisations that have ended."""
    from .checks import RULES  # the rule says what readers see: title, level and text

    out = []
    words = {"review_by": date_words(r.review_by) if r.review_by else "",
             "period": r.period.words if r.period else ""}
    for f in findings:
        notice = RULES[f.code].notice if f.file == r.file else None
        if notice is not None:
            text = notice.text.format(**words) if notice.text else sentence(f.message)
            out.append(Banner(notice.level, notice.title, text))
    named = dict.fromkeys([*r.parties, *r.external_actors, *([r.owner] if r.owner else [])])
    for ref in named:
        org = names.ended(ref)
        if org is not None:
            successor = names.successor(ref)
            title = (f"{org.short_name or org.name} heter nå {names.name(successor.id)}"
                     if org.ended_how == "nytt-navn" and successor else
                     f"{org.short_name or org.name} finnes ikke lenger")
            out.append(Banner("warning", title,
                              names.ended_text(org)
                              + " Rutinen er skrevet før endringen; kontaktopplysningene under viser til den "
                                "som har overtatt."))
    return out
