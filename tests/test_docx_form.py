"""The municipality's own proposal form (render/docx/form.py, form_fields.py, form_default.py):
the default form like seed 000, every field filled and escaped, tables built by katalog,
Danish messages for broken forms, same bytes, and LibreOffice read-back."""

from __future__ import annotations

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
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.shared import RGBColor

from conftest import EXAMPLE, ROOT, SMALL, require_program, write_tree
from katalog.numbers import format_exact
from katalog.pipeline import check
from katalog.render.docx.form import FORM, Form, FormError, fill_form, fill_forms, find_form
from katalog.render.docx.form_default import default_form
from katalog.render.docx.template import clear_body
from katalog.render.view import economy_table

WORD = ROOT / "templates" / "word"
DEFAULT = WORD / "forslag.docx"


@pytest.fixture(scope="module")
def example() -> Any:
    return check(EXAMPLE)


def read(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def texts(doc: Any) -> list[str]:
    return [p.text for p in doc.paragraphs]


def cells(table: Any) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def make_form(*paragraphs: str, base: Path = WORD / "katalog.docx",
              edit: Any = None) -> bytes:
    """A form: `base`'s styles, header and footer with these paragraphs as its body."""
    doc = docx.Document(str(base))
    clear_body(doc)
    for text in paragraphs:
        doc.add_paragraph(text)
    if edit:
        edit(doc)
    raw = io.BytesIO()
    doc.save(raw)
    return raw.getvalue()


def fill(form: bytes, checked: Any, pid: str, name: str = "minform.docx") -> bytes:
    cat = checked.catalogue
    p = next(p for p in cat.proposals if p.id == pid)
    return fill_form(form, name, cat, checked.totals, p, cat.settings.date)


def part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name).decode("utf-8")


# -- the default form ----------------------------------------------------------------------


def test_the_committed_form_is_what_make_form_writes(tmp_path: Path) -> None:
    made = default_form((WORD / "katalog.docx").read_bytes())
    assert made == default_form((WORD / "katalog.docx").read_bytes())
    assert DEFAULT.read_bytes() == made, "run templates/word/make_form.py and commit"
    subprocess.run([sys.executable, str(WORD / "make_form.py")], check=True,
                   capture_output=True, cwd=tmp_path)
    assert DEFAULT.read_bytes() == made


def test_default_form_has_seed_000s_structure(example: Any) -> None:
    doc = read(fill(DEFAULT.read_bytes(), example, "ADM-01"))
    cat = example.catalogue
    p = next(p for p in cat.proposals if p.id == "ADM-01")
    lines = texts(doc)
    assert lines[0] == f"ADM-01 {p.title}"
    assert f"Kort resumé: {p.summary}" in lines
    headings = [x.text for x in doc.paragraphs if x.style.name == "Heading 2"]
    assert headings == ["1. Beskrivelse af forslaget", "2. Økonomiske konsekvenser",
                        "3. Implementering og opfølgning", "4. Risikovurdering",
                        "5. Hvem er hørt?", "6. Bemærkninger fra MED-systemet"]
    facts = cells(doc.tables[0])
    assert facts[0] == ["Fremstillende forvaltning", "Socialforvaltningen"]
    # ADM-01 was adopted by the example's council (decision 8.10.2026): status vedtaget
    assert ["Type", "Investering"] in facts and ["Status", "Vedtaget"] in facts
    assert "Tabel 1. Forslagets samlede økonomiske konsekvenser (1.000 kr., 2027 p/l)" \
        in [t.replace("\u00a0", " ") for t in lines]
    # each body section once, in its place; sections the form does not name go under 1.
    order = [lines.index(h) for h in headings]
    beskrivelse = next(i for i, t in enumerate(lines) if t.startswith("Socialforvaltningen har"))
    risiko = next(i for i, t in enumerate(lines) if t.startswith("Risikoen vurderes"))
    konsekvenser = lines.index("Konsekvenser for borgere og medarbejdere")
    assert order[0] < beskrivelse < konsekvenser < order[1] < order[3] < risiko < order[4]
    assert sum(t.startswith("Risikoen vurderes") for t in lines) == 1
    assert doc.paragraphs[konsekvenser].style.name == "Heading 3"
    assert not any("{{" in t or "{%" in t for t in lines)
    header = doc.sections[0].header.paragraphs[0].text
    assert header == f"Eksempel Kommune · ADM-01 {p.title}"


