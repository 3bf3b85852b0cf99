"""render.html: the static site, read back with BeautifulSoup."""

from __future__ import annotations

import json
import re
from decimal import Decimal as D
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from katalog.build import build
from katalog.numbers import format_exact, parse_number, unit_label
from conftest import write_tree


@pytest.fixture
def site(small, tmp_path) -> Path:
    build(small, tmp_path / "out", ["html", "totals"])
    return tmp_path / "out"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


LOOK_STYLE = re.compile(r":root \{ --accent: #[0-9a-f]{6}; --accent-light: #[0-9a-f]{6}; "
                        r"--accent-mid: #[0-9a-f]{6}; \}")


def own_style(el) -> bool:
    """katalog's own <style> elements: the look's colours in the head (from validated
    colours only) and the chart's own drawing attributes inside its SVG."""
    if el.name != "style":
        return False
    if el.find_parent("svg") is not None and el.find_parent(class_="chart") is not None:
        return "url(" not in el.get_text() and "@import" not in el.get_text()
    return el.parent.name == "head" and LOOK_STYLE.fullmatch(el.get_text()) is not None


def pages(site: Path) -> list[Path]:
    return sorted((site / "html").rglob("*.html"))


def test_page_set(site):
    html = site / "html"
    names = {p.relative_to(html).as_posix() for p in pages(site)}
    assert {"index.html", "hele-kataloget.html", "soeg.html", "tema/administration.html",
            "tema/it.html", "tema/gammelt.html", "forslag/A1.html", "forslag/A2.html",
            "forslag/I1.html", "forslag/I2.html"} <= names


def test_every_page_is_accessible_by_structure(site):
    check_structure(pages(site))


def check_structure(files: list[Path]) -> None:
    """lang, one h1, headings in order, skip link, captions and header scopes on every page."""
    assert files
    for page in files:
        doc = soup(page)
        assert doc.html["lang"] == "da", page
        assert len(doc.find_all("h1")) == 1, page
        levels = [int(h.name[1]) for h in doc.find_all(re.compile(r"^h[1-6]$"))]
        assert levels[0] == 1
        for a, b in zip(levels, levels[1:]):
            assert b <= a + 1, f"{page}: heading h{a} → h{b}"
        assert doc.find("a", class_="skip-link")["href"] == "#indhold"
        assert doc.find(id="indhold") is not None
        for table in doc.find_all("table"):
            assert table.find("caption") is not None, page
            for th in table.find_all("th"):
                assert th.get("scope") in ("col", "row", "rowgroup"), (page, th)


def _table_values(table) -> dict[str, list[str]]:
    rows = {}
    for tr in table.find("tbody").find_all("tr"):
        th = tr.find("th")
        rows[th.get_text(" ", strip=True)] = [td.get_text(strip=True) for td in tr.find_all("td", class_="num")]
    return rows


def test_overview_amounts_equal_totals(site):
    data = json.loads((site / "totals.json").read_text(encoding="utf-8"), parse_float=D)
    doc = soup(site / "html/index.html")
    table = doc.find("table", id="oversigt")
    assert "1.000" in table.caption.get_text() and "2026" in table.caption.get_text()
    rows = _table_values(table)
    years = [str(y) for y in data["years"]]
    for theme in data["themes"]:
        label = next(k for k in rows if k.startswith(f"{theme['number']}. "))
        for year, cell in zip(years, rows[label]):
            if theme.get("merged_into"):
                assert cell == ""
            elif year in theme.get("unknown", []):
                known = theme.get("partial", {}).get(year)
                assert cell == ("?" if known is None else f"{format_exact(D(known))} +?")
            elif year in theme["amounts"]:
                assert parse_number(cell) == D(theme["amounts"][year])
            else:
                assert cell == "-"
    total = rows["I alt"]
    assert total == ["-251", f"{format_exact(D(data['total_partial']['2027']))} +?", "-8.500"]
    assert "?" not in data["total"].get("2027", "")  # the known part is never the total


