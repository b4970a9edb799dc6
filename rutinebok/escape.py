"""The escaping boundary: every value from data/ or signed/ is text until one of these
functions has made it fit the place it goes.

One function per destination:

- `html_text`      HTML element text and attribute values (also XML: SVG titles).
- `md_text`        plain text inside a generated Markdown page (the site's default for `{{ }}`).
- `md_source`      data text that *is* Markdown: HTML, attribute lists and images made inert
                   before Markdown runs; `sanitize_html` cleans what Markdown made of it.
- `sanitize_html`  rendered HTML through an nh3 allowlist (tags, attributes, URL schemes).
- `safe_url` / `md_url`   a link target: only https, http, mailto, tel, relative and @id.
- `dot_label`      plain-text labels for Graphviz (never HTML-like labels, no escapes).
- `ics_text`       iCalendar text values (the icalendar library escapes , ; and newlines).
- `terminal_text`  check output for terminals and CI logs (control characters, ANSI, bidi).
- `pre_escaped`    THE one way to mark a string as already-escaped markup. Templates have no
                   `safe` filter; everything else that reaches `{{ }}` is escaped.

Images in data text may only show files from the repository's asset folder
`content/assets/bilder/` (written `![alt](bilder/navn.png)` in the data).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from markupsafe import Markup, escape

# --------------------------------------------------------------------------- characters

# C0 controls except tab and newline, DEL, and C1 controls (U+0080–U+009F, incl. CSI U+009B).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Unicode bidirectional controls: they can make text read differently from how it is stored.
BIDI_CHARS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def terminal_text(text: object) -> str:
    """One line for a terminal or CI log: every control, ANSI and bidi character made visible.

    An escape character becomes the four characters «\\x1b», so a data file cannot move the
    cursor, clear the screen or print a fake «0 feil» over the real result.
    """
    s = str(text)

    def show(m: re.Match) -> str:
        ch = m.group(0)
        return {"\n": "\\n", "\r": "\\r", "\t": " "}.get(ch) or (
            f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")

    return _TERMINAL_UNSAFE.sub(show, s)


def terminal_lines(text: object) -> str:
    """Several lines for a terminal or CI log: each line as terminal_text, line breaks kept."""
    return "\n".join(terminal_text(line) for line in str(text).split("\n"))


def pre_escaped(markup: str) -> Markup:
    """Mark `markup` as already escaped for where it goes. The single way to emit raw markup:
    call it only on strings built from constants and the outputs of this module."""
    return Markup(markup)


# --------------------------------------------------------------------------- HTML


def html_text(text: object) -> Markup:
    """Text for HTML (or XML) element content or a quoted attribute value: & < > " ' escaped."""
    return escape("" if text is None else str(text))


# ASCII punctuation with a meaning in Markdown, its extensions (attr_list {…}, abbr *[…],
# admonitions !!!, tables |, def_list :) or HTML. As numeric character references they show
# as the same characters in both Markdown and HTML attributes, and Markdown leaves them alone.
_MD_SPECIAL = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()|!"}
# At the start of a value, a few more characters would begin a block (heading, list, quote,
# definition) if a template put the value at the start of a line.
_MD_LINE_START = re.compile(r"^(?:[#+=:>~-]|\d+(?=[.)]))")
_MD_SPECIAL_RE = re.compile("[" + re.escape("".join(_MD_SPECIAL)) + "]")


def md_text(text: object) -> Markup:
    """Plain text inside a Markdown page: shown exactly as written, never read as Markdown or
    HTML. Whitespace (newlines included) collapses to single spaces."""
    if text is None:
        return Markup("")
    if isinstance(text, Markup):
        return text
    return _md_text(str(text))


@lru_cache(maxsize=1 << 16)
def _md_text(text: str) -> Markup:
    # The same names and titles are printed on many pages: escaped once each.
    s = " ".join(CONTROL_CHARS.sub(" ", text).split())
    s = _MD_SPECIAL_RE.sub(lambda m: _MD_SPECIAL[m.group(0)], s)
    s = _MD_LINE_START.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group(0)), s)
    return Markup(s)


def finalize_markdown(value: object) -> object:
    """Jinja `finalize` for the site's Markdown templates: what a template prints without a
    filter is plain text (md_text); only Markup (from pre_escaped) passes unchanged."""
    if isinstance(value, (Markup, int, float)):
        return value
    return md_text(value)


