"""A content folder → its files as relative POSIX path → bytes (or the error reading it).

The layout of a catalogue project (SPEC §1, §7): `catalogue.yaml`, `intro.md` (optional),
`themes/*.md`, `proposals/*.md`. Everything that reads a content folder from disk goes through
`read_folder`; `load.load_files` turns the mapping into the model. A git revision gives the
same mapping (`gitsource`), decided by the same policy (`refusal`), so `check`, `build` and
`diff` always count the same files.

The policy, for content that may arrive from anyone by pull request:

- katalog never follows a symlink inside the content folder, not even to a file beside it:
  a symlinked `catalogue.yaml`, `intro.md`, `themes/`, `proposals/` or `*.md` is an error
  (the content folder given on the command line may itself be a link: the user chose it);
- only regular files are read, and at most `source.MAX_FILE_BYTES` of them: a FIFO, a device
  or a folder named `x.md` is an error, never a hang, an endless read or silence;
- every `*.md` in `themes/` and `proposals/` is content: a hidden one (`.x.md`) is an error,
  not silently left out of the totals;
- other entries there are listed (not read) so the loader can warn that they are ignored,
  except hidden regular files and folders (`.gitkeep`, `.DS_Store`, editors' swap files);
  anything else in the content folder is not katalog's.

Each refused entry maps to an `OSError` whose `strerror` is a Danish reason without the
path (the loader's message names the file).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Literal

from .safefs import UnsafeFile, danish, not_regular, read_regular, too_big
from .source import MAX_FILE_BYTES

CATALOGUE_FILE = "catalogue.yaml"
INTRO_FILE = "intro.md"
THEMES_DIR = "themes"
PROPOSALS_DIR = "proposals"
TOP_FILES = (CATALOGUE_FILE, INTRO_FILE)
FOLDERS = (THEMES_DIR, PROPOSALS_DIR)

MAX_FILES = 20_000  # content files read from one folder or revision (a catalogue has ~1,000)
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # and their bytes together (each is ≤ MAX_FILE_BYTES)

Kind = Literal["file", "link", "dir", "other"]
Files = dict[str, bytes | OSError]

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BY_FD = hasattr(os, "O_DIRECTORY") and os.open in os.supports_dir_fd and os.scandir in getattr(
    os, "supports_fd", set())


def kind_of_mode(mode: int) -> Kind:
    """The kind of an `lstat` mode."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    return "other"


def _mode_of(kind: Kind) -> int:
    return {"file": stat.S_IFREG, "link": stat.S_IFLNK, "dir": stat.S_IFDIR}.get(kind, stat.S_IFIFO)


def is_hidden(name: str) -> bool:
    return name.startswith(".")


def wanted(rel: str, kind: Kind) -> bool:
    """Whether an entry of the content folder appears in the mapping at all."""
    parts = rel.split("/")
    if len(parts) == 1:
        return rel in TOP_FILES or (rel in FOLDERS and kind != "dir")
    if len(parts) != 2 or parts[0] not in FOLDERS:
        return False
    name = parts[1]
    return name.endswith(".md") or not is_hidden(name) or kind in ("link", "other")


def refusal(rel: str, kind: Kind, size: int | None = None) -> OSError | None:
    """Why a wanted entry is not read (a Danish `OSError`), or None: read its bytes."""
    name = rel.rsplit("/", 1)[-1]
    if rel in FOLDERS:
        if kind == "link":
            return UnsafeFile("mappen er et symbolsk link; katalog følger ikke links – læg "
                              "filerne i en almindelig mappe", None, errno.ELOOP)
        return UnsafeFile(f"'{rel}' skal være en mappe", None, errno.ENOTDIR)
    if "/" in rel and not name.endswith(".md") and kind in ("file", "dir"):
        what = "mappen ignoreres: undermapper læses ikke" if kind == "dir" else "filen ignoreres"
        return UnsafeFile(f"{what}; kun .md-filer direkte i mappen læses", None, errno.EPERM)
    if kind != "file":
        return not_regular(_mode_of(kind))
    if "/" in rel and is_hidden(name):
        return UnsafeFile("navnet begynder med punktum, og skjulte filer læses ikke; omdøb "
                          "filen, hvis den hører til kataloget", None, errno.EPERM)
    if size is not None and size > MAX_FILE_BYTES:
        return too_big(MAX_FILE_BYTES)
    return None


