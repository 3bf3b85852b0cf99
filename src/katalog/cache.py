"""A small content-addressed cache for rendered pages, shared by every renderer.

A page's key is the SHA-256 of everything its bytes depend on: the data it is rendered from
(its render context), the sources of the templates, and katalog's own code. The value is the
page's bytes. A rebuild therefore renders only the pages whose inputs changed and copies the
rest from the cache; nothing has to know which content change affects which page.

Entries live in a `.katalog-cache/<namespace>/` folder beside the output folder (one namespace
per renderer, e.g. `html`), each file named by its key and prefixed with a digest of its value
so a damaged entry is treated as a miss. A new entry is written in place (a build that reads
it half-written finds its digest wrong: a miss); an existing one is replaced atomically, so
concurrent builds are safe.
After a build, `prune()` drops the namespace's entries that build did not use, which keeps the
folder as big as one build.

A namespace of many small entries can instead be kept in one pack file (`PageCache.pack`, e.g.
the HTML pages: `.katalog-cache/html.pack`): read once at the start of a build, written once
by `prune()` when the build changed it, behind a checksum like the content cache's pack. On a
disk where creating a file costs a few tenths of a millisecond, that is most of what a
thousand small entries would cost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import io
import os
import pickle
import shutil
import tempfile
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from . import __version__, parallel
from .model import UNKNOWN

if TYPE_CHECKING:
    from .source import Document

FOLDER = ".katalog-cache"
_DIGEST = hashlib.sha256().digest_size
_PAGES_PACK_SUFFIX = ".pack"  # a packed namespace's file: `<namespace>.pack` (`PageCache.pack`)
_PAGES_PACK_FORMAT = b"katalog-pages-pack-1\n"


class Unhashable(TypeError):
    """A render context holds a value `fingerprint` cannot hash reproducibly."""


@lru_cache(maxsize=None)
def _compared_fields(cls: type) -> tuple[bytes, tuple[tuple[str, bytes], ...], bool]:
    """A dataclass's tag (its qualified name), the names of the fields that define it (each
    with its encoding), and whether it is frozen."""
    names = tuple(f.name for f in dataclasses.fields(cls) if f.compare)
    name = cls.__qualname__.encode("utf-8")
    frozen = bool(getattr(cls, "__dataclass_params__").frozen)
    return (b"D%d:" % len(name) + name + b"%d:" % len(names),
            tuple((n, _str_bytes(n)) for n in names), frozen)


def _str_bytes(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"s%d:" % len(data) + data


Memo = dict[int, tuple[Any, bytes]]  # id of a frozen dataclass → (it, digest of its encoding)


def _feed(h: "hashlib._Hash", obj: Any, memo: Memo | None = None) -> None:
    """Feed a canonical, type-tagged encoding of `obj` into `h`.

    With `memo`, a frozen dataclass is fed as the digest of its encoding, worked out once per
    object: pages that share objects (a proposal's tables on its page and on the single page)
    are hashed without walking them again. The encoding still depends on values only."""
    if isinstance(obj, str):  # includes markupsafe.Markup
        h.update(_str_bytes(obj))
    elif obj is None or isinstance(obj, bool):
        h.update(b"N" if obj is None else b"T" if obj else b"F")
    elif isinstance(obj, bytes):
        h.update(b"b%d:" % len(obj) + obj)
    elif isinstance(obj, enum.Enum):
        h.update(b"e")
        _feed(h, f"{type(obj).__qualname__}.{obj.name}")
    elif isinstance(obj, int):
        h.update(b"i%d;" % obj)
    elif isinstance(obj, Decimal):
        h.update(b"d")
        _feed(h, str(obj))
    elif isinstance(obj, (dt.date, dt.datetime)):
        h.update(b"t")
        _feed(h, obj.isoformat())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        tag, names, frozen = _compared_fields(type(obj))
        if memo is not None and frozen:
            hit = memo.get(id(obj))
            if hit is None:
                sub = hashlib.sha256()
                _feed_fields(sub, obj, tag, names, memo)
                hit = memo[id(obj)] = (obj, sub.digest())  # `obj` kept: its id stays its own
            h.update(b"H" + hit[1])
        else:
            _feed_fields(h, obj, tag, names, memo)
    elif isinstance(obj, dict) or isinstance(obj, Mapping):  # dict first: the ABC check is slow
        if all(type(k) is str for k in obj):  # the usual case: no digest per key needed
            h.update(b"m%d:" % len(obj))
            for k in sorted(obj):
                v = obj[k]
                h.update(_str_bytes(k) + _str_bytes(v) if type(v) is str else _str_bytes(k))
                if type(v) is not str:
                    _feed(h, v, memo)
            return
        items = sorted((fingerprint(k), v) for k, v in obj.items())
        h.update(b"M%d:" % len(items))
        for k, v in items:
            h.update(k.encode("ascii"))
            _feed(h, v, memo)
    elif isinstance(obj, (list, tuple)):
        h.update(b"L%d:" % len(obj))
        for item in obj:
            if type(item) is str:  # the usual case (table cells), without a call
                h.update(_str_bytes(item))
            else:
                _feed(h, item, memo)
    elif isinstance(obj, (set, frozenset)):
        keys = sorted(fingerprint(item) for item in obj)
        h.update(b"S%d:" % len(keys) + "".join(keys).encode("ascii"))
    elif obj is UNKNOWN:  # the writer's "?"
        h.update(b"?")
    else:
        raise Unhashable(f"cannot fingerprint a {type(obj).__qualname__}")


def _feed_fields(h: "hashlib._Hash", obj: Any, tag: bytes,
                 names: tuple[tuple[str, bytes], ...], memo: Memo | None) -> None:
    h.update(tag)
    for name, encoded in names:
        value = getattr(obj, name)
        if type(value) is str:
            h.update(encoded + _str_bytes(value))
        else:
            h.update(encoded)
            _feed(h, value, memo)


def fingerprint(*parts: Any, memo: Memo | None = None) -> str:
    """Hex SHA-256 of `parts`: equal for equal data, independent of dict order and identity.

    `memo` (a dict kept for one render, e.g. one site) saves walking the same frozen objects
    again; keys made with a memo are only comparable to keys made with one. Objects in the
    memo must not change while it is used (frozen dataclasses of plain data, as in a render)."""
    h = hashlib.sha256()
    for part in parts:
        _feed(h, part, memo)
    return h.hexdigest()


def memo_export(memo: Memo, objects: Mapping[str, Any]) -> dict[str, bytes]:
    """The digests `memo` holds for `objects` (by name), for a process that receives the
    objects themselves (pickled, e.g. from a pool worker) to `memo_import` with them."""
    found = {name: memo.get(id(obj)) for name, obj in objects.items()}
    return {name: hit[1] for name, hit in found.items() if hit is not None and hit[0] is objects[name]}


def memo_import(memo: Memo, objects: Mapping[str, Any], digests: Mapping[str, bytes]) -> None:
    """Put `memo_export`'s digests into `memo` for these (equal, received) objects, so they
    are not walked again: a digest depends on values only."""
    for name, digest in digests.items():
        memo[id(objects[name])] = (objects[name], digest)


def tree_fingerprint(folders: Iterable[Path]) -> str:
    """Digest of every file (relative path and bytes) under `folders`, in search order."""
    h = hashlib.sha256()
    for folder in folders:
        _feed(h, str(folder))
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            _feed(h, path.relative_to(folder).as_posix())
            _feed(h, path.read_bytes())
    return h.hexdigest()


# libraries that turn a render context into bytes: a new version may render differently
RENDERING_LIBRARIES = ("jinja2", "markupsafe", "babel", "weasyprint", "pypdf", "python-docx",
                       "cmarkgfm", "nh3")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """katalog's version, the bytes of its Python modules and the versions of the rendering
    libraries: a code change or an upgrade makes every page render again."""
    from importlib import metadata  # slow to import: only when a cache is used

    package = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode("utf-8"))
    for path in sorted(package.rglob("*.py")):
        _feed(h, path.relative_to(package).as_posix())
        _feed(h, path.read_bytes())
    for name in RENDERING_LIBRARIES:
        try:
            _feed(h, f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            _feed(h, name)
    return h.hexdigest()


class PageCache:
    """Rendered pages by key. `folder=None` keeps nothing (every page is rendered).

    `rendered` and `reused` list the labels of the pages rendered and taken from the cache
    during this build, in order: the hook tests (and progress output) use.
    """

    def __init__(self, folder: Path | str | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.rendered: list[str] = []
        self.reused: list[str] = []
        self._used: dict[str, set[str]] = {}
        self._packs: dict[str, dict[str, bytes]] = {}  # packed namespaces: their entries
        self._packs_changed: set[str] = set()  # packed namespaces with entries put this build

    @classmethod
    def beside(cls, out: Path | str) -> "PageCache":
        """The cache for output folder `out`: `.katalog-cache/` in the same parent folder."""
        return cls(Path(out).resolve().parent / FOLDER)

    def _path(self, namespace: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / namespace / key[:2] / key

    def pack(self, namespace: str) -> None:
        """Keep `namespace` in one pack file (`<namespace>.pack`, read now) instead of one file
        per entry: for namespaces of many small entries (the HTML pages), where creating a
        file per entry costs more than rewriting the pack. `prune` writes it. Like the content
        cache's pack it is behind a checksum and holds only a dict of str → bytes: a damaged,
        foreign or older pack is an empty cache, never an error."""
        if self.folder is None or namespace in self._packs:
            return
        self._packs[namespace] = _read_pack(self._pack_path(namespace), _PAGES_PACK_FORMAT)

    def _pack_path(self, namespace: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{namespace}{_PAGES_PACK_SUFFIX}"

    def get(self, namespace: str, key: str) -> bytes | None:
        if self.folder is None:
            return None
        packed = self._packs.get(namespace)
        if packed is not None:
            return packed.get(key)
        try:
            raw = self._path(namespace, key).read_bytes()
        except OSError:
            return None
        digest, value = raw[:_DIGEST], raw[_DIGEST:]
        if hashlib.sha256(value).digest() != digest:
            return None
        return value

    def put(self, namespace: str, key: str, value: bytes) -> None:
        if self.folder is None:
            return
        packed = self._packs.get(namespace)
        if packed is not None:
            packed[key] = value
            self._packs_changed.add(namespace)
            return
        path = self._path(namespace, key)
        data = hashlib.sha256(value).digest() + value
        try:
            try:
                f = open(path, "xb")  # a new entry is written in place: one file operation
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                f = open(path, "xb")
            with f:
                f.write(data)
        except FileExistsError:  # a damaged entry, or another build's: replaced atomically
            try:
                fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except OSError:
                pass
        except OSError:
            pass  # a cache that cannot be written only costs time

    def use(self, namespace: str, key: str) -> bytes | None:
        """`get`, and keep the entry at the next `prune`."""
        self._used.setdefault(namespace, set()).add(key)
        return self.get(namespace, key)

    def page(self, namespace: str, label: str, key: str, render: Callable[[], bytes]) -> bytes:
        """The page for `key`: from the cache, or rendered now (and stored)."""
        self._used.setdefault(namespace, set()).add(key)
        value = self.get(namespace, key)
        if value is not None:
            self.reused.append(label)
            return value
        value = render()
        self.rendered.append(label)
        self.put(namespace, key, value)
        return value

    def record(self, namespace: str, label: str, key: str, rendered: bool,
               value: bytes | None) -> None:
        """Book a page `page` would have given, looked up elsewhere (e.g. by a pool worker,
        with `get`): its entry is kept at the next `prune`, and `value` (the bytes of a page
        rendered now) stored."""
        self._used.setdefault(namespace, set()).add(key)
        (self.rendered if rendered else self.reused).append(label)
        if rendered and value is not None:
            self.put(namespace, key, value)

    def prune(self, namespace: str) -> None:
        """Drop the entries of `namespace` that this build did not use (a packed namespace:
        write its pack, when this build changed what it holds)."""
        if self.folder is None:
            return
        used = self._used.get(namespace, set())
        packed = self._packs.get(namespace)
        if packed is not None:
            if namespace in self._packs_changed or packed.keys() - used:
                self._packs[namespace] = {k: v for k, v in packed.items() if k in used}
                _write_pack(self._pack_path(namespace), self._packs[namespace],
                            _PAGES_PACK_FORMAT)
                self._packs_changed.discard(namespace)
            if (self.folder / namespace).is_dir():  # entries of versions before the pack
                shutil.rmtree(self.folder / namespace, ignore_errors=True)
            return
        if not (self.folder / namespace).is_dir():
            return
        for path in (self.folder / namespace).glob("*/*"):
            if path.name not in used:
                try:
                    path.unlink()
                except OSError:
                    pass


# --- Parsed content files (a warm `katalog check`) ------------------------------------------

DOCUMENTS = "documents"  # namespace of parsed content files
NO_CACHE_ENV = "KATALOG_NO_CACHE"  # KATALOG_NO_CACHE=1: never read or write a cache
_DOCUMENT_FORMAT = b"katalog-document-1\n"
# the only classes a cached document may contain (plus built-in containers and scalars)
_DOCUMENT_CLASSES = {
    ("decimal", "Decimal"), ("datetime", "date"), ("datetime", "datetime"),
    ("katalog.model", "UNKNOWN"),
}


def caching_enabled() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip() not in ("1", "true", "yes", "ja")


class _DocumentUnpickler(pickle.Unpickler):
    """Unpickles katalog's own document tuples only: any other class is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _DOCUMENT_CLASSES:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")
        return super().find_class(module, name)


@lru_cache(maxsize=1)
def _document_version() -> str:
    """What a parsed file depends on besides its bytes: katalog's code and ruamel.yaml."""
    from importlib import metadata

    parts = [code_fingerprint()]
    for name in ("ruamel.yaml", "ruamel.yaml.clib"):
        try:
            parts.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(name)
    return fingerprint(*parts)


PARALLEL_MIN_FILES = 200  # fewer files are parsed in this process: a pool would cost more


def _encode(entry: tuple[Any, ...]) -> bytes | None:
    """A document cache entry's bytes (None: something in it cannot be stored)."""
    try:
        return _DOCUMENT_FORMAT + pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - something unexpected in the data: just not cached
        return None


def _decode(value: bytes, path: str) -> "Document":
    """The Document an entry holds, at `path`; raises its SourceError."""
    from .source import Document, SourceError

    kind, *fields = _DocumentUnpickler(io.BytesIO(value[len(_DOCUMENT_FORMAT):])).load()
    if kind == "error":
        raise SourceError(*fields)
    if kind != "doc":
        raise ValueError(f"not a document entry: {kind!r}")
    data, positions, key_positions, body, body_line = fields
    return Document(path, data, positions, key_positions, body, body_line)


def _parse_entry(item: tuple[bytes, bool]) -> bytes | None:
    """One file parsed (in a pool worker) into an entry; None when parsing raised anything
    but a SourceError (the reader then parses it again itself and reports it as always)."""
    from .source import SourceError, read_document

    raw, front_matter = item
    try:
        doc = read_document(raw, "", front_matter)
        return _encode(("doc", doc.data, doc.positions, doc.key_positions, doc.body,
                        doc.body_line))
    except SourceError as exc:
        return _encode(("error", exc.code, exc.message, exc.line, exc.col))
    except Exception:  # noqa: BLE001
        return None


PACK = "documents.pack"  # every parsed content file of a folder, in one file
_PACK_FORMAT = b"katalog-documents-pack-1\n"


class _PackUnpickler(pickle.Unpickler):
    """A pack is a dict of str → bytes: no class at all may be loaded."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


def _read_pack(path: Path, fmt: bytes = _PACK_FORMAT) -> dict[str, bytes]:
    """The entries of a pack file; {} when it is missing, damaged, foreign or older."""
    try:
        raw = path.read_bytes()
    except OSError:
        return {}
    head = len(fmt)
    digest, payload = raw[head:head + _DIGEST], raw[head + _DIGEST:]
    if not raw.startswith(fmt) or hashlib.sha256(payload).digest() != digest:
        return {}
    try:
        pack = _PackUnpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - a bad pack is an empty cache
        return {}
    if not isinstance(pack, dict):
        return {}
    return {k: v for k, v in pack.items() if isinstance(k, str) and isinstance(v, bytes)}


def _write_pack(path: Path, entries: Mapping[str, bytes], fmt: bytes = _PACK_FORMAT) -> None:
    """Replace the pack atomically (a concurrent reader sees the old or the new one)."""
    payload = pickle.dumps(dict(sorted(entries.items())), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(fmt + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


class DocumentCache:
    """`source.read_document` with its results kept in one pack file of the cache folder.

    Key: SHA-256 of the file's bytes, whether it has front matter, and `_document_version()`
    (katalog's code and the YAML library), so any edit or upgrade is a miss. The path is not
    part of the key; the shown path is put back on every hit. A file that cannot be read
    (`SourceError`) is cached as that error. Values are pickled tuples of plain data, read
    back with an unpickler that allows only `Decimal`, dates and `UNKNOWN`; the pack (a
    dict of key → value, `documents.pack`) is behind a checksum: a damaged, foreign or older
    pack or entry is a miss, never an error. One file instead of one per content file: a cold
    check of 1,000 files creates one file, not a thousand, and a warm one opens one.
    `save()` writes the pack when this run parsed something new. `hits` and `misses` count
    this run's lookups.
    """

    def __init__(self, store: PageCache) -> None:
        self.store = store
        self.hits = 0
        self.misses = 0
        self._pack: dict[str, bytes] | None = None  # read at the first lookup
        self._new: dict[str, bytes] = {}  # parsed in this run
        self._used: set[str] = set()
        # parsed by `prefetch`: (raw, front matter) → entry
        self._ahead: dict[tuple[bytes, bool], bytes] = {}

    @classmethod
    def beside(cls, content: Path | str) -> "DocumentCache":
        """The cache of content folder `content`: `.katalog-cache/` in its parent folder,
        where `katalog build`'s default output folder keeps its cache too."""
        return cls(PageCache(Path(content).resolve().parent / FOLDER))

    @property
    def pack_path(self) -> Path | None:
        return self.store.folder / PACK if self.store.folder is not None else None

    def _entries(self) -> dict[str, bytes]:
        if self._pack is None:
            path = self.pack_path
            self._pack = _read_pack(path) if path is not None else {}
        return self._pack

    def _key(self, raw: bytes, front_matter: bool) -> str:
        h = hashlib.sha256(_document_version().encode("ascii"))
        h.update(b"M" if front_matter else b"Y")
        h.update(raw)
        return h.hexdigest()

    def prefetch(self, files: Mapping[str, bytes | OSError], workers: int | None = None) -> None:
        """Parse the content files (`catalogue.yaml`, `*.md`) the cache does not have in the
        process pool, when they are many and the pool starts cheaply (else `read` parses each
        when asked); `read` takes the results from memory. Results and messages are exactly
        those of `read` alone."""
        workers = parallel.default_workers() if workers is None else workers
        stored = self.store.folder is not None
        jobs: list[tuple[bytes, bool]] = []  # the files the cache lacks
        for raw, fm in dict.fromkeys(
                (raw, rel.endswith(".md")) for rel, raw in files.items()
                if isinstance(raw, bytes) and (rel.endswith(".md") or rel == "catalogue.yaml")):
            if not (stored and self._key(raw, fm) in self._entries()):
                jobs.append((raw, fm))
        if workers <= 1 or len(jobs) < PARALLEL_MIN_FILES or not parallel.starts_cheaply():
            return  # a second of parsing at most: not worth starting new interpreters for
        entries = parallel.map_processes(_parse_entry, jobs, workers,
                                         chunksize=max(1, len(jobs) // (4 * workers)))
        for job, entry in zip(jobs, entries):
            if entry is not None:
                self._ahead[job] = entry

    def read(self, raw: bytes, path: str, front_matter: bool) -> "Document":
        from .source import SourceError, read_document

        key = self._key(raw, front_matter) if self.store.folder is not None else ""
        entry = self._ahead.pop((raw, front_matter), None)
        fresh = entry is not None
        if key:
            self._used.add(key)
            if entry is None:
                entry = self._new.get(key) or self._entries().get(key)
            elif entry.startswith(_DOCUMENT_FORMAT):
                self._new[key] = entry
        if entry is not None and entry.startswith(_DOCUMENT_FORMAT):
            try:
                doc = _decode(entry, path)
            except SourceError:
                self._count(fresh)
                raise
            except Exception:  # noqa: BLE001 - a bad entry is a miss
                self._new.pop(key, None)
            else:
                self._count(fresh)
                return doc
        self.misses += 1
        try:
            doc = read_document(raw, path, front_matter)
        except SourceError as exc:
            if key:
                self._put(key, ("error", exc.code, exc.message, exc.line, exc.col))
            raise
        if key:
            self._put(key, ("doc", doc.data, doc.positions, doc.key_positions, doc.body,
                            doc.body_line))
        return doc

    def _count(self, parsed_now: bool) -> None:
        if parsed_now:
            self.misses += 1
        else:
            self.hits += 1

    def _put(self, key: str, entry: tuple[Any, ...]) -> None:
        data = _encode(entry)
        if data is not None:
            self._new[key] = data

    def save(self) -> None:
        """Write the pack when this run parsed something new: the entries it used, plus the
        older ones while they are not many more (so two revisions or folders can share the
        cache, while old edits do not pile up). Removes the per-file entries of katalog
        versions before the pack."""
        path = self.pack_path
        if path is None:
            return
        old = self._entries()
        stale = len(old.keys() - self._used)
        if self._new or stale > 3 * len(self._used) + 256:
            keep = {**old, **self._new}
            if len(keep) > 4 * len(self._used) + 256:
                keep = {k: v for k, v in keep.items() if k in self._used}
            _write_pack(path, keep)
            self._pack = keep
            self._new = {}
        legacy = path.parent / DOCUMENTS
        if legacy.is_dir():
            shutil.rmtree(legacy, ignore_errors=True)


# --- Cached parallel work --------------------------------------------------------------------

def cached_map(cache: PageCache | None, namespace: str, fn: Callable[[Any], bytes],
               items: Sequence[Any], keys: Sequence[str], labels: Sequence[str],
               workers: int | None = None, min_items: int = 2,
               mapper: Callable[..., list[Any]] | None = None) -> list[bytes]:
    """`[fn(x) for x in items]` for pure `fn`: each result from `cache` by its key when it is
    there, the others computed in the process pool (`katalog.parallel`, or the `mapper` of a
    `parallel.pool()`) and stored."""
    from . import parallel

    results: list[bytes | None] = []
    missing: list[int] = []
    for i, key in enumerate(keys):
        hit = cache.use(namespace, key) if cache is not None else None
        if hit is not None and cache is not None:
            cache.reused.append(labels[i])
        else:
            missing.append(i)
        results.append(hit)
    todo = [items[i] for i in missing]
    done = (mapper(fn, todo, min_items=min_items) if mapper is not None
            else parallel.map_processes(fn, todo, workers, min_items=min_items))
    for i, value in zip(missing, done):
        results[i] = value
        if cache is not None:
            cache.rendered.append(labels[i])
            cache.put(namespace, keys[i], value)
    return [r for r in results if r is not None]
