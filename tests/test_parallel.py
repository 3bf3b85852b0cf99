"""parallel: map_inherited (forked workers that inherit their state)."""

from __future__ import annotations

import os

import pytest

from katalog import parallel


def _tagged(state: dict, item: int) -> tuple[int, int, int]:
    return item, state["double"](item), os.getpid()


def _needs_fork() -> None:
    if not parallel.starts_cheaply():
        pytest.skip("the pool starts by fork only on Linux with one thread running")


def test_map_inherited_runs_in_forked_workers_with_state_not_pickled():
    _needs_fork()
    state = {"double": lambda x: 2 * x}  # a lambda cannot be pickled: it must be inherited
    results = parallel.map_inherited(_tagged, state, range(40), workers=2, chunksize=5)
    assert [(i, d) for i, d, _pid in results] == [(i, 2 * i) for i in range(40)]
    assert os.getpid() not in {pid for _i, _d, pid in results}


@pytest.mark.parametrize("workers, items, min_items", [(1, 40, 2), (2, 3, 10), (2, 1, 2)])
def test_map_inherited_stays_in_this_process_when_a_pool_would_not_pay(workers, items, min_items):
    state = {"double": lambda x: 2 * x}
    results = parallel.map_inherited(_tagged, state, range(items), workers=workers,
                                     min_items=min_items)
    assert results == [(i, 2 * i, os.getpid()) for i in range(items)]


def test_map_inherited_stays_in_this_process_without_fork(monkeypatch):
    monkeypatch.setattr(parallel, "starts_cheaply", lambda: False)
    results = parallel.map_inherited(_tagged, {"double": lambda x: 2 * x}, range(10), workers=2)
    assert {pid for _i, _d, pid in results} == {os.getpid()}


def _fail(_state: None, item: int) -> int:
    if item == 7:
        raise ValueError("item 7")
    return item


def test_map_inherited_passes_a_worker_error_on():
    _needs_fork()
    with pytest.raises(ValueError, match="item 7"):
        parallel.map_inherited(_fail, None, range(20), workers=2)
    assert parallel._INHERITED == []
