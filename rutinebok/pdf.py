"""Printable routine PDFs: A4, PDF/A-2b, tagged, with one signature field per party.

WeasyPrint lays out the Jinja2 print templates in templates/pdf/ and writes, with the
document, an empty signature field named ``party-<organisation-id>`` over each party's box on
the signature page (add_signature_fields), so leaders can sign digitally in turn (``rutinebok
sign``, with pyHanko) or print and sign by hand.

Reproducible: the same inputs give the same bytes (dates come from the routine's change
log, SOURCE_DATE_EPOCH is set while rendering, and the file /ID is derived from the data). Incremental: a manifest in the output
folder keeps an input hash per routine (routine file, every data file it refers to,
templates, CSS, fonts, engine code and version, site URL); unchanged routines are skipped.
Parallel: independent routines render in a process pool.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import multiprocessing.util
import os
import re
import sys
import threading
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, ClassVar

from . import __version__, safefiles
from .address import DRAFT_TITLE, SITE_URL_ENV, AddressError, require_public_site_url
from .archive import (  # noqa: F401 - pdf.* names other modules and tests use
    FIELD_PREFIX,
    _entity_path,
    archive_meta,
    referenced_files,
    routine_bytes,
    routine_source_hash,
    source_hash,
)
from .checks import reader_codes
from .escape import ASSET_DIR, ASSET_URL, md_source, md_text, pre_escaped, sanitize_html
from .findings import Report, did_you_mean
from .index import Index
from .load import Dataset, load_dataset
from .names import Names, part_notes
from .notices import Banner, banners
from .outline import tree_outline
from .safefiles import data_folder
from .words import join_words

PACKAGE = Path(__file__).parent
TEMPLATES = PACKAGE / "templates" / "pdf"
# One print template per block kind, beside the site's: templates/blocks/<kind>.html.j2.
BLOCK_TEMPLATES = PACKAGE / "templates" / "blocks"
FONT_DIR = Path(os.environ.get("RUTINEBOK_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
FONTS = {  # (family, weight, style) -> file in FONT_DIR (Debian: fonts-dejavu-core)
    ("DejaVu Sans", "normal", "normal"): "DejaVuSans.ttf",
    ("DejaVu Sans", "bold", "normal"): "DejaVuSans-Bold.ttf",
    ("DejaVu Sans", "normal", "italic"): "DejaVuSans-Oblique.ttf",
    ("DejaVu Sans", "bold", "italic"): "DejaVuSans-BoldOblique.ttf",
    ("DejaVu Sans Mono", "normal", "normal"): "DejaVuSansMono.ttf",
}
# Engine modules whose code shapes the PDF: a change in any of them rebuilds every PDF.
ENGINE_FILES = ["pdf.py", "archive.py", "index.py", "names.py", "notices.py", "outline.py", "words.py", "diagram.py", "model.py",
                "xmp.py", "escape.py", "__init__.py"]
MANIFEST = ".rutinebok-pdf.json"
SIG_W_MM, SIG_H_MM = 80, 22  # the signature line's box; the digital field covers it exactly
PX_TO_PT = 0.75  # WeasyPrint positions are CSS px (1/96 in); PDF user space is pt (1/72 in)

# The site's Markdown extensions (mkdocs.yml markdown_extensions); tests keep the two equal.
MARKDOWN_EXTENSIONS = ["abbr", "admonition", "attr_list", "def_list", "md_in_html", "tables", "toc",
                       "pymdownx.details"]
MARKDOWN_CONFIG: dict[str, dict] = {"toc": {"permalink": False}}

# Findings shown as notices on a PDF's first page. Some depend on the day of the build (review
# overdue, plan period over): the notices themselves are part of the rebuild key, so a PDF is
# made again the day its notices change, and the same data and notices give the same bytes.
# Which codes those are is the rule registry's to say (checks/registry.py: reader_visible).
PDF_NOTICE_CODES = reader_codes()

# Keys in the PDF's document information dictionary (WeasyPrint custom metadata).
META_ID, META_VERSION, META_HASH, META_ENGINE = ("RutinebokId", "RutinebokVersion", "RutinebokSourceHash",
                                                 "RutinebokEngine")

SITE_FOLDERS = {"routines": "rutiner", "organisations": "organisasjoner", "roles": "roller",
                "trees": "veivisere"}


class PdfError(Exception):
    """A problem the user can act on; printed without a traceback."""


# --------------------------------------------------------------------------- hashes


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def assets_hash() -> str:
    """Templates, CSS, fonts, engine code and version, Markdown settings."""
    h = hashlib.sha256(f"rutinebok {__version__}\n".encode())
    h.update(json.dumps([MARKDOWN_EXTENSIONS, MARKDOWN_CONFIG, sorted(PDF_NOTICE_CODES)]).encode())
    files = sorted(p for p in TEMPLATES.rglob("*") if p.is_file())
    files += sorted(BLOCK_TEMPLATES.glob("*.html.j2"))
    files += [PACKAGE / name for name in ENGINE_FILES]
    files += [FONT_DIR / name for name in sorted(FONTS.values())]
    for p in files:
        h.update(p.name.encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest() if p.is_file() else b"missing")
    return h.hexdigest()


def input_hash(ds: Dataset, routine_id: str, site_url: str, assets: str | None = None,
               _cache: dict | None = None, notices: list | None = None, draft: bool = False,
               index: Index | None = None) -> str:
    """The manifest key: a PDF is rebuilt when and only when this changes. It covers what
    the PDF shows: the routine, every data file it names, the notices of the day, templates,
    fonts, engine, site address and whether it is a draft."""
    cache = _cache if _cache is not None else {}
    h = hashlib.sha256(f"{assets or assets_hash()}\n{site_url}\n{'draft' if draft else ''}".encode())
    h.update(json.dumps(notices or [], ensure_ascii=False).encode())
    index = index if index is not None else Index(ds)
    h.update(routine_source_hash(ds, routine_id, index=index).encode())
    root = Path(ds.root)
    for p in referenced_files(ds, routine_id, index):
        if p not in cache:
            cache[p] = hashlib.sha256(p.read_bytes()).hexdigest()
        h.update(f"\n{p.relative_to(root).as_posix()}:{cache[p]}".encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- HTML


_END_INSIDE_MARKUP = re.compile(r"([.?!…])((?:</(?:a|em|strong|code)>)+)\.")


@lru_cache(maxsize=1)
def _markdown():
    import markdown

    return markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG,
                             output_format="html")


def _link_resolver(ds: Dataset, site_url: str):
    base = site_url.rstrip("/") + "/" if site_url else ""

    def resolve(ref: str) -> str:
        ref = ref.partition("/")[0]
        for kind, folder in SITE_FOLDERS.items():
            if ref in getattr(ds, kind):
                return f"{base}{folder}/{ref}/" if base else ""
        if ref in ds.laws and ds.laws[ref].lovdata_url:
            return ds.laws[ref].lovdata_url
        return ""

    return resolve


def markdown_html(text: str | None, resolve=None, inline: bool = False) -> str:
    """Data Markdown -> HTML: md_safe first (no HTML from the data), then the site's extensions."""
    if not text:
        return ""
    md = _markdown()
    md.reset()
    # Images from the asset folder only, as files the url_fetcher serves; then the allowlist:
    # in a PDF a link is absolute (http(s), mailto, tel) or an anchor in the document.
    out = str(sanitize_html(md.convert(md_source(text, resolve, image_base=_ASSET_BASE)), relative=False,
                            image_prefix=_ASSET_BASE + ASSET_URL))
    # "står under [Hvem skal være koordinator?](…)." would print "koordinator?."
    out = _END_INSIDE_MARKUP.sub(r"\1\2", out)
    if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


