"""Glossary terms on tap (rutinebok/terms.py): the fast scanner gives exactly the output of the
original pass (kept below as the reference), on random text, names and terms and on real pages,
and its cost does not grow with the number of names."""

from __future__ import annotations

import html
import html as html_lib
import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rutinebok.htmlpass import PassThrough
from rutinebok.render import SiteOptions, SiteRenderer
from rutinebok.tables import label_table_cells
from rutinebok.terms import _SKIP, _VOID, _WORD, GlossaryTerm, mark_terms

from .conftest import TODAY

# ---------------------------------------------------------------- the reference: the pass as it was
# (rutinebok/terms.py before it scanned each text once; quadratic in names x text nodes), kept
# verbatim so the property test can hold the fast version to its exact output.

def _old_pattern(term: str) -> re.Pattern:
    flags = 0 if any(c.isupper() for c in term) else re.IGNORECASE
    return re.compile(rf"(?<!{_WORD}){re.escape(term)}(?!{_WORD})", flags)


class _OldMarker(PassThrough):
    def __init__(self, terms: list[GlossaryTerm], names: list[str], href: str):
        super().__init__()
        self.terms = [(t, _old_pattern(t.term)) for t in terms]
        # Longer names that contain a term: occurrences inside them are not the term.
        self.blockers = {t.term: [re.compile(re.escape(n), re.IGNORECASE) for n in names
                                  if _old_pattern(t.term).search(n) and n.strip().lower() != t.term.lower()]
                         for t in terms}
        self.href = href
        self.done: set[str] = set()
        self.skip = 0  # depth inside skipped elements
        self.stack: list[str] = []
        self.count = 0

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or "")
        if tag in _VOID:
            return
        skip = tag in _SKIP or any(k in ("popover", "data-rb-noterms") for k, _ in attrs)
        self.stack.append(tag if not skip else tag + "!")
        if skip:
            self.skip += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        # Close up to the matching open tag (HTML allows omitted end tags).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].rstrip("!") == tag:
                for closed in self.stack[i:]:
                    if closed.endswith("!"):
                        self.skip -= 1
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.skip or len(self.done) == len(self.terms):
            self.out.append(data)
            return
        self.out.append(self._mark(data))

    def _first(self, text: str, term: GlossaryTerm, pattern: re.Pattern):
        blocked = [(m.start(), m.end()) for b in self.blockers[term.term] for m in b.finditer(text)]
        for m in pattern.finditer(text):
            if not any(s <= m.start() and m.end() <= e for s, e in blocked):
                return m
        return None

    def _mark(self, text: str) -> str:
        out = []
        while True:
            hits = [(m, t) for t, p in self.terms if t.term not in self.done and (m := self._first(text, t, p))]
            if not hits:
                out.append(text)
                return "".join(out)
            m, t = min(hits, key=lambda h: h[0].start())
            self.done.add(t.term)
            self.count += 1
            out.append(text[:m.start()])
            out.append(self._widget(m.group(0), t))
            text = text[m.end():]

    def _widget(self, word: str, t: GlossaryTerm) -> str:
        pid = f"rb-term-{self.count}"
        head = html.escape(t.term) + (f" ({html.escape(t.expansion)})" if t.expansion else "")
        return (f'<button type="button" class="rb-term" popovertarget="{pid}">{word}</button>'
                f'<span class="rb-term__def" id="{pid}" popover role="note" data-search-exclude data-pagefind-ignore>'
                f'<strong>{head}:</strong> {html.escape(t.explanation)} '
                f'<a href="{html.escape(self.href, quote=True)}">Ordliste</a></span>')


def old_mark_terms(page_html: str, terms: list[GlossaryTerm], names: list[str], glossary_href: str) -> str:
    if not terms:
        return page_html
    parser = _OldMarker(terms, names, glossary_href)
    parser.feed(page_html)
    parser.close()
    return "".join(parser.out) + (parser.rawdata or "")


