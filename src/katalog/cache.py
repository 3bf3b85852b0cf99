"""The one cache store: authenticated records in `.katalog-cache/`, an optimisation only.

Everything katalog keeps between runs (parsed content files, made outputs) is a *record*: a
format line, an HMAC-SHA256 of the record's name and payload, and the payload (bytes: made
files, JSON; the check memo's outcome is a pickle and Jinja's compiled templates are
bytecode, each loaded only after its HMAC is verified — see `check_memo`, `template_cache`). The
HMAC's key is a secret of this user, kept outside any repository (`key_path()`, created
once with mode 0600), so a record katalog did not write itself — planted by a pull
request, copied from another user, or damaged — fails the check and counts as missing. A
record can never change a result, only save the time of making it again.

A record lives either in a *pack* (many small entries in one file, read and written whole:
the parsed content files; and the small outputs of a namespace given to `pack_small`, in 16
packs `<namespace>/<key[0]>.pack`, each read when first looked in and written again by
`prune` or `flush` when it changed) or in a file of its own (`<namespace>/<key[:2]>/<key>`:
the other made outputs, written only when new). Both are written through an exclusively created temporary
file renamed into place, which is removed again when writing fails (a full disk leaves no
`.tmp-*` file behind); `prune` also removes temporary files a killed process left.

The folder (`FOLDER`, beside the content or output folder) is ignored, and the cache is off,
when it is a symlink, is not a folder, belongs to another user, or holds files tracked by
git; it carries a `.gitignore` of `*` and a `CACHEDIR.TAG`, so it never shows in `git status`
and backup tools skip it. When it cannot be written (a read-only tree) katalog works on
without it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import stat
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterable, Mapping

from .safefs import read_regular

FOLDER = ".katalog-cache"
NO_CACHE_ENV = "KATALOG_NO_CACHE"  # KATALOG_NO_CACHE=1: never read or write a cache
FORMAT = b"katalog-cache-2\n"
_MAC = hashlib.sha256().digest_size
MAX_RECORD = 1 << 30  # a record bigger than this is not read (e.g. a planted huge file)
PACKED_MAX = 64 * 1024  # a namespace given to `pack_small` packs its entries up to this size
STALE_TMP_SECONDS = 600  # a temporary file this old was left by a killed process
TMP_PREFIX = ".tmp-"
GITIGNORE = b"# katalog's cache: never commit it\n*\n"
CACHEDIR_TAG = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
                b"# This file is a cache directory tag created by katalog.\n"
                b"# For information about cache directory tags see https://bford.info/cachedir/\n")


def caching_enabled() -> bool:
    """False when KATALOG_NO_CACHE asks for no cache at all."""
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() not in ("1", "true", "yes", "ja")


# --- The user's secret -----------------------------------------------------------------------

def key_path() -> Path:
    """Where this user's cache key lives: `$XDG_CACHE_HOME/katalog/key` (else
    `~/.cache/katalog/key`), outside every content repository."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return Path(base or Path.home() / ".cache") / "katalog" / "key"


def user_secret() -> bytes | None:
    """This user's 32-byte cache key, created on first use (mode 0600, exclusively); None
    when it cannot be read or made, or is not this user's own (then the cache is off)."""
    try:
        return _secret_at(key_path())
    except (OSError, RuntimeError):
        return None


@functools.lru_cache(maxsize=8)
def _secret_at(path: Path) -> bytes | None:
    for _attempt in range(2):
        try:
            data = read_regular(path, 64)
        except FileNotFoundError:
            _create_secret(path)
            continue
        except OSError:
            return None
        st = os.lstat(path)
        if len(data) != 32 or not _own(st) or stat.S_IMODE(st.st_mode) & 0o077:
            return None
        return data
    return None


