"""render.pdf_layout: one PDF laid out on its own (`render_job`): long tables repeat their
header and never split a row, a stylesheet of one's own restyles everything and still finds
the shipped fonts, and the bytes do not depend on where the templates are."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import SMALL, pdf_pages_text, require_program, write_tree
from katalog.pipeline import check
from katalog.render import pdf, pdf_layout
from katalog.render.templates import TemplateSet

pages_text = pdf_pages_text


LONG = {
    "catalogue.yaml": SMALL["catalogue.yaml"],
    "themes/01-adm.md": SMALL["themes/01-adm.md"],
    "proposals/L1.md": "---\nid: L1\ntitle: Mange linjer\ntheme: administration\n"
    "department: SOF\nsummary: En lang tabel.\neconomy:\n" + "".join(
        f"  - text: Post {i:02d} med en lang tekst der ombrydes over flere linjer i "
        f"tabellen slut{i:02d}\n    area: service\n    group: varig\n"
        f"    amounts: {{2026: -{i}000, 2027: -{i}500}}\n"
        for i in range(1, 61)
    ) + "---\nTekst.\n",
}


def test_long_table_repeats_its_header_and_never_splits_a_row(tmp_path: Path) -> None:
    content = write_tree(tmp_path / "content", LONG)
    checked = check(content)
    assert checked.ok, checked.report
    job = pdf.proposal_job(checked.catalogue, checked.totals, checked.catalogue.proposals[0],
                           TemplateSet.create())
    path = tmp_path / "L1.pdf"
    path.write_bytes(pdf.render_job(job).data)
    pages = pages_text(path)
    with_rows = [n for n, page in enumerate(pages) if "Post " in page]
    assert len(with_rows) >= 2
    for n in with_rows:
        header = [line.split() for line in pages[n].splitlines() if "Styringsområde" in line]
        assert header and header[0][-3:] == ["2026", "2027", "2028"], n
    for i in range(1, 61):
        starts = [n for n, page in enumerate(pages) if f"Post {i:02d} " in page]
        ends = [n for n, page in enumerate(pages) if f"slut{i:02d}" in page]
        assert len(starts) == 1 and starts == ends, i
        row = next(line for line in pages[starts[0]].splitlines() if f"Post {i:02d} " in line)
        assert row.split()[-3:] == [f"-{i}.000", f"-{i}.500", "-"]


def test_restyle_with_css_only(small: Path, tmp_path: Path) -> None:
    """A municipality's own pdf/katalog.css replaces the default and still finds the
    shipped fonts (a relative url to ../fonts/ falls back to the default templates)."""
    own = write_tree(tmp_path / "mine", {"pdf/katalog.css": """
        @font-face { font-family: Egen; src: url(../fonts/DejaVuSans-Bold.ttf); }
        @page { size: A5; @bottom-center { content: "Blad " counter(page); font-family: Egen; } }
        html { font-family: Egen; }
        """})
    checked = check(small)
    job = pdf.catalogue_job(checked.catalogue, checked.totals, TemplateSet.create(own))
    path = tmp_path / "own.pdf"
    path.write_bytes(pdf.render_job(job).data)
    reader = PdfReader(path)
    assert round(float(reader.pages[0].mediabox.width)) == 420  # A5
    assert "Blad 2" in pages_text(path)[1]
    exe = require_program("pdffonts")
    fonts = subprocess.run([exe, str(path)], capture_output=True, text=True,
                           check=True).stdout
    assert "Egen" in fonts and "DejaVu" not in fonts.replace("Egen", "")


def test_same_bytes_wherever_the_templates_live(small: Path, tmp_path: Path) -> None:
    """A copy of the default templates elsewhere (another checkout) gives the same PDF."""
    import shutil

    from katalog.render.templates import default_templates

    copy = tmp_path / "copy"
    shutil.copytree(default_templates(), copy)
    checked = check(small)
    cat, totals = checked.catalogue, checked.totals
    p = cat.proposals[0]
    here = pdf.proposal_job(cat, totals, p, TemplateSet.create())
    there = pdf.proposal_job(cat, totals, p, TemplateSet.create(copy))
    assert here.base_url != there.base_url and here != there  # other cache keys
    assert pdf.render_job(here).data == pdf.render_job(there).data


_LIBS = """
import sys
{load}
print("\\n".join(sorted({{line.split()[-1] for line in open("/proc/self/maps")
                         if ".so" in line and "/python3" not in line
                         and "site-packages" not in line}})))
