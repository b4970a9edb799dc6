"""Norwegian words for values: durations, dates, frequencies, deadlines.

Readers see these words; the data holds only the values, so the two cannot drift.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel.dates import format_date

LOCALE = "nb_NO"

# (singular, plural) per unit
_UNITS = {
    "years": ("år", "år"),
    "months": ("måned", "måneder"),
    "weeks": ("uke", "uker"),
    "days": ("døgn", "døgn"),
    "hours": ("time", "timer"),
    "minutes": ("minutt", "minutter"),
}


def _count(n: int, unit: str) -> str:
    one, many = _UNITS[unit]
    return f"{n} {one if n == 1 else many}"


def join_words(parts: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b og c'."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " og " + parts[-1]


_join = join_words


@lru_cache(maxsize=4096)
def duration_words(iso: str) -> str:
    """'PT48H' -> '48 timer', 'P3M' -> '3 måneder', 'P2D' -> '2 døgn', 'P1Y6M' -> '1 år og 6 måneder'."""
    from .model import parse_duration_parts

    parts = parse_duration_parts(iso)
    return _join([_count(n, unit) for unit, n in parts if n])


def date_words(value: dt.date) -> str:
    """2018-03-01 -> '1. mars 2018'."""
    return format_date(value, format="d. MMMM y", locale=LOCALE)


def short_date(value: dt.date) -> str:
    """2018-03-14 -> '14.03.2018'."""
    return value.strftime("%d.%m.%Y")


_PER = {"uke": ("i uken", "ukentlig"), "måned": ("i måneden", "månedlig"), "år": ("i året", "årlig")}


def frequency_words(times: int, per: str) -> str:
    """(1, 'år') -> 'årlig', (4, 'år') -> '4 ganger i året'."""
    in_the, adverb = _PER[per]
    if times == 1:
        return adverb
    return f"{times} ganger {in_the}"


WHEN_WORDS = {
    "snarest": "så snart som mulig",
    "straks": "straks",
    "løpende": "løpende",
    "i-god-tid": "i god tid",
}


def deadline_words(deadline, rule_value=None, rule_qualifier: str | None = None) -> str:
    """Words for a Deadline: 'innen 48 timer etter at søknaden er mottatt', 'så snart som mulig'.

    `rule_value` is the Duration of the named rule when the deadline refers to one.
    """
    if deadline.within is not None:
        text = "innen " + deadline.within.words
    elif deadline.by is not None:
        text = "innen " + date_words(deadline.by)
    elif deadline.when is not None:
        text = WHEN_WORDS[deadline.when]
    elif rule_value is not None:
        # A named rule carries its own qualifier: «inntil 2 måneder» is not «innen 2 måneder».
        text = f"{rule_qualifier or 'innen'} {rule_value.words}"
    else:
        text = "etter regelen " + str(deadline.rule)
    if deadline.after:
        text += (" før " if deadline.when == "i-god-tid" else " etter at ") + deadline.after
    return text


def period_words(first_year: int, last_year: int) -> str:
    return f"{first_year}–{last_year}"


# Sentences made of values and data text: one function joins them, so a clause that already
# ends in a full stop or a question mark does not get a second mark (no "2022.." or "?.").
_END = ".!?…"
_SOFT_END = ";:,"


def sentence(text: str | None) -> str:
    """'paragrafen er endret' -> 'Paragrafen er endret.'; 'Hva nå?' stays as it is."""
    text = " ".join((text or "").split()).rstrip(_SOFT_END).rstrip()
    if not text:
        return ""
    if text.rstrip("»”\"')")[-1:] not in _END:
        text += "."
    return text[0].upper() + text[1:]


def sentences(*parts: str | None) -> str:
    """Several pieces of text as sentences, each capitalised and ended once."""
    return " ".join(s for s in (sentence(p) for p in parts) if s)


def clauses(items, sep: str = "; ") -> str:
    """Items joined with `sep` into one sentence: 'a; b; c.' (ends of the items are not doubled)."""
    parts = [" ".join(str(i).split()).rstrip("." + _SOFT_END).rstrip() for i in items or []]
    parts = [p for p in parts if p]
    return sentence(sep.join(parts)) if parts else ""
