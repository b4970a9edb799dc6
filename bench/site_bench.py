"""Benchmark: building the site for a generated corpus, against plain MkDocs as the floor.

    .venv/bin/python bench/site_bench.py [ROUTINES] [--repeat N]

Reports: the full build (data layer: load, check, render, then MkDocs/Material); the floor
(the same pages written as Markdown files and built by plain MkDocs with the same theme
and search, no hook, no macros); their ratio; the search index size; the transferred size
of one routine page (HTML + CSS + JS, without the search index; raw and gzip); and the
time to rebuild after one YAML file changed.
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

from rutinebok.checks import run_checks
from rutinebok.findings import Report
from rutinebok.generate import generate_corpus
from rutinebok.load import load_dataset
from rutinebok.render import SiteOptions, SiteRenderer

TODAY = dt.date(2026, 11, 22)


def _mkdocs(config: Path, site: Path, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _best(fn, repeat: int) -> float:
    return min(fn() for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("routines", type=int, nargs="?", default=1000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    n = args.routines
    work = OUT / f"site-{n}"
    data = work / "data"
    if not (data / ".rutinebok-generated.json").exists():
        generate_corpus(data, routines=n, steps=20)
    env = {**os.environ, "RUTINEBOK_DATA": str(data), "RUTINEBOK_TODAY": TODAY.isoformat(),
           "NO_MKDOCS_2_WARNING": "1"}

    # The project's own config, but not strict: the hand-written home page links to the real
    # seed routines, which a synthetic corpus does not have.
    full_cfg = work / "mkdocs-full.yml"
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = (config.replace("strict: true", "strict: false")
              .replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
              .replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
              .replace("rutinebok/mkdocs_hook.py", str(ROOT / "rutinebok" / "mkdocs_hook.py"))
              .replace("module_name: macros/main", f"module_name: {ROOT / 'macros' / 'main'}"))
    full_cfg.write_text(config, encoding="utf-8")
    full_site = work / "site-full"
    full = _best(lambda: _mkdocs(full_cfg, full_site, env), args.repeat)

    # The floor: the same generated Markdown on disk, plain MkDocs + Material + search.
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
        f"docs_dir: {docs}\nplugins:\n  - search:\n      lang: 'no'\n      pipeline: [stemmer, stopWordFilter, trimmer]\n"
        "markdown_extensions: [abbr, admonition, attr_list, def_list, md_in_html, tables, toc]\n"
        # The same navigation as the real site: index pages only (a nav listing every page
        # makes every page carry all others, which is slow and not what the site does).
        "nav:\n  - index.md\n  - rutiner/index.md\n  - roller/index.md\n  - organisasjoner/index.md\n"
        "  - kontakter.md\n  - frister.md\n  - kalender.md\n  - lover.md\n  - ordliste.md\n",
        encoding="utf-8")
    floor_site = work / "site-floor"
    floor = _best(lambda: _mkdocs(floor_cfg, floor_site, env), args.repeat)

    # Sizes.
    index = full_site / "search" / "search_index.json"
    page = full_site / "rutiner" / "rutine-0001" / "index.html"
    html = page.read_text(encoding="utf-8")
    assets = [page]
    for ref in re.findall(r'(?:src|href)="([^"]+\.(?:css|js))"', html):
        target = (page.parent / ref).resolve()
        if target.exists():
            assets.append(target)
    raw = sum(p.stat().st_size for p in assets)
    zipped = sum(len(gzip.compress(p.read_bytes(), 6)) for p in assets)

    # Rebuild after one YAML file changed (MkDocs rebuilds everything; so do we).
    changed = data / "routines" / "rutine-0001.yml"
    original = changed.read_text(encoding="utf-8")
    changed.write_text(original.replace("version: ", "version: ", 1) + "\n", encoding="utf-8")
    rebuild = _mkdocs(full_cfg, full_site, env)
    changed.write_text(original, encoding="utf-8")

    result = {
        "routines": n, "pages": len(list(full_site.rglob("index.html"))),
        "full_build_s": round(full, 2), "floor_build_s": round(floor, 2), "ratio": round(full / floor, 2),
        "search_index_bytes": index.stat().st_size,
        "search_index_gzip_bytes": len(gzip.compress(index.read_bytes(), 6)),
        "routine_page_bytes": raw, "routine_page_gzip_bytes": zipped, "routine_page_files": len(assets),
        "rebuild_after_one_yaml_change_s": round(rebuild, 2),
    }
    (OUT / f"site_bench_{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
