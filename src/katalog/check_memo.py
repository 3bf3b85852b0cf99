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

**Per file** (`FileMemo`, one pack record `check-files.pack` in the same store): when the
whole memo misses (a proposal was edited), `catalogue.yaml` and each theme's and proposal's
file that has not changed are given back as they were loaded — the settings or model object
and the problems loading it found — and each proposal's totals as they were computed, so an
edit costs loading and computing one file. A loaded file's key is katalog's code, Python's
version, the file's bytes, its path as messages show it, and the `load.Reading` it was
loaded with (the catalogue's unit and years: `load._theme` and `load._proposal` are given
nothing else of the catalogue; `catalogue.yaml` is read with nothing else at all). A
proposal's totals are keyed by its loaded file's key and the other arguments of
`compute.proposal_totals` (the whole settings, the whole theme, whether it counts, its group
of alternatives, whether FTE is shown). An entry that found an `internal` problem is not
kept. Entries are a JSON line (the problems) and the object's pickle, unpickled like the
whole memo (behind the pack's HMAC, by the same allow-list unpickler). The whole memo is
then written from the same pickles: each proposal and its totals are stored in it as the
pickles their entries hold (pickle's persistent ids), so keeping it after an edit pickles the
rest of the outcome alone. In a cold check of many files, themes and proposals are loaded in
the parse workers, whose entries (`FileMemo.entry`, a pure function of the file loaded) come
back to be adopted (`FileMemo.adopt`: read as a kept entry is, by the same unpickler) instead
of being loaded and pickled here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import gc
import hashlib
import io
import json
import pickle
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .cache import Store
from .fingerprint import Unhashable, code_fingerprint, fingerprint, remember_digest

if TYPE_CHECKING:
    from .compute import ProposalTotals, Totals
    from .issues import Issue, Report
    from .load import Loaded, Reading
    from .model import Catalogue, Proposal

NAMESPACE = "check"  # the store's namespace of memos (`check/<slot[:2]>/<slot>`)
SUMMARY = "check-report"  # and of the reports alone, for `katalog check` (plain JSON)
VERSION = "katalog-check-memo-2"
FILES = "check-files"  # the pack of per-file memos (`FileMemo`)
FILES_VERSION = "katalog-check-file-1"
FILES_SPARE = 256  # entries of other states (an edit undone) kept beside this run's
NOT_KEPT = frozenset({"internal"})  # problem codes whose outcome may differ next time
# the modules whose classes a memo may hold (dataclasses, enums) and other allowed names
_MODEL_MODULES = frozenset({"katalog.model", "katalog.compute", "katalog.budget",
                            "katalog.issues"})
_OTHER: dict[tuple[str, str], Any] = {("decimal", "Decimal"): Decimal,
                                      ("datetime", "date"): dt.date}

Outcome = tuple["Catalogue", "Report", "Totals | None"]
Parts = Mapping[int, tuple[Any, bytes]]  # id of an object → (it, its pickle)


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
            header = json.loads(head)
            if not self._current(header):
                return None
            outcome = _loads(_split(body, header["parts"]))
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

    def save(self, outcome: Outcome, looked_at: Mapping[str, Any],
             parts: Parts | None = None) -> None:
        """Keep `outcome`, unless it holds a problem that may not come again; `looked_at`
        is what the check read beside the files (`load.load_files`). The objects in `parts`
        (`FileMemo.parts`: proposals and their totals) are stored as the pickles given
        there, which saves pickling them again."""
        key = self._key()
        header = self._header(outcome[1], looked_at)
        if key is None or header is None or not self.store.enabled:
            return
        try:
            body, pickles = _dumps(outcome, parts or {})
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return
        header["parts"] = [len(body), *map(len, pickles)]
        self.store.put(NAMESPACE, key, b"".join(
            [json.dumps(header).encode("utf-8"), b"\n", body, *pickles]))

    def save_summary(self, summary: tuple["Report", int, int],
                     looked_at: Mapping[str, Any]) -> None:
        """Keep what `katalog check` shows (the report, the numbers of themes and proposals)
        as plain JSON: cheap to write after every check and to read back."""
        key = self._key()
        report, themes, proposals = summary
        header = self._header(report, looked_at)
        if key is None or header is None or not self.store.enabled:
            return
        issues = [_issue_row(i) for i in report.issues]
        memo = header | {"themes": themes, "proposals": proposals, "issues": issues}
        self.store.put(SUMMARY, key, json.dumps(memo, ensure_ascii=False).encode("utf-8"))


class FileMemo:
    """Themes and proposals loaded, and proposals' totals, kept between runs per file in
    the pack `check-files` of `store` (see the module's docstring): `load.LoadMemo` and
    `compute.TotalsMemo`. `parts` holds the pickle of each object given back or kept in
    this run, for `CheckMemo.save`; `save()` writes the pack when this run made entries."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.parts: dict[int, tuple[Any, bytes]] = {}
        self._pack: dict[str, bytes] | None = None
        self._new: dict[str, bytes] = {}
        self._used: set[str] = set()
        self._keys: dict[int, tuple[Any, str]] = {}  # id of a proposal → (it, its file's key)
        self._prints: dict[int, tuple[Any, str]] = {}  # id of settings or theme → digest
        self._file_keys: dict[tuple[str, str], tuple[list[Any], bytes, str]] = {}
        self._last_totals: tuple[Any, tuple[Any, ...], str | None] | None = None
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.store.enabled

    def _entries(self) -> dict[str, bytes]:
        if self._pack is None:
            self._pack = self.store.read_pack(FILES) if self.store.enabled else {}
        return self._pack

    # -- loaded files (`load.LoadMemo`) --

    def _file_key(self, kind: str, path: str, raw: bytes, reading: "Reading") -> str:
        """SHA-256 of the key's parts as JSON, then NUL and the file's bytes (JSON holds no
        NUL unescaped, so the two parts cannot be confused). Worked out once per run for
        a file looked up (`loaded`) and then kept (`keep`)."""
        head = [FILES_VERSION, code_fingerprint(), sys.version, kind, path, reading.unit,
                list(reading.years)]
        known = self._file_keys.get((kind, path))
        if known is not None and known[0] == head and known[1] is raw:
            return known[2]
        h = hashlib.sha256(json.dumps(head).encode("utf-8"))
        h.update(b"\0")
        h.update(raw)
        key = h.hexdigest()
        self._file_keys[(kind, path)] = (head, raw, key)
        return key

    def loaded(self, kind: str, path: str, raw: bytes, reading: "Reading") -> "Loaded | None":
        key = self._file_key(kind, path, raw, reading)
        entry = self._entries().get(key)
        found = None if entry is None else self._read(kind, entry)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used.add(key)
        loaded, blob = found
        self._note(loaded.value, blob, key)
        return loaded

    def keep(self, kind: str, path: str, raw: bytes, reading: "Reading",
             loaded: "Loaded") -> None:
        if not self.store.enabled:
            return
        entry = self.entry(kind, loaded)
        if entry is None:
            return
        key = self._file_key(kind, path, raw, reading)
        self._new[key] = self._entries()[key] = entry[0]
        self._used.add(key)
        self._note(loaded.value, entry[1], key)

    @classmethod
    def entry(cls, kind: str, loaded: "Loaded") -> tuple[bytes, bytes] | None:
        """The entry `keep` keeps for a file of `kind` loaded as `loaded`, and its value's
        pickle; None when it is not kept (an `internal` problem, a value it cannot pickle).
        A pure function of its arguments: a pool worker that loaded the file can make it
        (`adopt`)."""
        if any(i.code in NOT_KEPT for i in loaded.issues):
            return None
        header = {"kind": kind, "decimals": loaded.decimals, "read": loaded.read,
                  "issues": [_issue_row(i) for i in loaded.issues]}
        if kind == "proposal":  # kept with it: the build's keys need not walk it again
            remember_digest(loaded.value)
        return cls._entry(header, loaded.value)

    def adopt(self, kind: str, path: str, raw: bytes, reading: "Reading",
              entry: bytes) -> "Loaded | None":
        """The file loaded elsewhere (a pool worker) as `entry` (made by `entry`): kept as
        `keep` keeps it, and given back as `loaded` gives back a kept file; None when the
        entry cannot be read (the file is then loaded here)."""
        found = self._read(kind, entry) if self.store.enabled else None
        if found is None:
            return None
        loaded, blob = found
        key = self._file_key(kind, path, raw, reading)
        self._new[key] = self._entries()[key] = entry
        self._used.add(key)
        self._note(loaded.value, blob, key)
        return loaded

    def _note(self, value: Any, blob: bytes, key: str) -> None:
        from .model import Proposal

        if value is None:
            return
        self.parts[id(value)] = (value, blob)
        if isinstance(value, Proposal):
            self._keys[id(value)] = (value, key)

    def _read(self, kind: str, entry: bytes) -> "tuple[Loaded, bytes] | None":
        """An entry's `Loaded` and the pickle of its value; None when it cannot be read or
        is not what a file of `kind` gives."""
        from .load import Loaded
        from .model import Proposal, Settings, Theme

        head, _, blob = entry.partition(b"\n")
        try:
            header = json.loads(head)
            if header["kind"] != kind:
                return None
            value = _loads(blob) if blob else None
            decimals, read = header["decimals"], header["read"]
            issues = tuple(_report(header["issues"]).issues)
        except Exception:  # noqa: BLE001 - an entry that cannot be read is a miss
            return None
        wanted = {"proposal": Proposal, "theme": Theme, "catalogue": Settings}.get(kind)
        if (value is None and kind == "catalogue") or (
                value is not None and type(value) is not wanted):
            return None
        if kind == "proposal" and value is not None and not (
                type(decimals) is int and decimals >= 0):
            return None
        if type(read) is not int or not 0 <= read <= len(issues):
            return None
        return Loaded(value, issues, decimals if value is not None else None, read), blob

    @staticmethod
    def _entry(header: dict[str, Any], value: Any) -> tuple[bytes, bytes] | None:
        """An entry (a JSON line, then the value's pickle) and that pickle."""
        try:
            blob = b"" if value is None else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return None
        head = json.dumps(header, ensure_ascii=False).encode("utf-8")
        return head + b"\n" + blob, blob

    # -- proposals' totals (`compute.TotalsMemo`) --

    def _totals_key(self, p: "Proposal", args: tuple[Any, ...]) -> str | None:
        """`args` are `proposal_totals`'s after `p`: settings, theme, counted, group, fte.
        The last key worked out is given again for the same objects (`totals`, then
        `keep_totals` of the proposal it did not give back)."""
        last = self._last_totals
        if last is not None and last[0] is p and last[1] is args:
            return last[2]
        key = self._new_totals_key(p, args)
        self._last_totals = (p, args, key)
        return key

    def _new_totals_key(self, p: "Proposal", args: tuple[Any, ...]) -> str | None:
        kept = self._keys.get(id(p))
        if kept is None or kept[0] is not p or len(args) != 5:
            return None
        settings, theme, counted, group, fte_shown = args
        if type(counted) is not bool or type(fte_shown) is not bool or not (
                group is None or type(group) is str):
            return None
        try:
            head = [FILES_VERSION, "totals", kept[1], self._print(settings),
                    None if theme is None else self._print(theme), counted, group, fte_shown]
        except Unhashable:
            return None
        return hashlib.sha256(json.dumps(head).encode("utf-8")).hexdigest()

    def _print(self, obj: Any) -> str:
        kept = self._prints.get(id(obj))
        if kept is None or kept[0] is not obj:
            kept = self._prints[id(obj)] = (obj, fingerprint(obj))
        return kept[1]

    def totals(self, p: "Proposal", args: tuple[Any, ...]) -> "ProposalTotals | None":
        from .compute import ProposalTotals

        key = self._totals_key(p, args)
        entry = self._entries().get(key) if key else None
        if key is None or entry is None:
            return None
        head, _, blob = entry.partition(b"\n")
        try:
            if json.loads(head)["kind"] != "totals":
                return None
            value = _loads(blob)
        except Exception:  # noqa: BLE001 - an entry that cannot be read is a miss
            return None
        if type(value) is not ProposalTotals:
            return None
        self._used.add(key)
        self.parts[id(value)] = (value, blob)
        return value

    def keep_totals(self, p: "Proposal", args: tuple[Any, ...],
                    totals: "ProposalTotals") -> None:
        key = self._totals_key(p, args) if self.store.enabled else None
        entry = None if key is None else self._entry({"kind": "totals"}, totals)
        if key is None or entry is None:
            return
        self._new[key] = self._entries()[key] = entry[0]
        self._used.add(key)
        self.parts[id(totals)] = (totals, entry[1])

    # -- the pack --

    def save(self) -> None:
        """Write the pack when this run made entries: the entries it used, and at most
        `FILES_SPARE` others (an edit undone, another label), so old edits do not pile up."""
        if not self.store.enabled or not self._new:
            return
        entries = self._entries()
        room = FILES_SPARE
        keep = {k: v for k, v in entries.items() if k in self._used}
        for k, v in entries.items():
            if room <= 0:
                break
            if k not in keep:
                keep[k] = v
                room -= 1
        self.store.write_pack(FILES, keep)
        self._pack = keep
        self._new = {}


def _issue_row(i: "Issue") -> list[Any]:
    return [i.path, i.line, i.col, i.severity.value, i.code, i.message]


def _report(issues: list[list[Any]]) -> "Report":
    from .issues import Issue, Report, Severity

    return Report([Issue(str(path), int(line), int(col), Severity(severity), str(code),
                         str(message)) for path, line, col, severity, code, message in issues])


class _ModelUnpickler(pickle.Unpickler):
    """Constructs katalog's own data types and nothing else: no function, no other class.
    A persistent id `i` stands for the object pickled in `parts[i]` (read by an unpickler of
    the same kind that allows no persistent ids), made once however often it is named."""

    def __init__(self, file: io.BytesIO, parts: list[bytes] | None = None) -> None:
        super().__init__(file)
        self._parts = parts or []
        self._made: dict[int, Any] = {}

    def find_class(self, module: str, name: str) -> Any:
        allowed = _OTHER.get((module, name))
        if allowed is not None:
            return allowed
        if module in _MODEL_MODULES and module in sys.modules:
            found = getattr(sys.modules[module], name, None)
            if isinstance(found, type) and found.__module__ == module and (
                    dataclasses.is_dataclass(found) or issubclass(found, enum.Enum)):
                _OTHER[(module, name)] = found  # allowed: the next memo finds it at once
                return found
            from .model import UNKNOWN

            if found is UNKNOWN:
                return found
        raise pickle.UnpicklingError(f"a check memo may not hold {module}.{name}")

    def persistent_load(self, pid: Any) -> Any:
        if type(pid) is not int or not 0 <= pid < len(self._parts):
            raise pickle.UnpicklingError("a check memo names a part it does not hold")
        if pid not in self._made:
            self._made[pid] = _ModelUnpickler(io.BytesIO(self._parts[pid])).load()
        return self._made[pid]


class _PartsPickler(pickle.Pickler):
    """Pickles an object in `parts` as a persistent id, its pickle appended to `pickles`."""

    def __init__(self, file: io.BytesIO, parts: Parts) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.parts = parts
        self.pickles: list[bytes] = []
        self._ids: dict[int, int] = {}

    def persistent_id(self, obj: Any) -> int | None:
        kept = self.parts.get(id(obj))
        if kept is None or kept[0] is not obj:
            return None
        index = self._ids.get(id(obj))
        if index is None:
            index = self._ids[id(obj)] = len(self.pickles)
            self.pickles.append(kept[1])
        return index


def _dumps(value: Any, parts: Parts) -> tuple[bytes, list[bytes]]:
    """`value` pickled, the objects in `parts` as persistent ids; and their pickles."""
    if not parts:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), []
    out = io.BytesIO()
    pickler = _PartsPickler(out, parts)
    pickler.dump(value)
    return out.getvalue(), pickler.pickles


def _split(body: bytes, sizes: Any) -> tuple[bytes, list[bytes]]:
    """The outcome's pickle and its parts' pickles, by the sizes in the memo's header."""
    if not isinstance(sizes, list) or not sizes or not all(
            type(n) is int and n >= 0 for n in sizes) or sum(sizes) != len(body):
        raise ValueError("a check memo whose parts do not add up")
    pieces, at = [], 0
    for n in sizes:
        pieces.append(body[at:at + n])
        at += n
    return pieces[0], pieces[1:]


def _loads(body: bytes | tuple[bytes, list[bytes]]) -> Any:
    """Unpickle with the garbage collector paused: a model of 1,000 proposals is some 200,000
    objects, and collecting while they are made would cost more than making them."""
    from . import budget, compute, issues, model  # noqa: F401 - the classes it may hold

    main, parts = (body, []) if isinstance(body, bytes) else body
    with paused_gc():
        return _ModelUnpickler(io.BytesIO(main), parts).load()


class paused_gc:
    """The garbage collector paused, for many objects made at once that live on (a model).
    On leaving, what was made meanwhile is moved to the oldest generation unexamined
    (`gc.freeze` then `gc.unfreeze`): else the first collection after the pause would walk
    every one of them at once, as the young generation. Garbage among them is still
    collected, by the next full collection."""

    def __enter__(self) -> "paused_gc":
        self.was = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.was:
            gc.freeze()
            gc.unfreeze()
            gc.enable()

    def resume(self) -> None:
        """Run the collector again for a while (e.g. while worker processes are forked, so
        they collect their own garbage); `pause` stops it again."""
        if self.was:
            gc.enable()

    def pause(self) -> None:
        if self.was:
            gc.disable()


def _is_outcome(value: Any) -> bool:
    from .compute import Totals
    from .issues import Report
    from .model import Catalogue

    return (isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], Catalogue)
            and isinstance(value[1], Report) and (value[2] is None
                                                  or isinstance(value[2], Totals)))
