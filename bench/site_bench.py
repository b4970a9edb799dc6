"""Benchmark: building the site for a generated corpus, against plain MkDocs as the floor,
and the reader's first search in Chromium.

    .venv/bin/python bench/site_bench.py [ROUTINES] [--repeat N] [--no-cold] [--queries N]

Reports, each the best of --repeat runs:
- cold build with PDFs: empty PDF cache, MkDocs build (load, check, render, PDFs, pages, and
  the post-build pass with the search index), as `make build` runs it;
- warm build: the same with the PDF cache filled (only changed PDFs are made);
- build without PDFs (extra.rutinebok.pdf: false), with the search index: once with an empty
  build cache (every page made, processed and indexed), then with the cache the first left
  (what any later build has: only what changed is made again);
- plain MkDocs: the same generated Markdown on disk, built by plain MkDocs + Material with
  no hook, no macros and no search (the floor), and the ratios to it, with and without the
  search index step;
- the search index: files, total size, and the time of the index step alone (without the cache);
- the first search in Chromium: for each of --queries queries on a freshly loaded page,
  the bytes fetched from typing the first letter until the results show (everything the
  search needs: script, WASM, index chunks, vocabulary, result fragments), and the time
  from the last keystroke until the results for the whole query show (median and worst);
- the transferred size of one routine page and the rebuild time after one YAML change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.generate import generate_corpus
from rutinebok.checks import run_checks
from rutinebok.findings import Report
from rutinebok.load import load_dataset
from rutinebok.render import SiteOptions, SiteRenderer

TODAY = dt.date(2026, 11, 22)


QUERIES = ["nødhjelp", "hotell", "kartlegging", "lengste opphold", "taushetsplikt", "individuell plan",
           "boligkonsulent", "politikontakt", "økonomisk stønad", "primerkontakt", "krisesenteret",
           "samarbeidsmøte", "nodhjelp", "frist for kartlegging", "klage"]


def _run(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def _mkdocs(config: Path, site: Path, env: dict) -> float:
    return _run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)], env)


def _index(site: Path, env: dict) -> float:
    """The search index step alone (the build already ran it; this times it once more)."""
    return _run([sys.executable, "-m", "rutinebok.search_index", str(site)], env)


def _best(fn, repeat: int) -> float:
    return min(fn() for _ in range(repeat))


def _config(work: Path, name: str, pdf: bool, pdf_cache: Path) -> Path:
    """The project's own config, but not strict: the hand-written home page links to the real
    seed routines, which a synthetic corpus does not have."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = (config.replace("strict: true", "strict: false").replace("on_error_fail: true", "on_error_fail: false")
              .replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
              .replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
              .replace("module_name: macros/main", f"module_name: {ROOT / 'macros' / 'main'}")
              .replace("    data: data\n", f"    data: data\n    pdf: {'true' if pdf else 'false'}\n"
                       f"    pdf_cache: {pdf_cache}\n"))
    path = work / name
    path.write_text(config, encoding="utf-8")
    return path


