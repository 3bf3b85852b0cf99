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

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ... import markdown, parallel
from ...compute import Totals
from ...model import Catalogue
from ..html import danish_date
from ..templates import TemplateSet
from .compose import catalogue_body, proposal_body, proposal_parts
from .fragment import Fragment, record
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
    bodies: dict[str, str]  # Markdown source → HTML, as `katalog.markdown` has them primed


Job = tuple[int, int]  # the attachments cat.proposals[start:end]


class _Writer:
    """Writes attachments in one process; template problems are collected in `messages`."""

    def __init__(self, build: _Build) -> None:
        self.build = build
        self.messages: list[str] = []
        self.template = WordTemplate.load(build.template, build.template_path,
                                          self.messages.append)

    def run(self, job: Job) -> tuple[list[Path], list[Fragment], list[str]]:
        """Write the job's attachments; returns them, each proposal's content as a fragment
        (for the catalogue) and the warnings raised meanwhile."""
        b, t = self.build, self.template
        s = b.cat.settings
        when = _when(b.date)
        values = {"undertitel": s.subtitle, "organisation": s.organisation,
                  "dato": danish_date(b.date)}
        props = {"author": s.organisation, "subject": s.subtitle}
        written, fragments = [], []
        (b.out / "docx").mkdir(parents=True, exist_ok=True)
        scratch = t.scratch()
        for p in b.cat.proposals[job[0]:job[1]]:
            fragment = record(scratch, lambda ctx, p=p: proposal_parts(ctx, p, b.cat, b.totals, 2))  # type: ignore[misc]
            title = f"{p.id} {p.title}"
            target = b.out / "docx" / f"{p.id}.docx"
            data = t.render(t.attachment,
                            lambda ctx, p=p, f=fragment: proposal_body(  # type: ignore[misc]
                                ctx, p, b.cat, b.totals, lambda c, _p, level: [f.fill(c, level - 2)]),
                            {"titel": title, **values}, {"title": title, **props}, when)
            target.write_bytes(data)
            written.append(target)
            fragments.append(fragment)
        messages, self.messages[:] = list(self.messages), []
        return written, fragments, messages


_worker: _Writer | None = None
_worker_markdown = contextlib.ExitStack()  # keeps the bodies primed while the worker lives


def _start_worker(build: _Build) -> None:
    """Pool initializer: prime the Markdown bodies, prepare the template once."""
    global _worker
    _worker_markdown.close()
    _worker_markdown.enter_context(markdown.primed(build.bodies))
    _worker = _Writer(build)


def _run_job(job: Job) -> tuple[list[Path], list[Fragment], list[str]]:
    assert _worker is not None, "_start_worker was not run"
    return _worker.run(job)


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
    n = len(cat.proposals)
    jobs = [(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]
    workers = parallel.default_workers() if workers is None else workers
    data = path.read_bytes()
    messages: list[str] = []
    template = WordTemplate.load(data, path, messages.append)  # a broken template fails here
    out.mkdir(parents=True, exist_ok=True)
    if workers <= 1 or n < PARALLEL_MIN_PROPOSALS:
        writer = _Writer(_Build(cat, totals, out, data, path, date, {}))
        results = [writer.run(job) for job in jobs]
    else:
        sources = dict.fromkeys([t.body for t in cat.themes] + [p.body for p in cat.proposals])
        build = _Build(cat, totals, out, data, path, date,
                       {source: markdown.to_html(source) for source in sources})
        results = parallel.map_processes(_run_job, jobs, workers, initializer=_start_worker,
                                         initargs=(build,))
    fragments = [f for _, frags, _ in results for f in frags]
    by_id = {p.id: f for p, f in zip(cat.proposals, fragments)}
    s = cat.settings
    when = _when(date)
    target = out / "katalog.docx"
    target.write_bytes(template.render(
        template.catalogue,
        lambda ctx: catalogue_body(ctx, cat, totals, date,
                                   lambda c, p, level: [by_id[p.id].fill(c, level - 2)]),
        {"titel": s.title, "undertitel": s.subtitle, "organisation": s.organisation,
         "dato": danish_date(date)},
        {"title": s.title, "author": s.organisation, "subject": s.subtitle}, when))
    written = [target]
    seen: set[str] = set()
    for message in messages + [m for _, _, ms in results for m in ms]:
        if message not in seen:
            seen.add(message)
            if warn is not None:
                warn(str(path), message)
    return written + [f for files, _, _ in results for f in files]
