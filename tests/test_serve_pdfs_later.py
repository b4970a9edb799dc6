"""`make serve` on a fresh clone: the routine pages link to PDFs the preview makes after the
build; MkDocs' warning for those links (which --strict stops on) is left out, others are not."""

from __future__ import annotations

import logging

from rutinebok import mkdocs_plugin


def test_only_the_pdfs_made_later_are_not_warned_of(monkeypatch):
    monkeypatch.setattr(mkdocs_plugin._PDFS_LATER, "paths", {"pdf/moss-krisesenter-nav.pdf"})
    log = logging.getLogger("mkdocs.structure.pages")
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    handler = Keep()
    log.addHandler(handler)
    try:
        for target in ("pdf/moss-krisesenter-nav.pdf", "pdf/ukjent.pdf", "rutiner/borte.md"):
            log.warning("Doc file 'rutiner/x.md' contains a link '../%s', but the target '%s' is not found among "
                        "documentation files.", target, target)
    finally:
        log.removeHandler(handler)
    assert [m.split("target '")[1].split("'")[0] for m in seen] == ["pdf/ukjent.pdf", "rutiner/borte.md"]
