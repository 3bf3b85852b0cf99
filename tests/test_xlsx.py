"""The Excel workbook: read back with openpyxl and the raw sheet XML, and recalculated and
shown by LibreOffice Calc (headless, Danish locale) against `katalog totals --format json`
and the documents' overview table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import EXAMPLE, REQUIRE_EXTERNALS, require_program
from fixtures_xlsx_chart import write_mio, write_seed_001
from katalog.compute import Series, Totals
from katalog.model import Catalogue
from katalog.numbers import difference_label, unit_label
from katalog.pipeline import check
from katalog.render import view
from katalog.render.xlsx import (
    SHEETS,
    exact,
    number_format,
    sheet_names,
    workbook,
)

CASES = ("example", "mio", "seed001")
SHEET_NAMES = ["Oversigt", "Forslag", "Linjer", "Fordeling"]


@pytest.fixture(scope="module")
def contents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("content")
    return {"example": EXAMPLE, "mio": write_mio(root), "seed001": write_seed_001(root)}


@pytest.fixture(scope="module")
def built(contents: dict[str, Path]) -> dict[str, tuple[Catalogue, Totals, bytes]]:
    out = {}
    for name, path in contents.items():
        checked = check(path)
        assert checked.totals is not None, [i.format() for i in checked.report.sorted()]
        out[name] = (checked.catalogue, checked.totals,
                     workbook(checked.catalogue, checked.totals))
    return out


def load(data: bytes, values: bool = False) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data), data_only=values)


def row_of(ws: Any, label: str) -> int:
    """The 1-based row whose first cell is `label`."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == label:
            return int(row[0].row)
    raise AssertionError(f"no row {label!r} in {ws.title}")


def header_row(ws: Any, first: str) -> int:
    return row_of(ws, first)


def known_part(series: Series, year: int) -> Decimal:
    """What a formula over the cells computes: the value, the known part, or 0."""
    if year in series.unknown:
        return series.known(year) or Decimal(0)
    value = series.get(year)
    return value if isinstance(value, Decimal) else Decimal(0)


def as_decimal(value: float | int) -> Decimal:
    """A cell value read back as the decimal its shortest repr names."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def sheet_xml(data: bytes) -> dict[str, str]:
    """Sheet name → its worksheet XML (XlsxWriter numbers them in order)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(f"xl/worksheets/sheet{i}.xml").decode()
                for i, name in enumerate(SHEET_NAMES, start=1)}


# -- structure ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_sheets_title_rows_and_headers(built: dict, case: str) -> None:
    cat, totals, data = built[case]
    s = cat.settings
    wb = load(data)
    assert wb.sheetnames == sheet_names(cat) == [name for name, _, wanted in SHEETS
                                                 if wanted(cat)]
    assert wb.sheetnames[:4] == SHEET_NAMES
    years = [str(y) for y in s.years]
    for ws in wb.worksheets:
        assert unit_label(s.unit, s.price_level) in ws["A1"].value
        assert ws["A1"].font.b
    ov = wb["Oversigt"]
    head = header_row(ov, "Tema")
    assert [c.value for c in ov[head]] == ["Tema", *years]
    fo = wb["Forslag"]
    head = header_row(fo, "Id")
    assert [c.value for c in fo[head]][:8] == [
        "Id", "Titel", "Temanr.", "Tema", "Forvaltning", "Status", "Type", "Tæller med"]
    assert [c.value for c in fo[head]][8:8 + len(years)] == [f"I alt {y}" for y in years]
    assert fo.max_row == head + len(cat.proposals)
    li = wb["Linjer"]
    head = header_row(li, "Forslag")
    assert [c.value for c in li[head]][-len(years):] == years
    assert li.max_row == head + sum(len(p.lines) for p in cat.proposals)
    fd = wb["Fordeling"]
    assert [c.value for c in fd[header_row(fd, "Forvaltning")]] == ["Forvaltning", "Navn", *years]


