"""Checks across files: references, dates, signing, actors, time rules, laws, trees, versions,
facts and untrusted input; one module per family, each check registered with its rule
(registry.py). `today` is a parameter so results are reproducible.
"""

from __future__ import annotations

# Importing the families registers their rules and checks, in this order.
from . import (  # noqa: F401  (imported for registration)
    actors,
    checklists,
    dates,
    facts,
    inert,
    laws,
    loading,
    references,
    signing,
    time_rules,
    trees,
    versioning,
)
from .registry import RULES, Notice, Rule, check, define, reader_codes, rule
from .run import Checker, run_checks

__all__ = ["RULES", "Checker", "Notice", "Rule", "check", "define", "reader_codes", "rule", "run_checks"]
