"""The catalogue as Word documents: `katalog.docx` and one `docx/<id>.docx` per proposal.

Made from the Word template (`templates/word/katalog.docx`, or the municipality's own),
keeping its styles, headers, footers and page setup: the template is prepared once per
process (`template.WordTemplate`), each body is written as WordprocessingML text (`compose`,
`ooxml`) and spliced into it, and the parts every file shares are compressed once
(`package`). Files are written reproducibly (fixed zip timestamps and core properties from
the date). With many proposals the catalogue and chunks of attachments are made in
`katalog.parallel`'s process pool; the files are the same as when made in one process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ... import markdown, parallel
from ...compute import Totals
from ...model import Catalogue
from ..html import danish_date
from ..templates import TemplateSet
from .compose import catalogue_body, proposal_body
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


Job = Optional[tuple[int, int]]  # None: the catalogue; (start, end): those attachments


class _Writer:
    """Writes documents in one process; template problems are collected in `messages`."""

    def __init__(self, build: _Build) -> None:
        self.build = build
        self.messages: list[str] = []
        self.template = WordTemplate.load(build.template, build.template_path,
                                          self.messages.append)

    def run(self, job: Job) -> tuple[list[Path], list[str]]:
        """Write the job's files; returns them and the warnings raised meanwhile."""
        b, t = self.build, self.template
        s = b.cat.settings
        when = _when(b.date)
        values = {"undertitel": s.subtitle, "organisation": s.organisation,
                  "dato": danish_date(b.date)}
        props = {"author": s.organisation, "subject": s.subtitle}
        written = []
        if job is None:
            target = b.out / "katalog.docx"
            data = t.render(t.catalogue,
                            lambda ctx: catalogue_body(ctx, b.cat, b.totals, b.date),
                            {"titel": s.title, **values}, {"title": s.title, **props}, when)
            target.write_bytes(data)
            written.append(target)
        else:
            (b.out / "docx").mkdir(parents=True, exist_ok=True)
            for p in b.cat.proposals[job[0]:job[1]]:
                title = f"{p.id} {p.title}"
                target = b.out / "docx" / f"{p.id}.docx"
                data = t.render(t.attachment,
                                lambda ctx, p=p: proposal_body(ctx, p, b.cat, b.totals),  # type: ignore[misc]
                                {"titel": title, **values}, {"title": title, **props}, when)
                target.write_bytes(data)
                written.append(target)
        messages, self.messages[:] = list(self.messages), []
        return written, messages


_worker: _Writer | None = None
_worker_markdown = contextlib.ExitStack()  # keeps the bodies primed while the worker lives


def _start_worker(build: _Build) -> None:
    """Pool initializer: prime the Markdown bodies, prepare the template once."""
    global _worker
    _worker_markdown.close()
    _worker_markdown.enter_context(markdown.primed(build.bodies))
    _worker = _Writer(build)


def _run_job(job: Job) -> tuple[list[Path], list[str]]:
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
    jobs: list[Job] = [None] + [(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]
    workers = parallel.default_workers() if workers is None else workers
    build = _Build(cat, totals, out, path.read_bytes(), path, date, {})
    out.mkdir(parents=True, exist_ok=True)
    if workers <= 1 or n < PARALLEL_MIN_PROPOSALS:
        writer = _Writer(build)
        results = [writer.run(job) for job in jobs]
    else:
        WordTemplate.load(build.template, path, lambda _m: None)  # a broken template fails here
        sources = dict.fromkeys([t.body for t in cat.themes] + [p.body for p in cat.proposals])
        build = _Build(cat, totals, out, build.template, path, date,
                       {source: markdown.to_html(source) for source in sources})
        results = parallel.map_processes(_run_job, jobs, workers, initializer=_start_worker,
                                         initargs=(build,))
    seen: set[str] = set()
    written: list[Path] = []
    for files, messages in results:
        written += files
        for message in messages:
            if message not in seen:
                seen.add(message)
                if warn is not None:
                    warn(str(path), message)
    return written
