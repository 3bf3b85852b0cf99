"""render/look.py: `look:` (accent, logo, font) reaches the site and the PDF (issue 17.3),
and the overview chart is in both with its alternative text (issue 20). Read back: the
site's HTML, the PDF's pixels (pdftoppm) and its structure tree (pikepdf)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from katalog.build import build
from katalog.pipeline import check
from katalog.render import chart, look

from conftest import SMALL, require_program, write_tree
from pdfua_rules import figures

ACCENT = "#7a1f3d"
LOGO_FILL = "#0a7d4f"  # the logo's own colour, to find it on the cover
LOGO = (f'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
        f'<rect width="120" height="40" fill="{LOGO_FILL}"/></svg>\n')


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("look")
    files = dict(SMALL)
    files["catalogue.yaml"] = SMALL["catalogue.yaml"].rstrip(" ") + (
        f'        look: {{accent: "{ACCENT}", logo: logo.svg, font: Georgia}}\n')
    files["logo.svg"] = LOGO
    content = write_tree(root / "content", files)
    build(content, root / "out", ["html", "pdf"], cache=False)
    return root / "out"


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def pixels(pdf: Path, page: int, tmp: Path) -> dict[tuple[int, int, int], int]:
    exe = require_program("pdftoppm")
    stem = tmp / f"side{page}"
    subprocess.run([exe, "-r", "50", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(stem)], check=True)
    image = Image.open(f"{stem}.png").convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    return {colour: n for n, colour in colours}


def near(counts: dict[tuple[int, int, int], int], colour: str, tolerance: int = 3) -> int:
    want = rgb(colour)
    return sum(n for c, n in counts.items()
               if all(abs(a - b) <= tolerance for a, b in zip(c, want)))


def test_the_site_takes_the_accent_font_and_logo(made):
    page = BeautifulSoup((made / "html/index.html").read_text(encoding="utf-8"), "html.parser")
    style = page.head.find("style").get_text()
    light = look.mix(ACCENT, look.LIGHT)
    assert f"--accent: {ACCENT}" in style and f"--accent-light: {light}" in style
    assert '--look-font: "Georgia"' in style
    img = page.find(class_="site-logo").img
    assert LOGO_FILL.encode() in (made / "html" / img["src"]).read_bytes()  # the (cleaned) logo
    # no trace of the default blue anywhere in the site's pages or stylesheets
    for path in (made / "html").rglob("*"):
        if path.suffix in (".html", ".css"):
            assert look.DEFAULT_ACCENT not in path.read_text(encoding="utf-8").lower(), path


def test_the_pdf_is_in_the_accent_with_the_logo_on_the_cover(made, tmp_path):
    pdf = made / "katalog.pdf"
    cover = pixels(pdf, 1, tmp_path)
    assert near(cover, LOGO_FILL) > 500  # the logo, drawn
    assert near(cover, ACCENT) > 50  # the title
    overview = pixels(pdf, 3, tmp_path)
    assert near(overview, ACCENT) > 2000  # the table's header row and the chart's bars
    for counts in (cover, overview):
        assert near(counts, look.DEFAULT_ACCENT) == 0


def test_the_overview_chart_is_in_both_with_its_alternative_text(made):
    checked = check(made.parent / "content")
    alt = chart.overview_alt(checked.catalogue, checked.totals)
    assert re.search(r"\d", alt)  # a sentence with the numbers
    page = BeautifulSoup((made / "html/index.html").read_text(encoding="utf-8"), "html.parser")
    svg = page.find(class_="chart").find("svg")
    assert svg["role"] == "img"
    assert svg.find("title").get_text() and svg.find("desc").get_text() == alt
    # above the overview table, on the site and in the PDF
    assert svg.find_next("table")["id"] == "oversigt"
    assert alt in figures(made / "katalog.pdf")