class _OldLabeller(PassThrough):
    def __init__(self) -> None:
        super().__init__()
        # One frame per open table: headings, whether we are in thead/th, and the column.
        self.stack: list[dict] = []

    def _frame(self) -> dict | None:
        return self.stack[-1] if self.stack else None

    def handle_starttag(self, tag, attrs):
        text = self.get_starttag_text() or ""
        f = self._frame()
        if tag == "table":
            self.stack.append({"heads": [], "in_head": False, "th": None, "col": 0, "start": len(self.out)})
        elif f is not None:
            if tag == "thead":
                f["in_head"] = True
            elif tag == "tr":
                f["col"] = 0
            elif tag == "th" and f["in_head"]:
                f["th"] = []
            elif tag in ("td", "th") and not f["in_head"] and f["heads"]:
                label = f["heads"][f["col"]] if f["col"] < len(f["heads"]) else ""
                f["col"] += 1
                if label and not any(k == "data-label" for k, _ in attrs):
                    text = text[:-1].rstrip("/").rstrip() + f' data-label="{html.escape(label, quote=True)}">'
        self.out.append(text)

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        f = self._frame()
        if f is not None:
            if tag == "th" and f["th"] is not None:
                f["heads"].append(" ".join("".join(f["th"]).split()))
                f["th"] = None
            elif tag == "thead":
                f["in_head"] = False
            elif tag == "table":
                self.stack.pop()
                if f["heads"] and any(f["heads"]):
                    # Mark the table so the stylesheet stacks it on phones.
                    i = f["start"]
                    self.out[i] = self.out[i][:-1] + " data-rb-stack>"
        self.out.append(f"</{tag}>")

    def _text(self, raw: str, plain: str) -> None:
        f = self._frame()
        if f is not None and f["th"] is not None:
            f["th"].append(plain)
        self.out.append(raw)

    def handle_data(self, data):
        self._text(data, data)

    def handle_entityref(self, name):
        self._text(f"&{name};", html.unescape(f"&{name};"))

    def handle_charref(self, name):
        self._text(f"&#{name};", html.unescape(f"&#{name};"))


def old_label_table_cells(page_html: str) -> str:
    if "<table" not in page_html:
        return page_html
    parser = _OldLabeller()
    parser.feed(page_html)
    parser.close()
    return "".join(parser.out) + (parser.rawdata if parser.rawdata else "")


# ---------------------------------------------------------------- random pages

# Words that make terms, names and text collide often: case variants, æøå, hyphens, digits,
# words that are a prefix of another, and separators the term's word boundary treats differently.
WORDS = ["NAV", "nav", "Nav", "NAV-kontor", "Moss", "moss", "nødhjelp", "Nødhjelp", "NØDHJELP", "Medisinsk",
         "kode", "6", "IKS", "iks", "a", "A", "aa", "ø", "Ø", "å", "x_y", "ſ", "K"]
SEPARATORS = [" ", " ", "-", ", ", ".", "(", ")", "\n", "", "/", "  "]


@st.composite
def cases(draw):
    """A page, terms and names made from the same few words, so that they collide often."""
    vocab = draw(st.lists(st.one_of(st.sampled_from(WORDS), st.text(alphabet="aAnNvVøØ-_.()&;ſK", min_size=1,
                                                                     max_size=4)), min_size=1, max_size=4))

    def phrase(lo, hi):
        words = draw(st.lists(st.sampled_from(vocab), min_size=lo, max_size=hi))
        out = words[0] if words else ""
        for w in words[1:]:
            out += draw(st.sampled_from(SEPARATORS)) + w
        return out

    pieces = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.integers(0, 5))
        if kind <= 1:
            pieces.append(html_lib.escape(phrase(0, 8), quote=False))
        elif kind == 2:
            pieces.append(phrase(0, 4))  # unescaped: & and < as the parser meets them
        elif kind == 3:
            pieces.append(draw(st.sampled_from(OPEN)))
        elif kind == 4:
            pieces.append(draw(st.sampled_from(CLOSE)))
        else:
            pieces.append(draw(st.sampled_from(["&amp;", "&nbsp;", "&#246;", "<!-- NAV -->"])))
    terms = [GlossaryTerm(phrase(1, 3), f"utvidelse {i}", f"forklaring <{i}> & mer")
             for i in range(draw(st.integers(1, 4)))]
    names = [phrase(1, 4) for _ in range(draw(st.integers(0, 6)))]
    return "".join(pieces), terms, names


OPEN = ["<thead>", "<tr>", "<tbody>", "<td data-label='x'>", "<TABLE>", "<th/>", "<p>", "<a href='#'>", "<h2>", "<span>", "<td>", "<th>", "<code>", "<li>", "<span popover>",
        "<div data-rb-noterms>", "<br>", "<strong>", "<button>", "<table>", "<img alt='NAV'>"]
CLOSE = ["</thead>", "</tr>", "</tbody>", "</p>", "</a>", "</h2>", "</span>", "</td>", "</th>", "</code>", "</li>", "</div>", "</strong>",
         "</button>", "</table>"]


def _same_as_before(page, terms, names):
    assert mark_terms(page, terms, names, "../ordliste/") == old_mark_terms(page, terms, names, "../ordliste/")
    # The post-build pass labels tables in the same parse: as the two passes one after the other.
    assert label_table_cells(page) == old_label_table_cells(page)
    assert (mark_terms(page, terms, names, "../ordliste/", label_tables=True)
            == old_mark_terms(old_label_table_cells(page), terms, names, "../ordliste/"))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_the_scanner_marks_exactly_what_the_original_pass_marked(case):
    _same_as_before(*case)


def _t(*words):
    return [GlossaryTerm(w, "", "forklaring") for w in words]


