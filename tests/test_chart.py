"""The overview chart: the SVG parsed (lxml) and read back (bars, texts, legend), the PNG
decoded (Pillow), and the SVG laid out by WeasyPrint into a tagged PDF read back with
pikepdf."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from PIL import Image

from conftest import EXAMPLE, write_tree
from fixtures_xlsx_chart import many_themes_files, write_mio, write_seed_001
from helpers import check as check_files
from helpers import minimal, replace, with_files
from katalog.compute import Totals
from katalog.model import Catalogue
from katalog.pipeline import check
from katalog.render.chart import (
    DEFAULT_ACCENT,
    HATCHES,
    OVERVIEW_TITLE,
    PNG_DPI,
    TINTS,
    WIDTH_IN,
    font_files,
    overview_alt,
    overview_data,
    overview_png,
    overview_svg,
    styles,
)
from katalog.render.chart_layout import nice_ticks, text_width

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
Case = tuple[Catalogue, Totals]


def checked(path: Path) -> Case:
    result = check(path)
    assert result.totals is not None, [i.format() for i in result.report.sorted()]
    return result.catalogue, result.totals


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    root = tmp_path_factory.mktemp("charts")
    return {
        "example": checked(EXAMPLE),
        "mio": checked(write_mio(root)),
        "seed001": checked(write_seed_001(root)),
        "many": checked(write_tree(root / "many", many_themes_files(14))),
    }


@pytest.fixture(scope="module")
def svgs(cases: dict[str, Case]) -> dict[str, str]:
    return {name: overview_svg(*case) for name, case in cases.items()}


def parse(svg: str) -> Any:
    return etree.fromstring(svg.encode())


# -- the SVG --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["example", "mio", "seed001", "many"])
def test_svg_is_an_image_with_title_and_description(svgs: dict, cases: dict, name: str) -> None:
    svg = svgs[name]
    assert not svg.startswith("<?xml") and "<!DOCTYPE" not in svg  # ready to inline
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert "width" not in root.attrib and re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    title, desc = root[0], root[1]
    assert (title.tag, desc.tag) == (f"{SVG}title", f"{SVG}desc")
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert title.text == OVERVIEW_TITLE
    assert desc.text == overview_alt(*cases[name])
    assert root.find(f"{SVG}metadata") is None


def test_the_description_says_the_totals_and_targets_in_danish(cases: dict) -> None:
    """Savings are told as positive numbers whatever the sign convention."""
    example = overview_alt(*cases["example"])
    assert "1.000 kr., 2027 p/l" in example
    # The example's council rejected SER-03 (-2.200 a year): status forkastet no longer counts,
    # so the catalogue's total is 2.200 smaller than as proposed (5.150, 46.500 + ?, 50.450 + ?).
    assert "Besparelser i alt: 2027: 2.950; 2028: 44.300 + ?; 2029: 48.250 + ?; " \
           "2030: 48.250 + ?." in example
    assert "Mål: 2027: 15.000; 2028: 45.000; 2029: 50.000; 2030: 52.000." in example
    assert "merudgift" in example and '"+ ?"' in example
    seed = overview_alt(*cases["seed001"])
    assert "9 temaer" in seed  # 12 themes, one merged, two without an amount
    assert "2024: 17.980; 2025: 26.480; 2026: 27.780; 2027: 28.780" in seed
    assert "Mål: 2024: 50.000" in seed and "?" not in seed and "merudgift" not in seed
    mio = overview_alt(*cases["mio"])
    assert "mio. kr." in mio and "2027: 0,15 + ?" in mio and "2029: 4,05" in mio
    assert "Mål: 2027: 2,5; 2028: 3; 2029: 3,25." in mio


def test_ids_are_prefixed_unique_and_resolve(cases: dict) -> None:
    one = overview_svg(*cases["example"])
    two = overview_svg(*cases["example"], prefix="andet-diagram")
    ids: dict[str, set[str]] = {}
    for name, svg in (("one", one), ("two", two)):
        root = parse(svg)
        found = [e.get("id") for e in root.iter() if e.get("id")]
        assert len(found) == len(set(found))
        ids[name] = set(found)
        refs = [v[1:] for e in root.iter() for k, v in e.attrib.items()
                if k in (XLINK, "href") and v.startswith("#")]
        refs += re.findall(r"url\(#([^)]+)\)", svg)
        assert refs and set(refs) <= ids[name]
    assert all(i.startswith("katalog-oversigt") for i in ids["one"])
    assert all(i.startswith("andet-diagram") for i in ids["two"])
    assert not ids["one"] & ids["two"]


def test_patterns_make_it_readable_without_colour(svgs: dict) -> None:
    root = parse(svgs["many"])
    patterns = root.findall(f".//{SVG}pattern")
    assert len(patterns) >= len(HATCHES) - 1  # every non-empty hatch is used by 14 themes
    assert all(p.find(f"{SVG}path") is not None for p in patterns)
    assert len(svgs["many"]) < 250_000  # line hatches only: dots would be megabytes
    themes = list(styles(len(TINTS) * len(HATCHES), DEFAULT_ACCENT))
    assert len(set(themes)) == len(themes)  # no two themes alike
    assert len({(fill, hatch) for fill, hatch, _ in themes}) == len(themes)
    for (f1, h1, _), (f2, h2, _) in zip(themes, themes[1:]):
        assert h1 != h2 and f1 != f2  # neighbours in a stack differ in pattern and tint


def test_colours_come_from_the_accent(cases: dict, svgs: dict) -> None:
    assert DEFAULT_ACCENT in svgs["example"]
    red = overview_svg(*cases["example"], accent="#7a1f3d")
    assert "#7a1f3d" in red and DEFAULT_ACCENT not in red


# -- reproducible -----------------------------------------------------------------------------


def test_same_content_gives_the_same_bytes_in_another_process(cases: dict, tmp_path: Path) -> None:
    svg, png = overview_svg(*cases["example"]), overview_png(*cases["example"])
    assert overview_svg(*cases["example"]) == svg and overview_png(*cases["example"]) == png
    script = textwrap.dedent(f"""
        import sys
        from katalog.pipeline import check
        from katalog.render.chart import overview_png, overview_svg
        c = check({str(EXAMPLE)!r})
        open(sys.argv[1], "w", encoding="utf-8").write(overview_svg(c.catalogue, c.totals))
        open(sys.argv[2], "wb").write(overview_png(c.catalogue, c.totals))
    """)
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "a.svg"), str(tmp_path / "a.png")],
                   check=True, cwd=tmp_path)
    assert (tmp_path / "a.svg").read_text(encoding="utf-8") == svg
    assert (tmp_path / "a.png").read_bytes() == png


def png_chunks(data: bytes) -> list[str]:
    chunks, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        chunks.append(data[pos + 4:pos + 8].decode("ascii"))
        pos += 12 + length
    return chunks


def test_no_dates_or_software_in_the_files(cases: dict, svgs: dict) -> None:
    png = overview_png(*cases["example"])
    assert not {"tEXt", "iTXt", "zTXt", "tIME"} & set(png_chunks(png))
    assert "dc:date" not in svgs["example"] and "Matplotlib" not in svgs["example"]
    assert re.search(r"20\d\d-\d\d-\d\d", svgs["example"]) is None


@pytest.mark.parametrize("name", ["example", "seed001", "many"])
def test_png_decodes_at_the_size_of_the_svg(cases: dict, svgs: dict, name: str) -> None:
    png = overview_png(*cases[name])
    image = Image.open(io.BytesIO(png))
    image.load()
    width_pt, height_pt = map(float, parse(svgs[name]).get("viewBox").split()[2:])
    assert image.format == "PNG"
    assert image.size == (round(WIDTH_IN * PNG_DPI), round(height_pt / 72 * PNG_DPI))
    assert width_pt == WIDTH_IN * 72
    colours = image.convert("RGB").getcolors(1 << 20)
    assert colours and len(colours) > 20  # drawn, not blank


# -- what the figure shows ----------------------------------------------------------------------


def test_savings_are_drawn_upwards_whatever_the_sign(cases: dict) -> None:
    example = overview_data(*cases["example"])  # savings entered negative
    assert example.total.values[2027] == Decimal(2950)  # 5.150 as proposed − SER-03 (rejected)
    assert example.target.values[2028] == Decimal(45000)
    admin = next(s for s in example.stacks if s.label.startswith("1. "))
    assert admin.values[2027] == Decimal(-3600)  # an extra cost: below 0
    seed = overview_data(*cases["seed001"])  # savings entered positive
    assert seed.total.values[2024] == Decimal(17980)
    labels = [s.label.split(".")[0] for s in seed.stacks]
    assert labels == ["2", "3", "4", "5", "6", "7", "8", "9", "12"]  # merged and empty left out


def test_unknown_years_show_the_known_part(cases: dict) -> None:
    data = overview_data(*cases["mio"])
    indkob = next(s for s in data.stacks if s.label == "2. Indkøb")
    assert indkob.values == {2027: Decimal(0), 2028: Decimal("0.3"), 2029: Decimal(0)}
    assert data.total.unknown == {2027, 2028} and data.total.partial[2028] == Decimal("2.7")


def drawn(case: Case) -> Any:
    """The chart's SVG, parsed."""
    return parse(overview_svg(*case))


