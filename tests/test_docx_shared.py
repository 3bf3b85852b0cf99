"""Each proposal's content made once for katalog.docx and its attachment (render/docx/
fragment.py `keep`/`outline`/`Agreement`, form_fields.py `Shared`, form.py's check of a body
with its blocks set aside): the attachment filled from the catalogue's recording is, byte
for byte, the attachment made anew, for the default form, a form using every field and a
form whose styles differ from the template's; and the catalogue's recording is the same
with or without keeping its pieces."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from functools import partial
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from conftest import EXAMPLE, ROOT
from katalog.pipeline import check
from katalog.render.docx.compose import proposal_parts
from katalog.render.docx.form import Form
from katalog.render.docx.form_fields import Shared
from katalog.render.docx.fragment import Agreement, Outline, record
from katalog.render.docx.template import WordTemplate
from test_docx_form import make_form

WORD = ROOT / "templates" / "word"
TEMPLATE = WORD / "katalog.docx"

# a body with everything the converter and the form's sections tell apart: text before the
# first heading, sections and subsections, a heading only inside a quote, lists (nested,
# numbered from 3), links, a table, code, a rule, a section named twice and an empty one
RICH = """Indledende tekst med et [link](https://example.org/a) og **fed** tekst.

- punkt et
  - underpunkt med [samme link](https://example.org/a)
- punkt to

## Beskrivelse

Beskrivelsen. Se <https://example.org/b>.

### Detaljer

3. tredje
4. fjerde

> ### Citat med overskrift
> Citeret tekst.

## Økonomi

| A | B |
|---|--:|
| x | 1 |

## Tom

## Beskrivelse

Anden sektion med samme navn.

    kode

---

## Risikovurdering

1. en
2. to
"""

EVERY_FIELD = (
    "{{ forslag.id }} {{ forslag.titel }}",
    "{{p forslag.indledning }}",
    "{%p for s in forslag.afsnit %}",
    "{{ s.overskrift }}",
    "{{p s.indhold }}",
    "{%p endfor %}",
    "{{p forslag.afsnit['Økonomi'] }}",
    "{{p forslag.øvrige_afsnit('Beskrivelse', 'Økonomi') }}",
    "{{p forslag.tekst }}",
    "{{p forslag.fakta }}",
    "{{p forslag.økonomi }}",
    "{{p forslag.økonomitabel }}",
    "{{p forslag.fordeling }}",
    "{{p forslag.hørt }}",
    "{{p forslag.høring }}",
    "{{p forslag.opfølgning }}",
    "{%p for l in forslag.linjer %}",
    "{{ l.tekst }}: {{ l.beløb|list|length }}",
    "{%p endfor %}",
)


@pytest.fixture(scope="module")
def example() -> Any:
    return check(EXAMPLE)


def _without_list_styles(doc: Any) -> None:
    """The form's own list styles: its bullet lists look up another style than the
    template's."""
    for style in doc.styles.element.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None and name.get(qn("w:val")).startswith("List Bullet"):
            doc.styles.element.remove(style)


def _narrow(doc: Any) -> None:
    doc.sections[0].left_margin = docx.shared.Cm(5)


def proposals(checked: Any) -> list[Any]:
    """Every proposal of the example, and the first three again with the rich body."""
    cat = checked.catalogue
    return [*cat.proposals, *(dataclasses.replace(p, body=RICH) for p in cat.proposals[:3])]


def fill_both(form_data: bytes, checked: Any) -> tuple[list[bytes], list[bytes], Agreement,
                                                         list[dict[str, Any]]]:
    """Each proposal's attachment filled from the recording (as the build does) and made
    anew, the agreement and what each recording kept; the recordings with and without
    keeping are checked to be the same."""
    cat, totals = checked.catalogue, checked.totals
    template = WordTemplate.load(TEMPLATE.read_bytes(), TEMPLATE, lambda m: None)
    form = Form.load(form_data, "minform.docx")
    agreement = Agreement(template.styles, template.attachment.lists, template.width,
                          form.styles, form.lists, form.width)
    keeping, plain = template.scratch(), template.scratch()
    shared, anew, kept_all = [], [], []
    for p in proposals(checked):
        kept: dict[str, Any] = {}
        build = partial(proposal_parts, p=p, cat=cat, totals=totals, level=2)
        assert record(keeping, build, kept) == record(plain, build)
        kept_all.append(kept)
        shared.append(form.fill(cat, totals, p, cat.settings.date, Shared(kept, agreement)))
        anew.append(form.fill(cat, totals, p, cat.settings.date))
    return shared, anew, agreement, kept_all


def test_the_default_form_filled_from_the_recording_is_the_same_file(example: Any) -> None:
    shared, anew, agreement, kept = fill_both((WORD / "forslag.docx").read_bytes(), example)
    assert shared == anew
    # and the pieces were used: the form's styles agree with the template's
    for k in kept:
        s = Shared(k, agreement)
        assert isinstance(s.outline(), Outline) and s.piece("økonomi") is not None
        assert s.piece("fakta") is not None


def test_a_form_using_every_field_is_the_same_file(example: Any) -> None:
    shared, anew, _, _ = fill_both(make_form(*EVERY_FIELD), example)
    assert shared == anew
    text = zipfile.ZipFile(io.BytesIO(shared[-1])).read("word/document.xml").decode()
    for expected in ("Anden sektion med samme navn", "Citat med overskrift", "tredje",
                     "Beskrivelsen"):
        assert expected in text


@pytest.mark.parametrize("edit", [_without_list_styles, _narrow])
def test_a_form_whose_styles_or_width_differ_is_made_anew(example: Any, edit: Any) -> None:
    form = make_form(*EVERY_FIELD, edit=edit)
    shared, anew, agreement, kept = fill_both(form, example)
    assert shared == anew
    rich = Shared(kept[-1], agreement)
    assert rich.outline() is None  # the body (with lists) is not taken from the recording
    if edit is _narrow:  # no table is either: they are laid out to the text width
        assert rich.piece("økonomi") is None
    else:
        assert rich.piece("økonomi") is not None


def test_a_block_ending_a_table_cell_still_gets_its_paragraph(example: Any) -> None:
    """A block that ends with a table as the last thing in a form's table cell: the body is
    finished whole (the cell gets the paragraph Word needs), as before."""

    def cell_with_field(doc: Any) -> None:
        table = doc.add_table(rows=1, cols=1)
        table.cell(0, 0).paragraphs[0].text = "{{p forslag.hørt }}"

    form = Form.load(make_form("{{ forslag.titel }}", edit=cell_with_field), "minform.docx")
    cat = example.catalogue
    p = next(p for p in cat.proposals if p.consulted)
    data = form.fill(cat, example.totals, p, cat.settings.date)
    body = docx.Document(io.BytesIO(data)).element.body
    outer = body.find(qn("w:tbl"))
    cell = outer.find(f"{qn('w:tr')}/{qn('w:tc')}")
    assert cell.find(qn("w:tbl")) is not None  # the consulted parties' table, in the cell
    assert cell[-1].tag == qn("w:p")


def test_a_misplaced_field_is_still_named(example: Any) -> None:
    from katalog.render.docx.form import FormError

    form = Form.load(make_form("Se: {{ forslag.økonomi }}"), "minform.docx")
    cat = example.catalogue
    with pytest.raises(FormError, match="forslag.økonomi"):
        form.fill(cat, example.totals, cat.proposals[0], cat.settings.date)
