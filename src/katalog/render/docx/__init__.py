"""The catalogue as Word documents: `katalog.docx` and one `docx/<id>.docx` per proposal.

Made from the Word template (`templates/word/katalog.docx`, or the municipality's own),
keeping its styles, headers, footers and page setup: the template is prepared once per
process (`template.WordTemplate`), bodies are written as WordprocessingML text (`compose`,
`ooxml`) and spliced into it, and the parts every file shares are compressed once
(`package`). Each proposal's content is written once (`fragment`) and used in both its
attachment and the catalogue. With many proposals the attachments (and the fragments) are
made in chunks in `katalog.parallel`'s process pool; this process then writes the catalogue.
The files are the same whatever the number of processes, and reproducible (fixed zip
timestamps, core properties from the date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from ... import parallel
from ...compute import Totals
from ...model import Catalogue, Proposal
from ..html import danish_date
from ..templates import TemplateSet
from .compose import catalogue_body, proposal_body, proposal_parts
from .context import Context
from .fragment import Fragment, record
from .ooxml import Element
from .template import TemplateError, WordTemplate

TEMPLATE = "word/katalog.docx"
TEMPLATES = (TEMPLATE, "word/katalog.dotx")  # a Word template (.dotx) works as well
PARALLEL_MIN_PROPOSALS = 40  # fewer: everything in this process (a pool costs ≈ 0.3 s)
CHUNK = 25  # attachments per job

__all__ = ["render_docx", "TemplateError", "TEMPLATE"]


def _when(date: dt.date | None) -> dt.datetime:
    day = date or dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class _Build:
    """Everything a process needs to write any of the documents (sent once per worker)."""

    cat: Catalogue
    totals: Totals
    out: Path
    template: bytes
    template_path: Path
    date: dt.date | None


Job = tuple[int, ...]  # the attachments of these proposals (indexes in cat.proposals)


class _Writer:
    """Writes attachments in one process; template problems are collected in `messages`."""

    def __init__(self, build: _Build) -> None:
        self.build = build
        self.messages: list[str] = []
        self.template = WordTemplate.load(build.template, build.template_path,
                                          self.messages.append)

    def run(self, job: Job) -> tuple[list[tuple[str, Path, Fragment]], list[str]]:
        """Write the job's attachments; returns (proposal id, file, the proposal's content as
        a fragment for the catalogue) for each, and the warnings raised meanwhile."""
        b, t = self.build, self.template
        s = b.cat.settings
        when = _when(b.date)
        values = {"undertitel": s.subtitle, "organisation": s.organisation,
                  "dato": danish_date(b.date)}
        props = {"author": s.organisation, "subject": s.subtitle}
        done = []
        (b.out / "docx").mkdir(parents=True, exist_ok=True)
        scratch = t.scratch()
        for p in (b.cat.proposals[i] for i in job):
            fragment = record(scratch, partial(proposal_parts, p=p, cat=b.cat, totals=b.totals,
                                               level=2))
            title = f"{p.id} {p.title}"
            target = b.out / "docx" / f"{p.id}.docx"
            data = t.render(t.attachment,
                            partial(proposal_body, p=p, cat=b.cat, totals=b.totals,
                                    parts=partial(_fill, fragment)),
                            {"titel": title, **values}, {"title": title, **props}, when)
            target.write_bytes(data)
            done.append((p.id, target, fragment))
        messages, self.messages[:] = list(self.messages), []
        return done, messages


def _fill(fragment: Fragment, ctx: Context, _p: Proposal, level: int) -> list[Element]:
    return [fragment.fill(ctx, level - 2)]


_worker: _Writer | None = None


def _start_worker(build: _Build) -> None:
    """Pool initializer: prepare the template once (Markdown is converted where it is
    needed: cmark-gfm takes a fraction of a millisecond per body)."""
    global _worker
    _worker = _Writer(build)


def _run_job(job: Job) -> tuple[list[tuple[str, Path, Fragment]], list[str]]:
    assert _worker is not None, "_start_worker was not run"
    return _worker.run(job)


def _stop_worker() -> None:
    """Forget the writer (in this process, when it worked without a pool)."""
    global _worker
    _worker = None


def render_docx(
    cat: Catalogue,
    totals: Totals,
    out: Path,
    templates: TemplateSet,
    date: dt.date | None = None,
    warn: Callable[[str, str], None] | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Write `out/katalog.docx` and `out/docx/<id>.docx`; returns the files written.

    `warn(path, message)` receives template problems (missing styles), once each, in the
    order a single process meets them. `workers` defaults to `katalog.parallel`'s choice.
    """
    path = next((d / name for d in templates.dirs for name in TEMPLATES
                 if (d / name).is_file()), None)
    if path is None:
        raise TemplateError(f"Word-skabelonen {TEMPLATE} findes ikke")
    # in the catalogue's order, so this process writes the catalogue while the pool works
    index = {p.id: i for i, p in enumerate(cat.proposals)}
    order = list(dict.fromkeys([index[p.id] for t in cat.themes for p in cat.proposals_in(t.id)]
                               + list(range(len(cat.proposals)))))
    jobs = [tuple(order[i:i + CHUNK]) for i in range(0, len(order), CHUNK)]
    workers = parallel.default_workers() if workers is None else workers
    data = path.read_bytes()
    messages: list[str] = []
    template = WordTemplate.load(data, path, messages.append)  # a broken template fails here
    out.mkdir(parents=True, exist_ok=True)
    if workers <= 1 or len(order) < PARALLEL_MIN_PROPOSALS:
        workers = 1
    results = parallel.iter_processes(_run_job, jobs, workers, initializer=_start_worker,
                                      initargs=(_Build(cat, totals, out, data, path, date),))
    attachments: dict[str, Path] = {}
    fragments: dict[str, Fragment] = {}
    job_messages: list[str] = []

    def collect(result: tuple[list[tuple[str, Path, Fragment]], list[str]]) -> None:
        for pid, file, fragment in result[0]:
            attachments[pid] = file
            fragments[pid] = fragment
        job_messages.extend(result[1])

    def filled(ctx: Context, p: Proposal, level: int) -> list[Element]:
        while p.id not in fragments:
            collect(next(results))
        return [fragments.pop(p.id).fill(ctx, level - 2)]

    try:
        s = cat.settings
        target = out / "katalog.docx"
        target.write_bytes(template.render(
            template.catalogue, lambda ctx: catalogue_body(ctx, cat, totals, date, filled),
            {"titel": s.title, "undertitel": s.subtitle, "organisation": s.organisation,
             "dato": danish_date(date)},
            {"title": s.title, "author": s.organisation, "subject": s.subtitle}, _when(date)))
        for rest in results:  # attachments of proposals outside the catalogue's themes
            collect(rest)
    finally:
        results.close()
        _stop_worker()
    seen: set[str] = set()
    for message in messages + job_messages:
        if message not in seen:
            seen.add(message)
            if warn is not None:
                warn(str(path), message)
    return [target] + [attachments[p.id] for p in cat.proposals]