def test_proposal_page_economy_table(site):
    doc = soup(site / "html/forslag/A1.html")
    assert doc.h1.get_text(" ", strip=True) == "A1 Samling af administration"
    table = doc.find("table", class_="amounts")
    assert table.caption.get_text(" ", strip=True).startswith("Tabel 1. Forslagets samlede økonomiske konsekvenser")
    rows = _table_values(table)
    assert rows["Samlet varig ændring"] == ["-3.000", "-6.000", "-6.000"]
    assert rows["Samlede engangsudgifter"] == ["5.000", "500", "-"]
    assert rows["Samlede engangsudgifter, service"] == ["4.000", "500", "-"]
    assert rows["Samlet økonomisk påvirkning"] == ["2.000", "-5.500", "-6.000"]
    groups = [th.get_text(strip=True) for th in table.find_all("th", scope="rowgroup")]
    assert groups == ["Varige ændringer", "Engangsudgifter/implementering"]
    assert "Tilbagebetalingstid" in doc.get_text() and "2 år" in doc.get_text()
    facts = doc.find("dl", class_="facts").get_text(" ", strip=True)
    assert "Socialforvaltningen" in facts and "1. Administration" in facts


def test_unknown_is_marked(site):
    doc = soup(site / "html/forslag/A2.html")
    marks = doc.find_all("abbr", class_="unknown")
    assert marks and all(m["title"] == "ukendt beløb" for m in marks)
    assert "endnu ikke kendt" in doc.get_text()


def test_withdrawn_is_shown_as_not_counted(site):
    doc = soup(site / "html/tema/it.html")
    text = doc.get_text(" ", strip=True)
    assert "I2 Trukket forslag (trukket, tæller ikke med)" in text
    assert "indgår ikke i totalerne" in soup(site / "html/forslag/I2.html").get_text()


def test_links_are_relative_and_resolve(site):
    html = site / "html"
    for page in pages(site):
        doc = soup(page)
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src")):
            for el in doc.find_all(tag):
                url = el.get(attr)
                if not url:
                    continue
                parts = urlsplit(url)
                if parts.scheme in ("http", "https", "mailto"):
                    assert tag == "a", f"{page}: external {tag} {url}"
                    continue
                assert not parts.scheme and not url.startswith("/"), (page, url)
                target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
                assert target.exists(), (page, url)
                if parts.fragment:
                    assert soup(target).find(id=unquote(parts.fragment)) is not None, (page, url)


def test_single_page_has_everything_in_order(site):
    doc = soup(site / "html/hele-kataloget.html")
    ids = [a["id"] for a in doc.find_all("article")]
    assert ids == ["forslag-A1", "forslag-A2", "forslag-I1", "forslag-I2"]
    toc = [a["href"] for a in doc.find("nav", class_="toc").find_all("a")]
    assert "#forslag-A1" in toc and "#tema-it" in toc


def test_hostile_markdown_is_sanitised(small, tmp_path):
    hostile = """
        <script>alert('x')</script>
        <img src="https://evil.example/x.png" onerror="alert(1)">
        [klik](javascript:alert(1)) <a href="#" onclick="alert(2)">a</a>
        <iframe src="https://evil.example"></iframe>
        <style>body{display:none}</style>
        [ok](https://www.example.dk/side)
        """
    p = small / "proposals/A1.md"
    # one block each (in CommonMark a raw HTML block runs on to the next blank line)
    p.write_text(p.read_text(encoding="utf-8").rstrip() + "\n\n" + "\n\n".join(
        line.strip() for line in hostile.splitlines()) + "\n", encoding="utf-8")
    build(small, tmp_path / "out", ["html"])
    for page in [tmp_path / "out/html/forslag/A1.html", tmp_path / "out/html/hele-kataloget.html"]:
        text = page.read_text(encoding="utf-8")
        body = soup(page).find("main")
        assert not [e for e in body.find_all(["script", "iframe", "img", "style"])
                    if not own_style(e)]
        assert "javascript:" not in text and "onerror" not in text and "onclick" not in text
        assert "evil.example" not in text
        assert body.find("a", href="https://www.example.dk/side") is not None


def test_markdown_features(small, tmp_path):
    p = small / "proposals/A1.md"
    p.write_text(p.read_text(encoding="utf-8").replace("Tekst.", (
        "# Beskrivelse\n\nMed **fed** og *kursiv*.\n\n- a\n    - b\n\n1. en\n2. to\n\n"
        "| Post | Beløb |\n|---|--:|\n| Løn | 1.000 |\n\n> citat\n\n## Risiko\n\nLav.\n")),
        encoding="utf-8")
    build(small, tmp_path / "out", ["html"])
    doc = soup(tmp_path / "out/html/forslag/A1.html")
    body = doc.find("div", class_="body")
    assert [h.name for h in body.find_all(re.compile("^h"))] == ["h2", "h3"]
    assert body.find("strong").text == "fed" and body.find("em").text == "kursiv"
    assert body.find("ul").find("ul") is not None and body.find("ol") is not None
    assert body.find("td", align="right") is not None
    assert body.find("blockquote") is not None
    all_doc = soup(tmp_path / "out/html/hele-kataloget.html")
    article = all_doc.find("article", id="forslag-A1")
    assert [h.name for h in article.find("div", class_="body").find_all(re.compile("^h"))] == ["h4", "h5"]