@pytest.mark.parametrize("case", CASES)
def test_overview_totals_are_live_formulas_with_exact_cached_values(built: dict, case: str) -> None:
    cat, totals, data = built[case]
    s = cat.settings
    formulas, values = load(data)["Oversigt"], load(data, values=True)["Oversigt"]
    first = header_row(formulas, "Tema") + 1
    last = first + len(cat.themes) - 1
    total = row_of(formulas, "I alt")
    assert total == last + 1
    target = row_of(formulas, "Mål")
    basis = row_of(formulas, "Heraf varige ændringer (målgrundlag)") \
        if s.target_basis == "varig" else total
    diff = row_of(formulas, difference_label(s.savings_sign))
    for c, year in enumerate(s.years, start=2):
        col = openpyxl.utils.get_column_letter(c)
        assert formulas[f"{col}{total}"].value == f"=SUM({col}{first}:{col}{last})"
        assert as_decimal(values[f"{col}{total}"].value) == known_part(totals.total, year)
        assert formulas[f"{col}{diff}"].value == f"={col}{target}-{col}{basis}"
        assert as_decimal(values[f"{col}{diff}"].value) == known_part(totals.difference, year)
        for i, theme in enumerate(cat.themes):
            cell = values[f"{col}{first + i}"].value
            if theme.merged_into:
                assert cell is None
            elif year in totals.themes[theme.id].total.unknown and cell == "?":
                assert totals.themes[theme.id].total.known(year) is None
            elif totals.themes[theme.id].total.get(year) is None:
                assert cell == "-"
            else:
                assert as_decimal(cell) == known_part(totals.themes[theme.id].total, year)


def test_the_seed_001_overview_gives_the_seed_s_totals(built: dict) -> None:
    values = load(built["seed001"][2], values=True)["Oversigt"]
    total, diff = row_of(values, "I alt"), row_of(values, difference_label("positive"))
    assert [values.cell(total, c).value for c in range(2, 6)] == [17980, 26480, 27780, 28780]
    assert [values.cell(diff, c).value for c in range(2, 6)] == [32020, 23520, 22220, 21220]


@pytest.mark.parametrize("case", CASES)
def test_every_number_is_stored_as_its_exact_shortest_decimal(built: dict, case: str) -> None:
    """No float noise: each <v> is the amount's shortest exact form, and a viewer reading it
    as a double gets that same decimal back (Decimal → float is exact for every amount)."""
    numbers = []
    for xml in sheet_xml(built[case][2]).values():
        for attrs, text in re.findall(r"<c ([^>]*)>(?:<f>[^<]*</f>)?<v>([^<]*)</v></c>", xml):
            if 't="s"' not in attrs and 't="str"' not in attrs:
                numbers.append(text)
    assert numbers
    for text in numbers:
        assert text == str(exact(Decimal(text))), text
        assert Decimal(repr(float(text))) == Decimal(text), text


def test_line_amounts_are_the_entered_decimals(built: dict) -> None:
    cat, _, data = built["mio"]
    xml = sheet_xml(data)["Linjer"]
    assert "<v>0.1</v>" in xml and "<v>-1.25</v>" in xml and "<v>0.05</v>" in xml
    ws = load(data)["Linjer"]
    head = header_row(ws, "Forslag")
    lines = [(p, line) for p in cat.proposals for line in p.lines]
    for row, (p, line) in zip(ws.iter_rows(min_row=head + 1, values_only=True), lines):
        assert (row[0], row[7]) == (p.id, line.text)
        for value, year in zip(row[-len(cat.settings.years):], cat.settings.years):
            amount = line.amounts.get(year)
            if amount is None:
                assert value is None
            elif isinstance(amount, Decimal):
                assert as_decimal(value) == amount
            else:
                assert value == "?"


def test_number_formats_are_danish_ready_and_mark_unknowns(built: dict) -> None:
    ov = load(built["example"][2])["Oversigt"]
    totals = built["example"][1]
    total = row_of(ov, "I alt")
    assert number_format(0) == "#,##0;-#,##0"
    assert ov.cell(total, 2).number_format == "#,##0;-#,##0"  # 2027: complete
    assert 2028 in totals.total.unknown
    assert ov.cell(total, 3).number_format == '#,##0" + ?";-#,##0" + ?"'
    fte = row_of(ov, "Årsværk (varige ændringer)")
    assert ov.cell(fte, 2).number_format == "#,##0.0;-#,##0.0"
    mio = load(built["mio"][2])["Oversigt"]
    assert mio.cell(row_of(mio, "Mål"), 2).number_format == "#,##0.00;-#,##0.00"
    # theme 2 (Indkøb) 2027 has nothing known: a plain "?"
    assert mio.cell(header_row(mio, "Tema") + 2, 2).value == "?"
    first = mio.cell(row_of(mio, "I alt"), 2)
    assert first.number_format.endswith('" + ?"') and first.font.b


