"""Glossary terms explained where they occur: the first use on a page opens on tap.

The word becomes a button that opens a popover with the explanation (the HTML popover
attribute: works on touch, with the keyboard and without JavaScript; a browser without
popover support shows the explanation inline). Only the first use per page is marked, and
never inside links, headings or buttons. A term that is part of a longer name in the data
(«nødhjelp» in «Medisinsk nødhjelp», «NAV» in «NAV Moss») is not explained there, so a
name never carries another meaning of one of its words.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .htmlpass import PassThrough

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
    flags = 0 if any(c.isupper() for c in term) else re.IGNORECASE
    return re.compile(rf"(?<!{_WORD}){re.escape(term)}(?!{_WORD})", flags)


class _Marker(PassThrough):
    def __init__(self, terms: list[GlossaryTerm], names: list[str], href: str):
        super().__init__()
        self.terms = [(t, _pattern(t.term)) for t in terms]
        # Longer names that contain a term: occurrences inside them are not the term.
        self.blockers = {t.term: [re.compile(re.escape(n), re.IGNORECASE) for n in names
                                  if _pattern(t.term).search(n) and n.strip().lower() != t.term.lower()]
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


def mark_terms(page_html: str, terms: list[GlossaryTerm], names: list[str], glossary_href: str) -> str:
    """The page's HTML with the first use of each term made a tap-to-explain button."""
    if not terms:
        return page_html
    parser = _Marker(terms, names, glossary_href)
    parser.feed(page_html)
    parser.close()
    return "".join(parser.out) + (parser.rawdata or "")
