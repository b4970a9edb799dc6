"""Structural checks of built output for issue 9: what in a page, SVG, search index, calendar
or PDF could run, fetch or navigate somewhere. Parsed, not grepped for one string, so a
payload in any spelling is caught by what it would become."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from rutinebok.escape import url_scheme_text, url_verdict

MARK = "PWN"  # every payload in the corpus carries this, to find where it ended up

# Elements that never belong in content made from data.
_BAD_TAGS = {"script", "iframe", "object", "embed", "base", "form", "frame", "frameset", "applet",
             "svg", "math", "foreignobject", "style", "link", "meta", "input", "textarea",
             "template", "audio", "video", "source", "track"}
_URL_ATTRS = {"href", "src", "xlink:href", "action", "formaction", "data", "poster", "background", "srcset"}


class _Scan(HTMLParser):
    def __init__(self, where: str, theme_scripts: set[str] | None):
        super().__init__(convert_charrefs=True)
        self.where = where
        self.problems: list[str] = []
        self.theme_scripts = theme_scripts
        self.stack: list[str] = []
        self.script: list[str] | None = None
        self.in_content = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)
        if tag not in ("br", "img", "hr", "meta", "link", "input", "source"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def _tag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article" or a.get("class", "") and "md-content__inner" in a.get("class", ""):
            self.in_content += 1
        if tag == "script":
            self.script = []
            src = a.get("src")
            if src and url_verdict(src) != "relative":
                self.problems.append(f"{self.where}: script from another host: {src}")
        if self.in_content and tag in _BAD_TAGS:
            self.problems.append(f"{self.where}: <{tag}> in the page content {attrs}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"{self.where}: event handler {name}={value[:60]!r} on <{tag}>")
            if name in _URL_ATTRS and value:
                verdict = url_verdict(value)
                if verdict == "unsafe":
                    self.problems.append(f"{self.where}: {name}={url_scheme_text(value)[:60]!r} on <{tag}>")
                if tag in ("img", "script", "iframe", "source") and name == "src" and verdict != "relative" \
                        and not value.startswith("data:image/"):
                    self.problems.append(f"{self.where}: <{tag} src> from another host: {value[:60]}")
            if name == "style" and self.in_content and MARK in value:
                self.problems.append(f"{self.where}: style from data on <{tag}>")
            if name == "http-equiv" and value.lower() == "refresh":
                self.problems.append(f"{self.where}: meta refresh")

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            body = "".join(self.script)
            if MARK in body:
                self.problems.append(f"{self.where}: data inside a <script>: {body[:80]!r}")
            self.script = None
        if tag == "article" and self.in_content:
            self.in_content -= 1
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self.script is not None:
            self.script.append(data)
        else:
            self.text.append(data)


def scan_html(html: str, where: str = "") -> list[str]:
    s = _Scan(where, None)
    s.feed(html)
    s.close()
    return s.problems


def visible_text(html: str) -> str:
    s = _Scan("", None)
    s.feed(html)
    s.close()
    return " ".join(" ".join(s.text).split())


def scan_svg(svg: str, where: str) -> list[str]:
    problems = []
    for m in re.finditer(r"<([a-zA-Z:]+)([^>]*)>", svg):
        tag, attrs = m.group(1).lower(), m.group(2)
        if tag in ("script", "foreignobject", "iframe", "image", "use"):
            problems.append(f"{where}: <{tag}> in the SVG")
        for name, value in re.findall(r'([a-zA-Z:-]+)="([^"]*)"', attrs):
            if name.lower().startswith("on") or name.lower() in ("href", "xlink:href"):
                problems.append(f"{where}: {name}={value[:60]!r} on <{tag}>")
    return problems


_ICS_NAMES = {"BEGIN", "END", "PRODID", "VERSION", "X-WR-CALNAME", "UID", "DTSTAMP", "DTSTART", "SUMMARY",
              "URL", "RRULE", "DESCRIPTION", "DTEND", "DUE", "STATUS", "LOCATION", "CATEGORIES",
              "X-WR-TIMEZONE", "CALSCALE", "METHOD", "SEQUENCE", "CLASS", "TRANSP", "X-WR-CALDESC"}


def scan_ics(data: bytes, where: str) -> list[str]:
    """Every unfolded line is a property the feed writes: data cannot add ATTACH, ALARM etc."""
    text = data.decode("utf-8")
    problems = []
    if re.search(r"(?<!\r)\n", text) or re.search(r"\r(?!\n)", text):
        problems.append(f"{where}: a line break that is not CRLF")
    for line in re.sub(r"\r\n[ \t]", "", text).split("\r\n"):
        if not line:
            continue
        name = re.split(r"[;:]", line, 1)[0].upper()
        if name not in _ICS_NAMES:
            problems.append(f"{where}: unexpected property {line[:80]!r}")
        if name == "URL" and url_verdict(line.split(":", 1)[1]) != "ok":
            problems.append(f"{where}: URL {line[:80]!r}")
    return problems


def scan_search_index(path: Path) -> list[str]:
    """The search index is shown as HTML by the theme: the same rules as a page."""
    index = json.loads(path.read_text("utf-8"))
    problems = []
    for doc in index["docs"]:
        s = _Scan(f"search:{doc['location']}", None)
        s.in_content = 1
        s.feed(doc.get("title", "") + " " + doc.get("text", ""))
        s.close()
        problems += s.problems
    return problems


def scan_pdf(path: Path) -> list[str]:
    """Link annotations only with allowed schemes (or in-document), no JavaScript, no
    launch or remote actions, no embedded files."""
    from pypdf import PdfReader

    problems = []
    raw = path.read_bytes()
    for bad in (b"/JavaScript", b"/JS ", b"/JS(", b"/Launch", b"/GoToR", b"/EmbeddedFile", b"/SubmitForm",
                b"/ImportData"):
        if bad in raw:
            problems.append(f"{path.name}: {bad.decode()} in the PDF")
    reader = PdfReader(str(path))
    for number, page in enumerate(reader.pages, 1):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            action = a.get("/A")
            if action is None:
                continue
            action = action.get_object()
            uri = action.get("/URI")
            if uri is not None and url_verdict(str(uri)) != "ok":
                problems.append(f"{path.name} p. {number}: link to {str(uri)[:80]!r}")
            if action.get("/S") not in (None, "/URI", "/GoTo"):
                problems.append(f"{path.name} p. {number}: action {action.get('/S')}")
    return problems


def scan_site(site: Path) -> list[str]:
    problems: list[str] = []
    for page in sorted(site.rglob("*.html")):
        problems += scan_html(page.read_text("utf-8"), str(page.relative_to(site)))
    for svg in sorted(site.rglob("*.svg")):
        if "assets" not in svg.parts:
            problems += scan_svg(svg.read_text("utf-8"), str(svg.relative_to(site)))
    if (site / "kalender.ics").exists():
        problems += scan_ics((site / "kalender.ics").read_bytes(), "kalender.ics")
    if (site / "search" / "search_index.json").exists():
        problems += scan_search_index(site / "search" / "search_index.json")
    for pdf in sorted(site.rglob("*.pdf")):
        problems += scan_pdf(pdf)
    return problems
