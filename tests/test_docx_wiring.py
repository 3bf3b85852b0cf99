"""The Word build wired together (render/docx/__init__.py): which proposal form fills the
attachments, a broken form stops the build with a Danish message, the catalogue's look in the
styles, the logo and the overview chart as pictures with alternative text, the contents."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from conftest import EXAMPLE, ROOT, SMALL, write_tree
from katalog.build import build
from katalog.pipeline import check
from katalog.render.docx import FormError, plan_docx
from katalog.render.docx.form_default import default_form
from katalog.render.docx.template import clear_body
from katalog.render.plan import Options, piece
from katalog.render.templates import TemplateSet

WORD = ROOT / "templates" / "word"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(autouse=True)
def _no_page_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about other things: no LibreOffice layout (tests/test_docx_toc.py)."""
    monkeypatch.setenv("KATALOG_SIDETAL", "nej")


def part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name).decode("utf-8")


def names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.namelist()


def own_form(folder: Path, *paragraphs: str) -> Path:
    """A templates folder whose word/forslag.docx has these paragraphs as its body."""
    doc = docx.Document(str(WORD / "forslag.docx"))
    clear_body(doc)
    for text in paragraphs:
        doc.add_paragraph(text)
    (folder / "word").mkdir(parents=True, exist_ok=True)
    doc.save(str(folder / "word" / "forslag.docx"))
    return folder


def small_content(tmp_path: Path, extra: str = "") -> Path:
    content = write_tree(tmp_path / "content", SMALL)
    if extra:
        with (content / "catalogue.yaml").open("a", encoding="utf-8") as f:
            f.write(extra)
    return content


# -- which form ---------------------------------------------------------------------------


def test_the_municipalitys_own_form_fills_the_attachments(tmp_path: Path) -> None:
    content = small_content(tmp_path)
    mine = own_form(tmp_path / "mine", "Vores blanket: {{ forslag.id }} – {{ forslag.titel }}",
                    "{{p forslag.økonomitabel }}")
    build(content, tmp_path / "out", ["docx"], templates=mine, cache=False)
    doc = docx.Document(str(tmp_path / "out" / "docx" / "A1.docx"))
    assert doc.paragraphs[0].text == "Vores blanket: A1 – Samling af administration"
    assert doc.tables[0].rows[0].cells[0].text == "Linje"
    # katalog.docx is still katalog's own layout
    catalogue = docx.Document(str(tmp_path / "out" / "katalog.docx"))
    assert "A1 Samling af administration" in [p.text for p in catalogue.paragraphs]


def test_their_own_katalog_docx_without_a_form_gets_the_default_form_in_its_look(
        tmp_path: Path) -> None:
    content = small_content(tmp_path)
    mine = tmp_path / "mine" / "word"
    mine.mkdir(parents=True)
    theirs = docx.Document(str(WORD / "katalog.docx"))
    theirs.styles["Heading 1"].font.size = docx.shared.Pt(31)
    theirs.sections[0].header.paragraphs[0].text = "Vores kommune – {{titel}}"
    theirs.save(str(mine / "katalog.docx"))
    build(content, tmp_path / "out", ["docx"], templates=mine.parent, cache=False)
    made = (tmp_path / "out" / "docx" / "A1.docx").read_bytes()
    doc = docx.Document(io.BytesIO(made))
    assert doc.paragraphs[0].text == "A1 Samling af administration"  # the default form
    assert doc.styles["Heading 1"].font.size == docx.shared.Pt(31)  # … in their look
    assert doc.sections[0].header.paragraphs[0].text == \
        "Vores kommune – A1 Samling af administration"
    expected = default_form((mine / "katalog.docx").read_bytes())
    assert part(made, "word/styles.xml") == part(expected, "word/styles.xml")


