"""katalog.parallel: the process pool's workers."""

from __future__ import annotations

import gc

from katalog import parallel


def _threshold(_item: int) -> tuple[int, ...]:
    return gc.get_threshold()


_SEEN: list[int] = []


def _remember(value: int) -> None:
    _SEEN.append(value)


def _seen(_item: int) -> list[int]:
    return list(_SEEN)


def test_workers_collect_garbage_less_often_and_still_run_the_initializer() -> None:
    assert gc.get_threshold() != parallel.GC_THRESHOLD  # this process is left as it is
    assert parallel.map_processes(_threshold, [1, 2], workers=2) == [parallel.GC_THRESHOLD] * 2
    with parallel.pool(2) as run:
        assert run(_threshold, [1, 2]) == [parallel.GC_THRESHOLD] * 2
    results = parallel.map_processes(_seen, [1, 2], workers=2, initializer=_remember,
                                     initargs=(7,))
    assert results == [[7], [7]]
    assert list(parallel.iter_processes(_threshold, [1, 2], workers=2)) == [
        parallel.GC_THRESHOLD] * 2