# --------------------------------------------------------------------------- URLs

ALLOWED_SCHEMES = frozenset({"https", "http", "mailto", "tel"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# What browsers drop from a URL before reading its scheme: ASCII whitespace and controls
# anywhere (tab, newline), leading/trailing C0 and space; plus invisible format characters.
_URL_STRIP = re.compile("[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def url_scheme_text(raw: str) -> str:
    """The URL as a browser would read its scheme: entities decoded, invisible characters out."""
    s = str(raw)
    for _ in range(3):  # &amp;#106; -> &#106; -> j: decode until stable
        decoded = html.unescape(s)
        if decoded == s:
            break
        s = decoded
    return _URL_STRIP.sub("", s)


def url_verdict(raw: str) -> str:
    """'ok' (http, https, mailto, tel), 'relative' (same site: path, #anchor, @id), or 'unsafe'."""
    s = url_scheme_text(raw)
    if not s:
        return "relative"
    m = _SCHEME.match(s)
    if m:
        return "ok" if m.group(1).lower() in ALLOWED_SCHEMES else "unsafe"
    if s.startswith(("//", "\\\\", "/\\", "\\/")):
        return "unsafe"  # protocol-relative: another host
    if ":" in s.split("/", 1)[0] or "&" in raw and ":" in s:
        return "unsafe"
    return "relative"


def safe_url(raw: str | None) -> str | None:
    """The URL if it is allowed (see url_verdict), else None."""
    if raw is None:
        return None
    return raw.strip() if url_verdict(raw) != "unsafe" else None


_URL_BREAKERS = str.maketrans({c: f"%{ord(c):02X}" for c in " ()<>\"'`[]\\{}|^\n\r\t"})


def md_url(raw: str | None) -> Markup:
    """A link target for a Markdown link `[text](…)`: '#' unless allowed; characters that end
    or change a Markdown link are percent-encoded."""
    url = safe_url(raw)
    if not url:
        return Markup("#")
    url = CONTROL_CHARS.sub("", url).translate(_URL_BREAKERS)
    return Markup(url.replace("&", "&amp;"))


# --------------------------------------------------------------------------- Markdown from data

ASSET_DIR = Path(__file__).resolve().parent.parent / "content" / "assets" / "bilder"
ASSET_URL = "assets/bilder/"
IMAGE_TARGET = re.compile(r"^bilder/([A-Za-z0-9][A-Za-z0-9_-]*\.(?:png|jpe?g|webp))$")
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?(bilder/[^\s)>]*)>?\s*\)")
_MD_LINK_AT = re.compile(r"\]\(\s*<?@([a-z0-9][a-z0-9-]*)(?:#([a-z0-9][a-z0-9-]*))?>?(\s[^)]*)?\)")


def image_file(target: str, asset_dir: Path = ASSET_DIR) -> Path | None:
    """The asset file an image target names, if it is a regular file in the asset folder."""
    m = IMAGE_TARGET.match(target.strip())
    if not m:
        return None
    path = asset_dir / m.group(1)
    if path.is_symlink() or not path.is_file():
        return None
    return path


def md_source(text: str | None, resolve=None, image_base: str | None = None) -> Markup:
    """Data Markdown made inert before Markdown runs.

    Raw HTML and entities become literal text (& < > escaped), `{` `}` cannot add attributes
    (attr_list), @id links resolve to site paths through `resolve`, and images other than
    files in the asset folder become their alt text. Other link targets are left for
    `sanitize_html`, which refuses every scheme but http(s), mailto and tel after Markdown.
    """
    if not text:
        return Markup("")
    out = CONTROL_CHARS.sub(" ", str(text))
    out = html.escape(out, quote=False).replace("{", "&#123;").replace("}", "&#125;")
    images: list[str] = []

    def image(m: re.Match) -> str:
        alt, target = m.group(1), m.group(2)
        if image_base is not None and IMAGE_TARGET.match(target) and image_file(target):
            images.append(f"![{alt}]({image_base}{ASSET_URL}{IMAGE_TARGET.match(target).group(1)})")
            return f"\x00{len(images) - 1}\x00"
        return alt

    out = _IMAGE.sub(image, out)
    out = out.replace("![", "&#33;[")  # any other image syntax (reference style, remote) is text

    def link(m: re.Match) -> str:
        ref, anchor, title = m.group(1), m.group(2), m.group(3) or ""
        href = resolve(ref) if resolve is not None else ""
        if not href:
            return "](#)"
        return f"]({href}{'#' + anchor if anchor else ''}{title})"

    out = _MD_LINK_AT.sub(link, out)
    out = re.sub("\x00(\\d+)\x00", lambda m: images[int(m.group(1))], out)
    return Markup(out)


def md_inline(text: str | None, resolve=None) -> Markup:
    """md_source on one line (table cells, list items, headings, raw HTML), with | as a
    character reference: it cannot end a table cell and reads the same inside HTML."""
    # str.split: Markup's own split would wrap every word in a Markup of its own.
    return Markup(" ".join(str.split(md_source(text, resolve))).replace("|", "&#124;"))


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (tag, name) in (("a", "href"), ("img", "src")) and value is not None:
                self.found.append((tag, value))


@lru_cache(maxsize=1)
def _link_markdown():
    import markdown

    return markdown.Markdown(extensions=["abbr", "attr_list", "def_list", "tables", "admonition"])


def markdown_targets(text: str) -> list[tuple[str, str]]:
    """(tag, target) for every link ('a') and image ('img') Markdown makes of `text`, in every
    syntax (inline, reference definitions, angle brackets, whitespace or newlines in the
    parentheses), as written (before any escaping)."""
    md = _link_markdown()
    md.reset()
    # Only the link and image syntax matters here; HTML is escaped like md_source does so the
    # two agree on what is a link.
    source = html.escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")
    parser = _Links()
    parser.feed(md.convert(source))
    return parser.found


# --------------------------------------------------------------------------- rendered HTML

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "section", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "role", "tabindex", "hidden"},
    "a": {"href", "accesskey", "rel"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "details": {"open"},
    "ol": {"start"},
}