def test_frozen_header_table_autofilter_and_print_setup(built: dict) -> None:
    wb = load(built["example"][2])
    for ws in wb.worksheets:
        head = header_row(ws, ws.cell(row=_first_header(ws), column=1).value)
        assert ws.freeze_panes == f"B{head + 1}"
        assert ws.print_title_rows == f"${head}:${head}"
        assert ws.page_setup.orientation == "landscape"
        # fit to one page wide (fitToWidth 1 is OOXML's default, so it is left out), any height
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddFooter.right.text == "Side &P af &N"
    for name in ("Forslag", "Linjer"):
        ws = wb[name]
        (table,) = ws.tables.values()
        assert table.name == name
        assert table.ref.startswith(f"A{header_row(ws, ws.cell(_first_header(ws), 1).value)}:")
        assert table.autoFilter is not None
    fd = wb["Fordeling"]
    assert fd.auto_filter.ref == f"A{header_row(fd, 'Forvaltning')}:F{row_of(fd, 'I alt') - 1}"
    assert wb["Oversigt"].column_dimensions["A"].width >= 40


def _first_header(ws: Any) -> int:
    """The header row: the first row with a bold white-on-accent first cell."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].fill.fgColor.rgb == "FF1B4B72":
            return int(row[0].row)
    raise AssertionError(ws.title)


def test_document_properties(built: dict) -> None:
    cat, _, data = built["example"]
    props = load(data).properties
    assert props.title == cat.settings.title
    assert props.creator == cat.settings.organisation
    assert props.created == props.modified == dt.datetime(2026, 9, 1)
    later = load(workbook(cat, built["example"][1], date=dt.date(2027, 1, 2))).properties
    assert later.created == dt.datetime(2027, 1, 2)


def test_same_content_gives_the_same_bytes(contents: dict, built: dict) -> None:
    checked = check(contents["mio"])
    assert checked.totals is not None
    again = workbook(checked.catalogue, checked.totals)
    assert again == built["mio"][2]
    with zipfile.ZipFile(io.BytesIO(again)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_title_that_looks_like_a_formula_stays_text(built: dict) -> None:
    ws = load(built["mio"][2])["Forslag"]
    row = row_of(ws, "P4")
    assert ws.cell(row, 2).value == "=SUM(1;2) trukket forslag"
    assert ws.cell(row, 2).data_type == "s"
    assert "<f>SUM(1;2)" not in sheet_xml(built["mio"][2])["Forslag"]


def test_the_accent_colours_titles_and_headers(built: dict) -> None:
    cat, totals, _ = built["example"]
    ws = load(workbook(cat, totals, accent="#7a1f3d"))["Oversigt"]
    assert ws["A1"].font.color.rgb == "FF7A1F3D"
    assert ws.cell(header_row(ws, "Tema"), 1).fill.fgColor.rgb == "FF7A1F3D"


# -- Fordeling ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_allocation_adds_up_to_the_total(built: dict, case: str) -> None:
    cat, totals, data = built[case]
    mapping = totals.allocated_by_department
    whole = Series.sum(mapping.values())
    assert whole.values == totals.total.values and whole.unknown == totals.total.unknown
    assert whole.partial == totals.total.partial
    values = load(data, values=True)["Fordeling"]
    total = row_of(values, "I alt")
    for c, year in enumerate(cat.settings.years, start=3):
        assert as_decimal(values.cell(total, c).value) == known_part(totals.total, year)


def test_allocation_sheet_writes_the_mapping_it_is_given(built: dict) -> None:
    cat, totals, _ = built["mio"]
    mapping = {"BA": Series({2027: Decimal("1.5"), 2028: Decimal("0.25")}),
               "NY": Series({2027: Decimal("-0.5")}, frozenset({2028}))}
    wb = load(workbook(cat, totals, allocated=mapping), values=True)
    ws = wb["Fordeling"]
    head = header_row(ws, "Forvaltning")
    rows = [list(r) for r in ws.iter_rows(min_row=head + 1, values_only=True)]
    assert rows[0] == ["BA", "Borgmesterens Afdeling", 1.5, 0.25, "-"]
    assert rows[1] == ["NY", "NY", -0.5, "?", "-"]
    assert rows[2] == ["I alt", None, 1, 0.25, 0]
    fmt = load(workbook(cat, totals, allocated=mapping))["Fordeling"]
    assert fmt.cell(head + 3, 4).number_format.endswith('" + ?"')
    assert fmt.cell(head + 3, 5).number_format.endswith(';"-"')  # a sum of nothing shows -


# -- LibreOffice: recalculation and what a Danish user sees -----------------------------------


def require_calc() -> str:
    """soffice with the Calc component (Debian: libreoffice-calc-nogui)."""
    soffice = require_program("soffice", "libreoffice")
    program = Path(os.path.realpath(soffice)).parent
    if not any(program.glob("libsclo*")):
        message = f"needs LibreOffice Calc (libsclo not in {program}; apt libreoffice-calc-nogui)"
        if REQUIRE_EXTERNALS:
            pytest.fail(message)
        pytest.skip(message)
    return soffice


PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale"
 oor:op="fuse"><value>da-DK</value></prop></item>
</oor:items>
"""
ALWAYS, NEVER = 0, 1  # Tools ▸ Options ▸ Calc ▸ Formula ▸ "Recalculation on file load"


