"""A small content-addressed cache for rendered pages, shared by every renderer.

A page's key is the SHA-256 of everything its bytes depend on: the data it is rendered from
(its render context), the sources of the templates, and katalog's own code. The value is the
page's bytes. A rebuild therefore renders only the pages whose inputs changed and copies the
rest from the cache; nothing has to know which content change affects which page.

Entries live in a `.katalog-cache/<namespace>/` folder beside the output folder (one namespace
per renderer, e.g. `html`), each file named by its key and prefixed with a digest of its value
so a damaged entry is treated as a miss. Writes are atomic, so concurrent builds are safe.
After a build, `prune()` drops the namespace's entries that build did not use, which keeps the
folder as big as one build.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import io
import os
import pickle
import tempfile
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from . import __version__
from .model import UNKNOWN

if TYPE_CHECKING:
    from .source import Document

FOLDER = ".katalog-cache"
_DIGEST = hashlib.sha256().digest_size


class Unhashable(TypeError):
    """A render context holds a value `fingerprint` cannot hash reproducibly."""


@lru_cache(maxsize=None)
def _compared_fields(cls: type) -> tuple[bytes, tuple[str, ...]]:
    """A dataclass's tag (its qualified name) and the names of the fields that define it."""
    names = tuple(f.name for f in dataclasses.fields(cls) if f.compare)
    name = cls.__qualname__.encode("utf-8")
    return b"D%d:" % len(name) + name + b"%d:" % len(names), names


def _feed(h: "hashlib._Hash", obj: Any) -> None:
    """Feed a canonical, type-tagged encoding of `obj` into `h`."""
    if isinstance(obj, str):  # includes markupsafe.Markup
        data = obj.encode("utf-8")
        h.update(b"s%d:" % len(data) + data)
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
        tag, names = _compared_fields(type(obj))
        h.update(tag)
        for name in names:
            _feed(h, name)
            _feed(h, getattr(obj, name))
    elif isinstance(obj, Mapping):
        if all(type(k) is str for k in obj):  # the usual case: no digest per key needed
            h.update(b"m%d:" % len(obj))
            for k in sorted(obj):
                _feed(h, k)
                _feed(h, obj[k])
            return
        items = sorted((fingerprint(k), v) for k, v in obj.items())
        h.update(b"M%d:" % len(items))
        for k, v in items:
            h.update(k.encode("ascii"))
            _feed(h, v)
    elif isinstance(obj, (list, tuple)):
        h.update(b"L%d:" % len(obj))
        for item in obj:
            _feed(h, item)
    elif isinstance(obj, (set, frozenset)):
        keys = sorted(fingerprint(item) for item in obj)
        h.update(b"S%d:" % len(keys) + "".join(keys).encode("ascii"))
    elif obj is UNKNOWN:  # the writer's "?"
        h.update(b"?")
    else:
        raise Unhashable(f"cannot fingerprint a {type(obj).__qualname__}")


def fingerprint(*parts: Any) -> str:
    """Hex SHA-256 of `parts`: equal for equal data, independent of dict order and identity."""
    h = hashlib.sha256()
    for part in parts:
        _feed(h, part)
    return h.hexdigest()


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
                       "markdown", "nh3")


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


MARKDOWN = "markdown"  # namespace of converted Markdown bodies


def markdown_key(source: str) -> str:
    """The cache key of a Markdown body's sanitised HTML."""
    return fingerprint(MARKDOWN, source, code_fingerprint())


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

    @classmethod
    def beside(cls, out: Path | str) -> "PageCache":
        """The cache for output folder `out`: `.katalog-cache/` in the same parent folder."""
        return cls(Path(out).resolve().parent / FOLDER)

    def _path(self, namespace: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / namespace / key[:2] / key

    def get(self, namespace: str, key: str) -> bytes | None:
        if self.folder is None:
            return None
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
        path = self._path(namespace, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(hashlib.sha256(value).digest() + value)
            os.replace(tmp, path)
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

    def prune(self, namespace: str) -> None:
        """Drop the entries of `namespace` that this build did not use."""
        if self.folder is None or not (self.folder / namespace).is_dir():
            return
        used = self._used.get(namespace, set())
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


class DocumentCache:
    """`source.read_document` with its results kept in a `PageCache` namespace.

    Key: SHA-256 of the file's bytes, whether it has front matter, and `_document_version()`
    (katalog's code and the YAML library), so any edit or upgrade is a miss. The path is not
    part of the key; the shown path is put back on every hit. A file that cannot be read
    (`SourceError`) is cached as that error. Values are pickled tuples of plain data, read
    back with an unpickler that allows only `Decimal`, dates and `UNKNOWN`, behind the
    store's checksum: a damaged, foreign or older entry is a miss, never an error.
    `hits` and `misses` count this run's lookups.
    """

    def __init__(self, store: PageCache) -> None:
        self.store = store
        self.hits = 0
        self.misses = 0

    @classmethod
    def beside(cls, content: Path | str) -> "DocumentCache":
        """The cache of content folder `content`: `.katalog-cache/` in its parent folder,
        where `katalog build`'s default output folder keeps its cache too."""
        return cls(PageCache(Path(content).resolve().parent / FOLDER))

    def _key(self, raw: bytes, front_matter: bool) -> str:
        h = hashlib.sha256(_document_version().encode("ascii"))
        h.update(b"M" if front_matter else b"Y")
        h.update(raw)
        return h.hexdigest()

    def read(self, raw: bytes, path: str, front_matter: bool) -> "Document":
        from .source import Document, SourceError, read_document

        key = self._key(raw, front_matter)
        value = self.store.use(DOCUMENTS, key)
        if value is not None and value.startswith(_DOCUMENT_FORMAT):
            try:
                kind, *fields = _DocumentUnpickler(io.BytesIO(value[len(_DOCUMENT_FORMAT):])).load()
                if kind == "doc":
                    data, positions, key_positions, body, body_line = fields
                    self.hits += 1
                    return Document(path, data, positions, key_positions, body, body_line)
                if kind == "error":
                    code, message, line, col = fields
                    self.hits += 1
                    raise SourceError(code, message, line, col)
            except SourceError:
                raise
            except Exception:  # noqa: BLE001 - a bad entry is a miss
                pass
        self.misses += 1
        try:
            doc = read_document(raw, path, front_matter)
        except SourceError as exc:
            self._put(key, ("error", exc.code, exc.message, exc.line, exc.col))
            raise
        self._put(key, ("doc", doc.data, doc.positions, doc.key_positions, doc.body,
                        doc.body_line))
        return doc

    def _put(self, key: str, entry: tuple[Any, ...]) -> None:
        try:
            data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - something unexpected in the data: just not cached
            return
        self.store.put(DOCUMENTS, key, _DOCUMENT_FORMAT + data)

    def tidy(self) -> None:
        """Drop entries this run did not use once they are many more than it used (so two
        revisions or folders can share the cache, while old edits do not pile up)."""
        folder = self.store.folder
        if folder is None or not (folder / DOCUMENTS).is_dir():
            return
        used = self.store._used.get(DOCUMENTS, set())
        entries = list((folder / DOCUMENTS).glob("*/*"))
        if len(entries) > 4 * len(used) + 256:
            self.store.prune(DOCUMENTS)


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
