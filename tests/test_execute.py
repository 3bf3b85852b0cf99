"""execute: the one executor. Jobs run once, deps first; only this process writes files;
the store spares jobs whose key it holds (and their deps); keys cover the deps; a job can
ask for its previous output; continuations plan the next stage; nothing leaves the folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from katalog import parallel
from katalog.cache import Store
from katalog.execute import execute
from katalog.render.plan import (
    Artifact,
    Inputs,
    Job,
    Notice,
    Plan,
    Then,
    Where,
    bundle,
    constant,
)

CALLS: list[str] = []


def text(value: str) -> bytes:
    CALLS.append(value)
    return value.encode()


def joined(sep: str, inputs: Inputs) -> bytes:
    CALLS.append("joined")
    return sep.encode().join(inputs)


def pid() -> bytes:
    return str(os.getpid()).encode()


def remembered(inputs: Inputs) -> bytes:
    prev = inputs.previous
    return b"first" if prev is None else b"after " + prev.output + b" " + str(
        [a == b for a, b in zip(prev.keys, inputs.keys)]).encode()


def failing() -> bytes:
    raise RuntimeError("kaput")


def not_bytes() -> bytes:
    return "tekst"  # type: ignore[return-value]


@pytest.fixture(autouse=True)
def _clear() -> None:
    CALLS.clear()


def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache", b"k" * 32)


def test_jobs_run_once_deps_first_and_files_are_written(tmp_path: Path) -> None:
    a = Job(text, ("a",), label="a")
    b = Job(text, ("b",), label="b")
    ab = Job(joined, ("+",), deps=(a, b), label="ab")
    plan = Plan((Artifact("x/ab.txt", ab), Artifact("a.txt", a),
                 Artifact("parts/2.txt", Job(constant(bundle([b"p0", b"p1", b"p2"])).fn,
                                             (bundle([b"p0", b"p1", b"p2"]),)), part=2)))
    outcome = execute({"demo": plan}, tmp_path / "out", workers=1)
    assert (tmp_path / "out/x/ab.txt").read_bytes() == b"a+b"
    assert (tmp_path / "out/a.txt").read_bytes() == b"a"
    assert (tmp_path / "out/parts/2.txt").read_bytes() == b"p2"
    assert CALLS == ["a", "b", "joined"] and outcome.reused == []
    assert sorted(outcome.written) == ["a.txt", "parts/2.txt", "x/ab.txt"]


def test_the_store_spares_jobs_and_their_deps_and_keys_cover_the_deps(tmp_path: Path) -> None:
    def plan(b_key: str) -> dict[str, Plan]:
        a = Job(text, ("a",), key="a", label="a")
        b = Job(text, (b_key,), key=b_key, label="b")
        return {"demo": Plan((Artifact("ab", Job(joined, ("+",), key="j", deps=(a, b),
                                                 label="ab")),))}

    execute(plan("b"), tmp_path / "1", store(tmp_path), workers=1)
    assert CALLS == ["a", "b", "joined"]
    CALLS.clear()
    again = execute(plan("b"), tmp_path / "2", store(tmp_path), workers=1)
    assert CALLS == [] and again.reused == ["ab"]  # its deps were not even looked at
    assert (tmp_path / "2/ab").read_bytes() == b"a+b"
    CALLS.clear()
    changed = execute(plan("c"), tmp_path / "3", store(tmp_path), workers=1)
    assert CALLS == ["c", "joined"] and changed.reused == ["a"]
    assert (tmp_path / "3/ab").read_bytes() == b"a+c"


def test_without_key_material_a_job_is_never_cached(tmp_path: Path) -> None:
    job = {"demo": Plan((Artifact("a", Job(text, ("a",))),))}
    execute(job, tmp_path / "1", store(tmp_path), workers=1)
    execute(job, tmp_path / "2", store(tmp_path), workers=1)
    assert CALLS == ["a", "a"]


def test_a_job_gets_its_previous_output_when_it_asks(tmp_path: Path) -> None:
    def plan(b_key: str) -> dict[str, Plan]:
        a = Job(text, ("a",), key="a")
        b = Job(text, (b_key,), key=b_key)
        return {"demo": Plan((Artifact("r", Job(remembered, key="r", deps=(a, b),
                                                previous="r")),))}

    execute(plan("b"), tmp_path / "1", store(tmp_path), workers=1)
    assert (tmp_path / "1/r").read_bytes() == b"first"
    execute(plan("c"), tmp_path / "2", store(tmp_path), workers=1)
    assert (tmp_path / "2/r").read_bytes() == b"after first [True, False]"
    execute(plan("c"), tmp_path / "3", workers=1)  # no store: nothing to remember
    assert (tmp_path / "3/r").read_bytes() == b"first"


def test_a_job_without_a_key_gets_its_previous_output_too(tmp_path: Path) -> None:
    def plan(b_key: str) -> dict[str, Plan]:
        a = Job(text, ("a",), key="a")
        b = Job(text, (b_key,), key=b_key)
        return {"demo": Plan((Artifact("r", Job(remembered, deps=(a, b), previous="r")),))}

    execute(plan("b"), tmp_path / "1", store(tmp_path), workers=1)
    assert (tmp_path / "1/r").read_bytes() == b"first"
    execute(plan("c"), tmp_path / "2", store(tmp_path), workers=1)  # made again: no key
    assert (tmp_path / "2/r").read_bytes() == b"after first [True, False]"
    execute(plan("c"), tmp_path / "3", store(tmp_path), workers=1)
    assert (tmp_path / "3/r").read_bytes() == b"after after first [True, False] [True, True]"
    execute(plan("c"), tmp_path / "4", workers=1)  # no store: nothing to remember
    assert (tmp_path / "4/r").read_bytes() == b"first"


def test_continuations_plan_the_next_stage(tmp_path: Path) -> None:
    first = Job(text, ("3",), label="first")

    def next_stage(outputs: list[bytes]) -> Plan:
        n = int(outputs[0])
        parts = [Job(text, (str(i),)) for i in range(n)]
        return Plan((Artifact("sum", Job(joined, (",",), deps=(first, *parts))),),
                    notices=(Notice("demo", f"{n} dele", "x"),))

    outcome = execute({"demo": Plan(then=Then((first,), next_stage))}, tmp_path / "o",
                      workers=1)
    assert (tmp_path / "o/sum").read_bytes() == b"3,0,1,2"
    assert CALLS.count("3") == 1  # the first stage's job is not made again
    assert outcome.notices == [Notice("demo", "3 dele", "x")]


def test_pool_jobs_run_in_workers_and_this_process_writes(tmp_path: Path) -> None:
    if not parallel.starts_cheaply():
        pytest.skip("a forked pool needs Linux with one thread running")
    jobs = [Job(pid, label=f"p{i}", where=Where.POOL) for i in range(4)]
    outcome = execute({"demo": Plan(tuple(Artifact(f"{i}.txt", j) for i, j in enumerate(jobs)))},
                      tmp_path / "o", workers=2)
    pids = {(tmp_path / f"o/{i}.txt").read_text() for i in range(4)}
    assert str(os.getpid()) not in pids and len(outcome.written) == 4


def test_forked_jobs_without_fork_run_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "start_method", lambda: "forkserver")
    jobs = [Job(pid, where=Where.FORK) for _ in range(8)]
    execute({"demo": Plan(tuple(Artifact(f"{i}", j) for i, j in enumerate(jobs)))},
            tmp_path / "o", workers=2)
    assert {(tmp_path / f"o/{i}").read_text() for i in range(8)} == {str(os.getpid())}


class Unpicklable:
    """An argument or key that cannot travel to a worker (a Jinja environment, say)."""

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("must not be pickled")


def unpicklable_text(_obj: Unpicklable, value: str) -> bytes:
    return value.encode()


def started(name: str, seconds: float, inputs: Inputs | None = None) -> bytes:
    """When this job started (a clock all processes share), after `seconds` of work, with
    its inputs' lines."""
    start = time.monotonic_ns()
    time.sleep(seconds)
    return b"\n".join([f"{name} {start}".encode(), *(inputs or ())])


