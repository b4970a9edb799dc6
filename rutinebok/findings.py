"""Findings: what the loader and the checks report, with stable codes and source positions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

from .escape import terminal_text

Severity = Literal["error", "warning"]

SEVERITY_WORDS = {"error": "feil", "warning": "advarsel"}

# Codes, names, severities and meanings are registered in checks/ (registry.py): one place.
# Stable codes: never renumber; a code's meaning and severity never change.


def _rules() -> dict:
    from .checks.registry import RULES

    if len(RULES) < 2:  # the families register on import of the package
        import rutinebok.checks  # noqa: F401
    return RULES


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    file: str = ""
    line: int = 0  # 1-based; 0 when the finding is about the whole file
    column: int = 0  # 1-based
    path: str = ""  # path to the value inside the file, e.g. sections[2].blocks[0].procedure.steps[1].actor
    hint: str = ""  # what was probably meant

    def __post_init__(self):
        # A code nobody registered, or a severity other than its rule's, is a bug here.
        rule = _rules().get(self.code)
        if rule is None:
            raise ValueError(f"finding code {self.code} is not registered (rutinebok/checks/)")
        if rule.severity != self.severity:
            raise ValueError(f"{self.code} is a {rule.severity}, not a {self.severity}")

    @property
    def name(self) -> str:
        return _rules()[self.code].name

    def format(self) -> str:
        where = self.file or "data"
        if self.line:
            where += f":{self.line}:{self.column}"
        path = f"{self.path}: " if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        # Messages quote data: control characters are made visible so a data file cannot
        # rewrite the terminal or the CI log.
        return terminal_text(f"{where}: {SEVERITY_WORDS[self.severity]} {self.code} [{self.name}] "
                             f"{path}{self.message}{hint}")

    def as_dict(self) -> dict:
        d = {k: terminal_text(v) if isinstance(v, str) else v for k, v in asdict(self).items()}
        d["name"] = self.name
        return d


def format_path(path: Iterable[object]) -> str:
    """('sections', 2, 'title') -> 'sections[2].title'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def did_you_mean(wrong: str, candidates: Iterable[str], n: int = 3) -> str:
    """A hint naming the nearest candidates, or '' when none is near."""
    close = difflib.get_close_matches(wrong, list(candidates), n=n, cutoff=0.6)
    if not close:
        return ""
    return "mente du " + " eller ".join(f"«{c}»" for c in close) + "?"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (f.file, f.line, f.column, f.code))
