"""The outcome of a whole `check`, kept between runs: a warm `katalog check` reads and hashes
the content files and gives back the stored report, a warm `build` the stored model and
totals, instead of parsing, loading and computing again.

A memo is one record of the cache store (`cache.Store`, HMAC-signed under this user's key)
per content folder and label (`slot`): it holds the digest of everything the check's result
depends on (`inputs_digest`) and the outcome (catalogue, report, totals). It is used only
when the digest of this run's inputs is the one it holds:

- katalog's code and libraries (`fingerprint.code_fingerprint`), Python's version and the
  memo's own format;
- the label the messages show (the content folder as given);
- every entry of the content folder that the check reads or reports (`folder.read_folder`:
  each file's bytes, each refused entry's reason), so an edited, new, removed or renamed
  file, or a changed `catalogue.yaml`, misses;
- what the check looked at beside those files: the logo of `look.logo` (what
  `load.look_at_logo` sees of it), looked at again before the memo is used.

Nothing else goes into a check: it reads no template, no git and no clock, and no
environment variable changes its result (`KATALOG_WORKERS` changes only where files are
parsed). A check that failed unexpectedly (an `internal` problem) is not kept, as such a
failure may not come again; any other outcome, errors included, is a function of these
inputs and is kept, and comes back with the same messages, files, lines and exit code.

What `katalog check` shows (the report, the numbers of themes and proposals) is kept beside
it as plain JSON under the same key and inputs (`save_summary`, namespace `check-report`):
cheap enough to write after every check, so an edit-and-check loop pays nothing for the
memo, and read back by `pipeline.check_report` without unpickling the model.

The outcome is a pickle, read only after the record's HMAC has been verified (a record
katalog did not write itself is a miss before a byte of it is unpickled), and then by an
unpickler that constructs nothing but katalog's model, report and totals types, `Decimal`
and dates: no function is ever called. A memo that cannot be read is a miss.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import gc
import io
import json
import pickle
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .cache import Store
from .fingerprint import code_fingerprint, fingerprint

if TYPE_CHECKING:
    from .compute import Totals
    from .issues import Report
    from .model import Catalogue

NAMESPACE = "check"  # the store's namespace of memos (`check/<slot[:2]>/<slot>`)
SUMMARY = "check-report"  # and of the reports alone, for `katalog check` (plain JSON)
VERSION = "katalog-check-memo-1"
NOT_KEPT = frozenset({"internal"})  # problem codes whose outcome may differ next time
# the modules whose classes a memo may hold (dataclasses, enums) and other allowed names
_MODEL_MODULES = frozenset({"katalog.model", "katalog.compute", "katalog.budget",
                            "katalog.issues"})
_OTHER: dict[tuple[str, str], Any] = {("decimal", "Decimal"): Decimal,
                                      ("datetime", "date"): dt.date}

Outcome = tuple["Catalogue", "Report", "Totals | None"]


def inputs_digest(files: Mapping[str, bytes | OSError], label: str) -> str:
    """The digest of everything a check of `files` shown as `label` depends on, but what
    it looks at beside them (the logo, kept in the memo and looked at again)."""
    entries = {rel: raw if isinstance(raw, bytes) else _error(raw) for rel, raw in files.items()}
    return fingerprint(VERSION, code_fingerprint(), sys.version, label, entries)


def _error(exc: OSError) -> tuple[Any, ...]:
    return ("error", type(exc).__name__, exc.errno, exc.strerror, str(exc))


def slot(content: Path, label: str) -> str:
    """The memo's key in the store: one memo per content folder and label."""
    return fingerprint(VERSION, "slot", str(content.resolve()), label)


