"""Editors' notes never reach readers: not the editor_note field, not editor-speak in templates."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from rutinebok.cli import main
from rutinebok.facts import editor_notes

from .conftest import ROOT, TODAY, build_site, copy_data

# Sentences written for editors that were once shown to readers (issue 11), and their kin.
EDITOR_SPEAK = [
    "som vi ikke har fått", "som vi ikke har", "Nevnt i kilden", "materialet vi har", "kildematerialet",
    "Lovdata-id er ikke registrert", "Ordene er laget av verdiene i dataene", "Alle organisasjoner av typen",
    "til-revisjon", "rutinebok sign", "rutinebok verify", "Kilden gir bare", "Kildeteksten slutter",
    "ikke oppgitt i kilden", "Vi har ingen kontaktopplysninger", "står uten enhet i kilden",
]


def _squash(text: str) -> str:
    return " ".join(text.split())


def page_text(path: Path) -> str:
    """What a reader sees on a page: the visible text and the attributes shown on hover."""
    raw = path.read_text("utf-8")
    raw = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", raw, flags=re.DOTALL | re.IGNORECASE)
    titles = " ".join(re.findall(r'(?:title|aria-label|alt)="([^"]*)"', raw))
    raw = re.sub(r"</?(?:a|abbr|span|strong|em|b|i|code)\b[^>]*>", "", raw)  # inline: no extra space
    return _squash(html_lib.unescape(re.sub(r"<[^>]+>", " ", raw) + " " + titles))


def pdf_text(path: Path) -> str:
    return _squash(" ".join(p.extract_text() or "" for p in PdfReader(path).pages))


def reader_texts(site: Path):
    for path in sorted(site.rglob("*.html")):
        yield path.relative_to(site).as_posix(), page_text(path)
    for path in sorted(site.rglob("*.pdf")):
        if "signert" not in path.parts:
            yield path.relative_to(site).as_posix(), pdf_text(path)


def test_no_editor_speak_on_any_page_or_pdf(site_dir):
    seen = 0
    for name, text in reader_texts(site_dir):
        seen += 1
        for phrase in EDITOR_SPEAK:
            assert phrase.lower() not in text.lower(), f"{name}: «{phrase}»"
    assert seen > 50


def test_real_editor_notes_stay_out_of_site_and_pdfs(site_dir, real):
    notes = editor_notes(real[0])
    assert len(notes) >= 10  # the attachments, the signing, the merged organisations ...
    texts = dict(reader_texts(site_dir))
    for note in notes:
        probe = _squash(note.text)[:60]
        for name, text in texts.items():
            assert probe not in text, f"{name} shows the editor's note at {note.where}"


MARK = "REDAKTOERMERKNAD-7f3a"


@pytest.fixture(scope="module")
def marked_site(tmp_path_factory):
    """The real data with an editor_note carrying a marker on every mapping in every file:
    entities, contacts, sections, blocks, steps, deadlines, rules, tree nodes, sources."""
    from ruamel.yaml import YAML

    tmp = tmp_path_factory.mktemp("notes")
    data = copy_data(tmp / "data")
    yaml = YAML()
    yaml.width = 4096
    count = 0

    def mark(node) -> None:
        nonlocal count
        if isinstance(node, dict):
            for value in list(node.values()):
                mark(value)
            node["editor_note"] = f"{MARK} {count}"
            count += 1
        elif isinstance(node, list):
            for item in node:
                mark(item)

    for path in sorted(data.rglob("*.yml")):
        if path.name in ("glossary.yml", "sources.yml"):
            continue
        doc = yaml.load(path)
        mark(doc)
        yaml.dump(doc, path)
    out = tmp / "site"
    result = build_site(out, data=data)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return out, count


def test_a_note_on_any_object_never_reaches_readers(marked_site, capsys):
    site, count = marked_site
    assert count > 200
    assert main(["facts", "--data", str(site.parent / "data"), "--today", TODAY.isoformat()]) == 0
    assert capsys.readouterr().out.count(MARK) == count  # the editors' report shows every one
    for name, text in reader_texts(site):
        assert MARK not in text, name
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".ics", ".svg"):
            assert MARK not in path.read_text("utf-8"), path


def test_facts_report_lists_the_oldest_fact_first(capsys):
    assert main(["facts", "--data", str(ROOT / "data"), "--today", TODAY.isoformat(), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "år |" in line]
    assert rows and "69 25 05 50" in rows[0] and "2013-12-31" in rows[0]
    assert "## Merknader til redaktørene" in out and "Kilden viser signaturfeltene uten navn." in out
