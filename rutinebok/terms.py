"""Glossary terms explained where they occur: the first use on a page opens on tap.

The word becomes a button that opens a popover with the explanation (the HTML popover
attribute: works on touch, with the keyboard and without JavaScript; a browser without
popover support shows the explanation inline). Only the first use per page is marked, and
never inside links, headings or buttons. A term that is part of a longer name in the data
(«nødhjelp» in «Medisinsk nødhjelp», «NAV» in «NAV Moss») is not explained there, so a
name never carries another meaning of one of its words.

Each text is scanned once for all terms, and a use is checked against the names only where it
is found (see _TermScan), so a page costs the same with ten names or ten thousand; the output
is that of the original pass, which tests/test_terms.py keeps as its reference.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from .htmlpass import PassThrough
from .tables import TableLabels, label_table_cells

# Inside these the term is left alone: interactive content cannot hold a button, headings
# and navigation stay short, code stays literal.
_SKIP = {"a", "button", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "abbr", "script", "style",
         "summary", "nav", "label", "title", "dfn", "select", "option", "textarea", "svg", "kbd", "th"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_WORD = r"[\wæøåÆØÅ-]"


@dataclass
class GlossaryTerm:
    term: str
    expansion: str
    explanation: str


def _pattern(term: str) -> re.Pattern:
    return re.compile(_source(term), _flags(term))


def _flags(term: str) -> int:
    return 0 if any(c.isupper() for c in term) else re.IGNORECASE


def _source(term: str) -> str:
    return rf"(?<!{_WORD}){re.escape(term)}(?!{_WORD})"


@cache
def _same(pattern_char: str, text_char: str) -> bool:
    """Whether `text_char` matches `pattern_char` in a case-insensitive pattern (re's own rules,
    which are not str.lower's)."""
    return re.fullmatch(re.escape(pattern_char), text_char, re.IGNORECASE) is not None


def _overlap(a: str, a_ci: bool, b: str, b_ci: bool) -> bool:
    """Whether some text matches both literals `a` and `b` (equal length) at once."""
    for x, y in zip(a, b):
        if a_ci and b_ci:
            ok = _same(x, y)
        elif a_ci:
            ok = _same(x, y)  # the text is y
        elif b_ci:
            ok = _same(y, x)  # the text is x
        else:
            ok = x == y
        if not ok:
            return False
    return True


def _self_overlapping(name: str) -> bool:
    """Whether two occurrences of the name can overlap in a text (a proper prefix that can also
    be its suffix): re's finditer then reports only some of them."""
    n = len(name)
    return any(_overlap(name[:k], True, name[n - k:], True) for k in range(1, n))


def _any_of(names: list[str]) -> str:
    """A pattern that matches where one of the names starts, shaped as a tree of their common
    beginnings: trying it costs the length of a name, not the number of names (a plain
    alternation tries thousands of offices one after the other)."""
    tree: dict = {}
    for n in names:
        node = tree
        for c in n:
            node = node.setdefault(c, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        if "" in node:
            return ""  # a name ends here: the longer ones need not be tried
        alternatives = [re.escape(c) + pattern(child) for c, child in node.items()]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return pattern(tree)


@dataclass
class _TermScan:
    """Everything about the terms and names that does not depend on the page.

    One pattern finds every place where some term starts; for each term, its blocking names are
    grouped by where the term sits inside them, so whether a use of the term lies inside a name
    is one match per group at the one place that name would have to start, whatever the number
    of names."""

    find: re.Pattern  # (?=(term 0)|(term 1)|...): group i+1 is the first term that matches here
    patterns: list[re.Pattern]
    also: list[tuple[int, ...]]  # for term i: the later terms that can match where it matches
    inside: dict[str, list[tuple[int, re.Pattern]]]  # term -> (offset of the term in the names, names)
    overlapping: dict[str, list[re.Pattern]]  # term -> names whose occurrences can overlap


@lru_cache(maxsize=8)
def _scan(terms: tuple[str, ...], names: tuple[str, ...]) -> _TermScan:
    patterns = [_pattern(t) for t in terms]
    find = re.compile("(?=" + "|".join(
        f"((?{'i' if _flags(t) else '-i'}:{_source(t)}))" for t in terms) + ")")
    ci = [bool(_flags(t)) for t in terms]
    also = []
    for i, t in enumerate(terms):
        also.append(tuple(j for j in range(i + 1, len(terms))
                          if _overlap(t[:len(terms[j])], ci[i], terms[j][:len(t)], ci[j])))
    inside: dict[str, list[tuple[int, re.Pattern]]] = {}
    overlapping: dict[str, list[re.Pattern]] = {}
    for t, p in zip(terms, patterns):
        if t in inside:
            continue
        # The same names as before: longer names in which the term occurs as a word.
        blockers = [n for n in names if p.search(n) and n.strip().lower() != t.lower()]
        by_offset: dict[int, list[str]] = {}
        overlapping[t] = []
        for n in blockers:
            if _self_overlapping(n):
                overlapping[t].append(re.compile(re.escape(n), re.IGNORECASE))
                continue
            for o in range(len(n) - len(t) + 1):
                if _overlap(n[o:o + len(t)], True, t, bool(_flags(t))):
                    by_offset.setdefault(o, []).append(n)
        inside[t] = [(o, re.compile(_any_of(group), re.IGNORECASE)) for o, group in sorted(by_offset.items())]
    return _TermScan(find, patterns, also, inside, overlapping)


class _Marker(PassThrough):
    def __init__(self, terms: list[GlossaryTerm], names: list[str], href: str, tables: bool = False):
        super().__init__()
        self.labels = TableLabels(self.out) if tables else None
        self.terms = terms
        self.scan = _scan(tuple(t.term for t in terms), tuple(names))
        self.href = href
        self.done: set[str] = set()
        self.skip = 0  # depth inside skipped elements
        self.stack: list[str] = []
        self.count = 0

    def handle_starttag(self, tag, attrs):
        text = self.get_starttag_text() or ""
        self.out.append(self.labels.start(tag, attrs, text) if self.labels else text)
        if tag in _VOID:
            return
        skip = tag in _SKIP or any(k in ("popover", "data-rb-noterms") for k, _ in attrs)
        self.stack.append(tag if not skip else tag + "!")
        if skip:
            self.skip += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        if self.labels:
            self.labels.end(tag)
        self.out.append(f"</{tag}>")
        # Close up to the matching open tag (HTML allows omitted end tags).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].rstrip("!") == tag:
                for closed in self.stack[i:]:
                    if closed.endswith("!"):
                        self.skip -= 1
                del self.stack[i:]
                break

    def handle_entityref(self, name):
        if self.labels:
            self.labels.text(html.unescape(f"&{name};"))
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        if self.labels:
            self.labels.text(html.unescape(f"&#{name};"))
        self.out.append(f"&#{name};")

    def handle_data(self, data):
        if self.labels:
            self.labels.text(data)
        if self.skip or len(self.done) == len(self.terms):
            self.out.append(data)
            return
        self.out.append(self._mark(data))

    def _blocked(self, term: str, text: str, s: int, e: int, seen: dict) -> bool:
        """Whether text[s:e], a use of the term, lies inside one of the longer names."""
        for offset, names in self.scan.inside[term]:
            if offset <= s and names.match(text, s - offset):
                return True
        for name in self.scan.overlapping[term]:
            if name not in seen:
                seen[name] = [(m.start(), m.end()) for m in name.finditer(text)]
            if any(a <= s and e <= b for a, b in seen[name]):
                return True
        return False

    def _first(self, text: str):
        """The earliest use of a term not yet marked that lies in no name (the earlier term in
        the list where two start at the same place), as (match, term), or None."""
        ended: dict[int, int] = {}  # term -> end of its last use seen in this text
        seen: dict = {}
        for hit in self.scan.find.finditer(text):
            at, first = hit.start(), hit.lastindex - 1
            for i in (first, *self.scan.also[first]):
                t = self.terms[i]
                if t.term in self.done:
                    continue
                m = self.scan.patterns[i].match(text, at)
                # A use that overlaps the previous use of the same term is no use of its own.
                if m is None or at < ended.get(i, 0):
                    continue
                ended[i] = m.end()
                if not self._blocked(t.term, text, at, m.end(), seen):
                    return m, t
        return None

    def _mark(self, text: str) -> str:
        if self.scan.find.search(text) is None:
            return text  # most text: no term at all
        out = []
        while True:
            hit = self._first(text)
            if hit is None:
                out.append(text)
                return "".join(out)
            m, t = hit
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


def mark_terms(page_html: str, terms: list[GlossaryTerm], names: list[str], glossary_href: str, *,
               label_tables: bool = False) -> str:
    """The page's HTML with the first use of each term made a tap-to-explain button.

    `label_tables`: in the same parse, what tables.label_table_cells does first (the output is
    mark_terms(label_table_cells(page_html), ...), with one parse of the page instead of two)."""
    if not terms:
        return label_table_cells(page_html) if label_tables else page_html
    parser = _Marker(terms, names, glossary_href, tables=label_tables and "<table" in page_html)
    parser.feed(page_html)
    parser.close()
    return "".join(parser.out) + (parser.rawdata or "")