def texts(root: Any) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def plot_bottom(root: Any) -> float:
    """The y of the x axis: the lowest horizontal black line of the plot."""
    return max(float(line.get("y1")) for line in root.iter(f"{SVG}line")
               if line.get("stroke") == "#000000" and line.get("y1") == line.get("y2"))


def bar_rects(root: Any) -> list[dict[str, float]]:
    """The bars' parts (the rectangles above the x axis: the legend's are below it)."""
    bottom = plot_bottom(root)
    rects = [{k: float(r.get(k)) for k in ("x", "y", "width", "height")}
             for r in root.iter(f"{SVG}rect") if r.get("stroke")]  # a hatch's fill has none
    return [r for r in rects if r["y"] + r["height"] <= bottom + 0.01]


def zero_line(root: Any) -> float:
    (y,) = {float(line.get("y1")) for line in root.iter(f"{SVG}line")
            if line.get("stroke") == "#1a1a1a" and line.get("stroke-width") == "0.8"}
    return y


def test_labels_are_danish_and_drawn_with_the_template_font(cases: dict) -> None:
    root = drawn(cases["example"])
    shown = texts(root)
    # 44.300 + ? and 2.950: the totals after the council rejected SER-03 (-2.200 a year)
    assert "40.000" in shown and "44.300 + ?" in shown and "2.950" in shown
    assert shown.count("20.000") == 1 and "0" in shown  # ticks at a nice step
    assert "Besparelse (1.000 kr., 2027 p/l)" in shown and "Mål" in shown
    assert "2027" in shown
    # one font for every text: the bundled DejaVu Sans the layout was measured with
    assert "DejaVu Sans" in root.get("font-family")
    assert not [t for t in root.iter(f"{SVG}text") if t.get("font-family")]
    from PIL import ImageFont

    bold = ImageFont.truetype(str(font_files()[1]), 90)
    assert text_width("44.300 + ?", bold=True) == pytest.approx(bold.getlength("44.300 + ?") / 10,
                                                                rel=1e-3)


