"""Benchmark: checking and rendering generated decision trees of growing size.

    .venv/bin/python bench/tree_bench.py [NODES ...] [--repeat N] [--no-svg]

Default sizes: 500 1,000 2,000 4,000 8,000 nodes. For each size the benchmark makes a data
folder (a copy of the real data/ plus data/trees/generert.yml, a balanced binary tree of
questions ending in outcomes, from bench.generate.generated_tree), loads it once, checks
that the whole data set has no error, and then times, best of --repeat (5):

- check:   Checker.check_entity of the generated tree (reachability, cycles, references);
- page:    the tree's guide page (SiteRenderer, template tree.md.j2, with its text outline);
- calls:   Python function calls made by one check_entity (cProfile): a count, not a time, so
           it shows the growth without the noise of a shared machine;
- svg:     the diagram (Graphviz dot through rutinebok.diagram.tree_svg), best of 1; dot's
           layout is not ours and is not expected to be linear.

It prints time per node and the growth from one size to the next (about 2x per doubling
means linear), and writes bench/out/tree_bench.json.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import math
import platform
import pstats
import shutil
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generated_tree
from rutinebok.checks import Checker
from rutinebok.findings import Report
from rutinebok.load import load_dataset
from rutinebok.render import SiteOptions, SiteRenderer

TODAY = dt.date(2026, 11, 22)
OUT = ROOT / "bench" / "out"


def best(fn, n: int) -> float:
    times = []
    for _ in range(n):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def make_data(nodes: int) -> Path:
    """bench/out/trees-<nodes>/data: the real data plus a generated tree of about `nodes` nodes."""
    folder = OUT / f"trees-{nodes}" / "data"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(ROOT / "data", folder)
    tree = generated_tree(nodes // 2)  # n questions and n + 1 outcomes
    text = "# Syntetisk testdata – ikke ekte opplysninger: generert veiviser for benchmark\n"
    text += yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=100)
    (folder / "trees" / "generert.yml").write_text(text, encoding="utf-8")
    return folder


def _svg(tree) -> str:
    from rutinebok import diagram

    diagram._svg_cached.cache_clear()  # measure dot, not the cache
    return diagram.tree_svg(tree)


def measure(nodes: int, repeat: int, svg: bool) -> dict:
    folder = make_data(nodes)
    report = Report()
    t = time.perf_counter()
    ds = load_dataset(folder, report)
    load_s = time.perf_counter() - t
    tree = ds.trees["generert"]
    checker = Checker(ds, TODAY)
    errors = [f for f in report.errors + [f for f in checker.run() if f.severity == "error"]]
    if errors:
        raise SystemExit("generated data has errors:\n" + "\n".join(f.format() for f in errors[:10]))

    def check():
        checker.out = []
        checker.check_entity(tree, "trees", without=("RB056",))  # drawing is timed apart

    renderer = SiteRenderer(ds, [], SiteOptions(today=TODAY))
    row = {"nodes": len(tree.nodes), "options": sum(len(n.options) for n in tree.nodes),
           "load_s": load_s, "check_s": best(check, repeat)}
    assert checker.out == [], checker.out
    prof = cProfile.Profile()
    checker.out = []
    prof.runcall(checker.check_entity, tree, "trees", ("RB056",))
    row["check_calls"] = pstats.Stats(prof).total_calls
    page = renderer.render("tree.md.j2", tree=tree, base="../")
    assert "Spørsmål 0?" in page
    row["page_s"] = best(lambda: renderer.render("tree.md.j2", tree=tree, base="../"), repeat)
    row["svg_s"] = best(lambda: _svg(tree), 1) if svg else None
    shutil.rmtree(folder.parent)
    return row


def exponent(rows: list[dict], key: str) -> float | None:
    """Slope of log(time) against log(nodes) from the first to the last size: 1 = linear."""
    a, b = rows[0], rows[-1]
    if len(rows) < 2 or not a.get(key) or not b.get(key):
        return None
    return math.log(b[key] / a[key]) / math.log(b["nodes"] / a["nodes"])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[500, 1000, 2000, 4000, 8000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-svg", action="store_true", help="skip the Graphviz diagram (slow at 8,000 nodes)")
    args = ap.parse_args(argv)
    rows = [measure(n, args.repeat, not args.no_svg) for n in sorted(args.sizes)]

    def growth(i: int, key: str) -> str:
        if i == 0 or not rows[i].get(key) or not rows[i - 1].get(key):
            return ""
        return f"{rows[i][key] / rows[i - 1][key]:.2f}x"

    print(f"Best of {args.repeat} (svg: best of 1), Python {platform.python_version()}, {platform.machine()}")
    print(f"{'nodes':>6} {'load s':>7} {'check ms':>9} {'µs/node':>8} {'growth':>7}"
          f" {'calls/node':>10} {'page ms':>8} {'µs/node':>8} {'growth':>7} {'svg s':>7} {'growth':>7}")
    for i, r in enumerate(rows):
        svg = f"{r['svg_s']:>7.2f}" if r["svg_s"] is not None else f"{'–':>7}"
        print(f"{r['nodes']:>6} {r['load_s']:>7.2f} {r['check_s'] * 1e3:>9.2f} {r['check_s'] / r['nodes'] * 1e6:>8.2f}"
              f" {growth(i, 'check_s'):>7} {r['check_calls'] / r['nodes']:>10.2f} {r['page_s'] * 1e3:>8.1f} {r['page_s'] / r['nodes'] * 1e6:>8.2f}"
              f" {growth(i, 'page_s'):>7} {svg} {growth(i, 'svg_s'):>7}")
    slopes = {k: exponent(rows, k) for k in ("check_s", "check_calls", "page_s", "svg_s")}
    print("Growth exponent from the smallest to the largest size (1.0 = linear, 2.0 = quadratic): "
          + ", ".join(f"{k.removesuffix('_s')} {v:.2f}" for k, v in slopes.items() if v is not None))
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"today": TODAY.isoformat(), "repeat": args.repeat, "python": platform.python_version(),
              "rows": rows, "growth_exponent": slopes}
    (OUT / "tree_bench.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"Wrote {OUT / 'tree_bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
