"""Word jobs in the cache (render/docx `_Keys`): a second build takes the attachments and the
catalogue from the cache with the same bytes; editing one proposal makes its chunk and the
catalogue anew, shows the edit, and leaves the other chunks' files byte for byte; a build
without the cache gives the same bytes. No timings here."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import zipfile
from pathlib import Path

import pytest

from katalog.build import build
from katalog.pipeline import check
from katalog.render.docx import CHUNK
from katalog.render.plan import Inputs, Previous, bundle, piece

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate_docx",
                                                  ROOT / "benchmarks/generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*.docx"))}


def _text(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return z.read("word/document.xml").decode("utf-8")


@pytest.fixture()
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KATALOG_SIDETAL", "nej")  # no LibreOffice: not what is tested here
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KATALOG_NO_CACHE", raising=False)
    folder = _generator().generate(tmp_path / "content", CHUNK + 5)  # two chunks
    assert check(folder).ok
    return folder


def _retitle(content: Path, ident: str, title: str) -> None:
    path = content / "proposals" / f"{ident}.md"
    text = path.read_text(encoding="utf-8")
    edited, n = re.subn(r"(?m)^title: .*$", f"title: {title}", text, count=1)
    assert n == 1
    path.write_text(edited, encoding="utf-8")


def test_a_warm_build_reuses_the_word_jobs_with_the_same_bytes(content: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(content, out, ["docx"])
    assert {"docx 1/2", "docx 2/2", "katalog.docx"} <= set(first.made)
    cold = _outputs(out)
    second = build(content, out, ["docx"])
    assert {"docx 1/2", "docx 2/2", "katalog.docx"} <= set(second.reused)
    assert not {"docx 1/2", "docx 2/2", "katalog.docx"} & set(second.made)
    assert _outputs(out) == cold
    assert [i.format() for i in second.report.sorted()] == \
        [i.format() for i in first.report.sorted()]


def test_an_edit_remakes_its_chunk_and_the_catalogue_only(content: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(content, out, ["docx"])
    before = _outputs(out)
    cat = check(content).catalogue
    # the catalogue's order is by theme: find a proposal of the second chunk
    order = [p.id for t in cat.themes for p in cat.proposals_in(t.id)]
    order += [p.id for p in cat.proposals if p.id not in order]
    edited = order[CHUNK + 1]
    _retitle(content, edited, "Et helt nyt navn til forslaget")
    result = build(content, out, ["docx"])
    assert "docx 1/2" in result.reused and "docx 2/2" in result.made
    assert "katalog.docx" in result.made
    after = _outputs(out)
    assert "Et helt nyt navn til forslaget" in _text(after[f"docx/{edited}.docx"])
    assert "Et helt nyt navn til forslaget" in _text(after["katalog.docx"])
    assert after["katalog.docx"] != before["katalog.docx"]
    for ident in order[:CHUNK]:  # the first chunk's attachments: untouched
        assert after[f"docx/{ident}.docx"] == before[f"docx/{ident}.docx"]
    # the same content without any cache gives the same bytes
    fresh = tmp_path / "fresh"
    build(content, fresh, ["docx"], cache=False)
    assert _outputs(fresh) == after


def test_an_edit_of_an_amount_reaches_the_attachment_and_the_catalogue(
        content: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(content, out, ["docx"])
    before = _outputs(out)
    cat = check(content).catalogue
    order = [p.id for t in cat.themes for p in cat.proposals_in(t.id)]
    order += [p.id for p in cat.proposals if p.id not in order]
    # the writer's edit: one amount of a proposal of the first chunk without declared totals
    ident = next(i for i in order[:CHUNK]
                 if "\ntotals:" not in (content / "proposals" / f"{i}.md").read_text("utf-8"))
    path = content / "proposals" / f"{ident}.md"
    text, n = re.subn(r"(?m)^(    amounts: \{\d{4}: )(-?\d+)",
                      lambda m: f"{m.group(1)}{int(m.group(2)) - 125}",
                      path.read_text(encoding="utf-8"), count=1)
    assert n == 1
    path.write_text(text, encoding="utf-8")
    result = build(content, out, ["docx"])
    assert "docx 1/2" in result.made and "docx 2/2" in result.reused
    after = _outputs(out)
    assert after[f"docx/{ident}.docx"] != before[f"docx/{ident}.docx"]
    assert after["katalog.docx"] != before["katalog.docx"]
    for other in order[CHUNK:]:
        assert after[f"docx/{other}.docx"] == before[f"docx/{other}.docx"]
    fresh = tmp_path / "fresh"
    build(content, fresh, ["docx"], cache=False)
    assert _outputs(fresh) == after


def _finish_inputs(catalogue: bytes, key: str | None, previous: Previous | None) -> Inputs:
    return Inputs([catalogue], keys=[key], previous=previous)


def test_the_contents_numbers_are_reused_only_for_the_same_catalogue_and_a_success(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from katalog.render import docx
    from katalog.render.docx import toc

    calls: list[bytes] = []

    def finish_contents(data: bytes) -> tuple[bytes, str]:
        calls.append(data)
        return b"numbered " + data, toc.STATUS_NUMBERS

    monkeypatch.setattr(toc, "finish_contents", finish_contents)
    made = docx._finish(_finish_inputs(bundle([b"doc", b"[]"]), "k1", None))
    assert calls == [b"doc"] and piece(made, 0) == b"numbered doc"
    # the same catalogue (same key) numbered last time: LibreOffice is not asked again
    assert docx._finish(_finish_inputs(bundle([b"doc", b"[]"]), "k1",
                                       Previous(made, ("k1",)))) == made
    assert len(calls) == 1
    # another catalogue: numbered anew
    docx._finish(_finish_inputs(bundle([b"doc2", b"[]"]), "k2", Previous(made, ("k1",))))
    assert calls[-1] == b"doc2"
    # a catalogue without a key (no cache) is never matched
    docx._finish(_finish_inputs(bundle([b"doc", b"[]"]), None, Previous(made, (None,))))
    assert len(calls) == 3
    # last time LibreOffice failed: tried again, not reused
    failed = bundle([b"doc", toc.STATUS_FAILED.format(reason="x").encode("utf-8")])
    docx._finish(_finish_inputs(bundle([b"doc", b"[]"]), "k1", Previous(failed, ("k1",))))
    assert len(calls) == 4
