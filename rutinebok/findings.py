"""Findings: what the loader and the checks report, with stable codes and source positions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

from .escape import terminal_text

Severity = Literal["error", "warning"]

SEVERITY_WORDS = {"error": "feil", "warning": "advarsel"}

# Stable codes: never renumber; add new ones at the end of a group.
CODES: dict[str, str] = {
    "RB001": "yaml-syntax",
    "RB002": "duplicate-key",
    "RB003": "forbidden-yaml",
    "RB004": "not-utf8",
    "RB005": "empty-file",
    "RB006": "file-too-large",
    "RB007": "unknown-key",
    "RB008": "missing-field",
    "RB009": "invalid-value",
    "RB010": "unknown-reference",
    "RB011": "duplicate-id",
    "RB012": "review-overdue",
    "RB013": "plan-period-ended",
    "RB014": "signed-after-effective",
    "RB015": "review-before-effective",
    "RB016": "party-not-signatory",
    "RB017": "signatory-not-party",
    "RB018": "actor-not-party",
    "RB019": "rule-value-conflict",
    "RB020": "step-exceeds-limit",
    "RB021": "law-changed-after-approval",
    "RB022": "law-changed",
    "RB023": "unknown-fact",
    "RB024": "broken-link",
    "RB025": "document-superseded",
    "RB026": "organisation-ended",
    "RB027": "id-filename-mismatch",
    "RB028": "unknown-file-kind",
    "RB029": "reference-wrong-kind",
    "RB030": "tree-unreachable-node",
    "RB031": "tree-cycle",
    "RB032": "tree-dangling-option",
    "RB033": "tree-question-without-options",
    "RB034": "tree-duplicate-option",
    "RB035": "tree-duplicate-node",
    "RB036": "version-not-bumped",
    "RB037": "signing-by-kind",
    "RB041": "signer-unknown",
    # Untrusted input (issue 9): data that could run, fetch or read something, or hide text.
    "RB050": "unsafe-url",
    "RB051": "unsafe-image",
    "RB052": "unsafe-file",
    "RB053": "control-character",
    "RB054": "bidi-control",
    "RB055": "nesting-too-deep",
    "RB056": "diagram-failed",
}


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

    @property
    def name(self) -> str:
        return CODES[self.code]

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
