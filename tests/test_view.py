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
    # theme 2 has one counted proposal (I1; I2 is withdrawn): the theme's table is its own
    it = next(t for t in cat.themes if t.id == "it")
    in_it = view.allocated_table(cat, totals, it)
    assert in_it.caption == "Fordeling på forvaltninger, tema 2"
    # I1 -1001 by the key 62,5/37,5: SOF -626, BUF -375 (largest remainder)
    assert [r.cells[0] for r in in_it.rows] == ["-626", "-375", "-1.001"]
    i1 = next(p for p in cat.proposals if p.id == "I1")
    own = view.allocation_table(i1, totals.proposals["I1"], cat)
    assert [r.cells[0] for r in own.rows] == ["-626", "-375", "-1.001"]
    adm = next(t for t in cat.themes if t.id == "administration")
    per_theme = view.allocated_table(cat, totals, adm)
    assert per_theme.caption == "Fordeling på forvaltninger, tema 1"
    assert [r.id for r in per_theme.rows[:-1]] == ["SOF", "BUF"]  # the catalogue's order
    theme_total = next(r for r in view.theme_table(adm, cat, totals).rows if r.kind == "total")
    assert per_theme.rows[-1].cells == theme_total.cells


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


# -- the budget year (SPEC §8): "Budgetaftale" and "Status på realisering" ------------------------


@pytest.fixture
def budget_year(tmp_path):
    from budget_fixture import budget_files

    return checked(write_tree(tmp_path / "b", budget_files(2)))


def rows_of(table):
    return [(r.label, r.cells, r.kind) for r in table.rows]


def test_no_budget_tables_before_the_budget_year(tmp_path):
    cat, totals = checked(write_tree(tmp_path / "c", SMALL))
    assert view.agreement_overview_table(cat, totals) is None
    assert view.realisation_summary_table(cat, totals) is None
    assert view.decisions(cat, totals) == [] and view.realisation_summary(cat, totals) == []
    assert view.budget_facts(cat.proposals[0], cat, totals) == []


def test_agreement_overview(budget_year):
    cat, totals = budget_year
    table = view.agreement_overview_table(cat, totals)
    assert table.caption == "Budgetaftale: vedtaget pr. tema"
    assert rows_of(table) == [
        ("1. Administration", ("2.000", "-4.500", "-6.000"), "line"),
        ("2. Digitalisering", ("-1.501", "-500", "?"), "line"),  # I3 2028 "?": nothing known
        ("Vedtaget i alt", ("499", "-5.000", "-6.000 + ?"), "total"),
        ("Foreslået i alt (vedtagne forslag)", ("499", "-6.000", "-6.000 + ?"), "line"),
        ("Byrådets ændring", ("0", "1.000", "0"), "line"),
        ("Mål", ("-10.000", "-10.000", "-10.000"), "line"),
        ("Difference til mål (positiv = målet er mere end nået)",
         ("-10.499", "-5.000", "-4.000 − ?"), "total"),
    ]
    assert any("Byrådets ændring = vedtaget − foreslået" in n for n in table.notes)


def test_agreement_per_theme_marks_the_council_s_changes(budget_year):
    cat, totals = budget_year
    table = view.agreement_theme_table(cat.theme("administration"), cat, totals)
    assert rows_of(table) == [
        ("A1 Samling af administration (vedtaget med ændring)", ("2.000", "-4.500", "-6.000"),
         "line"),
        ("Vedtaget i alt, tema 1", ("2.000", "-4.500", "-6.000"), "total"),
    ]  # A2 rejected and A3 postponed are not in the agreement


def test_council_changes_table(budget_year):
    cat, totals = budget_year
    table = view.council_changes_table(cat, totals)
    assert rows_of(table) == [
        ("A1 Samling af administration", ("", "", ""), "group"),
        ("Foreslået", ("2.000", "-5.500", "-6.000"), "line"),
        ("Vedtaget", ("2.000", "-4.500", "-6.000"), "line"),
        ("Byrådets ændring", ("0", "1.000", "0"), "subtotal"),
        ("Byrådets ændring, i alt", ("0", "1.000", "0"), "total"),
    ]


def test_decisions_list(budget_year):
    cat, totals = budget_year
    shown = {d.id: d for d in view.decisions(cat, totals)}
    assert list(shown) == ["A1", "A2", "A3", "I1", "I3"]  # I2 (trukket) was not decided
    assert shown["A1"].outcome_label == "Vedtaget med ændring"
    assert shown["A1"].date == "9. oktober 2025"
    assert shown["A3"].outcome_label == "Udskudt" and shown["A3"].note
    assert shown["I3"].outcome_label == "Vedtaget" and shown["I3"].reference == ""


def test_department_tables_add_up(budget_year):
    cat, totals = budget_year
    adopted = view.adopted_department_table(cat, totals)
    assert rows_of(adopted) == [
        ("Socialforvaltningen", ("874", "-5.000", "-6.000 + ?"), "line"),
        ("Børne- og Ungdomsforvaltningen", ("-375", "0", "-"), "line"),
        ("I alt", ("499", "-5.000", "-6.000 + ?"), "total"),
    ]
    gap = view.gap_department_table(cat, totals)
    assert rows_of(gap)[-1] == ("I alt", ("1.101–1.301", "0", "1.000"), "total")


