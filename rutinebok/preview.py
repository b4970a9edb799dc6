"""What `make serve` makes after each rebuild, in a process of its own: the routines' PDFs (into
the PDF cache, then copied into the served site) and the search index.

    python -m rutinebok.preview MKDOCS_YML SITE_DIR [--pdf]

The plugin (rutinebok.mkdocs_plugin) starts it when a preview build is done and stops it when
the next build starts, since what it would make is then out of date; the PDFs it finished stay
in the cache. It runs in its own process at low priority: as a thread of the server it held the
interpreter lock for seconds at a time, and an editor's next save waited for it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rutinebok.preview", description=__doc__.splitlines()[0])
    ap.add_argument("config", type=Path)
    ap.add_argument("site", type=Path)
    ap.add_argument("--pdf", action="store_true")
    args = ap.parse_args(argv)
    try:
        os.nice(10)  # the editor's next rebuild comes first
    except OSError:
        pass
    # Stopped by the next build (SIGTERM, to its process group, Pagefind included): while PDFs
    # are made, unwind like an exit, so the PDF cache's manifest is written for the PDFs already
    # made. While the index is made, leave at once: it is swapped in whole or not at all, and an
    # unwinding exit waited for the index's worker threads to finish their parts (up to 6 s of
    # the editor's next rebuild at 1,000 routines). Its temporary folders go at the next run.
    signal.signal(signal.SIGTERM, _stop)
    try:
        return _make(args)
    except KeyboardInterrupt:  # Ctrl-C in the terminal of make serve: no traceback
        return 130


_STAGE = {"now": "pdf"}


def _stop(*_args) -> None:
    if _STAGE["now"] == "index":
        os._exit(143)
    sys.exit(143)


def _make(args) -> int:
    from .search_index import build as build_search_index
    from .site import Engine, Project

    try:
        if args.pdf:
            engine = Engine(Project.from_mkdocs(args.config, serve=True))
            for rel, path in engine.build_pdfs(jobs=1).items():
                (args.site / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, args.site / rel)
        _STAGE["now"] = "index"
        build_search_index(args.site, cache=Project.from_mkdocs(args.config, serve=True).cache_dir)
    except Exception as exc:  # noqa: BLE001 (a missing PDF or index must not stop the preview, nor print a traceback)
        print(f"PDF-ene eller søkeindeksen ble ikke laget: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
