"""The Word output: built from the template, read back with python-docx, LibreOffice and
pdftotext, and compared with the computed totals formatted by katalog.numbers."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from conftest import ROOT, SMALL, require_program, write_tree, shown
from katalog.build import build
from katalog.numbers import (
    difference_label,
    format_fte,
    sign_note,
    unit_label,
)
from katalog.pipeline import check
from katalog.render.docx import TemplateError

TEMPLATE = ROOT / "templates" / "word" / "katalog.docx"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

BODY = """\
## Beskrivelse

Et afsnit med **fed**, *kursiv* og et [link](https://example.org/plan?a=1&b=2).

### Detaljer

- punkt et
- punkt to
    - underpunkt a
    - underpunkt b
- punkt tre

1. første
2. anden

Mellemtekst.

1. igen første
2. igen anden

> Et citat fra MED-udvalget.

| Område | Beløb |
|---|---:|
| Skoler | 1.200 |
| Ældre | 300 |
"""


@pytest.fixture(scope="module")
def small_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small catalogue (with a rich Markdown body in A1) built to docx once."""
    root = tmp_path_factory.mktemp("small")
    files = dict(SMALL)
    content = write_tree(root / "content", files)
    a1 = content / "proposals" / "A1.md"
    a1.write_text(a1.read_text(encoding="utf-8").replace("Tekst.\n", BODY), encoding="utf-8")
    settings = content / "catalogue.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "date: 2026-09-01\n",
                        encoding="utf-8")
    out = root / "build"
    build(content, out, ["docx"])
    return content, out


@pytest.fixture(scope="module")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "build"
    build(ROOT / "content", out, ["docx"])
    return out



def blocks(doc: docx.document.Document) -> list[Paragraph | DocxTable]:
    """Body paragraphs and tables in document order."""
    out: list[Paragraph | DocxTable] = []
    for child in doc.element.body:
        if child.tag == qn("w:p"):
            out.append(Paragraph(child, doc))
        elif child.tag == qn("w:tbl"):
            out.append(DocxTable(child, doc))
    return out


def table_after(doc: docx.document.Document, caption_start: str) -> tuple[Paragraph, DocxTable]:
    """The table that follows the caption paragraph starting with `caption_start`."""
    items = blocks(doc)
    for i, item in enumerate(items):
        if isinstance(item, Paragraph) and item.text.startswith(caption_start):
            table = items[i + 1]
            assert isinstance(table, DocxTable), f"no table after {caption_start!r}"
            return item, table
    raise AssertionError(f"caption {caption_start!r} not found")


def row_texts(table: DocxTable) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def headings(doc: docx.document.Document, level: int) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style is not None
            and p.style.name == f"Heading {level}"]


# -- structure ------------------------------------------------------------------------------


def test_outputs_catalogue_and_one_attachment_per_proposal(small_build: tuple[Path, Path]) -> None:
    content, out = small_build
    ids = [p.id for p in check(content).catalogue.proposals]
    assert (out / "katalog.docx").is_file()
    assert sorted(p.stem for p in (out / "docx").glob("*.docx")) == sorted(ids)
    attachment = docx.Document(str(out / "docx" / "A1.docx"))  # the default proposal form
    assert headings(attachment, 1) == ["A1 Samling af administration"]
    assert "2. Økonomiske konsekvenser" in headings(attachment, 2)
    _, table = table_after(attachment, "Tabel 1. Forslagets samlede økonomiske konsekvenser")
    assert table.rows[-1].cells[0].text == "Årsværk (varige ændringer)"


