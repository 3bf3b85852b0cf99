"""Running the renderers' plans: the one place with the cache, the process pool and writes.

`execute(plans, out, store)` makes every artifact of every plan into the folder `out` (a
fresh folder `build.py` swaps into place afterwards):

1. **Keys.** A job's key is the `fingerprint` of katalog's code, its function's name, its key
   material and its deps' keys; a job without key material (or with a dep without a key) is
   never cached.
2. **Cache.** A job whose key the store holds is not run (nor are its deps, unless something
   else needs them); every job made now is stored under its key. A job with `previous` gets
   the output it made last time and the deps' keys it was made from (`Inputs.previous`);
   a job without a key that asks for it has its last output kept under its name, so it can
   tell whether its inputs are the same as last time (the Word contents' page numbers).
3. **Pool.** Jobs that may run in a worker (`Where.POOL`, `Where.FORK`) go to
   `parallel.Workers` when there are enough of them; the jobs known when the pool starts are
   inherited by its forked workers, later ones are pickled (their function, arguments and
   inputs only); a job's `warm` (importing WeasyPrint) is run here once before the fork, so
   the workers inherit it. Workers return bytes; only this process writes files (on one
   thread of its own, `_Writer`, so the pool's results are taken while the disk is busy; it
   is stopped before the pool forks). The others run here: first those whose inputs are
   made, then in plan order, each dep's output awaited when the job first asks for it (so
   the Word catalogue is written while the pool makes the attachments it needs). The pool's queue holds first what this process waits for, then
   what the next stage is planned from (the PDF's parts), then the rest, each with the jobs
   other jobs wait for first (the chart before the overview's part). While every worker has
   a job, a job nobody waits for (the workbook), or one that would queue ahead of an
   earlier rank's job still waiting for its deps, is held back (the former only in a stage
   with a next one): this process makes it when it has nothing else to do, or it is sent
   when a worker would otherwise be idle.
4. **Stages.** When a plan's `then.needs` are made, `then.fn` is called here with their
   outputs and its plan runs next (the PDF's front matter once the parts' page counts are
   known).
5. **Prune.** After the last stage, each renderer's cache namespace keeps only what this
   build used. Each renderer's small outputs (HTML pages, most PDF parts) are kept in packs
   (`Store.pack_small`), written at the prune (or when the build fails).
"""

from __future__ import annotations

import json
import os
import posixpath
import queue
import threading
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from . import parallel
from .cache import Store
from .fingerprint import Memo, code_fingerprint, fingerprint
from .render.plan import Artifact, Inputs, Job, Notice, Plan, Previous, Where, piece

POOL_MIN_FORKED = 2  # a forked pool pays from two jobs on
POOL_MIN_STARTED = 6  # a pool of new interpreters (forkserver) from six
# the pool's ranks (`_Run._ranks`; each + 1 for a job no other pool job waits for)
_AWAITED, _NEXT_STAGE, _REST = 0, 2, 4


@dataclass
class Outcome:
    """What a run did: files written (relative paths, in order), labels of the jobs made now
    and of those taken from the cache, and the plans' notices."""

    written: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def execute(plans: Mapping[str, Plan], out: Path, store: Store | None = None,
            workers: int | None = None, progress: Callable[[str], None] | None = None
            ) -> Outcome:
    """Make every artifact of `plans` (renderer name → plan) in `out`; see the module."""
    run = _Run(Path(out), store or Store(None), parallel.Workers(workers), progress)
    for name in plans:
        run.store.pack_small(name)
    try:
        run.stages(plans)
        run.writer.stop()
    except BaseException:
        run.writer.stop(raising=False)  # nothing is written after the build has failed
        run.workers.close(cancel=True)
        run.store.flush()  # what was made stays made
        raise
    run.workers.close()
    return run.outcome