def test_a_form_error_stops_the_build_and_keeps_the_previous_one(tmp_path: Path) -> None:
    content = small_content(tmp_path)
    out = tmp_path / "out"
    build(content, out, ["docx"], cache=False)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    mine = own_form(tmp_path / "mine", "Titel: {{ forslag.titl }}")
    with pytest.raises(FormError, match=r"forslag\.docx: ukendt felt 'titl'.*brødteksten, "
                                        r"afsnit 1 \(»Titel: \{\{ forslag\.titl \}\}«\)"):
        build(content, out, ["docx"], templates=mine, cache=False)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_the_cli_says_what_is_wrong_with_the_form_without_a_traceback(tmp_path: Path) -> None:
    content = small_content(tmp_path)
    out = tmp_path / "out"
    mine = own_form(tmp_path / "mine", "{% if forslag.titel %}uden afslutning")
    run = subprocess.run([sys.executable, "-m", "katalog", "build", str(content), "--out",
                          str(out), "--format", "docx", "--templates", str(mine)],
                         capture_output=True, text=True,
                         env={**os.environ, "KATALOG_WORKERS": "1"})
    assert run.returncode == 1
    said = run.stdout + run.stderr
    assert "Traceback" not in said
    assert re.search(r"forslag\.docx: en \{% if %\} eller \{% for %\} mangler sin afslutning",
                     said), said
    assert "uændret" in said and not out.exists()


def test_a_tampered_form_is_a_danish_message(tmp_path: Path) -> None:
    content = small_content(tmp_path)
    mine = tmp_path / "mine" / "word"
    mine.mkdir(parents=True)
    good = (WORD / "forslag.docx").read_bytes()
    (mine / "forslag.docx").write_bytes(good[: len(good) // 2])  # cut short
    with pytest.raises(FormError, match="Word-formularen .*forslag.docx kan ikke åbnes"):
        build(content, tmp_path / "out", ["docx"], templates=mine.parent, cache=False)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b"<w:p><w:r><w:t>{{p forslag.tekst </w:t>"
                                    b"</w:r></w:p></w:body>")
            dst.writestr(item, data)
    (mine / "forslag.docx").write_bytes(broken.getvalue())
    with pytest.raises(FormError, match="forslag.docx: "):
        build(content, tmp_path / "out", ["docx"], templates=mine.parent, cache=False)


# -- the look ------------------------------------------------------------------------------


def _colour(style: Any) -> str | None:
    color = style.element.find(f"{W}rPr/{W}color")
    return None if color is None else color.get(qn("w:val"))


def test_the_accent_colours_headings_and_table_headers_in_both_kinds_of_file(
        tmp_path: Path) -> None:
    content = small_content(tmp_path, 'look:\n  accent: "#7a1f3d"\n  font: Source Sans 3\n')
    build(content, tmp_path / "out", ["docx"], cache=False)
    for path in (tmp_path / "out" / "katalog.docx", tmp_path / "out" / "docx" / "A1.docx"):
        data = path.read_bytes()
        doc = docx.Document(io.BytesIO(data))
        for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "TOC Heading",
                     "Tabeltitel", "Hyperlink"):
            assert _colour(doc.styles[name]) == "7A1F3D", (path.name, name)
        table = doc.styles["Katalogtabel"].element
        first = next(p for p in table.findall(f"{W}tblStylePr") if p.get(qn("w:type")) ==
                     "firstRow")
        assert first.find(f"{W}tcPr/{W}shd").get(qn("w:fill")) == "7A1F3D"
        assert first.find(f"{W}rPr/{W}color").get(qn("w:val")) == "FFFFFF"
        styles = part(data, "word/styles.xml")
        assert "1B4B72" not in styles.upper()  # no leftover default blue
        for name in ("Heading 1", "Heading 2", "Heading 3", "Title"):  # nor a theme's
            style = doc.styles[name]
            linked = style.element.find(f"{W}link")
            for el in (style.element, doc.styles.element.find(
                    f"{W}style[@{W}styleId='{linked.get(qn('w:val'))}']")):
                assert el.find(f"{W}rPr/{W}color").get(qn("w:val")) == "7A1F3D", name
                assert el.find(f"{W}rPr/{W}color").get(qn("w:themeColor")) is None
        fonts = set(re.findall(r'w:ascii="([^"]+)"', styles))
        assert fonts == {"Source Sans 3"}


