"""fingerprint: keys equal for equal data, different for different data, whatever the
objects' identity or order; the code and template fingerprints follow the files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from markupsafe import Markup

from katalog.compute import Series
from katalog.fingerprint import Unhashable, code_fingerprint, fingerprint, tree_fingerprint
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


def test_a_remembered_digest_gives_the_same_keys_and_travels_with_the_object():
    """`remember_digest` keeps on a frozen object the digest a memo would work out for it:
    keys made with it are the keys made by walking it, also after a pickle round trip (the
    check memo's), and a changed copy is walked anew."""
    import dataclasses
    import pickle

    from katalog.fingerprint import DIGEST, remember_digest
    from katalog.model import Line, Proposal

    p = Proposal("A-1", "Titel", "adm", "SOF", "Kort", lines=(
        Line("Løn", "service", "varig", {2027: D("-100"), 2028: D("-250.5")}),))
    walked = fingerprint("k", p, memo={})
    remember_digest(p)
    assert type(getattr(p, DIGEST)) is bytes and p == dataclasses.replace(p)
    assert fingerprint("k", p, memo={}) == walked
    back = pickle.loads(pickle.dumps(p))
    assert getattr(back, DIGEST) == getattr(p, DIGEST)
    assert fingerprint("k", back, memo={}) == walked
    changed = dataclasses.replace(back, title="Ny titel")
    assert getattr(changed, DIGEST, None) is None
    assert fingerprint("k", changed, memo={}) != walked
    assert fingerprint("k", changed, memo={}) == fingerprint(
        "k", Proposal("A-1", "Ny titel", "adm", "SOF", "Kort", lines=p.lines), memo={})


def test_an_upgraded_library_changes_the_code_fingerprint(tmp_path, monkeypatch):
    from katalog import fingerprint as fp
    from katalog import versions

    before = fp.code_fingerprint()
    site = write_tree(tmp_path / "site", {"Jinja2-99.1.dist-info/METADATA": ""})
    monkeypatch.setattr(versions.sys, "path", [str(site), *versions.sys.path])
    for cached in (versions.installed_versions, fp.code_fingerprint):
        cached.cache_clear()
    try:
        upgraded = fp.code_fingerprint()
    finally:
        monkeypatch.undo()
        for cached in (versions.installed_versions, fp.code_fingerprint):
            cached.cache_clear()
    assert upgraded != before == fp.code_fingerprint()


def test_the_code_fingerprint_does_not_import_importlib_metadata():
    import subprocess
    import sys

    probe = ("import sys; from katalog.fingerprint import code_fingerprint, PARSING; "
             "from katalog.render.chart_draw import version; version(); "
             "code_fingerprint(PARSING); code_fingerprint(); "
             "print('importlib.metadata' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert shown == "False"  # ≈ 25 ms of every cold build
