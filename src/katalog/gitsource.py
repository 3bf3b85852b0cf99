"""Read a content folder straight out of a git revision, without a checkout.

One `git ls-tree -r -z` lists the revision's files under the content folder and one
`git cat-file --batch` process returns all their blobs, so reading a revision costs two git
processes however many proposals there are. The result is the same `relative path → bytes`
mapping that `folder.read_folder()` gives for a folder on disk, ready for
`pipeline.check_files()`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

from .folder import FOLDERS, Budget, Kind, refusal
from .folder import wanted as folder_wanted


class GitError(Exception):
    """Git cannot answer: not a repository, unknown revision, missing content folder.

    The message is Danish and meant for the user (a usage error, exit 2).
    """


def _git(repo: Path | None, *args: str, input: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=repo,
            input=input,
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise GitError("git er ikke installeret (eller ikke på PATH)") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(detail[-1] if detail else f"git {args[0]} fejlede")
    return proc.stdout


def toplevel(start: Path | str = ".") -> Path:
    """The root of the git work tree that contains `start` (`git rev-parse --show-toplevel`)."""
    try:
        out = _git(Path(start), "rev-parse", "--show-toplevel")
    except GitError:
        raise GitError(f"'{Path(start).resolve()}' er ikke i et git-repository") from None
    return Path(out.decode("utf-8").strip())


def resolve(repo: Path, revision: str) -> str:
    """The commit id a revision name (branch, tag, `HEAD~2`, sha) stands for."""
    if not revision or revision.startswith("-"):
        raise GitError(f"ukendt revision '{revision}'")
    try:
        out = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options",
                   f"{revision}^{{commit}}")
    except GitError:
        raise GitError(f"ukendt revision '{revision}' (ikke en commit, gren eller tag i "
                       f"repositoriet)") from None
    return out.decode("ascii").strip()


def content_path(repo: Path, content: str | Path, cwd: Path | None = None) -> str:
    """The content folder as a POSIX path relative to the repository root.

    A path that exists relative to the current directory (inside the repository) is taken
    as such; otherwise the path is read relative to the repository root, so the default
    `content` works from any folder in the repository.
    """
    cwd = Path(cwd or Path.cwd())
    candidate = (cwd / content).resolve()
    root = repo.resolve()
    if candidate.exists() and candidate.is_relative_to(root):
        rel = candidate.relative_to(root).as_posix()
    else:
        rel = PurePosixPath(Path(content).as_posix()).as_posix()
    rel = rel.strip("/")
    if rel.startswith("..") or PurePosixPath(rel).is_absolute():
        raise GitError(f"indholdsmappen '{content}' ligger uden for repositoriet")
    return "" if rel == "." else rel


_KINDS: dict[str, Kind] = {"100644": "file", "100755": "file", "120000": "link",
                           "040000": "dir", "160000": "other"}


def list_entries(repo: Path, commit: str, content: str) -> list[tuple[str, Kind, int | None, str]]:
    """(relative path, kind, size, object id) of every entry under the content folder (trees
    too, so a folder named `x.md` is seen as a folder; a symlink is a link, never followed)."""
    prefix = f"{content}/" if content else ""
    args = ["ls-tree", "-r", "-t", "-l", "-z", "--full-tree", commit]
    if content:
        args += ["--", content]
    out = _git(repo, *args)
    found: list[tuple[str, Kind, int | None, str]] = []
    folder_seen = not content
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, _kind, sha, size = meta.decode("ascii").split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if path == content and mode == "040000":
            folder_seen = True
        if not path.startswith(prefix):
            continue
        folder_seen = True
        found.append((path[len(prefix):], _KINDS.get(mode, "other"),
                      int(size) if size.isdigit() else None, sha))
    if not folder_seen:
        raise GitError(f"indholdsmappen '{content}' findes ikke i revisionen {commit[:12]}")
    return found


def plan(entries: list[tuple[str, Kind, int | None, str]]) -> dict[str, str | OSError]:
    """Relative path → the blob to read, or why it is not read: the policy of
    `folder.read_folder` (`folder.wanted`, `folder.refusal`), so a folder on disk and the
    same files in a commit give the same mapping."""
    kinds = {rel: kind for rel, kind, _size, _sha in entries}
    wanted: dict[str, str | OSError] = {}
    budget = Budget()
    for rel, kind, size, sha in entries:
        parts = rel.split("/")
        if len(parts) == 2 and kinds.get(parts[0]) != "dir":
            continue  # only inside a real folder (a link to a folder has no entries anyway)
        if (rel in FOLDERS and kind == "dir") or not folder_wanted(rel, kind):
            continue
        refused = refusal(rel, kind, size)
        wanted[rel] = refused or (budget.take(size or 0) if kind == "file" else None) or sha
    return wanted


def read_blobs(repo: Path, shas: list[str]) -> dict[str, bytes]:
    """Blob id → content, all through one `git cat-file --batch` process."""
    unique = list(dict.fromkeys(shas))
    if not unique:
        return {}
    out = _git(repo, "cat-file", "--batch", input=("\n".join(unique) + "\n").encode("ascii"))
    blobs: dict[str, bytes] = {}
    pos = 0
    for sha in unique:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode("ascii").split(" ")
        pos = end + 1
        if len(header) != 3:  # "<sha> missing"
            raise GitError(f"git kunne ikke læse objektet {sha}")
        size = int(header[2])
        blobs[header[0]] = out[pos:pos + size]
        pos += size + 1  # the content is followed by a newline
    return blobs


def read_revision(repo: Path, revision: str, content: str = "content") -> dict[str, bytes | OSError]:
    """The content folder of `revision` as `relative path → bytes` (no checkout); an entry
    katalog does not read (a symlink, a folder named `x.md`, a file over the size limit) maps
    to the same Danish `OSError` as in `folder.read_folder`."""
    commit = resolve(repo, revision)
    planned = plan(list_entries(repo, commit, content))
    blobs = read_blobs(repo, [v for v in planned.values() if isinstance(v, str)])
    return {rel: (blobs[v] if isinstance(v, str) else v) for rel, v in sorted(planned.items())}
