"""`render.budget_html`: the budget year's pages on the site, made by the executor and read
back: only when the content has a budget year, the figures equal `katalog totals --format
json`'s SPEC §8 keys, traffic lights in words with a coloured mark, headings in order, safe
Markdown, links that lead somewhere in a real build (the planner folded into the `html`
format locally), the front page's links, and axe-core in headless Chromium at desktop and
phone widths."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from katalog import build as build_module
from katalog.build import build
from katalog.pipeline import check
from katalog.render.budget_docs import LIGHT_SLUG, combine, front_page_links
from katalog.render.budget_html import plan_budget_html
from katalog.render.html import environment, plan_html
from katalog.render.templates import TemplateSet

from budget_docs_fixture import catalogues, cells_of, run_planner, series_cells, totals_json
from conftest import ROOT, require_file, require_program, write_tree
from budget_fixture import budget_files

PAGES = ("budgetaftale.html", "opfoelgning.html")


@pytest.fixture(scope="module")
def contents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return catalogues(tmp_path_factory.mktemp("budget-html"))


@pytest.fixture(scope="module")
def made(contents: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each catalogue's budget pages, made by the executor from the planner alone."""
    root = tmp_path_factory.mktemp("budget-html-out")
    for name, content in contents.items():
        run_planner(plan_budget_html, content, root / name)
    return {name: root / name / "html" for name in contents}


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def table_rows(page: BeautifulSoup, tid: str) -> dict[str, list[str]]:
    """A table's rows by their (whitespace-normalised) label → the year cells' text."""
    table = page.find("table", id=tid)
    assert table is not None, tid
    out = {}
    for tr in table.find("tbody").find_all("tr"):
        out[text(tr.find("th"))] = [text(td) for td in tr.find_all("td")]
    return out


def text(tag: Any) -> str:
    """A cell's text with line breaks and runs of spaces as one space (no-break spaces,
    as in `-11.600 – -11.800`, kept)."""
    return re.sub(r"[ \t\r\n]+", " ", tag.get_text()).strip()


# -- made only with a budget year ---------------------------------------------------------------


@pytest.mark.parametrize("name, pages", [("example", PAGES), ("followed", PAGES),
                                         ("decided", PAGES[:1]), ("none", ())])
def test_pages_only_when_the_content_has_a_budget_year(made, name, pages):
    folder = made[name]
    found = tuple(p for p in PAGES if (folder / p).is_file())
    assert found == pages
    if not pages:
        assert not folder.exists() or not any(folder.iterdir())


def test_the_front_page_links_only_to_pages_that_exist(contents, made):
    for name, content in contents.items():
        checked = check(content)
        links = front_page_links(checked.catalogue, checked.totals)
        assert [link["href"] for link in links] == [p for p in PAGES
                                                    if (made[name] / p).is_file()]
    checked = check(contents["example"])
    env = environment(TemplateSet.create())
    macro = env.get_template("_budget.html").module.budget_year_links  # type: ignore[attr-defined]
    html = str(macro(front_page_links(checked.catalogue, checked.totals)))
    assert '<h2 id="budgetaaret">Budgetåret</h2>' in html
    assert 'href="budgetaftale.html">Budgetaftale</a>' in html
    assert 'href="opfoelgning.html">Status på realisering</a>' in html and "BO2 2027" in html
    assert str(macro([])).strip() == ""


def test_same_content_gives_the_same_bytes(contents, made, tmp_path):
    run_planner(plan_budget_html, contents["example"], tmp_path / "again")
    for page in PAGES:
        assert (tmp_path / "again" / "html" / page).read_bytes() == (made["example"] / page).read_bytes()


# -- the figures are those of `katalog totals --format json` -----------------------------------