def inert_markdown_html(markdown_text) -> str:
    """Markdown the engine wrote from escaped pieces (a tree outline) -> HTML. Not run through
    md_source again: that would escape its entities a second time («&amp;#40;» in print)."""
    md = _markdown()
    md.reset()
    return str(sanitize_html(md.convert(str(markdown_text)), relative=False))


# Printable area in pt (A4 less the @page margins in print.css) for a diagram on a portrait
# page (below its heading) and alone on a landscape page.
DIAGRAM_PAGES = (("portrait", 493, 410), ("landscape", 740, 450))
MIN_DIAGRAM_PT = 8  # the smallest text size a printed diagram may have


@dataclass
class DiagramFit:
    page: str  # "portrait" or "landscape"
    width_pt: float
    text_pt: float  # the smallest text size as printed


def diagram_fit(svg: str) -> DiagramFit | None:
    """Where a Graphviz diagram fits with all its text at MIN_DIAGRAM_PT or more: on the page
    (portrait), on a landscape page of its own, or nowhere (None: print the text version)."""
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    fonts = [float(x) for x in re.findall(r'font-size="([\d.]+)"', svg)]
    if not size:
        return None
    width, height = float(size.group(1)), float(size.group(2))
    smallest = min(fonts, default=14.0)
    for page, page_w, page_h in DIAGRAM_PAGES:
        scale = min(1.0, page_w / width, page_h / height)
        if smallest * scale >= MIN_DIAGRAM_PT:
            return DiagramFit(page, round(width * scale, 1), round(smallest * scale, 1))
    return None


# Image targets in data text become file URLs in the repository's asset folder.
_ASSET_BASE = ASSET_DIR.parent.parent.as_uri() + "/"


def project_url_fetcher():
    """WeasyPrint's only way to read anything: the project's own templates, the fonts, the
    asset folder and data: URLs made by the build (QR code, diagrams). Every other URL or
    path, and every network address, is refused (WeasyPrint leaves the resource out)."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    class ProjectURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path))
                for allowed in (TEMPLATES, FONT_DIR, ASSET_DIR):
                    if allowed.is_dir() and safefiles.problem(path, allowed) == "":
                        return super().fetch(path.resolve().as_uri(), headers)
            raise ValueError(f"rutinebok henter ikke {url[:80]!r} inn i PDF-en (bare prosjektets egne filer)")

    return ProjectURLFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def _qr(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=3, border=2, dark="#000000")


@dataclass
class ContactLine:
    who: str
    label: str
    parts: list[str]


def contact_parts(c) -> list[str]:
    parts = []
    if c.phone:
        parts.append(f"telefon {c.phone}")
    if c.email:
        parts.append(f"e-post {c.email}")
    if c.web:
        parts.append(c.web)
    if c.address:
        parts.append(c.address)
    if c.opening_hours:
        parts.append(f"åpent {c.opening_hours}")
    return parts


def _glossary_terms(ds: Dataset, routine) -> list:
    if ds.glossary is None:
        return []
    text = "\n".join(_strings(routine.model_dump(mode="json")))
    return [t for t in ds.glossary.terms if re.search(rf"(?<!\w){re.escape(t.term)}(?!\w)", text)]


class PrintContext:
    """What the print templates use, ready-made: names (as text, with the organisation that took
    over), deadline words, decision trees and the notices of the day. Built once per build from
    the shared index; no site renderer, no links."""

    def __init__(self, ds: Dataset, today: dt.date, findings: list, index: Index | None = None):
        self.ds = ds
        self.index = index if index is not None else Index(ds)
        self.names = Names(ds, today)
        # Notices only from the findings a PDF shows (see PDF_NOTICE_CODES).
        self.findings = [f for f in findings if f.code in PDF_NOTICE_CODES]

    def name(self, ref: str) -> str:
        return self.names.name(ref)

    def name_now(self, ref: str) -> str:
        return self.names.name_now(ref)

    def ended(self, ref: str):
        return self.names.ended(ref)

    def ended_words(self, org) -> str:
        return self.names.ended_text(org)

    def contact_rows(self, refs: list[str]) -> list[tuple]:
        return self.names.contact_rows(refs)

    def deadline(self, d) -> str:
        return self.index.deadline(d)

    def part_notes(self, routine, part) -> list[dict]:
        """A section's or block's own source and legal references (as on the site)."""
        return part_notes(self.ds, routine, part)

    def banners(self, r) -> list[Banner]:
        return banners(self.names, self.findings, r)

    def trees_of(self, routine_id: str) -> list:
        return self.index.trees_of(routine_id)

    def coverage(self, routine) -> list:
        """The routine's coverage of each checklist it answers to (rutinebok.coverage)."""
        from .coverage import routine_coverage

        return routine_coverage(routine, self.ds.by_kind("checklists"))

    @staticmethod
    def cover_status(ic) -> str:
        from .coverage import status_text

        return status_text(ic)

    def _name_text(self, ref: str) -> str:
        successor = self.names.successor(ref)
        out = str(md_text(self.name(ref)))
        return out + (f" (nå {self._name_text(successor.id)})" if successor is not None else "")

    def tree_outline(self, tree):
        """The tree's text version as Markdown, with names as text (a printed page has no links)."""
        return tree_outline(tree, lambda refs: pre_escaped(", ".join(self._name_text(x) for x in refs)))


