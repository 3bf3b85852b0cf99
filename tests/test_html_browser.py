"""The HTML site in a real browser: axe-core accessibility checks, the phone layout (375 and
320 px: every year of every economic table on the screen, no sideways scrolling, still a table
for screen readers; screenshots saved for inspection), keyboard focus and the search page's
JavaScript, in headless Chromium driven by Selenium.

One browser and one build of the example catalogue serve the whole module (and a copy of the
example with six budget years, for the phone layout).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from katalog.build import build
from katalog.markdown import render as render_markdown
from katalog.pipeline import check
from conftest import EXAMPLE, ROOT, require_file, require_program

PHONES = (375, 320)

AXE = ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run"]  # fmt: skip

# every page type: front page, theme, merged theme, proposal (with consultations, hearing and a
# body table), the single page and search
PAGES = ["index.html", "tema/administration.html", "tema/kun-en-gang.html",
         "forslag/ADM-01.html", "hele-kataloget.html", "soeg.html"]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    build(EXAMPLE, out, ["html"], cache=False)
    return out / "html"


@pytest.fixture(scope="module")
def six_years(tmp_path_factory) -> Path:
    """The example with six budget years (2027-2032): tables two years wider."""
    root = tmp_path_factory.mktemp("six-years")
    content = shutil.copytree(EXAMPLE, root / "content")
    settings = content / "catalogue.yaml"
    text = settings.read_text(encoding="utf-8")
    text = re.sub(r"^years: .*$", "years: [2027, 2028, 2029, 2030, 2031, 2032]", text, flags=re.M)
    text = re.sub(r"^targets: \{(.*)\}$", r"targets: {\1, 2031: -52000, 2032: -52000}", text,
                  flags=re.M)
    settings.write_text(text, encoding="utf-8")
    build(content, root / "out", ["html"], cache=False)
    return root / "out" / "html"


@pytest.fixture(scope="module")
def driver():
    chromium = require_program("chromium", "chromium-browser")
    chromedriver = require_program("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="katalog-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS + ["--window-size=1280,1000", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    browser.set_script_timeout(120)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, site: Path, rel: str, width: int = 1280) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    driver.get((site / rel).as_uri())


@pytest.mark.parametrize("rel", PAGES)
def test_axe_finds_no_serious_violation(driver, site, rel):
    axe = require_file(AXE, "axe-core")
    for width in (1280, *PHONES):
        open_page(driver, site, rel, width)
        driver.execute_script(axe.read_text(encoding="utf-8"))
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})), passes: r.passes.length}))"
            ".catch(e => done({error: String(e)}));",
            AXE_TAGS,
        )
        assert "error" not in result, result
        assert result["passes"] > 10  # axe really ran
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{rel} at {width}px: {bad}"


# -- phones ------------------------------------------------------------------------------------

ECONOMY = """
    const width = window.innerWidth;
    return Array.from(document.querySelectorAll('table.amounts')).map(t => {
      const names = Array.from(t.tHead.rows[0].cells).map(c => c.textContent.trim());
      const rows = Array.from(t.tBodies[0].rows).filter(r => !r.hidden && r.querySelector('td'))
        .map(r =>
        Array.from(r.cells).filter(c => c.classList.contains('num')).map(c => {
          const box = c.getBoundingClientRect();
          return {label: c.dataset.label, column: names[c.cellIndex],
                  shown: getComputedStyle(c, '::before').content,
                  inside: box.left >= 0 && box.right <= width && box.width > 0 && box.height > 0,
                  top: Math.round(box.top), empty: c.textContent.trim() === ''};
        }));
      return {id: t.id, stacked: getComputedStyle(t.tBodies[0].rows[0]).display, rows: rows};
    });"""


def economic_tables(driver) -> list[dict[str, Any]]:
    return driver.execute_script(ECONOMY)


def assert_every_year_on_screen(driver, rel: str, years: int) -> int:
    """No sideways scrolling, and every year's cell of every economic table inside the
    screen, labelled with its year; returns how many cells were checked."""
    page = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert page[0] <= page[1], f"{rel}: the page scrolls sideways ({page})"
    checked = 0
    for table in economic_tables(driver):
        assert table["stacked"] == "grid", table["id"]
        for row in table["rows"]:
            assert len(row) == years, (table["id"], row)
            for cell in row:
                assert cell["inside"], (rel, table["id"], cell)
                assert cell["label"] == cell["column"] and cell["label"] in cell["shown"], cell
                checked += 1
    return checked


@pytest.mark.parametrize("width", PHONES)
@pytest.mark.parametrize("rel", PAGES)
def test_phone_shows_every_year_without_sideways_scrolling(driver, site, rel, width):
    open_page(driver, site, rel, width)
    checked = assert_every_year_on_screen(driver, rel, 4)
    if rel != "tema/kun-en-gang.html":  # a merged theme: no table
        assert checked >= 12, rel  # the check had work to do
    others = driver.execute_script("""
        return Array.from(document.querySelectorAll('table:not(.amounts)')).map(t => {
          const wrap = t.closest('.table-wrap');
          return {wrapped: !!wrap, focusable: !!wrap && wrap.tabIndex === 0,
                  scrolls: !!wrap && getComputedStyle(wrap).overflowX === 'auto'};
        });""")
    for table in others:  # other tables (the text's, consultations) scroll in their region
        assert table == {"wrapped": True, "focusable": True, "scrolls": True}, (rel, table)


@pytest.mark.parametrize("rel", ["index.html", "forslag/ADM-01.html", "hele-kataloget.html"])
def test_phone_shows_six_years_in_two_lines(driver, six_years, rel):
    open_page(driver, six_years, rel, 375)
    assert assert_every_year_on_screen(driver, rel, 6) >= 24
    for table in economic_tables(driver):
        for row in table["rows"]:
            if not all(cell["empty"] for cell in row):  # a merged theme's row has none
                assert len({cell["top"] for cell in row}) == 2, (table["id"], row)


def test_tables_stay_tables_for_screen_readers_on_a_phone(driver, site):
    """What Chromium gives assistive technology at 375 px: the stacked table is still a table
    named by its caption, with column and row headers and one cell per amount, and a cell's
    name is its amount (the year shown above it is not read out again)."""
    open_page(driver, site, "forslag/ADM-01.html", 375)
    cells = driver.execute_script(
        "return Array.from(document.querySelectorAll('#tabel-forslag-ADM-01 td'))"
        ".map(c => c.textContent.trim());")
    driver.execute_cdp_cmd("Accessibility.enable", {})
    nodes = [n for n in driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
             if not n.get("ignored")]
    by_id = {n["nodeId"]: n for n in nodes}

    def role(n):
        return n.get("role", {}).get("value")

    def name(n):
        return n.get("name", {}).get("value", "")

    def under(n, wanted):
        out, stack = [], list(n.get("childIds", []))
        while stack:
            kid = by_id.get(stack.pop(0))
            if kid is None:
                continue
            if role(kid) == wanted:
                out.append(kid)
            stack[0:0] = kid.get("childIds", [])
        return out

    table = next(n for n in nodes if role(n) == "table"
                 and name(n).startswith("Tabel 1. Forslagets samlede"))
    headers = [name(n) for n in under(table, "columnheader")]
    assert headers == ["Linje", "Styringsområde", "2027", "2028", "2029", "2030"]
    assert "Samlet økonomisk påvirkning" in [name(n) for n in under(table, "rowheader")]
    assert [name(n) for n in under(table, "cell")] == cells


def test_desktop_and_print_keep_the_table_layout(driver, site):
    style = """
        const t = document.querySelector('table.amounts');
        return [getComputedStyle(t).display, getComputedStyle(t.tHead).display,
                t.tHead.getBoundingClientRect().height,
                getComputedStyle(t.querySelector('td.num')).display];"""
    open_page(driver, site, "forslag/ADM-01.html", 1280)
    shown = driver.execute_script(style)
    assert shown[:2] == ["table", "table-header-group"] and shown[2] > 10
    assert shown[3] == "table-cell"
    open_page(driver, site, "forslag/ADM-01.html", 375)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        printed = driver.execute_script(style)
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert printed[0] == "table" and printed[3] == "table-cell"


def test_search_hides_filtered_rows_on_a_phone(driver, site, catalogue):
    open_page(driver, site, "soeg.html", 375)
    assert economic_tables(driver)  # search.js made the list a stacked table
    box = driver.find_element("id", "q")
    box.send_keys(catalogue.proposals[0].id)
    assert _visible(driver) == [catalogue.proposals[0].id]


def test_phone_screenshots(driver, site, six_years, tmp_path_factory):
    """Screenshots of the front page, a theme and a proposal (four and six years) at 375 px
    and at 1280 px, saved for a person to look at (their paths are printed); a screenshot
    is checked for its size only, never pixel by pixel."""
    folder = tmp_path_factory.mktemp("screenshots")
    shots = [(site, rel, width) for rel in ("index.html", "tema/administration.html",
                                             "forslag/ADM-01.html") for width in (375, 1280)]
    shots += [(six_years, "forslag/ADM-01.html", 375), (six_years, "index.html", 375)]
    for root, rel, width in shots:
        open_page(driver, root, rel, width)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": min(height, 12000), "deviceScaleFactor": 1,
            "mobile": False})
        years = "6" if root == six_years else "4"
        path = folder / f"{rel.replace('/', '-').removesuffix('.html')}-{years}aar-{width}.png"
        png = driver.get_screenshot_as_png()
        path.write_bytes(png)
        print(path)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(png[16:20], "big") == width  # the PNG header's width


def test_skip_link_and_focus_are_visible(driver, site):
    from selenium.webdriver.common.keys import Keys

    open_page(driver, site, "forslag/ADM-01.html")
    driver.find_element("css selector", "body").send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    assert focused.get_attribute("class") == "skip-link"
    box = driver.execute_script(
        "const e = document.activeElement, r = e.getBoundingClientRect(), s = getComputedStyle(e);"
        "return {left: r.left, top: r.top, width: r.width, outline: s.outlineStyle,"
        " outlineWidth: parseFloat(s.outlineWidth)};")
    assert box["left"] >= 0 and box["top"] >= 0 and box["width"] > 0, box
    assert box["outline"] != "none" and box["outlineWidth"] >= 2, box
    focused.send_keys(Keys.ENTER)
    assert driver.execute_script("return document.activeElement.id") == "indhold"
    driver.switch_to.active_element.send_keys(Keys.TAB)  # the first link in the content
    assert driver.execute_script("return document.activeElement.closest('main') !== null")
    style = driver.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth];")
    assert style[0] != "none" and float(style[1].removesuffix("px")) >= 2


# -- search ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalogue():
    checked = check(EXAMPLE)
    assert checked.ok
    return checked.catalogue


def _searchable(cat, p) -> str:
    """What the search covers: id, title, summary, body, theme, department and tags."""
    theme = cat.theme(p.theme)
    return " ".join([p.id, p.title, p.summary, render_markdown(p.body).text,
                     theme.title if theme else "", cat.department_name(p.department),
                     " ".join(p.tags)]).casefold()


def _visible(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#forslagsliste tbody tr'))"
        ".filter(r => r.offsetParent !== null).map(r => r.dataset.id);")


def _counter(driver) -> str:
    return driver.find_element("id", "antal").text


def _reset(driver, site):
    open_page(driver, site, "soeg.html")
    assert driver.find_element("id", "soegeform").is_displayed()


def test_search_by_words_in_title_summary_and_body(driver, site, catalogue):
    _reset(driver, site)
    everything = [p.id for p in catalogue.proposals]
    assert _visible(driver) == everything
    box = driver.find_element("id", "q")
    body_only = next(
        w for p in catalogue.proposals
        for w in re.findall(r"\w{7,}", render_markdown(p.body).text)
        if w.casefold() not in (p.title + " " + p.summary).casefold()
    )
    for query in (body_only, body_only.upper(), "budget robot", "zzzintetfundet"):
        box.clear()
        box.send_keys(query)
        words = query.casefold().split()
        expected = [p.id for p in catalogue.proposals
                    if all(w in _searchable(catalogue, p) for w in words)]
        assert _visible(driver) == expected, query
        assert _counter(driver).startswith(f"{len(expected)} forslag"), query
    assert _visible(driver) == []
    box.clear()
    box.send_keys(" ")
    assert _visible(driver) == everything


def test_search_filters_by_theme_department_and_status(driver, site, catalogue):
    from selenium.webdriver.support.ui import Select

    _reset(driver, site)
    theme = catalogue.proposals[-1].theme
    Select(driver.find_element("id", "tema")).select_by_value(theme)
    assert _visible(driver) == [p.id for p in catalogue.proposals if p.theme == theme]

    Select(driver.find_element("id", "tema")).select_by_value("")
    status = next(p.status for p in catalogue.proposals if p.status != "forslag")
    Select(driver.find_element("id", "status")).select_by_value(status)
    assert _visible(driver) == [p.id for p in catalogue.proposals if p.status == status]

    dept = catalogue.proposals[0].department
    Select(driver.find_element("id", "forvaltning")).select_by_value(dept)
    expected = [p.id for p in catalogue.proposals if p.status == status and p.department == dept]
    assert _visible(driver) == expected
    assert _counter(driver).startswith(f"{len(expected)} forslag")

    Select(driver.find_element("id", "status")).select_by_value("")
    box = driver.find_element("id", "q")
    word = catalogue.proposals[0].title.split()[-1]
    box.send_keys(word)
    assert _visible(driver) == [p.id for p in catalogue.proposals if p.department == dept
                                and word.casefold() in _searchable(catalogue, p)]
    assert catalogue.proposals[0].id in _visible(driver)


def test_search_reads_its_query_from_the_address(driver, site, catalogue):
    p = catalogue.proposals[1]
    driver.get((site / "soeg.html").as_uri() + f"?q={p.id}&status={p.status}")
    assert driver.find_element("id", "q").get_attribute("value") == p.id
    assert p.id in _visible(driver)
    assert all(p.id.casefold() in _searchable(catalogue, catalogue_p)
               for catalogue_p in catalogue.proposals if catalogue_p.id in _visible(driver))