def test_without_a_look_the_default_accent_is_the_sites(tmp_path: Path) -> None:
    from katalog.render.chart import DEFAULT_ACCENT

    doc = docx.Document(str(WORD / "katalog.docx"))
    assert _colour(doc.styles["Heading 1"]) == DEFAULT_ACCENT.lstrip("#").upper()


PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201ab1e6e0c0000000049454e44ae426082")


@dataclasses.dataclass(frozen=True)
class _WithContent(Options):
    """Options as the lead will extend them: the content folder (for look.logo)."""

    content: Path | None = None


def _catalogue_of(plan: Any) -> bytes:
    """Run a Word plan by hand (no pool, no cache): katalog.docx's bytes."""
    outputs: dict[Any, bytes] = {}

    def made(job: Any) -> bytes:
        if job not in outputs:
            from katalog.render.plan import Inputs

            inputs = Inputs([made(d) for d in job.deps]) if job.takes_inputs else None
            outputs[job] = job.run(inputs)
        return outputs[job]

    artifact = next(a for a in plan.artifacts if a.path == "katalog.docx")
    data = made(artifact.job)
    return piece(data, artifact.part) if artifact.part is not None else data


@pytest.mark.parametrize("logo", ["logo.png", "logo.svg"])
def test_the_logo_is_on_the_cover(tmp_path: Path, logo: str) -> None:
    extra = f"look:\n  logo: {logo}\n"
    content = small_content(tmp_path, extra)
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
           b'<rect width="200" height="100" fill="#7a1f3d"/></svg>')
    (content / logo).write_bytes(PNG_1x1 if logo.endswith(".png") else svg)
    checked = check(content)
    assert checked.ok, checked.report
    opts = _WithContent(TemplateSet.create(), checked.catalogue.settings.date, content)
    data = _catalogue_of(plan_docx(checked.catalogue, checked.totals, opts))
    document = part(data, "word/document.xml")
    cover = document[:document.index("Indhold")]
    assert cover.count("<w:drawing>") == 1 and 'descr="Testby Kommunes logo"' in cover
    media = [n for n in names(data) if n.startswith("word/media/")]
    rels = part(data, "word/_rels/document.xml.rels")
    types = part(data, "[Content_Types].xml")
    if logo.endswith(".png"):  # the logo, then the overview chart
        assert media == ["word/media/katalog1.png", "word/media/katalog2.png"]
    else:  # the SVG for Word 2016+, a PNG made from it for everything else; the chart
        assert media == ["word/media/katalog1.png", "word/media/katalog2.svg",
                         "word/media/katalog3.png"]
        assert "svgBlip" in cover
        png = zipfile.ZipFile(io.BytesIO(data)).read("word/media/katalog1.png")
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    for name in media:
        assert f'Target="media/{name.rsplit("/", 1)[1]}"' in rels
        assert f'PartName="/{name}"' in types
    docx.Document(io.BytesIO(data))  # python-docx reads it back


def test_a_logo_word_cannot_show_is_a_notice_not_a_failure(tmp_path: Path) -> None:
    content = small_content(tmp_path, "look:\n  logo: logo.png\n")
    (content / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"cut short")  # checks as PNG
    checked = check(content)
    assert checked.ok
    opts = _WithContent(TemplateSet.create(), None, content)
    plan = plan_docx(checked.catalogue, checked.totals, opts)
    assert [n.message for n in plan.notices] == [
        "logoet logo.png kan ikke vises i Word: ikke en gyldig PNG-fil"]
    assert "<w:drawing>" not in part(_catalogue_of(plan), "word/document.xml")[:3000]


# -- the overview chart ----------------------------------------------------------------------