def test_built_in_headings_title_and_new_page_per_proposal(small_build: tuple[Path, Path]) -> None:
    content, out = small_build
    cat = check(content).catalogue
    doc = docx.Document(str(out / "katalog.docx"))
    title = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert title == [cat.settings.title]
    assert headings(doc, 1) == ["Oversigt over temaer"] + [
        f"Tema {t.number}: {t.title}" for t in cat.themes]
    h2 = [p for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert [p.text for p in h2] == [f"{p.id} {p.title}" for t in cat.themes
                                    for p in cat.proposals_in(t.id)]
    # look.page_break auto: a few short proposals follow each other (themes start a page)
    assert not any(p.paragraph_format.page_break_before for p in h2)
    assert all(p.paragraph_format.page_break_before for p in doc.paragraphs
               if p.style.name == "Heading 1")
    # Body headings nest below the proposal heading, in the built-in styles.
    assert "Detaljer" in headings(doc, 4) and "Beskrivelse" in headings(doc, 3)


def test_contents_has_page_numbers_and_never_asks_to_update(
        small_build: tuple[Path, Path]) -> None:
    """The contents is no TOC field (Word would ask to update it, LibreOffice would show it
    without numbers) but one paragraph per heading with a PAGEREF field, whose result holds
    the page number when LibreOffice is installed (tests/test_docx_toc.py checks the numbers
    against LibreOffice's layout)."""
    content, out = small_build
    cat = check(content).catalogue
    with zipfile.ZipFile(out / "katalog.docx") as z:
        document = z.read("word/document.xml").decode()
        settings = z.read("word/settings.xml").decode()
    assert "TOC \\" not in document and "updateFields" not in settings
    assert "w:dirty" not in document
    doc = docx.Document(str(out / "katalog.docx"))
    listed = [p for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    expected = ["Oversigt over temaer"] + [
        x for t in cat.themes for x in
        [f"Tema {t.number}: {t.title}"] + [f"{p.id} {p.title}" for p in cat.proposals_in(t.id)]]
    texts = [p.text.split("\t")[0] for p in listed]
    assert texts == expected
    numbers = [p.text.split("\t")[1] for p in listed]
    if shutil.which("soffice") or shutil.which("libreoffice"):
        assert all(n.isdigit() for n in numbers) and numbers == sorted(numbers, key=int)
    # every entry links to a bookmark on its heading, and its PAGEREF points there too
    anchors = [h.get(qn("w:anchor")) for p in listed for h in p._p.iter(qn("w:hyperlink"))]
    refs = [" ".join(t.text.split()) for p in listed for t in p._p.iter(qn("w:instrText"))]
    marks = {b.get(qn("w:name")) for b in doc.element.body.iter(qn("w:bookmarkStart"))}
    assert len(anchors) == len(expected) and set(anchors) <= marks
    assert refs == [f"PAGEREF {a} \\h" for a in anchors]


def test_footer_page_numbers_header_placeholders_and_properties(
        small_build: tuple[Path, Path]) -> None:
    content, out = small_build
    s = check(content).catalogue.settings
    doc = docx.Document(str(out / "katalog.docx"))
    section = doc.sections[0]
    footer = section.footer._element
    instr = " ".join(t.text for t in footer.iter(qn("w:instrText")))
    assert "PAGE" in instr.split() and "NUMPAGES" in instr.split()
    assert "Side" in "".join(t.text for t in footer.iter(qn("w:t")))
    header = "".join(p.text for p in section.header.paragraphs)
    assert s.organisation in header and s.title in header and "{{" not in header
    props = doc.core_properties
    assert props.title == s.title
    assert props.author == s.organisation
    assert props.language == "da-DK"
    assert props.created == props.modified == dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)
    lang = doc.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang is not None and lang.get(qn("w:val")) == "da-DK"


# -- tables ---------------------------------------------------------------------------------


def _check_table_flags(table: DocxTable) -> None:
    rows = table._tbl.findall(qn("w:tr"))
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    for tr in rows:
        assert tr.find(f"{W}trPr/{W}cantSplit") is not None
    for tr in rows[1:]:
        assert tr.find(f"{W}trPr/{W}tblHeader") is None


def _is_bold(cell) -> bool:  # type: ignore[no-untyped-def]
    runs = [r for p in cell.paragraphs for r in p.runs if r.text]
    return bool(runs) and all(r.bold for r in runs)


def test_economy_table_matches_totals(small_build: tuple[Path, Path]) -> None:
    content, out = small_build
    checked = check(content)
    s, pt = checked.catalogue.settings, checked.totals.proposals["A1"]
    doc = docx.Document(str(out / "docx" / "A1.docx"))
    caption, table = table_after(doc, "Tabel 1. Forslagets samlede økonomiske konsekvenser")
    assert unit_label(s.unit, s.price_level) in caption.text
    assert caption.style.name == "Tabeltitel"
    _check_table_flags(table)
    rows = row_texts(table)
    assert rows[0] == ["Linje", "Styringsområde"] + [str(y) for y in s.years]
    by_label = {r[0]: r for r in rows}
    total = by_label["Samlet økonomisk påvirkning"]
    assert total[2:] == [shown(pt.total, y) for y in s.years]
    assert total[2:] == ["2.000", "-5.500", "-6.000"]
    varig = by_label["Samlet varig ændring"]
    assert varig[2:] == [shown(pt.by_group["varig"], y) for y in s.years]
    assert by_label["Lokaler"][2:] == ["1.000", "-", "-"]
    assert by_label["Årsværk (varige ændringer)"][2:] == [format_fte(pt.fte.get(y)) for y in s.years]
    for i, row in enumerate(table.rows):
        label = row.cells[0].text
        for cell in row.cells[2:]:
            p = cell.paragraphs[0]
            if i and cell.text and cell._tc is not row.cells[0]._tc:  # not a spanning group row
                assert p.alignment == 2 and p.style.name == "Tal", (label, cell.text)
        if label in ("Samlet økonomisk påvirkning", "Samlet varig ændring"):
            assert all(_is_bold(c) for c in row.cells if c.text)
        if label == "Lønbesparelse":
            assert not any(_is_bold(c) for c in row.cells)
    texts = [p.text for p in doc.paragraphs]
    assert sign_note(s.savings_sign) in texts


def test_overview_table_and_unknown_amounts(small_build: tuple[Path, Path]) -> None:
    content, out = small_build
    checked = check(content)
    s, totals = checked.catalogue.settings, checked.totals
    doc = docx.Document(str(out / "katalog.docx"))
    caption, table = table_after(doc, "Oversigt over temaer (")
    assert caption.text == f"Oversigt over temaer ({unit_label(s.unit, s.price_level)})"
    _check_table_flags(table)
    by_label = {r[0]: r[1:] for r in row_texts(table)}
    assert by_label["I alt"] == [shown(totals.total, y) for y in s.years]
    assert by_label["I alt"][1] == "-5.500 + ?"  # A2 has an unknown 2027 amount
    assert by_label["Mål"] == [shown(totals.target, y) for y in s.years]
    assert by_label[difference_label(s.savings_sign)] == [
        shown(totals.difference, y, sign="-") for y in s.years]
    assert by_label["1. Administration"][0] == "750"  # 2.000 (A1) - 1.250 (A2)


# -- Markdown -------------------------------------------------------------------------------


def test_markdown_body_is_converted_faithfully(small_build: tuple[Path, Path]) -> None:
    _, out = small_build
    doc = docx.Document(str(out / "katalog.docx"))
    paras = doc.paragraphs
    intro = next(p for p in paras if p.text.startswith("Et afsnit med"))
    assert intro.text == "Et afsnit med fed, kursiv og et link."
    bold = [r.text for r in intro.runs if r.bold]
    italic = [r.text for r in intro.runs if r.italic]
    assert bold == ["fed"] and italic == ["kursiv"]
    link = intro._p.find(qn("w:hyperlink"))
    assert link is not None and "".join(t.text for t in link.iter(qn("w:t"))) == "link"
    assert doc.part.rels[link.get(qn("r:id"))].target_ref == "https://example.org/plan?a=1&b=2"

    styles = {p.text: p.style.name for p in paras}
    assert styles["Beskrivelse"] == "Heading 3" and styles["Detaljer"] == "Heading 4"
    assert styles["punkt et"] == "List Bullet" and styles["punkt tre"] == "List Bullet"
    assert styles["underpunkt a"] == "List Bullet 2"
    assert styles["første"] == "List Number" and styles["igen første"] == "List Number"
    assert styles["Et citat fra MED-udvalget."] == "Quote"

    def num_id(text: str) -> str:
        p = next(p for p in paras if p.text == text)
        return p._p.find(f"{W}pPr/{W}numPr/{W}numId").get(qn("w:val"))

    # the second numbered list restarts at 1: its own numbering instance with a start override
    assert num_id("første") == num_id("anden") != num_id("igen første") == num_id("igen anden")
    numbering = doc.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num"))
               if n.get(qn("w:numId")) == num_id("igen første"))
    assert num.find(f"{W}lvlOverride/{W}startOverride").get(qn("w:val")) == "1"

    _, table = table_after(doc, "Et citat fra MED-udvalget.")
    assert row_texts(table) == [["Område", "Beløb"], ["Skoler", "1.200"], ["Ældre", "300"]]
    _check_table_flags(table)
    assert table.rows[1].cells[1].paragraphs[0].alignment == 2  # align=right from Markdown


