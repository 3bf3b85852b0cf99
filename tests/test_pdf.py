"""The PDF output, read back: table of contents, bookmarks, metadata, totals, repeated table
headers, per-proposal PDFs, embedded fonts, restyling with CSS only, reproducibility."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from katalog import parallel
from katalog.build import build
from katalog.pipeline import Checked, check
from katalog.render import pdf
from katalog.render.templates import TemplateSet

from conftest import EXAMPLE, pdf_pages_text, require_program, shown, write_tree


pages_text = pdf_pages_text


def content_lines(page: str) -> list[str]:
    """A page's non-empty lines without the running header (the first line)."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return lines[1:]


@pytest.fixture(scope="module")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example catalogue's PDFs, built once for this module (the parallel path)."""
    out = tmp_path_factory.mktemp("pdf") / "build"
    build(EXAMPLE, out, formats=["pdf"])
    return out


@pytest.fixture(scope="module")
def example_pages(example_build: Path) -> list[str]:
    return pages_text(example_build / "katalog.pdf")


@pytest.fixture(scope="module")
def example_checked() -> Checked:
    checked = check(EXAMPLE)
    assert checked.ok and checked.catalogue is not None and checked.totals is not None
    return checked


def test_toc_page_numbers_point_at_the_headings(
    example_pages: list[str], example_checked: Checked
) -> None:
    pages = example_pages
    cat = example_checked.catalogue
    toc = "\n".join(p for p in pages if content_lines(p)[:1] == ["Indhold"])
    printed = {m[1]: int(m[2]) for m in re.finditer(r"^\s*(\S+) .*?\s(\d+)\s*$", toc, re.M)}
    actual = {}
    for number, page in enumerate(pages, start=1):
        first = content_lines(page)[:1]
        for p in cat.proposals:
            if first and first[0].startswith(f"{p.id} "):
                actual.setdefault(p.id, number)
    assert set(actual) == {p.id for p in cat.proposals}
    assert {pid: printed.get(pid) for pid in actual} == actual
    # themes too: "Tema 3: Digitalisering ... 13"
    for t in cat.themes:
        m = re.search(rf"^\s*Tema {t.number}: .*?\s(\d+)\s*$", toc, re.M)
        assert m, t.id
        assert content_lines(pages[int(m[1]) - 1])[0].startswith(f"Tema {t.number}: ")


def test_page_numbers_and_running_header(
    example_build: Path, example_pages: list[str], example_checked: Checked
) -> None:
    pages = example_pages
    n = len(pages)
    assert n == len(PdfReader(example_build / "katalog.pdf").pages)
    for number, page in enumerate(pages[1:], start=2):
        assert f"Side {number} af {n}" in page
        header = page.strip().splitlines()[0]
        assert header.startswith(example_checked.catalogue.settings.title)
    adm01 = next(p for p in pages if content_lines(p)[0].startswith("ADM-01 "))
    assert "Tema 1: Administrativ organisering" in adm01.strip().splitlines()[0]


def test_bookmarks_nest_proposals_under_themes(
    example_build: Path, example_checked: Checked
) -> None:
    reader = PdfReader(example_build / "katalog.pdf")
    outline = reader.outline
    cat = example_checked.catalogue
    titles = [o.title for o in outline if not isinstance(o, list)]
    assert titles[:2] == ["Indhold", "Oversigt over temaer"]
    for t in cat.themes:
        label = f"Tema {t.number}: {t.title}"
        i = next(i for i, o in enumerate(outline) if not isinstance(o, list) and o.title == label)
        proposals = cat.proposals_in(t.id)
        if not proposals:
            continue
        children = outline[i + 1]
        assert isinstance(children, list)
        assert [c.title for c in children] == [f"{p.id} {p.title}" for p in proposals]
        theme_page = reader.get_destination_page_number(outline[i])
        assert all(reader.get_destination_page_number(c) > theme_page for c in children)


