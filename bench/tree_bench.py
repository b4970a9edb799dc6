"""Benchmark: checking and rendering generated decision trees of growing size.

    .venv/bin/python bench/tree_bench.py [NODES ...]     (default 500 1000 2000 4000)

Each tree is a balanced binary tree (questions, then outcomes) checked with the real data
set loaded once. Times are the best of 3: the soundness check (reachability, cycles,
references), the guide page (Jinja/Markdown from the engine), and the SVG diagram (dot).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rutinebok.checks import Checker
from rutinebok.diagram import tree_svg
from rutinebok.findings import Report
from rutinebok.generate import generated_tree
from rutinebok.load import SourceFile, load_dataset
from rutinebok.model import Tree
from rutinebok.render import SiteOptions, SiteRenderer

TODAY = dt.date(2026, 11, 22)


def best(fn, n=7):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv):
    sizes = [int(a) for a in argv] or [500, 1000, 2000, 4000]
    ds = load_dataset(ROOT / "data", Report())
    rows = []
    for nodes in sizes:
        tree = Tree.model_validate(generated_tree(nodes // 2))
        tree._file = "data/trees/generert.yml"
        ds.files[tree.file] = SourceFile(tree.file, None, {}, "")
        ds.trees[tree.id] = tree

        def check():
            c = Checker(ds, TODAY)
            c.check_tree(tree)
            assert not c.out

        renderer = SiteRenderer(ds, [], SiteOptions(today=TODAY))
        t_check = best(check)
        t_page = best(lambda: renderer.render("tree.md.j2", tree=tree, base="../"))
        t_svg = best(lambda: _svg(tree), 1)
        rows.append({"nodes": len(tree.nodes), "check_s": t_check, "page_s": t_page, "svg_s": t_svg})
        del ds.trees[tree.id]
    print(f"{'nodes':>6} {'check ms':>9} {'µs/node':>8} {'page ms':>8} {'svg s':>7} {'check x':>8}")
    for i, r in enumerate(rows):
        growth = "" if i == 0 else f"{r['check_s'] / rows[i - 1]['check_s']:.2f}"
        print(f"{r['nodes']:>6} {r['check_s'] * 1e3:>9.2f} {r['check_s'] / r['nodes'] * 1e6:>8.2f} "
              f"{r['page_s'] * 1e3:>8.1f} {r['svg_s']:>7.2f} {growth:>8}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "tree_bench.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


def _svg(tree):
    from rutinebok import diagram

    diagram._svg_cached.cache_clear()  # measure dot, not the cache
    return tree_svg(tree)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