@pytest.mark.parametrize("name", ["example", "followed"])
def test_agreement_figures_equal_the_totals_json(contents, made, name):
    data = totals_json(contents[name])
    years = data["years"]
    page = soup(made[name] / "budgetaftale.html")
    overview = table_rows(page, "budget-oversigt")
    assert overview["Vedtaget i alt"] == cells_of(data, "adopted_total", years)
    difference = next(v for k, v in overview.items() if k.startswith("Difference til mål"))
    assert difference == cells_of(data, "adopted_difference", years, "-")
    departments = table_rows(page, "budget-forvaltninger")
    names = {d.code: d.name for d in check(contents[name]).catalogue.settings.departments}
    for code in data["adopted_by_department"]:
        assert departments[names[code]] == cells_of(data, "adopted_by_department", years,
                                                     inner=code), code
    assert departments["I alt"] == cells_of(data, "adopted_total", years)
    # every adopted proposal in its theme's table with its adopted amounts, no other
    shown: dict[str, list[str]] = {}
    for table in page.select("section.budget-theme table"):
        for label, cells in table_rows(page, table["id"]).items():
            if not label.startswith("Vedtaget i alt"):
                shown[label.split()[0]] = cells
    adopted = {p["id"]: p for p in data["proposals"] if p.get("outcome") == "vedtaget"}
    assert set(shown) == set(adopted)
    for pid, p in adopted.items():
        if not any(y in p.get("adopted_unknown", []) for y in map(str, years)):
            assert shown[pid] == series_cells(p["adopted"], years, data["decimals"]), pid
    # the proposals the council did not adopt, with their outcome in words
    not_adopted = table_rows(page, "budget-ikke-vedtaget")
    outcomes = {label.split()[0]: label.rsplit("– ", 1)[1] for label in not_adopted}
    expected = {p["id"]: {"forkastet": "Forkastet", "udskudt": "Udskudt"}[p["outcome"]]
                for p in data["proposals"] if p.get("outcome") in ("forkastet", "udskudt")}
    assert outcomes == expected
    assert len(expected) == data["decision_counts"]["forkastet"] + data["decision_counts"]["udskudt"]


@pytest.mark.parametrize("name", ["example", "followed"])
def test_follow_up_figures_equal_the_totals_json(contents, made, name):
    data = totals_json(contents[name])
    years = data["years"]
    page = soup(made[name] / "opfoelgning.html")
    overview = table_rows(page, "opf-pr-tema")
    assert overview["Forventet i alt"] == cells_of(data, "realisation_total", years)
    assert overview["Vedtaget i alt"] == cells_of(data, "adopted_total", years)
    assert overview["Afvigelse i alt"] == cells_of(data, "realisation_gap", years)
    difference = next(v for k, v in overview.items() if k.startswith("Difference til mål"))
    assert difference == cells_of(data, "realisation_difference", years, "-")
    names = {d.code: d.name for d in check(contents[name]).catalogue.settings.departments}
    expected_dep = table_rows(page, "opf-forventet-forvaltning")
    gap_dep = table_rows(page, "opf-afvigelse-forvaltning")
    for code in data["realisation_by_department"]:
        assert expected_dep[names[code]] == cells_of(data, "realisation_by_department", years,
                                                      inner=code)
        assert gap_dep[names[code]] == cells_of(data, "realisation_gap_by_department", years,
                                                 inner=code)
    # the summary: the count per traffic light, in words
    counts = {li["class"][0]: li.get_text(" ", strip=True) for li in page.select(".light-list li")}
    for key, n in data["realisation_counts"].items():
        if n:
            assert re.search(rf"\b{n} forslag\b", counts[f"light-{LIGHT_SLUG[key]}"]), key
        else:
            assert f"light-{LIGHT_SLUG[key]}" not in counts
    # each proposal: its current light in words, and its expectation as the history's last row
    words = {"grøn": "Grøn", "gul": "Gul", "rød": "Rød"}
    for p in data["proposals"]:
        article = page.find("article", id=f"opf-{p['id']}")
        if p.get("outcome") != "vedtaget":
            assert article is None, p["id"]
            continue
        light = article.find(class_="light-status")
        mark = light.find(class_="light-mark").get_text()
        status = light.get_text(" ", strip=True).replace(mark, "", 1).strip()
        realisation = p.get("realisation")
        if realisation is None or realisation["status"] is None:
            assert status.startswith("Ikke vurderet"), status
            assert page.find("table", id=f"opf-{p['id']}-forloeb") is not None
            continue
        assert status.startswith(words[realisation["status"]]), (p["id"], status)
        assert realisation["revision"] in status
        history = table_rows(page, f"opf-{p['id']}-forloeb")
        last = list(history.items())[-1]
        assert realisation["revision"] in last[0] and words[realisation["status"]] in last[0]
        if not realisation.get("expected_ranges") and not realisation.get("expected_unknown"):
            assert last[1] == series_cells(realisation["expected"], years, data["decimals"])
    # the red and yellow proposals, red first
    watch = page.find("table", id="opf-roed-gul")
    ids = [tr.find("th").get_text(" ", strip=True).split()[0]
           for tr in watch.select("tbody tr.line")]
    red = [p["id"] for p in data["proposals"] if (p.get("realisation") or {}).get("status") == "rød"]
    yellow = [p["id"] for p in data["proposals"] if (p.get("realisation") or {}).get("status") == "gul"]
    assert ids == red + yellow