def test_bars_are_as_tall_as_their_amounts(cases: dict) -> None:
    """Read back from the SVG: each year's parts add up to its drawn savings (up from the
    0 line) and extra costs (down from it), at one scale for every year."""
    data = overview_data(*cases["example"])
    root = drawn(cases["example"])
    zero = zero_line(root)
    rects = bar_rects(root)
    columns = sorted({r["x"] for r in rects})
    assert len(columns) == len(data.years)
    scales = []
    for x, year in zip(columns, data.years):
        parts = [r for r in rects if r["x"] == x]
        up = sum(r["height"] for r in parts if r["y"] < zero - 0.01)
        down = sum(r["height"] for r in parts if r["y"] >= zero - 0.01)
        saving = sum(s.values[year] for s in data.stacks if s.values[year] > 0)
        cost = -sum(s.values[year] for s in data.stacks if s.values[year] < 0)
        scales.append(up / float(saving))
        assert down == pytest.approx(float(cost) * scales[0], rel=1e-3, abs=0.05)
        assert min(r["y"] for r in parts) == pytest.approx(zero - up, abs=0.05)
    assert max(scales) == pytest.approx(min(scales), rel=1e-3)


def test_ticks_are_nice_numbers(cases: dict) -> None:
    """The rule of matplotlib's MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]), which drew
    the chart before (checked against it on 20,000 random ranges when it was replaced)."""
    assert nice_ticks(Decimal(-8000), Decimal(58000)) == [0, 20000, 40000]
    assert nice_ticks(Decimal(0), Decimal("3.6")) == [0, 1, 2, 3]
    assert nice_ticks(Decimal(-3), Decimal(11)) == [Decimal("-2.5"), 0, Decimal("2.5"), 5,
                                                    Decimal("7.5"), 10]
    assert nice_ticks(Decimal(0), Decimal("0.12")) == [0, Decimal("0.02"), Decimal("0.04"),
                                                       Decimal("0.06"), Decimal("0.08"),
                                                       Decimal("0.1"), Decimal("0.12")]
    mio = texts(drawn(cases["mio"]))
    assert mio[:5] == ["0", "1", "2", "3", "4"] and "0,15 + ?" in mio  # Danish decimals