def test_economy_table_is_a_real_table_with_the_computed_totals(example: Any) -> None:
    data = fill(DEFAULT.read_bytes(), example, "ADM-01")
    doc = read(data)
    pt = example.totals.proposals["ADM-01"]
    years = example.catalogue.settings.years
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Linje")
    assert table.style.name == "Katalogtabel"
    head = table.rows[0]._tr
    assert head.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None  # repeated header
    rows = {r.cells[0].text: r for r in table.rows}
    total = rows["Samlet økonomisk påvirkning"]
    assert [c.text for c in total.cells[2:]] == [format_exact(pt.total.get(y)) for y in years]
    assert all(run.bold for c in total.cells for p in c.paragraphs for run in p.runs)
    amount = total.cells[2].paragraphs[0]
    assert amount.style.name == "Tal" and amount.style.paragraph_format.alignment == 2  # right
    assert "Tilbagebetalingstid (totaløkonomi): 2 år" in texts(doc)
    followup = next(t for t in doc.tables if t.rows[0].cells[0].text == "Opfølgningsmål")
    assert len(followup.rows) == 1 + 3
    heard = next(t for t in doc.tables if t.rows[0].cells[0].text == "Part"
                 and len(t.columns) == 4)
    assert cells(heard)[1][:3] == ["Økonomiforvaltningen, Center for Økonomi", "Ja",
                                   "19. juni 2026"]
    # hearing comments: the committee a heading above its comment (Markdown converted)
    lines = [(p.text, p.style.name) for p in doc.paragraphs]
    at = lines.index(("HovedMED Socialforvaltningen", "Heading 3"))
    assert lines[at - 1][0] == "6. Bemærkninger fra MED-systemet" or \
        lines[at - 1][1] == "Heading 3"
    assert lines[at + 1][1] == "Normal" and lines[at + 1][0]


def test_lists_and_links_get_this_documents_numbering_and_relationships(
        tmp_path: Path) -> None:
    files = dict(SMALL)
    files["proposals/A1.md"] = SMALL["proposals/A1.md"].replace(
        "        Tekst.\n",
        "        ## Beskrivelse\n\n        Se [planen](https://example.org/plan?a=1&b=2).\n\n"
        "        1. et\n        2. to\n\n        - punkt\n")
    checked = check(write_tree(tmp_path / "c", files))
    assert not checked.report.errors
    data = fill(DEFAULT.read_bytes(), checked, "A1")
    rels = part(data, "word/_rels/document.xml.rels")
    assert 'Target="https://example.org/plan?a=1&amp;b=2"' in rels
    document = part(data, "word/document.xml")
    numbering = part(data, "word/numbering.xml")
    used = set(re.findall(r'<w:numId w:val="(\d+)"/>', document))
    defined = set(re.findall(r'<w:num w:numId="(\d+)"', numbering))
    assert used and used <= defined


def test_content_is_escaped_never_markup(tmp_path: Path) -> None:
    files = dict(SMALL)
    files["proposals/A1.md"] = SMALL["proposals/A1.md"].replace(
        "title: Samling af administration",
        "title: 'Samling </w:t></w:r><w:r><w:t>& {{ 7*7 }} \"x\"'").replace(
        "summary: Administrationen samles.", "summary: '<w:p/> ]]> {%p if x %}'").replace(
        "        Tekst.\n", "        ## Beskrivelse\n\n        <w:p><w:r><w:t>rå</w:t></w:r></w:p>"
        " <script>alert(1)</script> {{ forslag.id }}\n")
    checked = check(write_tree(tmp_path / "c", files))
    assert not checked.report.errors
    doc = read(fill(DEFAULT.read_bytes(), checked, "A1"))
    lines = texts(doc)
    assert lines[0] == 'A1 Samling </w:t></w:r><w:r><w:t>& {{ 7*7 }} "x"'
    assert "Kort resumé: <w:p/> ]]> {%p if x %}" in lines
    body = next(t for t in lines if "forslag.id" in t)
    assert "rå" in body and "{{ forslag.id }}" in body and "alert" not in body


# -- another municipality's form ------------------------------------------------------------


