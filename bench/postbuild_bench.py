"""Benchmark: the post-build pass (rutinebok.postbuild.process_page) page by page.

    .venv/bin/python bench/postbuild_bench.py SITE [--config mkdocs.yml] [--largest 5] [--all]

SITE is a built site whose pages have not been through the pass yet (their content still
between the <!--rb:page--> markers), for example one built with the pass switched off:

    RUTINEBOK_DRAFT=1 RUTINEBOK_DATA=/tmp/corpus python bench/postbuild_bench.py --build /tmp/raw \
        --config /tmp/mkdocs-not-strict.yml

Reads every page, times process_page on it in this process (the files are not changed) and
prints JSON: the seconds for each of the largest pages, for all pages together, and for each
step (sanitising, table labels and glossary terms, policy) summed over the largest pages.
Seconds are this process's CPU time (time.process_time), so that other work on the machine
does not count; one line per page on stderr shows the progress.
Run it with the data folder of the build in RUTINEBOK_DATA.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _raw_build(config: Path, site: Path) -> None:
    """mkdocs build with the pass (and the search index) switched off."""
    from mkdocs.__main__ import cli

    from rutinebok import postbuild, search_index

    postbuild.run = lambda *a, **k: 0
    search_index.build = lambda *a, **k: None
    cli(["build", "-q", "-f", str(config), "-d", str(site)], standalone_mode=False)


def _steps(html: str, url: str, terms, names) -> dict[str, float]:
    """The four steps of process_page, timed one by one (same order, same inputs)."""
    from rutinebok import postbuild
    from rutinebok.csp import with_policy
    from rutinebok.escape import sanitize_html
    from rutinebok.tables import label_table_cells
    from rutinebok.terms import mark_terms

    out: dict[str, float] = {}
    start, end = html.find(postbuild.START), html.rfind(postbuild.END)
    if start != -1 and end > start:
        t = time.process_time()
        content = str(sanitize_html(html[start + len(postbuild.START):end]))
        out["sanitize_html"] = time.process_time() - t
        t = time.process_time()
        if url != postbuild.GLOSSARY_URL:
            content = mark_terms(content, terms, names, "../" * url.count("/") + postbuild.GLOSSARY_URL,
                                 label_tables=True)
        else:
            content = label_table_cells(content)
        out["tables_and_terms"] = time.process_time() - t
        html = html[:start] + content + html[end + len(postbuild.END):]
    t = time.process_time()
    with_policy(html)
    out["with_policy"] = time.process_time() - t
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", type=Path)
    ap.add_argument("--config", type=Path, default=ROOT / "mkdocs.yml")
    ap.add_argument("--build", action="store_true", help="build SITE first, without the pass")
    ap.add_argument("--largest", type=int, default=5)
    ap.add_argument("--all", action="store_true", help="time every page, not only the largest")
    args = ap.parse_args(argv)
    if args.build:
        _raw_build(args.config, args.site)

    from rutinebok.postbuild import page_url, process_page
    from rutinebok.site import Engine, Project

    engine = Engine(Project.from_mkdocs(args.config, serve=True))
    terms, names = engine.renderer.glossary_terms(), engine.renderer.names_with_spaces()
    pages = [p for p in args.site.rglob("*.html")
             if not p.relative_to(args.site).as_posix().startswith(("pagefind/", "assets/"))]
    pages.sort(key=lambda p: -p.stat().st_size)
    chosen = pages if args.all else pages[:args.largest]
    result: dict = {"pages": len(pages), "timed": len(chosen), "terms": len(terms), "names": len(names),
                    "largest": [], "steps_s": {}}
    total = 0.0
    for i, path in enumerate(chosen):
        rel = path.relative_to(args.site).as_posix()
        html = path.read_text("utf-8")
        t = time.process_time()
        process_page(html, page_url(rel), terms, names)
        seconds = time.process_time() - t
        total += seconds
        print(f"{i + 1}/{len(chosen)} {rel} {seconds:.3f} s, {total:.1f} s so far", file=sys.stderr, flush=True)
        if i < args.largest:
            result["largest"].append({"page": rel, "bytes": len(html.encode("utf-8")), "s": round(seconds, 3)})
            for step, s in _steps(html, page_url(rel), terms, names).items():
                result["steps_s"][step] = round(result["steps_s"].get(step, 0) + s, 3)
    result["total_s"] = round(total, 2)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