def _attribute_filter(relative: bool, image_prefix: str | None):
    def keep(tag: str, attr: str, value: str) -> str | None:
        if attr == "href":
            verdict = url_verdict(value)
            if verdict == "ok" or verdict == "relative" and (relative or url_scheme_text(value).startswith("#")):
                return value
            return None
        if attr == "src":
            # Images only from this site (or, in a PDF, the asset folder): nothing a reader's
            # browser or the PDF build would fetch from another host or another folder.
            if image_prefix is not None:
                return value if value.startswith(image_prefix) and ".." not in value else None
            return value if url_verdict(value) == "relative" and ".." not in value.split("/")[-1] else None
        if attr == "style":
            return None
        return value

    return keep


def sanitize_html(fragment: str, relative: bool = True, image_prefix: str | None = None) -> Markup:
    """Rendered HTML through the allowlist: no script, no event handlers, no style, only
    http(s)/mailto/tel links (and same-site ones when `relative`), only same-site images
    (or, with `image_prefix`, only images whose URL starts with it)."""
    import nh3  # here, not at the top: `rutinebok check` runs without the site's packages

    return Markup(nh3.clean(
        fragment, tags=_TAGS, attributes=_ATTRIBUTES,
        url_schemes=set(ALLOWED_SCHEMES) | ({"file"} if image_prefix else set()),
        generic_attribute_prefixes={"data-", "aria-"},
        attribute_filter=_attribute_filter(relative, image_prefix),
        link_rel=None, strip_comments=True,
    ))


# --------------------------------------------------------------------------- other formats


def dot_label(text: str | None):
    """A Graphviz label that is always plain text: no HTML-like <…> label, no \\N-style escapes."""
    import graphviz

    s = " ".join(CONTROL_CHARS.sub(" ", text or "").split()) if "\n" not in (text or "") else \
        "\n".join(" ".join(CONTROL_CHARS.sub(" ", line).split()) for line in text.split("\n"))
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    # nohtml: the graphviz library would otherwise pass a value written <…> through as HTML.
    return graphviz.nohtml(s.replace("\n", "\\n") or " ")


def ics_text(text: str | None) -> str:
    """Text for an iCalendar property value; the icalendar library escapes , ; \\ and newlines."""
    return " ".join(CONTROL_CHARS.sub(" ", BIDI_CHARS.sub("", text or "")).split())
