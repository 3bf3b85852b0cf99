"""gitsource: a committed content folder is read by the same policy as the folder on disk.

A pull request can commit what a working tree holds: a symlinked proposal, a folder named
`x.md`, a hidden `.x.md`, a huge file. `katalog diff` must count exactly what `check` and
`build` count, so each of these is the same error in a revision as in the folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import SMALL, require_program, write_tree
from katalog import gitsource
from katalog.diff import diff_revisions
from katalog.folder import read_folder
from katalog.render import diff as render
from katalog.source import MAX_FILE_BYTES

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}
MONEY = """\
---
id: X9
title: Penge fra et link
theme: administration
department: SOF
summary: Tilføjet gennem et symbolsk link.
economy:
  - text: Ekstra
    area: service
    group: varig
    amounts: {2026: -500000}
---
"""


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(repo.parent)}
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    require_program("git")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_tree(root / "content", SMALL)
    commit(root, "base")
    git(root, "tag", "base")
    return root


def as_compared(files: dict[str, bytes | OSError]) -> dict[str, object]:
    """Bytes as they are, errors by class and Danish reason."""
    return {rel: (type(v).__name__, v.strerror) if isinstance(v, OSError) else v
            for rel, v in files.items()}


def test_a_committed_symlinked_proposal_is_an_error_in_diff_not_silence(repo: Path) -> None:
    (repo / "outside.md").write_text(MONEY, encoding="utf-8")
    (repo / "content/proposals/X9.md").symlink_to("../../outside.md")
    commit(repo, "money through a link")
    files = gitsource.read_revision(repo, "HEAD", "content")
    assert isinstance(files["proposals/X9.md"], OSError)
    assert "symbolsk link" in str(files["proposals/X9.md"].strerror)
    result = diff_revisions("base", "HEAD", cwd=str(repo))
    assert not result.ok  # the head revision is invalid: the diff says so
    problems = [(i.path, i.code, i.message) for i in result.head.errors]
    assert any(path.endswith("proposals/X9.md") and "symbolsk link" in message
               for path, _code, message in problems), problems
    assert "Ingen ændringer" not in render.to_text(result)


def test_a_revision_reads_exactly_as_the_same_folder_on_disk(repo: Path) -> None:
    proposals = repo / "content/proposals"
    (proposals / "link.md").symlink_to("A1.md")
    (proposals / "dir.md").mkdir()
    (proposals / "dir.md/inside.md").write_text(MONEY, encoding="utf-8")
    (proposals / ".hidden.md").write_text(MONEY, encoding="utf-8")
    (proposals / ".gitkeep").write_text("", encoding="utf-8")
    (proposals / ".planted.katalog-fmt").symlink_to("/etc/passwd")
    (proposals / "noter.txt").write_text("noter\n", encoding="utf-8")
    (proposals / "arkiv").mkdir()
    (proposals / "arkiv/A7.md").write_text(MONEY, encoding="utf-8")
    (proposals / "big.md").write_bytes(b"---\n" + b"x" * MAX_FILE_BYTES)
    (repo / "content/intro.md").write_text("# Indledning\n", encoding="utf-8")
    (repo / "content/themes/link.md").symlink_to("../../outside.md")
    (repo / "outside.md").write_text(MONEY, encoding="utf-8")
    commit(repo, "everything a pull request can hold")
    on_disk = read_folder(repo / "content")
    in_git = gitsource.read_revision(repo, "HEAD", "content")
    assert as_compared(in_git) == as_compared(on_disk)
    assert list(in_git) == sorted(in_git)
    assert {"proposals/link.md", "proposals/dir.md", "proposals/.hidden.md", "proposals/big.md",
            "proposals/arkiv", "themes/link.md"} <= {
        rel for rel, v in in_git.items() if isinstance(v, OSError)}
    assert in_git["intro.md"] == b"# Indledning\n"


def test_symlinked_folders_in_a_revision_are_errors(repo: Path) -> None:
    content = repo / "content"
    (content / "themes").rename(repo / "themes-elsewhere")
    (content / "themes").symlink_to("../themes-elsewhere")
    (content / "catalogue.yaml").rename(repo / "catalogue.yaml")
    (content / "catalogue.yaml").symlink_to("../catalogue.yaml")
    commit(repo, "links")
    in_git = gitsource.read_revision(repo, "HEAD", "content")
    assert as_compared(in_git) == as_compared(read_folder(content))
    assert "symbolsk link" in str(in_git["themes"].strerror)
    assert "symbolsk link" in str(in_git["catalogue.yaml"].strerror)
    assert not any(rel.startswith("themes/") for rel in in_git)


def test_a_huge_blob_is_refused_without_being_read(repo: Path, monkeypatch) -> None:
    (repo / "content/proposals/big.md").write_bytes(b"x" * (3 * MAX_FILE_BYTES))
    commit(repo, "big")
    asked: list[list[str]] = []
    real = gitsource.read_blobs

    def spy(repo_: Path, shas: list[str]) -> dict[str, bytes]:
        asked.append(shas)
        return real(repo_, shas)

    monkeypatch.setattr(gitsource, "read_blobs", spy)
    files = gitsource.read_revision(repo, "HEAD", "content")
    assert "for stor" in str(files["proposals/big.md"].strerror)
    big = git(repo, "rev-parse", "HEAD:content/proposals/big.md")
    assert big not in asked[0]