# -- how it reads -----------------------------------------------------------------------------


def slug_of(tag: Any) -> str:
    (slug,) = [c[len("light-"):] for c in tag["class"]
               if c.startswith("light-") and c[len("light-"):] in LIGHT_SLUG.values()]
    return slug


@pytest.mark.parametrize("page_name", PAGES)
def test_a_traffic_light_is_always_words_with_a_coloured_mark(made, page_name):
    page = soup(made["example"] / page_name)
    css = "\n".join(style.get_text() for style in page.find_all("style"))
    for slug in LIGHT_SLUG.values():  # every light has a colour and a shape of its own
        assert re.search(rf"\.light-{slug} \{{ --light: #[0-9a-f]{{6}};", css), slug
        assert re.search(rf'tr\.light-{slug} > th\.label::before \{{ content: "."', css), slug
    names = {"groen": "grøn", "gul": "gul", "roed": "rød", "ingen": "ikke vurderet"}
    rows = page.select("tr.light")
    if page_name == "opfoelgning.html":
        assert len(rows) > 50
    for tr in rows:  # the words stand in the row's label or in its group's heading
        slug = slug_of(tr)
        label = tr.find("th").get_text(" ", strip=True).lower()
        group = tr.find_previous_sibling("tr", class_="group")
        heading = group.get_text(" ", strip=True).lower() if group else ""
        assert names[slug] in label or names[slug] in heading, label
    for status in page.select(".light-status"):
        slug = slug_of(status)
        mark = status.find(class_="light-mark")
        assert mark["aria-hidden"] == "true"
        assert status.get_text(" ", strip=True).lower().replace(mark.get_text(), "").strip() \
            .startswith(names[slug])