@dataclass
class PartyDuty:
    clause: str  # the section's clause number
    what: str  # Markdown
    deadline: str
    via: str  # the role the duty is given to, when it is not the party itself


def party_duties(ds: Dataset, ctx: PrintContext, routine) -> list[tuple[str, list[PartyDuty]]]:
    """(party name, its duties in this routine, in document order) for each party: what the
    party itself must do, and what the routine gives a role that exists in that party (a duty of
    «NAV-kontoret» is a duty of every NAV office that is a party).

    A role found in several kinds of organisation counts for a party only when every one of
    those kinds is among the parties: «Ansatt» (krisesenter, nav-kontor) binds both parties of
    seed 000, but «Boligkontoret» (kommune, kommunal enhet or nav-kontor) is the municipality's
    there, and a NAV office does not sign for it."""
    clauses = routine.clause_numbers()
    order = {sid: i for i, sid in enumerate(clauses)}
    party_kinds = {ds.organisations[p].kind for p in routine.parties if p in ds.organisations}
    out = []
    for p in routine.parties:
        org = ds.organisations.get(p)
        actors = {p: ""}
        for role in ds.roles.values():
            if p in role.organisations or (org is not None and org.kind in role.organisation_kinds
                                           and set(role.organisation_kinds) <= party_kinds):
                actors[role.id] = role.name
        duties = []
        for actor, via in actors.items():
            for d in ctx.index.routine_duties(actor, routine.id):
                what = d.text
                if d.kind == "step":
                    what = f"Steg {d.number} i «{d.procedure}»: {d.text}"
                elif d.kind == "task" and d.procedure:
                    what = f"{d.procedure}: {d.text}"
                if d.condition:
                    what = f"{what} ({d.condition})"
                duties.append((order.get(d.section_id, len(order)), d.number,
                               PartyDuty(clauses.get(d.section_id, ""), what, d.deadline, via)))
        duties.sort(key=lambda t: (t[0], t[1]))
        out.append((org.name if org else ctx.name(p), [d for *_, d in duties]))
    # Parties with the same duties (the four NAV offices of seed 000) share one table.
    grouped: dict[tuple, list[str]] = {}
    for name, duties in out:
        grouped.setdefault(tuple((d.clause, d.what, d.deadline, d.via) for d in duties), []).append(name)
    by_key = {tuple((d.clause, d.what, d.deadline, d.via) for d in duties): duties for _, duties in out}
    return [(join_words(names), by_key[key]) for key, names in grouped.items()]