class _Writer:
    """Runs the writes of a run (output files, cache records) in order on one thread: the
    disk's time (about half a millisecond a file on some virtual machines) overlaps with
    taking the pool's results and rendering. `stop` waits for every write and raises the
    first error; a later `submit` starts a new thread."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[..., None], tuple[Any, ...]] | None] = (
            queue.SimpleQueue())
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="katalog-writer")
            self._thread.start()
        self._queue.put((fn, args))

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            fn, args = item
            if self._error is None:  # after a failure the rest is dropped
                try:
                    fn(*args)
                except BaseException as exc:  # noqa: BLE001 - raised by stop()
                    self._error = exc

    def stop(self, raising: bool = True) -> None:
        """Finish every write and end the thread (before a fork: see `parallel`)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        error, self._error = self._error, None
        if error is not None and raising:
            raise error


def _run_in_worker(job: Job, inputs: Inputs | None) -> bytes:
    return job.run(inputs)


def _call_in_worker(fn: Callable[..., bytes], args: tuple[Any, ...], takes_inputs: bool,
                    inputs: Inputs | None) -> bytes:
    """A job sent pickled: only its function, arguments and inputs travel (not its key
    material, nor its deps with their arguments: the PDF catalogue's job depends on every
    part's job)."""
    if takes_inputs:
        return fn(*args, inputs if inputs is not None else Inputs([]))
    return fn(*args)


def _safe_path(rel: str) -> str:
    norm = posixpath.normpath(rel)
    if (not rel or rel != norm or norm.startswith(("/", "../")) or norm in (".", "..")
            or "\\" in rel or "\0" in rel):
        raise ValueError(f"en fil uden for uddatamappen: {rel!r}")
    return norm