import ctypes.util
print("restored" if ctypes.util.find_library.__module__ == "ctypes.util" else "patched")
"""


def test_weasyprint_loads_the_same_libraries_found_quickly() -> None:
    """`load_weasyprint` answers WeasyPrint's library search from one `ldconfig -p` listing
    (no gcc or ld runs for names that are not there): the process ends up with the very
    same shared libraries as a plain import, and ctypes' search is put back afterwards."""
    import sys

    if not sys.platform.startswith("linux") or pdf_layout._ldconfig_listing() is None:
        pytest.skip("the quick search needs glibc's ldconfig")

    def libs(load: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", _LIBS.format(load=load)],
                              capture_output=True, text=True, check=True)
        return done.stdout.splitlines()

    plain = libs("import weasyprint")
    quick = libs("from katalog.render import pdf_layout\npdf_layout.load_weasyprint()")
    assert quick[-1] == "restored"
    assert quick[:-1] == plain[:-1]
    assert any("libpango" in lib for lib in quick)


def test_soname_lookup_agrees_with_ctypes() -> None:
    import ctypes.util
    import sys

    listing = pdf_layout._ldconfig_listing()
    if not sys.platform.startswith("linux") or listing is None:
        pytest.skip("needs glibc's ldconfig")
    for name in ("c", "m", "harfbuzz", "pango-1.0", "gobject-2.0", "no-such-library-x"):
        assert pdf_layout._soname(listing, name) == ctypes.util._findSoname_ldconfig(name)
    assert pdf_layout._soname(listing, "c") is not None
    assert pdf_layout._soname(listing, "no-such-library-x") is None


# -- WeasyPrint's user-agent stylesheet, lean ------------------------------------------------

@pytest.fixture(scope="module")
def example_checked():  # type: ignore[no-untyped-def]
    from conftest import EXAMPLE

    checked = check(EXAMPLE)
    assert checked.ok
    return checked


