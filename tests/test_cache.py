"""cache: content-addressed keys and the on-disk page cache."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from markupsafe import Markup

from katalog.cache import FOLDER, PageCache, Unhashable, code_fingerprint, fingerprint, tree_fingerprint
from katalog.compute import Series
from katalog.model import UNKNOWN
from conftest import write_tree


@dataclass(frozen=True)
class Point:
    x: int
    y: object = None


def test_fingerprint_is_about_values_not_identity_or_order():
    a = {"b": [1, D("2.50")], "a": Point(1, {2027: UNKNOWN})}
    b = {"a": Point(1, {2027: UNKNOWN}), "b": [1, D("2.50")]}
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(Markup("<b>x</b>")) == fingerprint("<b>x</b>")
    assert fingerprint(Series({2027: D(5)}, frozenset({2028}))) == fingerprint(
        Series({2027: D(5)}, frozenset({2028})))


@pytest.mark.parametrize("one, other", [
    (1, "1"), (1, D(1)), (True, 1), (None, ""), ([1, 2], [2, 1]), ((1, 2), [1, (2,)]),
    ({"a": 1}, {"a": 2}), (Point(1), Point(2)), (UNKNOWN, "?"), (D("1.0"), D("1.00")),
    (dt.date(2026, 1, 2), "2026-01-02"), (["ab", "c"], ["a", "bc"]), ({1: 2}, {2: 1}),
])  # fmt: skip
def test_fingerprint_tells_different_data_apart(one, other):
    assert fingerprint(one) != fingerprint(other)


def test_fingerprint_refuses_objects_without_a_stable_encoding():
    with pytest.raises(Unhashable):
        fingerprint({"x": object()})


def test_tree_and_code_fingerprints_follow_the_files(tmp_path):
    tree = write_tree(tmp_path / "t", {"html/a.html": "a", "html/assets/x.css": "x"})
    before = tree_fingerprint([tree / "html"])
    (tree / "html/assets/x.css").write_text("y", encoding="utf-8")
    assert tree_fingerprint([tree / "html"]) != before
    (tree / "html/assets/x.css").write_text("x", encoding="utf-8")
    assert tree_fingerprint([tree / "html"]) == before
    assert len(code_fingerprint()) == 64


def test_page_cache_renders_once_and_reuses(tmp_path):
    cache = PageCache(tmp_path / FOLDER)
    calls = []

    def render() -> bytes:
        calls.append(1)
        return b"<p>side</p>"

    key = fingerprint("page", {"v": 1})
    assert cache.page("html", "a.html", key, render) == b"<p>side</p>"
    again = PageCache(tmp_path / FOLDER)
    assert again.page("html", "a.html", key, render) == b"<p>side</p>"
    assert len(calls) == 1 and cache.rendered == ["a.html"] and again.reused == ["a.html"]


def test_damaged_entry_is_a_miss(tmp_path):
    cache = PageCache(tmp_path / FOLDER)
    key = fingerprint("k")
    cache.put("html", key, b"good")
    entry = next((tmp_path / FOLDER / "html").rglob(key))
    entry.write_bytes(entry.read_bytes()[:-1] + b"X")
    assert cache.get("html", key) is None
    assert cache.page("html", "p", key, lambda: b"good") == b"good"
    assert cache.get("html", key) == b"good"


def test_prune_keeps_only_what_the_build_used(tmp_path):
    old = PageCache(tmp_path / FOLDER)
    for name in ("a", "b"):
        old.page("html", name, fingerprint(name), lambda: b"x")
    old.page("pdf", "c", fingerprint("c"), lambda: b"x")
    new = PageCache(tmp_path / FOLDER)
    new.page("html", "a", fingerprint("a"), lambda: b"x")
    new.prune("html")
    assert new.get("html", fingerprint("a")) == b"x"
    assert new.get("html", fingerprint("b")) is None
    assert new.get("pdf", fingerprint("c")) == b"x"  # other renderers' entries are left alone


def test_no_folder_means_no_cache(tmp_path):
    cache = PageCache(None)
    assert cache.page("html", "p", "k", lambda: b"1") == b"1"
    assert cache.page("html", "p", "k", lambda: b"2") == b"2"
    assert cache.rendered == ["p", "p"]
    cache.prune("html")


def test_beside_puts_the_cache_next_to_the_output(tmp_path):
    assert PageCache.beside(tmp_path / "build").folder == tmp_path / FOLDER


def test_fingerprint_with_a_memo_is_about_values_too():
    a = {"p": Point(1, (Point(2), D("2.50"))), "q": [Point(3)]}
    b = {"q": [Point(3)], "p": Point(1, (Point(2), D("2.50")))}  # equal values, other objects
    memo: dict = {}
    key = fingerprint("page", a, memo=memo)
    assert fingerprint("page", a, memo=memo) == key  # from the memo
    assert fingerprint("page", b, memo={}) == key == fingerprint("page", b, memo=memo)
    assert fingerprint("page", {**a, "p": Point(1, (Point(2), D("2.5")))}, memo=memo) != key
    assert fingerprint("page", {**a, "q": [Point(True)]}, memo=memo) != key
    assert any(isinstance(obj, Point) for obj, _digest in memo.values())


def test_put_writes_new_entries_in_place_and_replaces_damaged_ones(tmp_path):
    cache = PageCache(tmp_path / FOLDER)
    key = fingerprint("k")
    cache.put("html", key, b"one")
    entry = next((tmp_path / FOLDER / "html").rglob(key))
    entry.write_bytes(entry.read_bytes()[:10])  # a half-written entry: a miss
    assert cache.get("html", key) is None
    cache.put("html", key, b"two")
    assert cache.get("html", key) == b"two"
    assert [p.name for p in entry.parent.iterdir()] == [key]  # no temporary file left


# -- a namespace kept in one pack file (PageCache.pack) -----------------------------------------

def _packed(folder) -> PageCache:
    cache = PageCache(folder)
    cache.pack("html")
    return cache


def test_packed_namespace_is_one_file_and_is_reused(tmp_path):
    first = _packed(tmp_path / FOLDER)
    for name in ("a", "b"):
        first.page("html", name, fingerprint(name), lambda: name.encode())
    first.prune("html")
    assert sorted(p.name for p in (tmp_path / FOLDER).iterdir()) == ["html.pack"]
    again = _packed(tmp_path / FOLDER)
    assert again.page("html", "a", fingerprint("a"), lambda: b"rendered again") == b"a"
    assert again.reused == ["a"] and again.rendered == []
    again.prune("html")  # b was not used: dropped
    third = _packed(tmp_path / FOLDER)
    assert third.get("html", fingerprint("a")) == b"a" and third.get("html", fingerprint("b")) is None


def test_packed_namespace_leaves_the_others_as_files(tmp_path):
    cache = _packed(tmp_path / FOLDER)
    cache.put("html", fingerprint("a"), b"a")
    cache.put("pdf", fingerprint("c"), b"c")
    cache.prune("html")
    assert next((tmp_path / FOLDER / "pdf").rglob(fingerprint("c"))).is_file()
    assert PageCache(tmp_path / FOLDER).get("pdf", fingerprint("c")) == b"c"


@pytest.mark.parametrize("damage", [
    lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),  # a flipped bit: the checksum says no
    lambda raw: raw[: len(raw) // 2],  # half written
    lambda raw: b"katalog-documents-pack-1\n" + raw.split(b"\n", 1)[1],  # another pack's kind
    lambda raw: b"",
    lambda raw: b"not a pack at all",
])  # fmt: skip
def test_damaged_or_foreign_pack_is_an_empty_cache_and_is_written_anew(tmp_path, damage):
    first = _packed(tmp_path / FOLDER)
    first.page("html", "a", fingerprint("a"), lambda: b"a")
    first.prune("html")
    pack = tmp_path / FOLDER / "html.pack"
    pack.write_bytes(damage(pack.read_bytes()))
    again = _packed(tmp_path / FOLDER)
    assert again.get("html", fingerprint("a")) is None
    assert again.page("html", "a", fingerprint("a"), lambda: b"a") == b"a"
    assert again.rendered == ["a"]
    again.prune("html")
    assert _packed(tmp_path / FOLDER).get("html", fingerprint("a")) == b"a"


def test_pack_holding_a_class_is_refused(tmp_path):
    import hashlib
    import pickle

    class Remove:
        def __reduce__(self):  # would run os.remove on load
            import os
            return (os.remove, (str(tmp_path / "victim"),))

    (tmp_path / "victim").write_text("x", encoding="utf-8")
    payload = pickle.dumps({fingerprint("a"): Remove()})
    folder = tmp_path / FOLDER
    folder.mkdir()
    (folder / "html.pack").write_bytes(b"katalog-pages-pack-1\n" + hashlib.sha256(payload).digest()
                                       + payload)
    assert _packed(folder).get("html", fingerprint("a")) is None
    assert (tmp_path / "victim").exists()


def test_pack_is_written_only_when_what_it_holds_changes(tmp_path, monkeypatch):
    from katalog import cache as cache_module

    writes = []
    real = cache_module._write_pack
    monkeypatch.setattr(cache_module, "_write_pack",
                        lambda *args, **kw: (writes.append(1), real(*args, **kw)))
    first = _packed(tmp_path / FOLDER)
    first.page("html", "a", fingerprint("a"), lambda: b"a")
    first.prune("html")
    assert len(writes) == 1
    same = _packed(tmp_path / FOLDER)
    same.page("html", "a", fingerprint("a"), lambda: b"a")
    same.prune("html")
    assert len(writes) == 1  # nothing new, nothing dropped
    fewer = _packed(tmp_path / FOLDER)
    fewer.prune("html")
    assert len(writes) == 2 and _packed(tmp_path / FOLDER).get("html", fingerprint("a")) is None


def test_pack_replaces_the_entries_of_versions_before_it(tmp_path):
    PageCache(tmp_path / FOLDER).put("html", fingerprint("old"), b"old")  # one file per entry
    assert (tmp_path / FOLDER / "html").is_dir()
    cache = _packed(tmp_path / FOLDER)
    cache.page("html", "a", fingerprint("a"), lambda: b"a")
    cache.prune("html")
    assert not (tmp_path / FOLDER / "html").exists()


def test_record_books_a_page_looked_up_elsewhere(tmp_path):
    cache = _packed(tmp_path / FOLDER)
    cache.record("html", "a", fingerprint("a"), True, b"a")
    cache.record("html", "b", fingerprint("b"), False, None)
    assert cache.rendered == ["a"] and cache.reused == ["b"]
    cache.prune("html")
    assert _packed(tmp_path / FOLDER).get("html", fingerprint("a")) == b"a"


def test_memo_digests_travel_with_equal_objects():
    import pickle

    from katalog.cache import memo_export, memo_import

    parts = {"t": Point(1, (Point(2), D("2.50"))), "s": "text", "u": Point(3)}
    memo: dict = {}
    key = fingerprint("page", parts, memo=memo)
    digests = memo_export(memo, parts)
    assert sorted(digests) == ["t", "u"]  # frozen dataclasses only
    received = pickle.loads(pickle.dumps(parts))
    other: dict = {}
    memo_import(other, received, digests)
    assert fingerprint("page", received, memo=other) == key == fingerprint("page", received, memo={})
    assert len(other) == 2  # not walked again: nothing added for the inner Point