class Budget:
    """How much content one read may hold in memory: at most `MAX_FILES` files of
    `MAX_TOTAL_BYTES` together, so a folder (or a commit) of millions of files, or of
    thousands of files at the size limit, is refused file by file instead of filling the
    memory. Shared by `read_folder` and `gitsource`, so both refuse the same files."""

    def __init__(self) -> None:
        self.files, self.total = MAX_FILES, MAX_TOTAL_BYTES

    def take(self, size: int) -> OSError | None:
        """Count a file of `size` bytes; an error when it does not fit any more."""
        if self.files <= 0 or size > self.total:
            self.files = 0
            return UnsafeFile(f"indholdsmappen er for stor (højst {MAX_FILES:,} filer og "
                              f"{MAX_TOTAL_BYTES // (1024 * 1024)} MiB i alt); filen læses "
                              "ikke".replace(",", "."), None, errno.EFBIG)
        self.files -= 1
        self.total -= size
        return None


def read_folder(content: Path | str) -> Files:
    """The catalogue's files under `content`, keyed by relative POSIX path, sorted."""
    content = Path(content)
    try:
        root = _open_dir(content, follow=True)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        return {CATALOGUE_FILE: danish(exc)}
    files: Files = {}
    budget = Budget()
    try:
        for name, kind in _entries(root, content):
            if name in FOLDERS and kind == "dir":
                _read_sub(root, content, name, files, budget)
            elif wanted(name, kind):
                files[name] = _read(root, content, name, kind, budget)
    finally:
        _close(root)
    return dict(sorted(files.items()))


def _read_sub(root: int | None, content: Path, sub: str, files: Files, budget: Budget) -> None:
    try:
        folder = _open_dir(content / sub, follow=False, parent=root, name=sub)
    except OSError as exc:
        files[sub] = danish(exc)
        return
    try:
        for name, kind in _entries(folder, content / sub):
            rel = f"{sub}/{name}"
            if wanted(rel, kind):
                files[rel] = _read(folder, content / sub, rel, kind, budget, name)
    finally:
        _close(folder)


def _read(folder: int | None, path: Path, rel: str, kind: Kind, budget: Budget,
          name: str | None = None) -> bytes | OSError:
    refused = refusal(rel, kind)
    if refused is not None:
        return refused
    name = name or rel
    try:
        if folder is not None:
            data = read_regular(name, MAX_FILE_BYTES, dir_fd=folder)
        else:
            data = read_regular(path / name, MAX_FILE_BYTES)
    except OSError as exc:
        return _without_path(exc)
    return budget.take(len(data)) or data


def _without_path(exc: OSError) -> OSError:
    """The error with the path left out of its message (the loader names the file)."""
    exc = danish(exc)
    exc.filename = None
    return exc


# -- listing a folder without following links (through an open folder where the OS allows) --


def _open_dir(path: Path, follow: bool, parent: int | None = None, name: str = "") -> int | None:
    """An open folder (None where the OS cannot read folders by descriptor)."""
    if not _BY_FD:
        st = os.stat(path) if follow else os.lstat(path)
        if not stat.S_ISDIR(st.st_mode):
            raise not_regular(st.st_mode)
        return None
    flags = _DIR_FLAGS | (0 if follow else _NOFOLLOW)
    if parent is not None:
        return os.open(name, flags, dir_fd=parent)
    return os.open(path, flags)


def _close(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


def list_folder(path: Path) -> list[tuple[str, Kind]]:
    """(name, kind) of every entry of a folder, sorted; a symlink is a link, never what it
    points to."""
    return _entries(None, path)


def _entries(folder: int | None, path: Path) -> list[tuple[str, Kind]]:
    found: list[tuple[str, Kind]] = []
    with os.scandir(folder if folder is not None else path) as it:
        for entry in it:
            try:
                kind = kind_of_mode(entry.stat(follow_symlinks=False).st_mode)
            except OSError:
                kind = "other"
            found.append((entry.name, kind))
    return sorted(found)
