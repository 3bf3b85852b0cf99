"""Fingerprints: the one way katalog turns "everything a result depends on" into a key.

`fingerprint(*parts)` is a SHA-256 of a canonical, type-tagged encoding of plain data (str,
bytes, numbers, `Decimal`, dates, enums, dataclasses, mappings, sequences, sets, `UNKNOWN`):
equal for equal data, independent of dict order and object identity, and different for data
that differs in value or type. `code_fingerprint()` stands for katalog's own code and the
libraries that turn data into bytes; `tree_fingerprint` for a folder of files (templates).
The executor (`katalog.execute`) and the content cache (`katalog.content_cache`) key
everything with these; nothing else computes cache keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import __version__
from .model import UNKNOWN
from .versions import library_version


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
    t = type(obj)
    if t is Decimal:  # the commonest values first, by exact type (same encoding as below)
        h.update(b"d" + _str_bytes(str(obj)))
    elif t is int:
        h.update(b"i%d;" % obj)
    elif t is tuple or t is list:
        _feed_sequence(h, obj, memo)
    elif isinstance(obj, str):  # includes markupsafe.Markup
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
                # `obj` kept: its id stays its own
                hit = memo[id(obj)] = (obj, _digest(obj, tag, names, memo))
            h.update(b"H" + hit[1])
        else:
            _feed_fields(h, obj, tag, names, memo)
    elif isinstance(obj, dict) or isinstance(obj, Mapping):  # dict first: the ABC check is slow
        _feed_mapping(h, obj, memo)
    elif isinstance(obj, (list, tuple)):
        _feed_sequence(h, obj, memo)
    elif isinstance(obj, (set, frozenset)):
        keys = sorted(fingerprint(item) for item in obj)
        h.update(b"S%d:" % len(keys) + "".join(keys).encode("ascii"))
    elif obj is UNKNOWN:  # the writer's "?"
        h.update(b"?")
    else:
        raise Unhashable(f"cannot fingerprint a {type(obj).__qualname__}")


def _feed_sequence(h: "hashlib._Hash", obj: Any, memo: Memo | None) -> None:
    h.update(b"L%d:" % len(obj))
    for item in obj:
        if type(item) is str:  # the usual case (table cells), without a call
            h.update(_str_bytes(item))
        else:
            _feed(h, item, memo)


def _feed_mapping(h: "hashlib._Hash", obj: Mapping[Any, Any], memo: Memo | None) -> None:
    if all(type(k) is str for k in obj):  # the usual case: no digest per key needed
        h.update(b"m%d:" % len(obj))
        for k in sorted(obj):
            v = obj[k]
            h.update(_str_bytes(k) + _str_bytes(v) if type(v) is str else _str_bytes(k))
            if type(v) is not str:
                _feed(h, v, memo)
        return
    if all(type(k) is int for k in obj):  # years → amounts: sorted numbers, no digests
        h.update(b"Y%d:" % len(obj))
        for k in sorted(obj):
            h.update(b"%d;" % k)
            _feed(h, obj[k], memo)
        return
    items = sorted((fingerprint(k), v) for k, v in obj.items())
    h.update(b"M%d:" % len(items))
    for k, v in items:
        h.update(k.encode("ascii"))
        _feed(h, v, memo)


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


DIGEST = "_katalog_digest"  # a frozen model object's digest, kept with it (`remember_digest`)


def _digest(obj: Any, tag: bytes, names: tuple[tuple[str, bytes], ...], memo: Memo) -> bytes:
    """The digest a frozen dataclass is fed as with a memo: the one kept with it
    (`remember_digest`), else worked out."""
    digest = getattr(obj, DIGEST, None)
    if type(digest) is bytes:
        return digest
    sub = hashlib.sha256()
    _feed_fields(sub, obj, tag, names, memo)
    return sub.digest()


def remember_digest(obj: Any) -> None:
    """Work out the digest a frozen dataclass is fed as (with a memo) and keep it on the
    object, so a key made later — in another process, after the object was pickled with it
    into the check memo — does not walk it again. Only for objects that never change: a
    changed copy (`dataclasses.replace`) is a new object without it."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return
    tag, names, frozen = _compared_fields(type(obj))
    if not frozen or type(getattr(obj, DIGEST, None)) is bytes:
        return
    try:
        object.__setattr__(obj, DIGEST, _digest(obj, tag, names, {}))
    except AttributeError:  # a dataclass with __slots__: walked each time instead
        pass


def fingerprint(*parts: Any, memo: Memo | None = None) -> str:
    """Hex SHA-256 of `parts`: equal for equal data, independent of dict order and identity.

    `memo` (a dict kept for one render, e.g. one site) saves walking the same frozen objects
    again; keys made with a memo are only comparable to keys made with one. Objects in the
    memo must not change while it is used (frozen dataclasses of plain data, as in a render)."""
    h = hashlib.sha256()
    for part in parts:
        _feed(h, part, memo)
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


# libraries that turn content into data (PARSING) or data into bytes: a new version may parse
# or render differently, so it is part of the keys of what it makes
PARSING = ("ruamel.yaml", "ruamel.yaml.clib")
LIBRARIES = (*PARSING, "jinja2", "markupsafe", "babel", "weasyprint", "pydyf", "tinycss2",
             "pypdf", "pikepdf", "python-docx", "docxtpl", "lxml", "cmarkgfm", "nh3",
             "pillow")


@lru_cache(maxsize=4)
def code_fingerprint(libraries: tuple[str, ...] = LIBRARIES) -> str:
    """katalog's version, the bytes of its Python modules and the versions of `libraries`
    (by default every library it parses and renders with): a code change or an upgrade
    makes everything new again."""
    h = hashlib.sha256(_package_digest())
    for name in libraries:
        version = library_version(name)
        _feed(h, f"{name}=={version}" if version else name)
    return h.hexdigest()


@lru_cache(maxsize=1)
def _package_digest() -> bytes:
    """katalog's version and the bytes of its Python modules (read once per process)."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode("utf-8"))
    for path in sorted(package.rglob("*.py")):
        _feed(h, path.relative_to(package).as_posix())
        _feed(h, path.read_bytes())
    return h.digest()