def test_a_long_legend_stays_below_the_plot(cases: dict) -> None:
    data = overview_data(*cases["many"])
    root = drawn(cases["many"])
    width, height = map(float, root.get("viewBox").split()[2:])
    bottom = plot_bottom(root)
    years = [t for t in root.iter(f"{SVG}text") if t.text in {str(y) for y in data.years}]
    below_years = max(float(t.get("y")) for t in years)
    legend = [t for t in root.iter(f"{SVG}text") if float(t.get("y")) > below_years]
    for text in legend:  # below the years, inside the picture
        x, y = float(text.get("x")), float(text.get("y"))
        assert below_years + 9 <= y <= height
        assert 0 <= x and x + text_width(text.text) <= width
    symbols = [r for r in root.iter(f"{SVG}rect") if r.get("stroke") and float(r.get("y")) > bottom]
    assert len(symbols) == 14  # a symbol per theme
    words = " ".join(t.text for t in legend)
    for stack in data.stacks:
        assert " ".join(textwrap.wrap(stack.label, 44)) in words
    assert "Mål" in words and "I alt (besparelser minus merudgifter)" in words
    assert "Under 0: merudgift" in words


def test_one_year_without_a_target(tmp_path: Path) -> None:
    files = with_files(minimal(), {"catalogue.yaml": """
        title: Et år
        organisation: Testby Kommune
        years: [2026]
        price_level: 2026
        """})
    files = replace(files, "proposals/P1.md", "{2026: -100, 2027: -200}", "{2026: -100}")
    result = check_files(files)
    assert result.totals is not None
    svg = overview_svg(result.catalogue, result.totals)
    assert parse(svg).get("role") == "img"
    alt = overview_alt(result.catalogue, result.totals)
    assert "2026: 100" in alt and "Mål" not in alt and "1 tema " in alt
    assert "Mål" not in texts(drawn((result.catalogue, result.totals)))
    assert not [line for line in parse(svg).iter(f"{SVG}line") if line.get("stroke-dasharray")]
    Image.open(io.BytesIO(overview_png(result.catalogue, result.totals))).load()