def test_the_overview_chart_is_a_picture_with_alt_text_above_the_table(tmp_path: Path) -> None:
    from katalog.render.chart import overview_alt, overview_png

    content = small_content(tmp_path)
    result = build(content, tmp_path / "out", ["docx"], cache=False)
    assert "docx oversigtsdiagram" in result.made
    data = (tmp_path / "out" / "katalog.docx").read_bytes()
    checked = check(content)
    alt = overview_alt(checked.catalogue, checked.totals)
    doc = docx.Document(io.BytesIO(data))
    body = list(doc.element.body)
    texts = ["".join(t.text or "" for t in b.iter(qn("w:t"))) for b in body]
    heading = next(i for i, b in enumerate(body) if texts[i] == "Oversigt over temaer"
                   and b.find(f"{W}pPr/{W}pStyle").get(qn("w:val")) == "Heading1")
    picture = body[heading + 1]
    doc_pr = picture.find(f".//{{http://schemas.openxmlformats.org/drawingml/2006/"
                          f"wordprocessingDrawing}}docPr")
    assert doc_pr is not None and doc_pr.get("descr") == alt
    assert texts[heading + 2].startswith("Oversigt over temaer (")  # the table's caption
    rid = picture.find(".//{http://schemas.openxmlformats.org/drawingml/2006/main}blip").get(
        qn("r:embed"))
    assert doc.part.related_parts[rid].blob == overview_png(checked.catalogue, checked.totals)


def test_the_chart_is_drawn_once_and_cached(tmp_path: Path) -> None:
    content = small_content(tmp_path)
    first = build(content, tmp_path / "out", ["docx"])
    again = build(content, tmp_path / "out", ["docx"])
    assert "docx oversigtsdiagram" in first.made
    assert "docx oversigtsdiagram" not in again.made  # (the whole catalogue came from the cache)
    assert "katalog.docx" in again.reused
    # a new title changes the catalogue but not the chart's numbers: the chart is reused
    path = content / "proposals" / "A1.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Samling af administration", "Samling af hele administrationen"), encoding="utf-8")
    edited = build(content, tmp_path / "out", ["docx"])
    assert "katalog.docx" in edited.made
    assert "docx oversigtsdiagram" in edited.reused


def test_same_bytes_with_chart_logo_and_look(tmp_path: Path) -> None:
    extra = 'look:\n  accent: "#7a1f3d"\n  logo: logo.png\n'
    made = []
    for n in (1, 2):
        content = small_content(tmp_path / str(n), extra)
        (content / "logo.png").write_bytes(PNG_1x1)
        checked = check(content)
        opts = _WithContent(TemplateSet.create(), checked.catalogue.settings.date, content)
        made.append(_catalogue_of(plan_docx(checked.catalogue, checked.totals, opts)))
    assert made[0] == made[1]


def test_example_builds_with_the_example_s_own_content(tmp_path: Path) -> None:
    """The example (intro, allocation, decisions) builds and python-docx reads every file."""
    build(EXAMPLE, tmp_path / "out", ["docx"], cache=False)
    for path in [tmp_path / "out" / "katalog.docx", *(tmp_path / "out" / "docx").glob("*")]:
        docx.Document(str(path))


def test_libreoffice_shows_the_logo_and_the_chart(tmp_path: Path) -> None:
    """LibreOffice reads the pictures katalog writes: converted to PDF, the cover carries the
    logo and the overview page the chart (pdfimages lists them by page)."""
    from conftest import require_program

    soffice = require_program("soffice", "libreoffice")
    pdfimages = require_program("pdfimages")
    content = small_content(tmp_path, "look:\n  logo: logo.svg\n")
    (content / "logo.svg").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
        b'<rect width="200" height="100" fill="#7a1f3d"/></svg>')
    checked = check(content)
    opts = _WithContent(TemplateSet.create(), checked.catalogue.settings.date, content)
    (tmp_path / "k.docx").write_bytes(
        _catalogue_of(plan_docx(checked.catalogue, checked.totals, opts)))
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tmp_path / "k.docx")], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path)})
    listed = subprocess.run([pdfimages, "-list", str(tmp_path / "k.pdf")], check=True,
                            capture_output=True, text=True).stdout.splitlines()[2:]
    pages = sorted({int(line.split()[0]) for line in listed})
    assert pages[:1] == [1] and len(pages) >= 2  # the logo on the cover, the chart later