def _create_secret(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
    except FileExistsError:
        return  # made meanwhile by another katalog: read it
    try:
        os.write(fd, os.urandom(32))
    finally:
        os.close(fd)


def _own(st: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is None or st.st_uid == getuid()


# --- Where a cache may be used ---------------------------------------------------------------

def usable_folder(folder: Path) -> bool:
    """Whether `folder` may be a cache: missing (it is made when first written), or a real
    folder of this user that git does not track."""
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or not _own(st):
        return False
    return not _tracked_by_git(folder)


def _tracked_by_git(folder: Path) -> bool:
    """Whether git tracks a file in `folder` (a committed cache is someone else's)."""
    if not any((p / ".git").exists() for p in [folder.parent, *folder.parent.parents]):
        return False
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--", folder.name], cwd=folder.parent,
                             capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return True  # cannot tell: do not trust it
    return out.returncode == 0 and bool(out.stdout.strip(b"\0"))


# --- The store -------------------------------------------------------------------------------

class Store:
    """Authenticated records in one cache folder. `Store(None)` (or a folder that may not be
    used, or no user key) keeps nothing: every lookup misses and every write is dropped."""

    def __init__(self, folder: Path | str | None, secret: bytes | None = None) -> None:
        folder = Path(folder) if folder is not None else None
        if folder is not None and secret is None:
            secret = user_secret()
        if folder is not None and (secret is None or not usable_folder(folder)):
            folder = None
        self.folder = folder
        self._secret = secret or b""
        self._prepared = False
        self._packing: set[str] = set()
        self._packs: dict[str, dict[str, bytes]] = {}  # "<namespace>/<key[0]>" → entries
        self._changed: set[str] = set()
        self._lock = threading.Lock()  # `put` runs on the executor's writer thread

    @classmethod
    def beside(cls, path: Path | str) -> "Store":
        """The cache of a content or output folder: `.katalog-cache/` in its parent folder
        (shared by `check` of a content folder and `build` into a folder beside it)."""
        return cls(Path(path).resolve().parent / FOLDER)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    # -- records --

    def _mac(self, name: str, payload: bytes | memoryview) -> bytes:
        h = hmac.new(self._secret, name.encode("utf-8") + b"\0", hashlib.sha256)
        h.update(payload)
        return h.digest()

    def _read(self, path: Path, name: str) -> bytes | None:
        try:
            raw = read_regular(path, MAX_RECORD)
        except OSError:
            return None
        head = len(FORMAT)
        view = memoryview(raw)
        if not raw.startswith(FORMAT) or len(raw) < head + _MAC:
            return None
        if not hmac.compare_digest(view[head:head + _MAC], self._mac(name, view[head + _MAC:])):
            return None
        return raw[head + _MAC:]

    def _write(self, path: Path, name: str, payload: bytes) -> None:
        """Write a record atomically; a failure (full disk, read-only tree) only costs time
        and leaves no temporary file."""
        if self.folder is None or not self._prepare():
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(FORMAT)
                f.write(self._mac(name, payload))
                f.write(payload)
            os.replace(tmp, path)
        except BaseException as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            if not isinstance(exc, OSError):
                raise

    def _prepare(self) -> bool:
        """Make the folder with its `.gitignore` and `CACHEDIR.TAG`, once; False (and the
        cache off) when that is not possible."""
        if self._prepared:
            return self.folder is not None
        self._prepared = True
        assert self.folder is not None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            st = os.lstat(self.folder)
            if not stat.S_ISDIR(st.st_mode) or not _own(st):
                raise OSError("not a usable cache folder")
            for name, data in ((".gitignore", GITIGNORE), ("CACHEDIR.TAG", CACHEDIR_TAG)):
                path = self.folder / name
                if not path.is_file() or path.is_symlink():
                    from .safefs import write_atomic

                    write_atomic(path, data, replace_symlink=True)
        except OSError:
            self.folder = None
            return False
        return True

    # -- packs: many small entries in one record --

    def read_pack(self, name: str) -> dict[str, bytes]:
        """The entries of pack `name`; {} when it is missing, damaged or not this user's."""
        if self.folder is None:
            return {}
        payload = self._read(self.folder / f"{name}.pack", f"pack:{name}")
        if payload is None:
            return {}
        try:
            return _unpack_entries(payload)
        except (ValueError, struct.error, UnicodeDecodeError):
            return {}

    def write_pack(self, name: str, entries: Mapping[str, bytes]) -> None:
        if self.folder is not None:
            self._write(self.folder / f"{name}.pack", f"pack:{name}", _pack_entries(entries))

    # -- entries: one record each --

    def _entry(self, namespace: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / namespace / key[:2] / key

    def holds(self, namespace: str) -> bool:
        """Whether `namespace` may hold an entry (False: every lookup in it would miss, e.g.
        in a first build)."""
        if self.folder is None:
            return False
        try:
            with os.scandir(self.folder / namespace) as entries:
                return any(True for _ in entries)
        except OSError:
            return False

    def get(self, namespace: str, key: str) -> bytes | None:
        if self.folder is None:
            return None
        if namespace in self._packing and key:
            with self._lock:
                hit = self._pack(namespace, key).get(key)
            if hit is not None:
                return hit
        return self._read(self._entry(namespace, key), f"{namespace}/{key}")

    def put(self, namespace: str, key: str, value: bytes) -> None:
        if self.folder is None:
            return
        if namespace in self._packing and key and len(value) <= PACKED_MAX:
            with self._lock:
                pack = self._pack(namespace, key)
                if pack.get(key) != value:
                    pack[key] = value
                    self._changed.add(_pack_name(namespace, key))
            return
        self._write(self._entry(namespace, key), f"{namespace}/{key}", value)

    # -- the packs of small entries --

    def pack_small(self, namespace: str) -> None:
        """Keep the entries of `namespace` up to `PACKED_MAX` bytes in its 16 packs (one read
        instead of an open per entry; one write instead of a file per entry): they are
        written by `prune` or `flush`, so a process that does not call either loses them."""
        self._packing.add(namespace)

    def _pack(self, namespace: str, key: str) -> dict[str, bytes]:
        """The pack `key` (or a key beginning with its first digit) belongs in, read when
        first needed (with the lock held)."""
        name = _pack_name(namespace, key)
        pack = self._packs.get(name)
        if pack is None:
            pack = self._packs[name] = self.read_pack(name)
        return pack

    def flush(self) -> None:
        """Write the packs of small entries that changed."""
        with self._lock:
            changed = sorted(self._changed)
            self._changed.clear()
            for name in changed:
                self.write_pack(name, self._packs[name])

    def prune(self, namespace: str, keep: Iterable[str], temporaries: bool = True) -> None:
        """Remove the entries of `namespace` not in `keep`, and (with `temporaries`)
        temporary files left by killed processes (older than `STALE_TMP_SECONDS`) anywhere
        in the cache."""
        if self.folder is None:
            return
        kept = set(keep)
        if namespace in self._packing:
            with self._lock:
                for digit in _HEX:
                    pack = self._pack(namespace, digit)
                    gone = [k for k in pack if k not in kept]
                    for k in gone:
                        del pack[k]
                    if gone:
                        self._changed.add(_pack_name(namespace, digit))
            self.flush()
        base = self.folder / namespace
        if base.is_dir() and not base.is_symlink():
            for sub in _real_dirs(base):
                for entry in os.scandir(sub):
                    if entry.name not in kept and not entry.name.startswith(TMP_PREFIX):
                        _unlink(entry.path)
        if temporaries:
            self.remove_stale_temporaries()

    def remove_stale_temporaries(self) -> None:
        if self.folder is None:
            return
        now = time.time()
        for folder in [self.folder, *_real_dirs(self.folder, depth=2)]:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(TMP_PREFIX) and entry.is_file(follow_symlinks=False):
                    try:
                        if now - entry.stat(follow_symlinks=False).st_mtime > STALE_TMP_SECONDS:
                            _unlink(entry.path)
                    except OSError:
                        pass


def _real_dirs(folder: Path, depth: int = 1) -> list[Path]:
    """Sub-folders of `folder` (not symlinks), `depth` levels down."""
    found: list[Path] = []
    level = [folder]
    for _ in range(depth):
        nxt: list[Path] = []
        for f in level:
            try:
                nxt.extend(Path(e.path) for e in os.scandir(f) if e.is_dir(follow_symlinks=False))
            except OSError:
                pass
        found.extend(nxt)
        level = nxt
    return found


_HEX = "0123456789abcdef"


def _pack_name(namespace: str, key: str) -> str:
    """The pack of small entries of `namespace` that holds `key` (keys are hex digests)."""
    digit = key[0].lower()
    return f"{namespace}/{digit if digit in _HEX else '0'}"


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _pack_entries(entries: Mapping[str, bytes]) -> bytes:
    """`count, (key length, key, value length, value)*`, sorted by key."""
    parts = [struct.pack(">I", len(entries))]
    for key in sorted(entries):
        k = key.encode("utf-8")
        v = entries[key]
        parts.append(struct.pack(">IQ", len(k), len(v)))
        parts.append(k)
        parts.append(v)
    return b"".join(parts)


def _unpack_entries(payload: bytes) -> dict[str, bytes]:
    (count,) = struct.unpack_from(">I", payload, 0)
    at, out = 4, {}
    for _ in range(count):
        klen, vlen = struct.unpack_from(">IQ", payload, at)
        at += 12
        key = payload[at:at + klen].decode("utf-8")
        at += klen
        if at + vlen > len(payload):
            raise ValueError("truncated pack")
        out[key] = payload[at:at + vlen]
        at += vlen
    if at != len(payload):
        raise ValueError("trailing bytes in pack")
    return out