def content_code(source_hash_hex: str) -> str:
    """The first 16 hex digits of the content's SHA-256, in groups of four, for people to compare."""
    code = source_hash_hex[:16].upper()
    return " ".join(code[i:i + 4] for i in range(0, 16, 4))


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from .words import clauses, date_words, sentence, sentences

    env = Environment(loader=FileSystemLoader([TEMPLATES, BLOCK_TEMPLATES.parent]), undefined=StrictUndefined, autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = lambda value: date_words(value) if value else "ikke oppgitt"
    env.filters["sentence"] = sentence
    env.filters["clauses"] = clauses
    env.globals["sentences"] = sentences
    env.filters.pop("safe", None)  # raw markup only as Markup from rutinebok.escape
    return env


def _font_faces() -> list[dict]:
    missing = [name for name in FONTS.values() if not (FONT_DIR / name).is_file()]
    if missing:
        raise PdfError(f"fant ikke skriftene {', '.join(missing)} i {FONT_DIR}; installer Debian-pakken "
                       "fonts-dejavu-core (make site-deps)")
    return [{"family": fam, "weight": w, "style": s, "url": (FONT_DIR / name).as_uri()}
            for (fam, w, s), name in FONTS.items()]


_HREF = re.compile(r'(<a\b[^>]*?)\shref="([^"]*)"')
_PUBLISHABLE_HREF = re.compile(r"^(https?:|mailto:|tel:|#)", re.IGNORECASE)


def _only_absolute_links(html: str) -> str:
    """Links a printed page can keep: web, e-mail, phone and in-document anchors. Any other
    href would be resolved against the template folder and print a build path (file:///...)."""
    return _HREF.sub(lambda m: m.group(0) if _PUBLISHABLE_HREF.match(m.group(2)) else m.group(1), html)


def routine_html(ds: Dataset, ctx: PrintContext, routine_id: str, site_url: str, draft: bool = False,
                 inline_style: bool = True) -> str:
    """The print HTML of one routine (WeasyPrint's input). With `inline_style` it carries the
    print style itself; the build leaves it out and passes print_style() instead."""
    import graphviz

    from .diagram import tree_svg
    from .model import KIND_WORDS

    r = ds.routines[routine_id]
    if draft:
        site_url = ""  # a draft links nowhere it could be mistaken for the published version
    resolve = _link_resolver(ds, site_url)
    env = _env()
    filters = {
        "md": lambda text: pre_escaped(markdown_html(text, resolve)),
        "mdi": lambda text: pre_escaped(markdown_html(text, resolve, inline=True)),
    }
    url = f"{site_url.rstrip('/')}/rutiner/{r.id}/" if site_url else ""
    diagrams = []
    for t in ctx.trees_of(r.id):
        try:
            svg = tree_svg(t)
        except (OSError, RuntimeError, graphviz.ExecutableNotFound, graphviz.CalledProcessError):
            svg = ""  # Graphviz missing or failing: the text version below still shows the tree
        fit = diagram_fit(svg) if svg else None
        src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode() if fit else ""
        diagrams.append((t, src, pre_escaped(inert_markdown_html(ctx.tree_outline(t))), fit))
    signatories = {s.party: s for s in (r.signing.signatories if r.signing else [])}
    contacts = []
    for p in r.parties:
        org = ds.organisations.get(p)
        if org is None:
            continue
        if ctx.ended(p) is not None:
            contacts.append(ContactLine(org.name, "", [ctx.ended_words(org)]))
            continue
        if not org.contacts:
            contacts.append(ContactLine(org.name, "", ["ikke oppgitt"]))
        for c in org.contacts:
            contacts.append(ContactLine(org.name, c.label, contact_parts(c)))
    dates = [c.date for c in r.change_log]
    modified = max(dates).isoformat() if dates else "2000-01-01"
    template = env.get_template("routine.html.j2")
    return _only_absolute_links(template.render(
        routine=r, r=ctx, ds=ds, url=url, qr=_qr(url) if url else "", diagrams=diagrams,
        source_hash=routine_source_hash(ds, r.id, index=ctx.index), engine=__version__, fonts=_font_faces(),
        inline_style=inline_style,
        sig_w=SIG_W_MM, sig_h=SIG_H_MM, modified=modified, kind_words=KIND_WORDS,
        signatories=signatories, contacts=contacts, terms=_glossary_terms(ds, r), contact_parts=contact_parts,
        field_prefix=FIELD_PREFIX, clauses=r.clause_numbers(), coverage=ctx.coverage(r),
        party_duties=party_duties(ds, ctx, r) if r.signable else [],
        content_code=content_code(routine_source_hash(ds, r.id, index=ctx.index)), draft=draft, draft_title=DRAFT_TITLE,
        f=filters,
    ))


# --------------------------------------------------------------------------- PDF


_PRINT_STYLE: dict[int, tuple] = {}
_INHERITED_STYLE: list[tuple] = []

# WeasyPrint's user-agent stylesheet gives every element of the document six pseudo-elements
# (::marker, ::footnote-call, ::footnote-marker, ::note-call, ::note-marker, ::note-callback),
# each cascaded and computed: four fifths of the style time of a routine. The print style keeps
# WeasyPrint's sheet but for rules that cannot reach a box in our print HTML: footnote and note
# pseudo-elements exist only for elements floated to `footnote` or `note` (print.css floats
# nothing there, and data carries no CSS), and a ::marker only for a list item (only li is one).
# tests/test_pdf.py checks both conditions and that nothing else of the sheet changes.
UA_TRIMS = (
    (re.compile(r"^::(?:footnote|note)-[a-z-]+ \{[^}\n]*\}\n", re.MULTILINE), "", 5),
    (re.compile(r"^::marker \{", re.MULTILINE), "li::marker {", 1),
)


def print_ua_text() -> str:
    """WeasyPrint's user-agent stylesheet less UA_TRIMS; the whole sheet when a WeasyPrint update
    no longer has those rules as they were (slower, never wrong)."""
    from weasyprint.html import UA

    text = UA
    for pattern, replacement, count in UA_TRIMS:
        text, found = pattern.subn(replacement, text)
        if found != count:
            return UA
    return text


@cache
def _print_html_class():
    from weasyprint import HTML

    class PrintHTML(HTML):
        """A routine's print HTML, cascaded with the trimmed user-agent stylesheet (print_style).
        `_ua_stylesheets` is the hook WeasyPrint's own tests override for the same purpose."""

        ua_stylesheet = None

        def _ua_stylesheets(self, forms=False):
            if forms or self.ua_stylesheet is None:
                return super()._ua_stylesheets(forms)
            return [self.ua_stylesheet]

    return PrintHTML


def _merged_leader(handle_leader):
    """WeasyPrint's handle_leader, then the leader's copies of its text (one box per dot: 60 a
    contents line, 700 on a first page, each laid out three times, drawn and tagged on its own)
    made one text box of the same dots from the first to the last: the same places (Pango gives
    the run exactly the summed advance, checked here, else the copies stay), one run to draw.
    Installed by print_style() for the process; `__wrapped__` is WeasyPrint's own."""
    from weasyprint.formatting_structure.boxes import TextBox
    from weasyprint.layout.leader import leader_index
    from weasyprint.text.line_break import split_first_line

    def handle(context, line, containing_block):
        handle_leader(context, line, containing_block)
        _, leader = leader_index(line)
        dots = leader.children if leader is not None else ()
        if len(dots) < 2 or any(type(d) is not TextBox or d.text != dots[0].text or d.style is not dots[0].style
                                for d in dots):
            return
        dots = sorted(dots, key=lambda d: d.position_x)
        unit, text = dots[0], dots[0].text * len(dots)
        layout, _, _, width, _, _ = split_first_line(text, unit.style, context, None, unit.justification_spacing,
                                                     is_line_start=False)
        if abs(width - (dots[-1].position_x + dots[-1].width - unit.position_x)) > 1e-6:
            return
        merged = unit.copy_with_text(text)
        merged.pango_layout, merged.width = layout, width
        leader.children = (merged,)

    handle.__wrapped__ = handle_leader
    return handle


def _install_merged_leader() -> None:
    from weasyprint.layout import inline

    if not hasattr(inline.handle_leader, "__wrapped__"):
        inline.handle_leader = _merged_leader(inline.handle_leader)


def print_style():
    """(font configuration, stylesheet, user-agent stylesheet) of this process: the fonts
    registered with Fontconfig and the style sheets parsed once, not once per PDF. Per process id:
    a forked worker makes its own rather than share the parent's Fontconfig state and font folder."""
    pid = os.getpid()
    if pid not in _PRINT_STYLE:
        from weasyprint import CSS
        from weasyprint.css.counters import CounterStyle
        from weasyprint.text.fonts import FontConfiguration

        _install_merged_leader()
        font_config = FontConfiguration()
        text = _env().get_template("_style.css.j2").render(fonts=_font_faces())
        # The sheet's own @counter-style rules (rb-page) go into a CounterStyle the documents
        # are rendered with: WeasyPrint looks counter styles up in the document's, not the sheet's.
        counters = CounterStyle()
        css = CSS(string=text, base_url=str(TEMPLATES), url_fetcher=project_url_fetcher(), font_config=font_config,
                  counter_style=counters)
        # The sheet's @counter-style rules are WeasyPrint's, already known to every document
        # (HTML._ua_counter_style); a throwaway CounterStyle keeps this parse from adding to them.
        ua = CSS(string=print_ua_text(), counter_style=CounterStyle())
        placeholders = CSS(string=CONTENTS_PLACEHOLDER_CSS, font_config=font_config)
        # A forked worker keeps its parent's pair alive: dropping it here would run its __del__,
        # which removes the font folder the parent still reads.
        _INHERITED_STYLE.extend(_PRINT_STYLE.values())
        _PRINT_STYLE.clear()
        _PRINT_STYLE[pid] = (font_config, css, ua, placeholders, counters)
        # multiprocessing's exit hook runs at interpreter exit and when a pool worker ends, where
        # atexit does not.
        multiprocessing.util.Finalize(None, _forget_print_style, exitpriority=0)
        # What lives now lives for the whole build: the data set, index, names and notices, the
        # style sheets and fonts, WeasyPrint's modules and caches (216,000 objects at 1,000
        # routines). Each PDF makes garbage cycles and so full collections, and each full
        # collection walked all of those again: an eighth of a PDF's time. Frozen, they are not
        # walked (as load_dataset does for the data set); the PDFs' own garbage is still collected.
        gc.freeze()
    return _PRINT_STYLE[pid]


def _forget_print_style() -> None:
    """Remove this process's copies of the fonts now. Left to the collector, FontConfiguration's
    __del__ runs only at interpreter shutdown, where it fails (with a message on stderr) and
    leaves the folder in /tmp; in a pool worker it never runs."""
    for font_config, *_sheets in _PRINT_STYLE.values():
        font_config.__del__()
        font_config._folder = None  # nothing left for the collector's later call
    _PRINT_STYLE.clear()


def routine_document(ds: Dataset, ctx: PrintContext, routine_id: str, site_url: str, draft: bool = False):
    """The routine laid out by WeasyPrint (pages, boxes, anchors): what render_pdf writes.

    Laid out once with two placeholder figures for each page number in the contents, which
    number_contents() then writes in; where it cannot, laid out again with print.css's
    target-counter(), as any other renderer of the print HTML does."""
    font_config, css, ua, placeholders, counters = print_style()
    html = _print_html_class()(string=routine_html(ds, ctx, routine_id, site_url, draft, inline_style=False),
                               base_url=str(TEMPLATES), url_fetcher=project_url_fetcher())
    html.ua_stylesheet = ua
    document = html.render(stylesheets=[css, placeholders], font_config=font_config, counter_style=counters)
    if number_contents(document):
        return document
    return html.render(stylesheets=[css], font_config=font_config, counter_style=counters)


# The contents' page numbers. print.css gives each contents line target-counter(attr(href),
# page), and WeasyPrint then lays the first page out three times: twice before the headings it
# points to have pages, once after (see bench/README.md, "PDF time per page"), a tenth of a
# routine's time. The build instead lays the contents out with two figure-wide placeholders and
# writes the numbers into the laid-out boxes, which keeps every line's width and so every page.
CONTENTS_PLACEHOLDER = "00"
CONTENTS_PLACEHOLDER_CSS = f'.toc a.rb-toc::after {{ content: leader(".") " " "{CONTENTS_PLACEHOLDER}"; }}'
FIGURE_SPACE = "\u2007"  # as wide as a figure: a page number under 10 keeps the placeholder's width


class _NoHyphenation:
    """The layout context split_first_line reads: only hyphenation dictionaries, which a line
    with no width to fit (as here) never asks for."""

    dictionaries: ClassVar[dict] = {}


def number_contents(document) -> bool:
    """Write the page of each contents line's target over its placeholder in the laid-out pages.
    False, with nothing changed, unless every contents line has its placeholder as the laid-out
    text of its ::after box, its target is on a page under 100, and the number shapes to exactly
    the placeholder's width (DejaVu's figures and figure space are equally wide)."""
    from weasyprint.formatting_structure.boxes import InlineBox, TextBox
    from weasyprint.text.line_break import split_first_line

    first_page: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    edits = []
    entries = set()
    for page in document.pages:
        for link_type, target, _rect, box in page.links:
            element = getattr(box, "element", None)
            if (link_type != "internal" or element is None or getattr(box, "element_tag", None) != "a"
                    or not _in_contents(element)):
                continue  # the ::after box is a link too: it is reached from its <a>
            entries.add(id(element))
            after = [c for c in getattr(box, "children", ()) if isinstance(c, InlineBox)
                     and getattr(c, "element_tag", None) == "a::after"]
            if not after:
                continue  # a line the link wraps from: its ::after is on the line it ends on
            texts = [c for c in after[-1].children if isinstance(c, TextBox)]
            number = first_page.get(target)
            if not texts or not texts[-1].text.endswith(CONTENTS_PLACEHOLDER) or number is None or number > 99:
                return False
            text_box = texts[-1]
            text = text_box.text[: -len(CONTENTS_PLACEHOLDER)] + f"{number:>2}".replace(" ", FIGURE_SPACE)
            layout, _, _, width, _, _ = split_first_line(text, text_box.style, _NoHyphenation, None,
                                                         text_box.justification_spacing, is_line_start=False)
            if abs(width - text_box.width) > 1e-6:
                return False
            edits.append((after[-1], text_box, text, layout))
    if not edits or len(edits) != len(entries):
        return False
    for parent, text_box, text, layout in edits:
        numbered = text_box.copy_with_text(text)
        numbered.pango_layout = layout
        parent.children = type(parent.children)(numbered if c is text_box else c for c in parent.children)
    return True


def _in_contents(element) -> bool:
    """An <a> of the contents list (routine.html.j2 gives it this class)."""
    return element.tag == "a" and "rb-toc" in (element.get("class") or "").split()


def _epoch(routine) -> int:
    """The routine's own time: noon UTC on its latest change-log date (or valid_from)."""
    dates = [c.date for c in routine.change_log] or [routine.valid_from or dt.date(2000, 1, 1)]
    return int(dt.datetime.combine(max(dates), dt.time(12), tzinfo=dt.UTC).timestamp())


_ENV_LOCK = threading.Lock()


@contextlib.contextmanager
def _source_date_epoch(epoch: int):
    """Font subsets carry a timestamp; fontTools takes it from SOURCE_DATE_EPOCH when set."""
    with _ENV_LOCK:
        old = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = old


def signature_boxes(document) -> list[tuple[str, int, tuple[float, float, float, float]]]:
    """(party, page index, (x1, y1, x2, y2) in PDF points) for each box with id party-<id>.

    WeasyPrint reports each element with an id as an anchor with its border box, in CSS px
    from the page's top-left corner; PDF user space counts points from the bottom-left.
    """
    boxes = []
    for number, page in enumerate(document.pages):
        height_pt = page.height * PX_TO_PT
        for anchor, rect in page.anchors.items():
            if anchor.startswith(FIELD_PREFIX) and len(rect) == 4:
                x1, y1, x2, y2 = rect
                boxes.append((anchor[len(FIELD_PREFIX):], number,
                              (round(x1 * PX_TO_PT, 2), round(height_pt - y2 * PX_TO_PT, 2),
                               round(x2 * PX_TO_PT, 2), round(height_pt - y1 * PX_TO_PT, 2))))
    return boxes


def _with_archive_xmp(document, meta) -> None:
    """Make WeasyPrint's PDF/A XMP carry the routine's archive metadata and its extension schema."""
    from . import xmp

    base = type(document.metadata)

    class ArchiveMetadata(base):
        def generate_rdf_metadata(self, variant, version, conformance):
            return xmp.add_to_rdf(super().generate_rdf_metadata(variant, version, conformance), meta)

    document.metadata.__class__ = ArchiveMetadata


# pydyf compresses every stream at zlib's level 9: on a routine's streams (page contents, the
# object stream holding the tag tree, the cross-reference stream, fonts) 3.3 times the time of
# level 6, zlib's default, for a file 2.7 % smaller (10 generated routines, 98 pages: 0.273 and
# 0.083 CPU seconds, 837 and 860 KB). Routines are written at level 6; the streams decompress to
# the same bytes.
FLATE_LEVEL = 6
_FLATE_LOCK = threading.Lock()


class _Flate:
    """zlib as pydyf sees it while a routine is written (_flate_level): any level asked for is
    FLATE_LEVEL."""

    @staticmethod
    def compress(data, level=-1, **kwargs):
        return zlib.compress(data, FLATE_LEVEL)

    @staticmethod
    def compressobj(level=-1, *args, **kwargs):
        return zlib.compressobj(FLATE_LEVEL, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(zlib, name)


@contextlib.contextmanager
def _flate_level():
    """pydyf's zlib is _Flate() for the `with` block: pydyf makes the object and cross-reference
    streams while it writes, after the finisher, so no object of ours can set their level. One
    process writes one PDF at a time; threads wait for each other here."""
    import pydyf

    with _FLATE_LOCK:
        saved = pydyf.zlib
        pydyf.zlib = _Flate()
        try:
            yield
        finally:
            pydyf.zlib = saved


@cache
def _once_class(cls: type) -> type:
    def data(self):
        if "_rutinebok_data" not in self.__dict__:
            self.__dict__["_rutinebok_data"] = cls.data.fget(self)
        return self.__dict__["_rutinebok_data"]

    return type(f"Once{cls.__name__}", (cls,), {"data": property(data), "_rutinebok_once": True,
                                                "__module__": __name__})


def _serialise_once(pdf) -> None:
    """pydyf serialises and compresses every object twice when the file has an /ID (PDF/A): once
    to write it, once more for the MD5 in the ID. The objects are final when the finisher runs,
    so the second time takes the first result: the same bytes for a quarter of the writing time."""
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream | pydyf.Dictionary | pydyf.Array) and not hasattr(obj, "_rutinebok_once"):
            obj.__class__ = _once_class(type(obj))


def render_pdf(ds: Dataset, ctx: PrintContext, routine_id: str, site_url: str, draft: bool = False) -> bytes:
    """One routine as PDF/A-2b bytes with empty signature fields, the same bytes every time."""
    r = ds.routines[routine_id]
    source = routine_source_hash(ds, r.id, index=ctx.index)
    ident = hashlib.sha256(f"{r.id}:{source}:{site_url}{':draft' if draft else ''}"
                           .encode()).digest()[:16]
    info = {META_ID: r.id, META_VERSION: str(r.version), META_HASH: source,
            META_ENGINE: __version__}
    meta = archive_meta(ds, routine_id, ctx.index)
    names = {p.id: p.name for p in meta.parties}

    with _source_date_epoch(_epoch(r)):
        document = routine_document(ds, ctx, routine_id, site_url, draft)
        boxes = signature_boxes(document)
        missing = [p for p in r.parties if p not in {party for party, _, _ in boxes}] if r.signable else []
        if missing:
            raise PdfError(f"{r.id}: fant ikke signaturfeltet for {', '.join(missing)} i oppsettet")

        def finisher(_document, pdf) -> None:
            import pydyf

            for key, value in info.items():  # custom keys in the document information dictionary
                pdf.info[key] = pydyf.String(value)
            add_signature_fields(pdf, [(f"{FIELD_PREFIX}{party}", f"Signatur for {names.get(party, party)}",
                                        page, box) for party, page, box in boxes])
            _serialise_once(pdf)

        _with_archive_xmp(document, meta)
        with _flate_level():
            return document.write_pdf(pdf_variant="pdf/a-2b", pdf_tags=True, pdf_identifier=ident,
                                      output_intent="srgb", finisher=finisher)


def add_signature_fields(pdf, fields: list[tuple[str, str, int, tuple[float, float, float, float]]]) -> None:
    """Each (name, label, page index, (x1, y1, x2, y2) in points) as an empty signature field in
    WeasyPrint's PDF while it is written (the finisher): the field pyHanko's append_signature_field
    makes, in the same file rather than an update that reads the whole file back.

    - Each field locks itself once signed (FieldMDP /Lock); the first signature certifies the
      whole document (DocMDP, `rutinebok sign`).
    - PDF/A: printed (/F 132: print, locked), with an empty appearance stream.
    - PDF/UA: labelled (/TU), and in the tag tree as a /Form structure element with an /OBJR to
      the widget, and the widget's /StructParent in the parent tree (WeasyPrint's tagged pages
      already take their tab order from the structure), so a screen reader finds the field where
      it is labelled."""
    import pydyf

    if not fields:
        return

    def obj(reference: bytes):
        return pdf.objects[int(reference.split()[0])]

    pages = [obj(reference) for reference in pdf.page_references]
    tree = obj(pdf.catalog["StructTreeRoot"])
    document = obj(tree["K"][0])
    nums = obj(tree["ParentTree"])["Nums"]
    key = max((nums[i] for i in range(0, len(nums), 2)), default=-1) + 1
    acroform = pdf.catalog.get("AcroForm")  # WeasyPrint's own, had the HTML a form
    if not isinstance(acroform, pydyf.Dictionary):  # as pyHanko makes it: an indirect object
        acroform = pydyf.Dictionary({"Fields": pydyf.Array()})
        pdf.add_object(acroform)
        pdf.catalog["AcroForm"] = acroform.reference
    for name, label, page_index, (x1, y1, x2, y2) in fields:
        page = pages[page_index]
        appearance = pydyf.Stream(extra={"Type": "/XObject", "Subtype": "/Form", "Resources": pydyf.Dictionary(),
                                         "BBox": pydyf.Array([0, 0, round(x2 - x1, 2), round(y2 - y1, 2)])})
        pdf.add_object(appearance)
        lock = pydyf.Dictionary({"Type": "/SigFieldLock", "Action": "/Include", "Fields": pydyf.Array([pydyf.String(name)])})
        pdf.add_object(lock)  # ISO 32000-1, table 232: an indirect reference
        widget = pydyf.Dictionary({
            "Type": "/Annot", "Subtype": "/Widget", "FT": "/Sig",
            "T": pydyf.String(name), "TU": pydyf.String(label),
            "F": 132, "Rect": pydyf.Array([x1, y1, x2, y2]), "P": page.reference,
            "Lock": lock.reference,
            "AP": pydyf.Dictionary({"N": appearance.reference}),
            "StructParent": key,
        })
        pdf.add_object(widget)
        form = pydyf.Dictionary({
            "Type": "/StructElem", "S": "/Form", "P": document.reference, "Pg": page.reference,
            "K": pydyf.Array([pydyf.Dictionary({"Type": "/OBJR", "Obj": widget.reference, "Pg": page.reference})]),
        })
        pdf.add_object(form)
        document["K"].append(form.reference)
        nums.extend([key, form.reference])
        key += 1
        page.setdefault("Annots", pydyf.Array()).append(widget.reference)  # WeasyPrint's /Tabs is /S
        acroform["Fields"].append(widget.reference)
    tree["ParentTreeNextKey"] = key
    acroform["SigFlags"] = 1


# --------------------------------------------------------------------------- building many


def print_context(ds: Dataset, today: dt.date, findings: list | None = None,
                  index: Index | None = None) -> PrintContext:
    """The print templates' context; notices only from findings a PDF shows."""
    from .checks import run_checks

    if findings is None:
        findings = run_checks(ds, today)
    return PrintContext(ds, today, findings, index)


_WORKER: dict = {}


# The cyclic collector's first threshold while PDFs are made (Python's default is 700). Laying
# out a page makes and drops objects by the hundred thousand; at 700 the collector examined many
# before they were freed anyway and promoted enough for a full collection every PDF or two
# (12 generated routines, 115 pages: 1,211 young and 10 full collections, 1.5 of 11.3 CPU
# seconds). At 50,000, with the build's context frozen: 136 and 1, 0.3 s. The garbage cycles
# it waits for are a few MB at most.
PDF_GC_THRESHOLD = 50_000


def _init_worker(data_dir: str | None, today: dt.date) -> None:
    """Pool initializer: load and check the data once per worker (inherited when forked)."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], PDF_GC_THRESHOLD), *threshold[1:])
    if _WORKER.get("ds") is not None:
        return
    ds, findings = load_checked(Path(data_dir), today)
    _WORKER.update(ds=ds, ctx=print_context(ds, today, findings))


def _build_one(task: tuple[str, str, str, bool]) -> tuple[str, str | None]:
    routine_id, out_dir, site_url, draft = task
    try:
        data = render_pdf(_WORKER["ds"], _WORKER["ctx"], routine_id, site_url, draft)
    except PdfError as exc:
        return routine_id, str(exc)
    target = Path(out_dir) / f"{routine_id}.pdf"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return routine_id, None


def _pool_context():
    """fork when it is safe (one thread): workers inherit the loaded data instead of reloading."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _read_manifest(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    routines = data.get("routines") if isinstance(data, dict) else None
    return {k: v for k, v in routines.items() if isinstance(v, str)} if isinstance(routines, dict) else {}


def _write_manifest(path: Path, entries: dict[str, str]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"engine": __version__, "routines": dict(sorted(entries.items()))}, indent=1),
                   encoding="utf-8")
    tmp.replace(path)


