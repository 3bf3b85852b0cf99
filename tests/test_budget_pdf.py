"""`render.budget_pdf`: the budget year's PDFs, made by the executor and read back: only with
a budget year, the catalogue's look (cover, running header, "Side X af Y", bookmarks),
tagged PDF/UA-1 as the catalogue's PDFs (pdfua_rules), the figures of `katalog totals
--format json`, every adopted proposal's traffic light in words, the same bytes twice, and a
build with the planner folded into the `pdf` format."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from katalog import build as build_module
from katalog.build import build
from katalog.render.budget_docs import LIGHT_MARK, combine
from katalog.render.budget_pdf import plan_budget_pdf

from budget_docs_fixture import catalogues, cells_of, run_planner, totals_json
from conftest import pdf_pages_text
from pdfua_rules import figures, problems

FILES = ("budgetaftale.pdf", "opfoelgning.pdf")


@pytest.fixture(scope="module")
def contents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return catalogues(tmp_path_factory.mktemp("budget-pdf"))


@pytest.fixture(scope="module")
def made(contents: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("budget-pdf-out")
    for name in ("example", "decided", "none"):
        run_planner(plan_budget_pdf, contents[name], root / name)
    return {name: root / name for name in ("example", "decided", "none")}


def lines(pages: list[str]) -> list[str]:
    return [" ".join(line.split()) for page in pages for line in page.splitlines()
            if line.strip()]


@pytest.mark.parametrize("name, files", [("example", FILES), ("decided", FILES[:1]),
                                         ("none", ())])
def test_made_only_when_the_content_has_a_budget_year(made, name, files):
    assert tuple(f for f in FILES if (made[name] / f).is_file()) == files


@pytest.mark.parametrize("file, title", [("budgetaftale.pdf", "Budgetaftale 2027"),
                                         ("opfoelgning.pdf", "Status på realisering")])
def test_the_catalogues_look_cover_header_page_numbers_bookmarks(made, file, title):
    path = made["example"] / file
    pages = pdf_pages_text(path)
    n = len(pages)
    assert n == len(PdfReader(path).pages) and n >= 4
    assert title in pages[0] and "Side 1 af" not in pages[0]  # the cover: no page number
    for number, page in enumerate(pages[1:], start=2):
        assert f"Side {number} af {n}" in page
        assert page.strip().splitlines()[0].strip().startswith(title)  # running header
        assert "Eksempel Kommune" in page
    outline = PdfReader(path).outline
    top = [o.title for o in outline if not isinstance(o, list)]
    assert top[0] == "Indhold"
    if file == "opfoelgning.pdf":
        assert top[1:5] == ["Sammenfatning", "Forslag med rød eller gul status",
                            "Forventet realisering pr. tema", "Fordeling på forvaltninger"]
        i = next(i for i, o in enumerate(outline) if not isinstance(o, list)
                 and o.title == "Tema 1: Administrativ organisering og opgavefællesskaber")
        children = outline[i + 1]  # the theme's proposals, nested under it
        assert [c.title for c in children][:3] == [
            "ADM-01 Samling af Socialforvaltningens administration i fire tværgående centre",
            "ADM-02 Administrativt fællesskab for skoler og dagtilbud",
            "ADM-03 Fælles juridisk center"]
    else:
        assert top[1:3] == ["Vedtaget pr. tema", "Byrådets ændringer af forslagene"]
        assert top[-1] == "Byrådets afgørelser"


@pytest.mark.parametrize("file", FILES)
def test_tagged_pdf_ua_with_metadata(made, file):
    data = (made["example"] / file).read_bytes()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert problems(pdf) == []
        assert str(pdf.Root.Lang) == "da"
        assert pdf.Root.MarkInfo.Marked
        assert b'pdfuaid:part="1"' in pdf.Root.Metadata.read_bytes()
    meta = PdfReader(made["example"] / file).metadata
    assert meta.author == "Eksempel Kommune"
    assert meta.title in ("Budgetaftale 2027", "Status på realisering")


def _row(text: list[str], label: str) -> list[str]:
    """The amounts on the first line that starts with `label`."""
    line = next(x for x in text if x.startswith(label))
    return re.findall(r"-?\d[\d.]*(?: \+ \?)?|(?<!\S)\?(?!\S)|(?<!\S)-(?!\S)", line[len(label):])


def test_the_figures_equal_the_totals_json(contents, made):
    data = totals_json(contents["example"])
    years = data["years"]
    agreement = lines(pdf_pages_text(made["example"] / "budgetaftale.pdf"))
    assert _row(agreement, "Vedtaget i alt ") == cells_of(data, "adopted_total", years)
    assert _row(agreement, "Difference til mål (positiv = målet er mere end nået) ") == \
        cells_of(data, "adopted_difference", years, "-")
    follow = lines(pdf_pages_text(made["example"] / "opfoelgning.pdf"))
    assert _row(follow, "Forventet i alt ") == cells_of(data, "realisation_total", years)
    assert _row(follow, "Afvigelse i alt ") == cells_of(data, "realisation_gap", years)
    joined = "\n".join(follow)
    for key, n in data["realisation_counts"].items():
        if n:
            name = {"grøn": "Grøn", "gul": "Gul", "rød": "Rød", "ingen": "Ikke vurderet"}[key]
            assert f"{name}: {n} forslag" in joined


def test_every_adopted_proposal_shows_its_light_in_words(contents, made):
    data = totals_json(contents["example"])
    text = " ".join(lines(pdf_pages_text(made["example"] / "opfoelgning.pdf")))
    meaning = {"grøn": "Grøn: forventes realiseret som vedtaget",
               "gul": "Gul: realiseringen er usikker",
               "rød": "Rød: forventes ikke realiseret som vedtaget"}
    adopted = [p for p in data["proposals"] if p.get("outcome") == "vedtaget"]
    assert len(adopted) == 28
    for p in adopted:  # under its heading: its mark, then its light in words
        status = p["realisation"]["status"]
        assert f"{p['id']} {p['title']} {LIGHT_MARK[status]} {meaning[status]}" in text, p["id"]


def test_same_content_gives_the_same_bytes(contents, made, tmp_path):
    run_planner(plan_budget_pdf, contents["example"], tmp_path / "again")
    for file in FILES:
        assert (tmp_path / "again" / file).read_bytes() == (made["example"] / file).read_bytes()


def _pdf_with_budget(cat, totals, opts):  # type: ignore[no-untyped-def]
    from katalog.render.pdf import plan_pdf

    return combine(plan_pdf(cat, totals, opts), plan_budget_pdf(cat, totals, opts))


def test_a_build_with_the_planner_folded_into_pdf(contents, tmp_path, monkeypatch):
    planner, paths = build_module.RENDERERS["pdf"]
    monkeypatch.setitem(build_module.RENDERERS, "pdf", (_pdf_with_budget, (*paths, *FILES)))
    build(contents["decided"], tmp_path / "decided", ["pdf"], cache=False)
    assert (tmp_path / "decided" / "katalog.pdf").is_file()
    assert (tmp_path / "decided" / "budgetaftale.pdf").is_file()
    assert not (tmp_path / "decided" / "opfoelgning.pdf").exists()
    build(contents["none"], tmp_path / "none", ["pdf"], cache=False)
    assert (tmp_path / "none" / "katalog.pdf").is_file()
    assert not any((tmp_path / "none" / f).exists() for f in FILES)


@pytest.mark.parametrize("file", FILES)
def test_the_contents_page_numbers_point_at_the_sections(made, file):
    pages = pdf_pages_text(made["example"] / file)
    toc = pages[1]
    assert "Indhold" in toc.splitlines()[1] or "Indhold" in toc
    entries = re.findall(r"^\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", toc, re.M)
    assert len(entries) >= 6
    for title, number in entries:
        body = " ".join(lines([pages[int(number) - 1]])[1:])  # without the running header
        assert title in body, (title, number)


def test_the_follow_up_shows_the_realisation_chart_as_a_figure(contents, made):
    """The chart is vector graphics tagged as a Figure whose alternative text is the chart's
    description; the agreement has no figure."""
    from katalog.pipeline import check
    from katalog.render.chart_status import status_alt, status_data

    checked = check(contents["example"])
    alt = status_alt(status_data(checked.catalogue, checked.totals))
    assert figures(made["example"] / "opfoelgning.pdf") == [alt]
    assert figures(made["example"] / "budgetaftale.pdf") == []
