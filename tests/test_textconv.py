"""textconv.textconv_file: the git textconv driver reads its file safely.

git passes a regular file; anyone running `katalog textconv` by hand on a FIFO, a device or a
symlink gets a Danish error at once instead of a hang or an endless read."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from katalog.safefs import reason
from katalog.source import MAX_FILE_BYTES
from katalog.textconv import HEADER, PASS_THROUGH_LIMIT, textconv_file

PROPOSAL = """\
---
id: A1
title: Et forslag
economy:
  - text: Løn
    area: service
    group: varig
    amounts: {2026: -1500, 2027: -3000}
---
Tekst.
"""


def refused(path: Path) -> OSError:
    found: list[BaseException] = []

    def run() -> None:
        try:
            textconv_file(path)
        except BaseException as exc:  # noqa: BLE001
            found.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "textconv hangs"
    assert found and isinstance(found[0], OSError), found
    return found[0]


def test_a_proposal_gets_its_amounts_table(tmp_path: Path) -> None:
    path = tmp_path / "A1.md"
    path.write_text(PROPOSAL, encoding="utf-8")
    out = textconv_file(path)
    assert out.startswith(HEADER + ": A1 Et forslag\n")
    assert "-1.500" in out and "-4.500" not in out and out.endswith(PROPOSAL)


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.md")
    assert "FIFO" in reason(refused(tmp_path / "x.md"))


@pytest.mark.parametrize("target", ["../outside.md", "A1.md"])
def test_a_symlink_is_refused(tmp_path: Path, target: str) -> None:
    (tmp_path / "outside.md").write_text(PROPOSAL, encoding="utf-8")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "A1.md").write_text(PROPOSAL, encoding="utf-8")
    (tmp_path / "d" / "link.md").symlink_to(target)
    assert "symbolsk link" in reason(refused(tmp_path / "d" / "link.md"))


def test_a_device_and_a_folder_are_refused(tmp_path: Path) -> None:
    assert "enhed" in reason(refused(Path("/dev/zero")))
    assert "mappe" in reason(refused(tmp_path))


def test_a_big_file_is_passed_through_up_to_a_bound(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * (MAX_FILE_BYTES + 10))
    assert textconv_file(big) == "x" * (MAX_FILE_BYTES + 10)  # git still shows a diff
    big.write_bytes(b"x" * (PASS_THROUGH_LIMIT + 1))
    assert "for stor" in reason(refused(big))


def test_missing_file_is_a_danish_error(tmp_path: Path) -> None:
    assert reason(refused(tmp_path / "nej.md")) == "filen eller mappen findes ikke"
