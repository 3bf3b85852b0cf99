"""The one place katalog runs work in parallel: a small process pool for pure functions.

Used by build orchestration (Markdown conversion before rendering) and by the PDF renderer
(one WeasyPrint layout per job). Work is split only when there is enough of it; the results
come back in input order, so output never depends on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 2
ENV = "KATALOG_WORKERS"  # e.g. KATALOG_WORKERS=1 keeps everything in this process


def default_workers() -> int:
    """min(MAX_WORKERS, usable CPUs), or `KATALOG_WORKERS` when set to a positive number."""
    value = os.environ.get(ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cpus))


def start_method() -> str | None:
    """`fork` (fast: the workers inherit the loaded modules) when it is safe, i.e. on Linux
    with no other thread running; else `forkserver` (e.g. under the CLI's status spinner,
    which runs a thread), else the platform's default."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else None


def map_processes(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None,
                  min_items: int = 2, chunksize: int = 1) -> list[R]:
    """`[fn(x) for x in items]`, in a pool of `workers` processes when there are at least
    `min_items` items (`fn` must be a module-level function of picklable values)."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(items) < max(2, min_items):
        return [fn(x) for x in items]
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=context) as pool:
        return list(pool.map(fn, items, chunksize=chunksize))


@contextmanager
def pool(workers: int | None = None) -> Iterator[Callable[..., list[Any]]]:
    """A `map_processes` whose worker processes are kept for several calls (they keep what
    they loaded, e.g. a parsed stylesheet); started only when a call has enough items."""
    n = default_workers() if workers is None else workers
    executor: ProcessPoolExecutor | None = None

    def run(fn: Callable[[T], R], items: Sequence[T], min_items: int = 2,
            chunksize: int = 1) -> list[R]:
        nonlocal executor
        if n <= 1 or len(items) < max(2, min_items):
            return [fn(x) for x in items]
        if executor is None:
            executor = ProcessPoolExecutor(max_workers=n,
                                           mp_context=multiprocessing.get_context(start_method()))
        return list(executor.map(fn, items, chunksize=chunksize))

    try:
        yield run
    finally:
        if executor is not None:
            executor.shutdown()