def test_search_page_and_index(site):
    doc = soup(site / "html/soeg.html")
    rows = doc.find("table", id="forslagsliste").find("tbody").find_all("tr")
    assert [r["data-id"] for r in rows] == ["A1", "A2", "I1", "I2"]
    assert rows[3]["data-status"] == "trukket"
    assert doc.find("select", id="tema") is not None
    index = (site / "html/assets/search-index.js").read_text(encoding="utf-8")
    entries = json.loads(index.removeprefix("window.KATALOG_INDEX = ").rstrip().rstrip(";"))
    assert {e["id"] for e in entries} == {"A1", "A2", "I1", "I2"}
    assert "Færre og enklere" not in index  # theme bodies are not proposal text


def test_rebuild_is_byte_identical(small, tmp_path):
    build(small, tmp_path / "a", ["html"])
    build(small, tmp_path / "b", ["html"])
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert a == b


def test_template_override(small, tmp_path):
    custom = write_tree(tmp_path / "mine", {
        "html/assets/katalog.css": "body { color: #000; } /* min kommune */\n",
        "html/theme.html": """
            {% extends "base.html" %}
            {% block title %}Tema {{ t.number }}{% endblock %}
            {% block main %}<h1>Vores tema: {{ t.title }}</h1>{% endblock %}
            """,
    })
    build(small, tmp_path / "out", ["html"], templates=custom)
    assert "min kommune" in (tmp_path / "out/html/assets/katalog.css").read_text()
    assert soup(tmp_path / "out/html/tema/it.html").h1.text == "Vores tema: Digitalisering"
    assert (tmp_path / "out/html/assets/search.js").exists()  # defaults still used


def test_building_one_format_keeps_the_others(small, tmp_path):
    out = tmp_path / "out"
    build(small, out, ["html", "totals"])
    build(small, out, ["totals"])
    assert (out / "html/index.html").exists()


# -- the whole example, crawled ----------------------------------------------------------------

@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Path:
    from conftest import EXAMPLE

    out = tmp_path_factory.mktemp("example") / "out"
    build(EXAMPLE, out, ["html"], cache=False)
    return out / "html"


def test_the_front_page_links_the_budget_year_pages(example_site, site):
    """Task of issue 16's pages: the front page's "Budgetåret" lists the budget year's pages
    (the example has a decision round and two follow-ups); without a budget year it has no
    such section."""
    front = soup(example_site / "index.html")
    heading = front.find("h2", id="budgetaaret")
    assert heading is not None and heading.get_text() == "Budgetåret"
    links = heading.find_next_sibling("ul", class_="budget-links").find_all("a")
    assert [(a["href"], a.get_text()) for a in links] == [
        ("budgetaftale.html", "Budgetaftale"), ("opfoelgning.html", "Status på realisering")]
    for a in links:
        assert (example_site / a["href"]).is_file()
    assert "BO2 2027" in links[1].parent.get_text()  # the latest follow-up
    # before the overview, after the cover's facts
    assert heading.find_previous("dl", class_="cover-facts") is not None
    assert heading.find_next("h2").get_text() == "Oversigt over temaer"
    small_front = soup(site / "html/index.html")
    assert small_front.find(id="budgetaaret") is None and "Budgetåret" not in str(small_front)


def _urls(doc: BeautifulSoup):
    for el in doc.find_all(True):
        for attr in ("href", "src", "action", "srcset", "poster", "data"):
            if el.get(attr):
                yield el, attr, el[attr]