class _Run:
    def __init__(self, out: Path, store: Store, workers: parallel.Workers,
                 progress: Callable[[str], None] | None) -> None:
        self.out = out
        self.store = store
        self.workers = workers
        self.say = progress or (lambda _msg: None)
        self.outcome = Outcome()
        self.outputs: dict[Job, bytes] = {}
        self.keys: dict[Job, str | None] = {}
        self.space: dict[Job, str] = {}  # the cache namespace (renderer) of each job
        self.used: dict[str, set[str]] = {}
        self.files: dict[Job, list[Artifact]] = {}
        self.running: dict[Future[Any], list[Job]] = {}
        self.pending: list[Job] = []  # pool jobs waiting for their deps
        self.table: dict[Job, int] = {}  # jobs the pool's forked workers inherited
        self.rank: dict[Job, int] = {}  # the pool's order (see `_ranks`)
        self.next_needs: set[Job] = set()  # what the next stage is planned from, with deps
        # jobs of a renderer with nothing stored (a first build): no lookup can find them,
        # so their keys are worked out after the pool has started (deps first, in order)
        self.unkeyed: dict[Job, None] = {}
        self._dirs: set[Path] = set()
        self._code = code_fingerprint() if store.enabled else ""
        self.writer = _Writer()
        # one memo for the whole run: model objects shared by many jobs' key material (a
        # proposal in its Word chunk's key and the catalogue's) are walked once
        self._memo: Memo = {}

    # -- stages --

    def stages(self, plans: Mapping[str, Plan]) -> None:
        stage = list(plans.items())
        while stage:
            self.make(stage)
            following = []
            for name, plan in stage:
                self.outcome.notices.extend(plan.notices)
                if plan.then is not None:
                    outputs = [self.outputs[j] for j in plan.then.needs]
                    following.append((name, plan.then.fn(outputs)))
            stage = following
        self.writer.stop()
        for name in plans:
            self.store.prune(name, self.used.get(name, ()), temporaries=False)
        self.store.remove_stale_temporaries()  # one look through the whole cache

    def make(self, stage: Sequence[tuple[str, Plan]]) -> None:
        targets: list[Job] = []
        for name, plan in stage:
            for a in plan.artifacts:
                _safe_path(a.path)
                self.files.setdefault(a.job, []).append(a)
            jobs = [a.job for a in plan.artifacts] + list(plan.then.needs if plan.then else ())
            first = bool(self._code) and not self.store.holds(name)  # nothing to look up
            for job in _closure(jobs):
                self.space.setdefault(job, name)
                if job in self.keys or job in self.unkeyed:
                    continue
                if first and self.space[job] == name:
                    self.unkeyed[job] = None  # keyed once the pool has started
                else:
                    self._keyed(job)
            targets.extend(jobs)
        self.next_needs = set(_closure(j for _, plan in stage if plan.then
                                       for j in plan.then.needs))
        todo: list[Job] = []
        queued: set[Job] = set()
        for job in targets:
            self._need(job, todo, queued)
        if todo:  # fork before writing the files of what was found: a fork waits for writes
            self._start_pool(todo)
        for job in list(self.files):
            if job in self.outputs:
                self._write_files(job)
        self._run(todo)
        for job in list(self.unkeyed):  # nothing was run
            self._keyed(job)

    # -- keys and the cache --

    def _keyed(self, job: Job) -> str | None:
        """The key of `job` (and of its deps, when not yet worked out), noted for the
        prune."""
        if job not in self.keys:
            for dep in job.deps:
                self._keyed(dep)
            self.unkeyed.pop(job, None)
            key = self.keys[job] = self._key(job)
            if key is not None:  # kept at the prune, even when not looked up
                self.used.setdefault(self.space[job], set()).add(key)
        return self.keys[job]

    def _key(self, job: Job) -> str | None:
        if not self._code or job.key is None:
            return None
        deps = [self.keys[d] for d in job.deps]
        if any(k is None for k in deps):
            return None
        fn = f"{job.fn.__module__}.{job.fn.__qualname__}"
        return fingerprint(self._code, fn, job.key, deps, job.previous, memo=self._memo)

    def _need(self, job: Job, todo: list[Job], queued: set[Job]) -> None:
        """Queue `job` (after its deps) unless its output is known or cached."""
        if job in self.outputs or job in queued:
            return
        key = self.keys.get(job)  # none yet: its renderer has nothing stored
        if key is not None:
            space = self.space[job]
            hit = self.store.get(space, key)
            if hit is not None:
                self.outputs[job] = hit
                self.outcome.reused.append(job.label)
                if job.previous:
                    self._remember(job)
                return
        for dep in job.deps:
            self._need(dep, todo, queued)
        todo.append(job)
        queued.add(job)

    def _previous(self, job: Job) -> Previous | None:
        """What the job made last time (a keyed job: the entry under its key then; a job
        without a key: its output kept under its name) and its deps' keys then."""
        if not job.previous:
            return None
        key = self._keyed(job)
        space = self.space[job]
        raw = self.store.get(space, _latest(job.previous))
        try:
            record = json.loads(raw) if raw is not None else None
            if not record or (key is None) != (record["key"] is None):
                return None
            where = _kept(job.previous) if key is None else str(record["key"])
            old = self.store.get(space, where)
            return Previous(old, tuple(record["deps"])) if old is not None else None
        except (ValueError, KeyError, TypeError):
            return None

    def _remember(self, job: Job, output: bytes | None = None) -> None:
        """Note what `job` made now for its next build: its key and deps' keys; a job without
        a key (`output` given) keeps its output under its name, overwritten each time."""
        space, name = self.space[job], _latest(job.previous)
        record = {"key": self._keyed(job), "deps": [self._keyed(d) for d in job.deps]}
        self.writer.submit(self.store.put, space, name, json.dumps(record).encode("utf-8"))
        self.used.setdefault(space, set()).add(name)
        if output is not None:
            self.writer.submit(self.store.put, space, _kept(job.previous), output)
            self.used[space].add(_kept(job.previous))

    # -- running --

    def _run(self, todo: list[Job]) -> None:
        if not todo:
            return
        self.say(f"Laver {len(todo)} dele")
        self._start_pool(todo)
        pool = [j for j in todo if self._in_pool(j)]
        self.rank = self._ranks(todo, pool)
        pool.sort(key=self.rank.__getitem__)
        self.pending = pool
        self._submit_ready()
        for job in list(self.unkeyed):  # while the workers start on the jobs
            self._keyed(job)
        here = [j for j in todo if not self._in_pool(j)]
        while here:  # what can be made at once first; then, in order, what waits for the pool
            job = next((j for j in here if self._deps_made(j)), here[0])
            here.remove(job)
            self._make_here(job)
        while self.pending or self.running:
            if not self._make_held():
                self._pump()

    def _ranks(self, todo: list[Job], pool: list[Job]) -> dict[Job, int]:
        """The pool's order: what this process's jobs wait for (and their deps), then what
        the next stage is planned from, then the rest; within each, first the jobs that
        other pool jobs wait for (the chart before the overview's part)."""
        here_deps = set(_closure(d for j in todo if not self._in_pool(j) for d in j.deps))
        pool_deps = {d for j in pool for d in j.deps}
        return {j: (_AWAITED if j in here_deps else _NEXT_STAGE if j in self.next_needs
                    else _REST) + (j not in pool_deps) for j in pool}

    def _in_pool(self, job: Job) -> bool:
        if job.where is Where.HERE or not self.workers.started:
            return False
        return job.where is Where.POOL or job in self.table

    def _start_pool(self, todo: list[Job]) -> None:
        """Start the pool when enough jobs of this stage may use it (a forked pool inherits
        them; a pool of new interpreters takes only `Where.POOL` jobs, pickled)."""
        if self.workers.started or self.workers.n <= 1:
            return
        self.writer.stop()  # a fork copies only this thread: no write may be half done
        forks = parallel.starts_cheaply()
        movable = [j for j in todo if j.where is Where.POOL or (j.where is Where.FORK and forks)]
        if len(movable) < (POOL_MIN_FORKED if forks else POOL_MIN_STARTED):
            return
        self.table = {job: i for i, job in enumerate(movable)}
        if forks:  # what the workers should inherit rather than each do again
            for warm in dict.fromkeys(j.warm for j in movable if j.warm is not None):
                warm()
        self.workers.start(list(self.table))
        if not self.workers.inherited:
            self.table = {}

    def _inputs(self, job: Job, lazy: bool) -> Inputs | None:
        if not job.takes_inputs:
            return None
        keys = [self._keyed(d) for d in job.deps]
        previous = self._previous(job)
        if lazy:
            return Inputs(lambda i: self._await(job.deps[i]), len(job.deps), keys, previous)
        return Inputs([self.outputs[d] for d in job.deps], keys=keys, previous=previous)

    def _deps_made(self, job: Job) -> bool:
        return all(d in self.outputs for d in job.deps)

    def _ready(self) -> list[Job]:
        """The pool jobs not yet sent whose deps are made."""
        return [j for j in self.pending if self._deps_made(j)]

    def _submit_ready(self) -> None:
        ready = self._ready()
        if not ready:
            return
        ready = self._not_ahead(ready)
        taken = set(ready)
        self.pending = [j for j in self.pending if j not in taken]
        batch: list[Job] = []
        size = max(1, len([j for j in ready if j in self.table]) // (8 * self.workers.n))
        for job in ready:
            if job in self.table and not job.takes_inputs and job.where is Where.FORK:
                batch.append(job)
                if len(batch) >= size:
                    self._submit_batch(batch)
                    batch = []
                continue
            if batch:  # a part-filled batch keeps its place in the pool's order
                self._submit_batch(batch)
                batch = []
            if job in self.table:
                self._submit_batch([job])
            else:
                future = self.workers.submit(_call_in_worker, job.fn, job.args,
                                             job.takes_inputs, self._inputs(job, lazy=False))
                self.running[future] = [job]
        if batch:
            self._submit_batch(batch)

    def _not_ahead(self, ready: list[Job]) -> list[Job]:
        """`ready` without the jobs that may wait while every worker has a job: in a stage
        with a next one, those that nobody waits for (the workbook, while the workers lay
        out the PDF's parts: this process makes it when it has nothing else to do,
        `_make_held`), and those that would queue ahead of an earlier rank's job still
        waiting for its deps (ahead of the overview's part, which waits for the chart).
        They are sent when a worker would otherwise be idle. (In the last stage this
        process makes the catalogue while the workers make the proposals' own PDFs.)"""
        ready_set = set(ready)
        waiting = min((self.rank[j] for j in self.pending if j not in ready_set), default=None)
        busy, kept = len(self.running), []
        for job in ready:
            rank = self.rank[job]
            later = (rank >= _REST and bool(self.next_needs)) or (waiting is not None
                                                                  and rank > waiting)
            if busy >= self.workers.n and later:
                continue
            kept.append(job)
            busy += 1
        return kept

    def _make_held(self) -> bool:
        """With nothing else to do, make here a job held back from the pool (the last one);
        True when there was one."""
        held = self._ready()  # what `_submit_ready` held back
        if not held:
            return False
        job = held[-1]
        self.pending.remove(job)
        self._make_here(job)
        return True

    def _make_here(self, job: Job) -> None:
        """Run `job` in this process (its deps' outputs awaited as it asks for them), then
        send the pool what became ready."""
        self._done(job, job.run(self._inputs(job, lazy=True)))
        self._submit_ready()

    def _submit_batch(self, jobs: list[Job]) -> None:
        items = [(self.table[j], self._inputs(j, lazy=False)) for j in jobs]
        self.running[self.workers.submit_inherited(_run_in_worker, items)] = jobs

    def _pump(self) -> None:
        """Wait for a pool job to finish; take its output(s); submit what became ready."""
        done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
        for future in done:
            jobs = self.running.pop(future)
            result = future.result()
            outputs = result if isinstance(result, list) else [result]
            for job, output in zip(jobs, outputs):
                self._done(job, output)
        self._submit_ready()

    def _await(self, job: Job) -> bytes:
        while job not in self.outputs:
            if not self.running:
                raise RuntimeError(f"job {job.label or job.fn.__name__} can never be made")
            self._pump()
        return self.outputs[job]

    def _done(self, job: Job, output: bytes) -> None:
        if not isinstance(output, bytes):
            raise TypeError(f"job {job.label or job.fn.__name__} returned "
                            f"{type(output).__name__}, not bytes")
        self.outputs[job] = output
        self.outcome.ran.append(job.label)
        key = self._keyed(job)
        if key is not None:
            self.writer.submit(self.store.put, self.space[job], key, output)
        if job.previous and self.store.enabled:
            self._remember(job, output if key is None else None)
        self._write_files(job)

    # -- files --

    def _write_files(self, job: Job) -> None:
        for a in self.files.pop(job, ()):
            data = self.outputs[job]
            self._write(a.path, data if a.part is None else piece(data, a.part))

    def _write(self, rel: str, data: bytes) -> None:
        path = self.out / _safe_path(rel)
        self.writer.submit(self._write_file, path, data)
        self.outcome.written.append(rel)

    def _write_file(self, path: Path, data: bytes) -> None:
        """On the writer's thread."""
        if path.parent not in self._dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def _latest(name: str) -> str:
    """The cache entry that remembers what the job named `name` made last."""
    return fingerprint("latest", name)


def _kept(name: str) -> str:
    """The cache entry with the last output of the job named `name` that has no key."""
    return fingerprint("kept", name)


def _closure(jobs: Iterable[Job]) -> list[Job]:
    """`jobs` and everything they depend on, deps first."""
    order: list[Job] = []
    seen: set[Job] = set()
    stack: list[tuple[Job, bool]] = [(j, False) for j in reversed(list(jobs))]
    while stack:
        job, expanded = stack.pop()
        if expanded:
            order.append(job)
            continue
        if job in seen:
            continue
        seen.add(job)
        stack.append((job, True))
        stack.extend((d, False) for d in reversed(job.deps) if d not in seen)
    return order