# -- template -------------------------------------------------------------------------------


def _strip_styles(template: Path, target: Path, names: set[str]) -> None:
    """A copy of `template` without the named styles (as a municipality's own file might be);
    names match whatever their case (Word stores built-in ones as "heading 1")."""
    names = {n.casefold() for n in names}
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/styles.xml":
                from lxml import etree

                root = etree.fromstring(data)
                for style in root.findall(f"{W}style"):
                    name = style.find(f"{W}name")
                    if name is not None and name.get(f"{W}val").casefold() in names:
                        root.remove(style)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                      standalone=True)
            dst.writestr(item, data)


def test_missing_styles_fall_back_with_a_warning(tmp_path: Path, small: Path) -> None:
    own = tmp_path / "mine"
    (own / "word").mkdir(parents=True)
    _strip_styles(TEMPLATE, own / "word" / "katalog.docx", {"Tal", "Tabeltitel", "Katalogtabel"})
    result = build(small, tmp_path / "out", ["docx"], templates=own)
    warnings = [i.message for i in result.report.warnings if i.code == "docx-template"]
    assert any("'Tal'" in w and "'Tabeltekst'" in w for w in warnings), warnings
    assert any("'Tabeltitel'" in w for w in warnings)
    assert any("'Katalogtabel'" in w for w in warnings)
    assert all(str(own) in i.path for i in result.report.warnings if i.code == "docx-template")
    doc = docx.Document(str(tmp_path / "out" / "docx" / "A1.docx"))
    caption, table = table_after(doc, "Tabel 1.")
    assert caption.style.name == "Caption"
    assert table.style.name == "Table Grid"
    cell = table.rows[1 + 1].cells[2].paragraphs[0]  # first line's first amount
    assert cell.alignment == 2 and cell.style.name == "Tabeltekst"