def libreoffice(files: list[Path], out: Path, convert_to: str, recalc: int) -> None:
    """Convert with a fresh profile: Danish locale, and OOXMLRecalcMode `recalc` (LibreOffice
    trusts the cached values of a file whose application is "Microsoft Excel", as
    XlsxWriter writes, unless told to always recalculate)."""
    soffice = require_calc()
    home = out / f"home-{recalc}"
    user = home / "lo" / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(PROFILE.format(mode=recalc), "utf-8")
    subprocess.run(
        [soffice, f"-env:UserInstallation={(home / 'lo').as_uri()}", "--headless",
         "--convert-to", convert_to, "--outdir", str(out), *map(str, files)],
        check=True, capture_output=True, timeout=300, env={**os.environ, "HOME": str(home)},
    )


@pytest.fixture(scope="module")
def recalculated(built: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case's workbook recalculated by LibreOffice and saved again as xlsx."""
    src, out = tmp_path_factory.mktemp("xlsx-in"), tmp_path_factory.mktemp("xlsx-out")
    for name, (_, _, data) in built.items():
        (src / f"{name}.xlsx").write_bytes(data)
    libreoffice(sorted(src.glob("*.xlsx")), out, "xlsx", ALWAYS)
    return {name: openpyxl.load_workbook(out / f"{name}.xlsx", data_only=True) for name in built}


def totals_json(content: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "katalog", "totals", str(content), "--format",
                          "json", "--no-cache"], capture_output=True, check=True, text=True)
    return json.loads(out.stdout, parse_float=Decimal, parse_int=Decimal)


def close(value: Any, expected: Decimal) -> bool:
    """LibreOffice sums doubles (0.1 + 0.2); equal to 1e-9 is equal for any amount."""
    return abs(as_decimal(value) - expected) < Decimal("1e-9")


@pytest.mark.parametrize("case", CASES)
def test_libreoffice_recalculates_the_katalog_totals(recalculated: dict, contents: dict,
                                                     built: dict, case: str) -> None:
    cat, totals, _ = built[case]
    data = totals_json(contents[case])
    ws = recalculated[case]["Oversigt"]
    total, diff = row_of(ws, "I alt"), row_of(ws, difference_label(cat.settings.savings_sign))
    for c, year in enumerate(cat.settings.years, start=2):
        key = str(year)
        if key in data["total"]:
            assert close(ws.cell(total, c).value, data["total"][key])
        else:
            assert key in data["total_unknown"]
            assert close(ws.cell(total, c).value, data.get("total_partial", {}).get(key, 0))
        if key in data["difference"]:
            assert close(ws.cell(diff, c).value, data["difference"][key])
        elif cat.settings.target_basis == "alle":
            expected = data["target"][key] - data.get("total_partial", {}).get(key, 0)
            assert close(ws.cell(diff, c).value, expected)
        else:  # target − the known part of the varig basis (not in the JSON)
            assert close(ws.cell(diff, c).value, known_part(totals.difference, year))
    fd = recalculated[case]["Fordeling"]
    for c, year in enumerate(cat.settings.years, start=3):
        expected = data["total"].get(str(year), data.get("total_partial", {}).get(str(year), 0))
        assert close(fd.cell(row_of(fd, "I alt"), c).value, expected)


