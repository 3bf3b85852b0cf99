"""The output folder: when katalog may replace it, and replacing it safely.

A build is made in a fresh folder beside `--out` (`.<out>.tmp-*`) and swapped into place in
one rename. katalog replaces `--out` only when it is empty or holds nothing but what katalog
wrote there: its marker (`.katalog-build`) lists every file of the build, and a folder with
anything else (a file of the user's, a symlink, a forged or older marker) is refused, so no
file of the user's is ever deleted. Carrying the previous build's files of formats not
rebuilt takes only files the marker lists, as regular files, never following a link.

Builds into one folder may run at the same time: each holds a lock on its temporary folder
while it lives, and the carry-over and the swap happen under a lock on the parent folder, so
neither sees the other's half-swapped folder. A temporary folder nobody holds (its build was
killed) is removed by the next build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

try:
    import fcntl
except ImportError:  # not on Windows: builds into one folder then must not overlap
    fcntl = None  # type: ignore[assignment]

MARKER = ".katalog-build"
MARKER_HEAD = "katalog-build 2: denne mappe er skrevet af katalog og erstattes ved næste build"
MARKER_LIMIT = 64 << 20


class OutputRefused(Exception):
    """The output folder may not be replaced (or made); the message says why (Danish)."""


def target(out: Path | str) -> Path:
    """The folder to build into: `out` made absolute; a symlink is followed (its target is
    replaced, the link kept). `OutputRefused` for a folder that cannot hold a build."""
    path = Path(os.path.abspath(out))
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    here = Path.cwd().resolve()
    if path == Path(path.anchor) or path == here or path in here.parents:
        raise OutputRefused(f"{out} kan ikke være uddatamappe (det er den mappe, du står i, "
                            "eller en over den); vælg en undermappe med --out, fx build")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise OutputRefused(f"{out} kan ikke oprettes: {parent} er ikke en mappe")
    return path


def written_files(out: Path) -> set[str] | None:
    """The files katalog's marker in `out` lists; None when there is no valid marker."""
    from .safefs import read_regular

    try:
        text = read_regular(out / MARKER, MARKER_LIMIT).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    head, _, rest = text.partition("\n")
    if head != MARKER_HEAD:
        return None
    files = {line for line in rest.splitlines() if line}
    return files if all(_relative(f) for f in files) else None


def _legacy_marker(out: Path) -> bool:
    from .safefs import read_regular

    try:
        return read_regular(out / MARKER, 1024).startswith("Denne mappe er skrevet af katalog".encode())
    except OSError:
        return False


