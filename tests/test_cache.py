"""cache: the one store. Records are authenticated with this user's key, so a record katalog
did not write (planted, another user's, damaged, moved) is a miss; a folder that is a
symlink, another user's or tracked by git is not used; the folder ignores itself in git; a
store that cannot be written only costs time and leaves no temporary file."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from katalog import cache as cache_module
from katalog.cache import FOLDER, FORMAT, Store, key_path, user_secret

KEY = b"k" * 32


def entry_file(store: Store, namespace: str, key: str) -> Path:
    assert store.folder is not None
    return store.folder / namespace / key[:2] / key


def test_a_record_comes_back_and_any_damage_is_a_miss(tmp_path: Path) -> None:
    store = Store(tmp_path / FOLDER, KEY)
    store.put("pdf", "ab" * 32, b"value")
    assert store.get("pdf", "ab" * 32) == b"value"
    path = entry_file(store, "pdf", "ab" * 32)
    raw = path.read_bytes()
    for damaged in (raw[:-1] + bytes([raw[-1] ^ 1]), raw[:len(raw) // 2], b"", raw + b"x"):
        path.write_bytes(damaged)
        assert store.get("pdf", "ab" * 32) is None
    assert store.get("pdf", "cd" * 32) is None


def test_a_record_katalog_did_not_write_is_a_miss(tmp_path: Path) -> None:
    """Planted records: one with a sound SHA-256 checksum (what an attacker without the key
    can make), one authenticated with another user's key, and one of ours moved to another
    key's place. None is used."""
    folder = tmp_path / FOLDER
    ours = Store(folder, KEY)
    payload = b"-35000"
    planted = entry_file(ours, "pdf", "aa" * 32)
    planted.parent.mkdir(parents=True)
    planted.write_bytes(FORMAT + hashlib.sha256(payload).digest() + payload)
    assert ours.get("pdf", "aa" * 32) is None
    Store(folder, b"x" * 32).put("pdf", "bb" * 32, payload)
    assert ours.get("pdf", "bb" * 32) is None
    ours.put("pdf", "cc" * 32, payload)
    moved = entry_file(ours, "pdf", "dd" * 32)
    moved.parent.mkdir(parents=True)
    moved.write_bytes(entry_file(ours, "pdf", "cc" * 32).read_bytes())
    assert ours.get("pdf", "cc" * 32) == payload and ours.get("pdf", "dd" * 32) is None
    assert ours.get("html", "cc" * 32) is None  # nor in another namespace


def test_packs_round_trip_and_a_damaged_pack_is_empty(tmp_path: Path) -> None:
    store = Store(tmp_path / FOLDER, KEY)
    entries = {"b": b"2", "a": b"", "c": bytes(range(256))}
    store.write_pack("documents", entries)
    assert store.read_pack("documents") == entries
    assert store.read_pack("other") == {}
    path = tmp_path / FOLDER / "documents.pack"
    path.write_bytes(path.read_bytes()[:-3])
    assert store.read_pack("documents") == {}
    Store(tmp_path / FOLDER, b"x" * 32).write_pack("documents", entries)
    assert store.read_pack("documents") == {}