def test_the_lean_user_agent_stylesheet_gives_the_same_bytes(
        example_checked, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every proposal of the example is laid out with the lean stylesheet (no footnote or
    note pseudo-elements on every element, `::marker` on `li`) and gives the bytes
    WeasyPrint's own stylesheet gives."""
    cat, totals = example_checked.catalogue, example_checked.totals
    jobs = [pdf.proposal_job(cat, totals, p, TemplateSet.create()) for p in cat.proposals]
    used: list[bool] = []
    decide = pdf_layout.lean_enough
    monkeypatch.setattr(pdf_layout, "lean_enough",
                        lambda html, sheets: used.append(decide(html, sheets)) or used[-1])
    lean = [pdf.render_job(job).data for job in jobs]
    assert used and all(used)
    monkeypatch.setattr(pdf_layout, "lean_enough", lambda html, sheets: False)
    assert [pdf.render_job(job).data for job in jobs] == lean


def test_the_lean_stylesheet_is_made_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    """Its counter styles are WeasyPrint's already: they are not parsed again (WeasyPrint
    would refuse `disc` and `decimal`, defined twice, with a warning each)."""
    pdf_layout.load_weasyprint()
    pdf_layout.lean_html.cache_clear()
    with caplog.at_level("WARNING", logger="weasyprint"):
        pdf_layout.lean_html()
    assert caplog.records == []


def test_a_stylesheet_that_makes_footnotes_keeps_weasyprints_own(
        example_checked, tmp_path: Path) -> None:
    """An override's CSS may float a box to a footnote: the part is laid out with
    WeasyPrint's own stylesheet (the lean one has no footnote call, without which
    WeasyPrint stops), and the summary goes to the foot of the page, numbered."""
    from katalog.render.templates import default_templates

    css = (default_templates() / "pdf" / "katalog.css").read_text(encoding="utf-8")
    own = write_tree(tmp_path / "mine", {"pdf/katalog.css": css + "\n.summary { float: footnote }\n"})
    cat, totals = example_checked.catalogue, example_checked.totals
    job = pdf.proposal_job(cat, totals, cat.proposals[0], TemplateSet.create(own))
    path = tmp_path / "fod.pdf"
    path.write_bytes(pdf.render_job(job).data)
    first = pages_text(path)[0]
    assert "1. Kort resumé" in first  # the footnote, numbered by its marker
    assert first.index("1. Kort resumé") > first.index("Forvaltning")  # at the page's foot


# -- HTML parsed by expat when that gives HTML5's tree (pdf_parse) -------------------------------

def test_parts_are_parsed_by_expat_and_give_the_same_bytes(
        example_checked, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proposals' parts (with their page-number stamps) are parsed without WeasyPrint's
    HTML5 parser, and their PDFs have the bytes WeasyPrint's own parsing gives."""
    import tinyhtml5

    cat, totals = example_checked.catalogue, example_checked.totals
    jobs = [pdf.proposal_job(cat, totals, p, TemplateSet.create()) for p in cat.proposals[:6]]
    assert pdf_layout.adoptable()  # (made once per process, from a document HTML5 parses)
    parsed: list[str] = []
    html5_parse = tinyhtml5.parse
    monkeypatch.setattr(tinyhtml5, "parse",
                        lambda *a, **k: parsed.append("html5") or html5_parse(*a, **k))
    by_expat = [pdf.render_job(job).data for job in jobs]
    assert parsed == []
    monkeypatch.setattr(pdf_layout, "adoptable", lambda: False)
    assert [pdf.render_job(job).data for job in jobs] == by_expat
    assert len(parsed) == 2 * len(jobs)  # each part and its stamp


def test_a_document_from_a_tree_is_weasyprints_own() -> None:
    """`weasy_html` makes the document `HTML(string=…)` makes (every attribute, the base
    URL from a `<base>`), and HTML expat cannot parse the same way is WeasyPrint's."""
    assert pdf_layout.adoptable()
    from weasyprint import HTML

    html = ('<!DOCTYPE html>\n<html lang="da"><head><base href="billeder/"></head>'
            '<body><p>Tekst</p></body></html>')
    ours = pdf_layout.weasy_html(HTML, html, "file:///skabeloner/", None)
    theirs = HTML(string=html, base_url="file:///skabeloner/")
    assert sorted(vars(ours)) == sorted(vars(theirs)) == sorted(pdf_layout.ADOPTED)
    assert ours.base_url == theirs.base_url == "file:///skabeloner/billeder/"
    assert ours.media_type == theirs.media_type
    assert ET.tostring(ours.etree_element) == ET.tostring(theirs.etree_element)
    assert ours.render().write_pdf() == theirs.render().write_pdf()
    quirks = pdf_layout.weasy_html(HTML, html.replace("<!DOCTYPE html>", ""), "file:///", None)
    assert type(quirks) is HTML and quirks.etree_element.find("body/p").text == "Tekst"


@pytest.mark.parametrize("css, html, lean", [
    ("", "<p>Tekst</p>", True),
    (".a { float: footnote }", "<p>Tekst</p>", False),
    (".b { position: note(x) }", "<p>Tekst</p>", False),
    ("div.c { display: list-item }", "<p>Tekst</p>", False),
    ("", '<p style="float: footnote">Tekst</p>', False),
    ("", "<style>.x { display: list-item }</style>", False),
    (".d { float: left; position: relative; display: block }", "<p>Tekst</p>", True),
])  # fmt: skip
def test_when_a_part_may_be_laid_out_lean(css: str, html: str, lean: bool) -> None:
    pdf_layout.load_weasyprint()
    from weasyprint import CSS

    sheets = [CSS(string=css)] if css else []
    assert pdf_layout.lean_enough(html, sheets) is lean
    assert pdf_layout.lean_enough(html, [object()]) is False  # a sheet it cannot read