def _relative(rel: str) -> bool:
    p = PurePosixPath(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts and str(p) == rel


def ensure_replaceable(out: Path) -> None:
    """Refuse an existing `out` that is not a folder, or holds anything katalog did not
    write there (per its marker)."""
    try:
        st = os.lstat(out)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        raise OutputRefused(f"{out} findes og er ikke en mappe")
    entries = list(_entries(out))
    if not entries:
        return
    listed = written_files(out)
    if listed is None and _legacy_marker(out):
        raise OutputRefused(
            f"{out} er skrevet af en ældre udgave af katalog, der ikke noterede sine filer; "
            "slet mappen (eller vælg en anden med --out), så bygger katalog den forfra")
    if listed is None:
        raise OutputRefused(
            f"{out} findes allerede og er ikke skrevet af katalog; vælg en anden mappe med "
            "--out eller tøm den (katalog sletter aldrig andre filer)")
    folders = {str(p) for f in listed for p in PurePosixPath(f).parents if str(p) != "."}
    for rel, mode in entries:
        if rel == MARKER or (stat.S_ISREG(mode) and rel in listed) or (
                stat.S_ISDIR(mode) and rel in folders):
            continue
        raise OutputRefused(
            f"{out} indeholder {rel}, som katalog ikke har skrevet; flyt den, eller vælg en "
            "anden mappe med --out (katalog sletter aldrig andre filer)")


def _entries(folder: Path, prefix: str = "") -> Iterator[tuple[str, int]]:
    """(relative path, mode) of everything under `folder`, never following a link."""
    with os.scandir(folder) as it:
        for entry in sorted(it, key=lambda e: e.name):
            rel = f"{prefix}{entry.name}"
            mode = entry.stat(follow_symlinks=False).st_mode
            yield rel, mode
            if stat.S_ISDIR(mode):
                yield from _entries(Path(entry.path), f"{rel}/")


GITIGNORE = ".gitignore"
_IGNORE_ALL = ("# Skrevet af katalog: byggede filer hører ikke til i git (de laves af "
               "indholdet).\n*\n")


def write_marker(folder: Path) -> None:
    """The marker listing every file now in `folder`, and a `.gitignore` of `*`: what a
    build writes never shows in the writer's `git status` (it is made from the content)."""
    (folder / GITIGNORE).write_text(_IGNORE_ALL, encoding="utf-8")
    files = sorted(rel for rel, mode in _entries(folder) if stat.S_ISREG(mode) and rel != MARKER)
    (folder / MARKER).write_text(MARKER_HEAD + "\n" + "".join(f + "\n" for f in files),
                                 encoding="utf-8")


def carry_over(old: Path, new: Path, keep: Iterable[str]) -> None:
    """Hard-link (or copy) into `new` the files of the previous build `old` that lie under
    one of the paths in `keep` and that its marker lists; regular files only."""
    listed = written_files(old) if old.is_dir() else None
    if not listed:
        return
    roots = tuple(keep)
    for rel in sorted(listed):
        if not any(rel == r or rel.startswith(r + "/") for r in roots):
            continue
        src = old / rel
        try:
            if not stat.S_ISREG(os.lstat(src).st_mode) or any(
                    p.is_symlink() for p in [src.parent, *src.parent.parents]
                    if len(p.parts) > len(old.parts)):
                continue
        except FileNotFoundError:
            continue
        (new / rel).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, new / rel, follow_symlinks=False)
        except OSError:
            shutil.copyfile(src, new / rel, follow_symlinks=False)


# --- The temporary folder, locks and the swap ------------------------------------------------

@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder` (held by this process until the block ends)."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


_HELD: set[int] = set()  # the lock descriptors of this process's live build folders


def _drop_held_locks() -> None:
    """In a forked child (a pool worker): close the copies of the build folders' lock
    descriptors, so the lock lives exactly as long as the build's own process. A worker that
    outlives a killed build then does not keep its folder looking alive (`remove_abandoned`)."""
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_held_locks)


class Building:
    """The fresh folder a build writes into (`path`), locked while it lives; `swap` puts it
    in place of `out`, `discard` removes it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        os.chmod(self.path, 0o777 & ~_umask())  # like any folder, not mkdtemp's 0700
        self._fd = -1
        if fcntl is not None:  # held while this build lives (`remove_abandoned`)
            self._fd = os.open(self.path, os.O_RDONLY)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _HELD.add(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            _HELD.discard(self._fd)
            os.close(self._fd)
            self._fd = -1

    def discard(self) -> None:
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def swap(self) -> None:
        """Put the new folder where `out` is, with the old one out of the way for the
        shortest time (call under `locked(out.parent)`)."""
        out = self.out
        old = None
        if os.path.lexists(out):
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rmdir(old)
            os.replace(out, old)
        try:
            os.replace(self.path, out)
        except BaseException:
            if old is not None:
                os.replace(old, out)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        self.close()


def remove_abandoned(out: Path) -> None:
    """Remove temporary folders of builds into `out` that were killed: a `.tmp-*` folder no
    live build holds, and any `.old-*` folder (call under `locked(out.parent)`, where no swap
    can be running)."""
    if fcntl is None or not out.parent.is_dir():
        return
    for entry in os.scandir(out.parent):
        name = entry.name
        if not entry.is_dir(follow_symlinks=False):
            continue
        if name.startswith(f".{out.name}.old-"):
            shutil.rmtree(entry.path, ignore_errors=True)
        elif name.startswith(f".{out.name}.tmp-") and _abandoned(entry.path):
            shutil.rmtree(entry.path, ignore_errors=True)


def _abandoned(path: str) -> bool:
    assert fcntl is not None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False  # a running build holds it
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