def test_template_look_is_kept(tmp_path: Path, small: Path) -> None:
    """A municipality's template: its logo, header text with placeholders, page setup, fonts."""
    from PIL import Image

    logo = io.BytesIO()
    Image.new("RGB", (40, 20), (31, 78, 121)).save(logo, format="PNG")
    logo.seek(0)
    doc = docx.Document(str(TEMPLATE))
    section = doc.sections[0]
    section.left_margin = docx.shared.Cm(3)
    header = section.header.paragraphs[0]
    header.text = "Testby Kommune · "
    header.add_run("{{titel}} – {{dato}}")
    section.header.add_paragraph().add_run().add_picture(logo, width=docx.shared.Cm(2))
    doc.styles["Normal"].font.name = "DejaVu Serif"
    doc.add_paragraph("Skabelonens eksempeltekst skal forsvinde.")
    own = tmp_path / "mine"
    (own / "word").mkdir(parents=True)
    doc.save(str(own / "word" / "katalog.docx"))
    build(small, tmp_path / "out", ["docx"], templates=own)
    out = docx.Document(str(tmp_path / "out" / "katalog.docx"))
    assert out.sections[0].left_margin == doc.sections[0].left_margin
    assert out.styles["Normal"].font.name == "DejaVu Serif"
    assert "".join(p.text for p in out.sections[0].header.paragraphs) == (
        "Testby Kommune · Budgetkatalog 2026 – " + _danish_date_of(small))
    assert "Skabelonens eksempeltekst" not in "\n".join(p.text for p in out.paragraphs)
    header_part = out.sections[0].header.part
    assert header_part.element.find(f".//{W}drawing") is not None
    images = [r.target_part for r in header_part.rels.values() if r.reltype.endswith("/image")]
    assert len(images) == 1 and images[0].blob == logo.getvalue()