def test_metadata_tags_and_fonts(example_build: Path, example_checked: Checked) -> None:
    s = example_checked.catalogue.settings
    reader = PdfReader(example_build / "katalog.pdf")
    meta = reader.metadata
    assert meta.title == s.title
    assert meta.author == s.organisation
    assert meta.subject == s.subtitle
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "da"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfuaid:part="1"' in xmp
    # links describe themselves by their text (PDF/UA), not by the bare anchor name
    toc_links = {str(a.get_object()["/Contents"]) for a in reader.pages[1]["/Annots"]}
    p = example_checked.catalogue.proposals[0]
    assert f"{p.id} {p.title}" in toc_links
    assert not any(c.startswith(("forslag-", "tema-")) for c in toc_links)
    exe = require_program("pdffonts")
    fonts = subprocess.run([exe, str(example_build / "katalog.pdf")], capture_output=True,
                           text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes yes " in line and "Katalog-Sans" in line for line in fonts)


def test_overview_totals_in_danish_format_equal_computed_totals(
    example_pages: list[str], example_checked: Checked
) -> None:
    s = example_checked.catalogue.settings
    totals = example_checked.totals
    pages = example_pages
    overview = next(p for p in pages if content_lines(p)[0] == "Oversigt over temaer")
    expected = [shown(totals.total, y) for y in s.years]
    assert any(re.fullmatch(r"-?\d{1,3}(\.\d{3})+( \+ \?)?", e) for e in expected)  # thousands dot
    rows = [line.split() for line in overview.splitlines() if line.strip().startswith("I alt")]
    assert ["I", "alt", *" ".join(expected).split()] in rows
    target = [shown(totals.target, y) for y in s.years]
    assert ["Mål", *target] in [line.split() for line in overview.splitlines()]
    assert "(1.000 kr., 2027 p/l)" in overview


def test_one_pdf_per_proposal(example_build: Path, example_checked: Checked) -> None:
    cat = example_checked.catalogue
    files = sorted(p.name for p in (example_build / "pdf").iterdir())
    assert files == sorted(f"{p.id}.pdf" for p in cat.proposals)
    p = cat.proposals[0]
    pages = pages_text(example_build / "pdf" / f"{p.id}.pdf")
    first = " ".join(pages[0].split())
    assert f"{p.id} {' '.join(p.title.split())}" in first
    assert cat.settings.title in first and "Tema " in first
    assert "Tabel 1. Forslagets samlede økonomiske konsekvenser (1.000 kr., 2027 p/l)" in first
    assert f"Side 1 af {len(pages)}" in pages[0]
    reader = PdfReader(example_build / "pdf" / f"{p.id}.pdf")
    meta = reader.metadata
    assert meta.title == f"{p.id} {p.title}" and meta.author == cat.settings.organisation
    assert reader.trailer["/Root"]["/Lang"] == "da"
    outline = reader.outline
    assert outline[0].title == f"{p.id} {p.title}"
    assert "Økonomi" in [o.title for o in outline[1]]


def test_parallel_and_serial_rendering_give_the_same_bytes(
    example_build: Path, example_checked: Checked
) -> None:
    cat, totals = example_checked.catalogue, example_checked.totals
    from katalog.build import document_date

    date = document_date(cat.settings.date, EXAMPLE)
    p = cat.proposals[-1]
    job = pdf.proposal_job(cat, totals, p, TemplateSet.create(), date)
    assert pdf.render_job(job).data == (example_build / "pdf" / f"{p.id}.pdf").read_bytes()


def test_build_twice_gives_the_same_bytes(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01: the document date
    a, b = tmp_path / "a", tmp_path / "b"
    build(small, a, formats=["pdf"])
    build(small, b, formats=["pdf"])
    assert str(PdfReader(a / "katalog.pdf").metadata["/CreationDate"]).startswith("D:20260101")
    assert "1. januar 2026" in pages_text(a / "katalog.pdf")[0]
    files = sorted(p.relative_to(a) for p in a.rglob("*.pdf"))
    assert Path("katalog.pdf") in files and Path("pdf/A1.pdf") in files
    assert files == sorted(p.relative_to(b) for p in b.rglob("*.pdf"))
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_pool_never_forks_while_another_thread_runs() -> None:
    """The CLI's status spinner runs a thread; forking then is unsafe, so the pool uses a
    fork server instead (on Linux without other threads, plain fork is used: faster)."""
    import sys
    import threading

    stop = threading.Event()
    spinner = threading.Thread(target=stop.wait)
    spinner.start()
    try:
        assert parallel.start_method() != "fork"
    finally:
        stop.set()
        spinner.join()
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        assert parallel.start_method() == "fork"


# -- template overrides: the PDF comes from all.html's macros, never from cut HTML -----------

def _reshaped_all_html() -> str:
    """The default all.html as a municipality might rewrite it, meaning kept: every tag
    re-indented, the attributes of the theme sections and articles in another order, an
    extra class, and each proposal in a wrapper of its own."""
    from katalog.render.templates import default_templates

    text = (default_templates() / "html" / "all.html").read_text(encoding="utf-8")
    old_theme = (
        '<section class="theme{% if t.merged_into %} merged{% endif %}" id="{{ t.anchor }}" '
        'aria-labelledby="{{ t.anchor }}-h" data-title="{{ t.heading }}" '
        'data-section="{{ t.section }}">')
    old_article = (
        '<article class="proposal status-{{ p.status }}{% if p.keep %} keep{% endif %}" '
        'id="{{ p.anchor }}" aria-labelledby="{{ p.anchor }}-h">')
    assert old_theme in text and old_article in text
    text = text.replace(old_theme, (
        '<section data-section="{{ t.section }}" data-title="{{ t.heading }}" '
        'aria-labelledby="{{ t.anchor }}-h" id="{{ t.anchor }}" '
        'class="theme{% if t.merged_into %} merged{% endif %} tema">'))
    text = text.replace(old_article, (
        '<div class="forslag-ramme">\n    <article aria-labelledby="{{ p.anchor }}-h"\n'
        '             id="{{ p.anchor }}" class="status-{{ p.status }} proposal'
        '{% if p.keep %} keep{% endif %}">'))
    text = text.replace("</article>", "    </article>\n  </div>")
    lines = ["    " + line if line.startswith("<") else line for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def _words(path: Path) -> list[str]:
    return " ".join(pages_text(path)).split()


def test_a_reshaped_all_html_gives_the_same_pdf_text(small: Path, tmp_path: Path) -> None:
    """Issue 13: re-indenting all.html (or reordering attributes) made a 20-page council PDF
    of a 32-page one. Now the pages and their text are the default's."""
    reshaped = _reshaped_all_html()
    assert '    <section data-section=' in reshaped
    own = write_tree(tmp_path / "mine", {"html/all.html": reshaped})
    build(small, tmp_path / "default", ["pdf"], cache=False)
    build(small, tmp_path / "own", ["pdf"], templates=own, cache=False)
    for rel in ["katalog.pdf"] + [f"pdf/{p}.pdf" for p in ("A1", "A2", "I1", "I2")]:
        default, mine = tmp_path / "default" / rel, tmp_path / "own" / rel
        assert len(PdfReader(mine).pages) == len(PdfReader(default).pages), rel
        assert _words(mine) == _words(default), rel


def test_an_all_html_without_a_needed_macro_is_refused(small: Path, tmp_path: Path) -> None:
    """An override that lacks a piece katalog needs stops the build with a message naming the
    template and the macro; nothing is written (the previous build stays)."""
    from click.testing import CliRunner

    from katalog.cli import main
    from katalog.render.templates import default_templates

    text = (default_templates() / "html" / "all.html").read_text(encoding="utf-8")
    own = write_tree(tmp_path / "mine", {"html/all.html": text.replace(
        "{% macro proposal(p) -%}", "{% macro forslag(p) -%}").replace(
        "{{ proposal(p) }}", "{{ forslag(p) }}")})
    out = tmp_path / "out"
    build(small, out, ["totals"])
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    result = CliRunner().invoke(main, ["build", str(small), "--out", str(out),
                                       "--templates", str(own)])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "all.html" in message and "'proposal'" in message and "mangler makroen" in message
    assert "Traceback" not in result.output
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_relative_links_are_plain_text_in_the_pdf(small: Path, tmp_path: Path) -> None:
    """Issue 18: relative and //host/share links became file:// links in the PDF, carrying
    the build machine's path. Now they are text; web and mail links stay links."""
    a1 = small / "proposals" / "A1.md"
    a1.write_text(a1.read_text(encoding="utf-8") + (
        "Se [bilaget](bilag/notat.pdf), [drevet](//server/deling/fil.docx), "
        "[siden](https://example.org/side) og [os](mailto:a@example.org).\n"), encoding="utf-8")
    out = tmp_path / "out"
    build(small, out, ["pdf", "html"], cache=False)
    for pdf_file in (out / "katalog.pdf", out / "pdf" / "A1.pdf"):
        uris = [str(a.get_object()["/A"].get("/URI")) for page in PdfReader(pdf_file).pages
                for a in page.get("/Annots", []) if "/A" in a.get_object()]
        assert "https://example.org/side" in uris and "mailto:a@example.org" in uris
        assert not any(u.startswith("file:") or "server" in u or "notat" in u for u in uris)
        text = " ".join(" ".join(pages_text(pdf_file)).split())
        assert "Se bilaget, drevet, siden og os." in text
    site = (out / "html" / "forslag" / "A1.html").read_text(encoding="utf-8")
    assert 'href="bilag/notat.pdf"' in site  # the web site keeps them as written