def test_realisation_summary_says_it_in_words_and_numbers(budget_year):
    cat, totals = budget_year
    table = view.realisation_summary_table(cat, totals)
    labels = [r.label for r in table.rows]
    assert labels[:4] == ["Vedtaget i alt", "Forventet, gul (1 forslag)",
                          "Forventet, rød (1 forslag)", "Forventet, ikke vurderet (1 forslag)"]
    statuses = {r.label: r.status for r in table.rows if r.status}
    assert statuses["Forventet, rød (1 forslag)"] == "rød"  # the colour; the label says it too
    cells = {r.label: r.cells for r in table.rows}
    assert cells["Forventet i alt"] == ("1.600–1.800", "-5.000", "-5.000 + ?")
    assert cells["Afvigelse i alt"] == ("1.101–1.301", "0", "1.000")
    # permanent part: adopted -4.501 / -5.500 / -6.000 + ?, expected has a range in 2026
    assert cells["Andel af den varige besparelse, der forventes realiseret"] == (
        "?", "100\u00a0%", "?")
    text = view.realisation_summary(cat, totals)
    assert text[-1] == "Af de 3 vedtagne forslag er 1 gult, 1 rødt og 1 endnu ikke vurderet."


def test_share_and_summary_sentence_with_whole_numbers(tmp_path):
    from budget_fixture import budget_files

    files = budget_files(2)
    files["proposals/I1.md"] = files["proposals/I1.md"].replace(
        "{2026: {low: -900, high: -700}}", "{2026: -801}")
    cat, totals = checked(write_tree(tmp_path / "b", files))
    share = next(r for r in view.realisation_summary_table(cat, totals).rows
                 if r.label.startswith("Andel"))
    # varig 2026: adopted -3000 - 1001 - 500 = -4501; expected -2000 - 801 - 500 = -3301
    assert share.cells[0] == "73\u00a0%"  # 3301 / 4501 = 73,3 %
    first = view.realisation_summary(cat, totals)[0]
    assert first == ("Af den vedtagne varige besparelse på 4.501 (1.000\u00a0kr., 2026 p/l) i "
                     "2026 forventes 3.301 realiseret (73\u00a0%) ved BO2 2026.")
    assert view.realisation_summary(cat, totals)[1] == (
        "I alt forventes 1.200 mindre i besparelse i 2026, end der er vedtaget.")


def test_realisation_per_theme_names_the_light_in_words(budget_year):
    cat, totals = budget_year
    table = view.realisation_table(cat.theme("administration"), cat, totals)
    head = table.rows[0]
    assert head.kind == "group" and head.status == "rød"
    assert head.label == ("A1 Samling af administration – Rød: forventes ikke realiseret som "
                          "vedtaget, BO2 2026")
    assert rows_of(table)[1:4] == [
        ("Vedtaget", ("2.000", "-4.500", "-6.000"), "line"),
        ("Forventet", ("3.000", "-4.500", "-5.000"), "line"),
        ("Afvigelse (forventet − vedtaget)", ("1.000", "0", "1.000"), "subtotal"),
    ]
    it = view.realisation_table(cat.theme("it"), cat, totals)
    assert it.rows[4].label == "I3 Færre licenser – Ikke vurderet: endnu ikke vurderet ved en " \
        "budgetopfølgning; regnes som vedtaget" and it.rows[4].status == "ingen"


def test_realisation_entries_and_facts(budget_year):
    cat, totals = budget_year
    a1 = next(p for p in cat.proposals if p.id == "A1")
    first, second = view.realisation_entries(a1, cat, totals)
    assert (first.revision, first.date, first.status_label, first.current) == (
        "BO1 2026", "30. april 2026", "Gul: realiseringen er usikker", False)
    assert first.cells == ("2.500", "-4.500", "-6.000")  # BO1 named 2026 only
    assert second.current and second.cells == ("3.000", "-4.500", "-5.000")
    facts = dict(view.facts(a1, cat, totals))
    assert facts["Afgørelse"] == ("Vedtaget med ændring, 9. oktober 2025, Byrådet 9.10.2025, "
                                  "pkt. 4")
    assert facts["Status på realisering"] == ("Rød: forventes ikke realiseret som vedtaget "
                                              "(BO2 2026)")


def test_paper_size_shrinks_only_tables_too_wide_for_a4():
    row = view.Row("Besparelse", ("-1.234.567",) * 4, "line")
    four = view.Table("T", "kr.", (2027, 2028, 2029, 2030), (row,))
    assert four.paper_size == ""  # the normal size fits
    years = tuple(range(2027, 2039))
    twelve = view.Table("T", "kr.", years, (view.Row("Besparelse", ("-1.234.567",) * 12),))
    size = int(twelve.paper_size)
    assert 40 <= size < 90 and size % 5 == 0
    wider = view.Table("T", "kr.", years, (view.Row("x", ("-123.234.567 + ?",) * 12),))
    assert int(wider.paper_size) < size  # wider cells, smaller type
