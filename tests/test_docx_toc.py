"""The finished Word contents (render/docx/toc.py): page numbers that match LibreOffice's
layout, no prompt to update fields, a clear fallback without LibreOffice, same bytes."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml

from conftest import EXAMPLE, SMALL, require_program, write_tree
from katalog.render.docx import toc
from katalog.render.docx.toc import (
    STATUS_FAILED,
    STATUS_NO_LIBREOFFICE,
    STATUS_NONE,
    STATUS_NUMBERS,
    STATUS_SKIPPED,
    finish_contents,
)

HERE = Path(__file__).resolve().parent


def build_docx(content: Path, out: Path, numbers: str = "nej") -> Path:
    """katalog.docx of `content`, made by the command line as a user would (by default
    without the page numbers, which these tests store themselves)."""
    subprocess.run([sys.executable, "-m", "katalog", "build", str(content), "--out", str(out),
                    "--format", "docx"], check=True, capture_output=True,
                   env={**os.environ, "KATALOG_WORKERS": "1", "KATALOG_SIDETAL": numbers})
    return out / "katalog.docx"


@pytest.fixture(scope="module")
def example_docx(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build_docx(EXAMPLE, tmp_path_factory.mktemp("example") / "out").read_bytes()


@pytest.fixture(scope="module")
def small_docx(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    root = tmp_path_factory.mktemp("small")
    content = write_tree(root / "content", SMALL)
    with (content / "catalogue.yaml").open("a", encoding="utf-8") as f:
        f.write("look:\n  page_break: proposal\n")  # each proposal's heading starts a page
    return build_docx(content, root / "out").read_bytes()


def part(docx: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return z.read(name).decode("utf-8")


def entries(docx: bytes) -> list[tuple[str, str, str]]:
    """(text, bookmark, stored page number) of every contents entry, in order."""
    root = parse_xml(part(docx, "word/document.xml").encode())
    out = []
    for link in root.iter(qn("w:hyperlink")):
        anchor = link.get(qn("w:anchor"))
        instr = "".join(t.text or "" for t in link.iter(qn("w:instrText")))
        if not anchor or "PAGEREF" not in instr:
            continue
        text, number, state = [], [], "text"
        for item in link.iter(qn("w:t"), qn("w:fldChar"), qn("w:tab")):
            if item.tag == qn("w:tab"):
                state = "tab"
            elif item.tag == qn("w:fldChar"):
                state = {"separate": "result", "end": "done"}.get(
                    item.get(qn("w:fldCharType")), state)
            elif state == "text":
                text.append(item.text or "")
            elif state == "result":
                number.append(item.text or "")
        out.append(("".join(text), anchor, "".join(number)))
    return out


def to_pdf_pages(docx: bytes, tmp_path: Path) -> list[str]:
    """LibreOffice's rendering of `docx` as text, page by page (pdftotext -layout)."""
    soffice = require_program("soffice", "libreoffice")
    pdftotext = require_program("pdftotext")
    folder = tmp_path / "pdf"
    folder.mkdir()
    (folder / "doc.docx").write_bytes(docx)
    subprocess.run([soffice, f"-env:UserInstallation={(folder / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), str(folder / "doc.docx")],
                   check=True, capture_output=True, timeout=600,
                   env={**os.environ, "HOME": str(folder)})
    text = subprocess.run([pdftotext, "-layout", str(folder / "doc.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def squash(text: str) -> str:
    return " ".join(text.split())


def heading_pages(pages: list[str], header: str) -> dict[str, int]:
    """Page number (1 = first) of each page's first line below the running header."""
    first = {}
    for number, page in enumerate(pages, start=1):
        lines = [squash(line) for line in page.splitlines() if line.strip()]
        lines = [line for line in lines if header not in line]
        if lines:
            first[lines[0]] = number
    return first


def page_of(heading: str, first_lines: dict[str, int]) -> int:
    found = [n for line, n in first_lines.items() if squash(heading).startswith(line[:40])
             or line.startswith(squash(heading)[:40])]
    assert len(found) == 1, (heading, found)
    return found[0]


def shown_numbers(pages: list[str], texts: list[str]) -> list[str]:
    """The number LibreOffice prints after each entry of the contents (leader dots, number)."""
    contents = squash(" ".join(p for p in pages if "Indhold" in p))
    out = []
    for text in texts:
        m = re.search(re.escape(squash(text)) + r"\s*\.{3,}\s*(\d+)", contents)
        out.append(m.group(1) if m else "")
    return out


def test_contents_numbers_are_the_pages_where_libreoffice_puts_the_headings(
        example_docx: bytes, tmp_path: Path) -> None:
    require_program("soffice", "libreoffice")
    finished, status = finish_contents(example_docx)
    assert status == STATUS_NUMBERS
    listed = entries(finished)
    assert len(listed) > 40 and all(number.isdigit() for _, _, number in listed)
    pages = to_pdf_pages(finished, tmp_path)
    first_lines = heading_pages(pages, "Eksempel Kommune ·")
    where = [page_of(text, first_lines) for text, _, _ in listed]
    assert [int(number) for _, _, number in listed] == where
    assert where == sorted(where) and where[-1] > 50  # multi-page proposals are counted
    # LibreOffice shows the same numbers in the contents, computing them itself
    assert shown_numbers(pages, [t for t, _, _ in listed]) == [str(n) for n in where]


def test_no_prompt_to_update_fields(example_docx: bytes) -> None:
    asking = _replace(example_docx, "word/settings.xml", lambda x: x.replace(
        "<w:defaultTabStop", '<w:updateFields w:val="true"/><w:defaultTabStop', 1)
        if "updateFields" not in x else x)
    assert '<w:updateFields w:val="true"/>' in part(asking, "word/settings.xml")
    finished, _ = finish_contents(asking, libreoffice=False)
    assert "updateFields" not in part(finished, "word/settings.xml")
    document = part(finished, "word/document.xml")
    assert "w:dirty" not in document
    assert not re.search(r"<w:instrText[^>]*>\s*TOC\b", document)  # no TOC field left
    assert document.count("fldCharType=\"begin\"") == document.count("fldCharType=\"end\"")
    listed = entries(finished)
    marks = set(re.findall(r'<w:bookmarkStart w:id="\d+" w:name="([^"]+)"', document))
    assert listed and {anchor for _, anchor, _ in listed} <= marks
    stored = {anchor: number for _, anchor, number in entries(example_docx)}
    assert [n for _, a, n in listed] == [stored.get(a, "") for _, a, _ in listed]  # as given


def test_dirty_fields_lose_their_flag(small_docx: bytes) -> None:
    dirty = _replace(small_docx, "word/document.xml",
                     lambda x: x.replace('w:fldCharType="begin"/>',
                                         'w:fldCharType="begin" w:dirty="true"/>'))
    assert 'w:dirty="true"' in part(dirty, "word/document.xml")
    finished, _ = finish_contents(dirty, libreoffice=False)
    assert "w:dirty" not in part(finished, "word/document.xml")


def test_without_libreoffice_the_entries_have_no_numbers_but_libreoffice_shows_them(
        small_docx: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toc, "find_soffice", lambda: None)
    finished, status = finish_contents(small_docx)
    assert status == STATUS_NO_LIBREOFFICE
    assert "LibreOffice er ikke installeret" in status
    listed = entries(finished)
    assert [n for _, _, n in listed] == [""] * len(listed)
    assert "updateFields" not in part(finished, "word/settings.xml")
    pages = to_pdf_pages(finished, tmp_path)  # LibreOffice computes the PAGEREF fields
    first_lines = heading_pages(pages, "Testby Kommune ·")
    assert shown_numbers(pages, [t for t, _, _ in listed]) == [
        str(page_of(t, first_lines)) for t, _, _ in listed]


def test_skipping_libreoffice_says_so(small_docx: bytes) -> None:
    finished, status = finish_contents(small_docx, libreoffice=False)
    assert status == STATUS_SKIPPED and "F9" in status
    assert entries(finished)


def test_a_failing_libreoffice_is_a_status_not_a_crash(small_docx: bytes,
                                                       tmp_path: Path) -> None:
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'kan ikke starte' >&2\nexit 3\n")
    broken.chmod(0o755)
    finished, status = finish_contents(small_docx, soffice=str(broken))
    assert status == STATUS_FAILED.format(reason="afsluttede med kode 3 kan ikke starte")
    assert entries(finished) and "updateFields" not in part(finished, "word/settings.xml")
    missing, status = finish_contents(small_docx, soffice=str(tmp_path / "findes-ikke"))
    assert status.startswith("indholdsfortegnelse uden sidetal i Word: LibreOffice kunne ikke")
    assert missing == finished


def test_a_hanging_libreoffice_is_stopped(small_docx: bytes, tmp_path: Path) -> None:
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 60\n")
    slow.chmod(0o755)
    _, status = finish_contents(small_docx, soffice=str(slow), timeout=1)
    assert "tog mere end 1 sekunder" in status


def test_same_bytes_every_time_and_idempotent(small_docx: bytes) -> None:
    require_program("soffice", "libreoffice")
    once, status = finish_contents(small_docx)
    assert status == STATUS_NUMBERS
    assert finish_contents(small_docx)[0] == once
    again, status = finish_contents(once)
    assert status == STATUS_NUMBERS and again == once
    with zipfile.ZipFile(io.BytesIO(small_docx)) as z:
        dated = {i.date_time for i in z.infolist()}
    with zipfile.ZipFile(io.BytesIO(once)) as z:  # dated as the document was
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == dated and len(dated) == 1


def test_restarted_page_numbering_is_followed(small_docx: bytes, tmp_path: Path) -> None:
    require_program("soffice", "libreoffice")
    plain, _ = finish_contents(small_docx)
    restarted = _replace(small_docx, "word/document.xml",
                         lambda x: re.sub(r"(<w:pgMar [^>]*/>)", r'\1<w:pgNumType w:start="5"/>',
                                          x))
    assert 'w:start="5"' in part(restarted, "word/document.xml")
    finished, status = finish_contents(restarted)
    assert status == STATUS_NUMBERS
    assert [int(n) for _, _, n in entries(finished)] == [
        int(n) + 4 for _, _, n in entries(plain)]
    pages = to_pdf_pages(finished, tmp_path)
    assert shown_numbers(pages, [t for t, _, _ in entries(finished)]) == [
        n for _, _, n in entries(finished)]


def test_a_document_without_contents_is_left_alone(tmp_path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_paragraph("Ingen indholdsfortegnelse her.")
    raw = io.BytesIO()
    doc.save(raw)
    finished, status = finish_contents(raw.getvalue())
    assert status == STATUS_NONE and finished == raw.getvalue()


def test_dest_names_as_libreoffice_writes_them() -> None:
    assert toc.dest_name("_Toc100000001") == "5FToc100000001"
    assert toc.dest_name("a-b.c") == "a-b2Ec"
    assert toc.dest_name("Æ") == "C6" and toc.dest_name("Ł") == "0141"


def _replace(docx: bytes, name: str, edit) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            blob = src.read(item.filename)
            if item.filename == name:
                blob = edit(blob.decode("utf-8")).encode("utf-8")
            dst.writestr(item, blob)
    return out.getvalue()


def test_contents_written_while_composing_gets_its_numbers(tmp_path: Path) -> None:
    """`contents_elements` (for compose): entries with PAGEREF fields and no TOC field."""
    require_program("soffice", "libreoffice")
    import datetime as dt

    from katalog.render.docx.compose import heading, para
    from katalog.render.docx.template import WordTemplate

    path = HERE.parent / "templates" / "word" / "katalog.docx"
    template = WordTemplate.load(path.read_bytes(), path, lambda message: None)
    listed: list[tuple[int, str, str]] = []

    def body(ctx):  # type: ignore[no-untyped-def]
        out = []
        for n in range(1, 6):
            out.append(heading(ctx, 1, f"Kapitel {n}", new_page=True, toc=listed))
            out += [para(ctx, f"Afsnit {i} i kapitel {n}. " * 12) for i in range(n * 9)]
        return toc.contents_elements(ctx, listed) + out

    made = template.render(template.attachment, body, {}, {"title": "t", "author": "a"},
                           dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    document = part(made, "word/document.xml")
    assert "TOC \\" not in document and document.count("PAGEREF _Toc") == 5
    finished, status = finish_contents(made)
    assert status == STATUS_NUMBERS
    numbers = [int(n) for _, _, n in entries(finished)]
    pages = to_pdf_pages(finished, tmp_path)
    first_lines = heading_pages(pages, "·")
    assert numbers == [page_of(f"Kapitel {n}", first_lines) for n in range(1, 6)]
    assert numbers[0] == 2 and len(set(numbers)) == 5


def test_stale_numbers_are_dropped_when_they_cannot_be_computed(
        small_docx: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    entries_only, _ = finish_contents(small_docx, libreoffice=False)
    stale = _replace(entries_only, "word/document.xml", lambda x: x.replace(
        '<w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/>',
        '<w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>99</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/>'))
    assert {n for _, _, n in entries(stale)} == {"99"}
    assert {n for _, _, n in entries(finish_contents(stale, libreoffice=False)[0])} == {"99"}
    monkeypatch.setattr(toc, "find_soffice", lambda: None)
    cleared, status = finish_contents(stale)
    assert status == STATUS_NO_LIBREOFFICE
    assert {n for _, _, n in entries(cleared)} == {""}


# -- the build's policy (render/docx/__init__.py: page_numbers) ------------------------------


def test_the_build_stores_the_numbers_where_libreoffice_puts_the_headings(
        tmp_path: Path) -> None:
    """`katalog build` of the example (32 proposals: `auto` computes the numbers) writes a
    katalog.docx whose contents holds the pages LibreOffice puts the headings on."""
    require_program("soffice", "libreoffice")
    made = build_docx(EXAMPLE, tmp_path / "out", numbers="auto").read_bytes()
    listed = entries(made)
    assert len(listed) > 40 and all(number.isdigit() for _, _, number in listed)
    pages = to_pdf_pages(made, tmp_path)
    first_lines = heading_pages(pages, "Eksempel Kommune ·")
    assert [int(n) for _, _, n in listed] == [page_of(t, first_lines) for t, _, _ in listed]
    assert "updateFields" not in part(made, "word/settings.xml")


def test_without_libreoffice_the_build_says_so_and_writes_no_numbers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from katalog.build import build

    monkeypatch.setattr(toc, "find_soffice", lambda: None)
    monkeypatch.delenv("KATALOG_SIDETAL", raising=False)
    content = write_tree(tmp_path / "content", SMALL)
    result = build(content, tmp_path / "out", ["docx"], cache=False)
    said = [i.message for i in result.report.warnings if i.path == "katalog.docx"]
    assert said == [STATUS_NO_LIBREOFFICE]
    made = (tmp_path / "out" / "katalog.docx").read_bytes()
    assert entries(made) and {n for _, _, n in entries(made)} == {""}
    assert "updateFields" not in part(made, "word/settings.xml")
    assert "w:dirty" not in part(made, "word/document.xml")
    assert "katalog.docx sidetal" not in result.made  # no LibreOffice job was planned


def test_the_policy_auto_yes_no(monkeypatch: pytest.MonkeyPatch) -> None:
    from katalog.pipeline import check
    from katalog.render.docx import PAGE_NUMBERS_AUTO_MAX, page_numbers
    from katalog.render.plan import Options

    monkeypatch.setattr(toc, "find_soffice", lambda: "/usr/bin/soffice")
    cat = check(EXAMPLE).catalogue
    assert len(cat.proposals) <= PAGE_NUMBERS_AUTO_MAX
    monkeypatch.delenv("KATALOG_SIDETAL", raising=False)
    assert page_numbers(cat, Options()) == (True, "")
    monkeypatch.setenv("KATALOG_SIDETAL", "nej")
    on, why = page_numbers(cat, Options())
    assert not on and "fravalgt" in why and "F9" in why
    big = type(cat)(cat.settings, cat.themes, cat.proposals * 2)  # 64 proposals
    monkeypatch.setenv("KATALOG_SIDETAL", "auto")
    on, why = page_numbers(big, Options())
    assert not on and "64 forslag" in why and "KATALOG_SIDETAL=ja" in why
    monkeypatch.setenv("KATALOG_SIDETAL", "ja")
    assert page_numbers(big, Options()) == (True, "")
