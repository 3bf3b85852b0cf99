"""folder.read_folder: a content folder as a hostile commit or a careless writer leaves it.

katalog never follows a symlink inside the content folder, never blocks on a FIFO, never reads
a device, never reads more than the size limit, and never leaves a `.md` out without a word."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpers import minimal
from katalog.folder import INTRO_FILE, read_folder
from katalog.pipeline import check
from katalog.safefs import UnsafeFile
from katalog.source import MAX_FILE_BYTES

C, T, P = "catalogue.yaml", "themes/adm.md", "proposals/P1.md"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    for rel, raw in minimal().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(raw)
    return root


def in_thread(call, *args):
    """`call(*args)` in a thread that must end within a generous bound (a hang fails)."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(call(*args)), daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), f"{call.__name__} hangs"
    return result[0]


def reasons(files: dict[str, bytes | OSError]) -> dict[str, str]:
    return {rel: str(v.strerror) for rel, v in files.items() if isinstance(v, OSError)}


def errors(content: Path) -> dict[str, tuple[str, str]]:
    """`katalog check`'s problems, as relative path → (code, message)."""
    report = check(content).report
    return {os.path.relpath(i.path, content): (i.code, i.message) for i in report.sorted()}


def test_a_valid_folder_is_read_whole(content: Path) -> None:
    files = read_folder(content)
    assert files == {rel: (content / rel).read_bytes() for rel in (C, P, T)}
    assert list(files) == sorted(files)
    assert not check(content).report.sorted()


def test_a_fifo_named_like_a_proposal_is_an_error_not_a_hang(content: Path) -> None:
    os.mkfifo(content / "proposals" / "x.md")
    files = in_thread(read_folder, content)
    assert "FIFO" in reasons(files)["proposals/x.md"]
    code, message = in_thread(errors, content)["proposals/x.md"]
    assert code == "read" and "FIFO" in message


@pytest.mark.parametrize("target", ["../../outside.md", "P1.md"])  # /dev/zero: below, in a subprocess
def test_a_symlinked_proposal_is_an_error_never_followed(content: Path, target: str) -> None:
    (content.parent / "outside.md").write_bytes(minimal()[P].replace(b"P1", b"P9"))
    (content / "proposals" / "link.md").symlink_to(target)
    files = read_folder(content)
    assert isinstance(files["proposals/link.md"], UnsafeFile)
    assert "symbolsk link" in reasons(files)["proposals/link.md"]
    assert "symbolsk link" in errors(content)["proposals/link.md"][1]
    assert check(content).totals is None  # invalid: nothing is counted from the link


