"""Benchmark: the edit loop of `make serve` (mkdocs serve --dirty with the rutinebok plugin).

    .venv/bin/python bench/edit_loop_bench.py [ROUTINES] [--data DIR]

Serves a generated corpus (or --data), waits for the first build, then changes one routine's
title in its YAML file and measures the time from the save until the served routine page shows
the new title; also how many other built pages were written again by that rebuild.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _wait(pred, timeout: float, step: float = 0.1) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if pred():
            return time.perf_counter() - started
        time.sleep(step)
    raise TimeoutError(f"nothing after {timeout} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("routines", type=int, nargs="?", default=1000)
    ap.add_argument("--data", type=Path, help="a data folder (default: a generated corpus)")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--repeat", type=int, default=3, help="title changes, one after the other (median reported)")
    ap.add_argument("--pdf", action="store_true",
                    help="with PDFs (made in the background after each build; off by default so that a cold "
                         "PDF cache does not compete with the measured rebuild)")
    args = ap.parse_args(argv)
    if args.data:
        data = args.data.resolve()
        routine = min((data / "routines").glob("*.yml"))
    else:
        from bench.generate import generate_corpus

        data = OUT / f"site-{args.routines}" / "data"
        if not (data / ".rutinebok-generated.json").exists():
            generate_corpus(data, routines=args.routines, steps=20)
        routine = data / "routines" / "rutine-0001.yml"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "RUTINEBOK_DATA": str(data), "NO_MKDOCS_2_WARNING": "1"}
    log = open(OUT / "edit_loop_serve.log", "w", encoding="utf-8")  # noqa: SIM115 (kept open for the server)
    # Not --strict: a generated corpus lacks the seed routines the hand-written home page links to.
    config = OUT / "mkdocs-edit-loop.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text("utf-8")
                      .replace("strict: true", "strict: false")
                      .replace("on_error_fail: true", "on_error_fail: false")
                      .replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
                      .replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
                      .replace("module_name: macros/main", f"module_name: {ROOT / 'macros' / 'main'}")
                      .replace("    data: data\n", f"    data: data\n    pdf: {'true' if args.pdf else 'false'}\n"),
                      "utf-8")
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "--dirty",
                               "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    original = routine.read_text("utf-8")
    url = f"{base}/rutiner/{routine.stem}/"
    try:
        first = _wait(lambda: "<h1" in _get(url), args.timeout, 1.0)
        print(f"first build and serve: {first:.1f} s")
        took_all = []
        for n in range(args.repeat):
            time.sleep(3)  # the watcher settles; the preview process of the last build may still run
            marker = f"Endret tittel {n} {int(time.time())}"
            changed = re.sub(r"(?m)^title: .*$", f"title: {marker}", original, count=1)
            assert changed != original, "no title line"
            routine.write_text(changed, "utf-8")
            took_all.append(_wait(lambda m=marker: m in _get(url), args.timeout, 0.05))
            print(f"one YAML change -> page shows it: {took_all[-1]:.2f} s", flush=True)
        print(f"median of {len(took_all)}: {sorted(took_all)[len(took_all) // 2]:.2f} s")
        text = (OUT / "edit_loop_serve.log").read_text("utf-8")
        print("\n".join(line for line in text.splitlines()[-6:] if "Building" in line or "Reloading" in line))
    finally:
        routine.write_text(original, "utf-8")
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
