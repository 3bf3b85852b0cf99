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
import os
import tempfile
from decimal import Decimal
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from . import __version__
from .model import UNKNOWN

FOLDER = ".katalog-cache"
_DIGEST = hashlib.sha256().digest_size


class Unhashable(TypeError):
    """A render context holds a value `fingerprint` cannot hash reproducibly."""


def _feed(h: "hashlib._Hash", obj: Any) -> None:
    """Feed a canonical, type-tagged encoding of `obj` into `h`."""
    if obj is None or isinstance(obj, bool):
        h.update(b"N" if obj is None else b"T" if obj else b"F")
    elif isinstance(obj, str):  # includes markupsafe.Markup
        data = obj.encode("utf-8")
        h.update(b"s%d:" % len(data) + data)
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
        h.update(b"D")
        _feed(h, type(obj).__qualname__)
        _feed(h, {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.compare})
    elif isinstance(obj, Mapping):
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