def load_checked(data_dir: Path, today: dt.date) -> tuple[Dataset, list]:
    """Load and check the data; PdfError when it has errors (PDFs are made only from good data)."""
    from .checks import run_checks

    report = Report()
    ds = load_dataset(Path(data_dir), report)
    if not ds.failed_files:
        report.extend(run_checks(ds, today))
    if report.errors:
        raise PdfError(f"dataene i {data_dir} har {len(report.errors)} feil; kjør `rutinebok check` og rett dem "
                       "først")
    return ds, report.findings


def build_pdfs(data: Dataset | Path, out_dir: Path, site_url: str = "", ids: list[str] | None = None, *,  # noqa: C901 - the build loop and the pool; to be split with the pipeline
               jobs: int | None = None, today: dt.date | None = None, progress=None,
               ds: Dataset | None = None, draft: bool = False, findings: list | None = None,
               index: Index | None = None) -> dict:
    """Build the PDFs of the given routines (all when `ids` is None) into out_dir/<id>.pdf.

    `data` is a loaded and checked Dataset (the site build passes its own) or a data folder.
    With a Dataset, `findings` (its checks' findings) and `index` spare checking and indexing
    it again; without them both are made here.
    Routines whose input hash is in the manifest and whose PDF exists are skipped. `jobs`
    processes render in parallel (default: the number of cores). `progress(n, total, id)`
    is called after each PDF. Returns {"built": [...], "skipped": [...]}; raises PdfError
    for unknown ids, data with errors, or routines that could not be laid out, and for a
    publication (not `draft`) whose site_url is empty or local. A draft has no QR code and no
    web address, and says «Utkast – ikke for signering» on every page.
    """
    today = today or dt.date.today()
    if ds is None and not isinstance(data, Dataset):
        findings, index = None, None  # belong to a data set, not to a folder read here
    if ds is None:
        if isinstance(data, Dataset):
            ds = data
        else:
            ds, findings = load_checked(Path(data), today)
    out_dir = Path(out_dir)
    wanted = list(dict.fromkeys(ids)) if ids else sorted(ds.routines)
    for rid in wanted:
        if rid not in ds.routines:
            hint = did_you_mean(rid, ds.routines)
            raise PdfError(f"fant ingen rutine med id «{rid}»" + (f" ({hint})" if hint else "")
                           + "; rutinene ligger i data/routines/<id>.yml")
    if draft:
        site_url = ""
    else:
        try:
            site_url = require_public_site_url(site_url)
        except AddressError as exc:
            raise PdfError(str(exc)) from None
    _font_faces()  # fail early with a clear message when the fonts are missing
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    manifest = _read_manifest(manifest_path)
    todo, skipped, keys, file_cache, assets = [], [], {}, {}, assets_hash()
    context = print_context(ds, today, findings, index)
    gc.freeze()  # the context lives for the build, like the data set (see print_style)
    for rid in wanted:
        notices = [[b.title, b.text] for b in context.banners(ds.routines[rid])]
        keys[rid] = input_hash(ds, rid, site_url, assets, file_cache, notices, draft, context.index)
        if manifest.get(rid) == keys[rid] and (out_dir / f"{rid}.pdf").is_file():
            skipped.append(rid)
        else:
            todo.append(rid)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    tasks = [(rid, str(out_dir), site_url, draft) for rid in todo]
    built, failed = [], []
    pool = None
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], PDF_GC_THRESHOLD), *threshold[1:])  # forked workers inherit it
    if not tasks:
        results = iter(())
    elif jobs == 1:
        _WORKER.clear()
        _WORKER.update(ds=ds, ctx=context)
        results = map(_build_one, tasks)
    else:
        ctx = _pool_context()
        if ctx.get_start_method() == "fork":
            _WORKER.clear()
            _WORKER.update(ds=ds, ctx=context)
            initargs = (None, today)
        else:
            _WORKER.clear()
            initargs = (str(ds.root), today)
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=initargs)
        results = pool.map(_build_one, tasks, chunksize=max(1, min(8, len(tasks) // (jobs * 4))))
    try:
        for n, (rid, error) in enumerate(results, 1):
            if error:
                failed.append(error)
                manifest.pop(rid, None)
            else:
                built.append(rid)
                manifest[rid] = keys[rid]
            if progress:
                progress(n, len(tasks), rid)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        gc.set_threshold(*threshold)
        _WORKER.clear()
        _write_manifest(manifest_path, manifest)
    if failed:
        raise PdfError(f"{len(failed)} PDF-er kunne ikke lages: " + "; ".join(failed))
    return {"built": built, "skipped": skipped}


# --------------------------------------------------------------------------- site integration


def site_pdf_files(ds: Dataset, cache_dir: Path) -> dict[str, Path]:
    """{site path: file} for the built PDFs: pdf/<routine-id>.pdf."""
    return {f"pdf/{rid}.pdf": Path(cache_dir) / f"{rid}.pdf" for rid in sorted(ds.routines)
            if (Path(cache_dir) / f"{rid}.pdf").is_file()}


# --------------------------------------------------------------------------- command line


def _progress(n: int, total: int, rid: str) -> None:
    if total >= 5:
        print(f"[{n}/{total}] {rid}", file=sys.stderr, flush=True)


def cmd_pdf(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        print("rutinebok pdf: --jobs må være minst 1", file=sys.stderr)
        return 2
    args.data = data_folder(args.data, exit_code=2)  # as for a missing data folder
    if not Path(args.data).is_dir():
        print(f"rutinebok pdf: fant ikke datamappen {args.data}", file=sys.stderr)
        return 2
    try:
        result = build_pdfs(args.data, args.out, args.site_url, args.ids or None, jobs=args.jobs,
                            progress=_progress, draft=args.draft)
    except PdfError as exc:
        print(f"rutinebok pdf: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"rutinebok pdf: kunne ikke skrive til {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    built, skipped = len(result["built"]), len(result["skipped"])
    print(f"Laget {built} PDF-{'fil' if built == 1 else 'er'} i {args.out}; {skipped} var uendret og ble ikke "
          "laget på nytt.")
    return 0


def site_url_from_mkdocs(path: Path = Path("mkdocs.yml")) -> str:
    """site_url as the site build sees it: RUTINEBOK_SITE_URL, else mkdocs.yml's value (its
    `!ENV [NAME, default]` form included), else ''."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    def env_tag(loader, node):
        names = loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else [loader.construct_scalar(node)]
        for name in names[:-1] if len(names) > 1 else names:
            if isinstance(name, str) and os.environ.get(name):
                return os.environ[name]
        return names[-1] if len(names) > 1 else None

    _Loader.add_constructor("!ENV", env_tag)
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith("site_url:"):
                value = yaml.load(line, Loader=_Loader).get("site_url")
                return value if isinstance(value, str) else ""
    except (OSError, ValueError, AttributeError, yaml.YAMLError):
        pass
    return os.environ.get(SITE_URL_ENV, "")


def add_parsers(sub) -> None:
    p = sub.add_parser("pdf", help="lag utskrivbare PDF-er av rutinene (PDF/A, ett signaturfelt per part)",
                       description="Lager én A4-PDF (PDF/A-2b) per rutine med ett signaturfelt per part. "
                                   "Uendrede rutiner lages ikke på nytt.")
    p.add_argument("ids", nargs="*", metavar="ID", help="rutinene (standard: alle)")
    p.add_argument("--out", type=Path, default=Path("build/pdf"), help="mappen PDF-ene legges i (standard: "
                   "build/pdf)")
    p.add_argument("--data", type=Path, default=None, help="datamappen (standard: data)")
    p.add_argument("--site-url", default=None,
                   help="nettstedets adresse, for lenken og QR-koden (standard: site_url i mkdocs.yml)")
    p.add_argument("--jobs", type=int, default=None, help="antall prosesser (standard: antall kjerner)")
    p.add_argument("--draft", action="store_true",
                   help="lag utkast: ingen QR-kode eller nettadresse, merket «Utkast – ikke for signering»; "
                        "uten --draft må nettstedets adresse være offentlig")
    p.set_defaults(handler=_cmd_pdf_defaults)


def _cmd_pdf_defaults(args: argparse.Namespace) -> int:
    if args.site_url is None:
        args.site_url = site_url_from_mkdocs()
    return cmd_pdf(args)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.pdf [ID ...]`: the same as `rutinebok pdf ...`."""
    from .cli import main as cli_main

    return cli_main(["pdf", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