def test_the_cases_where_a_faster_scan_most_easily_goes_wrong():
    # a use inside a name is skipped, the next free one is marked
    _same_as_before("<p>Medisinsk nødhjelp og nødhjelp</p>", _t("nødhjelp"), ["Medisinsk nødhjelp"])
    # «a a» at 2 lies in the name; the use at 4 overlaps it, so re never reports it: nothing is marked
    _same_as_before("<p>x a a a</p>", _t("a a"), ["x a a"])
    # a name whose uses overlap («a a» in «a a a» is found once): the last «a» is free
    _same_as_before("<p>a a a</p>", _t("a"), ["a a"])
    _same_as_before("<p>NAV nav NAV nav</p>", _t("nav"), ["nav NAV"])
    # two terms start at the same place: the first is marked already, or lies in a name
    _same_as_before("<p>nav</p><p>NAV</p>", _t("nav", "NAV"), [])
    _same_as_before("<p>x a b</p>", _t("a", "a b"), ["x a"])
    _same_as_before("<p>NAV Moss og nav</p>", _t("nav", "NAV"), ["NAV Moss"])
    # tables: headings become labels, a heading is never a term, the labelled cell still is
    _same_as_before("<table><thead><tr><th>NAV &amp; kode 6</th><th>B</th></tr></thead><tbody><tr><td>NAV</td>"
                    "<td>kode 6</td><td>x</td></tr></tbody></table><table><tr><td>NAV</td></tr></table>",
                    _t("kode 6", "NAV"), [])
    _same_as_before("<TABLE><thead><th>A</th></thead><td>x</td></TABLE>", _t("x"), [])


def test_a_term_inside_a_longer_name_is_left_alone_and_its_next_free_use_is_marked():
    terms = [GlossaryTerm("nødhjelp", "", "Penger til det helt nødvendige."), GlossaryTerm("NAV", "", "Etaten.")]
    names = ["Medisinsk nødhjelp", "NAV Moss", "Moss kommune"]
    page = "<p>Ring Medisinsk nødhjelp eller NAV Moss.</p><p>Søk nødhjelp hos NAV.</p>"
    out = mark_terms(page, terms, names, "../ordliste/")
    assert out == old_mark_terms(page, terms, names, "../ordliste/")
    assert "Ring Medisinsk nødhjelp eller NAV Moss.</p>" in out
    assert re.findall(r'popovertarget="[^"]+">([^<]+)</button>', out) == ["nødhjelp", "NAV"]


# ---------------------------------------------------------------- real pages


def _unmarked(page: str) -> str:
    """A built page with its term buttons turned back into the plain words."""
    return re.sub(r'<button type="button" class="rb-term" popovertarget="[^"]+">([^<]*)</button>'
                  r'<span class="rb-term__def"[^>]*>.*?</span>', r"\1", page, flags=re.DOTALL)


def test_real_built_pages_come_out_the_same_as_with_the_original_pass(site_dir, real):
    ds, _, findings = real
    renderer = SiteRenderer(ds, findings, SiteOptions(today=TODAY))
    terms, names = renderer.glossary_terms(), renderer.names_with_spaces()
    assert terms and any("nødhjelp" in n for n in names)
    pages = sorted((p for p in site_dir.rglob("*.html") if "ordliste" not in p.parts and "assets" not in p.parts),
                   key=lambda p: -p.stat().st_size)[:12]
    pages.append(site_dir / "kontakter" / "index.html")
    marked = 0
    for path in pages:
        page = _unmarked(path.read_text("utf-8"))
        new = mark_terms(page, terms, names, "../ordliste/")
        assert new == old_mark_terms(page, terms, names, "../ordliste/"), path
        marked += new.count('class="rb-term"')
    assert marked >= len(pages)


# ---------------------------------------------------------------- cost


def test_the_cost_does_not_grow_with_the_number_of_names():
    """About 2 MB of text nodes and 5,000 names (a national site's offices): the original pass
    matched every name against every text node (minutes); this one stays well inside seconds."""
    places = [f"Sted{i:04d}" for i in range(5000)]
    names = [f"NAV {p}" for p in places] + [f"Medisinsk nødhjelp {p}" for p in places[:50]]
    terms = [GlossaryTerm("NAV", "", "Etaten."), GlossaryTerm("nødhjelp", "", "Penger."),
             GlossaryTerm("kode 6", "", "Strengt fortrolig adresse.")]
    rows = "".join(f"<tr><td>NAV {p}</td><td>Ring NAV {p} om nødhjelp eller kode 7.</td></tr>" for p in places)
    page = "<table>" + rows * 30 + "</table><p>Til slutt: NAV og nødhjelp og kode 6.</p>"
    assert len(page) > 2_000_000
    started = time.perf_counter()
    out = mark_terms(page, terms, names, "../ordliste/")
    assert time.perf_counter() - started < 20
    assert re.findall(r'popovertarget="[^"]+">([^<]+)</button>', out) == ["nødhjelp", "NAV", "kode 6"]
