"""render.totals: JSON additions (SPEC §7), CSV that keeps known parts and names its unit, CSV
injection neutralised, Markdown with the split by department and the alternatives."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from conftest import SMALL, write_tree
from katalog.pipeline import check, check_files
from katalog.render.totals import csv_text, to_csv, to_json, to_markdown, totals_data

SEEDS = Path(__file__).resolve().parent / "catalogues"


def checked(folder: Path):
    c = check(folder)
    assert c.ok, [i.format() for i in c.report.sorted()]
    return c.catalogue, c.totals


@pytest.fixture
def small_totals(small):
    return checked(small)


def test_json_has_difference_partial_and_fte_unknown(small_totals):
    data = json.loads(to_json(*small_totals), parse_float=D)
    # total 2027: -5.500 + ?; difference = -10.000 − total → known part -4.500
    assert data["total_unknown"] == ["2027"] and data["total_partial"] == {"2027": -5500}
    assert data["difference_unknown"] == ["2027"]
    assert data["difference_partial"] == {"2027": -4500}
    assert data["decimals"] == 0 and data["fte_decimals"] == 1
    # A2's 2027 is "?", so its FTE (and the total FTE) is unknown that year, not a silent sum
    assert data["fte_unknown"] == ["2027"]
    assert data["fte_partial"] == {"2027": -12}  # A1 -6000 / 500


def test_json_allocated_by_department_adds_up(small_totals):
    data = json.loads(to_json(*small_totals), parse_float=D)
    parts = data["allocated_by_department"]
    for year in ("2026", "2028"):
        assert sum(p.get(year, 0) for p in parts.values()) == data["total"][year]
    assert data["allocated_by_department_unknown"] == {"BUF": ["2027"]}
    it = next(t for t in data["themes"] if t["id"] == "it")
    assert it["allocated_by_department"] == {"SOF": {"2026": -626, "2027": 0},
                                             "BUF": {"2026": -375, "2027": 0}}
    i1 = next(p for p in data["proposals"] if p["id"] == "I1")
    assert i1["allocation"] == i1["allocated_by_department"]  # whole amounts: the same split


def test_json_ranges(tmp_path):
    folder = write_tree(tmp_path / "c", SMALL)
    path = folder / "proposals" / "A1.md"
    path.write_text(path.read_text().replace("2026: -3000", "2026: {low: -3000, high: -4000}"))
    data = json.loads(to_json(*checked(folder)), parse_float=D)
    a1 = next(p for p in data["proposals"] if p["id"] == "A1")
    assert "2026" not in a1["amounts"]
    assert a1["ranges"] == {"2026": {"low": 2000, "high": 1000}}
    assert data["total_ranges"] == {"2026": {"low": -251, "high": -1251}}
    assert data["difference_ranges"] == {"2026": {"low": -9749, "high": -8749}}
    adm = next(t for t in data["themes"] if t["id"] == "administration")
    assert adm["ranges"] == {"2026": {"low": 750, "high": -250}}


def test_csv_first_line_names_unit_and_price_level(small_totals):
    rows = list(csv.reader(io.StringIO(to_csv(*small_totals)), delimiter=";"))
    assert rows[0][0] == "Beløb i 1.000 kr., 2026 p/l"
    assert rows[1][:6] == ["niveau", "id", "titel", "tema", "status", "tæller_med"]
    by_level = {(r[0], r[1]): r for r in rows[2:]}
    assert by_level[("i_alt", "")][6:] == ["-251", "-5500+?", "-8500"]  # the known part kept
    assert by_level[("difference", "")][6:] == ["-9749", "-4500-?", "-1500"]
    assert by_level[("årsværk", "")][6:] == ["-10,5", "-12+?", "-17"]  # -6 − 2,5 − 2
    assert by_level[("forvaltning", "SOF")][6:9] == ["1374", "-5500", "-6000"]


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)"])
def test_csv_text_cells_cannot_run_as_formulas(tmp_path, title):
    folder = write_tree(tmp_path / "c", SMALL)
    path = folder / "proposals" / "A1.md"
    path.write_text(path.read_text().replace("title: Samling af administration",
                                             f"title: {json.dumps(title)}"))
    rows = list(csv.reader(io.StringIO(to_csv(*checked(folder))), delimiter=";"))
    row = next(r for r in rows if r[:2] == ["forslag", "A1"])
    assert row[2] == "'" + title
    assert row[6:] == ["2000", "-5500", "-6000"]  # numbers stay numbers, even negative ones


def test_csv_text_leaves_ordinary_text_alone():
    assert csv_text("\tx") == "'\tx" and csv_text("\rx") == "'\rx"
    assert csv_text("Samling af administration") == "Samling af administration"
    assert csv_text("5 % færre") == "5 % færre"


def test_markdown_has_split_by_department_alternatives_and_notes():
    from test_seeds import folder_files

    c = check_files(folder_files(SEEDS / "seed001"), "seed001")
    md = to_markdown(c.catalogue, c.totals).replace("\u00a0", " ")
    assert "## Fordeling på forvaltninger (1.000 kr., 2024 p/l)" in md
    assert "| Sociale Forhold og Beskæftigelse |" in md
    assert "## Alternativer: KLI-1, KLI-2" in md
    assert "| KLI-1 Råderum som estimeret mindreforbrug (forslag 1) (valgt) |" in md
    assert "| **Difference der skal fordeles efter administrativ nøgle** | **32.020** |" in md
    assert "| Årsværk (varige ændringer) | 14,67 + ? |" in md


def test_backward_compatible_keys(small_totals):
    """SPEC §4's keys keep their shape."""
    data = totals_data(*small_totals)
    for key in ("unit", "savings_sign", "years", "themes", "proposals", "total", "target",
                "difference"):
        assert key in data
    merged = next(t for t in data["themes"] if t["id"] == "gammelt")
    assert merged == {"id": "gammelt", "number": 3, "title": "Indkøb",
                      "merged_into": "administration", "amounts": {}, "complete": True}


