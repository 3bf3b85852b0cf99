"""The one place katalog runs work in parallel: a small process pool for pure functions.

`Workers` is the build's pool (used only by `katalog.execute`): started when the first job
needs it, with the jobs known at that moment left in memory for workers forked from this
process to *inherit* (never pickled, so they may hold anything); jobs planned later travel
pickled. `map_processes` maps a pure function over many items (the content cache's parsing
ahead). Results come back in input order, so output never depends on the number of workers.
Workers end with the process that started them, even when it is killed (`kill -9`).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
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
    with no other thread running; else `forkserver` (e.g. under a status spinner that runs a
    thread), else the platform's default."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else None


def starts_cheaply() -> bool:
    """Whether a pool starts in a few milliseconds here (`fork`): worth it for work of well
    under a second, which a `forkserver` pool (new interpreters importing katalog) is not."""
    return start_method() == "fork"


# --- Workers die with their parent -----------------------------------------------------------

def _die_with_parent(parent: int, method: str | None = None) -> None:
    """Pool initializer: end this worker when the process that started it ends, however it
    ends (a killed build must not leave workers waiting forever). A `forkserver` worker is
    the fork server's child, not the build's: it watches the fork server, which ends when
    the build does."""
    if method == "forkserver":
        parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:  # where there is no parent-death signal (and as a second guard)
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="katalog-parent-watch", daemon=True).start()


def _executor(workers: int, method: str | None) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context(method),
                               initializer=_die_with_parent, initargs=(os.getpid(), method))


# --- The build's pool ------------------------------------------------------------------------

_INHERITED: list[Sequence[Any]] = []  # what forked workers inherit (the newest pool's table)


def _run_inherited(fn: Callable[[Any, Any], R], items: Sequence[tuple[int, Any]]) -> list[R]:
    table = _INHERITED[-1]
    return [fn(table[i], extra) for i, extra in items]


class Workers:
    """A pool of `n` worker processes for one build, started by `start` (by `fork` when that
    is safe); `close` ends it. `inherited` says whether the workers hold `start`'s table."""

    def __init__(self, n: int | None = None) -> None:
        self.n = default_workers() if n is None else n
        self._pool: ProcessPoolExecutor | None = None
        self.inherited = False
        self.method: str | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def start(self, table: Sequence[Any] = ()) -> None:
        """Start the workers; when they are forked they inherit `table` (see `submit_inherited`)."""
        if self._pool is not None:
            return
        self.method = start_method()
        self.inherited = self.method == "fork"
        if self.inherited:
            _INHERITED.append(table)
        self._pool = _executor(self.n, self.method)
        if self.inherited:  # fork every worker now, while the table is the one they should see
            for f in [self._pool.submit(os.getpid) for _ in range(self.n)]:
                f.result()

    def submit(self, fn: Callable[..., R], *args: Any) -> "Future[R]":
        assert self._pool is not None, "start() first"
        return self._pool.submit(fn, *args)

    def submit_inherited(self, fn: Callable[[Any, Any], R],
                         items: Sequence[tuple[int, Any]]) -> "Future[list[R]]":
        """`[fn(table[i], extra) for i, extra in items]` in a worker (only when `inherited`);
        `fn` is a module-level function."""
        assert self._pool is not None and self.inherited
        return self._pool.submit(_run_inherited, fn, items)

    def close(self, cancel: bool = False) -> None:
        if self._pool is None:
            return
        self._pool.shutdown(wait=True, cancel_futures=cancel)
        self._pool = None
        if self.inherited:
            _INHERITED.pop()


def map_processes(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None,
                  min_items: int = 2, chunksize: int = 1) -> list[R]:
    """`[fn(x) for x in items]`, in a pool of `workers` processes when there are at least
    `min_items` items (`fn` must be a module-level function of picklable values). While
    the pool works, this process does what `meanwhile` gave it."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(items) < max(2, min_items):
        return [fn(x) for x in items]
    with _executor(min(workers, len(items)), start_method()) as pool:
        results = pool.map(fn, items, chunksize=chunksize)  # handed out (and forked) now
        _do_meanwhile()
        return list(results)


_MEANWHILE: list[Callable[[], object]] = []


@contextmanager
def meanwhile(fn: Callable[[], object]) -> Iterator[None]:
    """Inside the block, `fn` is run in this process once a `map_processes` pool has been
    given its work (after the workers are forked), in the time this process would only
    wait for them; it is not run at all when no pool is used. So `fn` must be work the
    caller needs later anyway and does again, at no cost, if it was done (importing the
    modules the next step needs). A failure is left for that later step to meet."""
    _MEANWHILE.append(fn)
    try:
        yield
    finally:
        if fn in _MEANWHILE:
            _MEANWHILE.remove(fn)


def _do_meanwhile() -> None:
    while _MEANWHILE:
        try:
            _MEANWHILE.pop(0)()
        except Exception:  # noqa: BLE001 - see `meanwhile`
            pass


__all__ = ["MAX_WORKERS", "Workers", "default_workers", "map_processes", "meanwhile",
           "start_method", "starts_cheaply"]
