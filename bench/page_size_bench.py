"""Markdown size of the generated pages and the time Engine.pages() takes, on a generated corpus.

    python bench/page_size_bench.py [ROUTINES] [--top N]

Generates (once) a corpus in build/bench/pages-<n>/data with bench/generate.py (20 steps per
routine), loads and checks it through the site engine as `mkdocs build` does (draft, fixed
date), then times Engine.pages() (best of --repeat) and prints the biggest pages and the
total as JSON. Aggregate pages (roles, deadlines, calendar) are the ones to watch: they must
grow by at most one short line per routine or area.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate_corpus

TODAY = "2026-11-22"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("routines", type=int, nargs="?", default=1000)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    data = ROOT / "build" / "bench" / f"pages-{args.routines}" / "data"
    if not (data / ".rutinebok-generated.json").exists():
        generate_corpus(data, routines=args.routines, steps=20)
    os.environ["RUTINEBOK_DATA"] = str(data)
    os.environ["RUTINEBOK_TODAY"] = TODAY
    from rutinebok.site import Engine, Project

    project = Project.from_mkdocs(ROOT / "mkdocs.yml", serve=True)
    engine = Engine(project)
    best = float("inf")
    for _ in range(args.repeat):
        engine.__dict__.pop("renderer", None)  # a fresh renderer each time: nothing cached
        t0 = time.perf_counter()
        pages = engine.pages()
        best = min(best, time.perf_counter() - t0)
    sizes = {path: len(text.encode("utf-8")) for path, text in pages.items()}
    top = sorted(sizes.items(), key=lambda kv: -kv[1])[: args.top]
    watch = {p: sizes.get(p, 0) for p in ("frister.md", "kalender.md", "kontakter.md", "lover.md", "rutiner/index.md")}
    per_area = [s for p, s in sizes.items() if p.startswith("omrade/") and p.endswith(("/frister.md", "/kalender.md"))]
    print(json.dumps({"routines": args.routines, "pages": len(sizes), "pages_s": round(best, 2),
                      "total_bytes": sum(sizes.values()), "biggest": dict(top), "watch": watch,
                      "per_area_pages": len(per_area), "per_area_max": max(per_area, default=0)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