def test_the_pool_takes_what_is_awaited_and_what_others_wait_for_first(
        tmp_path: Path) -> None:
    """Two workers. This process awaits `W`; the next stage is planned from `P1`, `P2` and
    `O`, which waits for the chart `C`: `W` and `C` start first, though `C` is planned last
    (else `O` would wait for a worker to finish a part)."""
    if not parallel.starts_cheaply():
        pytest.skip("a forked pool needs Linux with one thread running")
    chart = Job(started, ("C", 0.1), where=Where.POOL)
    awaited = Job(started, ("W", 0.1), where=Where.POOL)
    here = Job(joined, ("|",), deps=(awaited,), label="H")
    parts = [Job(started, (f"P{i}", 0.3), where=Where.POOL) for i in range(1, 4)]
    overview = Job(started, ("O", 0.1), deps=(chart,), where=Where.POOL)

    def next_stage(outputs: list[bytes]) -> Plan:
        return Plan((Artifact("stage2", constant(b"\n".join(outputs))),))

    plan = Plan((Artifact("h", here),), then=Then((*parts, overview), next_stage))
    execute({"demo": plan}, tmp_path / "o", workers=2)
    starts = dict(line.split() for line in
                  (tmp_path / "o/stage2").read_text().splitlines()
                  + [(tmp_path / "o/h").read_text()])
    order = sorted(starts, key=lambda name: int(starts[name]))
    assert set(order[:2]) == {"C", "W"}, order