def test_a_link_to_dev_zero_ends_at_once_under_a_memory_limit(content: Path) -> None:
    """The probe as a contributor would plant it; the old reader read until memory ran out."""
    (content / "proposals" / "zero.md").symlink_to("/dev/zero")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    proc = subprocess.run([sys.executable, "-m", "katalog", "check", str(content)],
                          capture_output=True, text=True, timeout=120, preexec_fn=limit)
    assert proc.returncode == 1, proc.stderr
    assert "zero.md:1:1: fejl: " in proc.stdout and "symbolsk link" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_symlinked_folders_and_catalogue_are_errors(content: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (content / "themes").rename(elsewhere)
    (content / "themes").symlink_to(elsewhere)
    (content / C).rename(tmp_path / C)
    (content / C).symlink_to(tmp_path / C)
    (content / INTRO_FILE).symlink_to(tmp_path / C)
    files = read_folder(content)
    assert T not in files  # nothing read through the linked folder
    assert "symbolsk link" in reasons(files)["themes"]
    assert "symbolsk link" in reasons(files)[C]
    assert "symbolsk link" in reasons(files)[INTRO_FILE]
    assert errors(content)[C][0] == "read"


def test_the_content_folder_itself_may_be_a_link(content: Path, tmp_path: Path) -> None:
    """The folder named on the command line is the user's choice, so it is followed."""
    link = tmp_path / "link"
    link.symlink_to(content)
    assert read_folder(link) == read_folder(content)


def test_a_folder_named_like_a_proposal_is_an_error(content: Path) -> None:
    (content / "proposals" / "x.md").mkdir()
    (content / "proposals" / "x.md" / "inside.md").write_bytes(minimal()[P])
    assert "mappe" in reasons(read_folder(content))["proposals/x.md"]
    code, message = errors(content)["proposals/x.md"]
    assert code == "read" and "mappe" in message


def test_hidden_md_files_are_errors_housekeeping_files_are_left_alone(content: Path) -> None:
    (content / "proposals" / ".P2.md").write_bytes(minimal()[P].replace(b"P1", b"P2"))
    for name in (".gitkeep", ".DS_Store", ".P1.md.swp"):
        (content / "proposals" / name).write_bytes(b"x")
    (content / "proposals" / ".git").mkdir()
    (content / "proposals" / ".planted.katalog-fmt").symlink_to("/etc/passwd")
    files = read_folder(content)
    assert "punktum" in reasons(files)["proposals/.P2.md"]
    assert "symbolsk link" in reasons(files)["proposals/.planted.katalog-fmt"]
    assert not {"proposals/.gitkeep", "proposals/.DS_Store", "proposals/.P1.md.swp",
                "proposals/.git"} & set(files)
    found = errors(content)
    assert found["proposals/.P2.md"][0] == "read"
    assert found["proposals/.planted.katalog-fmt"][0] == "ignored-file"  # seen, not read


def test_other_files_and_subfolders_are_listed_not_read(content: Path) -> None:
    (content / "proposals" / "noter.txt").write_bytes(b"\xff" * (2 * MAX_FILE_BYTES))
    (content / "proposals" / "arkiv").mkdir()
    (content / "proposals" / "arkiv" / "P7.md").write_bytes(minimal()[P])
    files = read_folder(content)
    assert isinstance(files["proposals/noter.txt"], OSError)  # never read: only listed
    assert "undermapper" in reasons(files)["proposals/arkiv"]
    assert "proposals/arkiv/P7.md" not in files
    found = errors(content)
    assert found["proposals/noter.txt"][0] == found["proposals/arkiv"][0] == "ignored-file"


def test_a_file_over_the_limit_is_an_error_after_reading_the_limit(content: Path) -> None:
    (content / "proposals" / "big.md").write_bytes(b"---\n" + b"x" * MAX_FILE_BYTES)
    assert "for stor" in reasons(read_folder(content))["proposals/big.md"]
    assert "for stor" in errors(content)["proposals/big.md"][1]


def test_intro_is_read_when_present(content: Path) -> None:
    assert INTRO_FILE not in read_folder(content)
    (content / INTRO_FILE).write_bytes(b"# Indledning\n\nTekst.\n")
    assert read_folder(content)[INTRO_FILE] == b"# Indledning\n\nTekst.\n"


def test_messages_are_danish_and_do_not_repeat_the_path(content: Path) -> None:
    os.mkfifo(content / "proposals" / "x.md")
    (content / "proposals" / "l.md").symlink_to("P1.md")
    for reason in reasons(in_thread(read_folder, content)).values():
        assert str(content) not in reason and "x.md" not in reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_a_danish_error(content: Path) -> None:
    (content / P).chmod(0)
    try:
        assert "ingen adgang" in reasons(read_folder(content))[P]
    finally:
        (content / P).chmod(0o644)


def test_missing_folder_is_empty_and_missing_parts_are_absent(tmp_path: Path) -> None:
    assert read_folder(tmp_path / "nowhere") == {}
    (tmp_path / "c").mkdir()
    assert read_folder(tmp_path / "c") == {}


def test_without_folder_descriptors_the_result_is_the_same(content: Path, monkeypatch) -> None:
    """Where the OS cannot open folders by descriptor (Windows) the path-based reader applies
    the same policy."""
    import katalog.folder as folder

    os.mkfifo(content / "proposals" / "x.md")
    (content / "proposals" / "l.md").symlink_to("P1.md")
    (content / "proposals" / ".h.md").write_bytes(b"x")
    (content / "proposals" / "d.md").mkdir()
    by_fd = in_thread(read_folder, content)
    monkeypatch.setattr(folder, "_BY_FD", False)
    by_path = in_thread(read_folder, content)
    assert {k: (v if isinstance(v, bytes) else v.strerror) for k, v in by_fd.items()} == {
        k: (v if isinstance(v, bytes) else v.strerror) for k, v in by_path.items()}


def test_a_folder_too_big_for_memory_is_refused_file_by_file(content: Path, monkeypatch) -> None:
    """Thousands of files at the size limit would fill the memory: past the budget each file
    is an error (check reports it), the same on disk and in a git revision."""
    import katalog.folder as folder
    from katalog import gitsource

    for i in range(6):
        (content / "proposals" / f"X{i}.md").write_bytes(b"x" * 1000)
    monkeypatch.setattr(folder, "MAX_FILES", 5)
    files = read_folder(content)
    refused = sorted(rel for rel, v in files.items() if isinstance(v, OSError))
    assert refused == ["proposals/X3.md", "proposals/X4.md", "proposals/X5.md", "themes/adm.md"]
    assert "indholdsmappen er for stor" in str(files["themes/adm.md"])
    assert not check(content, cache=False).ok
    monkeypatch.setattr(folder, "MAX_FILES", 10)
    monkeypatch.setattr(folder, "MAX_TOTAL_BYTES", 3500)  # C + T + P + three of 1000 bytes
    refused = sorted(rel for rel, v in read_folder(content).items() if isinstance(v, OSError))
    assert len(refused) >= 2 and "themes/adm.md" in refused
    subprocess.run(["git", "init", "-q", str(content)], check=True)
    subprocess.run(["git", "-C", str(content), "add", "."], check=True)
    subprocess.run(["git", "-C", str(content), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", "x"], check=True)
    from_git = gitsource.read_revision(content, "HEAD", "")
    assert sorted(rel for rel, v in from_git.items() if isinstance(v, OSError)) == refused
