"""Issue 19.3, read back from the PDF: the page-break policy (`look.page_break`: auto,
proposal, flow) and a running header that never wraps (a long title ends in "…").

A catalogue of 17 one-line proposals made a 32-page PDF when every theme and proposal
started a new page; under "auto" it now flows. The header is checked with `pdftotext
-bbox`: every word in the top margin sits on one line.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from katalog.build import build

from conftest import pdf_pages_text, require_program, write_tree

LONG_THEME = ("Digitalisering, automatisering og fælles data på tværs af alle forvaltninger, "
              "institutioner og selvejende tilbud i hele kommunen frem mod 2030")
THEMES = [("adm", "Administration"), ("dig", LONG_THEME), ("bygning", "Bygninger"),
          ("indkob", "Indkøb")]
TOP_MARGIN_PT = 22 / 25.4 * 72  # katalog.css: @page margin-top 22mm


def one_liners(root: Path, page_break: str | None) -> Path:
    """17 proposals of one line each in four themes."""
    look = f"look: {{page_break: {page_break}}}\n" if page_break else ""
    files = {"catalogue.yaml": (
        "title: Spareforslag 2027\norganisation: Småby Kommune\nyears: [2027, 2028]\n"
        "price_level: 2027\nunit: 1000\ndepartments:\n  - {code: ADM, name: Administrationen}\n"
        + look)}
    for n, (ident, title) in enumerate(THEMES, start=1):
        files[f"themes/{n:02}-{ident}.md"] = f"---\nid: {ident}\nnumber: {n}\ntitle: {title}\n---\n"
    for i in range(17):
        theme = THEMES[i % len(THEMES)][0]
        files[f"proposals/P{i + 1:02}.md"] = (
            f"---\nid: P{i + 1:02}\ntitle: Forslag nummer {i + 1}\ntheme: {theme}\n"
            f"department: ADM\nsummary: Et kort forslag.\neconomy:\n"
            f"  - {{text: Besparelse, area: service, group: varig, "
            f"amounts: {{2027: -{100 + i}, 2028: -{200 + i}}}}}\n---\n"
            "Forslaget er beskrevet på én linje.\n")
    return write_tree(root, files)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("breaks")
    out = {}
    for policy in ("auto", "proposal", "flow"):
        content = one_liners(root / policy / "content", None if policy == "auto" else policy)
        build(content, root / policy / "out", ["pdf"], cache=False)
        out[policy] = root / policy / "out" / "katalog.pdf"
    return out


def pages(path: Path) -> int:
    return len(PdfReader(path).pages)


def test_auto_flows_a_catalogue_of_one_line_proposals(built):
    auto, every, flow = (pages(built[k]) for k in ("auto", "proposal", "flow"))
    # a page for each theme and proposal when asked for it: cover, contents, overview, 4 + 17
    assert every >= 3 + len(THEMES) + 17
    assert auto == flow  # auto chose flow for short proposals
    # cover, contents, overview and the themes flowing: two or three proposals a page
    assert auto <= 15 and auto <= 0.6 * every, (auto, every)
    text = " ".join(pdf_pages_text(built["auto"]))
    for i in range(17):  # nothing lost by flowing
        assert f"P{i + 1:02} Forslag nummer {i + 1}" in text


def test_flowing_themes_keep_their_order_and_each_proposal_whole(built):
    texts = pdf_pages_text(built["flow"])
    # every proposal's heading and its economic table's total on the same page
    for i in range(17):
        heading = f"P{i + 1:02} Forslag nummer {i + 1}"
        (page,) = [t for t in texts if re.search(rf"^\s*{heading}\s*$", t, re.M)]
        assert "Et kort forslag" in page and "Forslagets samlede" in page, heading
    joined = "\n".join(texts)
    positions = [joined.index(f"Tema {n}:") for n in range(1, len(THEMES) + 1)]
    assert positions == sorted(positions)


def header_lines(path: Path) -> list[list[tuple[float, str]]]:
    """Per page: (top, word) of every word in the top margin (the running header)."""
    exe = require_program("pdftotext")
    xml = subprocess.run([exe, "-bbox", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    result = []
    for page in re.findall(r"<page [^>]*>(.*?)</page>", xml, re.S):
        words = [(float(y), w) for y, w in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>',
            page)]
        result.append([(y, w) for y, w in words if y < TOP_MARGIN_PT])
    return result


@pytest.mark.parametrize("policy", ["auto", "proposal"])
def test_the_running_header_is_one_line_and_a_long_title_ends_in_an_ellipsis(built, policy):
    heads = header_lines(built[policy])
    assert heads[0] == []  # the cover has no header
    shortened = 0
    for number, words in enumerate(heads[1:], start=2):
        assert words, f"side {number} har ingen sidehoved"
        tops = {round(y) for y, _ in words}
        assert len(tops) == 1, (number, words)  # one line
        line = " ".join(w for _, w in words)
        assert line.startswith("Spareforslag 2027"), line
        if "Digitalisering" in line:
            assert line.endswith("…") and LONG_THEME not in line
            shown = line.removeprefix("Spareforslag 2027 Tema 2: ").removesuffix("…").rstrip()
            assert len(shown) > 20 and LONG_THEME.startswith(shown), line
            shortened += 1
    assert shortened >= 1


# -- wide tables stay on the page -------------------------------------------------------------

PAGE_WIDTH_PT = 595.28
LEFT_PT, RIGHT_PT = 20 / 25.4 * 72, 18 / 25.4 * 72  # katalog.css: @page side margins
YEARS = list(range(2027, 2039))  # twelve year columns


def wide(root: Path) -> Path:
    years = ", ".join(map(str, YEARS))
    amounts = ", ".join(f"{y}: -{1234567 + i}" for i, y in enumerate(YEARS))
    header = "| " + " | ".join(f"Kolonneoverskrift{n}" for n in range(1, 11)) + " |"
    rule = "|" + "---|" * 10
    row = "| " + " | ".join(f"Forvaltningsområdebetegnelse{n}" for n in range(1, 11)) + " |"
    return write_tree(root, {
        "catalogue.yaml": (f"title: Bredt katalog\norganisation: Småby Kommune\n"
                           f"years: [{years}]\nprice_level: 2027\nunit: 1\n"
                           "departments:\n  - {code: ADM, name: Administrationen}\n"),
        "themes/01-adm.md": "---\nid: adm\nnumber: 1\ntitle: Administration\n---\n",
        "proposals/W1.md": (
            "---\nid: W1\ntitle: Et bredt forslag\ntheme: adm\ndepartment: ADM\n"
            "summary: Mange år og en bred tabel.\neconomy:\n"
            f"  - {{text: Besparelse, area: service, group: varig, amounts: {{{amounts}}}}}\n"
            # (a visible caption: pdftotext also reads the clipped text of a hidden one)
            f"---\nTabel 2. Ti kolonner\n\n{header}\n{rule}\n{row}\n"),
    })


def test_wide_tables_stay_inside_the_page(tmp_path):
    content = wide(tmp_path / "content")
    build(content, tmp_path / "out", ["pdf"], cache=False)
    exe = require_program("pdftotext")
    for pdf in (tmp_path / "out" / "katalog.pdf", tmp_path / "out" / "pdf" / "W1.pdf"):
        xml = subprocess.run([exe, "-bbox", str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout
        boxes = [(float(a), float(b), w) for a, b, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            xml)]
        outside = [w for a, b, w in boxes
                   if a < LEFT_PT - 2 or b > PAGE_WIDTH_PT - RIGHT_PT + 2]
        assert outside == [], (pdf.name, outside[:10])
        text = " ".join(w for _, _, w in boxes)
        for y in YEARS:  # every year column is there
            assert str(y) in text, (pdf.name, y)
        assert "-1.234.578" in text.replace("\u2011", "-")  # the last year's amount, whole
        assert "Ti kolonner" in text