def test_example_is_self_contained_and_every_link_resolves(example_site):
    css = "".join(p.read_text(encoding="utf-8") for p in (example_site / "assets").glob("*.css"))
    assert "url(" not in css and "@import" not in css
    anchors: dict[Path, set[str]] = {}
    checked = 0
    for page in sorted(example_site.rglob("*.html")):
        doc = soup(page)
        for el, attr, url in _urls(doc):
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                # only links written by the catalogue's authors may leave the site
                assert el.name == "a" and parts.scheme in ("http", "https", "mailto"), (page, url)
                assert el.find_parent(class_="body") is not None, (page, url)
                continue
            assert not url.startswith("/"), (page, url)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file() and example_site.resolve() in target.parents, (page, url)
            if parts.fragment:
                if target not in anchors:
                    anchors[target] = {e["id"] for e in soup(target).find_all(id=True)}
                assert unquote(parts.fragment) in anchors[target], (page, url)
            checked += 1
    assert checked > 500


def test_example_ids_are_unique_and_all_html_keeps_its_structure(example_site):
    for page in sorted(example_site.rglob("*.html")):
        ids = [e["id"] for e in soup(page).find_all(id=True)]
        assert len(ids) == len(set(ids)), page
    doc = soup(example_site / "hele-kataloget.html")
    main = doc.find("main")
    assert main.find("section", class_="cover").find("h1") is not None
    toc = main.find("nav", class_="toc")
    targets = [a["href"][1:] for a in toc.find_all("a")]
    assert all(doc.find(id=t) for t in targets)
    sections = main.find_all("section", class_="theme", recursive=False)
    assert [s["id"] for s in sections] == [t for t in targets if t.startswith("tema-")]
    assert len(main.find_all("article", class_="proposal")) == len(list((example_site / "forslag").glob("*.html")))


def test_example_pages_are_accessible_by_structure(example_site):
    check_structure(sorted(example_site.rglob("*.html")))


def test_body_tables_are_accessible(example_site):
    doc = soup(example_site / "forslag/ADM-01.html")
    table = doc.find("div", class_="body").find("table")
    assert table.find_parent("div", class_="table-wrap")["tabindex"] == "0"
    assert "Center" in table.caption.get_text()
    assert table.find("thead") is not None and table.find("tbody") is not None
    assert table.find_all("th") == table.thead.find_all("th")
    assert all(th.attrs == {"scope": "col"} for th in table.find_all("th"))
    assert table.find_parent("div", class_="table-wrap")["aria-label"].startswith("ADM-01: Tabel")
    empty_head = soup(example_site / "forslag/BYG-02.html").find("div", class_="body").find("thead")
    assert empty_head.find("td") is not None and all(th.get_text(strip=True) for th in empty_head("th"))


def test_visible_caption_from_a_tabel_paragraph(small, tmp_path):
    p = small / "proposals/A1.md"
    p.write_text(p.read_text(encoding="utf-8").replace("Tekst.", (
        "Tekst.\n\nTabel 2. Nøgletal for *centrene*\n\n| Center | Antal |\n|---|--:|\n| Løn | 4 |\n")),
        encoding="utf-8")
    build(small, tmp_path / "out", ["html"])
    table = soup(tmp_path / "out/html/forslag/A1.html").find("div", class_="body").find("table")
    assert table.caption.get_text() == "Tabel 2. Nøgletal for centrene"
    assert "visually-hidden" not in (table.caption.get("class") or [])
    assert table.find_previous("p").get_text() == "Tekst."


def test_search_page_works_without_javascript(site):
    doc = soup(site / "html/soeg.html")
    assert doc.find("form", id="soegeform").has_attr("hidden")  # the script shows it
    rows = doc.find("table", id="forslagsliste").find("tbody").find_all("tr")
    assert rows and not any(r.has_attr("hidden") for r in rows)
    assert all(r.find("a")["href"].startswith("forslag/") for r in rows)
    assert [s["src"] for s in doc.find_all("script")] == ["assets/search-index.js", "assets/search.js"]


def test_theme_page_lists_its_proposals(site):
    doc = soup(site / "html/tema/administration.html")
    items = doc.find("ul", class_="proposal-list").find_all("li")
    assert [li.h3.get_text(" ", strip=True) for li in items] == [
        "A1 Samling af administration", "A2 Færre møder"]
    assert "Administrationen samles." in items[0].get_text()
    assert "Status: Forslag" in items[0].get_text(" ", strip=True)
    merged = soup(site / "html/tema/gammelt.html")
    assert "slået sammen med" in merged.find("p", class_="notice").get_text()
    assert merged.find("table") is None


