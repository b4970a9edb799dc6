"""Norwegian words for values: durations, dates, frequencies, deadlines.

Readers see these words; the data holds only the values, so the two cannot drift.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from babel import Locale
from babel.dates import format_date

LOCALE = Locale.parse("nb_NO")  # parsed once (babel parses a name again on every call)

# (singular, plural) per unit
_UNITS = {
    "years": ("år", "år"),
    "months": ("måned", "måneder"),
    "weeks": ("uke", "uker"),
    "days": ("døgn", "døgn"),
    "hours": ("time", "timer"),
    "minutes": ("minutt", "minutter"),
}


DURATION_RE = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?)?$"
)
# Norwegian unit words people write instead of ISO 8601: (ISO letter, is a time unit, days each)
_WORD_UNITS = {
    "år": ("Y", False, 365), "måned": ("M", False, 30), "måneder": ("M", False, 30),
    "mnd": ("M", False, 30), "uke": ("W", False, 7), "uker": ("W", False, 7),
    "døgn": ("D", False, 1), "dag": ("D", False, 1), "dager": ("D", False, 1),
    "time": ("H", True, 0), "timer": ("H", True, 0), "t": ("H", True, 0),
    "minutt": ("M", True, 0), "minutter": ("M", True, 0), "min": ("M", True, 0),
}


def duration_suggestions(text: str) -> list[str]:
    """ISO 8601 spellings of a duration written in words: '2 uker' -> ['P2W', 'P14D']."""
    m = re.fullmatch(r"\s*(\d+)\s*([a-zæøå]+)\.?\s*", text.lower())
    if not m or m.group(2) not in _WORD_UNITS:
        return []
    n, (letter, is_time, days) = int(m.group(1)), _WORD_UNITS[m.group(2)]
    out = [f"PT{n}{letter}" if is_time else f"P{n}{letter}"]
    if letter == "W":
        out.append(f"P{n * days}D")
    elif letter == "D" and n <= 3:
        out.append(f"PT{n * 24}H")
    return out


def parse_duration_parts(iso: str) -> tuple[tuple[str, int], ...]:
    """Split an ISO 8601 duration into whole units, keeping months as months."""
    m = DURATION_RE.match(iso)
    if not m:
        suggested = duration_suggestions(iso)
        if suggested:
            raise ValueError(f"«{iso}» er ikke en ISO 8601-varighet; skriv "
                             + " eller ".join(suggested))
        raise ValueError(
            f"«{iso}» er ikke en ISO 8601-varighet; skriv f.eks. PT48H for 48 timer, P2D for 2 døgn, "
            "P2W for 2 uker, P3M for 3 måneder eller P2Y for 2 år"
        )
    units = ("years", "months", "weeks", "days", "hours", "minutes")
    parts = tuple((u, int(v)) for u, v in zip(units, m.groups()) if v is not None)
    if not any(n for _, n in parts):
        raise ValueError(f"varigheten «{iso}» er null")
    return parts


def _count(n: int, unit: str) -> str:
    one, many = _UNITS[unit]
    return f"{n} {one if n == 1 else many}"


def join_words(parts: list[str], last: str = "og") -> str:
    """['a', 'b', 'c'] -> 'a, b og c' (or 'a, b eller c' with last='eller')."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {last} " + parts[-1]


_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "è": "e", "ü": "u", "ö": "o", "ä": "a"})


def ascii_id(text: str) -> str:
    """The id rules' spelling of a name: a–z, digits and hyphens; æ -> ae, ø -> o, å -> a
    ('Primærkontakt NAV' -> 'primaerkontakt-nav')."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower().translate(_ASCII)).strip("-")
    return slug


_join = join_words


@lru_cache(maxsize=4096)
def duration_words(iso: str) -> str:
    """'PT48H' -> '48 timer', 'P3M' -> '3 måneder', 'P2D' -> '2 døgn', 'P1Y6M' -> '1 år og 6 måneder'."""
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