def test_libreoffice_really_recalculates(built: dict, tmp_path: Path) -> None:
    """Wrong cached values: corrected with the profile above, kept without it (so the tests
    above compare LibreOffice's own sums, not the values katalog cached)."""
    data = built["example"][2]
    wrong = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(wrong, "w") as dst:
        for item in src.infolist():
            raw = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                raw, n = re.subn(rb"(</f>)<v>[^<]*</v>", rb"\1<v>123456</v>", raw)
                assert n >= 2 * len(built["example"][0].settings.years)
            dst.writestr(item, raw)
    for mode in (ALWAYS, NEVER):
        (tmp_path / f"m{mode}").mkdir()
        src = tmp_path / f"m{mode}" / "in" / "wrong.xlsx"
        src.parent.mkdir()
        src.write_bytes(wrong.getvalue())
        libreoffice([src], tmp_path / f"m{mode}", "xlsx", mode)
        ws = openpyxl.load_workbook(tmp_path / f"m{mode}" / "wrong.xlsx", data_only=True)["Oversigt"]
        first = ws.cell(row_of(ws, "I alt"), 2).value
        assert (first == 123456) == (mode == NEVER), (mode, first)
        if mode == ALWAYS:
            assert first == built["example"][1].total.values[2027]


@pytest.fixture(scope="module")
def shown_csv(built: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case's workbook as LibreOffice shows it in Danish: one CSV per sheet."""
    src, out = tmp_path_factory.mktemp("csv-in"), tmp_path_factory.mktemp("csv-out")
    for name, (_, _, data) in built.items():
        (src / f"{name}.xlsx").write_bytes(data)
    # CSV filter options: comma, quote, UTF-8, from line 1, -, Danish, ..., "as shown",
    # ..., every sheet to its own file (<name>-<sheet>.csv)
    libreoffice(sorted(src.glob("*.xlsx")), out, "csv:Text - txt - csv (StarCalc):44,34,76,1,,"
                "1030,false,true,true,false,false,-1", ALWAYS)
    return out


@pytest.mark.parametrize("case", CASES)
def test_libreoffice_shows_the_overview_as_the_documents_do(built: dict, shown_csv: Path,
                                                           case: str) -> None:
    """Danish locale, cells exported as shown: the same text as every document's overview
    table (thousands dot, decimal comma, `-10.300 + ?`, `-`)."""
    cat, totals, _ = built[case]
    with open(shown_csv / f"{case}-Oversigt.csv", encoding="utf-8", newline="") as f:
        shown = list(csv.reader(f))
    start = next(i for i, row in enumerate(shown) if row and row[0] == "Tema")
    expected = [[r.label, *r.cells] for r in view.overview_table(cat, totals).rows]
    got = shown[start + 1:start + 1 + len(expected)]
    assert got == expected
    assert any("." in cell for row in got for cell in row[1:]) or case == "mio"
    assert any("+ ?" in cell for row in got for cell in row[1:]) != (case == "seed001")


@pytest.mark.parametrize("drop_proposal", [False, True])
def test_a_catalogue_without_targets_departments_or_proposals(drop_proposal: bool) -> None:
    from helpers import check as check_files
    from helpers import minimal, with_files

    files = with_files(minimal(), {"proposals/P1.md": None}) if drop_proposal else minimal()
    result = check_files(files)
    assert result.totals is not None
    wb = load(workbook(result.catalogue, result.totals), values=True)
    ov = wb["Oversigt"]
    assert [row_of(ov, "I alt")] and all(
        c.value not in ("Mål", difference_label("negative")) for c in ov["A"])
    total = row_of(ov, "I alt")
    assert [ov.cell(total, c).value for c in (2, 3, 4)] == (
        [0, 0, 0] if drop_proposal else [-100, -200, 0])
    fo = wb["Forslag"]
    (table,) = fo.tables.values()  # one data row, empty when there are no proposals
    assert table.ref.endswith(str(header_row(fo, "Id") + 1))
    fd = wb["Fordeling"]
    assert [c.value for c in fd[header_row(fd, "Forvaltning") + 1]][:2] == (
        ["I alt", None] if drop_proposal else ["SOF", "SOF"])


# -- Opfølgning (SPEC §8, §9) ----------------------------------------------------------------------

FOLLOWUP_HEAD = ["Id", "Titel", "Temanr.", "Tema", "Forvaltning", "Afgørelse",
                 "Budgetopfølgning", "Dato", "Status"]


def followup_rows(ws: Any) -> tuple[int, list[list[Any]]]:
    head = header_row(ws, "Id")
    return head, [list(r) for r in ws.iter_rows(min_row=head + 1, values_only=True)]


def test_followup_sheet_only_when_the_content_has_realisation_entries(
        built: dict, tmp_path: Path) -> None:
    from budget_fixture import budget_files
    from conftest import write_tree

    assert load(built["example"][2]).sheetnames[-1] == "Opfølgning"
    for case in ("mio", "seed001"):
        assert "Opfølgning" not in load(built[case][2]).sheetnames
    decided = check(write_tree(tmp_path / "c", budget_files(0)))  # decisions, no revision yet
    assert decided.totals.budget is not None
    assert sheet_names(decided.catalogue) == SHEET_NAMES
    assert load(workbook(decided.catalogue, decided.totals)).sheetnames == SHEET_NAMES


def test_followup_sheet_rows_status_words_and_exact_cached_totals(built: dict) -> None:
    cat, totals, data = built["example"]
    b = totals.budget
    years = cat.settings.years
    ws = load(data)["Opfølgning"]
    head, rows = followup_rows(ws)
    assert [c.value for c in ws[head]][:len(FOLLOWUP_HEAD)] == FOLLOWUP_HEAD
    headers = [c.value for c in ws[head]]
    assert headers[9:9 + 3 * len(years)] == [f"{w} {y}" for w in ("Vedtaget", "Forventet",
                                                                 "Afvigelse") for y in years]
    assert headers[-1] == "Kommentar"
    *body, total = rows
    assert [r[0] for r in body] == list(b.adopted_ids)
    adm01 = body[0]
    assert adm01[:7] == ["ADM-01", cat.proposals[0].title, 1,
                         "Administrativ organisering og opgavefællesskaber", "SOF", "Vedtaget",
                         "BO2 2027"]
    assert adm01[7] == dt.datetime(2027, 8, 31) and adm01[8] == "Rød"  # the light in words
    cell = ws.cell(head + 1, 9)
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")  # ... and in colour
    py = b.proposals["ADM-01"]
    assert [as_decimal(v) for v in adm01[9:9 + 3 * len(years)]] == [
        *(py.adopted.values[y] for y in years), *(py.expected.values[y] for y in years),
        *(py.gap.values[y] for y in years)]
    assert adm01[-1].startswith("Flytningen til de nye adresser er udskudt")
    # the Markdown comment as plain text on one line: "**Mangler i 2028: …**" loses its **
    assert "\n" not in adm01[-1] and "**" not in adm01[-1]
    assert "fra 2029. Mangler i 2028: 1,0 mio. kr., som Socialudvalget" in adm01[-1]
    # a row tall enough for the wrapped comment (58 characters a line in the 60 wide column)
    assert ws.row_dimensions[head + 1].height == 15 * -(-len(adm01[-1]) // 58) > 15
    changed = next(r for r in body if r[0] == "SER-04")
    assert changed[5] == "Vedtaget med ændring"
    # the totals row: SUBTOTAL formulas whose cached values are the exact totals
    assert total[0] == "I alt"
    assert total[9] == f"=SUBTOTAL(109,J{head + 1}:J{head + len(body)})"
    values = load(data, values=True)["Opfølgning"]
    cached = [as_decimal(values.cell(head + 1 + len(body), c).value)
              for c in range(10, 10 + 3 * len(years))]
    assert cached == [*(b.adopted_total.values[y] for y in years),
                      *(b.expected_total.values[y] for y in years),
                      *(b.gap_total.values[y] for y in years)]
    (table,) = ws.tables.values()
    assert table.totalsRowCount == 1 and table.name == "Opfoelgning"


def test_followup_sheet_unknowns_and_ranges(tmp_path: Path) -> None:
    from budget_fixture import budget_files
    from conftest import write_tree

    result = check(write_tree(tmp_path / "c", budget_files(2)))
    data = workbook(result.catalogue, result.totals)
    ws, values = load(data)["Opfølgning"], load(data, values=True)["Opfølgning"]
    head, rows = followup_rows(ws)
    by_id = {r[0]: r for r in rows}
    # I1's BO2 expects 2026 as a range: text, as in the documents
    assert by_id["I1"][12] == "-900\u00a0– -700" and by_id["I1"][15] == "101–301"
    assert by_id["I3"][8] == "Ikke vurderet" and by_id["I3"][11] == "?"
    total = head + len(rows)
    # 2028 adopted: -6000 + ? → cached -6000, shown with " + ?"; 2026 expected: a range
    assert as_decimal(values.cell(total, 12).value) == Decimal(-6000)
    assert ws.cell(total, 12).number_format.endswith('" + ?"')
    assert values.cell(total, 13).value == "1.600–1.800"


def test_libreoffice_recalculates_the_followup_totals(recalculated: dict, contents: dict,
                                                     built: dict) -> None:
    cat, _, _ = built["example"]
    data = totals_json(contents["example"])
    ws = recalculated["example"]["Opfølgning"]
    total = row_of(ws, "I alt")
    years = [str(y) for y in cat.settings.years]
    for i, key in enumerate(("adopted_total", "realisation_total", "realisation_gap")):
        for j, year in enumerate(years):
            assert close(ws.cell(total, 10 + i * len(years) + j).value, data[key][year])


def test_libreoffice_shows_the_followup_totals_as_the_documents_do(built: dict,
                                                                  shown_csv: Path) -> None:
    cat, totals, _ = built["example"]
    b = totals.budget
    with open(shown_csv / "example-Opfølgning.csv", encoding="utf-8", newline="") as f:
        shown = list(csv.reader(f))
    total = next(row for row in shown if row and row[0] == "I alt")
    years, d = cat.settings.years, totals.decimals
    assert total[9:9 + 3 * len(years)] == [
        *view.cells(b.adopted_total, years, d), *view.cells(b.expected_total, years, d),
        *view.cells(b.gap_total, years, d)]


# -- in a build ------------------------------------------------------------------------------


def test_a_build_writes_the_workbook_by_default(tmp_path: Path) -> None:
    """`xlsx` is one of the default formats: `katalog build` writes `katalog.xlsx`, equal to
    the planner's pure function for the same model and document date."""
    from katalog.build import DEFAULT_FORMATS, build, document_date
    from katalog.pipeline import check

    assert "xlsx" in DEFAULT_FORMATS
    out = tmp_path / "build"
    build(EXAMPLE, out, ["xlsx"], cache=False)
    checked = check(EXAMPLE, cache=False)
    cat, totals = checked.catalogue, checked.totals
    assert totals is not None
    date = document_date(cat.settings.date, EXAMPLE)
    assert (out / "katalog.xlsx").read_bytes() == workbook(cat, totals, date,
                                                            cat.settings.look.accent)
    assert load((out / "katalog.xlsx").read_bytes()).sheetnames[:2] == ["Oversigt", "Forslag"]


def test_the_workbook_is_cached_and_an_edit_makes_it_anew(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second build takes `katalog.xlsx` from the cache with the same bytes; changing one
    amount makes it anew, with the new figure, equal to a build without any cache."""
    import shutil

    from katalog.build import build

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KATALOG_NO_CACHE", raising=False)
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "out"
    first = build(content, out, ["xlsx"])
    first_bytes = (out / "katalog.xlsx").read_bytes()
    again = build(content, out, ["xlsx"])
    assert "katalog.xlsx" in first.made and "katalog.xlsx" in again.reused
    cold = (out / "katalog.xlsx").read_bytes()
    assert "katalog.xlsx" not in again.made and cold == first_bytes
    path = next(p for p in sorted((content / "proposals").glob("*.md"))
                if re.search(r"(?m)^\s+amounts: \{\d{4}: -?\d+", p.read_text("utf-8"))
                and "\ntotals:" not in p.read_text("utf-8"))
    text, n = re.subn(r"(?m)^(\s+amounts: \{\d{4}: )(-?\d+)",
                      lambda m: f"{m.group(1)}{int(m.group(2)) - 125}",
                      path.read_text(encoding="utf-8"), count=1)
    assert n == 1
    path.write_text(text, encoding="utf-8")
    edited = build(content, out, ["xlsx"])
    assert "katalog.xlsx" in edited.made
    assert (out / "katalog.xlsx").read_bytes() != cold
    fresh = tmp_path / "fresh"
    build(content, fresh, ["xlsx"], cache=False)
    assert (fresh / "katalog.xlsx").read_bytes() == (out / "katalog.xlsx").read_bytes()
