"""Work over many built pages on every core, when that is safe and worth it.

The post-build pass and the search index step parse every HTML page of the site; on a
national site (13,000 pages) that is minutes on one core. Pages are independent, so they are
shared out to forked workers, which inherit what the parent loaded (glossary terms, names).
Fork is used only while the process has one thread (forking a threaded process can deadlock:
`make serve` runs its watcher in a thread, and it rebuilds few pages; its search index is made
in a separate single-threaded process, rutinebok.preview, which does fork); otherwise, and
for small sites where starting workers costs more than it saves, the work runs here in order.
The results come back in the order of the items, so the output does not depend on the split.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 400  # below this a pool costs more than it saves (measured: bench/postbuild_bench.py)
MAX_WORKERS = 4  # the CPUs a container sees need not be its quota; RUTINEBOK_JOBS overrides
last_workers = 1  # how many processes the last map_items used (read by tests)


def env_int(name: str, default: int) -> int:
    """A positive whole number from the environment (RUTINEBOK_JOBS and the like), else `default`."""
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return env_int("RUTINEBOK_JOBS", min(cores, MAX_WORKERS))


def map_items(fn: Callable[[T], R], items: Iterable[T], min_items: int | None = None) -> list[R]:
    """[fn(x) for x in items], on every core when there are at least `min_items`. `fn` must be
    a module-level function; what it needs beyond its item it reads from module globals set
    before this call (inherited by the forked workers)."""
    items = list(items)
    if min_items is None:
        min_items = env_int("RUTINEBOK_PARALLEL_MIN", MIN_ITEMS)  # the tests try the pool on the seeds
    jobs = min(workers(), len(items))
    global last_workers
    if (jobs < 2 or len(items) < min_items or threading.active_count() != 1
            or "fork" not in multiprocessing.get_all_start_methods()):
        last_workers = 1
        return [fn(x) for x in items]
    last_workers = jobs
    chunk = max(16, len(items) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(fn, items, chunksize=chunk))
