"""Shared by the signing modules: refusals with exit codes, field names, quiet pyHanko logging."""

from __future__ import annotations

import os

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

EXIT_UNSIGNED, EXIT_CHANGED = 3, 4


FIELD_PREFIX = "party-"


class SignError(Exception):
    """A refusal with a message the user can act on (printed without a traceback)."""

    def __init__(self, message: str, exit_code: int = EXIT_FAIL):
        super().__init__(message)
        self.exit_code = exit_code


def _cn(cert) -> str:
    """The certificate's common name, as plain text (no control characters for the terminal)."""
    import re

    try:
        name = cert.subject.native.get("common_name") or cert.subject.human_friendly
    except (AttributeError, ValueError):
        return "ukjent"
    if isinstance(name, list):
        name = ", ".join(map(str, name))
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]", "", str(name))[:200] or "ukjent"


class _quiet_pyhanko:
    """pyHanko logs warnings and errors for things verify reports itself, in Norwegian; they
    are kept out of the terminal (and available with RUTINEBOK_DEBUG=1)."""

    def __enter__(self):
        import logging

        self._loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator", "fontTools")]
        self._levels = [lg.level for lg in self._loggers]
        if not os.environ.get("RUTINEBOK_DEBUG"):
            for lg in self._loggers:
                lg.setLevel(logging.CRITICAL + 1)
        return self

    def __exit__(self, *exc):
        for lg, level in zip(self._loggers, self._levels, strict=True):
            lg.setLevel(level)
