"""rutinebok.postbuild.run: every page by default, or only the pages a rebuild wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from rutinebok.postbuild import END, START, run
from rutinebok.terms import GlossaryTerm

TERMS = [GlossaryTerm("NAV", "Arbeids- og velferdsforvaltningen", "Forklaring")]


def _page(content: str) -> str:
    return ('<html><head><meta http-equiv="Content-Security-Policy" content="\'rutinebok-policy\'">'
            '</head><body><article>' + START + content + END + '</article></body></html>')


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    for rel in ["index.html", "rutiner/a/index.html", "rutiner/b/index.html", "assets/x.html"]:
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(_page("<p>Ring NAV.</p><script>x()</script>"), "utf-8")
    (site / "rutiner" / "a" / "notes.txt").write_text("NAV", "utf-8")
    return site


def _processed(path: Path) -> bool:
    html = path.read_text("utf-8")
    done = START not in html and "<script>x()" not in html and 'class="rb-term"' in html
    assert done or html == _page("<p>Ring NAV.</p><script>x()</script>"), path
    return done


def test_run_processes_every_page_by_default(tmp_path):
    site = _site(tmp_path)
    assert run(site, TERMS, [], index=False) == 3
    assert [_processed(site / p) for p in ["index.html", "rutiner/a/index.html", "rutiner/b/index.html"]] == [True] * 3
    assert not _processed(site / "assets" / "x.html")  # the theme's own files are left alone


def test_run_with_paths_processes_only_those_pages(tmp_path):
    site = _site(tmp_path)
    written = [site / "rutiner" / "a" / "index.html", "index.html", "rutiner/a/notes.txt",
               site / "rutiner" / "gone" / "index.html", "assets/x.html"]
    assert run(site, TERMS, [], index=False, paths=written) == 2
    assert _processed(site / "rutiner" / "a" / "index.html") and _processed(site / "index.html")
    assert not _processed(site / "rutiner" / "b" / "index.html")
    assert not _processed(site / "assets" / "x.html")
    assert (site / "rutiner" / "a" / "notes.txt").read_text("utf-8") == "NAV"
    # Once more: the pages are done, nothing changes; no pages, no work.
    before = (site / "index.html").read_text("utf-8")
    assert run(site, TERMS, [], index=False, paths=["index.html"]) == 0
    assert (site / "index.html").read_text("utf-8") == before
    assert run(site, TERMS, [], index=False, paths=[]) == 0
    assert not _processed(site / "rutiner" / "b" / "index.html")


def test_run_refuses_a_path_outside_the_site(tmp_path):
    site = _site(tmp_path)
    outside = tmp_path / "other.html"
    outside.write_text(_page("<p>NAV</p>"), "utf-8")
    with pytest.raises(ValueError, match="not a page of the built site"):
        run(site, TERMS, [], index=False, paths=[outside])
    with pytest.raises(ValueError, match="not a page of the built site"):
        run(site, TERMS, [], index=False, paths=["../other.html"])
    assert START in outside.read_text("utf-8")
