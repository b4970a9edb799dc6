"""The rule registry: every finding code, with its name, its one severity and its meaning.

A rule is registered once, with a Norwegian docstring that says what it means to the person
who meets it. That docstring is what `rutinebok explain RB012` prints and what the code
table in CONTRIBUTING.md is made from; the severity a finding gets is the rule's, never the
caller's choice. Check functions are registered for a kind of entity (see kinds.py) or for
the whole data set, and the run loop (run.py) calls them in registration order.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

SEVERITIES = {"feil": "error", "advarsel": "warning"}
SEVERITY_NAMES = {v: k for k, v in SEVERITIES.items()}

Family = Literal["lasting", "innhold", "henvisninger", "datoer", "signering", "aktører", "tidsregler",
                 "lover", "veivisere", "versjoner", "fakta", "sikkerhet", "sjekklister"]

# Headings for the code table, in the order the families are shown.
FAMILY_TITLES: dict[str, str] = {
    "lasting": "Å lese filen",
    "innhold": "Feltene i filen",
    "henvisninger": "Henvisninger",
    "datoer": "Datoer",
    "signering": "Signering",
    "aktører": "Aktører og parter",
    "tidsregler": "Frister og tidsregler",
    "lover": "Lover",
    "veivisere": "Veivisere",
    "versjoner": "Versjoner",
    "fakta": "Ukjente fakta",
    "sikkerhet": "Utrygt innhold",
    "sjekklister": "Sjekklister",
}


@dataclass(frozen=True)
class Notice:
    """What a reader sees at the top of a page (and the PDF) when this rule fires.

    `text` None: the finding's own message, as a sentence. The renderer may compose a
    fuller text from the data (for the dates), but title and level come from here."""

    title: str
    level: Literal["warning", "info"] = "warning"
    text: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str  # "error" or "warning" (as in Finding)
    doc: str
    family: str
    notice: Notice | None = None  # readers see it (site banner, PDF notice)
    reader_visible: bool = False  # the finding changes what readers see (a PDF rebuild key)

    @property
    def severity_word(self) -> str:
        return SEVERITY_NAMES[self.severity]


@dataclass
class Check:
    """A check function: `fn(ctx, entity, src)` for a kind, or `fn(ctx)` for the whole set."""

    fn: Callable
    kind: str | None
    codes: tuple[str, ...] = field(default_factory=tuple)


RULES: dict[str, Rule] = {}
CHECKS: list[Check] = []


def define(code: str, name: str, severity: str, doc: str, family: str, *,
           notice: Notice | None = None, reader_visible: bool = False) -> Rule:
    """Register a code. Raises on a second registration: one code, one meaning, one severity."""
    if severity not in SEVERITIES:
        raise ValueError(f"{code}: severity must be one of {sorted(SEVERITIES)}")
    if code in RULES:
        raise ValueError(f"{code} is registered twice")
    if family not in FAMILY_TITLES:
        raise ValueError(f"{code}: unknown family {family}")
    doc = inspect.cleandoc(doc)
    if not doc:
        raise ValueError(f"{code}: a rule needs a Norwegian docstring")
    rule_ = Rule(code, name, SEVERITIES[severity], doc, family, notice,
                 reader_visible or notice is not None)
    RULES[code] = rule_
    return rule_


def rule(code: str, name: str, severity: str, *, family: str, kind: str | None = None,
         notice: Notice | None = None, reader_visible: bool = False, also: tuple[str, ...] = ()):
    """Decorator: register the code (the function's docstring is its meaning) and the check.

    `kind`: the entity kind the function checks (None: once for the whole data set).
    `also`: codes the function reports besides its own (registered elsewhere)."""

    def wrap(fn: Callable) -> Callable:
        define(code, name, severity, fn.__doc__ or "", family, notice=notice, reader_visible=reader_visible)
        CHECKS.append(Check(fn, kind, (code, *also)))
        return fn

    return wrap


def check(kind: str | None = None, *, codes: tuple[str, ...]):
    """Decorator: a check that reports codes registered elsewhere (e.g. references, RB010)."""

    def wrap(fn: Callable) -> Callable:
        CHECKS.append(Check(fn, kind, codes))
        return fn

    return wrap


def unregister_check(fn: Callable) -> None:
    CHECKS[:] = [c for c in CHECKS if c.fn is not fn]


def get(code: str) -> Rule:
    return RULES[code]


def reader_codes() -> frozenset[str]:
    """Codes whose findings change what a reader sees."""
    return frozenset(c for c, r in RULES.items() if r.reader_visible)


def markdown_table() -> str:
    """The code table for CONTRIBUTING.md, grouped by family."""
    lines: list[str] = []
    for family, title in FAMILY_TITLES.items():
        rules = sorted((r for r in RULES.values() if r.family == family), key=lambda r: r.code)
        if not rules:
            continue
        lines += [f"#### {title}", "", "| Kode | Navn | Alvor | Betyr |", "|---|---|---|---|"]
        for r in rules:
            meaning = " ".join(r.doc.split()).replace("|", "\\|")
            lines.append(f"| {r.code} | `{r.name}` | {r.severity_word} | {meaning} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
