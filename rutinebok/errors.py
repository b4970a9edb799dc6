"""One kind of error for what the person running rutinebok can fix (bad input, a missing
file, a wrong option). The command line catches it once and prints it in Norwegian with exit
code 1; any other exception is a bug in rutinebok and is reported as one."""

from __future__ import annotations

EXIT_USER = 1


class UserError(Exception):
    """Something the user can fix: `message` says what is wrong, `hint` what to do."""

    exit_code = EXIT_USER

    def __init__(self, message: str, hint: str = "", exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