def _own_look(doc: Any) -> None:
    """Another municipality's look: its own table style, header, and a table it lays out."""
    style = doc.styles.add_style("Kommunetabel", WD_STYLE_TYPE.TABLE)
    style.font.color.rgb = RGBColor(0x7A, 0x1F, 0x3D)
    header = doc.sections[0].header.paragraphs[0]
    header.text = "{{ katalog.organisation }} – sag {{ forslag.id }}"
    table = doc.add_table(rows=4, cols=3)
    table.style = style
    for row, texts_ in zip(table.rows, (
            ("Post", "Område", "2028"), ("{%tr for r in forslag.økonomi %}", "", ""),
            ("{{ r.tekst }}", "{{ r.område }}", "{{ r.beløb[2028] }}"),
            ("{%tr endfor %}", "", ""))):
        for cell, text in zip(row.cells, texts_):
            cell.text = text


def test_a_different_form_with_its_own_table_style_and_loops(example: Any) -> None:
    form = make_form(
        "Sag {{ forslag.id }}: {{ forslag.titel|upper }}",
        "{%p for a in forslag.afsnit %}",
        "Afsnit: {{ a.overskrift }}",
        "{%p endfor %}",
        "{{p forslag.økonomi|tabelstil('Kommunetabel') }}",
        "Beløb 2029: {{ forslag.beløb[2029] }} – {{ katalog.enhed_og_prisniveau }}",
        edit=_own_look)
    data = fill(form, example, "ADM-01")
    doc = read(data)
    lines = texts(doc)
    p = next(p for p in example.catalogue.proposals if p.id == "ADM-01")
    assert lines[0] == f"Sag ADM-01: {p.title.upper()}"
    assert [t for t in lines if t.startswith("Afsnit: ")] == [
        "Afsnit: Beskrivelse", "Afsnit: Økonomi", "Afsnit: Implementering",
        "Afsnit: Konsekvenser for borgere og medarbejdere", "Afsnit: Risikovurdering"]
    assert "Beløb 2029: -13.000 – 1.000 kr., 2027 p/l" in [t.replace("\u00a0", " ")
                                                          for t in lines]
    katalogs, laid_out = doc.tables  # katalog's table in the form's style, and its own
    assert katalogs.rows[0].cells[0].text == "Linje"
    assert katalogs.style.name == laid_out.style.name == "Kommunetabel"
    table = economy_table(p, example.totals.proposals[p.id], example.catalogue.settings)
    assert len(table.rows) > 10  # the rows of katalog's table, subtotals included
    assert cells(laid_out)[1:] == [[r.label, r.area, r.cells[1]] for r in table.rows]
    assert doc.sections[0].header.paragraphs[0].text == "Eksempel Kommune – sag ADM-01"


def test_a_form_without_katalogs_styles_works_and_says_what_is_missing(example: Any) -> None:
    plain = io.BytesIO()
    docx.Document().save(plain)  # python-docx's own template: no Tal, Tabeltekst, Note, …
    form = _plain_form(plain.getvalue())
    cat = example.catalogue
    warnings: list[str] = []
    p = next(p for p in cat.proposals if p.id == "ADM-01")
    data = fill_form(form, "plain.docx", cat, example.totals, p, cat.settings.date,
                     warnings.append)
    assert any("'Tal'" in w for w in warnings) and any("'Tabeltekst'" in w for w in warnings)
    doc = read(data)
    assert any(t.rows[0].cells[0].text == "Linje" for t in doc.tables)


def _plain_form(template: bytes) -> bytes:
    doc = docx.Document(io.BytesIO(template))
    clear_body(doc)
    doc.add_paragraph("{{ forslag.titel }}")
    doc.add_paragraph("{{p forslag.økonomi }}")
    doc.add_paragraph("{{p forslag.tekst }}")
    raw = io.BytesIO()
    doc.save(raw)
    return raw.getvalue()


