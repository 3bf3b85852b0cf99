"""The content cache (katalog.cache.DocumentCache) and the page cache in a build: they may
save time, never change a result."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from katalog import cache as cache_module
from katalog.build import build
from katalog.cache import (
    _DOCUMENT_FORMAT,
    _PACK_FORMAT,
    DOCUMENTS,
    FOLDER,
    PACK,
    DocumentCache,
    PageCache,
    _read_pack,
    _write_pack,
)
from katalog.cli import main
from katalog.folder import read_folder
from katalog.pipeline import Checked, check, check_files
from katalog.render import totals as totals_render
from test_bench_generate import gen


def _outcome(checked: Checked) -> tuple[object, ...]:
    """Everything a check says: the messages, the model and the totals as JSON."""
    totals = (totals_render.to_json(checked.catalogue, checked.totals)
              if checked.totals is not None else None)
    return ([i.format() for i in checked.report.sorted()], checked.catalogue, totals)


def _copy_example(example: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(example, tmp_path / "content"))


def _entries(cache: DocumentCache) -> dict[str, bytes]:
    assert cache.pack_path is not None
    return _read_pack(cache.pack_path)


def test_cached_check_equals_uncached_on_example(example: Path, tmp_path: Path) -> None:
    content = _copy_example(example, tmp_path)
    plain = _outcome(check(content))
    first = DocumentCache.beside(content)
    assert _outcome(check(content, first)) == plain
    assert first.hits == 0 and first.misses > 0
    second = DocumentCache.beside(content)
    assert _outcome(check(content, second)) == plain
    assert second.misses == 0 and second.hits == first.misses
    assert (tmp_path / FOLDER / PACK).is_file()  # one file for the whole folder
    assert not (tmp_path / FOLDER / DOCUMENTS).exists()


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
    assert entries and cache.pack_path is not None
    damaged = {}
    for i, (key, value) in enumerate(entries.items()):
        if i % 3 == 0:
            damaged[key] = value[:-7] + b"garbage"  # damaged inside a sound pack
        elif i % 3 == 1:
            damaged[key] = value[: len(value) // 2]  # truncated
        else:
            damaged[key] = b""  # empty
    _write_pack(cache.pack_path, damaged)
    again = DocumentCache.beside(content)
    assert _outcome(check(content, again)) == plain
    assert again.hits == 0
    third = DocumentCache.beside(content)  # the misses were written back
    assert _outcome(check(content, third)) == plain
    assert third.misses == 0


def test_foreign_objects_in_an_entry_are_refused(example: Path, tmp_path: Path) -> None:
    """An entry with a valid checksum but a class katalog never writes is not unpickled."""
    content = _copy_example(example, tmp_path)
    plain = _outcome(check(content))
    cache = DocumentCache.beside(content)
    check(content, cache)
    victim = tmp_path / "victim.txt"
    victim.write_text("x", encoding="utf-8")

    class Remove:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.remove, (str(victim),))

    assert cache.pack_path is not None
    _write_pack(cache.pack_path, {key: _DOCUMENT_FORMAT + pickle.dumps(("doc", Remove()))
                                  for key in _entries(cache)})
    again = DocumentCache.beside(content)
    assert _outcome(check(content, again)) == plain
    assert again.hits == 0
    assert victim.exists()


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
    assert (tmp_path / FOLDER / PACK).is_file()
    uncached = runner.invoke(main, ["totals", "--format", "json", "--no-cache", str(content)])
    assert cached.exit_code == uncached.exit_code == 0
    assert cached.output == uncached.output


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "foreign", "classes"])
def test_a_damaged_or_foreign_pack_is_an_empty_cache(example: Path, tmp_path: Path,
                                                     damage: str) -> None:
    content = _copy_example(example, tmp_path)
    plain = _outcome(check(content))
    cache = DocumentCache.beside(content)
    check(content, cache)
    assert cache.pack_path is not None
    raw = cache.pack_path.read_bytes()
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
    else:  # a sound checksum over a pickle that would run code
        import hashlib

        payload = pickle.dumps({"k": Remove()})
        raw = _PACK_FORMAT + hashlib.sha256(payload).digest() + payload
    cache.pack_path.write_bytes(raw)
    again = DocumentCache.beside(content)
    assert _outcome(check(content, again)) == plain
    assert again.hits == 0 and victim.exists()
    third = DocumentCache.beside(content)  # the pack was written anew
    assert _outcome(check(content, third)) == plain and third.misses == 0


def test_pack_written_only_when_something_is_new(example: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    content = _copy_example(example, tmp_path)
    writes: list[int] = []
    real = cache_module._write_pack
    monkeypatch.setattr(cache_module, "_write_pack",
                        lambda path, entries: (writes.append(len(entries)), real(path, entries)))
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
    assert cache.pack_path is not None
    _write_pack(cache.pack_path, {f"{i:064x}": _DOCUMENT_FORMAT + b"x" for i in range(400)})
    check(content, cache)
    entries = _entries(DocumentCache.beside(content))
    assert len(entries) == cache.misses  # only what this check used is left


def test_per_file_entries_of_older_versions_are_removed(example: Path, tmp_path: Path) -> None:
    content = _copy_example(example, tmp_path)
    legacy = tmp_path / FOLDER / DOCUMENTS / "ab"
    legacy.mkdir(parents=True)
    (legacy / ("ab" + "0" * 62)).write_bytes(b"old entry")
    check(content, DocumentCache.beside(content))
    assert not (tmp_path / FOLDER / DOCUMENTS).exists()
    assert (tmp_path / FOLDER / PACK).is_file()


# -- a whole build with the caches ---------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cached_builds_equal_an_uncached_build(example: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    content = _copy_example(example, tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    plain = build(content, tmp_path / "plain", ["html", "docx"], cache=False)
    reference = _tree(plain.out)
    store = PageCache(tmp_path / "cache")
    build(content, tmp_path / "cold", ["html", "docx"], cache=store)
    assert _tree(tmp_path / "cold") == reference
    assert store.rendered and not store.reused
    assert not (tmp_path / "cache" / "markdown").exists()  # Markdown is converted, not cached
    warm = PageCache(tmp_path / "cache")
    build(content, tmp_path / "warm", ["html", "docx"], cache=warm)
    assert _tree(tmp_path / "warm") == reference
    assert warm.rendered == []  # every page came from the page cache


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
    from katalog import cache as cache_module
    from katalog import parallel

    calls: list[int] = []
    real = parallel.map_processes

    def spy(fn, items, workers=None, min_items=2, chunksize=1):  # type: ignore[no-untyped-def]
        calls.append(len(items))
        return real(fn, items, workers, min_items, chunksize)

    monkeypatch.setattr(cache_module, "PARALLEL_MIN_FILES", 2)
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

    cold = DocumentCache(PageCache(tmp_path / "cache"))
    assert _outcome(check(content, cold)) == _outcome(alone)
    assert cold.hits == 0 and cold.misses == calls[-1] and len(_entries(cold)) == cold.misses
    warm = DocumentCache(PageCache(tmp_path / "cache"))
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