@pytest.mark.parametrize("page_name", PAGES)
def test_headings_in_order_and_ids_unique(made, page_name):
    page = soup(made["example"] / page_name)
    levels = [int(h.name[1]) for h in page.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    ids = [tag["id"] for tag in page.find_all(id=True)]
    assert len(ids) == len(set(ids))
    for link in page.select('a[href^="#"]'):  # every in-page link has its target
        assert page.find(id=link["href"][1:]) is not None, link["href"]
    for table in page.find_all("table"):  # every table has a caption and header cells
        assert table.find("caption") and table.find("thead").find("th")
        assert all(th.get("scope") for th in table.find_all("th"))


def test_markdown_in_comments_and_notes_is_rendered_and_safe(tmp_path):
    files = budget_files(2)
    files["proposals/A1.md"] = files["proposals/A1.md"].replace(
        "comment: Lejemålet kan først opsiges i 2028.",
        "comment: 'Lejemålet kan **først** opsiges i 2028. <script>alert(1)</script>'").replace(
        "note: Byrådet udskød en del af besparelsen.",
        "note: 'Se [sagen](https://example.org/sag) <img src=x onerror=alert(1)>'")
    content = write_tree(tmp_path / "content", files)
    run_planner(plan_budget_html, content, tmp_path / "out")
    follow = (tmp_path / "out" / "html" / "opfoelgning.html").read_text(encoding="utf-8")
    agreement = (tmp_path / "out" / "html" / "budgetaftale.html").read_text(encoding="utf-8")
    assert "Lejemålet kan <strong>først</strong> opsiges i 2028." in follow
    assert 'Se <a href="https://example.org/sag" rel="noopener noreferrer">sagen</a>' in agreement
    for html in (follow, agreement):
        assert "<script>alert" not in html and "onerror" not in html


# -- a real build, with the planner folded into the `html` format --------------------------------


def _html_with_budget(cat: Any, totals: Any, opts: Any) -> Any:
    return combine(plan_html(cat, totals, opts), plan_budget_html(cat, totals, opts))


@pytest.fixture(scope="module")
def site(contents, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("budget-site")
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(build_module.RENDERERS, "html", (_html_with_budget, ("html",)))
        for name in ("example", "none"):
            build(contents[name], root / name, ["html"], cache=False)
    return {name: root / name / "html" for name in ("example", "none")}


def test_a_build_with_the_planner_folded_in_makes_working_links(site):
    assert not any((site["none"] / p).exists() for p in PAGES)
    assert (site["none"] / "index.html").is_file()
    for name in PAGES:
        page = soup(site["example"] / name)
        targets = {a["href"] for a in page.find_all("a", href=True)
                   if not a["href"].startswith(("#", "http"))}
        assert any(t.startswith("forslag/") for t in targets)
        for target in targets:
            assert (site["example"] / target.split("#")[0]).is_file(), target
        assert page.find("link", rel="stylesheet")["href"] == "assets/katalog.css"


# -- in a browser: axe-core, phones ---------------------------------------------------------------

AXE = ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def driver():
    chromium = require_program("chromium", "chromium-browser")
    chromedriver = require_program("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="katalog-budget-chromium-")
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


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_violation_and_phones_need_no_sideways_scrolling(driver, site, name):
    axe = require_file(AXE, "axe-core")
    for width in (1280, 375, 320):
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": 900, "deviceScaleFactor": 1,
                                "mobile": False})
        driver.get((site["example"] / name).as_uri())
        scroll = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1], f"{name} at {width}px scrolls sideways: {scroll}"
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
        assert result["passes"] > 10
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{name} at {width}px: {bad}"


def test_the_follow_up_shows_the_realisation_chart_above_the_summary_table(contents, made):
    """Inline SVG with role="img", a title and a description that says the numbers, right
    above the summary's table (which has every figure); none on the agreement."""
    from katalog.pipeline import check
    from katalog.render.chart_status import STATUS_TITLE, status_alt, status_data

    checked = check(contents["example"])
    alt = status_alt(status_data(checked.catalogue, checked.totals))
    page = soup(made["example"] / "opfoelgning.html")
    svgs = page.find_all("svg")
    assert len(svgs) == 1 and svgs[0]["role"] == "img"
    assert svgs[0].find("title").get_text() == STATUS_TITLE
    assert svgs[0].find("desc").get_text() == alt
    box = svgs[0].find_parent("div", class_="chart")
    assert box.find_next("table")["id"] == "opf-sammenfatning"
    assert box.find_parent("section")["id"] == "sammenfatning"
    assert not soup(made["example"] / "budgetaftale.html").find_all("svg")
    assert soup(made["followed"] / "opfoelgning.html").find("svg") is not None