# -- broken forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(("paragraph", "message"), [
    ("Titel: {{ forslag.titel ", "skrivefejl i en Jinja-kode"),
    ("Titel: {{ forslag.titel|versaler }}", "ukendt filter 'versaler'"),
    ("{%p if forslag.type %}", "mangler sin afslutning"),
    ("{% gentag %}", "ukendt kommando 'gentag'"),
])
def test_a_form_with_a_jinja_error_names_the_form_and_the_place(
        example: Any, paragraph: str, message: str) -> None:
    form = make_form("Første afsnit", "Andet afsnit", paragraph, "Sidste afsnit")
    with pytest.raises(FormError) as caught:
        fill(form, example, "ADM-01", name="skabeloner/word/forslag.docx")
    text = str(caught.value)
    assert text.startswith("skabeloner/word/forslag.docx: ") and message in text
    if "mangler" not in message:
        assert f"afsnit 3 (»{paragraph.strip()}" in text, text


@pytest.mark.parametrize(("paragraph", "message"), [
    ("Titel: {{ forslag.titl }}", "ukendt felt 'titl' – se listen over felter i "
                                  "docs/word-form.md i brødteksten, afsnit 2 (»Titel: "
                                  "{{ forslag.titl }}«) (forslag ADM-01)"),
    ("{{ kataloget.titel }}", "ukendt felt 'kataloget'"),
    ("Tabel midt i teksten: {{ forslag.økonomi }}",
     "feltet forslag.økonomi giver tabeller eller flere afsnit og skal stå alene i sit eget "
     "afsnit som {{p forslag.økonomi }} (forslag ADM-01)"),
    ("{{p forslag.resume }}", "står uden for et afsnit"),
    ("{{p forslag.økonomi|tabelstil('Findes ikke') }}",
     "formularen har ingen tabeltypografi med navnet 'Findes ikke'"),
    ("{{ forslag.__class__ }}", "fejl under udfyldningen"),
    ("{{ forslag.emner.append('x') }}", "fejl under udfyldningen"),
])
def test_a_field_error_is_a_danish_message_at_filling(
        example: Any, paragraph: str, message: str) -> None:
    form = make_form("Første afsnit", paragraph)
    with pytest.raises(FormError) as caught:
        fill(form, example, "ADM-01")
    assert str(caught.value).startswith("minform.docx: ")
    assert message in str(caught.value), str(caught.value)


def test_a_field_error_in_the_header_says_so(example: Any) -> None:
    def header(doc: Any) -> None:
        doc.sections[0].header.paragraphs[0].text = "{{ forslag.ukendt }}"

    with pytest.raises(FormError, match="ukendt felt 'ukendt'.* i sidehovedet"):
        fill(make_form("Tekst", edit=header), example, "ADM-01")


def test_a_file_that_is_not_a_form(example: Any) -> None:
    with pytest.raises(FormError, match="^Word-formularen minform.docx kan ikke åbnes"):
        fill(b"ikke en docx", example, "ADM-01")


# -- bytes and batches -----------------------------------------------------------------------


def test_same_bytes_and_dated_by_the_catalogue(example: Any) -> None:
    first = fill(DEFAULT.read_bytes(), example, "ADM-01")
    assert fill(DEFAULT.read_bytes(), example, "ADM-01") == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == {(2026, 9, 1, 0, 0, 0)}
    props = read(first).core_properties
    assert props.title.startswith("ADM-01 ") and props.author == "Eksempel Kommune"
    assert "updateFields" not in part(first, "word/settings.xml")


def test_fill_forms_prepares_once_and_gives_the_same_files(example: Any) -> None:
    cat = example.catalogue
    batch = dict(fill_forms(DEFAULT.read_bytes(), str(DEFAULT), cat, example.totals,
                            cat.proposals, cat.settings.date))
    assert list(batch) == [p.id for p in cat.proposals]
    for p in cat.proposals[:3] + cat.proposals[-2:]:
        assert batch[p.id] == fill(DEFAULT.read_bytes(), example, p.id)


def test_find_form_takes_the_first_folder_that_has_one(tmp_path: Path) -> None:
    own = tmp_path / "own"
    assert find_form([own, ROOT / "templates"]) == ROOT / "templates" / FORM
    (own / "word").mkdir(parents=True)
    (own / FORM).write_bytes(b"x")
    assert find_form([own, ROOT / "templates"]) == own / FORM


def test_the_form_is_prepared_once(example: Any) -> None:
    form = Form.load(DEFAULT.read_bytes(), "forslag.docx")
    cat = example.catalogue
    a = form.fill(cat, example.totals, cat.proposals[0], cat.settings.date)
    b = form.fill(cat, example.totals, cat.proposals[1], cat.settings.date)
    assert a != b and form.fill(cat, example.totals, cat.proposals[0], cat.settings.date) == a