def test_cli_builds_docx_and_prints_template_warnings(tmp_path: Path, small: Path) -> None:
    from click.testing import CliRunner

    from katalog.cli import main

    own = tmp_path / "mine"
    (own / "word").mkdir(parents=True)
    _strip_styles(TEMPLATE, own / "word" / "katalog.docx", {"Note"})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(small), "--out", str(out), "--format", "docx",
                                       "--templates", str(own)])
    assert result.exit_code == 0, result.output
    assert (out / "katalog.docx").is_file() and (out / "docx" / "A1.docx").is_file()
    assert "advarsel: Word-skabelonen mangler typografien 'Note'" in result.output


def _danish_date_of(content: Path) -> str:
    from katalog.build import document_date
    from katalog.render.html import danish_date

    return danish_date(document_date(check(content).catalogue.settings.date, content))


def test_broken_template_is_a_clear_error(tmp_path: Path, small: Path) -> None:
    own = tmp_path / "mine"
    (own / "word").mkdir(parents=True)
    (own / "word" / "katalog.docx").write_text("ikke en docx", encoding="utf-8")
    with pytest.raises(TemplateError, match="Word-skabelonen .* kan ikke åbnes"):
        build(small, tmp_path / "out", ["docx"], templates=own)
    assert not (tmp_path / "out").exists()


def test_committed_template_is_what_make_template_makes(tmp_path: Path) -> None:
    script = ROOT / "templates" / "word" / "make_template.py"
    copy = tmp_path / "word"
    copy.mkdir()
    shutil.copy(script, copy / "make_template.py")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, str(copy / "make_template.py")], check=True, env=env,
                   capture_output=True)
    assert (copy / "katalog.docx").read_bytes() == TEMPLATE.read_bytes()


# -- reproducible ---------------------------------------------------------------------------


def test_same_content_gives_same_bytes(small_build: tuple[Path, Path], tmp_path: Path) -> None:
    content, first = small_build
    second = tmp_path / "again"
    build(content, second, ["docx"])
    files = sorted(p.relative_to(first) for p in first.rglob("*.docx"))
    assert files and files == sorted(p.relative_to(second) for p in second.rglob("*.docx"))
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    with zipfile.ZipFile(io.BytesIO((first / "katalog.docx").read_bytes())) as z:
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == {(2026, 9, 1, 0, 0, 0)}


# -- opens cleanly ---------------------------------------------------------------------------