def test_csv_neutralises_the_catalogue_own_labels(tmp_path):
    folder = write_tree(tmp_path / "c", SMALL)
    path = folder / "catalogue.yaml"
    path.write_text(path.read_text() + "labels: {total: '=1+1', sign_note: '@x'}\n")
    rows = list(csv.reader(io.StringIO(to_csv(*checked(folder))), delimiter=";"))
    assert rows[0][1] == "'@x"
    assert next(r for r in rows if r[0] == "i_alt")[2] == "'=1+1"


# -- the budget year (SPEC §8) ---------------------------------------------------------------------


@pytest.fixture
def budget_totals(tmp_path):
    from budget_fixture import budget_files

    return checked(write_tree(tmp_path / "b", budget_files(2)))


def test_json_spec_8_keys_per_proposal(budget_totals):
    data = json.loads(to_json(*budget_totals), parse_float=D)
    by_id = {p["id"]: p for p in data["proposals"]}
    a1 = by_id["A1"]
    assert a1["decision"] == {"outcome": "vedtaget", "date": "2025-10-09",
                              "reference": "Byrådet 9.10.2025, pkt. 4",
                              "amounts": {"2027": -4500},
                              "note": "Byrådet udskød en del af besparelsen."}
    assert a1["adopted"] == {"2026": 2000, "2027": -4500, "2028": -6000}
    assert a1["adopted_changed"] is True
    assert a1["realisation"] == {
        "revision": "BO2 2026", "status": "rød", "date": "2026-08-31", "entries": 2,
        "expected": {"2026": 3000, "2027": -4500, "2028": -5000},
        "gap": {"2026": 1000, "2027": 0, "2028": 1000}}
    i1 = by_id["I1"]["realisation"]
    assert i1["expected_ranges"] == {"2026": {"low": -900, "high": -700}}
    assert i1["gap_ranges"] == {"2026": {"low": 101, "high": 301}}
    i3 = by_id["I3"]  # adopted by its status, no decision, no entry yet
    assert i3["decision"] is None and i3["outcome"] == "vedtaget"
    assert i3["adopted_unknown"] == ["2028"]
    assert i3["realisation"]["revision"] is None and i3["realisation"]["status"] is None
    assert i3["realisation"]["gap"] == {"2026": 0, "2027": 0, "2028": 0}
    assert by_id["A2"]["outcome"] == "forkastet" and "adopted" not in by_id["A2"]
    assert by_id["A3"]["decision"]["outcome"] == "udskudt" and "realisation" not in by_id["A3"]
    assert by_id["I2"]["decision"] is None and by_id["I2"]["outcome"] == "ingen"


