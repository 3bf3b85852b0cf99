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
