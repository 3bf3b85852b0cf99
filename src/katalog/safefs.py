"""Safe file access: the one way katalog reads content files and writes any file.

Content arrives by pull request, so a content folder may hold anything a commit can: symlinks
to files outside it (or to `/dev/zero`), FIFOs, directories named like files, planted files at
the names of katalog's own temporary files. Every command reads and writes through these
helpers:

- `read_regular` opens without following a symlink and without blocking on a FIFO, refuses
  anything that is not a regular file, and reads at most `limit` bytes;
- `write_atomic` writes a new temporary file created exclusively (`O_EXCL`, so it never opens
  a planted file or symlink) in the target's folder and renames it over the target in one
  step; it refuses to write through a symlink at the target, and keeps the target's mode.

Errors are `UnsafeFile` (an `OSError`) with a Danish message.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class UnsafeFile(OSError):
    """A path katalog will not read or write (a symlink, a device, a FIFO, a folder, too big)."""


def kind_of(mode: int) -> str:
    """A Danish word for what a non-regular file is."""
    if stat.S_ISDIR(mode):
        return "en mappe"
    if stat.S_ISLNK(mode):
        return "et symbolsk link"
    if stat.S_ISFIFO(mode):
        return "en navngiven pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "en enhed"
    if stat.S_ISSOCK(mode):
        return "en socket"
    return "ikke en almindelig fil"


def check_regular(path: Path | str) -> os.stat_result:
    """`lstat` of `path`; `UnsafeFile` unless it is a regular file (symlinks are not followed)."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(f"{os.fspath(path)} er {kind_of(st.st_mode)}, ikke en almindelig fil; "
                         "katalog læser kun almindelige filer")
    return st


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of regular file `path`, at most `limit` of them.

    Never follows a symlink at `path`, never blocks on a FIFO, never reads a device; a file
    of more than `limit` bytes raises `UnsafeFile` after reading `limit + 1` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY)
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafeFile(f"{os.fspath(path)} er et symbolsk link; katalog følger ikke "
                             "links") from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(f"{os.fspath(path)} er {kind_of(st.st_mode)}, ikke en almindelig "
                             "fil; katalog læser kun almindelige filer")
        f = os.fdopen(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise
    with f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise UnsafeFile(f"{os.fspath(path)} er for stor (over {limit:,} bytes)".replace(",", "."))
    return data


def write_atomic(path: Path | str, data: bytes, mode: int | None = None,
                 replace_symlink: bool = False) -> None:
    """Write `data` to `path` in one step: a temporary file created exclusively beside it,
    then renamed over it. A reader sees the old or the new file, never half of one.

    A symlink at `path` is refused (`UnsafeFile`) unless `replace_symlink`, in which case the
    link itself is replaced, never its target. The new file keeps an existing file's
    permission bits; a new file gets `mode` (default: 0o666 less the umask)."""
    path = Path(path)
    try:
        st: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None:
        if stat.S_ISLNK(st.st_mode) and not replace_symlink:
            raise UnsafeFile(f"{path} er et symbolsk link; katalog skriver ikke gennem links")
        if stat.S_ISDIR(st.st_mode):
            raise UnsafeFile(f"{path} er en mappe")
    if st is not None and stat.S_ISREG(st.st_mode):
        bits = stat.S_IMODE(st.st_mode)
    elif mode is not None:
        bits = mode
    else:
        bits = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".katalog-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
        os.chmod(tmp, bits)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def create_exclusive(path: Path | str, data: bytes, mode: int | None = None) -> None:
    """Write a new file at `path`; `FileExistsError` when anything (a file, a dangling
    symlink) is already there. Written atomically, so no half file is ever left."""
    path = Path(path)
    if os.path.lexists(path):
        raise FileExistsError(17, "findes allerede", str(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".katalog-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        try:
            os.link(tmp, path)  # fails if anything appeared at `path` meanwhile
        except FileExistsError:
            raise
        except OSError:  # no hard links here: create it exclusively in place
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY,
                         mode if mode is not None else 0o666)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