def test_json_spec_8_keys_at_the_top(budget_totals):
    data = json.loads(to_json(*budget_totals), parse_float=D)
    assert data["adopted_total"] == {"2026": 499, "2027": -5000}
    assert data["adopted_total_unknown"] == ["2028"]
    assert data["adopted_total_partial"] == {"2028": -6000}
    assert data["adopted_difference"] == {"2026": -10499, "2027": -5000}
    assert data["adopted_difference_partial"] == {"2028": -4000}
    assert data["realisation_total"] == {"2027": -5000}
    assert data["realisation_total_ranges"] == {"2026": {"low": 1600, "high": 1800}}
    assert data["realisation_gap"] == {"2027": 0, "2028": 1000}
    assert data["realisation_gap_ranges"] == {"2026": {"low": 1101, "high": 1301}}
    assert data["realisation_counts"] == {"grøn": 0, "gul": 1, "rød": 1, "ingen": 1}
    assert data["decision_counts"] == {"vedtaget": 3, "forkastet": 1, "udskudt": 1,
                                       "ingen": 1}
    assert data["revisions"] == ["BO1 2026", "BO2 2026"]
    assert data["adopted_by_department"]["BUF"] == {"2026": -375, "2027": 0}
    admin = next(t for t in data["themes"] if t["id"] == "administration")
    assert admin["adopted"] == {"2026": 2000, "2027": -4500, "2028": -6000}
    assert admin["realisation_gap"] == {"2026": 1000, "2027": 0, "2028": 1000}


def test_json_has_no_budget_keys_before_the_budget_year(small_totals):
    data = totals_data(*small_totals)
    assert not {"adopted_total", "realisation_total", "realisation_counts"} & set(data)
    assert all("decision" not in p and "adopted" not in p for p in data["proposals"])


def test_csv_budget_rows(budget_totals):
    rows = list(csv.reader(io.StringIO(to_csv(*budget_totals)), delimiter=";"))
    by_level = {}
    for row in rows[2:]:
        by_level.setdefault(row[0], []).append(row)
    assert [r[1] for r in by_level["vedtaget"]] == ["A1", "I1", "I3"]
    a1 = by_level["vedtaget"][0]
    assert a1[4] == "vedtaget med ændring" and a1[6:] == ["2000", "-4500", "-6000"]
    forventet = {r[1]: r for r in by_level["forventet"]}
    assert forventet["A1"][2:5] == ["BO2 2026", "administration", "rød"]
    assert forventet["I1"][6] == "-900–-700"
    assert forventet["I3"][4] == "ikke vurderet" and forventet["I3"][8] == "?"
    assert by_level["vedtaget_i_alt"][0][6:] == ["499", "-5000", "-6000+?"]
    assert by_level["afvigelse_i_alt"][0][6:] == ["1101–1301", "0", "1000"]
    assert by_level["forventet_difference"][0][6:] == ["-11600–-11800", "-5000", "-5000-?"]


def test_markdown_shows_the_agreement_and_the_follow_up(budget_totals):
    text = to_markdown(*budget_totals)
    assert "## Budgetaftale: vedtaget pr. tema" in text
    assert "| **Vedtaget i alt** | **499** | **-5.000** | **-6.000 + ?** |" in text
    assert "| Byrådets ændring | 0 | 1.000 | 0 |" in text
    assert "## Status på realisering: sammenfatning" in text
    assert "| Forventet, rød (1 forslag) | 3.000 | -4.500 | -5.000 |" in text
    assert "Af de 3 vedtagne forslag er 1 gult, 1 rødt og 1 endnu ikke vurderet." in text


def test_terminal_table_adds_the_budget_totals(budget_totals):
    from rich.console import Console

    from katalog.render.totals import to_table

    console = Console(width=160, record=True, file=io.StringIO())
    console.print(to_table(*budget_totals))
    text = console.export_text()
    assert "Vedtaget i alt" in text and "Forventet i alt (BO2 2026)" in text
    assert "1.101–1.301" in text
