"""Search quality through the real search box: types each query of tests/search_queries.yml
into the site's search field in headless Chromium and reads the result links in order.

    .venv/bin/python bench/search_quality.py SITE_DIR [--ui pagefind|material] [--show]

Prints hit@1/hit@3/hit@10 (the right page among the first N results), section accuracy
(the first result is the named section) and the misses. tests/test_search_quality.py runs
the same measurement against a fresh build and fails below the targets.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import socketserver
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "tests" / "search_queries.yml"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

# The two search UIs: where to type, and the result links in ranked order.
UIS = {
    "material": {"open": "label.md-search__icon, .md-search__input", "input": "input.md-search__input",
                 "links": ".md-search-result__link", "settle": 700},
    "pagefind": {"open": None, "input": "#rb-search-input", "links": "#rb-search-results a.rb-hit",
                 "settle": 0},
}


def load_queries(path: Path = QUERIES) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _key(href: str) -> tuple[str, str]:
    u = urlparse(href)
    return u.path, u.fragment


def matches(href: str, expected: str, section: bool = False) -> bool:
    path, frag = _key(href)
    e_path, _, e_frag = expected.partition("#")
    if path != e_path:
        return False
    return not section or not e_frag or frag == e_frag


def search(page, site_url: str, query: str, ui: str = "pagefind", path: str = "/") -> tuple[list[str], float]:
    """Type `query` on the home page (or `path`); return the ranked result links and the ms from the last
    keystroke until the results for the whole query were shown."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    sel = UIS[ui]
    page.goto(site_url + path)
    if sel["open"]:
        page.locator(sel["open"]).first.click()
    box = page.locator(sel["input"])
    box.click()
    if ui == "pagefind":
        box.press_sequentially(query, delay=15)
        started = time.perf_counter()
        # The UI marks the query its shown results belong to; wait until that is the whole query.
        page.wait_for_function(
            "q => { const r = document.getElementById('rb-search-results');"
            " return r && r.dataset.query === q && r.dataset.state === 'done'; }",
            arg=query.strip(), timeout=15_000)
        elapsed = (time.perf_counter() - started) * 1000
    else:
        box.press_sequentially(query, delay=20)
        started = time.perf_counter()
        try:
            page.locator(sel["links"]).first.wait_for(timeout=5_000)
        except PlaywrightTimeout:
            return [], 0.0
        page.wait_for_timeout(sel["settle"])
        elapsed = (time.perf_counter() - started) * 1000
    hrefs = page.eval_on_selector_all(sel["links"], "els => els.map(e => e.href)")
    return hrefs, elapsed


def measure(page, site_url: str, queries: list[dict], ui: str = "pagefind") -> dict:
    hits = {1: 0, 3: 0, 10: 0}
    section_hits = section_total = 0
    misses, times = [], []
    for item in queries:
        q, expect = item["q"], item["expect"]
        hrefs, ms = search(page, site_url, q, ui)
        times.append(ms)
        rank = next((i for i, h in enumerate(hrefs[:10]) if any(matches(h, e) for e in expect)), None)
        for k in hits:
            if rank is not None and rank < k:
                hits[k] += 1
        if any("#" in e for e in expect):
            section_total += 1
            if hrefs and any(matches(hrefs[0], e, section=True) for e in expect if "#" in e):
                section_hits += 1
        if rank != 0:
            misses.append({"q": q, "rank": None if rank is None else rank + 1,
                           "first": [urlparse(h).path + ("#" + urlparse(h).fragment if urlparse(h).fragment else "")
                                     for h in hrefs[:3]]})
    n = len(queries)
    times.sort()
    return {"n": n, "hit@1": hits[1] / n, "hit@3": hits[3] / n, "hit@10": hits[10] / n,
            "section@1": section_hits / max(section_total, 1), "sections": section_total,
            "median_ms": times[n // 2], "misses": misses}


def serve(directory: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("site", type=Path)
    ap.add_argument("--ui", choices=sorted(UIS), default="pagefind")
    ap.add_argument("--queries", type=Path, default=QUERIES)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    server, url = serve(args.site)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            result = measure(page, url, load_queries(args.queries), args.ui)
            browser.close()
    finally:
        server.shutdown()
    for m in result["misses"]:
        print(f"  miss: {m['q']!r:40} rank {m['rank']}  first: {', '.join(m['first'])}")
    print(f"queries {result['n']}: hit@1 {result['hit@1']:.2f}  hit@3 {result['hit@3']:.2f}  "
          f"hit@10 {result['hit@10']:.2f}  section@1 {result['section@1']:.2f} (of {result['sections']})  "
          f"median {result['median_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
