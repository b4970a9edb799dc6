"""Benchmark `rutinebok check` against plain PyYAML (C loader) on synthetic corpora.

Usage: .venv/bin/python bench/check_bench.py [SIZE ...] [--steps 20] [--repeat 3] [--json PATH]
See bench/README.md for what is measured and the targets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate_corpus, parameters, read_marker
from rutinebok.findings import Report
from rutinebok.load import data_files, load_dataset

try:
    from rutinebok.checks import run_checks
except ImportError:  # the checks are optional: time the loader alone
    run_checks = None

OUT = ROOT / "bench" / "out"
TODAY = "2026-11-22"
TARGET_ROUTINES = 1000
TARGET_SECONDS = 3.0
TARGET_RATIO = 2.5
_SUMMARY = re.compile(r"(\d+) feil, (\d+) advarsler")


def corpus(n: int, steps: int, seed: int) -> tuple[Path, bool]:
    """bench/out/<n>/, generated unless it already holds a corpus with the same parameters."""
    path = OUT / str(n)
    if read_marker(path) == parameters(n, steps, None, seed):
        return path, False
    generate_corpus(path, routines=n, steps=steps, seed=seed)
    return path, True


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def parse_pyyaml(files: list[Path]) -> int:
    for f in files:
        yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return len(files)


def check_command() -> list[str]:
    script = Path(sys.executable).parent / "rutinebok"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rutinebok.cli"]


def run_check(path: Path) -> tuple[int, int, int]:
    """Run the check as a user would; (exit code, errors, warnings)."""
    proc = subprocess.run([*check_command(), "check", "--data", str(path), "--today", TODAY],
                          capture_output=True, text=True, check=False)
    m = _SUMMARY.search(proc.stdout)
    if not m:
        sys.exit(f"rutinebok check gave no summary (exit {proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.returncode, int(m.group(1)), int(m.group(2))


def run_engine(path: Path) -> int:
    report = Report()
    ds = load_dataset(path, report)
    if run_checks is not None and not ds.failed_files:
        report.extend(run_checks(ds, dt.date.fromisoformat(TODAY)))
    return len(report.findings)


def measure(n: int, steps: int, seed: int, repeat: int) -> dict:
    path, made = corpus(n, steps, seed)
    files = data_files(path)
    size = sum(f.stat().st_size for f in files)
    parse_pyyaml(files)  # warm the page cache so every measure reads from memory
    pyyaml_s, _ = best(lambda: parse_pyyaml(files), repeat)
    startup_s, _ = best(lambda: subprocess.run([*check_command(), "--version"], capture_output=True, check=False), repeat)
    check_s, (code, errors, warnings) = best(lambda: run_check(path), repeat)
    engine_s, findings = best(lambda: run_engine(path), repeat)
    return {"routines": n, "steps": steps, "files": len(files), "bytes": size,
            "mb": size / 1_000_000, "generated_now": made,
            "pyyaml_c_s": pyyaml_s, "startup_s": startup_s, "check_s": check_s, "engine_s": engine_s,
            "ratio_check_pyyaml": check_s / pyyaml_s, "ratio_engine_pyyaml": engine_s / pyyaml_s,
            "check_exit": code, "check_errors": errors, "check_warnings": warnings,
            "engine_findings": findings}


def table(rows: list[dict]) -> str:
    head = (f"{'routines':>8} {'files':>6} {'MB':>6} {'pyyaml_C_s':>10} {'check_s':>8} "
            f"{'engine_s':>8} {'startup_s':>9} {'check/pyyaml':>12} {'engine/pyyaml':>13} {'err':>4} {'warn':>4}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['routines']:>8} {r['files']:>6} {r['mb']:>6.1f} {r['pyyaml_c_s']:>10.3f} "
                     f"{r['check_s']:>8.3f} {r['engine_s']:>8.3f} {r['startup_s']:>9.3f} "
                     f"{r['ratio_check_pyyaml']:>11.2f}x {r['ratio_engine_pyyaml']:>12.2f}x "
                     f"{r['check_errors']:>4} {r['check_warnings']:>4}")
    if len(rows) > 1:
        lines += ["", "growth between sizes (time factor for the size factor; 1.0 per 1.0 is linear):"]
        for a, b in itertools.pairwise(rows):
            k = b["routines"] / a["routines"]
            lines.append(f"  {a['routines']} -> {b['routines']} (x{k:g}): "
                         + ", ".join(f"{name} x{b[key] / a[key]:.2f}" for name, key in
                                     (("pyyaml", "pyyaml_c_s"), ("check", "check_s"), ("engine", "engine_s"))))
    return "\n".join(lines)


def verdict(rows: list[dict]) -> list[str]:
    out = []
    for r in rows:
        if r["routines"] != TARGET_ROUTINES:
            continue
        ok_time = r["check_s"] < TARGET_SECONDS
        ok_ratio = r["ratio_check_pyyaml"] <= TARGET_RATIO
        out.append(f"target at {TARGET_ROUTINES} routines: check {r['check_s']:.2f} s < {TARGET_SECONDS} s "
                   f"{'OK' if ok_time else 'MISSED'}; check/pyyaml {r['ratio_check_pyyaml']:.2f}x <= "
                   f"{TARGET_RATIO}x {'OK' if ok_ratio else 'MISSED'} "
                   f"(engine alone {r['ratio_engine_pyyaml']:.2f}x)")
    for r in rows:
        if r["check_exit"] != 0 or r["check_errors"] or r["check_warnings"]:
            out.append(f"WARNING: the {r['routines']}-routine corpus is not clean: exit {r['check_exit']}, "
                       f"{r['check_errors']} errors, {r['check_warnings']} warnings (fix the generator)")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 5000], help="numbers of routines")
    p.add_argument("--steps", type=int, default=20, help="steps per routine (default 20)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=3, help="runs per measure; the best counts (default 3)")
    p.add_argument("--json", type=Path, default=OUT / "check_bench.json", help="where to write the results")
    args = p.parse_args(argv)
    rows = []
    for n in sorted(args.sizes):
        t = time.perf_counter()
        rows.append(measure(n, args.steps, args.seed, args.repeat))
        print(f"measured {n} routines in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    print(table(rows))
    for line in verdict(rows):
        print(line)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    result = {"when": dt.datetime.now().isoformat(timespec="seconds"), "python": platform.python_version(),
              "machine": platform.machine(), "processor": platform.processor(), "repeat": args.repeat,
              "checks_in_engine": run_checks is not None, "rows": rows}
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
