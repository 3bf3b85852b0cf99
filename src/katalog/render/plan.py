"""What a renderer returns: the files it wants made and the jobs that make their bytes.

A renderer is a pure *planner*: from the computed model (and `render/view.py`'s tables, and
the templates) it returns a `Plan`, and makes nothing itself. `katalog.execute` — the only
place with the cache, the process pool and file writes — runs the plan. See docs/build.md.

- A `Job` is one pure function call that returns bytes: `fn(*args)`, or `fn(*args, inputs)`
  when it has `deps` (other jobs, whose outputs `inputs` holds in order) or asks for its
  `previous` output. `fn` is a module-level function and `args` plain picklable values, so
  the job can run in a pool worker. `key` is its *key material*: everything besides its deps
  that the bytes depend on (the executor adds katalog's code and the deps' keys, and
  fingerprints it); `None` means "never cached" (cheaper to make than to fingerprint).
- An `Artifact` is a file of the output folder: its relative path and the job that makes it
  (or one `part` of a job's `bundle`).
- A `Plan` is the artifacts, warnings for the build's report, and optionally `then`: a
  continuation the executor calls in the build's process once the jobs it `needs` are made,
  with their outputs, to plan the next stage (e.g. the PDF's front matter, once every part's
  page count is known). It must be a pure function of those outputs.
"""

from __future__ import annotations

import datetime as dt
import enum
import struct
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, overload

if TYPE_CHECKING:
    from .templates import TemplateSet


class Where(enum.Enum):
    """Where a job may run."""

    HERE = "here"  # in the build's process: cheap jobs, or arguments that cannot be pickled
    POOL = "pool"  # in a worker process: its arguments are pickled (or inherited by fork)
    FORK = "fork"  # in a forked worker that inherits it, never pickled; else in this process


@dataclass(frozen=True, eq=False)
class Job:
    """One pure function call that makes bytes. Jobs compare by identity."""

    fn: Callable[..., bytes]
    args: tuple[Any, ...] = ()
    key: Any = None  # key material; None: never cached
    deps: tuple["Job", ...] = ()
    label: str = ""  # for progress and tests (e.g. "pdf/ADM-01.pdf")
    where: Where = Where.HERE
    previous: str = ""  # a stable name: `inputs.previous` is what it made last time
    # run once in the build's process before a pool is forked for this job, so that every
    # worker inherits its effect (importing WeasyPrint once rather than once per worker)
    warm: Callable[[], None] | None = None

    @property
    def takes_inputs(self) -> bool:
        return bool(self.deps or self.previous)

    def run(self, inputs: "Inputs | None" = None) -> bytes:
        """Make the bytes (in whatever process the executor chose)."""
        if self.takes_inputs:
            return self.fn(*self.args, inputs if inputs is not None else Inputs([]))
        return self.fn(*self.args)


@dataclass(frozen=True)
class Previous:
    """What a job with `previous` made in an earlier build, and its deps' keys then."""

    output: bytes
    keys: tuple[str | None, ...]


class Inputs(Sequence[bytes]):
    """A job's deps' outputs in order (each fetched when first indexed), the deps' keys
    (None where not cached) and, when asked for and still cached, its `previous` output."""

    def __init__(self, outputs: Sequence[bytes] | Callable[[int], bytes], count: int = -1,
                 keys: Sequence[str | None] = (), previous: Previous | None = None) -> None:
        self._get = outputs if callable(outputs) else outputs.__getitem__
        self._count = len(outputs) if not callable(outputs) else count
        self.keys = tuple(keys)
        self.previous = previous

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> bytes: ...

    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...

    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        if isinstance(i, slice):
            return [self._get(j) for j in range(*i.indices(self._count))]
        if not -self._count <= i < self._count:
            raise IndexError(i)
        return self._get(i % self._count)

    def __iter__(self) -> Iterator[bytes]:
        return (self._get(j) for j in range(self._count))

    def materialised(self) -> "Inputs":
        """The same inputs as a plain list (to send to a pool worker)."""
        return Inputs(list(self), keys=self.keys, previous=self.previous)


@dataclass(frozen=True)
class Artifact:
    """A file of the output folder (relative POSIX path) and the job that makes its bytes."""

    path: str
    job: Job
    part: int | None = None  # the job returns a `bundle`: this file is that piece of it


@dataclass(frozen=True)
class Notice:
    """A warning for the build's report (e.g. a style the Word template lacks)."""

    code: str
    message: str
    path: str


@dataclass(frozen=True)
class Then:
    """The next stage: `fn(outputs of needs)` → the plan of what follows, called in the
    build's process once every job in `needs` is made."""

    needs: tuple[Job, ...]
    fn: Callable[[Sequence[bytes]], "Plan"]


@dataclass(frozen=True)
class Plan:
    artifacts: tuple[Artifact, ...] = ()
    then: Then | None = None
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class Options:
    """What renderers need besides the model: the look and the document date."""

    templates: TemplateSet = field(default_factory=lambda: _default_templates())
    date: dt.date | None = None


def _default_templates() -> TemplateSet:
    from .templates import TemplateSet  # Jinja: imported when templates are wanted

    return TemplateSet.create()


Planner = Callable[[Any, Any, Options], Plan]  # (Catalogue, Totals, Options) → Plan


# --- Several outputs of one job --------------------------------------------------------------

def bundle(parts: Sequence[bytes]) -> bytes:
    """Several byte strings as one job output (`piece`/`unbundle` take them apart)."""
    head = struct.pack(f">I{len(parts)}Q", len(parts), *(len(p) for p in parts))
    return head + b"".join(parts)


def unbundle(data: bytes) -> list[bytes]:
    (n,) = struct.unpack_from(">I", data, 0)
    sizes = struct.unpack_from(f">{n}Q", data, 4)
    at, out = 4 + 8 * n, []
    for size in sizes:
        out.append(data[at:at + size])
        at += size
    return out


def piece(data: bytes, i: int) -> bytes:
    """Part `i` of a `bundle`, without copying the others."""
    (n,) = struct.unpack_from(">I", data, 0)
    sizes = struct.unpack_from(f">{n}Q", data, 4)
    at = 4 + 8 * n + sum(sizes[:i])
    return data[at:at + sizes[i]]


def text_job(fn: Callable[..., str], *args: Any, label: str = "",
             encoding: str = "utf-8") -> Job:
    """A cheap job in this process: `fn(*args)` (text) encoded."""
    return Job(_encoded, (fn, encoding, *args), label=label)


def _encoded(fn: Callable[..., str], encoding: str, *args: Any) -> bytes:
    return fn(*args).encode(encoding)


def constant(data: bytes, label: str = "") -> Job:
    """A job that returns `data` (e.g. a file copied as it is)."""
    return Job(_same, (data,), label=label)


def _same(data: bytes) -> bytes:
    return data


def combine(*plans: Plan) -> Plan:
    """Several planners' plans as one plan (one format made by several planners): their
    artifacts and notices together, and their next stages run side by side."""
    artifacts = tuple(a for p in plans for a in p.artifacts)
    notices = tuple(n for p in plans for n in p.notices)
    stages = [p.then for p in plans if p.then is not None]
    if not stages:
        return Plan(artifacts, None, notices)
    needs = tuple(job for then in stages for job in then.needs)
    return Plan(artifacts, Then(needs, partial(_next_stages, tuple(stages))), notices)


def _next_stages(stages: tuple[Then, ...], outputs: Sequence[bytes]) -> Plan:
    plans, at = [], 0
    for then in stages:
        n = len(then.needs)
        plans.append(then.fn(list(outputs[at:at + n])))
        at += n
    return combine(*plans)
