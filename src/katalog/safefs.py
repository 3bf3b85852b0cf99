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

import errno
import os
import secrets
import stat
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class UnsafeFile(OSError):
    """A path katalog will not read or write (a symlink, a device, a FIFO, a folder, too big).

    `strerror` is the Danish reason without the path (ready for a file:line message that
    already names the file); `str()` gives "path: reason"."""

    def __init__(self, reason: str, path: Path | str | None = None,
                 code: int = errno.EINVAL) -> None:
        super().__init__(code, reason)
        self.filename = os.fspath(path) if path is not None else None

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}" if self.filename else str(self.strerror)


# Danish reasons for the errors a user can meet when katalog reads or writes a file.
_REASONS = {  # the one table of Danish reasons for OS errors (the CLI uses it too)
    errno.ENOENT: "filen eller mappen findes ikke",
    errno.EACCES: "ingen adgang: filens eller mappens rettigheder tillader det ikke",
    errno.EPERM: "ingen adgang: handlingen er ikke tilladt",
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENOSPC: "der er ikke mere plads på disken",
    errno.EDQUOT: "diskkvoten er brugt op",
    errno.ENAMETOOLONG: "navnet er for langt",
    errno.ELOOP: "stien indeholder et symbolsk link, som katalog ikke følger",
    errno.EISDIR: "det er en mappe, ikke en fil",
    errno.ENOTDIR: "en del af stien er ikke en mappe",
    errno.EEXIST: "findes allerede",
    errno.ENOTEMPTY: "mappen er ikke tom",
    errno.EIO: "læsefejl på disken",
    errno.EMFILE: "for mange åbne filer",
    errno.ENFILE: "for mange åbne filer",
    errno.ENOMEM: "ikke nok hukommelse",
    errno.EXDEV: "kan ikke flyttes til et andet filsystem",
    errno.EINVAL: "ugyldigt navn eller argument",
    errno.EFBIG: "filen er for stor",
    errno.ETXTBSY: "filen er i brug",
    errno.EBUSY: "filen er i brug",
}


def reason(exc: OSError) -> str:
    """A Danish reason for an OSError (the message of an `UnsafeFile`, else by errno)."""
    if isinstance(exc, UnsafeFile):
        return str(exc.strerror)
    known = _REASONS.get(exc.errno or 0)
    if known:
        return known
    if exc.errno:
        return f"systemfejl {errno.errorcode.get(exc.errno, str(exc.errno))}"
    return exc.strerror or str(exc) or type(exc).__name__


def danish(exc: OSError) -> OSError:
    """The same error (same class and errno) with a Danish `strerror` and the file name."""
    if isinstance(exc, UnsafeFile):
        return exc
    out = OSError(exc.errno, reason(exc), exc.filename)  # the errno picks the subclass
    out.__cause__ = exc
    return out


def kind_of(mode: int) -> str:
    """A Danish word for what a non-regular file is."""
    if stat.S_ISDIR(mode):
        return "en mappe"
    if stat.S_ISLNK(mode):
        return "et symbolsk link"
    if stat.S_ISFIFO(mode):
        return "en FIFO-pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "en enhed"
    if stat.S_ISSOCK(mode):
        return "en socket"
    return "ikke en almindelig fil"


