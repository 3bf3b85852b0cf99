"""The default proposal form, made from a Word template's look: `templates/word/forslag.docx`
is `default_form(katalog.docx)` (templates/word/make_form.py writes it; a test checks the
committed file is the generator's output).

The structure follows a real municipal proposal form (seed 000): title, "Kort resumé", a
facts table (Fremstillende forvaltning, tema, status, type), then numbered sections:
1. Beskrivelse, 2. Økonomiske konsekvenser with "Tabel 1", 3. Implementering og opfølgning
(table), 4. Risikovurdering, 5. Hvem er hørt? (table), 6. Bemærkninger fra MED-systemet
(table). The headings and labels katalog.docx also shows are the catalogue's labels
(`{{ etiketter.economy }}`, …), so the attachment says what the catalogue says.
Every paragraph uses the template's own styles, so a municipality that restyles
katalog.docx gets a form in the same look (`default_form(their_template)`).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn

from .package import normalise_zip
from .template import as_document, clear_body

WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

# (heading, the body's own section shown first, what follows it, text when there is nothing)
SECTIONS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("1. Beskrivelse af forslaget", "Beskrivelse",
     ("{{p forslag.øvrige_afsnit('Beskrivelse', 'Økonomi', 'Implementering', "
      "'Risikovurdering') }}",), ""),
    ("2. {{ etiketter.economy }}", "Økonomi",
     ("{{p forslag.økonomi }}", "{{p forslag.fordeling }}"), ""),
    ("3. {{ etiketter.followup }}", "Implementering", (), ""),
    ("4. Risikovurdering", "Risikovurdering", (),
     "Forvaltningen har ikke beskrevet særlige risici ved forslaget."),
)
# (heading, field, text when the proposal has none)
TABLES = (
    ("5. {{ etiketter.consulted }}", "forslag.hørt", "Der er ikke anført parter, som forslaget har været "
     "forelagt."),
    ("6. {{ etiketter.hearing }}", "forslag.høring", "Der er ikke modtaget bemærkninger "
     "fra MED-systemet."),
)
FACTS = (
    ("Fremstillende forvaltning", "{{ forslag.forvaltning }}", ""),
    ("{{ etiketter.theme }}", "{{ forslag.tema_nummer }}. {{ forslag.tema }}", ""),
    ("{{ etiketter.status }}", "{{ forslag.status }}{% if not forslag.tæller_med %} "
     "({{ etiketter.not_counted }}){% endif %}", ""),
    ("{{ etiketter.kind }}", "{{ forslag.type }}", "forslag.type"),
    ("{{ etiketter.tags }}", "{{ forslag.emner|join(', ') }}", "forslag.emner"),
)


def _style(doc: Any, name: str, kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH) -> str | None:
    """`name` when the template has the style, else None (the default style is used)."""
    try:
        return str(doc.styles[name].name) if doc.styles[name].type == kind else None
    except KeyError:
        return None


def _facts(doc: Any) -> None:
    rows = []
    for label, value, condition in FACTS:
        if condition:
            rows += [(f"{{%tr if {condition} %}}", ""), (label, value), ("{%tr endif %}", "")]
        else:
            rows.append((label, value))
    table = doc.add_table(rows=len(rows), cols=2)
    style = _style(doc, "Katalogtabel", WD_STYLE_TYPE.TABLE)
    if style:
        table.style = doc.styles[style]
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None:  # no header row: the first row is a fact like the others
        look.set(qn("w:val"), "0400")
        look.set(qn("w:firstRow"), "0")
    cell_style = _style(doc, "Tabeltekst")
    for row, (label, value) in zip(table.rows, rows):
        for cell, text, bold in ((row.cells[0], label, True), (row.cells[1], value, False)):
            paragraph = cell.paragraphs[0]
            if cell_style:
                paragraph.style = doc.styles[cell_style]
            paragraph.add_run(text).bold = bold and not text.startswith("{%")
    section = doc.sections[-1]
    full = int((section.page_width - section.left_margin - section.right_margin) / 635)
    widths = (full * 7 // 20, full - full * 7 // 20)  # twips, label column 35 %
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(width))
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width * 635


def _if(doc: Any, field: str, shown: tuple[str, ...], otherwise: str, normal: str) -> None:
    if not otherwise:
        for text in shown:
            doc.add_paragraph(text, style=normal)
        return
    doc.add_paragraph(f"{{%p if {field} %}}", style=normal)
    for text in shown:
        doc.add_paragraph(text, style=normal)
    doc.add_paragraph("{%p else %}", style=normal)
    doc.add_paragraph(otherwise, style=normal)
    doc.add_paragraph("{%p endif %}", style=normal)


def fill_body(doc: Any) -> None:
    """Write the form's content (Jinja fields in the template's styles) into `doc`."""
    normal = _style(doc, "Normal") or "Normal"
    heading1 = _style(doc, "Heading 1") or normal
    heading2 = _style(doc, "Heading 2") or normal
    doc.add_paragraph("{{ forslag.id }} {{ forslag.titel }}", style=heading1)
    doc.add_paragraph("Forslag til {{ katalog.titel }} · {{ katalog.organisation }}",
                      style=_style(doc, "Note") or normal)
    summary = doc.add_paragraph(style=normal)
    summary.add_run("{{ etiketter.summary }}: ").bold = True
    summary.add_run("{{ forslag.resume }}")
    _facts(doc)
    for title, section, more, otherwise in SECTIONS:
        doc.add_paragraph(title, style=heading2)
        field = f"forslag.afsnit['{section}']"
        _if(doc, field, (f"{{{{p {field} }}}}",), otherwise, normal)
        for text in more:
            doc.add_paragraph(text, style=normal)
        if section == "Implementering":
            _if(doc, "forslag.opfølgning", ("{{p forslag.opfølgning }}",),
                "Der er endnu ikke fastsat mål for opfølgningen.", normal)
    for title, field, otherwise in TABLES:
        doc.add_paragraph(title, style=heading2)
        _if(doc, field, (f"{{{{p {field} }}}}",), otherwise, normal)


def default_form(template: bytes) -> bytes:
    """The default form in the look of the Word template `template` (.docx or .dotx)."""
    import docx

    doc = docx.Document(io.BytesIO(as_document(template)))
    clear_body(doc)
    fill_body(doc)
    for section in doc.sections:  # an attachment's first page has its header and page number
        section.different_first_page_header_footer = False
    props = doc.core_properties
    props.title = "katalog – Word-formular til forslag"
    props.subject = ""
    props.author = "katalog"
    props.last_modified_by = "katalog"
    props.created = props.modified = WHEN
    props.revision = 1
    raw = io.BytesIO()
    doc.save(raw)
    return normalise_zip(raw.getvalue(), WHEN)
