"""Splicing changed parts into the last build's catalogue (`pdf_merge.splice`): appended as an
incremental update (`pdf_increment`) that reads back as the same objects as the whole file
written again, on top of earlier updates too; written whole when the file has grown too
much or a new part does not fit the old one's place."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from conftest import EXAMPLE, pdf_pages_text
from katalog.build import build
from katalog.cache import Store
from katalog.render import pdf_increment, pdf_merge
from test_pdf_parts import objects, replace_in

Call = tuple[bytes, list[tuple[int, pdf_merge.Source]], list[pdf_merge.Bookmark]]


@pytest.fixture(scope="module")
def call(tmp_path_factory: pytest.TempPathFactory) -> Call:
    """The arguments of the splice of a one-proposal text edit of the example."""
    tmp = tmp_path_factory.mktemp("merge")
    content = tmp / "content"
    shutil.copytree(EXAMPLE, content)
    calls: list[Any] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KATALOG_WORKERS", "1")  # the spy below sees calls in this process
        build(content, tmp / "a", formats=["pdf"], cache=Store(tmp / "cache"))
        replace_in(content / "proposals" / "ADM-02.md", "22 skoler og 31 dagtilbud",
                   "22 skoler og 32 dagtilbud")
        mp.setattr(pdf_merge, "splice",
                   lambda *a, real=pdf_merge.splice: calls.append(a) or real(*a))
        build(content, tmp / "b", formats=["pdf"], cache=Store(tmp / "cache"))
    assert len(calls) == 1
    previous, replacements, outline = calls[0]
    return previous, list(replacements), list(outline)


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def syntax_problems(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [str(p) for p in pdf.check_pdf_syntax()]


def test_the_update_is_appended_and_reads_as_the_whole_rewrite(call: Call, tmp_path: Path) -> None:
    previous, replacements, outline = call
    assert pdf_increment.growth(previous) == 0  # written whole by `assemble`
    with pikepdf.open(io.BytesIO(previous)) as pdf:  # the parent tree in leaves
        assert len(pdf.Root.StructTreeRoot.ParentTree.Kids) > 1
    update = pdf_increment.splice(previous, replacements, outline)
    whole = pdf_merge._splice_whole(previous, replacements, outline)
    assert update.startswith(previous) and len(update) - len(previous) < len(previous) / 4
    assert syntax_problems(update) == []
    assert objects(write(tmp_path, "update.pdf", update)) == \
        objects(write(tmp_path, "whole.pdf", whole))
    assert 0 < pdf_increment.growth(update) < pdf_merge.GROWTH
    text = " ".join(" ".join(pdf_pages_text(tmp_path / "update.pdf")).split())
    assert "32 dagtilbud" in text and "31 dagtilbud" not in text
    assert pdf_merge.splice(previous, replacements, outline) == update  # the way `splice` goes


def test_an_update_on_top_of_an_update(call: Call, tmp_path: Path) -> None:
    """The same parts spliced in twice: three sections, each pointing at the one before,
    and still the objects of the file written whole."""
    previous, replacements, outline = call
    first = pdf_increment.splice(previous, replacements, outline)
    again = pdf_increment.splice(first, replacements, outline)
    assert again.startswith(first) and again.count(b"%%EOF") == previous.count(b"%%EOF") + 2
    assert pdf_increment._base_size(again) == len(previous)
    assert syntax_problems(again) == []
    assert objects(write(tmp_path, "again.pdf", again)) == objects(
        write(tmp_path, "whole.pdf", pdf_merge._splice_whole(previous, replacements, outline)))


def test_a_file_grown_too_much_is_written_whole(
        call: Call, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    previous, replacements, outline = call
    update = pdf_increment.splice(previous, replacements, outline)
    monkeypatch.setattr(pdf_merge, "GROWTH", pdf_increment.growth(update) / 2)
    whole = pdf_merge.splice(update, replacements, outline)
    assert not whole.startswith(update) and pdf_increment.growth(whole) == 0
    assert objects(write(tmp_path, "whole.pdf", whole)) == \
        objects(write(tmp_path, "update.pdf", update))


def test_a_part_with_another_number_of_links_is_written_whole(call: Call, tmp_path: Path) -> None:
    """A new part whose pages have fewer links than the old one's shifts every later page's
    parent-tree keys: not an update of a few objects, so the file is written whole."""
    previous, replacements, outline = call
    start, source = replacements[0]
    with pikepdf.open(io.BytesIO(source.data)) as part:
        linked = [p for p in part.pages[:source.pages] if "/Annots" in p.obj]
        if linked:
            del linked[0].obj["/Annots"]
        else:
            part.pages[0].obj.Annots = pikepdf.Array([part.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, StructParent=999,
                Rect=[0, 0, 10, 10], Contents=pikepdf.String("x")))])
        buf = io.BytesIO()
        part.save(buf)
    fewer = [(start, pdf_merge.Source(buf.getvalue(), source.pages))]
    with pytest.raises(pdf_increment.Unsupported):
        pdf_increment.splice(previous, fewer, outline)
    whole = pdf_merge.splice(previous, fewer, outline)
    assert not whole.startswith(previous) and syntax_problems(whole) == []
    with pikepdf.open(io.BytesIO(whole)) as pdf:
        nums = pdf_merge._nums(pdf)
        for page in pdf.pages:  # every page's entry, renumbered, is still its own
            entry = nums[int(page.obj.StructParents)]
            assert all(e.Pg.objgen == page.objgen for e in entry if "/Pg" in e)


def test_growth_of_files_it_did_not_write(call: Call) -> None:
    previous = call[0]
    assert pdf_increment.growth(previous + b"\n") == 0  # a trailing new line is no update
    assert pdf_increment.growth(b"not a pdf") == float("inf")


def test_a_parent_tree_of_one_node_is_updated_in_place(
        call: Call, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A catalogue whose parent tree is one node (fewer than `LEAF` keys) keeps it so."""
    previous, replacements, outline = call
    monkeypatch.setattr(pdf_merge, "LEAF", 10**9)
    with pikepdf.open(io.BytesIO(previous)) as pdf:
        tree = pdf.Root.StructTreeRoot
        tree.ParentTree = pdf_merge._parent_tree(pdf, sorted(pdf_merge._nums(pdf).items()))
        buf = io.BytesIO()
        pdf.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    flat = buf.getvalue()
    update = pdf_increment.splice(flat, replacements, outline)
    assert update.startswith(flat) and syntax_problems(update) == []
    assert objects(write(tmp_path, "update.pdf", update)) == objects(
        write(tmp_path, "whole.pdf", pdf_merge._splice_whole(flat, replacements, outline)))
    with pikepdf.open(io.BytesIO(update)) as pdf:
        assert "/Kids" not in pdf.Root.StructTreeRoot.ParentTree
