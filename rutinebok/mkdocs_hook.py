"""MkDocs hook: load and check data/, stop on errors, add the engine's pages to the build.

Kept thin on purpose (a move to another MkDocs-compatible builder should only touch this
file): it calls the engine and hands MkDocs generated files. Everything else is in rutinebok.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from rutinebok.address import (
    DRAFT_TITLE,
    AddressError,
    draft_requested,
    edit_base,
    require_public_site_url,
)
from rutinebok.checks import run_checks
from rutinebok.csp import POLICY, with_policy
from rutinebok.escape import sanitize_html
from rutinebok.findings import Report
from rutinebok.helpseeker import PathError
from rutinebok.load import load_dataset
from rutinebok.pdf import build_pdfs
from rutinebok.render import SiteOptions, SiteRenderer, calendar_ics
from rutinebok.sign import signing_status
from rutinebok.tables import label_table_cells
from rutinebok.terms import mark_terms

log = logging.getLogger("mkdocs.rutinebok")

_state: dict = {}


def on_startup(command, dirty):
    # `mkdocs serve` is always a local preview: a draft, whatever site_url says.
    _state["command"] = command


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_config(config):
    """Load and check the data before anything is written: errors stop the build here."""
    root = _root(config)
    extra = config.extra.get("rutinebok", {}) or {}
    data_dir = root / os.environ.get("RUTINEBOK_DATA", extra.get("data", "data"))
    today_text = os.environ.get("RUTINEBOK_TODAY")
    today = dt.date.fromisoformat(today_text) if today_text else dt.date.today()
    report = Report()
    ds = load_dataset(data_dir, report, display_base=root)
    if not ds.failed_files:
        report.extend(run_checks(ds, today))
    if report.errors:
        for f in report.sorted():
            log.error(f.format()) if f.severity == "error" else log.warning(f.format())
        raise PluginError(f"Dataene har {len(report.errors)} feil; nettstedet ble ikke bygget, "
                          "og forrige versjon er urørt. Kjør `rutinebok check` for detaljer.")
    for f in report.warnings:
        log.info(f.format())  # warnings are shown on the pages; the check command lists them
    draft = _state.get("command") == "serve" or draft_requested()
    try:
        if not draft:
            config.site_url = require_public_site_url(config.site_url)
        edit = edit_base(extra.get("repo_url"), extra.get("edit_branch") or "main")
    except AddressError as exc:
        raise PluginError(str(exc)[:1].upper() + str(exc)[1:]) from None
    options = SiteOptions(edit_base=edit, today=today, site_name=config.site_name)
    renderer = SiteRenderer(ds, report.findings, options)
    renderer.pdf = bool(extra.get("pdf", True))
    renderer.signed = signing_status(ds, root / "signed", data_dir)
    _state.update(ds=ds, report=report, options=options, root=root, data_dir=data_dir, renderer=renderer,
                  draft=draft, public_url="" if draft else config.site_url)
    config.extra["rutinebok_runtime"] = renderer  # for the macros in macros/main.py
    config.extra["rutinebok_csp"] = POLICY
    return config


def on_files(files: Files, config) -> Files:
    renderer: SiteRenderer = _state["renderer"]
    root: Path = _state["root"]
    try:
        pages = renderer.pages()
    except PathError as err:
        raise PluginError(f"{err}; nettstedet ble ikke bygget, og forrige versjon er urørt") from None
    for path, text in pages.items():
        if files.get_file_from_path(path):
            raise PluginError(f"content/{path} finnes, men siden lages fra data/; fjern den håndskrevne filen")
        files.append(File.generated(config, path, content=text))
    for path, content in renderer.assets().items():
        files.append(File.generated(config, path, content=content))
    extra = config.extra.get("rutinebok", {}) or {}
    if extra.get("pdf", True):
        # Incremental: build/pdf keeps a manifest, so unchanged routines are not rendered again.
        cache = root / extra.get("pdf_cache", "build/pdf")
        build_pdfs(_state["data_dir"], cache, site_url=_state["public_url"], today=_state["options"].today,
                   ds=_state["ds"], draft=_state["draft"])
        for rid in _state["ds"].routines:
            files.append(File.generated(config, f"pdf/{rid}.pdf", abs_src_path=str(cache / f"{rid}.pdf")))
    for rid, copies in renderer.signed.items():
        for copy in copies:
            path = root / "signed" / rid / copy["file"]
            files.append(File.generated(config, f"pdf/signert/{rid}/{copy['file']}", abs_src_path=str(path)))
    ics = calendar_ics(renderer, _state["public_url"])
    files.append(File.generated(config, "kalender.ics", content=ics))
    return files


def on_page_content(html: str, page, config, files) -> str:
    """Every page's content first through the HTML allowlist (escape.sanitize_html): whatever a
    template or Markdown let through, no script, event handler, style or unsafe link is left.
    Then tables get their column headings on every cell, so they stack into cards on a phone;
    the first use of each glossary term opens its explanation on tap (terms.py escapes)."""
    html = label_table_cells(str(sanitize_html(html)))
    if page.file.src_uri == "ordliste.md":
        return html
    depth = page.url.count("/")
    renderer: SiteRenderer = _state["renderer"]
    return mark_terms(html, renderer.glossary_terms(), renderer.names_with_spaces(), "../" * depth + "ordliste/")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Every page of a draft says so, so a screenshot or a printout cannot pass for the real site."""
    if _state.get("draft"):
        markdown = (f'!!! danger "{DRAFT_TITLE}"\n    Dette er en lokal forhåndsvisning, ikke det publiserte '
                    "nettstedet. PDF-ene har ingen QR-kode og skal ikke signeres.\n\n" + markdown)
    return markdown


def on_post_page(output: str, page, config) -> str:
    return with_policy(output)


def on_post_template(output_content: str, template_name: str, config) -> str:
    return with_policy(output_content)  # 404.html


def on_serve(server, config, builder):
    server.watch(str(_state["data_dir"]))
    return server


def on_post_build(config):
    """Only under `mkdocs serve`: index the served site, since serve builds into a temporary
    folder the Makefile never sees. `make build` (and any other builder) runs the same
    builder-independent step over the finished folder: python -m rutinebok.search_index."""
    if _state.get("command") != "serve":
        return
    from rutinebok.search_index import build as build_search_index

    try:
        build_search_index(Path(config.site_dir))
    except Exception as exc:  # noqa: BLE001 (a missing index must not stop the preview)
        log.warning(f"Søkeindeksen ble ikke laget: {exc}")
