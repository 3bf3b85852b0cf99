"""The fast Word writer's building blocks: XML text exactly as lxml writes it, zip files exactly
as zipfile writes them, a proposal written once (fragment) equal to writing it into each
document, and the same files whether made in one process or in the pool."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import ROOT
from test_docx import _strip_styles
from katalog.pipeline import check
from katalog.execute import execute
from katalog.render.docx import plan_docx
from katalog.render.docx.compose import proposal_parts
from katalog.render.docx.fragment import record
from katalog.render.docx.ooxml import el, node, run, text_el
from katalog.render.docx.package import Member, members_of, normalise_zip, write_zip
from katalog.render.docx.template import WordTemplate
from katalog.render.plan import Options
from katalog.render.templates import TemplateSet

TEMPLATE = ROOT / "templates" / "word" / "katalog.docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WHEN = dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)
BODY = """\
# Overskrift

Tekst med [et link](https://example.org/a?b=1&c=2) og [samme](https://example.org/a?b=1&c=2)
og [et andet](mailto:x@example.org).

## Under

1. et
2. to

- punkt
    1. indre
- punkt

##### Dyb

###### Dybere

> citat

| a | b |
|---|--:|
| [l](https://example.org/t) | 2 |
"""


def _as_lxml(xml: str) -> bytes:
    """`xml` parsed inside a w:-declaring root and written back by lxml."""
    root = etree.fromstring(f'<w:root xmlns:w="{W}">{xml}</w:root>')
    return etree.tostring(root[0], encoding="UTF-8").replace(f' xmlns:w="{W}"'.encode(), b"")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_text_and_attributes_are_written_as_lxml_writes_them(value: str) -> None:
    made = node("w:t")
    clean = "".join(c for c in value if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff"
                                                            and not "\ud800" <= c <= "\udfff"))
    made.text = clean
    if clean != clean.strip() or "  " in clean:
        made.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    expected = etree.tostring(made, encoding="UTF-8").replace(f' xmlns:w="{W}"'.encode(), b"")
    assert text_el(value).encode() == expected
    attr = node("w:jc", {"w:val": clean})
    expected = etree.tostring(attr, encoding="UTF-8").replace(f' xmlns:w="{W}"'.encode(), b"")
    assert el("w:jc", {"w:val": value}).encode() == expected


def test_runs_and_empty_elements_match_lxml() -> None:
    for xml in (run("a\nb"), run(""), el("w:p"), el("w:tblGrid", None, *[]),
                el("w:hyperlink", {"w:history": "1"}, run("x & <y>"))):
        assert xml.encode() == _as_lxml(xml)


def test_write_zip_is_byte_for_byte_what_zipfile_writes() -> None:
    data = TEMPLATE.read_bytes()
    members = members_of(data)
    assert members[0].name == "[Content_Types].xml"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    changed = {"word/document.xml": "<æøå/>".encode() * 500, "docProps/core.xml": b""}
    repacked = io.BytesIO()
    with zipfile.ZipFile(repacked, "w") as z:
        for m in members:
            z.writestr(m.name, changed.get(m.name, parts[m.name]))
    assert write_zip(members, changed, WHEN) == normalise_zip(repacked.getvalue(), WHEN)
    odd = [Member.of("word/mærkelig fil.xml", b"x" * 70000)]
    assert write_zip(odd, {}, WHEN) == normalise_zip(write_zip(odd, {}, WHEN), WHEN)


def _strip(names: set[str], target: Path) -> Path:
    _strip_styles(TEMPLATE, target, names)
    return target


@pytest.mark.parametrize("missing", [set(), {"Heading 1", "Heading 2", "Heading 3", "Heading 4",
                                              "Heading 5", "Heading 6", "Note", "List Number",
                                              "Quote", "Hyperlink"}])
def test_fragment_filled_in_equals_writing_into_each_document(
        example: Path, tmp_path: Path, missing: set[str]) -> None:
    """Numbering instances, link relationships, heading styles (also missing ones) and the
    warnings come out as if each proposal had been written into the document directly."""
    path = _strip({m.casefold() for m in missing}, tmp_path / "katalog.docx")
    checked = check(example)
    cat, totals = checked.catalogue, checked.totals
    first = cat.proposals[0]
    proposals = [first.__class__(**{**first.__dict__, "body": BODY})] + list(cat.proposals)
    data = path.read_bytes()
    recorder = WordTemplate.load(data, path, lambda _m: None)  # as in a pool worker
    fragments = [record(recorder.scratch(), lambda c, p=p: proposal_parts(c, p, cat, totals, 2))
                 for p in proposals]
    for level in (2, 3):
        direct_log: list[str] = []
        filled_log: list[str] = []
        direct = WordTemplate.load(data, path, direct_log.append)
        filled = WordTemplate.load(data, path, filled_log.append)
        a, b = direct.scratch(), filled.scratch()
        for p, fragment in zip(proposals, fragments):
            assert "".join(proposal_parts(a, p, cat, totals, level)) == fragment.fill(b, level - 2)
        assert etree.tostring(a.lists._root) == etree.tostring(b.lists._root)
        assert a.rels.xml == b.rels.xml and len(a.rels) > 0
        assert direct_log == filled_log
        assert bool(direct_log) == bool(missing)
        if missing:
            assert any("'Heading 3'" in m for m in direct_log), direct_log


def _generate(target: Path, n: int) -> Path:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks/generate.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen  # its dataclasses look their module up
    spec.loader.exec_module(gen)
    return gen.generate(target, n)


def test_pool_and_one_process_write_the_same_files(tmp_path: Path) -> None:
    content = _generate(tmp_path / "content", 45)
    options = Options(TemplateSet.create(None), dt.date(2026, 9, 1))
    checked = check(content)
    runs = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        plan = plan_docx(checked.catalogue, checked.totals, options)
        outcome = execute({"docx": plan}, out, workers=workers)
        files = [out / rel for rel in sorted(outcome.written)]
        runs[workers] = ([f.relative_to(out) for f in files],
                         {f.relative_to(out): f.read_bytes() for f in files}, outcome.notices)
    assert runs[1] == runs[2]
    assert len(runs[1][0]) == 46 and Path("katalog.docx") in runs[1][0]
