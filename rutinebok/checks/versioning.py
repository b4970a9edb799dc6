"""Versions: the version number follows the change log, and grows when the content changes."""

from __future__ import annotations

from .registry import define, rule

define("RB036", "version-not-bumped", "advarsel", """
    Innholdet i rutinen er endret, men versjonsnummeret er ikke økt (med
    `rutinebok check --against main`). Øk `version` og skriv en linje i `change_log`.""",
       "versjoner")


@rule("RB039", "version-not-in-change-log", "feil", family="versjoner", kind="routines")
def version_matches_change_log(ctx, r, src) -> None:
    """Versjonsnummeret (`version`) er ikke det høyeste i endringsloggen (`change_log`)."""
    versions = [c.version for c in r.change_log]
    if versions and max(versions) != r.version:
        ctx.add(src, "RB039", ("version",),
                f"versjon {r.version} stemmer ikke med endringsloggen (høyeste versjon der er {max(versions)})",
                "legg til en linje i change_log for den nye versjonen")
