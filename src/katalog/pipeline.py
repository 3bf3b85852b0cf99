"""The library's front door: content folder → loaded, validated, computed catalogue.

`check()` runs load → validate → compute → reconcile and never raises for bad content: every
problem is in the returned report. Renderers and the CLI start from its result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .cache import caching_enabled
from .check_memo import CheckMemo
from .content_cache import DocumentCache
from .folder import read_folder

if TYPE_CHECKING:
    from .compute import Totals
    from .issues import Report
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
                looked_at: dict[str, Any] | None = None) -> Checked:
    """Check content given as relative paths → bytes (a folder, a git revision, a test).

    `read` replaces `source.read_document`; `root` and `looked_at` are those of
    `load.load_files`."""
    from .compute import compute  # here: a check given back by its memo needs none of these
    from .load import load_files
    from .reconcile import reconcile
    from .validate import validate

    catalogue, report = load_files(files, label, read=read, root=root, looked_at=looked_at)
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


def check(content: Path | str, cache: DocumentCache | bool | None = None, *,
          memo: bool = True) -> Checked:
    """Load, validate and compute the catalogue in a content folder.

    `cache` keeps parsed files between runs (see `katalog.content_cache`): a
    `DocumentCache`, `True` for the one beside the content folder (unless KATALOG_NO_CACHE
    is set), or None/False for none. With a cache (and `memo`), the whole outcome is kept
    too, and given back while no input has changed (see `katalog.check_memo`). The result
    is the same with or without them."""
    content = Path(content)
    if cache is True:
        cache = DocumentCache.beside(content) if caching_enabled() else None
    files = read_folder(content)
    label = os.fspath(content)
    kept = CheckMemo(cache.store, content, label, files) if cache and memo and files else None
    if kept is not None and kept.enabled:
        outcome = kept.load()
        if outcome is not None:
            return Checked(*outcome)
    reader = cache or DocumentCache()  # no store: each distinct file parsed once, in memory
    reader.prefetch(files)  # many files: parsed in the process pool
    looked_at: dict[str, Any] = {}
    checked = check_files(files, label=label, read=reader.read, root=content,
                          looked_at=looked_at)
    if cache:
        cache.save()
    if kept is not None and kept.enabled:
        kept.save((checked.catalogue, checked.report, checked.totals), looked_at)
    return checked
