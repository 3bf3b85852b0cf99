"""The HTML site in a real browser: axe-core accessibility checks, 320 px layout, keyboard
focus and the search page's JavaScript, in headless Chromium driven by Selenium.

One browser and one build of the example catalogue serve the whole module.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from katalog.build import build
from katalog.markdown import render as render_markdown
from katalog.pipeline import check
from conftest import EXAMPLE, ROOT, require_file, require_program

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
    for width in (1280, 320):
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


@pytest.mark.parametrize("rel", PAGES)
def test_usable_at_320_px(driver, site, rel):
    open_page(driver, site, rel, 320)
    page = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert page[0] <= page[1], f"{rel}: the page scrolls sideways at 320 px ({page})"
    overflow = driver.execute_script("""
        return Array.from(document.querySelectorAll('table')).map(t => {
          const wrap = t.closest('.table-wrap');
          return {wide: t.scrollWidth > document.documentElement.clientWidth,
                  wrapped: !!wrap,
                  scrolls: !!wrap && getComputedStyle(wrap).overflowX === 'auto',
                  focusable: !!wrap && wrap.tabIndex === 0};
        });""")
    for table in overflow:
        assert table["wrapped"] and table["scrolls"] and table["focusable"], (rel, table)
    if rel in ("forslag/ADM-01.html", "hele-kataloget.html", "soeg.html"):
        assert any(t["wide"] for t in overflow), rel  # so the check above had work to do


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