def test_unit_and_price_level_at_every_amount_table(site):
    for page in pages(site):
        for table in soup(page).find_all("table", class_="amounts"):
            assert unit_label(1000, 2026) in table.caption.get_text(), page
            for td in table.find_all("td", class_="num"):
                text = td.get_text(strip=True)
                assert text == "" or re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?( [+−] ?\?)?|-|\?", text), (page, text)


# -- safety: hostile strings in front matter ---------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href", "srcset"}
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)><a href='javascript:alert(3)'>x</a>"


def _yaml_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_hostile_front_matter_is_escaped_everywhere(small, tmp_path):
    h = _yaml_str(HOSTILE)
    (small / "catalogue.yaml").write_text(
        (small / "catalogue.yaml").read_text(encoding="utf-8")
        .replace("title: Budgetkatalog 2026", f"title: {h}\nsubtitle: {h}")
        .replace("organisation: Testby Kommune", f"organisation: {h}")
        .replace("name: Socialforvaltningen", f"name: {h}"), encoding="utf-8")
    theme = small / "themes/02-it.md"
    theme.write_text(theme.read_text(encoding="utf-8").replace("title: Digitalisering", f"title: {h}"),
                     encoding="utf-8")
    a1 = small / "proposals/A1.md"
    a1.write_text(a1.read_text(encoding="utf-8")
                  .replace("title: Samling af administration", f"title: {h}")
                  .replace("summary: Administrationen samles.", f"summary: {h}\ntags: [{h}]\nconsulted:\n"
                           f"  - {{party: {h}, approved: true, note: {h}}}\nhearing:\n"
                           f"  - {{body: {h}, comment: {h}}}\nfollowup:\n  - {{goal: {h}, measure: {h}}}")
                  .replace("text: Lønbesparelse", f"text: {h}")
                  .replace("Tekst.", HOSTILE + "\n\n[x](javascript:alert(4)) [y](JaVaScRiPt:alert(5))"),
                  encoding="utf-8")
    build(small, tmp_path / "out", ["html"])
    own_scripts = {"assets/search-index.js", "assets/search.js"}
    for page in pages(tmp_path / "out"):
        doc = soup(page)
        for script in doc.find_all("script"):
            assert script.get("src") in own_scripts and not script.string, page
        for el in doc.find_all(True):
            assert el.name not in ("img", "iframe", "object", "embed", "style") or own_style(el), (
                page, el.name)
            for attr, value in el.attrs.items():
                assert not attr.lower().startswith("on"), (page, el.name, attr)
                if attr in URL_ATTRIBUTES:
                    assert not re.sub(r"\s", "", value).lower().startswith(("javascript:", "data:",
                                                                              "vbscript:")), (page, attr)
    a1_doc = soup(tmp_path / "out/html/forslag/A1.html")
    assert HOSTILE in a1_doc.h1.get_text()  # shown as text, not dropped
    comment = a1_doc.find("section", class_="hearing-comment")
    assert HOSTILE in comment.find(re.compile(r"^h\d$")).get_text()  # the committee: text
    body = comment.find("div", class_="comment")  # the comment: Markdown, sanitised
    assert not body.find_all(["script", "img"]) and not any(a.get("href") for a in body("a"))
    index = (tmp_path / "out/html/assets/search-index.js").read_text(encoding="utf-8")
    assert "</script" not in index.lower()


# -- rebuilds ----------------------------------------------------------------------------------

def test_rebuild_shows_every_change(small, tmp_path):
    """A rebuild after an edit equals a fresh build. The cache holds the proposals' pages
    (one entry each, in the namespace's packs: see test_html_cache.py), the overview chart and the compiled
    templates (none when the default templates were compiled at install); the pages that
    list every proposal are made in every build."""
    from katalog.cache import FOLDER
    from katalog.render import precompiled

    out = tmp_path / "out"
    first = build(small, out, ["html"])
    assert first.reused == [] and "forslag/A1.html" in first.made
    a1 = small / "proposals/A1.md"
    a1.write_text(a1.read_text(encoding="utf-8").replace("2028: -6000}", "2028: -7000}")
                  + "Ny tekst i brødteksten.\n", encoding="utf-8")
    again = build(small, out, ["html"])
    assert [m for m in again.made if m.startswith("forslag/")] == ["forslag/A1.html"]
    assert "-7.000" in (out / "html/forslag/A1.html").read_text(encoding="utf-8")
    assert "Ny tekst" in (out / "html/assets/search-index.js").read_text(encoding="utf-8")
    build(small, tmp_path / "fresh", ["html"], cache=False)
    for page in pages(out):
        assert page.read_bytes() == (tmp_path / "fresh" / page.relative_to(out)).read_bytes()
    assert sorted(p.name for p in (tmp_path / FOLDER).iterdir()) == [
        ".gitignore", "CACHEDIR.TAG", "check", "check-files.pack", "check-report",
        "documents.pack", "html", *([] if precompiled.loaded() else ["jinja"])]
    proposals = [m for m in first.made if m.startswith("forslag/")]
    assert _entries(tmp_path / FOLDER / "html") == len(proposals) + 1  # and the overview chart