def _to_pdf(docx_path: Path, tmp_path: Path) -> str:
    soffice = require_program("soffice", "libreoffice")
    pdftotext = require_program("pdftotext")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    subprocess.run(
        [soffice, f"-env:UserInstallation={(home / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_path)],
        check=True, env=env, capture_output=True, timeout=240,
    )
    pdf = tmp_path / (docx_path.stem + ".pdf")
    assert pdf.is_file(), "LibreOffice wrote no PDF"
    return subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_libreoffice_opens_and_converts_the_example(example_build: Path, tmp_path: Path) -> None:
    checked = check(ROOT / "content")
    cat, totals = checked.catalogue, checked.totals
    text = _to_pdf(example_build / "katalog.docx", tmp_path)
    pages = text.split("\f")
    assert cat.settings.title.split()[-1] in pages[0]
    assert "Indhold" in pages[1]
    for t in cat.themes:
        assert f"Tema {t.number}: {t.title}" in pages[1]  # TOC entries shown without updating
    n = len([p for p in pages if p.strip()])
    assert f"Side 2 af {n}" in pages[1]
    overview = next(p for p in pages if "Oversigt over temaer (" in p)
    total_line = next(line for line in overview.splitlines() if line.strip().startswith("I alt"))
    # An incomplete cell ("-22.500 + ?") may wrap inside its narrow column: compare the
    # numbers on the line, and find the "+ ?" markers on the page.
    expected = [shown(totals.total, y).removesuffix(" + ?") for y in cat.settings.years]
    assert [w for w in total_line.split()[2:] if w not in "+?"] == expected
    assert overview.count("?") >= sum(1 for y in cat.settings.years if y in totals.total.unknown)
    first = cat.proposals[0]
    assert any(f"{first.id} {first.title}"[:40] in " ".join(p.split()) for p in pages)


def test_libreoffice_converts_an_attachment(small_build: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = small_build
    text = " ".join(_to_pdf(out / "docx" / "A1.docx", tmp_path).split())
    assert "A1 Samling af administration" in text
    assert "Samlet økonomisk påvirkning 2.000 -5.500 -6.000" in text
    assert "Side 1 af" in text


def test_body_is_built_detached_not_appended(monkeypatch: pytest.MonkeyPatch, small: Path,
                                             tmp_path: Path) -> None:
    """python-docx's append API is quadratic on large documents; the renderer must not use it
    (it builds the body detached and splices it in once)."""
    from docx.document import Document

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("python-docx append API used")

    for name in ("add_paragraph", "add_table", "add_heading", "add_page_break"):
        monkeypatch.setattr(Document, name, refuse)
    build(small, tmp_path / "out", ["docx"])
    doc = docx.Document(str(tmp_path / "out" / "katalog.docx"))
    assert doc.element.body[-1].tag == qn("w:sectPr")  # section properties stay last
    assert len(doc.tables) >= 5


def test_a_word_template_dotx_is_accepted(tmp_path: Path, small: Path) -> None:
    """A municipality may save its template as .dotx (Word's template format)."""
    own = tmp_path / "mine"
    (own / "word").mkdir(parents=True)
    with zipfile.ZipFile(TEMPLATE) as src, \
            zipfile.ZipFile(own / "word" / "katalog.dotx", "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
                assert b"template.main+xml" in data
            if item.filename.startswith("word/header"):
                data = data.replace("{{organisation}} · ".encode(), b"DOTX ")
            dst.writestr(item, data)
    result = build(small, tmp_path / "out", ["docx"], templates=own)
    assert not result.report.warnings
    doc = docx.Document(str(tmp_path / "out" / "katalog.docx"))
    assert headings(doc, 1)[0] == "Oversigt over temaer"
    assert doc.sections[0].header.paragraphs[0].text == "DOTX Budgetkatalog 2026"
    with zipfile.ZipFile(tmp_path / "out" / "katalog.docx") as z:
        assert b"document.main+xml" in z.read("[Content_Types].xml")


MARKDOWN_PIECES = [
    "# H\n", "## Under\n", "tekst ", "**fed** ", "*kursiv* ", "`kode` ", "[l](https://x.dk) ",
    "\n\n", "- a\n", "    - b\n", "1. c\n", "> citat\n", "| a | b |\n|---|--:|\n| 1 | 2 |\n",
    "<b>rå</b> ", "<script>x</script>", "  \n", "* * *\n", "æøå ", "&amp; ", "<ul><li>",
]


def test_any_markdown_converts_to_well_formed_word_xml() -> None:
    from hypothesis import example, given, settings
    from hypothesis import strategies as st
    from lxml import etree

    from katalog.render.docx.compose import markdown
    from katalog.render.docx.template import WordTemplate

    template = WordTemplate.load(TEMPLATE.read_bytes(), TEMPLATE, lambda _m: None)
    when = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.one_of(st.sampled_from(MARKDOWN_PIECES), st.text(max_size=8)),
                    max_size=12))
    @example(["<script>x</script>", "\x08"])  # only a control character left: lxml refused it
    def check_body(pieces: list[str]) -> None:
        source = "".join(pieces)
        data = template.render(template.attachment, lambda ctx: markdown(ctx, source, 2), {},
                               {"title": "T", "author": "A"}, when)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("word/document.xml")
        root = etree.fromstring(xml)  # well-formed
        # written exactly as lxml writes the same elements (an empty text is "<w:t></w:t>")
        again = etree.tostring(root, encoding="UTF-8", standalone=True)
        assert xml.replace(b"<w:t></w:t>", b"<w:t/>") == again
        body = root.find(qn("w:body"))
        assert body[-1].tag == qn("w:sectPr")
        for p in body.iter(qn("w:p")):  # paragraphs only hold valid children
            assert all(c.tag in (qn("w:pPr"), qn("w:r"), qn("w:hyperlink")) for c in p)
        for tc in body.iter(qn("w:tc")):
            assert tc[-1].tag == qn("w:p")  # Word requires a paragraph last in every cell
        assert b"<script" not in xml  # as text (in a code span) it is escaped

    check_body()


# ECMA-376 sequences of the property elements katalog writes (Word rejects other orders)
SCHEMA_ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
           "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct "
           "topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind "
           "contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
           "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss "
           "imprint noProof snapToGrid vanish webHidden color spacing w kern position sz szCs "
           "highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout "
           "specVanish oMath",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection "
            "tcFitText vAlign hideMark",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize "
             "tblW jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook "
             "tblCaption tblDescription",
    "tbl": "tblPr tblGrid tr",
    "tc": "tcPr p tbl",
}


