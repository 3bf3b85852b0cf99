"""The library's front door: content folder → loaded, validated, computed catalogue.

`check()` runs load → validate → compute → reconcile and never raises for bad content: every
problem is in the returned report. Renderers and the CLI start from its result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from .cache import caching_enabled
from .compute import Totals, compute
from .content_cache import DocumentCache
from .folder import read_folder
from .issues import Report
from .load import load_files
from .model import Catalogue
from .reconcile import reconcile
from .source import Document
from .validate import validate


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
                read: Callable[[bytes, str, bool], Document] | None = None) -> Checked:
    """Check content given as relative paths → bytes (a folder, a git revision, a test).

    `read` replaces `source.read_document` (see `load.load_files`)."""
    catalogue, report = load_files(files, label, read=read)
    validate(catalogue, report)
    if report.has_errors:
        return Checked(catalogue, report, None)
    try:
        totals = compute(catalogue)
    except Exception as exc:  # noqa: BLE001 - never a traceback: report it
        report.error("internal", f"beregningen fejlede ({type(exc).__name__}: {exc})",
                     catalogue.settings.path, 1, 1)
        return Checked(catalogue, report, None)
    reconcile(catalogue, totals, report)
    return Checked(catalogue, report, None if report.has_errors else totals)


def check(content: Path | str, cache: DocumentCache | bool | None = None) -> Checked:
    """Load, validate and compute the catalogue in a content folder.

    `cache` keeps parsed files between runs (see `katalog.content_cache`): a
    `DocumentCache`, `True` for the one beside the content folder (unless KATALOG_NO_CACHE
    is set), or None/False for none. The result is the same with or without it."""
    content = Path(content)
    if cache is True:
        cache = DocumentCache.beside(content) if caching_enabled() else None
    files = read_folder(content)
    reader = cache or DocumentCache()  # no store: each distinct file parsed once, in memory
    reader.prefetch(files)  # many files: parsed in the process pool
    checked = check_files(files, label=os.fspath(content), read=reader.read)
    if cache:
        cache.save()
    return checked