def _entries(folder):
    """How many records a cache namespace holds: a file each, or entries of its packs."""
    from katalog.cache import FORMAT, _unpack_entries

    count = 0
    for path in folder.rglob("*"):
        if path.suffix == ".pack":
            count += len(_unpack_entries(path.read_bytes()[len(FORMAT) + 32:]))
        elif path.is_file():
            count += 1
    return count


def test_template_change_shows_in_the_next_build(small, tmp_path):
    custom = write_tree(tmp_path / "mine", {"html/assets/katalog.css": "body { color: #000; }\n"})
    out = tmp_path / "out"
    build(small, out, ["html"], templates=custom)
    (custom / "html/assets/katalog.css").write_text("body { color: #111; }\n", encoding="utf-8")
    build(small, out, ["html"], templates=custom)
    assert (out / "html/assets/katalog.css").read_text(encoding="utf-8") == "body { color: #111; }\n"


def test_scroll_regions_have_unique_names(example_site):
    for page in [example_site / "hele-kataloget.html", example_site / "forslag/ADM-01.html"]:
        doc = soup(page)
        names = []
        for region in doc.find_all(role="region"):
            if region.get("aria-label"):
                names.append(region["aria-label"])
            else:
                ids = region["aria-labelledby"].split()
                names.append(" ".join(doc.find(id=i).get_text(" ", strip=True) for i in ids))
        assert names and len(names) == len(set(names)), page


