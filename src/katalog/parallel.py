"""The one place katalog runs work in parallel: a small process pool for pure functions.

Used by the PDF renderer (one WeasyPrint layout per job), the content cache (many content
files parsed ahead, `cache.DocumentCache.prefetch`) and the HTML renderer (proposal pages,
`map_inherited`). Work is split only when there is enough of it; the results come back in
input order, so output never depends on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Generator, Iterator, Sequence, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

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


def starts_cheaply() -> bool:
    """Whether a pool starts in a few milliseconds here (`fork`): worth it for work of well
    under a second, which a `forkserver` pool (new interpreters importing katalog) is not."""
    return start_method() == "fork"


def map_processes(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None,
                  min_items: int = 2, chunksize: int = 1,
                  initializer: Callable[..., object] | None = None,
                  initargs: tuple[object, ...] = ()) -> list[R]:
    """`[fn(x) for x in items]`, in a pool of `workers` processes when there are at least
    `min_items` items (`fn` must be a module-level function of picklable values).

    `initializer(*initargs)` runs once in each worker before its first item (to hand every
    worker the same large state once instead of with each item); without a pool it runs
    once in this process."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(items) < max(2, min_items):
        if initializer is not None:
            initializer(*initargs)
        return [fn(x) for x in items]
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=context,
                             initializer=initializer, initargs=cast(Any, initargs)) as pool:
        return list(pool.map(fn, items, chunksize=chunksize))


def iter_processes(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None,
                   min_items: int = 2, chunksize: int = 1,
                   initializer: Callable[..., object] | None = None,
                   initargs: tuple[object, ...] = ()) -> Generator[R, None, None]:
    """`map_processes`, yielding each result (in input order) as soon as it is ready, so the
    caller can use the first results while the pool works on the rest. Without a pool each
    item is done when its result is asked for. Closing the generator early cancels the
    items not started yet."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(items) < max(2, min_items):
        if initializer is not None:
            initializer(*initargs)
        for item in items:
            yield fn(item)
        return
    context = multiprocessing.get_context(start_method())
    executor = ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=context,
                                   initializer=initializer, initargs=cast(Any, initargs))
    try:
        yield from executor.map(fn, items, chunksize=chunksize)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


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


_INHERITED: list[Any] = []  # (fn, state) of the running `map_inherited`, for forked workers


def _call_inherited(item: Any) -> Any:
    fn, state = _INHERITED[-1]
    return fn(state, item)


def map_inherited(fn: Callable[[S, T], R], state: S, items: Sequence[T],
                  workers: int | None = None, min_items: int = 2,
                  chunksize: int = 1) -> list[R]:
    """`[fn(state, x) for x in items]`, in a pool of `workers` forked processes that inherit
    `state` from this one (it is never pickled, so it may hold anything: a template
    environment, a loaded cache), when there are at least `min_items` items and the pool
    starts by `fork` (`starts_cheaply`); else in this process. Items and results must be
    picklable; results come back in input order."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(items) < max(2, min_items) or not starts_cheaply():
        return [fn(state, x) for x in items]
    _INHERITED.append((fn, state))  # before the pool forks its workers
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(items)),
                                 mp_context=multiprocessing.get_context("fork")) as executor:
            return list(executor.map(_call_inherited, items, chunksize=chunksize))
    finally:
        _INHERITED.pop()
