"""Print layout of every routine PDF, checked mechanically from WeasyPrint's layout tree and
from the text read back: no page holding only a heading, no table row split over two pages,
no Markdown markers or doubled punctuation in the printed text, readable diagram text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from rutinebok import pdf as pdf_mod

from .conftest import ROOT, TODAY
from .pdf_helpers import SITE_URL

ROUTINES = sorted(p.stem for p in (ROOT / "data" / "routines").glob("*.yml"))
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
PX_TO_PT = 0.75


@pytest.fixture(scope="module")
def layouts():
    """{routine id: WeasyPrint document} for every real routine, laid out as the build does."""
    ds, findings = pdf_mod.load_checked(ROOT / "data", TODAY)
    renderer = pdf_mod.print_context(ds, TODAY, findings)
    return {rid: pdf_mod.routine_document(ds, renderer, rid, SITE_URL) for rid in ROUTINES}


def test_the_build_prints_the_html_as_it_stands_on_its_own():
    """The build passes the print style as one stylesheet parsed once per process, and has pydyf
    serialise each object once; the HTML with its own inline style, written the plain way, must
    give the same PDF, byte for byte (the /ID's checksum included), also after other PDFs."""
    from weasyprint import HTML

    ds, findings = pdf_mod.load_checked(ROOT / "data", TODAY)
    renderer = pdf_mod.print_context(ds, TODAY, findings)
    for rid in ("kongsvinger-boligsosialt-arbeid", "moss-krisesenter-nav"):
        html = pdf_mod.routine_html(ds, renderer, rid, SITE_URL)
        assert "@font-face" in html and "<style>" in html
        assert "<style>" not in pdf_mod.routine_html(ds, renderer, rid, SITE_URL, inline_style=False)
        alone = HTML(string=html, base_url=str(pdf_mod.TEMPLATES), url_fetcher=pdf_mod.project_url_fetcher())
        built = pdf_mod.routine_document(ds, renderer, rid, SITE_URL)
        options = {"pdf_identifier": b"0" * 16, "pdf_variant": "pdf/a-2b", "pdf_tags": True}
        once = built.write_pdf(**options, finisher=lambda _doc, pdf: pdf_mod._serialise_once(pdf))
        assert alone.render().write_pdf(**options) == once, rid


def test_contents_read_down_the_first_column_then_the_second(layouts):
    """The table of contents stands in two columns: entry k and entry k + half side by side, each
    column in document order from the top (across a page break too), with its page number."""
    from weasyprint.formatting_structure import boxes

    for rid, doc in layouts.items():
        found = {}  # entry number -> (page, x, y, text)
        for n, page in enumerate(doc.pages, 1):
            toc = next((b.element for b, _ in _walk(page._page_box) if b.element is not None
                        and b.element.tag == "ul" and "toc" in (b.element.get("class") or "")), None)
            if toc is None:
                continue
            numbers = {id(li): k for k, li in enumerate(toc)}
            for b, _tags in _walk(page._page_box):
                k = numbers.get(id(b.element)) if isinstance(b, boxes.BlockBox) else None
                if k is not None and (k not in found or found[k][0] != n):
                    text = " ".join(" ".join(t.text for t, _ in _walk(b) if isinstance(t, boxes.TextBox)).split())
                    assert k not in found, f"{rid}: «{text}» is printed twice"
                    found[k] = (n, round(b.position_x), round(b.position_y), text)
        entries = [found[k] for k in sorted(found)]
        assert sorted(found) == list(range(len(found))), f"{rid}: entries missing from the contents"
        assert len(entries) >= 4, rid
        half = (len(entries) + 1) // 2
        left, right = entries[:half], entries[half:]
        assert len({x for _, x, _, _ in left}) == 1 and len({x for _, x, _, _ in right}) == 1, rid
        assert left[0][1] < right[0][1], f"{rid}: the second column is not to the right"
        for column in (left, right):
            assert [(p, y) for p, _, y, _ in column] == sorted((p, y) for p, _, y, _ in column), rid
        for a, b in zip(left, right):
            assert (a[0], a[2]) == (b[0], b[2]), f"{rid}: «{a[3]}» and «{b[3]}» are not side by side"
        for *_, text in entries:
            assert re.search(r"\.\s*\d+$", text), f"{rid}: no page number after «{text}»"


def _layouts_of_page_one(monkeypatch) -> list[int]:
    """Counts, per document laid out from now on, how often WeasyPrint laid out its first page."""
    import weasyprint.layout.page as page_layout

    counts: list[int] = []
    remake = page_layout.remake_page

    def counting(index, *args, **kwargs):
        if index == 0:
            counts.append(1)
        return remake(index, *args, **kwargs)

    monkeypatch.setattr(page_layout, "remake_page", counting)
    return counts


def test_contents_numbers_are_written_in_once_and_read_as_target_counter_gives(monkeypatch):
    """The build lays the first page out once, with placeholders where the contents' page numbers
    go, and writes the numbers in (pdf.number_contents). The PDF must be the one print.css's
    target-counter() gives, byte for byte, which lays the first page out three times."""
    ds, findings = pdf_mod.load_checked(ROOT / "data", TODAY)
    ctx = pdf_mod.print_context(ds, TODAY, findings)
    counts = _layouts_of_page_one(monkeypatch)
    written = {rid: pdf_mod.render_pdf(ds, ctx, rid, SITE_URL) for rid in ROUTINES}
    assert len(counts) == len(ROUTINES), "a first page was laid out more than once"
    monkeypatch.setattr(pdf_mod, "number_contents", lambda _document: False)
    counts.clear()
    for rid in ROUTINES:
        assert pdf_mod.render_pdf(ds, ctx, rid, SITE_URL) == written[rid], rid
    assert len(counts) > 2 * len(ROUTINES)  # the placeholders' layout, then target-counter()'s


def test_contents_numbers_are_the_pages_their_headings_are_on(built):
    """Read back from the PDFs: each contents line's number is the page its heading is printed on,
    and under 10 it stands after a figure space, so the numbers line up on the right."""
    for rid in ROUTINES:
        reader = PdfReader(built / f"{rid}.pdf")
        pages = [page.extract_text() for page in reader.pages]
        lines, title, start = [], "", re.search(r"^Innhold *$", pages[0], re.MULTILINE).start()
        end = start
        for line in pages[0][start:].splitlines(keepends=True)[1:]:
            start += len(line)
            entry = re.match(r"^(.*?)\.{3,} *(\u2007?\d+) *$", line.rstrip("\n"))
            if entry is None:
                title += line  # a title on two lines
                continue
            lines.append((" ".join((title + entry[1]).split()), entry[2]))
            title, end = "", start
        pages[0] = pages[0][end:]  # the first page after its contents
        assert len(lines) >= 4, rid
        for title, number in lines:
            page = int(number.lstrip("\u2007"))
            assert number == f"{page:>2}".replace(" ", "\u2007"), (rid, number)
            # The heading: the title's words alone on their lines (a contents line has dots after them).
            words = r"\s+".join(map(re.escape, title.split()))
            heading = re.compile(rf"(?:^|\n){words}(?: \(illustrasjon\))? *(?:\n|$)")
            first = next((n for n, text in enumerate(pages, 1) if heading.search(text)), None)
            assert first == page, f"{rid}: «{title}» is listed on page {page}, printed on {first}"


def test_contents_are_not_numbered_where_the_placeholders_are_not_found():
    """number_contents changes nothing and says so when the contents were laid out without its
    placeholders (here with target-counter(), as any other renderer does)."""
    ds, findings = pdf_mod.load_checked(ROOT / "data", TODAY)
    ctx = pdf_mod.print_context(ds, TODAY, findings)
    font_config, css, ua, _placeholders, counters = pdf_mod.print_style()
    rid = "moss-krisesenter-nav"
    html = pdf_mod._print_html_class()(string=pdf_mod.routine_html(ds, ctx, rid, SITE_URL, inline_style=False),
                                       base_url=str(pdf_mod.TEMPLATES), url_fetcher=pdf_mod.project_url_fetcher())
    html.ua_stylesheet = ua
    document = html.render(stylesheets=[css], font_config=font_config, counter_style=counters)
    options = {"pdf_identifier": b"0" * 16, "pdf_variant": "pdf/a-2b", "pdf_tags": True}
    before = document.write_pdf(**options)
    assert pdf_mod.number_contents(document) is False
    assert document.write_pdf(**options) == before


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("layout-pdfs")
    pdf_mod.build_pdfs(ROOT / "data", out, SITE_URL, jobs=2, today=TODAY)
    return out


def _walk(box, ancestors=()):
    """(box, tags of its ancestors) for every box below `box`, margin boxes left out."""
    from weasyprint.formatting_structure import boxes

    for child in getattr(box, "children", []) or []:
        if isinstance(child, boxes.MarginBox):
            continue
        tags = ancestors + ((child.element_tag,) if getattr(child, "element_tag", None) else ())
        yield child, tags
        yield from _walk(child, tags)


def _page_texts(page) -> list[tuple[str, tuple]]:
    from weasyprint.formatting_structure import boxes

    return [(b.text, tags) for b, tags in _walk(page._page_box)
            if isinstance(b, boxes.TextBox) and b.text.strip()]


def test_no_page_holds_only_a_heading(layouts):
    from weasyprint.formatting_structure import boxes

    bad = []
    for rid, doc in layouts.items():
        for n, page in enumerate(doc.pages, 1):
            if any(isinstance(b, boxes.ReplacedBox) for b, _ in _walk(page._page_box)):
                continue  # a page with a figure on it
            texts = _page_texts(page)
            body = [t for t, tags in texts if not HEADINGS & set(tags)]
            if not body:
                bad.append(f"{rid} side {n}: bare {' / '.join(t for t, _ in texts) or 'tom'}")
            elif len(" ".join(body)) < 60:
                bad.append(f"{rid} side {n}: nesten tom: {' '.join(body)!r}")
    assert not bad, "\n".join(bad)


def test_headings_are_not_left_at_the_bottom_of_a_page(layouts):
    """A heading is followed on its own page by at least one line of what it introduces."""
    from weasyprint.formatting_structure import boxes

    bad = []
    for rid, doc in layouts.items():
        for n, page in enumerate(doc.pages, 1):
            blocks = [(b, tags) for b, tags in _walk(page._page_box)
                      if isinstance(b, boxes.LineBox)]
            if blocks and HEADINGS & set(blocks[-1][1]) and n < len(doc.pages):
                text = " ".join(t for t, _ in _page_texts(page))[-60:]
                bad.append(f"{rid} side {n} slutter med en overskrift: …{text}")
    assert not bad, "\n".join(bad)


def test_no_table_row_is_split_across_pages(layouts):
    from weasyprint.formatting_structure import boxes

    bad, rows = [], 0
    for rid, doc in layouts.items():
        seen: dict[int, int] = {}
        for n, page in enumerate(doc.pages, 1):
            for group, _tags in _walk(page._page_box):
                if not isinstance(group, boxes.TableRowGroupBox) or group.is_header:
                    continue  # a repeated header row is meant to be on every page
                for row in group.children:
                    key = id(row.element)
                    rows += 1
                    if key in seen and seen[key] != n:
                        bad.append(f"{rid}: en tabellrad er delt mellom side {seen[key]} og {n}")
                    seen.setdefault(key, n)
    assert rows > 50, "fant for få tabellrader å kontrollere"
    assert not bad, "\n".join(bad)


def test_table_headers_repeat_on_every_page_the_table_reaches(layouts):
    from weasyprint.formatting_structure import boxes

    bad = []
    for rid, doc in layouts.items():
        for n, page in enumerate(doc.pages, 1):
            for b, _tags in _walk(page._page_box):
                if isinstance(b, boxes.TableBox) and b.element is not None:
                    has_head = b.element.find("thead") is not None
                    groups = [c for c in b.children if isinstance(c, boxes.TableRowGroupBox)]
                    if has_head and groups and not any(g.is_header for g in groups):
                        bad.append(f"{rid} side {n}: tabellen fortsetter uten overskriftsrad")
    assert not bad, "\n".join(bad)


def test_diagram_text_is_readable(layouts):
    """Every diagram is printed so that its smallest text is at least 8 pt."""
    import base64

    from weasyprint.formatting_structure import boxes

    checked = 0
    for rid, doc in layouts.items():
        for n, page in enumerate(doc.pages, 1):
            for b, _tags in _walk(page._page_box):
                if isinstance(b, boxes.ReplacedBox) and "diagram" in (b.element.get("class") or ""):
                    svg = base64.b64decode(b.element.get("src").split(",", 1)[1]).decode()
                    smallest = min(float(x) for x in re.findall(r'font-size="([\d.]+)"', svg))
                    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
                    printed = smallest * (b.width * PX_TO_PT) / width_pt
                    assert printed >= 7.95, f"{rid} side {n}: diagramteksten blir {printed:.1f} pt (minst 8 pt)"
                    checked += 1
    assert checked >= 3, "fant for få diagrammer å måle"


SMALLEST_PT = 7.5  # the running header and footer, the signature lines' labels, the QR caption


@pytest.mark.parametrize("rid", ROUTINES)
def test_no_printed_text_is_smaller_than_the_running_footer(built, rid):
    """Every character the PDF prints, read back with its size (font size x text matrix x CTM),
    is at least 7.5 pt: a signer reads the QR code's caption and the signature lines' labels on
    paper. (The diagrams' own text, 8 pt or more, is checked above.)"""
    sizes: dict[float, str] = {}

    def seen(text, cm, tm, _font, size):
        if text.strip():
            printed = size * (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            sizes.setdefault(round(printed, 2), text.strip()[:40])

    for page in PdfReader(built / f"{rid}.pdf").pages:
        page.extract_text(visitor_text=seen)
    assert sizes and max(sizes) >= 9
    small = {size: text for size, text in sizes.items() if size < SMALLEST_PT - 0.01}
    assert not small, f"{rid}: tekst under {SMALLEST_PT} pt: {small}"


def _pdf_pages(path: Path) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages]


MARKDOWN_MARKERS = re.compile(r"\*\*|__|\]\(|(?<!\w)\*[^\s*][^*]*\*(?!\w)|^#+\s")
DOUBLED = re.compile(r"(?<![.\d])([.;:,!?])\s*(?!\.\.)[.;:,](?!\d)")


@pytest.mark.parametrize("rid", ROUTINES)
def test_printed_text_has_no_markup_or_doubled_punctuation(built, rid):
    problems = []
    for n, text in enumerate(_pdf_pages(built / f"{rid}.pdf"), 1):
        for m in MARKDOWN_MARKERS.finditer(text):
            problems.append(f"side {n}: Markdown-tegn {text[max(0, m.start() - 30):m.end() + 30]!r}")
        for m in DOUBLED.finditer(text):
            problems.append(f"side {n}: dobbelt tegnsetting {text[max(0, m.start() - 30):m.end() + 10]!r}")
    assert not problems, "\n".join(problems)


def test_print_css_keeps_rows_whole_and_repeats_headers():
    """The rules themselves, on a table that must cross a page: its rows stay whole and its
    header repeats (the real routines' tables may happen not to cross a page today)."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    css = (pdf_mod.TEMPLATES / "print.css").read_text("utf-8")
    cell = "Ord " * 120
    rows = "".join(f"<tr><td>{i}</td><td>{cell}</td></tr>" for i in range(12))
    html = (f"<html lang='nb'><head><style>{css}</style></head><body><p>{'Tekst. ' * 300}</p>"
            f"<table><thead><tr><th>Nr.</th><th>Tekst</th></tr></thead><tbody>{rows}</tbody></table></body></html>")
    doc = HTML(string=html).render()
    seen, headers = {}, 0
    for n, page in enumerate(doc.pages, 1):
        for group, _tags in _walk(page._page_box):
            if isinstance(group, boxes.TableRowGroupBox):
                if group.is_header:
                    headers += 1
                    continue
                for row in group.children:
                    assert seen.setdefault(id(row.element), n) == n, "en tabellrad er delt mellom to sider"
    assert len({*seen.values()}) >= 2 and headers == len({*seen.values()})


def test_a_phase_under_its_own_heading_is_not_titled_twice(built):
    """The box of a phase repeats its title only when the section heading says something else
    (as on the site): a leader reading the print should not meet one part as two."""
    text = " ".join(_pdf_pages(built / "fra-krisesenter-til-egen-bolig.pdf"))
    title = "Fase 1: Avklar behov for ny bolig etter opphold på krisesenter"
    # Once in the table of contents and once as the section heading; not a third time in the box.
    assert text.count(title) == 2, text.count(title)
    assert "Resultat: Det er avklart om beboeren" in text


def test_the_print_user_agent_sheet_leaves_out_only_what_cannot_apply():
    """The build cascades with WeasyPrint's user-agent sheet less the footnote and note
    pseudo-elements and with ::marker on list items only (pdf.UA_TRIMS): the same pages (the test
    above compares bytes with the full sheet), a fifth of the style time. That holds while no
    element can be floated to a footnote or note, only li is a list item, and data brings no CSS."""
    from weasyprint.html import UA

    trimmed = pdf_mod.print_ua_text()
    gone = [line for line in UA.splitlines() if line not in trimmed.splitlines()]
    added = [line for line in trimmed.splitlines() if line not in UA.splitlines()]
    assert [line.split(" {")[0] for line in gone] == [
        "::marker", "::footnote-call", "::footnote-marker", "::note-call", "::note-marker", "::note-callback"]
    assert added == [gone[0].replace("::marker", "li::marker", 1)]
    style = (pdf_mod.TEMPLATES / "print.css").read_text("utf-8")
    templates = "".join(p.read_text("utf-8") for p in (*pdf_mod.TEMPLATES.glob("*.j2"),
                                                        *pdf_mod.BLOCK_TEMPLATES.glob("*.html.j2")))
    assert not re.search(r"float:\s*(footnote|note)|footnote|list-item", style + templates)
    from rutinebok.escape import _ATTRIBUTES, _TAGS

    assert "style" not in _TAGS and not any("style" in attrs for attrs in _ATTRIBUTES.values())
    # A WeasyPrint whose sheet no longer has these rules as they were gets its whole sheet.
    from unittest import mock

    with mock.patch("weasyprint.html.UA", UA.replace("::note-callback {", "::note-callback{")):
        assert pdf_mod.print_ua_text() == UA.replace("::note-callback {", "::note-callback{")


def _leaders(document) -> list[tuple]:
    """(page, y, first x, last x, dots) of each leader's text, from WeasyPrint's layout tree."""
    found = []
    for number, page in enumerate(document.pages):
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            if getattr(box, "is_leader", False):
                texts = sorted(box.children, key=lambda b: b.position_x)
                found.append((number, round(texts[0].position_y, 6), round(texts[0].position_x, 6),
                              round(texts[-1].position_x + texts[-1].width, 6), sum(len(t.text) for t in texts),
                              len(texts)))
            stack.extend(getattr(box, "children", ()))
    return sorted(found)


def test_contents_leaders_are_one_run_of_the_same_dots_in_the_same_places():
    """WeasyPrint lays a leader out as one text box per dot (60 on a line of the contents); the
    build makes them one box (pdf._merged_leader). The dots, their number and their span on
    every line are WeasyPrint's own; only the boxes are fewer."""
    from unittest import mock

    from weasyprint.layout import inline

    ds, findings = pdf_mod.load_checked(ROOT / "data", TODAY)
    renderer = pdf_mod.print_context(ds, TODAY, findings)
    pdf_mod.print_style()
    assert hasattr(inline.handle_leader, "__wrapped__")
    merged = _leaders(pdf_mod.routine_document(ds, renderer, "moss-krisesenter-nav", SITE_URL))
    with mock.patch.object(inline, "handle_leader", inline.handle_leader.__wrapped__):
        plain = _leaders(pdf_mod.routine_document(ds, renderer, "moss-krisesenter-nav", SITE_URL))
    assert len(plain) == len(merged) >= 15
    assert [row[:5] for row in merged] == [row[:5] for row in plain]
    assert all(row[5] == 1 for row in merged) and sum(row[5] for row in plain) > 700


def test_a_contents_list_written_in_the_data_gets_no_placeholder(tmp_path, monkeypatch):
    """Markdown in the data can make its own list of class «toc» (`[TOC]`); the placeholders are
    for the routine's own contents only (a.rb-toc), so none is left in the printed text, and the
    routine's contents are still numbered in one layout."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    path = data / "routines" / "moss-krisesenter-nav.yml"
    text = path.read_text("utf-8")
    old = "      - text: >-\n          Rutinen er ett av tiltakene"
    assert old in text
    path.write_text(text.replace(old, '      - text: "[TOC]\\n\\n#### Egen overskrift\\n\\nTekst under den."\n' + old, 1),
                    "utf-8")
    ds, findings = pdf_mod.load_checked(data, TODAY)
    ctx = pdf_mod.print_context(ds, TODAY, findings)
    out = tmp_path / "moss.pdf"
    counts = _layouts_of_page_one(monkeypatch)
    out.write_bytes(pdf_mod.render_pdf(ds, ctx, "moss-krisesenter-nav", SITE_URL))
    assert len(counts) == 1
    pages = [page.extract_text() for page in PdfReader(out).pages]
    assert any("Egen overskrift" in page for page in pages)
    assert not re.search(r"\.{3,} *00 *$", "\n".join(pages), re.MULTILINE)