def test_example_builds_byte_identical_with_and_without_cache(example_site, tmp_path):
    from conftest import EXAMPLE

    for _ in range(2):  # the second build takes every page from the cache
        build(EXAMPLE, tmp_path / "out", ["html"])
    again = tmp_path / "out/html"
    files = sorted(p.relative_to(example_site) for p in example_site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (example_site / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_cli_templates_option_overrides_one_stylesheet(small, tmp_path):
    from click.testing import CliRunner

    from katalog.cli import main

    custom = write_tree(tmp_path / "mine", {"html/assets/print.css": "/* vores tryk */\n"})
    result = CliRunner().invoke(main, ["build", str(small), "--out", str(tmp_path / "out"),
                                       "--format", "html", "--templates", str(custom)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/html/assets/print.css").read_text() == "/* vores tryk */\n"
    assert "Spring til indholdet" in (tmp_path / "out/html/index.html").read_text(encoding="utf-8")


def test_front_page_facts_and_search_notes(site):
    facts = soup(site / "html/index.html").find("dl", class_="facts")
    pairs = {d.dt.get_text(strip=True): d.dd.get_text(strip=True) for d in facts.find_all("div")}
    assert "Organisation" not in pairs  # above the title, not a fact
    assert soup(site / "html/index.html").find(class_="site-org").get_text() == "Testby Kommune"
    assert pairs["Budgetår"] == "2026" and pairs["Overslagsår"] == "2027–2028"
    assert pairs["Beløb"] == unit_label(1000, 2026)
    notes = [p.get_text() for p in soup(site / "html/soeg.html").find_all("p", class_="table-note")]
    assert any("negativt fortegn" in n for n in notes) and any("endnu ikke kendt" in n for n in notes)


def test_table_pattern_matches_as_the_plain_form():
    """`_TABLE` starts with "<" for speed; it must find exactly what the plain form finds."""
    import itertools

    from katalog.render.html import _TABLE

    plain = re.compile(r"(?:<p>(?P<cap>Tabel\s[^<]*(?:<(?!/p>)[^<]*)*)</p>\s*)?<table>(?P<inner>.*?)</table>",
                       re.DOTALL)
    pieces = ["<p>", "</p>", "Tabel 1", "Tabel", "<table>", "</table>", "<", " \n", "<em>x</em>", "p>"]
    texts = ["".join(c) for n in range(1, 6) for c in itertools.product(pieces, repeat=n)]
    assert len(texts) > 100_000
    for text in texts:
        found = [(m.span(), m.groupdict()) for m in _TABLE.finditer(text)]
        assert found == [(m.span(), m.groupdict()) for m in plain.finditer(text)], text


# -- proposal pages in the process pool ------------------------------------------------------

def files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def pool(monkeypatch):
    """The pool for any number of proposals, on 2 workers; the number of pools started."""
    from katalog import parallel
    from katalog.render import html

    if not parallel.starts_cheaply():
        pytest.skip("the pool starts by fork only on Linux with one thread running")
    started = []
    real = parallel.ProcessPoolExecutor

    class Counted(real):
        def __init__(self, *args, **kwargs):
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Counted)
    monkeypatch.setattr(html, "PARALLEL_MIN_PROPOSALS", 2)
    monkeypatch.setenv("KATALOG_WORKERS", "2")
    return started


def test_pool_and_serial_give_the_same_bytes(example, tmp_path, monkeypatch, pool):
    """Proposal pages and the single page's articles made by forked workers (which inherit
    the site: nothing is pickled) are byte for byte those made in this process."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = build(example, tmp_path / "pool", ["html"], cache=False)
    assert pool == [1] and "forslag/ADM-01.html" in result.made
    monkeypatch.setenv("KATALOG_WORKERS", "1")
    build(example, tmp_path / "serial", ["html"], cache=False)
    assert pool == [1]
    serial = files(tmp_path / "serial")
    assert len(serial) > 20 and any(rel.startswith("html/forslag/") for rel in serial)
    assert files(tmp_path / "pool") == serial


def test_a_failing_worker_leaves_the_previous_build(small, tmp_path, monkeypatch, pool):
    from katalog.render import html

    out = tmp_path / "out"
    build(small, out, ["html"])
    before = files(out)
    real = html._proposal_pages

    def failing(pages, i):
        if i == 1:
            raise RuntimeError("worker failed")
        return real(pages, i)

    monkeypatch.setattr(html, "_proposal_pages", failing)
    i1 = small / "proposals/I1.md"
    i1.write_text(i1.read_text(encoding="utf-8") + "Ny tekst.\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="worker failed"):
        build(small, out, ["html"])
    assert len(pool) == 2 and files(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_the_planner_alone_makes_the_site(small, tmp_path, monkeypatch):
    """A renderer needs no pool, cache or executor to be tested: its plan's jobs, run one by
    one, give the files a build writes."""
    from katalog.build import document_date
    from katalog.pipeline import check
    from katalog.render.html import plan_html
    from katalog.render.plan import Inputs, Options, piece
    from katalog.render.templates import TemplateSet

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    checked = check(small)
    opts = Options(TemplateSet.create(), document_date(checked.catalogue.settings.date, small))
    plan = plan_html(checked.catalogue, checked.totals, opts)
    made = {}

    def run(job):
        if job not in made:
            made[job] = job.run(Inputs([run(d) for d in job.deps]))
        return made[job]

    files = {a.path: run(a.job) if a.part is None else piece(run(a.job), a.part)
             for a in plan.artifacts}
    build(small, tmp_path / "out", ["html"], cache=False)
    assert files == {rel: data for rel, data in files_of(tmp_path / "out").items()
                     if rel not in (".katalog-build", ".gitignore")}


def files_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_catalogue_without_proposals_makes_a_site(tmp_path):
    """No proposals (and so no chart): the single page has no job to wait for and is made
    all the same (it was called without its inputs and the build crashed)."""
    content = write_tree(tmp_path / "content", {
        "catalogue.yaml": """
            title: Tomt katalog
            organisation: Testby Kommune
            years: [2028, 2029]
            price_level: 2028
            unit: 1
            departments: [{code: SOF, name: Socialforvaltningen}]
            """,
        "themes/t1.md": "---\nid: t1\nnumber: 1\ntitle: Et tema\n---\n",
    })
    (content / "proposals").mkdir()
    result = build(content, tmp_path / "out", ["html"])
    single = (result.out / "html/hele-kataloget.html").read_text(encoding="utf-8")
    assert "Tomt katalog" in single and "Et tema" in single