def check_regular(path: Path | str) -> os.stat_result:
    """`lstat` of `path`; `UnsafeFile` unless it is a regular file (symlinks are not followed)."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise not_regular(st.st_mode, path)
    return st


def not_regular(mode: int, path: Path | str | None = None) -> UnsafeFile:
    """The error for a path that is not a regular file (a symlink is never followed)."""
    if stat.S_ISLNK(mode):
        return UnsafeFile("filen er et symbolsk link, og katalog følger ikke links; læg selve "
                          "filen her i stedet", path, errno.ELOOP)
    if stat.S_ISDIR(mode):
        return UnsafeFile("det er en mappe, ikke en fil", path, errno.EISDIR)
    return UnsafeFile(f"det er {kind_of(mode)}, ikke en almindelig fil; katalog læser kun "
                      "almindelige filer", path)


def too_big(limit: int, path: Path | str | None = None) -> UnsafeFile:
    """The error for a file over the size limit."""
    return UnsafeFile(f"filen er for stor: over {limit:,} bytes".replace(",", "."), path,
                      errno.EFBIG)


def read_regular(path: Path | str, limit: int, dir_fd: int | None = None) -> bytes:
    """The bytes of regular file `path`, at most `limit` of them.

    Never follows a symlink at `path`, never blocks on a FIFO, never reads a device; a file
    of more than `limit` bytes raises `UnsafeFile` after reading `limit + 1` bytes. With
    `dir_fd`, `path` is relative to that open folder. Every error is an `OSError` with a
    Danish `strerror` (an `UnsafeFile` for what katalog refuses)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY,
                     dir_fd=dir_fd)
    except OSError as exc:
        try:
            st = os.lstat(path, dir_fd=dir_fd)
        except OSError:
            raise danish(exc) from exc
        if not stat.S_ISREG(st.st_mode):
            raise not_regular(st.st_mode, path) from exc
        raise danish(exc) from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise not_regular(st.st_mode, path)
        f = os.fdopen(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise
    with f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise danish(exc) from exc
    if len(data) > limit:
        raise too_big(limit, path)
    return data


def write_atomic(path: Path | str, data: bytes, mode: int | None = None,
                 replace_symlink: bool = False) -> None:
    """Write `data` to `path` in one step: a temporary file created exclusively beside it,
    then renamed over it. A reader sees the old or the new file, never half of one.

    A symlink at `path` is refused (`UnsafeFile`) unless `replace_symlink`, in which case the
    link itself is replaced, never its target. The new file keeps an existing file's
    permission bits; a new file gets `mode` (default: 0o666 less the umask). Errors are
    `OSError`s with a Danish `strerror` (see `reason`)."""
    path = Path(path)
    try:
        st: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise danish(exc) from exc
    if st is not None:
        if stat.S_ISLNK(st.st_mode) and not replace_symlink:
            raise UnsafeFile("filen er et symbolsk link; katalog skriver ikke gennem links",
                             path, errno.ELOOP)
        if stat.S_ISDIR(st.st_mode):
            raise UnsafeFile("det er en mappe, ikke en fil", path, errno.EISDIR)
    bits = stat.S_IMODE(st.st_mode) if st is not None and stat.S_ISREG(st.st_mode) else mode
    fd, tmp = _temporary(path, bits)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
        os.replace(tmp, path)
    except BaseException as exc:
        _unlink(tmp)
        if isinstance(exc, OSError):
            raise danish(exc) from exc
        raise


def create_exclusive(path: Path | str, data: bytes, mode: int | None = None) -> None:
    """Write a new file at `path`; `FileExistsError` when anything (a file, a dangling
    symlink) is already there. Written atomically, so no half file is ever left."""
    path = Path(path)
    if os.path.lexists(path):
        raise FileExistsError(errno.EEXIST, "findes allerede", str(path))
    fd, tmp = _temporary(path, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            os.link(tmp, path)  # fails if anything appeared at `path` meanwhile
        except FileExistsError:
            raise FileExistsError(errno.EEXIST, "findes allerede", str(path)) from None
        except OSError:  # no hard links here: create it exclusively in place
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY,
                         mode if mode is not None else 0o666)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
    except FileExistsError:
        raise
    except OSError as exc:
        raise danish(exc) from exc
    finally:
        _unlink(tmp)


def _temporary(path: Path, mode: int | None) -> tuple[int, Path]:
    """A new file beside `path` under a random name, created exclusively (never a planted
    file or link). Mode: exactly `mode`, or 0o666 less the umask (applied by the kernel, so
    no other thread ever sees a changed umask)."""
    for _ in range(100):
        tmp = path.parent / f".{path.name[:60]}.{secrets.token_hex(8)}.katalog-tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
                         | _BINARY, 0o600 if mode is not None else 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise danish(exc) from exc
        if mode is not None:
            try:
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, mode)
                else:  # pragma: no cover - Windows before 3.13
                    os.chmod(tmp, mode)
            except BaseException:
                os.close(fd)
                _unlink(tmp)
                raise
        return fd, tmp
    raise FileExistsError(errno.EEXIST, "kunne ikke finde et ledigt midlertidigt navn",
                          str(path.parent))


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
