"""The safe file helpers every command reads and writes through."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from katalog.safefs import UnsafeFile, create_exclusive, read_regular, write_atomic


def test_read_regular_reads_a_file(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_bytes(b"hej")
    assert read_regular(f, 10) == b"hej"


def test_read_regular_refuses_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "target.md"
    target.write_bytes(b"hemmelig")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    with pytest.raises(UnsafeFile, match="symbolsk link"):
        read_regular(link, 100)


def test_read_regular_does_not_hang_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    result: list[BaseException] = []

    def read() -> None:
        try:
            read_regular(fifo, 100)
        except BaseException as exc:  # noqa: BLE001
            result.append(exc)

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(5)
    assert not t.is_alive(), "read_regular blocked on a FIFO"
    assert isinstance(result[0], UnsafeFile) and "FIFO" in str(result[0])


def test_read_regular_refuses_a_device_and_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UnsafeFile, match="enhed"):
        read_regular("/dev/zero", 100)
    with pytest.raises(UnsafeFile, match="mappe"):
        read_regular(tmp_path, 100)


def test_read_regular_stops_at_the_limit(tmp_path: Path) -> None:
    f = tmp_path / "big.md"
    f.write_bytes(b"x" * 1001)
    with pytest.raises(UnsafeFile, match="for stor"):
        read_regular(f, 1000)
    assert read_regular(f, 1001) == b"x" * 1001


def test_write_atomic_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    f = tmp_path / "a.sh"
    f.write_bytes(b"old")
    f.chmod(0o750)
    write_atomic(f, b"new")
    assert f.read_bytes() == b"new"
    assert stat.S_IMODE(f.stat().st_mode) == 0o750
    assert [p.name for p in tmp_path.iterdir()] == ["a.sh"]  # no temporary file left


def test_write_atomic_never_writes_through_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.sh"
    victim.write_bytes(b"#!/bin/sh\necho safe\n")
    link = tmp_path / "proposal.md"
    link.symlink_to(victim)
    with pytest.raises(UnsafeFile, match="symbolsk link"):
        write_atomic(link, b"evil")
    assert victim.read_bytes() == b"#!/bin/sh\necho safe\n"
    write_atomic(link, b"replaced", replace_symlink=True)
    assert not link.is_symlink() and link.read_bytes() == b"replaced"
    assert victim.read_bytes() == b"#!/bin/sh\necho safe\n"


def test_write_atomic_ignores_planted_temporary_names(tmp_path: Path) -> None:
    """A planted symlink at any name beside the target is never opened (the temporary
    file is created exclusively under a random name)."""
    victim = tmp_path / "victim.sh"
    victim.write_bytes(b"safe")
    for name in (".a.md.katalog-fmt", ".a.md.tmp", ".a.md.katalog-tmp"):
        (tmp_path / name).symlink_to(victim)
    target = tmp_path / "a.md"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and victim.read_bytes() == b"safe"


def test_create_exclusive_refuses_anything_already_there(tmp_path: Path) -> None:
    dangling = tmp_path / "new.md"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        create_exclusive(dangling, b"x")
    assert not (tmp_path / "nowhere").exists()
    fresh = tmp_path / "fresh.md"
    create_exclusive(fresh, b"x")
    assert fresh.read_bytes() == b"x"
    with pytest.raises(FileExistsError):
        create_exclusive(fresh, b"y")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.md", "new.md"]


# -- Danish reasons, the umask, concurrent writers ---------------------------------------------


def test_errors_carry_a_danish_reason_without_the_path(tmp_path: Path) -> None:
    from katalog.safefs import reason

    link = tmp_path / "l.md"
    link.symlink_to(tmp_path)
    with pytest.raises(UnsafeFile) as info:
        read_regular(link, 10)
    assert str(tmp_path) not in info.value.strerror
    assert str(info.value).startswith(f"{link}: ")  # str() names the file
    with pytest.raises(FileNotFoundError) as missing:
        read_regular(tmp_path / "nej.md", 10)
    assert reason(missing.value) == "filen eller mappen findes ikke"
    assert reason(PermissionError(13, "Permission denied")).startswith("ingen adgang")
    assert reason(OSError(28, "No space left on device")) == "der er ikke mere plads på disken"


def test_write_atomic_never_changes_the_process_umask(tmp_path: Path, monkeypatch) -> None:
    """Changing the umask to read it let another thread create a world-writable file."""
    old = os.umask(0o027)
    try:
        def no_umask(_mask: int) -> int:
            raise AssertionError("os.umask called: a race with every other thread")

        monkeypatch.setattr(os, "umask", no_umask)
        write_atomic(tmp_path / "new.txt", b"x")
        create_exclusive(tmp_path / "other.txt", b"y")
        write_atomic(tmp_path / "exact.txt", b"z", mode=0o640)
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640  # 0o666 & ~0o027
    assert stat.S_IMODE((tmp_path / "other.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "exact.txt").stat().st_mode) == 0o640


def test_concurrent_writers_leave_one_whole_file_and_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    payloads = [bytes([65 + i]) * 100_000 for i in range(16)]
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            for _ in range(20):
                write_atomic(target, data)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_a_very_long_file_name_still_gets_a_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / ("x" * 250 + ".md")
    write_atomic(target, b"data")
    assert target.read_bytes() == b"data"