class CheckMemo:
    """The memo of checking the folder `content` (read as `files`, shown as `label`) in
    `store`. `load()` gives the stored outcome or None; `save()` keeps this run's."""

    def __init__(self, store: Store, content: Path, label: str,
                 files: Mapping[str, bytes | OSError]) -> None:
        self.store = store
        self.content = content
        self.label = label
        self.files = files
        self._digest: str | None = None
        self._slot: str | None = None

    @property
    def enabled(self) -> bool:
        return self.store.enabled and self._key() is not None

    def _key(self) -> str | None:
        if self._slot is None:
            try:
                self._slot = slot(self.content, self.label)
            except (OSError, RuntimeError):
                return None
        return self._slot

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = inputs_digest(self.files, self.label)
        return self._digest

    def load(self) -> Outcome | None:
        """The stored outcome when its inputs are this run's; else None."""
        record = self._record(NAMESPACE)
        if record is None:
            return None
        head, _, body = record.partition(b"\n")
        try:
            if not self._current(json.loads(head)):
                return None
            outcome = _loads(body)
        except Exception:  # noqa: BLE001 - a memo that cannot be read is a miss
            return None
        return outcome if _is_outcome(outcome) else None

    def load_summary(self) -> tuple["Report", int, int] | None:
        """The stored report and numbers of themes and proposals (`save_summary`) when
        their inputs are this run's; else None."""
        record = self._record(SUMMARY)
        if record is None:
            return None
        try:
            memo = json.loads(record)
            if not self._current(memo):
                return None
            return _report(memo["issues"]), int(memo["themes"]), int(memo["proposals"])
        except Exception:  # noqa: BLE001 - a memo that cannot be read is a miss
            return None

    def _record(self, namespace: str) -> bytes | None:
        key = self._key()
        return self.store.get(namespace, key) if key and self.store.enabled else None

    def _current(self, header: Any) -> bool:
        """Whether a memo's header holds this run's inputs."""
        return bool(header["inputs"] == self.digest and self._same_logo(header["logo"]))

    def _same_logo(self, logo: Any) -> bool:
        if logo is None:
            return True
        from .load import look_at_logo

        name, seen = logo
        return bool(fingerprint(look_at_logo(self.content, str(name))) == seen)

    def _header(self, report: "Report", looked_at: Mapping[str, Any]) -> dict[str, Any] | None:
        """What a memo of this run is kept with; None when it is not to be kept (a problem
        that may not come again)."""
        if any(issue.code in NOT_KEPT for issue in report.issues):
            return None
        logo = looked_at.get("logo")
        return {"inputs": self.digest,
                "logo": None if logo is None else [logo[0], fingerprint(logo[1])]}

    def save(self, outcome: Outcome, looked_at: Mapping[str, Any]) -> None:
        """Keep `outcome`, unless it holds a problem that may not come again; `looked_at`
        is what the check read beside the files (`load.load_files`)."""
        key = self._key()
        header = self._header(outcome[1], looked_at)
        if key is None or header is None or not self.store.enabled:
            return
        try:
            body = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return
        self.store.put(NAMESPACE, key, json.dumps(header).encode("utf-8") + b"\n" + body)

    def save_summary(self, summary: tuple["Report", int, int],
                     looked_at: Mapping[str, Any]) -> None:
        """Keep what `katalog check` shows (the report, the numbers of themes and proposals)
        as plain JSON: cheap to write after every check and to read back."""
        key = self._key()
        report, themes, proposals = summary
        header = self._header(report, looked_at)
        if key is None or header is None or not self.store.enabled:
            return
        issues = [[i.path, i.line, i.col, i.severity.value, i.code, i.message]
                  for i in report.issues]
        memo = header | {"themes": themes, "proposals": proposals, "issues": issues}
        self.store.put(SUMMARY, key, json.dumps(memo, ensure_ascii=False).encode("utf-8"))


def _report(issues: list[list[Any]]) -> "Report":
    from .issues import Issue, Report, Severity

    return Report([Issue(str(path), int(line), int(col), Severity(severity), str(code),
                         str(message)) for path, line, col, severity, code, message in issues])


class _ModelUnpickler(pickle.Unpickler):
    """Constructs katalog's own data types and nothing else: no function, no other class."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = _OTHER.get((module, name))
        if allowed is not None:
            return allowed
        if module in _MODEL_MODULES and module in sys.modules:
            found = getattr(sys.modules[module], name, None)
            if isinstance(found, type) and found.__module__ == module and (
                    dataclasses.is_dataclass(found) or issubclass(found, enum.Enum)):
                return found
            from .model import UNKNOWN

            if found is UNKNOWN:
                return found
        raise pickle.UnpicklingError(f"a check memo may not hold {module}.{name}")


def _loads(body: bytes) -> Any:
    """Unpickle with the garbage collector paused: a model of 1,000 proposals is some 200,000
    objects, and collecting while they are made would cost more than making them."""
    from . import budget, compute, issues, model  # noqa: F401 - the classes it may hold

    paused = gc.isenabled()
    gc.disable()
    try:
        return _ModelUnpickler(io.BytesIO(body)).load()
    finally:
        if paused:
            gc.enable()


def _is_outcome(value: Any) -> bool:
    from .compute import Totals
    from .issues import Report
    from .model import Catalogue

    return (isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], Catalogue)
            and isinstance(value[1], Report) and (value[2] is None
                                                  or isinstance(value[2], Totals)))
