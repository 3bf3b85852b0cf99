"""The library's front door: content folder → loaded, validated, computed catalogue.

`check()` runs load → validate → compute → reconcile and never raises for bad content: every
problem is in the returned report. Renderers and the CLI start from its result;
`check_report()` is the same check for `katalog check`, which needs the report alone. With a
cache, both give back a memo of an earlier check of the same inputs (`check_memo`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .cache import caching_enabled
from .check_memo import CheckMemo, FileMemo, paused_gc
from .content_cache import DocumentCache
from .folder import read_folder
from .issues import Report

FEW = 16  # files left to parse after a memo, parsed without reading the content cache's pack

if TYPE_CHECKING:
    from .compute import Totals
    from .load import Job, Prefetch
    from .model import Catalogue
    from .source import Document


@dataclass(frozen=True)
class Checked:
    """The outcome of checking one catalogue. `totals` is None when there are errors."""

    catalogue: Catalogue
    report: Report
    totals: Totals | None

    @property
    def ok(self) -> bool:
        return not self.report.has_errors


def check_files(files: Mapping[str, bytes | OSError], label: str = "content", *,
                read: Callable[[bytes, str, bool], Document] | None = None,
                root: Path | None = None,
                looked_at: dict[str, Any] | None = None,
                memo: FileMemo | None = None,
                prefetch: Prefetch | None = None,
                ) -> Checked:
    """Check content given as relative paths → bytes (a folder, a git revision, a test).

    `read` replaces `source.read_document`; `root`, `looked_at` and `prefetch` are those of
    `load.load_files`; `memo` keeps loaded files and proposals' totals between runs
    (`check_memo.FileMemo`). The result is the same with or without it."""
    from .compute import compute  # here: a check given back by its memo needs none of these
    from .load import load_files
    from .reconcile import reconcile
    from .validate import validate

    catalogue, report = load_files(files, label, read=read, root=root, looked_at=looked_at,
                                   memo=memo, prefetch=prefetch)
    validate(catalogue, report)
    if report.has_errors:
        return Checked(catalogue, report, None)
    try:
        totals = compute(catalogue, memo)
    except Exception as exc:  # noqa: BLE001 - never a traceback: report it
        report.error("internal", f"beregningen fejlede ({type(exc).__name__}: {exc})",
                     catalogue.settings.path, 1, 1)
        return Checked(catalogue, report, None)
    reconcile(catalogue, totals, report)
    return Checked(catalogue, report, None if report.has_errors else totals)


@dataclass(frozen=True)
class Summary:
    """What `katalog check` shows: the report and how many themes and proposals were read."""

    report: Report
    themes: int
    proposals: int

    @property
    def ok(self) -> bool:
        return not self.report.has_errors


def check(content: Path | str, cache: DocumentCache | bool | None = None, *,
          memo: bool = True) -> Checked:
    """Load, validate and compute the catalogue in a content folder.

    `cache` keeps parsed files between runs (see `katalog.content_cache`): a
    `DocumentCache`, `True` for the one beside the content folder (unless KATALOG_NO_CACHE
    is set), or None/False for none. With a cache (and `memo`), the whole outcome is kept
    too, and given back while no input has changed (see `katalog.check_memo`). The result
    is the same with or without them."""
    content, cache, files, kept = _prepare(content, cache, memo)
    if kept is not None:
        outcome = kept.load()
        if outcome is not None:
            return Checked(*outcome)
    checked, looked_at, parts = _run(content, files, cache, kept is not None)
    if kept is not None:
        kept.save((checked.catalogue, checked.report, checked.totals), looked_at, parts)
        kept.save_summary(_summary(checked), looked_at)
    return checked


def check_report(content: Path | str, cache: DocumentCache | bool | None = None) -> Summary:
    """`check`, for the report alone (`katalog check`): with a cache, the report is kept and
    given back while no input has changed, which costs much less than keeping and reading
    the whole model (`CheckMemo.load_summary`). The result is the same without it."""
    content, cache, files, kept = _prepare(content, cache, True)
    if kept is not None:
        summary = kept.load_summary()
        if summary is not None:
            return Summary(*summary)
    checked, looked_at, _ = _run(content, files, cache, kept is not None)
    if kept is not None:
        kept.save_summary(_summary(checked), looked_at)
    return Summary(*_summary(checked))


def _load_ahead(doc: Document, job: Job) -> bytes | None:
    """In a pool worker: a theme's or proposal's file parsed as `doc`, loaded
    (`load.load_ahead`), as the entry the per-file memo keeps of it (`FileMemo.adopt`)."""
    from .load import load_ahead

    entry = FileMemo.entry(job[0], load_ahead(doc, job))
    return None if entry is None else entry[0]


def _summary(checked: Checked) -> tuple[Report, int, int]:
    return checked.report, len(checked.catalogue.themes), len(checked.catalogue.proposals)


def _prepare(content: Path | str, cache: DocumentCache | bool | None, memo: bool) -> tuple[
        Path, DocumentCache | None, dict[str, bytes | OSError], CheckMemo | None]:
    """The content folder, its cache, its files and its memo (None when there is none)."""
    content = Path(content)
    if cache is True:
        cache = DocumentCache.beside(content) if caching_enabled() else None
    reader = cache or None
    files = read_folder(content)
    kept = None
    if reader is not None and memo and files:  # no memo beside a folder that is not there
        kept = CheckMemo(reader.store, content, os.fspath(content), files)
    return content, reader, files, kept if kept is not None and kept.enabled else None


def _run(content: Path, files: dict[str, bytes | OSError], cache: DocumentCache | None,
         memo: bool) -> tuple[Checked, dict[str, Any], dict[int, tuple[Any, bytes]]]:
    """Check `files` read from `content`; also what was looked at beside them, and (with
    `memo`, kept per file in the cache's store) the pickles of the proposals and totals
    that `CheckMemo.save` can store as they are."""
    reader = cache or DocumentCache()  # no store: each distinct file parsed once, in memory
    per_file = FileMemo(reader.store) if memo and reader.store.enabled else None
    looked_at: dict[str, Any] = {}
    paused = paused_gc()  # the model is many objects that live on: collecting them is wasted

    def ahead(rest: Mapping[str, bytes | OSError],
              load: Mapping[str, Job] | None = None) -> Mapping[str, Any]:
        """`rest`, the files to be parsed: many are parsed in the process pool (whose workers
        collect their garbage), and those of `load` loaded there too, each kept as the
        per-file memo keeps it (`_load_ahead`); the few an edit leaves once the memo gave
        back the others are parsed without the cache's pack (reading and writing it would
        cost more)."""
        if per_file is not None and per_file.hits and len(rest) < FEW:
            reader.read_alone()
            return {}
        paused.resume()
        try:
            if per_file is None or not load:
                return reader.prefetch(rest)
            return reader.prefetch(rest, then=_load_ahead, args=load)
        finally:
            paused.pause()

    with paused:
        checked = check_files(files, label=os.fspath(content), read=reader.read, root=content,
                              looked_at=looked_at, memo=per_file, prefetch=ahead)
    if per_file is not None:
        per_file.save()
    if cache:
        cache.save(in_use=files)
    return checked, looked_at, per_file.parts if per_file is not None else {}