# -- LibreOffice read-back -------------------------------------------------------------------


def test_libreoffice_opens_filled_forms(example: Any, tmp_path: Path) -> None:
    soffice = require_program("soffice", "libreoffice")
    pdftotext = require_program("pdftotext")
    other = make_form("Sag {{ forslag.id }}", "{{p forslag.økonomi|tabelstil('Kommunetabel') }}",
                      edit=_own_look)
    made = {"default": fill(DEFAULT.read_bytes(), example, "ADM-01"),
            "other": fill(other, example, "SER-02")}
    for name, data in made.items():
        (tmp_path / f"{name}.docx").write_bytes(data)
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path),
                    *(str(tmp_path / f"{n}.docx") for n in made)],
                   check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path)})
    text = {n: " ".join(subprocess.run([pdftotext, "-layout", str(tmp_path / f"{n}.pdf"), "-"],
                                       check=True, capture_output=True, text=True)
                        .stdout.split()) for n in made}
    pt = example.totals.proposals["ADM-01"]
    years = example.catalogue.settings.years
    assert "ADM-01 Samling af Socialforvaltningens" in text["default"]
    assert "Samlet økonomisk påvirkning " + " ".join(
        format_exact(pt.total.get(y)) for y in years) in text["default"]
    assert "5. Hvem er hørt?" in text["default"] and "Side 1 af" in text["default"]
    assert "Sag SER-02" in text["other"] and "Tabel 1. Forslagets samlede" in text["other"]


def test_docs_list_every_field(example: Any) -> None:
    """docs/word-form.md lists exactly the fields the form gets."""
    from katalog.render.docx.form_fields import catalogue_fields, proposal_fields
    from katalog.render.docx.template import WordTemplate

    doc = (ROOT / "docs" / "word-form.md").read_text(encoding="utf-8")
    listed: dict[str, set[str]] = {}
    for section in ("forslag", "katalog"):
        block = doc.split(f"### `{section}`")[1].split("\n\n")[1]
        names = set()
        for row in block.splitlines()[2:]:
            for name in re.findall(r"`([^`]+)`", row.split("|")[1]):
                names.add(re.split(r"[\[(]", name)[0])
        listed[section] = names
    template = WordTemplate.load((WORD / "katalog.docx").read_bytes(), WORD / "katalog.docx",
                                 lambda m: None)
    cat = example.catalogue
    fields = proposal_fields(template.scratch(), cat.proposals[0], cat, example.totals)
    assert listed["forslag"] == set(fields)
    assert listed["katalog"] == set(catalogue_fields(cat, cat.settings.date))


def test_line_breaks_in_a_value_become_line_breaks(tmp_path: Path) -> None:
    files = dict(SMALL)
    files["proposals/A1.md"] = SMALL["proposals/A1.md"].replace(
        "summary: Administrationen samles.", "summary: \"Første linje\\nanden linje\"")
    checked = check(write_tree(tmp_path / "c", files))
    data = fill(make_form("Resumé: {{ forslag.resume }}"), checked, "A1")
    assert "<w:br/>" in part(data, "word/document.xml")
    assert texts(read(data))[0] == "Resumé: Første linje\nanden linje"


def test_a_form_saved_by_libreoffice_still_fills(example: Any, tmp_path: Path) -> None:
    """The default form after a round trip through LibreOffice, as a municipality edits it;
    the form itself opens there too (its fields show as text)."""
    soffice = require_program("soffice", "libreoffice")
    pdftotext = require_program("pdftotext")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "saved"),
                    str(DEFAULT)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path)})
    saved = (tmp_path / "saved" / "forslag.docx").read_bytes()
    assert saved != DEFAULT.read_bytes()
    doc = read(fill(saved, example, "ADM-01"))
    assert texts(doc)[0].startswith("ADM-01 Samling af Socialforvaltningens")
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 2"][4] == \
        "5. Hvem er hørt?"
    assert any(t.rows[0].cells[0].text == "Linje" for t in doc.tables)
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(DEFAULT)],
                   check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path)})
    text = subprocess.run([pdftotext, str(tmp_path / "forslag.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "{{ forslag.id }} {{ forslag.titel }}" in text
    assert "2. {{ etiketter.economy }}" in text
