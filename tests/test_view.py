"""view: the presentation tables every format shares, with fixed decimals, ranges, unknown
parts, labels and the new tables of SPEC §7."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from conftest import SMALL, write_tree
from katalog.compute import Series
from katalog.model import UNKNOWN, Range
from katalog.pipeline import check
from katalog.render import view

SEEDS = Path(__file__).resolve().parent / "catalogues"


def checked(path: Path):
    c = check(path)
    assert c.ok, [i.format() for i in c.report.sorted()]
    return c.catalogue, c.totals


def small_with(tmp_path: Path, edits: dict[str, tuple[str, str]] | None = None, **kw):
    """The small catalogue with text replaced in its files (as written, dedented)."""
    folder = write_tree(tmp_path / "c", SMALL)
    edits = dict(edits or {})
    edits |= {k.replace("__", "/").replace("_md", ".md").replace("_yaml", ".yaml"): v
              for k, v in kw.items()}
    for key, (old, new) in edits.items():
        text = (folder / key).read_text(encoding="utf-8")
        assert old in text, (key, old)
        (folder / key).write_text(text.replace(old, new), encoding="utf-8")
    return checked(folder)


def test_cells_fixed_decimals_never_mix_and_never_show_minus_zero():
    s = Series({2026: D(3), 2027: D("3.5"), 2028: D("-0.04")})
    assert view.cells(s, (2026, 2027, 2028), 1) == ("3,0", "3,5", "0,0")
    assert view.cells(s, (2026, 2027, 2028), 0) == ("3", "4", "0")


def test_cells_ranges_unknown_and_difference_sign():
    s = Series({2026: D(1)}, frozenset({2027}), {2027: D(-10300)}, {2028: Range(D("3.5"), D("5.5"))})
    assert view.cells(s, (2026, 2027, 2028, 2029), 1) == ("1,0", "-10.300,0 + ?", "3,5–5,5", "-")
    assert view.cells(s, (2027,), 0, "-") == ("-10.300 − ?",)
    neg = Series({}, frozenset(), {}, {2026: Range(D("-3.5"), D("-5.5"))})
    assert view.cells(neg, (2026,), 1) == ("-3,5\u00a0– -5,5",)


def test_fte_cells_incomplete():
    s = Series({2026: D("14.3")}, frozenset({2027}), {2027: D("14.3")})
    assert view.fte_cells(s, (2026, 2027), 1) == ("14,3", "14,3 + ?")
    assert view.fte_cells(s, (2026,), 2) == ("14,30",)


def test_a_catalogue_with_one_decimal_amount_shows_one_decimal_everywhere(tmp_path):
    cat, totals = small_with(tmp_path, proposals__A2_md=("2026: -1250", "2026: -1250.5"))
    assert totals.decimals == 1
    table = view.overview_table(cat, totals)
    assert all("," in c for r in table.rows if r.kind != "merged" for c in r.cells
               if c not in ("-", "") and "?" not in c)
    total = next(r for r in table.rows if r.label == "I alt")
    assert total.cells[0] == "-251,5"  # formatted from the exact total
    economy = view.economy_table(cat.proposals[0], totals.proposals["A1"], cat.settings)
    assert economy.rows[1].cells == ("-3.000,0", "-6.000,0", "-6.000,0")


def test_explicit_decimals_round_and_say_so(tmp_path):
    cat, totals = small_with(tmp_path, catalogue_yaml=("unit: 1000", "unit: 1000\ndecimals: 0"),
                             proposals__A2_md=("2026: -1250", "2026: -1250.4"))
    table = view.overview_table(cat, totals)
    assert next(r for r in table.rows if r.label == "I alt").cells[0] == "-251"
    assert any("afrundet til 0 decimal" in n for n in table.notes)


def test_overview_labels_and_notes_follow_the_catalogue(tmp_path):
    cat, totals = small_with(tmp_path, catalogue_yaml=(
        "unit: 1000", "unit: 1000\nlabels:\n  total: Samlet\n  difference: Rest at finde"))
    table = view.overview_table(cat, totals)
    labels = [r.label for r in table.rows]
    assert "Samlet" in labels and "Rest at finde" in labels and "I alt" not in labels
    difference = next(r for r in table.rows if r.label == "Rest at finde")
    assert difference.cells[1] == "-4.500 − ?"  # -10.000 − (-5.500 + ?)
    assert any("trækkes fra" in n and "større" in n for n in table.notes)
    assert any('"-10.300 + ?"' in n for n in table.notes)  # in 1.000 kr., savings negative


def test_allocation_table_in_department_order_with_from_note(tmp_path):
    cat, totals = small_with(tmp_path, proposals__I1_md=(
        "allocation: nøgle", "allocation: {shares: {BUF: 50, SOF: 50}, from: 2027}"))
    p = next(x for x in cat.proposals if x.id == "I1")
    table = view.allocation_table(p, totals.proposals["I1"], cat)
    assert [r.id for r in table.rows[:-1]] == ["SOF", "BUF"]  # the catalogue's order
    assert table.rows[-1].cells == ("-1.001", "0", "-")
    assert any("Fra 2027" in n for n in table.notes)


def test_allocated_table_overview_and_per_theme(tmp_path):
    cat, totals = small_with(tmp_path)
    table = view.allocated_table(cat, totals)
    assert table.caption == "Fordeling på forvaltninger"
    assert [r.label for r in table.rows] == ["Socialforvaltningen",
                                             "Børne- og Ungdomsforvaltningen", "I alt"]
    it = next(t for t in cat.themes if t.id == "it")
    per_theme = view.allocated_table(cat, totals, it)
    assert per_theme.caption == "Fordeling på forvaltninger, tema 2"
    # I1 -1001 by the key 62,5/37,5: SOF -626, BUF -375 (largest remainder)
    assert [r.cells[0] for r in per_theme.rows] == ["-626", "-375", "-1.001"]


def test_alternatives_side_by_side(tmp_path):
    cat, totals = small_with(tmp_path, proposals__I2_md=(
        "status: trukket", "status: forslag\nalternative_to: I1"))
    theme = next(t for t in cat.themes if t.id == "it")
    (group,) = view.alternative_groups_in(theme, cat, totals)
    table = view.alternatives_table(group, cat, totals)
    assert [r.label for r in table.rows] == ["I1 Robotter (valgt)",
                                             "I2 Trukket forslag (tæller ikke med)"]
    assert [r.kind for r in table.rows] == ["alternative", "uncounted"]
    theme_rows = view.theme_table(theme, cat, totals).rows
    assert theme_rows[1].label == "I2 Trukket forslag (alternativ, tæller ikke med)"
    facts = dict(view.facts(cat.proposals[-1], cat, totals))
    assert facts["Alternativer"] == "I1"


def test_notes_under_tables(tmp_path):
    cat, totals = small_with(tmp_path, {
        "proposals/A1.md": ("summary:", "note: Se **bilag**.\nsummary:"),
        "themes/01-adm.md": ("title: Administration", "title: Administration\nnote: Tema-note.")})
    a1 = cat.proposals[0]
    economy = view.economy_table(a1, totals.proposals["A1"], cat.settings)
    assert (economy.markdown_note, economy.note_label) == ("Se **bilag**.", "Note")
    theme = view.theme_table(cat.themes[0], cat, totals)
    assert theme.markdown_note == "Tema-note."


def test_seed004_in_mio_kr_with_one_decimal():
    from katalog.pipeline import check_files
    from test_seeds import folder_files

    c = check_files(folder_files(SEEDS / "seed004"), "seed004")
    cat, totals = c.catalogue, c.totals
    table = view.overview_table(cat, totals)
    cells = {r.label: r.cells for r in table.rows}
    assert cells["1. Organisering, kompetencer og samarbejde"] == ("15,0–17,0 + ?", "19,0–21,0 + ?")
    assert cells["2. Digitalisering, data og nye indtægter"] == ("0,5 + ?", "1,0 + ?")
    assert any('"10,3 + ?"' in n for n in table.notes)  # the example in mio. kr., savings positive
    assert any("interval" in n for n in table.notes)
    assert table.unit == "mio.\u00a0kr., 2021\u00a0p/l"
    stop = next(p for p in cat.proposals if p.id == "STOP-1")
    economy = view.economy_table(stop, totals.proposals["STOP-1"], cat.settings)
    assert economy.rows[1].cells == ("3,5–5,5", "3,5–5,5")
    assert economy.markdown_note.startswith("Notatet angiver")
    assert view.intro(cat)[0] == "Generelle bemærkninger fra MED-systemet"


def test_unknown_fte_in_the_overview():
    cat, totals = checked(SEEDS / "seed001")
    table = view.overview_table(cat, totals)
    fte = next(r for r in table.rows if r.kind == "fte")
    assert fte.cells == ("14,67 + ?", "23,88 + ?", "24,75 + ?", "25,62 + ?")
    assert any("Årsværk med ?" in n for n in table.notes)
