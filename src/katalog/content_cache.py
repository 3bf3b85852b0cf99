"""Parsed content files, kept between runs: `source.read_document` with a memory.

`DocumentCache.read` parses each distinct file (its bytes and whether it has front matter)
once per run, and with a `cache.Store` keeps the results in one pack record
(`documents.pack`) for the next run: a warm `katalog check` of 1,000 files opens one file
instead of parsing a thousand. The key is a `fingerprint` of the file's bytes, whether it has
front matter and `code_fingerprint(PARSING)` (katalog's code and the YAML library), so any
edit or upgrade is a miss. The path is not part of the key; the shown path is put back on every hit.
A file that cannot be read (`SourceError`) is kept as that error.

An entry is plain JSON (`encode_document`/`decode_document`): `Decimal`, dates, `UNKNOWN` and
mappings with non-text keys are tagged, nothing is ever unpickled. With 200 files or more
and a pool that starts by `fork`, the files the cache lacks are parsed ahead in the process
pool (`prefetch`); results and messages are exactly those of `read` alone. `prefetch` can also
run a function of each parsed file in the same worker (`then`: a cold check loads themes and
proposals there, `load.load_ahead`); the Document of a file so done is not sent back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .cache import Store
from .fingerprint import PARSING, code_fingerprint, fingerprint
from .model import UNKNOWN

if TYPE_CHECKING:
    from .source import Document

PACK = "documents"  # the pack record of parsed content files (`documents.pack`)
PARALLEL_MIN_FILES = 200  # fewer files are parsed in this process: a pool would cost more


class Unencodable(TypeError):
    """A parsed value of a type an entry cannot hold (it is then just not cached)."""


def _enc(value: Any) -> Any:
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return value
    if t is list:
        return [_enc(v) for v in value]
    if t is dict:
        return {"m": [x for k, v in value.items() for x in (_enc_key(k), _enc(v))]}
    if t is Decimal:
        return {"d": str(value)}
    if t is dt.date:
        return {"t": value.isoformat()}
    if value is UNKNOWN:
        return {"u": 1}
    raise Unencodable(f"cannot keep a {t.__qualname__} in the content cache")


def _enc_key(key: Any) -> Any:
    if type(key) is str or type(key) is int:
        return key
    raise Unencodable(f"cannot keep a {type(key).__qualname__} key in the content cache")


def _dec(obj: dict[str, Any]) -> Any:
    """`json.loads` object hook: a tagged value back."""
    if "m" in obj:
        flat = obj["m"]
        return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}
    if "d" in obj:
        return Decimal(obj["d"])
    if "t" in obj:
        return dt.date.fromisoformat(obj["t"])
    if "u" in obj:
        return UNKNOWN
    raise ValueError(f"unknown tag in a content cache entry: {sorted(obj)}")


_DECODER = json.JSONDecoder(object_hook=_dec)  # one for every entry (`json.loads` makes one each)


def encode_document(doc: "Document") -> bytes:
    """A parsed file as an entry (the path is left out: it is put back on reading): JSON,
    then a NUL byte (JSON never holds one unescaped) and the Markdown body as UTF-8, which
    so needs no escaping. Positions are laid out to be read back fast: the value paths as
    JSON lists (which keep the parts' types: text keys, list indexes), their (line, column)
    pairs as one flat list, and each key's path as the index of the same value path."""
    body = doc.body.encode("utf-8")
    paths = list(doc.positions)
    index = {p: i for i, p in enumerate(paths)}
    keys = [index.get(p, -1) for p in doc.key_positions]
    extra = [list(p) for p, i in zip(doc.key_positions, keys) if i < 0]  # (never, in practice)
    head = json.dumps(["doc", _enc(doc.data), paths, _flat(doc.positions.values()), keys, extra,
                       _flat(doc.key_positions.values()), doc.body_line, len(body)],
                      ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return head.encode("utf-8") + b"\0" + body


def _flat(pairs: Any) -> list[int]:
    return [x for pair in pairs for x in pair]


def encode_error(code: str, message: str, line: int, col: int) -> bytes:
    return json.dumps(["error", code, message, line, col], ensure_ascii=False).encode("utf-8")


def decode_document(entry: bytes, path: str) -> "Document":
    """The Document an entry holds, at `path`; raises the `SourceError` it holds."""
    from .source import Document, SourceError

    head, _, body = entry.partition(b"\0")
    kind, *fields = _DECODER.decode(head.decode("utf-8"))
    if kind == "error":
        code, message, line, col = fields
        raise SourceError(str(code), str(message), int(line), int(col))
    if kind != "doc":
        raise ValueError(f"not a document entry: {kind!r}")
    data, paths, places, keys, extra, key_places, body_line, size = fields
    if len(body) != size:
        raise ValueError("a truncated content cache entry")
    tuples = list(map(tuple, paths))
    more = iter(map(tuple, extra))
    key_paths = [tuples[i] if i >= 0 else next(more) for i in keys]
    at, key_at = iter(places), iter(key_places)
    return Document(path, data, dict(zip(tuples, zip(at, at))),
                    dict(zip(key_paths, zip(key_at, key_at))), body.decode("utf-8"), body_line)


Parsed = tuple[bytes | None, Any]  # (the entry to keep, the Document or SourceError's args)
Then = Callable[["Document", Any], Any]  # a module-level function, run on a file parsed ahead
Ahead = tuple[bytes | None, Any, dict[str, Any]]  # `Parsed`, and `then`'s results by file


def _parse_ahead(item: tuple[bytes, bool, bool]) -> Parsed | None:
    """One file parsed in a pool worker: its entry (when `keep`) and the result itself (sent
    back by the pool, so this process need not decode the entry); None when parsing raised
    anything but a SourceError (the reader then parses it again and reports it as always)."""
    from .source import SourceError, read_document

    raw, front_matter, keep = item
    try:
        doc = read_document(raw, "", front_matter)
    except SourceError as exc:
        fields = (exc.code, exc.message, exc.line, exc.col)
        return (encode_error(*fields) if keep else None), fields
    except Exception:  # noqa: BLE001
        return None
    try:
        return (encode_document(doc) if keep else None), doc
    except (Unencodable, ValueError):
        return None, doc


def _parse_then(item: tuple[bytes, bool, bool, Then | None, list[tuple[str, Any]]],
                ) -> Ahead | None:
    """`_parse_ahead`, then `then(document, arg)` for each (file, arg) of the item, in the
    same worker: the results by file (a file whose `then` raised or gave None is left out).
    The Document itself is sent back only when some file of these bytes is left to `read`."""
    raw, front_matter, keep, then, args = item
    parsed = _parse_ahead((raw, front_matter, keep))
    if parsed is None:
        return None
    entry, result = parsed
    done: dict[str, Any] = {}
    if then is not None and not isinstance(result, tuple):
        for rel, arg in args:
            if arg is None:
                continue
            try:
                out = then(result, arg)
            except Exception:  # noqa: BLE001 - left to this process, which reports it
                out = None
            if out is not None:
                done[rel] = out
    if args and len(done) == len(args):
        result = None  # every file of these bytes is done: the Document is not needed
    return entry, result, done


class DocumentCache:
    """`source.read_document` that parses each distinct file once, kept in `store` between
    runs. `hits` and `misses` count this run's lookups of distinct files."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store if store is not None else Store(None)
        self.hits = 0
        self.misses = 0
        self._pack: dict[str, bytes] | None = None  # the stored entries, read when first needed
        self._new: dict[str, bytes] = {}  # entries made in this run
        self._used: set[str] = set()
        self._docs: dict[tuple[bool, bytes], "Document"] = {}  # parsed in this run
        self._ahead: dict[tuple[bytes, bool], Parsed] = {}  # parsed by `prefetch`
        self._alone = False  # parse without the store (`read_alone`)

    @classmethod
    def beside(cls, content: Any) -> "DocumentCache":
        """The cache of a content folder: `.katalog-cache/` in its parent folder."""
        return cls(Store.beside(content))

    def _entries(self) -> dict[str, bytes]:
        if self._pack is None:
            self._pack = self.store.read_pack(PACK)
        return self._pack

    @staticmethod
    def key(raw: bytes, front_matter: bool) -> str:
        return fingerprint(code_fingerprint(PARSING), front_matter, raw)

    def prefetch(self, files: Mapping[str, bytes | OSError], workers: int | None = None,
                 then: Then | None = None, args: Mapping[str, Any] | None = None,
                 ) -> dict[str, Any]:
        """Parse the content files (`catalogue.yaml`, `*.md`) the cache lacks in the process
        pool, when they are many and the pool starts cheaply (else `read` parses each when
        asked); `read` takes the results from memory. With `then`, a module-level function,
        each file `f` of `args` parsed in the pool is also given to `then(document at path
        "", args[f])` there: the results, by file, are returned (a file left out of them is
        to be read as usual; its bytes are then parsed once, as ever)."""
        from . import parallel  # here: starting no pool needs none of it

        workers = parallel.default_workers() if workers is None else workers
        wanted: dict[tuple[bytes, bool], list[tuple[str, Any]]] = {}
        for rel, raw in files.items():
            if isinstance(raw, bytes) and (rel.endswith(".md") or rel == "catalogue.yaml"):
                wanted.setdefault((raw, rel.endswith(".md")), []).append(
                    (rel, None if args is None else args.get(rel)))
        if workers <= 1 or len(wanted) < PARALLEL_MIN_FILES:
            return {}  # a second of parsing at most: not worth starting new interpreters for
        jobs = [(raw, fm) for raw, fm in wanted
                if not (self.store.enabled and self.key(raw, fm) in self._entries())]
        if len(jobs) < PARALLEL_MIN_FILES or not parallel.starts_cheaply():
            return {}
        keep = self.store.enabled
        done = parallel.map_processes(
            _parse_then, [(raw, fm, keep, then, wanted[(raw, fm)]) for raw, fm in jobs],
            workers, chunksize=max(1, len(jobs) // (4 * workers)))
        results: dict[str, Any] = {}
        for (raw, fm), ahead in zip(jobs, done):
            if ahead is None:
                continue
            entry, result, by_file = ahead
            results.update(by_file)
            if result is not None:
                self._ahead[(raw, fm)] = entry, result
                continue
            # every file of these bytes was done by `then`: `read` will not be asked for
            # them, so they are counted and their entry kept here, as `_parse` would
            self.misses += 1
            if self.store.enabled:
                key = self.key(raw, fm)
                self._used.add(key)
                if entry is not None:
                    self._new[key] = entry
        return results

    def read_alone(self) -> None:
        """Parse the files asked for from now on without the store (neither looked up nor
        kept): for the few files a memo of their loading did not give back
        (`check_memo.FileMemo`), where reading and writing the whole pack would cost more
        than parsing them."""
        self._alone = True

    def read(self, raw: bytes, path: str, front_matter: bool) -> "Document":
        """The file parsed (or its `SourceError` raised), as `source.read_document` would."""
        doc = self._docs.get((front_matter, raw))
        if doc is None:
            doc = self._docs[(front_matter, raw)] = self._parse(raw, path, front_matter)
        return doc if doc.path == path else dataclasses.replace(doc, path=path)

    def _parse(self, raw: bytes, path: str, front_matter: bool) -> "Document":
        from .source import SourceError, read_document

        key = self.key(raw, front_matter) if self.store.enabled and not self._alone else ""
        if key:
            self._used.add(key)
        ahead = self._ahead.pop((raw, front_matter), None)
        if ahead is not None:
            self.misses += 1
            entry, result = ahead
            if key and entry is not None:
                self._new[key] = entry
            if isinstance(result, tuple):
                raise SourceError(*result)
            doc: Document = dataclasses.replace(result, path=path)
            return doc
        entry = self._entries().get(key) if key else None
        if entry is not None:
            try:
                doc = decode_document(entry, path)
            except SourceError:
                self.hits += 1
                raise
            except Exception:  # noqa: BLE001 - a bad entry is a miss
                pass
            else:
                self.hits += 1
                return doc
        self.misses += 1
        try:
            doc = read_document(raw, path, front_matter)
        except SourceError as exc:
            if key:
                self._new[key] = encode_error(exc.code, exc.message, exc.line, exc.col)
            raise
        if key:
            try:
                self._new[key] = encode_document(doc)
            except (Unencodable, ValueError):
                pass  # something unexpected in the data: just not cached
        return doc

    def save(self, in_use: Mapping[str, bytes | OSError] | None = None) -> None:
        """Write the pack when this run parsed something new: the entries it used, plus the
        older ones while they are not many more (so two revisions or folders can share the
        cache, while old edits do not pile up). `in_use` are the files of this run, which
        count as used even when they were not parsed (a memo gave them back,
        `check_memo.FileMemo`)."""
        if not self.store.enabled or (self._pack is None and not self._new):
            return  # nothing read, nothing new: nothing to write
        content = [] if in_use is None else [
            (raw, rel.endswith(".md")) for rel, raw in in_use.items()
            if isinstance(raw, bytes) and (rel.endswith(".md") or rel == "catalogue.yaml")]
        used = max(len(self._used), len(content))
        old = self._entries()
        stale = len(old.keys() - self._used) if used == len(self._used) else len(old) - used
        if self._new or stale > 3 * used + 256:
            keep = {**old, **self._new}
            if len(keep) > 4 * used + 256:
                wanted = self._used | {self.key(raw, fm) for raw, fm in content}
                keep = {k: v for k, v in keep.items() if k in wanted}
            self.store.write_pack(PACK, keep)
            self._pack = keep
            self._new = {}