def first_search(site: Path, queries: list[str], path: str = "/", key: str = "first_search") -> dict:
    """Bytes fetched and time to results for a reader's first search from `path`, in Chromium."""
    sys.path.insert(0, str(ROOT / "bench"))
    from playwright.sync_api import sync_playwright
    from search_quality import CHROMIUM_ARGS, serve

    server, url = serve(site)
    sizes, times, gz = [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for q in queries:
                context = browser.new_context()  # a fresh reader: nothing cached
                page = context.new_page()
                page.goto(url + path)
                page.wait_for_load_state("networkidle")
                fetched: list[str] = []
                page.on("requestfinished", lambda req, f=fetched: f.append(req.url))
                box = page.locator("#rb-search-input")
                box.click()
                box.press_sequentially(q, delay=60)  # about a fast typist on a phone
                started = time.perf_counter()
                page.wait_for_function(
                    "q => { const r = document.getElementById('rb-search-results');"
                    " return r.dataset.query === q && r.dataset.state === 'done'; }", arg=q, timeout=30_000)
                times.append((time.perf_counter() - started) * 1000)
                page.wait_for_load_state("networkidle")
                files = {site / u.split("/", 3)[3].split("?")[0] for u in fetched}
                files = [f for f in files if f.is_file()]
                sizes.append(sum(f.stat().st_size for f in files))
                # Pagefind's index files are gzip already; the script would be gzipped by any host.
                gz.append(sum(f.stat().st_size if f.suffix in (".pf_index", ".pf_fragment", ".pf_meta", ".pagefind")
                              else len(gzip.compress(f.read_bytes(), 6)) for f in files))
                context.close()
            browser.close()
    finally:
        server.shutdown()
    times.sort()
    return {f"{key}_bytes_median": sorted(sizes)[len(sizes) // 2], f"{key}_bytes_max": max(sizes),
            f"{key}_gzip_bytes_median": sorted(gz)[len(gz) // 2], f"{key}_gzip_bytes_max": max(gz),
            f"{key}_ms_median": round(times[len(times) // 2], 1), f"{key}_ms_max": round(times[-1], 1),
            f"{key}_queries": len(queries)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("routines", type=int, nargs="?", default=1000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-cold", action="store_true", help="skip the cold build with PDFs (slow)")
    ap.add_argument("--no-pdf", action="store_true",
                    help="skip every build with PDFs (cold and warm): only the build without PDFs")
    ap.add_argument("--queries", type=int, default=len(QUERIES))
    ap.add_argument("--no-rebuild", action="store_true",
                    help="skip the full rebuild after one YAML change (the edit loop of make serve is "
                         "bench/edit_loop_bench.py)")
    args = ap.parse_args(argv)
    n = args.routines
    work = OUT / f"site-{n}"
    data = work / "data"
    if not (data / ".rutinebok-generated.json").exists():
        generate_corpus(data, routines=n, steps=20)
    env = {**os.environ, "RUTINEBOK_DATA": str(data), "RUTINEBOK_TODAY": TODAY.isoformat(),
           "NO_MKDOCS_2_WARNING": "1", "RUTINEBOK_SITE_URL": "https://rutinebok.example/"}
    pdf_cache = work / "pdf-cache"
    site_cache = work / "build" / "cache"  # the configs' default, beside them
    pdf_cfg = _config(work, "mkdocs-pdf.yml", True, pdf_cache)
    nopdf_cfg = _config(work, "mkdocs-nopdf.yml", False, pdf_cache)
    full_site = work / "site-full"
    result: dict = {"routines": n, "started": dt.datetime.now().isoformat(timespec="seconds"),
                    "load_average_start": round(os.getloadavg()[0], 2)}

    if not args.no_cold and not args.no_pdf:
        shutil.rmtree(pdf_cache, ignore_errors=True)
        result["cold_build_with_pdfs_s"] = round(_mkdocs(pdf_cfg, full_site, env), 2)
    nopdf_site = work / "site-nopdf"
    # The build cache (extra.rutinebok.cache, rutinebok.buildcache): empty, every page is made,
    # processed and indexed; then filled, as for any build after the first.
    shutil.rmtree(site_cache, ignore_errors=True)
    result["build_without_pdfs_empty_cache_s"] = round(_mkdocs(nopdf_cfg, nopdf_site, env), 2)
    nopdf_mk = _best(lambda: _mkdocs(nopdf_cfg, nopdf_site, env), args.repeat)
    index_s = _best(lambda: _index(nopdf_site, env), args.repeat)
    result["build_without_pdfs_s"] = round(nopdf_mk, 2)
    result["search_index_step_s"] = round(index_s, 2)
    if args.no_pdf:
        full_site, pdf_cfg, warm_mk = nopdf_site, nopdf_cfg, nopdf_mk
    else:
        warm_mk = _best(lambda: _mkdocs(pdf_cfg, full_site, env), args.repeat)
        result["warm_build_s"] = round(warm_mk, 2)

    # The floor: the same generated Markdown on disk, plain MkDocs + Material, no search.
    report = Report()
    ds = load_dataset(data, report)
    findings = run_checks(ds, TODAY)
    renderer = SiteRenderer(ds, findings, SiteOptions(today=TODAY))
    docs = work / "floor-docs"
    shutil.rmtree(docs, ignore_errors=True)
    for path, text in renderer.pages().items():
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (docs / "index.md").write_text("# Floor\n", encoding="utf-8")
    floor_cfg = work / "mkdocs-floor.yml"
    floor_cfg.write_text(
        "site_name: Floor\nuse_directory_urls: true\ntheme:\n  name: material\n  language: nb\n  font: false\n"
        f"docs_dir: {docs}\nplugins: []\n"
        "markdown_extensions: [abbr, admonition, attr_list, def_list, md_in_html, tables, toc, pymdownx.details]\n"
        # The same navigation as the real site: index pages only (a nav listing every page
        # makes every page carry all others, which is slow and not what the site does).
        "nav:\n  - index.md\n  - rutiner/index.md\n  - roller/index.md\n  - organisasjoner/index.md\n"
        "  - kontakter.md\n  - frister.md\n  - kalender.md\n  - lover.md\n  - ordliste.md\n",
        encoding="utf-8")
    floor_site = work / "site-floor"
    floor = _best(lambda: _mkdocs(floor_cfg, floor_site, env), args.repeat)
    result["plain_mkdocs_s"] = round(floor, 2)
    # The same with MkDocs' default plugin, Material's search (a site without search is not
    # what plain MkDocs makes; ours has its own search step instead).
    search_cfg = work / "mkdocs-floor-search.yml"
    search_cfg.write_text(floor_cfg.read_text(encoding="utf-8").replace("plugins: []", "plugins: [search]"),
                          encoding="utf-8")
    floor_search = _best(lambda: _mkdocs(search_cfg, work / "site-floor-search", env), args.repeat)
    result["plain_mkdocs_with_search_s"] = round(floor_search, 2)
    result["without_pdfs_over_plain_with_search"] = round(result["build_without_pdfs_s"] / floor_search, 2)
    if "warm_build_s" in result:
        result["warm_over_plain"] = round(result["warm_build_s"] / floor, 2)
    result["without_pdfs_over_plain"] = round(result["build_without_pdfs_s"] / floor, 2)
    result["without_pdfs_empty_cache_over_plain"] = round(result["build_without_pdfs_empty_cache_s"] / floor, 2)
    result["without_pdfs_empty_cache_over_plain_with_search"] = round(
        result["build_without_pdfs_empty_cache_s"] / floor_search, 2)

    # Sizes.
    pf = full_site / "pagefind"
    pf_files = [p for p in pf.rglob("*") if p.is_file()]
    result["pages"] = len(list(full_site.rglob("index.html")))
    result["search_index_files"] = len(pf_files)
    result["search_index_bytes"] = sum(p.stat().st_size for p in pf_files)
    page = full_site / "rutiner" / "rutine-0001" / "index.html"
    html = page.read_text(encoding="utf-8")
    assets = [page]
    for ref in re.findall(r'(?:src|href)="([^"]+\.(?:css|js))"', html):
        target = (page.parent / ref).resolve()
        if target.exists():
            assets.append(target)
    result["routine_page_bytes"] = sum(p.stat().st_size for p in assets)
    result["routine_page_gzip_bytes"] = sum(len(gzip.compress(p.read_bytes(), 6)) for p in assets)
    result.update(first_search(full_site, QUERIES[:args.queries]))
    # From a municipality's page: on a national site (rutinebok.search_index.SCOPED_FROM) that
    # search covers the municipality's pages and the national ones, all their text.
    areas = sorted(p.parent.name for p in (full_site / "omrade").glob("*/index.html"))
    if areas:
        result["first_search_area"] = areas[0]
        result.update(first_search(full_site, QUERIES[:args.queries], f"/omrade/{areas[0]}/", "first_search_area"))

    if not args.no_rebuild:
        # `mkdocs build` after one YAML file changed: the pages the change reaches are made
        # again, and the post-build pass and the index redo only those (the build cache); MkDocs
        # itself renders every page (`make serve` does not: bench/edit_loop_bench.py).
        changed = data / "routines" / "rutine-0001.yml"
        original = changed.read_text(encoding="utf-8")
        changed.write_text(original + "\n", encoding="utf-8")
        result["rebuild_after_one_yaml_change_s"] = round(_mkdocs(pdf_cfg, full_site, env), 2)
        changed.write_text(original, encoding="utf-8")

    result["load_average_end"] = round(os.getloadavg()[0], 2)
    (OUT / f"site_bench_{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