def test_a_pickled_job_travels_without_its_key_and_deps(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool of new interpreters gets each job pickled: its function, arguments and inputs,
    not its key material nor its deps (whose arguments may not pickle, and may be large: the
    PDF catalogue's job depends on every part's)."""
    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    dep = Job(unpicklable_text, (Unpicklable(), "a"))
    jobs = [Job(joined, ("+",), key=Unpicklable(), deps=(dep, dep), where=Where.POOL)
            for _ in range(6)]
    execute({"demo": Plan(tuple(Artifact(f"{i}", j) for i, j in enumerate(jobs)))},
            tmp_path / "o", workers=2)
    assert {(tmp_path / f"o/{i}").read_text() for i in range(6)} == {"a+a"}


@pytest.mark.parametrize("path", ["../x", "/etc/x", "a/../../x", "", ".", "a//b", "a\\b"])
def test_a_path_outside_the_folder_is_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(ValueError, match="uden for uddatamappen"):
        execute({"demo": Plan((Artifact(path, Job(text, ("x",))),))}, tmp_path / "o", workers=1)
    assert CALLS == [] and not (tmp_path / "x").exists()


def test_a_failing_job_or_one_without_bytes_stops_the_run(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="kaput"):
        execute({"demo": Plan((Artifact("a", Job(failing, where=Where.POOL)),
                               Artifact("b", Job(failing, where=Where.POOL)),
                               Artifact("c", Job(text, ("c",)))))}, tmp_path / "o", workers=2)
    with pytest.raises(TypeError, match="not bytes"):
        execute({"demo": Plan((Artifact("a", Job(not_bytes)),))}, tmp_path / "p", workers=1)


def test_prune_keeps_what_this_renderer_used(tmp_path: Path) -> None:
    execute({"demo": Plan((Artifact("a", Job(text, ("a",), key="a")),)),
             "other": Plan((Artifact("o", Job(text, ("o",), key="o")),))},
            tmp_path / "1", store(tmp_path), workers=1)
    execute({"demo": Plan((Artifact("b", Job(text, ("b",), key="b")),))},
            tmp_path / "2", store(tmp_path), workers=1)
    CALLS.clear()
    again = execute({"demo": Plan((Artifact("a", Job(text, ("a",), key="a", label="a")),)),
                     "other": Plan((Artifact("o", Job(text, ("o",), key="o", label="o")),))},
                    tmp_path / "3", store(tmp_path), workers=1)
    assert CALLS == ["a"] and again.reused == ["o"]  # "a" was pruned, "other" kept its own


def test_a_write_that_fails_stops_the_run_and_leaves_no_thread(tmp_path: Path) -> None:
    import threading

    before = threading.active_count()
    with pytest.raises(OSError):  # "a" is a file, so "a/b" has no folder to go in
        execute({"demo": Plan((Artifact("a", Job(text, ("a",))),
                               Artifact("a/b", Job(text, ("b",)))))}, tmp_path / "o", workers=1)
    assert threading.active_count() == before


def test_the_pool_forks_with_no_write_under_way(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Files and cache records are written on a thread of their own; it is stopped before
    the workers are forked (a fork copies one thread: a write must not be half done)."""
    import threading

    if not parallel.starts_cheaply():
        pytest.skip("a forked pool needs Linux with one thread running")
    seen: list[int] = []
    start = parallel.Workers.start

    def counting(self: parallel.Workers, table: object = ()) -> None:
        seen.append(threading.active_count())
        start(self, table)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel.Workers, "start", counting)
    cached = [Artifact(f"c{i}", Job(text, (f"c{i}",), key=f"c{i}")) for i in range(50)]
    execute({"demo": Plan(tuple(cached))}, tmp_path / "1", store(tmp_path), workers=1)
    pooled = [Artifact(f"p{i}", Job(pid, label=f"p{i}", where=Where.POOL)) for i in range(4)]
    outcome = execute({"demo": Plan(tuple(cached + pooled))}, tmp_path / "2", store(tmp_path),
                      workers=2)  # the 50 kept files are written once the pool has forked
    assert seen == [1]
    assert len(outcome.reused) == 50 and len(outcome.written) == 54
    assert {(tmp_path / f"2/c{i}").read_text() for i in range(50)} == {f"c{i}" for i in range(50)}
    assert str(os.getpid()) not in {(tmp_path / f"2/p{i}").read_text() for i in range(4)}