def test_the_folder_ignores_itself_in_git(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    store = Store.beside(tmp_path / "build")
    store.put("pdf", "ab" * 32, b"x")
    store.write_pack("documents", {"a": b"1"})
    folder = tmp_path / FOLDER
    assert (folder / ".gitignore").read_bytes().splitlines()[-1] == b"*"
    assert (folder / "CACHEDIR.TAG").read_bytes().startswith(
        b"Signature: 8a477f597d28d172789f06886806bc55")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert status == ""


def test_a_folder_tracked_by_git_is_not_used(tmp_path: Path) -> None:
    """A cache committed to the repository (e.g. by a pull request) is someone else's."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    folder = tmp_path / FOLDER
    Store(folder, KEY).put("pdf", "ab" * 32, b"x")
    assert Store(folder, KEY).get("pdf", "ab" * 32) == b"x"
    subprocess.run(["git", "add", "-f", f"{FOLDER}/pdf"], cwd=tmp_path, check=True)
    assert not Store(folder, KEY).enabled


def test_a_folder_of_another_user_or_a_symlink_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").mkdir()
    (tmp_path / "link" / FOLDER).symlink_to(elsewhere)
    linked = Store(tmp_path / "link" / FOLDER, KEY)
    linked.put("pdf", "ab" * 32, b"x")
    assert not linked.enabled and list(elsewhere.iterdir()) == []
    folder = tmp_path / FOLDER
    Store(folder, KEY).put("pdf", "ab" * 32, b"x")
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 1)
    assert not Store(folder, KEY).enabled


def test_no_key_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key lives in the user's cache folder (never in a repository), private to the user;
    a key others may read is not trusted."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    secret = user_secret()
    path = key_path()
    assert secret is not None and len(secret) == 32
    assert path == tmp_path / "home-cache" / "katalog" / "key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert user_secret() == secret
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other"))
    (tmp_path / "other" / "katalog").mkdir(parents=True)
    (tmp_path / "other" / "katalog" / "key").write_bytes(b"s" * 32)
    os.chmod(tmp_path / "other" / "katalog" / "key", 0o644)
    assert user_secret() is None
    assert not Store(tmp_path / FOLDER).enabled


def test_a_store_that_cannot_be_written_costs_only_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(cache_module.tempfile, "mkstemp", read_only)
    store = Store(tmp_path / FOLDER, KEY)
    store.put("pdf", "ab" * 32, b"x")
    store.write_pack("documents", {"a": b"1"})
    assert store.get("pdf", "ab" * 32) is None and store.read_pack("documents") == {}


def test_a_full_disk_leaves_no_temporary_file(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / FOLDER, KEY)
    store.put("pdf", "ab" * 32, b"x")  # the folder is there
    real = os.fdopen

    class Full:
        def __init__(self, f: object) -> None:
            self.f = f

        def __enter__(self) -> "Full":
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()  # type: ignore[attr-defined]

        def write(self, _data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache_module.os, "fdopen", lambda fd, *a, **k: Full(real(fd, *a, **k)))
    store.put("pdf", "cd" * 32, b"y" * 1000)
    store.write_pack("documents", {"a": b"1"})
    monkeypatch.undo()
    left = [p for p in (tmp_path / FOLDER).rglob("*") if p.name.startswith(".tmp-")]
    assert left == [] and store.get("pdf", "cd" * 32) is None


def test_prune_keeps_what_was_used_and_removes_stale_temporaries(tmp_path: Path) -> None:
    store = Store(tmp_path / FOLDER, KEY)
    for key in ("aa" * 32, "ab" * 32, "cd" * 32):
        store.put("pdf", key, key.encode())
    store.put("docx", "ef" * 32, b"z")
    stale = tmp_path / FOLDER / "pdf" / "aa" / ".tmp-killed"
    fresh = tmp_path / FOLDER / ".tmp-writing-now"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - 2 * cache_module.STALE_TMP_SECONDS
    os.utime(stale, (old, old))
    store.prune("pdf", ["ab" * 32])
    assert store.get("pdf", "ab" * 32) == b"ab" * 32
    assert store.get("pdf", "aa" * 32) is None and store.get("pdf", "cd" * 32) is None
    assert store.get("docx", "ef" * 32) == b"z"  # other renderers' entries stay
    assert not stale.exists() and fresh.exists()


def test_no_folder_keeps_nothing(tmp_path: Path) -> None:
    store = Store(None)
    store.put("pdf", "ab" * 32, b"x")
    store.write_pack("documents", {"a": b"1"})
    assert not store.enabled and store.get("pdf", "ab" * 32) is None
    assert list(tmp_path.iterdir()) == []
    assert Store.beside(tmp_path / "build").folder == tmp_path / FOLDER


def test_holds_says_whether_a_namespace_may_have_entries(tmp_path: Path) -> None:
    store = Store(tmp_path / FOLDER, b"k" * 32)
    assert not store.holds("html")  # nothing written yet: a first build
    store.put("html", "ab" * 32, b"x")
    assert store.holds("html") and not store.holds("pdf")
    assert not Store(None).holds("html")


def test_small_entries_of_a_packing_namespace_live_in_its_packs(tmp_path: Path) -> None:
    """`pack_small`: entries up to PACKED_MAX go to the namespace's 16 packs, written at
    `flush` (or `prune`), and are found again by another process; a bigger entry is a file
    of its own; a damaged pack is a miss; `prune` drops what was not used."""
    folder = tmp_path / FOLDER
    small = {f"{d}{d}" * 32: d.encode() * 100 for d in "0a5f"}
    big = "bb" * 32

    def opened() -> Store:
        store = Store(folder, KEY)
        store.pack_small("html")
        return store

    writer = opened()
    for key, value in small.items():
        writer.put("html", key, value)
    writer.put("html", big, b"x" * (cache_module.PACKED_MAX + 1))
    assert writer.get("html", "00" * 32) == small["00" * 32]  # before any write too
    writer.flush()
    files = sorted(p.relative_to(folder / "html").as_posix()
                   for p in (folder / "html").rglob("*") if p.is_file())
    assert files == ["0.pack", "5.pack", "a.pack", f"bb/{big}", "f.pack"]

    reader = opened()
    assert all(reader.get("html", k) == v for k, v in small.items())
    assert reader.get("html", big) == b"x" * (cache_module.PACKED_MAX + 1)
    assert Store(folder, KEY).get("html", "00" * 32) is None  # packs are read when asked for

    reader.prune("html", ["00" * 32, big])
    again = opened()
    assert again.get("html", "00" * 32) == small["00" * 32]
    assert again.get("html", "aa" * 32) is None and again.get("html", big) is not None

    pack = folder / "html" / "0.pack"
    pack.write_bytes(pack.read_bytes()[:-1] + b"!")
    assert opened().get("html", "00" * 32) is None
