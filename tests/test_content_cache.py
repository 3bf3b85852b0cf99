"""The content cache (katalog.content_cache) and the store in a build: they may save time,
never change a result; a planted or damaged entry is ignored, never unpickled."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from katalog import cache as cache_module
from katalog.build import build
from katalog.cache import FOLDER, FORMAT, Store
from katalog.cli import main
from katalog.content_cache import PACK, DocumentCache, decode_document, encode_document
from katalog.folder import read_folder
from katalog import pipeline
from katalog.pipeline import Checked, check_files
from katalog.render import totals as totals_render
from test_bench_generate import gen


def check(content: Path, cache: DocumentCache | bool | None = None) -> Checked:
    """`pipeline.check` with the per-file cache alone: these tests count its hits, which a
    memo of the whole check (`check_memo`, tested in test_check_memo.py) would skip."""
    return pipeline.check(content, cache, memo=False)


def _outcome(checked: Checked) -> tuple[object, ...]:
    """Everything a check says: the messages, the model and the totals as JSON."""
    totals = (totals_render.to_json(checked.catalogue, checked.totals)
              if checked.totals is not None else None)
    return ([i.format() for i in checked.report.sorted()], checked.catalogue, totals)


def _copy_example(example: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(example, tmp_path / "content"))


def _entries(cache: DocumentCache) -> dict[str, bytes]:
    return cache.store.read_pack(PACK)


def _write_pack(cache: DocumentCache, entries: dict[str, bytes]) -> None:
    cache.store.write_pack(PACK, entries)


def _pack_path(tmp_path: Path) -> Path:
    return tmp_path / FOLDER / f"{PACK}.pack"


def test_cached_check_equals_uncached_on_example(example: Path, tmp_path: Path) -> None:
    content = _copy_example(example, tmp_path)
    plain = _outcome(check(content))
    first = DocumentCache.beside(content)
    assert _outcome(check(content, first)) == plain
    assert first.hits == 0 and first.misses > 0
    second = DocumentCache.beside(content)
    assert _outcome(check(content, second)) == plain
    assert second.misses == 0 and second.hits == first.misses
    assert _pack_path(tmp_path).is_file()  # one file for the whole folder


def test_cached_check_equals_uncached_on_generated(tmp_path: Path) -> None:
    content = gen.generate(tmp_path / "gen", 20)
    plain = _outcome(check(content))
    assert plain[2] is not None
    check(content, cache=True)
    warm = DocumentCache.beside(content)
    assert _outcome(check(content, warm)) == plain
    assert warm.misses == 0


def test_errors_and_positions_come_back_from_the_cache(small: Path, tmp_path: Path) -> None:
    (small / "proposals").mkdir(exist_ok=True)
    (small / "proposals" / "BAD-01.md").write_text("---\nid: BAD-01\ntitle: [unclosed\n---\nTekst\n",
                                                   encoding="utf-8")
    (small / "proposals" / "BAD-02.md").write_text("---\nid: BAD-02\nstatus: 12\n---\n",
                                                   encoding="utf-8")
    plain = _outcome(check(small))
    assert any("BAD-01.md:" in m for m in plain[0]) and any("BAD-02.md:" in m for m in plain[0])
    check(small, cache=True)
    warm = DocumentCache.beside(small)
    assert _outcome(check(small, warm)) == plain
    assert warm.misses == 0 and warm.hits >= 3


def test_renamed_folder_shows_its_own_paths(example: Path, tmp_path: Path) -> None:
    content = _copy_example(example, tmp_path)
    check(content, cache=True)
    other = Path(shutil.copytree(content, tmp_path / "andet"))
    cache = DocumentCache.beside(other)  # the same cache folder (same parent)
    assert _outcome(check(other, cache)) == _outcome(check(other))
    assert cache.misses == 0


def test_editing_a_file_invalidates_its_entry(tmp_path: Path) -> None:
    content = gen.generate(tmp_path / "gen", 20)
    check(content, cache=True)
    path = sorted((content / "proposals").glob("*.md"))[0]
    text = path.read_text(encoding="utf-8")
    edited = text.replace("title:", "title: Ændret", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    cache = DocumentCache.beside(content)
    result = check(content, cache)
    assert cache.misses == 1
    assert _outcome(result) == _outcome(check(content))
    assert any(p.title.startswith("Ændret") for p in result.catalogue.proposals)


def test_corrupt_entries_are_ignored(example: Path, tmp_path: Path) -> None:
    content = _copy_example(example, tmp_path)
    plain = _outcome(check(content))
    cache = DocumentCache.beside(content)
    check(content, cache)
    entries = _entries(cache)
    assert entries
    damaged = {}
    for i, (key, value) in enumerate(entries.items()):
        if i % 3 == 0:
            damaged[key] = b"garbage" + value[7:]  # damaged inside a sound pack
        elif i % 3 == 1:
            damaged[key] = value[: len(value) // 4]  # truncated
        else:
            damaged[key] = b""  # empty
    _write_pack(cache, damaged)
    again = DocumentCache.beside(content)
    assert _outcome(check(content, again)) == plain
    assert again.hits == 0
    third = DocumentCache.beside(content)  # the misses were written back
    assert _outcome(check(content, third)) == plain
    assert third.misses == 0


def test_a_pickle_in_an_entry_is_never_unpickled(example: Path, tmp_path: Path) -> None:
    """An entry (authenticated: written with this user's key) holding a pickle that would run
    code is not read as a document: entries are JSON, nothing is ever unpickled."""
    content = _copy_example(example, tmp_path)
    plain = _outcome(check(content))
    cache = DocumentCache.beside(content)
    check(content, cache)
    victim = tmp_path / "victim.txt"
    victim.write_text("x", encoding="utf-8")

    class Remove:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.remove, (str(victim),))

    _write_pack(cache, {key: pickle.dumps(("doc", Remove())) for key in _entries(cache)})
    again = DocumentCache.beside(content)
    assert _outcome(check(content, again)) == plain
    assert again.hits == 0
    assert victim.exists()


def test_documents_round_trip_as_plain_data(example: Path) -> None:
    import datetime as dt
    from decimal import Decimal

    from katalog.model import UNKNOWN
    from katalog.source import Document

    doc = Document("x.md", {"a": [Decimal("1.50"), dt.date(2027, 1, 2), None, True, 3, "?"],
                            "amounts": {2027: -350, "m": {"d": "not a tag"}}, "u": UNKNOWN},
                   {("a", 0): (2, 3), (): (1, 1)}, {("amounts", 2027): (4, 5)}, "Tekst\n", 7)
    back = decode_document(encode_document(doc), "y.md")
    assert back.path == "y.md" and back.data == doc.data and back.body_line == 7
    assert back.positions == doc.positions and back.key_positions == doc.key_positions
    assert type(back.data["a"][0]) is Decimal and back.data["u"] is UNKNOWN
    for path in sorted(example.rglob("*.md"))[:5]:
        from katalog.source import read_document

        raw = path.read_bytes()
        doc = read_document(raw, str(path), True)
        assert decode_document(encode_document(doc), str(path)) == doc


def test_no_cache_option_and_environment(example: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    content = _copy_example(example, tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--no-cache", str(content)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / FOLDER).exists()
    monkeypatch.setenv("KATALOG_NO_CACHE", "1")
    assert runner.invoke(main, ["totals", "--format", "json", str(content)]).exit_code == 0
    assert not (tmp_path / FOLDER).exists()
    monkeypatch.delenv("KATALOG_NO_CACHE")
    cached = runner.invoke(main, ["totals", "--format", "json", str(content)])
    assert _pack_path(tmp_path).is_file()
    uncached = runner.invoke(main, ["totals", "--format", "json", "--no-cache", str(content)])
    assert cached.exit_code == uncached.exit_code == 0
    assert cached.output == uncached.output


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "foreign", "classes",
                                    "checksum", "other-key"])
def test_a_damaged_or_planted_pack_is_an_empty_cache(example: Path, tmp_path: Path,
                                                     damage: str) -> None:
    content = _copy_example(example, tmp_path)
    plain = _outcome(check(content))
    cache = DocumentCache.beside(content)
    check(content, cache)
    path = _pack_path(tmp_path)
    raw = path.read_bytes()
    victim = tmp_path / "victim.txt"
    victim.write_text("x", encoding="utf-8")

    class Remove:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.remove, (str(victim),))

    if damage == "flip":
        raw = raw[:-1] + bytes([raw[-1] ^ 0xFF])
    elif damage == "truncate":
        raw = raw[: len(raw) // 2]
    elif damage == "empty":
        raw = b""
    elif damage == "foreign":
        raw = b"PK\x03\x04" + raw[4:]
    elif damage == "classes":  # katalog's old pack format: a checksummed pickle
        import hashlib

        payload = pickle.dumps({"k": Remove()})
        raw = b"katalog-documents-pack-1\n" + hashlib.sha256(payload).digest() + payload
    elif damage == "checksum":  # the same entries under a sound checksum but no key
        import hashlib

        payload = raw[len(FORMAT) + 32:]
        raw = FORMAT + hashlib.sha256(payload).digest() + payload
    else:  # written by another user's katalog (another key)
        Store(tmp_path / FOLDER, b"x" * 32).write_pack(PACK, _entries(cache))
        raw = path.read_bytes()
    path.write_bytes(raw)
    again = DocumentCache.beside(content)
    assert _outcome(check(content, again)) == plain
    assert again.hits == 0 and victim.exists()
    third = DocumentCache.beside(content)  # the pack was written anew
    assert _outcome(check(content, third)) == plain and third.misses == 0


def test_pack_written_only_when_something_is_new(example: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    content = _copy_example(example, tmp_path)
    writes: list[int] = []
    real = Store.write_pack
    monkeypatch.setattr(Store, "write_pack", lambda self, name, entries: (
        writes.append(len(entries)), real(self, name, entries)))
    check(content, DocumentCache.beside(content))
    assert len(writes) == 1
    check(content, DocumentCache.beside(content))  # warm: nothing new, nothing written
    assert len(writes) == 1
    target = next((content / "proposals").glob("*.md"))
    target.write_text(target.read_text(encoding="utf-8") + "\nEn ny sætning.\n",
                      encoding="utf-8")
    check(content, DocumentCache.beside(content))
    assert len(writes) == 2 and writes[1] == writes[0] + 1  # the old version is kept, too


def test_old_entries_are_dropped_when_they_pile_up(tmp_path: Path) -> None:
    content = gen.generate(tmp_path / "gen", 4)
    cache = DocumentCache.beside(content)
    _write_pack(cache, {f"{i:064x}": b"x" for i in range(400)})
    check(content, cache)
    entries = _entries(DocumentCache.beside(content))
    assert len(entries) == cache.misses  # only what this check used is left


# -- a whole build with the caches ---------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cached_builds_equal_an_uncached_build(example: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    content = _copy_example(example, tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    plain = build(content, tmp_path / "plain", ["totals", "html", "docx"], cache=False)
    reference = _tree(plain.out)
    cold = build(content, tmp_path / "cold", ["totals", "html", "docx"],
                 cache=Store(tmp_path / "cache"))
    assert _tree(tmp_path / "cold") == reference and cold.reused == []
    warm = build(content, tmp_path / "warm", ["totals", "html", "docx"],
                 cache=Store(tmp_path / "cache"))
    assert _tree(tmp_path / "warm") == reference


def _plant(folder: Path, entries: dict[str, bytes]) -> None:
    """A documents pack as a pull request could commit it: a sound SHA-256 checksum over
    entries of katalog's own format, but not authenticated with this user's key."""
    import hashlib

    payload = cache_module._pack_entries(entries)
    path = folder / FOLDER / f"{PACK}.pack"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(FORMAT + hashlib.sha256(payload).digest() + payload)


def test_a_planted_cache_changes_nothing(small: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: a cache committed by someone else, with checksum-valid entries that say
    -35.000 where the file says -3000 (and with every made PDF replaced), changes neither
    `check`, `totals` nor what `build` writes."""
    from katalog.source import read_document

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    runner = CliRunner()
    honest = {cmd: runner.invoke(main, [*cmd, "--no-cache", str(small)]).output
              for cmd in (("check",), ("totals", "--format", "json"))}
    build(small, tmp_path / "reference", ["totals", "html", "pdf"], cache=False)
    build(small, tmp_path / "build", ["totals", "html", "pdf"])  # the user's own cache
    raw = (small / "proposals" / "A1.md").read_bytes()
    lied = raw.replace(b"2026: -3000", b"2026: -35000")
    assert lied != raw
    entries = {DocumentCache.key(raw, True): encode_document(read_document(lied, "x", True))}
    _plant(tmp_path, entries)
    for entry in (tmp_path / FOLDER / "pdf").rglob("*"):
        if entry.is_file():
            entry.write_bytes(FORMAT + bytes(32) + b"%PDF-1.7 planted")
    for cmd, output in honest.items():
        result = runner.invoke(main, [*cmd, str(small)])
        assert result.output == output and "35.000" not in result.output
    build(small, tmp_path / "build", ["totals", "html", "pdf"])
    assert _tree(tmp_path / "build") == _tree(tmp_path / "reference")


def test_folder_diff_parses_shared_files_once_and_keeps_paths(example: Path,
                                                               tmp_path: Path) -> None:
    from katalog.diff import diff, diff_folders, shared_reader
    from katalog.source import read_document

    raw = (example / "catalogue.yaml").read_bytes()
    read = shared_reader()
    first = read(raw, "a/catalogue.yaml", False)
    second = read(raw, "b/catalogue.yaml", False)
    assert second.path == "b/catalogue.yaml" and first.path == "a/catalogue.yaml"
    assert second.data is first.data  # parsed once
    assert second == read_document(raw, "b/catalogue.yaml", False)
    old = Path(shutil.copytree(example, tmp_path / "old"))
    new = Path(shutil.copytree(example, tmp_path / "new"))
    (new / "proposals" / sorted(p.name for p in (new / "proposals").glob("*.md"))[0]).write_text(
        "---\nid: [\n---\n", encoding="utf-8")  # an error, shown with the new folder's path
    separate = diff(check(old), check(new), str(old), str(new), str(old), str(new))
    shared = diff_folders(str(old), str(new))
    assert shared == separate
    assert any(str(new) in issue.format() for issue in shared.head.issues)


# -- parsing ahead in the process pool -------------------------------------------------------


def _spy_pool(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Parse ahead from 2 files on, in 2 processes; the sizes of the pool's batches."""
    from katalog import content_cache, parallel

    calls: list[int] = []
    real = parallel.map_processes

    def spy(fn, items, workers=None, min_items=2, chunksize=1):  # type: ignore[no-untyped-def]
        calls.append(len(items))
        return real(fn, items, workers, min_items, chunksize)

    monkeypatch.setattr(content_cache, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(parallel, "map_processes", spy)
    monkeypatch.setenv("KATALOG_WORKERS", "2")
    return calls


def _broken(content: Path) -> Path:
    """Files every reader must report the same way: bad YAML, bad UTF-8, an alias, a tag."""
    p = content / "proposals"
    (p / "X-yaml.md").write_text("---\nid: X1\ntitle: [uafsluttet\n---\nTekst.\n", encoding="utf-8")
    (p / "X-utf8.md").write_bytes(b"---\nid: X2\ntitle: \xff\xfe\n---\n")
    (p / "X-alias.md").write_text("---\nid: &a X3\ntitle: *a\n---\n", encoding="utf-8")
    (p / "X-tag.md").write_text("---\nid: !!python/object X4\n---\n", encoding="utf-8")
    return content


def test_parse_ahead_in_the_pool_equals_reading_each_file(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    content = _broken(gen.generate(tmp_path / "gen", 20))
    alone = check_files(read_folder(content), label=str(content))  # each file read when asked
    calls = _spy_pool(monkeypatch)
    ahead = check(content)  # no cache: parsed ahead in the pool
    assert calls and calls[0] >= 24
    assert _outcome(ahead) == _outcome(alone)
    codes = {i.code for i in ahead.report.issues}
    assert {"yaml-syntax", "encoding", "yaml-alias", "yaml-tag"} <= codes

    cold = DocumentCache(Store(tmp_path / "cache"))
    assert _outcome(check(content, cold)) == _outcome(alone)
    assert cold.hits == 0 and cold.misses == calls[-1] and len(_entries(cold)) == cold.misses
    warm = DocumentCache(Store(tmp_path / "cache"))
    n = len(calls)
    assert _outcome(check(content, warm)) == _outcome(alone)
    assert len(calls) == n and warm.misses == 0 and warm.hits == cold.misses  # no pool: all hits


def test_parse_ahead_leaves_unexpected_failures_to_the_reader(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from katalog import load, source

    content = gen.generate(tmp_path / "gen", 5)
    real = source.read_document

    def failing(raw: bytes, path: str, front_matter: bool):  # type: ignore[no-untyped-def]
        if b"id: ADM-001" in raw:
            raise RuntimeError("uventet")
        return real(raw, path, front_matter)

    monkeypatch.setattr(source, "read_document", failing)
    monkeypatch.setattr(load, "read_document", failing)
    alone = check_files(read_folder(content), label=str(content))
    calls = _spy_pool(monkeypatch)
    ahead = check(content)
    assert calls and _outcome(ahead) == _outcome(alone)
    assert any(i.code == "internal" and "RuntimeError: uventet" in i.message
               for i in ahead.report.issues)


@pytest.mark.parametrize("how", ["blocked", "read-only"])
def test_an_unwritable_cache_still_checks_and_builds(small: Path, tmp_path: Path,
                                                     how: str) -> None:
    """A read-only content tree, or a cache folder that cannot be made: no cache, no error,
    no message about it, the same results."""
    runner = CliRunner()
    expected = runner.invoke(main, ["totals", "--format", "json", "--no-cache", str(small)])
    if how == "blocked":
        (tmp_path / FOLDER).write_text("not a folder", encoding="utf-8")
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        os.chmod(small.parent, 0o555)
    try:
        checked = runner.invoke(main, ["check", str(small)])
        assert checked.exit_code == 0 and "Traceback" not in checked.output
        assert "advarsel" not in checked.output
        totals = runner.invoke(main, ["totals", "--format", "json", str(small)])
        assert totals.output == expected.output
        out = (tmp_path / "build" if how == "blocked"  # its cache is the blocked one
               else tmp_path.parent / f"{tmp_path.name}-out" / "build")
        result = runner.invoke(main, ["build", str(small), "--out", str(out), "--format",
                                      "totals,html"])
        assert result.exit_code == 0, result.output
    finally:
        os.chmod(small.parent, 0o755)
    if how == "blocked":
        assert (tmp_path / FOLDER).read_text(encoding="utf-8") == "not a folder"