def test_a_title_with_dollars_or_markup_is_text() -> None:
    """Not mathematics (`$x^2$`), not markup (`<i>`, `&`): the SVG template escapes it."""
    files = with_files(minimal(), {"themes/adm.md": textwrap.dedent("""\
        ---
        id: adm
        number: 1
        title: "Kr. og $-beløb $x^2$ <i>&amp; & i</i> administrationen"
        ---
        """)})
    result = check_files(files)
    assert result.totals is not None
    legend = " ".join(texts(drawn((result.catalogue, result.totals))))
    assert "1. Kr. og $-beløb $x^2$ <i>&amp; & i</i> administrationen" in legend
    assert "<i>" not in overview_svg(result.catalogue, result.totals)
    overview_png(result.catalogue, result.totals)


def test_no_amounts_at_all() -> None:
    files = with_files(minimal(), {"proposals/P1.md": None})
    result = check_files(files)
    assert result.totals is not None
    assert overview_data(result.catalogue, result.totals).stacks == ()
    assert "Ingen beløb" in texts(drawn((result.catalogue, result.totals)))
    parse(overview_svg(result.catalogue, result.totals))


# -- the PDF: WeasyPrint tags the inline SVG as a Figure ---------------------------------------


def structure(pdf: bytes) -> list[tuple[str, str]]:
    """(structure type, alternative text) of every element in the PDF's structure tree."""
    import pikepdf

    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
        elif isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                found.append((str(node.S), str(node.get("/Alt", ""))))
            if "/K" in node:
                walk(node.K)

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        walk(doc.Root.StructTreeRoot.K)
    return found


def test_weasyprint_tags_the_inline_svg_as_a_figure_with_its_title(cases: dict) -> None:
    from weasyprint import HTML

    cat, totals = cases["example"]
    alt = overview_alt(cat, totals)
    for title, expected in ((None, OVERVIEW_TITLE), (alt, alt)):
        svg = overview_svg(cat, totals, title=title)
        html = (f'<!doctype html><html lang="da"><head><title>T</title></head><body>'
                f'<h1>Oversigt</h1><figure>{svg}<figcaption>Figur 1</figcaption></figure>'
                f'</body></html>')
        pdf = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
        figures = [a for s, a in structure(pdf) if s == "/Figure"]
        assert figures == [expected]
        if title:  # the desc would repeat the title: left out
            assert parse(svg).find(f"{SVG}desc") is None


def test_drawing_both_charts_does_not_load_matplotlib(tmp_path: Path) -> None:
    """The charts are laid out in Python and drawn from a template and with Pillow."""
    from budget_docs_fixture import catalogues

    content = catalogues(tmp_path)["example"]
    code = textwrap.dedent(f"""
        import sys
        from katalog.pipeline import check
        from katalog.render import chart, chart_status
        c = check({str(content)!r})
        chart.overview_svg(c.catalogue, c.totals), chart.overview_png(c.catalogue, c.totals)
        d = chart_status.status_data(c.catalogue, c.totals)
        chart_status.status_svg(d), chart_status.status_png(d)
        print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy')))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_importing_the_renderers_loads_neither_matplotlib_nor_xlsxwriter() -> None:
    """Both are imported inside the functions that draw or write: `katalog --help` and the
    formats that do not need them stay fast."""
    code = ("import sys, katalog.render.chart, katalog.render.xlsx; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'xlsxwriter', 'numpy', 'PIL')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_a_range_is_drawn_at_its_smaller_end(cases: dict) -> None:
    """A theme whose year is a range was drawn as 0 while its label read the range: the bar
    now stands at the end nearer 0 (the smaller saving), and the label still writes it out."""
    files = replace(minimal(), "proposals/P1.md", "{2026: -100, 2027: -200}",
                    "{2026: {low: -100, high: -300}, 2027: -200}")
    result = check_files(files)
    assert result.totals is not None, result.report
    data = overview_data(result.catalogue, result.totals)
    (stack,) = data.stacks
    assert stack.values[2026] == Decimal(100) and stack.values[2027] == Decimal(200)
    assert "2026: 100–300" in overview_alt(result.catalogue, result.totals)
    rects = bar_rects(parse(overview_svg(result.catalogue, result.totals)))
    assert len(rects) == 2  # 2028 has no amount
    assert rects[1]["height"] == pytest.approx(2 * rects[0]["height"], abs=0.02)
