"""`render.docx.budget`: the budget year's Word documents, made by the executor and read back
with python-docx: only with a budget year, the template's styles and placeholders, real
heading styles, real tables with repeated header rows and right-aligned numbers, the figures
of `katalog totals --format json`, traffic lights as words with a coloured mark, notices for
styles the template lacks, the same bytes twice, LibreOffice opens them, and a build with the
planner folded into the `docx` format."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from katalog import build as build_module
from katalog.build import build
from katalog.render.budget_docs import LIGHT_COLOUR, LIGHT_MARK, combine
from katalog.render.docx.budget import plan_budget_docx
from katalog.render.templates import TemplateSet

from budget_docs_fixture import catalogues, cells_of, run_planner, totals_json
from conftest import require_program

FILES = ("budgetaftale.docx", "opfoelgning.docx")


@pytest.fixture(scope="module")
def contents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return catalogues(tmp_path_factory.mktemp("budget-docx"))


@pytest.fixture(scope="module")
def made(contents: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("budget-docx-out")
    for name in contents:
        run_planner(plan_budget_docx, contents[name], root / name)
    return {name: root / name for name in contents}


def document(path: Path) -> docx.document.Document:
    return docx.Document(str(path))


def table_after(doc: docx.document.Document, caption: str) -> docx.table.Table:
    """The table whose caption paragraph starts with `caption`."""
    body = doc.element.body
    for p in body.iterchildren(qn("w:p")):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        tbl = p.getnext()
        if text.startswith(caption) and tbl is not None and tbl.tag == qn("w:tbl"):
            return docx.table.Table(tbl, doc)
    raise AssertionError(f"no table captioned {caption!r}")


def rows_of(table: docx.table.Table) -> dict[str, list[str]]:
    out = {}
    for row in table.rows[1:]:
        cells = [c.text for c in row.cells]
        out[cells[0]] = cells[1:]
    return out


@pytest.mark.parametrize("name, files", [("example", FILES), ("followed", FILES),
                                         ("decided", FILES[:1]), ("none", ())])
def test_made_only_when_the_content_has_a_budget_year(made, name, files):
    assert tuple(f for f in FILES if (made[name] / f).is_file()) == files


def test_template_styles_headings_and_placeholders(made):
    doc = document(made["example"] / "budgetaftale.docx")
    paras = doc.paragraphs
    assert paras[0].style.name == "Title" and paras[0].text == "Budgetaftale 2027"
    headings = [p.text for p in paras if p.style.name == "Heading 1"]
    assert headings == ["Vedtaget pr. tema", "Byrådets ændringer af forslagene",
                        "Forslag, der ikke er vedtaget", "Vedtaget fordelt på forvaltninger",
                        "Vedtagne forslag", "Byrådets afgørelser"]
    assert [p.text for p in paras if p.style.name == "Heading 2"][:2] == [
        "Byrådets bemærkninger", "Byrådets bemærkninger"]
    headers = " ".join(p.text for s in doc.sections for p in s.header.paragraphs)
    assert "{{" not in headers and "Eksempel Kommune" in headers
    assert doc.core_properties.title == "Budgetaftale 2027"
    assert doc.core_properties.author == "Eksempel Kommune"
    follow = document(made["example"] / "opfoelgning.docx")
    h1 = [p.text for p in follow.paragraphs if p.style.name == "Heading 1"]
    assert h1[:4] == ["Sammenfatning", "Forslag med rød eller gul status",
                      "Forventet realisering pr. tema", "Fordeling på forvaltninger"]
    assert "Tema 1: Administrativ organisering og opgavefællesskaber" in h1
    h2 = [p.text for p in follow.paragraphs if p.style.name == "Heading 2"]
    assert len(h2) == 28 and h2[0].startswith("ADM-01 ")


@pytest.mark.parametrize("file", FILES)
def test_real_tables_with_repeated_headers_and_right_aligned_numbers(made, file):
    doc = document(made["example"] / file)
    assert len(doc.tables) > 5
    styles = {s.style_id: s for s in doc.styles}
    numbers = 0
    for table in doc.tables[1:]:  # the first is the facts block
        first = table.rows[0]._tr
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        amounts = table.rows[0].cells[-1].text.isdigit()  # year columns (not the decisions)
        for row in table.rows[1:]:
            assert row._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None
            cells = row._tr.findall(qn("w:tc"))
            if not amounts or len(cells) == 1:  # a group's heading spans the row
                continue
            for tc in cells[1:]:
                p = docx.text.paragraph.Paragraph(tc.find(qn("w:p")), table)
                style = styles[p._p.pPr.pStyle.val]
                assert style.name == "Tal", style.name
                assert style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
                numbers += 1
    assert numbers > 100


def test_the_figures_equal_the_totals_json(contents, made):
    data = totals_json(contents["example"])
    years = data["years"]
    agreement = document(made["example"] / "budgetaftale.docx")
    overview = rows_of(table_after(agreement, "Budgetaftale: vedtaget pr. tema"))
    assert overview["Vedtaget i alt"] == cells_of(data, "adopted_total", years)
    difference = next(v for k, v in overview.items() if k.startswith("Difference til mål"))
    assert difference == cells_of(data, "adopted_difference", years, "-")
    follow = document(made["example"] / "opfoelgning.docx")
    by_theme = rows_of(table_after(follow, "Forventet realisering pr. tema"))
    assert by_theme["Forventet i alt"] == cells_of(data, "realisation_total", years)
    assert by_theme["Afvigelse i alt"] == cells_of(data, "realisation_gap", years)
    difference = next(v for k, v in by_theme.items() if k.startswith("Difference til mål"))
    assert difference == cells_of(data, "realisation_difference", years, "-")
    names = {"grøn": "Grøn", "gul": "Gul", "rød": "Rød", "ingen": "Ikke vurderet"}
    text = "\n".join(p.text for p in follow.paragraphs)
    for key, n in data["realisation_counts"].items():
        if n:
            assert f"{LIGHT_MARK[key]} {names[key]}: {n} forslag – " in text


def test_a_traffic_light_is_words_with_a_coloured_mark(contents, made):
    data = totals_json(contents["example"])
    follow = document(made["example"] / "opfoelgning.docx")
    paras = follow.paragraphs
    names = {"grøn": "Grøn", "gul": "Gul", "rød": "Rød"}
    for p in (p for p in data["proposals"] if p.get("outcome") == "vedtaget"):
        status = p["realisation"]["status"]
        i = next(i for i, x in enumerate(paras) if x.text == f"{p['id']} {p['title']}")
        line = paras[i + 1]
        assert line.text.startswith(f"{LIGHT_MARK[status]} {names[status]}: "), line.text
        mark = line.runs[0]
        assert mark.text.strip() == LIGHT_MARK[status]
        assert str(mark.font.color.rgb) == LIGHT_COLOUR[status]
    # in the tables: the mark before a row's label, the words in it or its group's heading
    marked = 0
    for table in follow.tables:
        for row in table.rows:
            first = row.cells[0].paragraphs[0]
            if first.runs and first.runs[0].text.strip() in LIGHT_MARK.values():
                marked += 1
                key = next(k for k, m in LIGHT_MARK.items() if m == first.runs[0].text.strip())
                assert str(first.runs[0].font.color.rgb) == LIGHT_COLOUR[key]
    assert marked > 80


def test_styles_the_template_lacks_are_notices(contents, tmp_path):
    from docx.enum.style import WD_STYLE_TYPE

    source = TemplateSet.create().dirs[-1] / "word" / "katalog.docx"
    doc = docx.Document(str(source))
    doc.styles["Subtitle"].delete()
    own = tmp_path / "templates"
    (own / "word").mkdir(parents=True)
    doc.save(str(own / "word" / "katalog.docx"))
    assert "Subtitle" not in [s.name for s in docx.Document(str(own / "word" / "katalog.docx"))
                              .styles if s.type == WD_STYLE_TYPE.PARAGRAPH]
    _, outcome = run_planner(plan_budget_docx, contents["example"], tmp_path / "out",
                             TemplateSet.create(own))
    messages = [n.message for n in outcome.notices]
    assert any("Subtitle" in m for m in messages), messages
    assert (tmp_path / "out" / "budgetaftale.docx").is_file()


def test_same_content_gives_the_same_bytes(contents, made, tmp_path):
    run_planner(plan_budget_docx, contents["example"], tmp_path / "again")
    for file in FILES:
        assert (tmp_path / "again" / file).read_bytes() == (made["example"] / file).read_bytes()
        with zipfile.ZipFile(io.BytesIO((made["example"] / file).read_bytes())) as z:
            assert z.testzip() is None


def test_libreoffice_opens_them(made, tmp_path):
    soffice = require_program("soffice", "libreoffice")
    for file in FILES:
        shutil.copy(made["example"] / file, tmp_path / file)
    out = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                          "--convert-to", "pdf", "--outdir", str(tmp_path),
                          *(str(tmp_path / f) for f in FILES)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    for file in FILES:
        text = subprocess.run([require_program("pdftotext"), str(tmp_path / file.replace(
            ".docx", ".pdf")), "-"], capture_output=True, text=True, check=True).stdout
        assert ("Budgetaftale 2027" if file.startswith("budget") else "Status på realisering") \
            in text


def _docx_with_budget(cat, totals, opts):  # type: ignore[no-untyped-def]
    from katalog.render.docx import plan_docx

    return combine(plan_docx(cat, totals, opts), plan_budget_docx(cat, totals, opts))


def test_a_build_with_the_planner_folded_into_docx(contents, tmp_path, monkeypatch):
    _, paths = build_module.RENDERERS["docx"]
    monkeypatch.setitem(build_module.RENDERERS, "docx", (_docx_with_budget, (*paths, *FILES)))
    build(contents["followed"], tmp_path / "followed", ["docx"], cache=False)
    assert all((tmp_path / "followed" / f).is_file() for f in (*FILES, "katalog.docx"))
    build(contents["none"], tmp_path / "none", ["docx"], cache=False)
    assert (tmp_path / "none" / "katalog.docx").is_file()
    assert not any((tmp_path / "none" / f).exists() for f in FILES)


def test_the_follow_up_shows_the_realisation_chart_with_its_alt_text(contents, made):
    """Above the summary's table, a picture of the realisation chart whose alt text is the
    chart's description; the agreement has no picture."""
    from katalog.pipeline import check
    from katalog.render.chart_status import status_alt, status_data

    checked = check(contents["example"])
    alt = status_alt(status_data(checked.catalogue, checked.totals))
    with zipfile.ZipFile(made["example"] / "opfoelgning.docx") as z:
        body = z.read("word/document.xml").decode()
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    assert body.count("<w:drawing>") == 1 and len(media) == 1 and media[0].endswith(".png")
    doc = document(made["example"] / "opfoelgning.docx")
    drawing = doc.element.body.find(".//" + qn("w:drawing"))
    doc_pr = drawing.find(".//{http://schemas.openxmlformats.org/drawingml/2006/"
                          "wordprocessingDrawing}docPr")
    assert doc_pr.get("descr") == alt
    summary = table_after(doc, "Status på realisering: sammenfatning")._tbl
    before = summary.getprevious()  # above it: the caption, then the chart
    assert before.getprevious().find(".//" + qn("w:drawing")) is not None
    with zipfile.ZipFile(made["example"] / "budgetaftale.docx") as z:
        assert "<w:drawing>" not in z.read("word/document.xml").decode()
