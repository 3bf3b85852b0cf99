"""parallel: the build's pool (workers that inherit what they run, and die with their
parent) and map_processes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from katalog import parallel


def _tagged(item: dict, extra: int) -> tuple[int, int]:
    return item["double"](extra), os.getpid()


def _needs_fork() -> None:
    if not parallel.starts_cheaply():
        pytest.skip("the pool starts by fork only on Linux with one thread running")


def _square(x: int) -> int:
    return x * x


def test_forked_workers_inherit_the_table_nothing_is_pickled() -> None:
    _needs_fork()
    table = [{"double": lambda x: 2 * x}]  # a lambda cannot be pickled: it must be inherited
    workers = parallel.Workers(2)
    workers.start(table)
    try:
        assert workers.inherited
        futures = [workers.submit_inherited(_tagged, [(0, i), (0, i + 1)]) for i in range(0, 20, 2)]
        results = [r for f in futures for r in f.result()]
        assert [d for d, _pid in results] == [2 * i for i in range(20)]
        assert {pid for _d, pid in results} - {os.getpid()}  # in other processes
        assert workers.submit(_square, 7).result() == 49  # later work travels pickled
    finally:
        workers.close()
    assert not workers.started and parallel._INHERITED == []


def test_map_processes_keeps_the_order() -> None:
    assert parallel.map_processes(_square, list(range(30)), workers=2, chunksize=4) == [
        i * i for i in range(30)]
    assert parallel.map_processes(_square, [3], workers=2) == [9]  # one item: no pool


def _slow_square(x: int) -> int:
    time.sleep(0.05)
    return x * x


def test_meanwhile_runs_once_while_the_pool_works() -> None:
    """What `meanwhile` gives is done in this process after the work is handed out, before
    the results are taken (the pool is still at work), once; a failure there changes
    nothing; outside the block nothing is left to do."""
    _needs_fork()
    seen: list[tuple[str, int]] = []
    pool_pids: set[int] = set()

    def note() -> None:
        seen.append(("meanwhile", os.getpid()))
        pool_pids.update(p.pid for p in multiprocessing.active_children())

    def broken() -> None:
        raise RuntimeError("fejl")

    with parallel.meanwhile(broken), parallel.meanwhile(note):
        assert parallel.map_processes(_slow_square, list(range(8)), 2) == [x * x for x in range(8)]
        assert parallel.map_processes(_square, list(range(8)), 2) == [x * x for x in range(8)]
    assert seen == [("meanwhile", os.getpid())]
    assert len(pool_pids) >= 2  # the workers were running while it was done
    assert parallel._MEANWHILE == []


def test_meanwhile_is_not_run_without_a_pool() -> None:
    seen: list[int] = []
    with parallel.meanwhile(lambda: seen.append(1)):
        assert parallel.map_processes(_square, [1, 2, 3], 1) == [1, 4, 9]  # one worker: here
    assert seen == [] and parallel._MEANWHILE == []


def test_workers_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KATALOG_WORKERS", "1")
    assert parallel.default_workers() == 1
    monkeypatch.setenv("KATALOG_WORKERS", "x")
    assert 1 <= parallel.default_workers() <= parallel.MAX_WORKERS


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state  # a zombie has ended


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """Issue 18: `kill -9` of a build left pool workers waiting forever."""
    script = (
        "import os, sys, time\n"
        "from katalog import parallel\n"
        "w = parallel.Workers(2)\n"
        "w.start()\n"
        "pids = {w.submit(os.getpid).result() for _ in range(20)}\n"
        "print(' '.join(map(str, sorted(pids))), flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert pids and all(_alive(p) for p in pids)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_a_pool_of_new_interpreters_works(method: str) -> None:
    """A build that cannot fork (another thread runs: `katalog serve`, a status thread)
    starts a fork server: its workers are the server's children and must not take that for
    their build having died (they did, and every such build failed)."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    with parallel._executor(2, method) as pool:
        assert list(pool.map(abs, [-1, -2, -3])) == [1, 2, 3]