def test_a_later_job_does_not_queue_ahead_of_one_waiting_for_its_deps(
        tmp_path: Path) -> None:
    """The next stage needs `P1`, `P2` and `O` (which waits for the chart `C`); `X` is
    needed by nobody and ready at once. `X` is held back rather than queued ahead of `O`:
    `O` starts as soon as a worker is free after `C`, and `X` is made by this process (idle
    meanwhile) or after `O` has started."""
    if not parallel.starts_cheaply():
        pytest.skip("a forked pool needs Linux with one thread running")
    chart = Job(started, ("C", 0.1), where=Where.POOL)
    parts = [Job(started, ("P1", 1.0), where=Where.POOL),
             Job(started, ("P2", 0.3), where=Where.POOL)]
    overview = Job(started, ("O", 0.1), deps=(chart,), where=Where.POOL)
    rest = Job(started_by, ("X", 0.1), where=Where.POOL)

    def next_stage(outputs: list[bytes]) -> Plan:
        return Plan((Artifact("stage2", constant(b"\n".join(outputs))),))

    plan = Plan((Artifact("x", rest),), then=Then((*parts, overview), next_stage))
    execute({"demo": plan}, tmp_path / "o", workers=2)
    starts = dict(line.split() for line in (tmp_path / "o/stage2").read_text().splitlines())
    x_start, x_pid = (tmp_path / "o/x").read_text().split()[1:]
    assert x_pid == str(os.getpid()) or int(x_start) > int(starts["O"])
    assert int(starts["O"]) < int(starts["P1"]) + 900_000_000  # not after the long part


def started_by(name: str, seconds: float) -> bytes:
    return started(name, seconds) + f" {os.getpid()}".encode()


