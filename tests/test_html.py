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
from katalog.numbers import format_exact, parse_number
from conftest import write_tree


@pytest.fixture
def site(small, tmp_path) -> Path:
    build(small, tmp_path / "out", ["html", "totals"])
    return tmp_path / "out"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def pages(site: Path) -> list[Path]:
    return sorted((site / "html").rglob("*.html"))


def test_page_set(site):
    html = site / "html"
    names = {p.relative_to(html).as_posix() for p in pages(site)}
    assert {"index.html", "hele-kataloget.html", "soeg.html", "tema/administration.html",
            "tema/it.html", "tema/gammelt.html", "forslag/A1.html", "forslag/A2.html",
            "forslag/I1.html", "forslag/I2.html"} <= names


def test_every_page_is_accessible_by_structure(site):
    for page in pages(site):
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
    p.write_text(p.read_text(encoding="utf-8").rstrip() + "\n" + "\n".join(
        line.strip() for line in hostile.splitlines()) + "\n", encoding="utf-8")
    build(small, tmp_path / "out", ["html"])
    for page in [tmp_path / "out/html/forslag/A1.html", tmp_path / "out/html/hele-kataloget.html"]:
        text = page.read_text(encoding="utf-8")
        body = soup(page).find("main")
        assert not body.find_all(["script", "iframe", "img", "style"])
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