def test_property_elements_are_in_schema_order(small_build: tuple[Path, Path]) -> None:
    from lxml import etree

    _, out = small_build
    for name in ("katalog.docx", "docx/A1.docx"):
        with zipfile.ZipFile(out / name) as z:
            root = etree.fromstring(z.read("word/document.xml"))
        checked = 0
        for parent, order in SCHEMA_ORDER.items():
            rank = {tag: i for i, tag in enumerate(order.split())}
            for node in root.iter(W + parent):
                tags = [etree.QName(c).localname for c in node]
                assert all(t in rank for t in tags), (parent, tags)
                ranks = [rank[t] for t in tags]
                assert ranks == sorted(ranks), (parent, tags)
                checked += 1
        assert checked > 100
        assert root.find(f".//{W}tblCaption") is not None


def test_a_template_saved_by_libreoffice_works(tmp_path: Path, small: Path) -> None:
    """The template after a round trip through LibreOffice (as a municipality would edit it)."""
    soffice = require_program("soffice", "libreoffice")
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "src").mkdir()
    shutil.copy(TEMPLATE, tmp_path / "src" / "katalog.docx")
    subprocess.run(
        [soffice, f"-env:UserInstallation={(home / 'lo').as_uri()}", "--headless",
         "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "mine" / "word"),
         str(tmp_path / "src" / "katalog.docx")],
        check=True, env={**os.environ, "HOME": str(home)}, capture_output=True, timeout=240,
    )
    result = build(small, tmp_path / "out", ["docx"], templates=tmp_path / "mine")
    assert [i.message for i in result.report.warnings if i.code == "docx-template"] == []
    doc = docx.Document(str(tmp_path / "out" / "katalog.docx"))
    assert headings(doc, 2)[0] == "A1 Samling af administration"
    assert "Budgetkatalog 2026" in doc.sections[0].header.paragraphs[0].text
    _, table = table_after(doc, "Oversigt over temaer (")
    _check_table_flags(table)


def test_a_very_long_title_builds(tmp_path: Path, small: Path) -> None:
    """Issue 18: a title over 255 characters (valid content) broke the Word build with a raw
    ValueError from the core properties. The property is cut short; the heading is whole."""
    title = "Samling af " + "meget " * 60 + "lange administrative opgaver"
    assert len(title) > 300
    a1 = small / "proposals" / "A1.md"
    a1.write_text(a1.read_text(encoding="utf-8").replace(
        "title: Samling af administration", f"title: {title}"), encoding="utf-8")
    settings = small / "catalogue.yaml"
    long_catalogue = "Budgetkatalog " + "med mange ord " * 30
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "title: Budgetkatalog 2026", f"title: {long_catalogue.strip()}"), encoding="utf-8")
    out = tmp_path / "out"
    build(small, out, ["docx"], cache=False)
    for path in (out / "docx" / "A1.docx", out / "katalog.docx"):
        document = docx.Document(str(path))
        texts = [p.text for p in document.paragraphs]
        assert f"A1 {title}" in texts, path
    catalogue = docx.Document(str(out / "katalog.docx"))
    assert long_catalogue.strip() in [p.text for p in catalogue.paragraphs]
    assert len(catalogue.core_properties.title) == 255
    props = docx.Document(str(out / "docx" / "A1.docx")).core_properties
    assert len(props.title) == 255 and props.title.endswith("…")
    assert f"A1 {title}".startswith(props.title[:-1])