def test_a_first_build_starts_the_pool_before_working_out_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing stored for a renderer no lookup can find a job, so the workers start
    before the keys are worked out (they are still stored under the same keys: the next
    build finds every job)."""
    from katalog import execute as execute_module

    if not parallel.starts_cheaply():
        pytest.skip("a forked pool needs Linux with one thread running")
    events: list[str] = []
    start, key = parallel.Workers.start, execute_module._Run._key

    def starting(self: parallel.Workers, table: object = ()) -> None:
        events.append("start")
        start(self, table)  # type: ignore[arg-type]

    def keying(self: object, job: Job) -> str | None:
        events.append("key")
        return key(self, job)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel.Workers, "start", starting)
    monkeypatch.setattr(execute_module._Run, "_key", keying)

    def plan() -> Plan:
        return Plan(tuple(Artifact(f"p{i}", Job(text, (f"p{i}",), key=f"p{i}", where=Where.POOL))
                          for i in range(6)))

    first = execute({"demo": plan()}, tmp_path / "1", store(tmp_path), workers=2)
    assert events[0] == "start" and events.count("key") == 6 and len(first.ran) == 6
    events.clear()
    second = execute({"demo": plan()}, tmp_path / "2", store(tmp_path), workers=2)
    assert events == ["key"] * 6 and len(second.reused) == 6 and not second.ran
    assert [(tmp_path / f"2/p{i}").read_text() for i in range(6)] == [f"p{i}" for i in range(6)]


def test_a_job_nobody_waits_for_is_made_here_while_the_workers_are_busy(
        tmp_path: Path) -> None:
    """The workers lay out the next stage's long parts; the workbook-like job `X` (needed by
    nobody) is not queued behind them but made by this process, which is idle."""
    if not parallel.starts_cheaply():
        pytest.skip("a forked pool needs Linux with one thread running")
    parts = [Job(started_by, (f"P{i}", 0.6), where=Where.POOL) for i in range(2)]
    rest = Job(started_by, ("X", 0.0), where=Where.POOL)

    def next_stage(outputs: list[bytes]) -> Plan:
        return Plan((Artifact("stage2", constant(b"\n".join(outputs))),))

    execute({"demo": Plan((Artifact("x", rest),), then=Then(tuple(parts), next_stage))},
            tmp_path / "o", workers=2)
    assert (tmp_path / "o/x").read_text().split()[2] == str(os.getpid())
    part_pids = [line.split()[2] for line in (tmp_path / "o/stage2").read_text().splitlines()]
    assert str(os.getpid()) not in part_pids


def test_batched_jobs_keep_their_place_in_the_pool_order(tmp_path: Path) -> None:
    """Many small forked jobs (the site's pages) go to the workers in batches; the last,
    smaller batch keeps its place in the pool's order (ahead of the next stage's long
    parts) instead of waiting behind them, as did the whole-catalogue page that needed it."""
    if not parallel.starts_cheaply():
        pytest.skip("a forked pool needs Linux with one thread running")
    pages = [Job(started, (f"F{i}", 0.0), where=Where.FORK) for i in range(41)]
    here = Job(joined, ("\n",), deps=tuple(pages), label="H")
    parts = [Job(started, (f"P{i}", 0.4), where=Where.POOL) for i in range(4)]

    def next_stage(outputs: list[bytes]) -> Plan:
        return Plan((Artifact("stage2", constant(b"\n".join(outputs))),))

    execute({"demo": Plan((Artifact("h", here),), then=Then(tuple(parts), next_stage))},
            tmp_path / "o", workers=2)
    page_starts = [int(line.split()[1]) for line in (tmp_path / "o/h").read_text().splitlines()]
    part_starts = [int(line.split()[1])
                   for line in (tmp_path / "o/stage2").read_text().splitlines()]
    assert len(page_starts) == 41
    assert max(page_starts) < min(part_starts) + 200_000_000  # not behind a 0.4 s part


WARMED: list[int] = []


def warm_up() -> None:
    WARMED.append(os.getpid())


def warmed(name: str) -> bytes:
    return f"{name} {len(WARMED)} {os.getpid()}".encode()


def test_a_warm_up_runs_once_here_before_the_pool_forks(tmp_path: Path) -> None:
    """Jobs that name a warm-up (importing WeasyPrint) get it done once in this process
    before the workers are forked, so each worker inherits it instead of doing it again."""
    if not parallel.starts_cheaply():
        pytest.skip("a forked pool needs Linux with one thread running")
    WARMED.clear()
    jobs = [Job(warmed, (f"J{i}",), where=Where.POOL, warm=warm_up) for i in range(4)]
    execute({"demo": Plan(tuple(Artifact(f"j{i}", j) for i, j in enumerate(jobs)))},
            tmp_path / "o", workers=2)
    assert WARMED == [os.getpid()]
    made = [(tmp_path / f"o/j{i}").read_text().split() for i in range(4)]
    assert {count for _, count, _ in made} == {"1"}  # inherited, not done again
    assert str(os.getpid()) not in {pid for _, _, pid in made}
    WARMED.clear()


def test_this_process_makes_what_is_ready_before_what_waits_for_the_pool(
        tmp_path: Path) -> None:
    """`A` (planned first) waits for a slow pool job; `B` needs nothing. This process makes
    `B` while the worker makes `A`'s input, instead of waiting for it first (the site's
    front page waits for the chart; the theme pages need nothing)."""
    if not parallel.starts_cheaply():
        pytest.skip("a forked pool needs Linux with one thread running")
    slow = Job(started, ("S", 0.4), where=Where.POOL)
    other = Job(started, ("T", 0.0), where=Where.POOL)  # a pool is started from two jobs
    first = Job(joined, ("|",), deps=(slow,), label="A")
    ready = Job(started_by, ("B", 0.0), label="B")
    execute({"demo": Plan((Artifact("a", first), Artifact("b", ready), Artifact("t", other)))},
            tmp_path / "o", workers=2)
    slow_start = int((tmp_path / "o/a").read_text().split()[1])
    b_start = int((tmp_path / "o/b").read_text().split()[1])
    assert b_start < slow_start + 300_000_000  # not after the 0.4 s job
