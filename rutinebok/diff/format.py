"""The change summary as text (terminal) and as Markdown (a pull-request comment)."""

from __future__ import annotations

import re

from .compare import Summary

FORMATTING_ONLY = "Bare formatering er endret (mellomrom, kommentarer, anførselstegn); innholdet er det samme."
NO_CHANGE = "Ingen endringer i dataene."


def format_text(s: Summary) -> str:
    lines = [f"Endringer fra {s.a} til {s.b}:"]
    if s.no_change:
        return lines[0] + "\n" + NO_CHANGE
    if s.formatting_only:
        return lines[0] + "\n" + FORMATTING_ONLY
    for r in s.routines:
        lines.append(f"\n{r.title} ({r.routine_id}):")
        lines.extend(f"  - {x}" for x in r.lines)
    if s.organisations:
        lines.append("\nKontakter og organisasjoner:")
        lines.extend(f"  - {x}" for x in s.organisations)
    if s.other:
        lines.append("\nAnnet:")
        lines.extend(f"  - {x}" for x in s.other)
    return "\n".join(lines)


_MENTION = re.compile(r"(?<![\w.])@(?=[A-Za-z0-9])")


def _md(text: str) -> str:
    """Data text safe in a pull-request comment: no @mentions (data links are written @id),
    no stray Markdown or HTML."""
    text = _MENTION.sub("@\u200b", text)
    text = re.sub(r"(?<![\w&])#(?=\d)", "#\u200b", text)  # not a link to issue or pull request N
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def format_markdown(s: Summary) -> str:
    lines = [f"### Hva endringen betyr ({_md(s.a)} → {_md(s.b)})", ""]
    if s.no_change:
        return "\n".join(lines + [NO_CHANGE]) + "\n"
    if s.formatting_only:
        return "\n".join(lines + [FORMATTING_ONLY]) + "\n"
    for r in s.routines:
        lines += [f"**{_md(r.title)}** (`{r.routine_id}`)", ""] + [f"- {_md(x)}" for x in r.lines] + [""]
    if s.organisations:
        lines += ["**Kontakter og organisasjoner**", ""] + [f"- {_md(x)}" for x in s.organisations] + [""]
    if s.other:
        lines += ["**Annet**", ""] + [f"- {_md(x)}" for x in s.other] + [""]
    if s.unbumped:
        lines += ["> **Versjonsnummeret må økes** for: " + ", ".join(f"`{r.routine_id}`" for r in s.unbumped)]
    return "\n".join(lines).rstrip() + "\n"
