"""reconcile.py: declared totals against computed ones, at the exact line of the wrong number.

Includes two catalogues transcribed from the seeds: seed 000's "Tabel 1" (proposal TV13) and
seed 001's overview (themes 2–12, savings entered as positive numbers, target 50.000).
"""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from helpers import ERR, check, flat, flat_cols, front, minimal, p, replace, with_files
from katalog.compute import Series
from katalog.issues import Report
from katalog.load import load_files
from katalog.model import Loc
from katalog.pipeline import check as check_folder
from katalog.reconcile import _check, reconcile

P = "proposals/P1.md"
C = "catalogue.yaml"
T = "themes/adm.md"

# P1 has one line: {2026: -100, 2027: -200}; years 2026–2028.


def declared(value: str) -> dict[str, bytes]:
    """P1 with `totals: <value>` on line 6."""
    return replace(minimal(), P, "summary:", f"totals: {value}\nsummary:")


def test_matching_totals_pass() -> None:
    checked = check(declared("{2026: -100, 2027: -200}"))
    assert flat(checked.report) == []
    assert checked.ok
    assert checked.totals is not None


def test_declaring_only_some_years_is_fine() -> None:
    assert check(declared("{2027: -200}")).ok


def test_mismatch_is_an_error_on_that_years_value() -> None:
    checked = check(declared("{2026: -100, 2027: -250}"))
    assert flat_cols(checked.report) == [(p(P), 6, 28, ERR, "declared-totals")]
    (issue,) = checked.report.issues
    assert issue.message == (
        "Forslagets total for 2027 er angivet til -250, men beregnes til -200 (forskel -50): "
        "ret tallet eller linjerne"
    )
    assert checked.totals is None
    assert not checked.ok


def test_mismatch_in_block_mapping_points_at_the_year_line() -> None:
    files = replace(
        minimal(), P, "summary:", "totals:\n  2026: -100\n  2027: -300\n  2028: 0\nsummary:"
    )
    checked = check(files)
    assert flat_cols(checked.report) == [(p(P), 8, 9, ERR, "declared-totals")]


def test_every_wrong_year_is_reported() -> None:
    files = replace(minimal(), P, "summary:", "totals:\n  2026: -1\n  2027: -2\nsummary:")
    assert flat(check(files).report) == [
        (p(P), 7, ERR, "declared-totals"),
        (p(P), 8, ERR, "declared-totals"),
    ]


def test_numbers_are_in_danish_format() -> None:
    files = replace(minimal(), P, "{2026: -100, 2027: -200}", "{2026: -26500, 2027: 12.5}")
    files = replace(files, P, "summary:", "totals: {2026: -26000, 2027: 12.25}\nsummary:")
    msgs = [i.message for i in check(files).report.sorted()]
    assert msgs == [
        (
            "Forslagets total for 2026 er angivet til -26.000, men beregnes til -26.500 "
            "(forskel 500): ret tallet eller linjerne"
        ),
        (
            "Forslagets total for 2027 er angivet til 12,25, men beregnes til 12,5 "
            "(forskel -0,25): ret tallet eller linjerne"
        ),
    ]


def test_declared_year_without_lines_must_be_zero() -> None:
    assert check(declared("{2028: 0}")).ok
    checked = check(declared("{2028: -5}"))
    assert flat_cols(checked.report) == [(p(P), 6, 16, ERR, "declared-totals")]
    assert "beregnes til 0" in checked.report.issues[0].message


def test_empty_economy_declares_zero() -> None:
    files = with_files(
        minimal(),
        {
            P: front(
                "id: P1\ntitle: T\ntheme: adm\ndepartment: SOF\nsummary: s\neconomy: []\ntotals: {2026: 0, 2027: 1}\n"
            )
        },
    )
    assert flat_cols(check(files).report) == [(p(P), 8, 25, ERR, "declared-totals")]


def test_declared_year_with_question_mark_is_refused() -> None:
    files = replace(minimal(), P, "2027: -200", '2027: "?"')
    files = replace(files, P, "summary:", "totals: {2026: -100, 2027: -200}\nsummary:")
    checked = check(files)
    assert flat_cols(checked.report) == [(p(P), 6, 28, ERR, "declared-unknown")]
    assert '"?"' in checked.report.issues[0].message
    assert "2027" in checked.report.issues[0].message


def test_question_mark_in_an_undeclared_year_is_fine() -> None:
    files = replace(minimal(), P, "2027: -200", '2027: "?"')
    files = replace(files, P, "summary:", "totals: {2026: -100}\nsummary:")
    assert check(files).ok


def test_question_mark_cannot_itself_be_declared() -> None:
    checked = check(declared('{2026: "?"}'))
    assert flat_cols(checked.report) == [(p(P), 6, 16, ERR, "not-number")]


def test_mixed_groups_add_up() -> None:
    files = replace(
        minimal(),
        P,
        "    amounts: {2026: -100, 2027: -200}\n",
        (
            "    amounts: {2026: -100, 2027: -200}\n"
            "  - text: Implementering\n"
            "    area: anlæg\n"
            "    group: engang\n"
            "    amounts: {2026: 150.5}\n"
        ),
    )
    assert check(replace(files, P, "summary:", "totals: {2026: 50.5, 2027: -200}\nsummary:")).ok
    bad = check(replace(files, P, "summary:", "totals: {2026: 50, 2027: -200}\nsummary:"))
    assert flat_cols(bad.report) == [(p(P), 6, 16, ERR, "declared-totals")]


# -- theme and catalogue totals --------------------------------------------------------------------


def theme_totals(value: str) -> dict[str, bytes]:
    return replace(
        minimal(), T, "title: Administration\n", f"title: Administration\ntotals: {value}\n"
    )


def test_theme_totals_match() -> None:
    assert check(theme_totals("{2026: -100, 2027: -200, 2028: 0}")).ok


def test_theme_totals_mismatch() -> None:
    checked = check(theme_totals("{2026: -100, 2027: -20}"))
    assert flat_cols(checked.report) == [(p(T), 5, 28, ERR, "declared-totals")]
    assert checked.report.issues[0].message.startswith("Temaets total for 2027 er angivet til -20,")


def test_theme_totals_count_only_counted_statuses() -> None:
    files = with_files(
        theme_totals("{2026: -100}"),
        {
            "proposals/P2.md": front(
                "id: P2\ntitle: T\ntheme: adm\ndepartment: SOF\nsummary: s\nstatus: trukket\n"
                "economy:\n  - {text: x, area: service, group: varig, amounts: {2026: -9000}}\n"
            )
        },
    )
    assert check(files).ok
    files = replace(
        files, C, "price_level: 2026\n", "price_level: 2026\ncounted_statuses: [forslag, trukket]\n"
    )
    checked = check(files)
    assert flat_cols(checked.report) == [(p(T), 5, 16, ERR, "declared-totals")]
    assert "beregnes til -9.100" in checked.report.issues[0].message


def test_theme_totals_with_unknown_year() -> None:
    files = replace(theme_totals("{2027: -200}"), P, "2027: -200", '2027: "?"')
    assert flat_cols(check(files).report) == [(p(T), 5, 16, ERR, "declared-unknown")]


def test_merged_theme_declares_zero() -> None:
    files = with_files(
        minimal(),
        {
            "themes/gl.md": front(
                "id: gl\nnumber: 2\ntitle: Gl\nmerged_into: adm\ntotals: {2026: 0, 2027: 5}\n"
            )
        },
    )
    assert flat_cols(check(files).report) == [(p("themes/gl.md"), 6, 25, ERR, "declared-totals")]


def cat_totals(value: str) -> dict[str, bytes]:
    return replace(minimal(), C, "price_level: 2026\n", f"price_level: 2026\ntotals: {value}\n")


def test_catalogue_totals_match() -> None:
    assert check(cat_totals("{2026: -100, 2027: -200, 2028: 0}")).ok


def test_catalogue_totals_mismatch() -> None:
    checked = check(cat_totals("{2026: -1000}"))
    assert flat_cols(checked.report) == [(p(C), 5, 16, ERR, "declared-totals")]
    assert checked.report.issues[0].message == (
        "Katalogets samlede total for 2026 er angivet til -1.000, men beregnes til -100 "
        "(forskel -900): ret tallet eller linjerne"
    )


def test_catalogue_totals_unknown_year() -> None:
    files = replace(cat_totals("{2027: -200}"), P, "2027: -200", '2027: "?"')
    assert flat_cols(check(files).report) == [(p(C), 5, 16, ERR, "declared-unknown")]


def test_all_three_levels_at_once() -> None:
    files = replace(
        declared("{2026: -1}"),
        T,
        "title: Administration\n",
        "title: Administration\ntotals: {2026: -2}\n",
    )
    files = replace(files, C, "price_level: 2026\n", "price_level: 2026\ntotals: {2026: -3}\n")
    assert flat(check(files).report) == [
        (p(C), 5, ERR, "declared-totals"),
        (p(P), 6, ERR, "declared-totals"),
        (p(T), 5, ERR, "declared-totals"),
    ]


def test_reconcile_is_not_run_on_invalid_content() -> None:
    files = replace(declared("{2026: -1}"), P, "area: service", "area: x")
    assert [i.code for i in check(files).report.sorted()] == ["unknown-area"]


def test_check_falls_back_to_the_totals_key_or_file() -> None:
    report = Report()
    computed = Series({2026: Decimal(5)})
    _check({2026: Decimal(4)}, computed, {"totals": Loc("f", 9, 3)}, "f", "X", report)
    _check({2026: Decimal(4)}, computed, {}, "g", "X", report)
    assert [(i.path, i.line, i.col) for i in report.issues] == [("f", 9, 3), ("g", 1, 1)]


# -- seed 000, Tabel 1: TV13 -------------------------------------------------------------------------

SEED000_CATALOGUE = """\
title: Budgetkatalog 2025–2029
organisation: Københavns Kommune
years: [2024, 2025, 2026, 2027, 2028, 2029]
price_level: 2025
savings_sign: negative
"""

SEED000_THEME = """\
---
id: administration
number: 1
title: Administration
---
"""

# Transcribed line by line from "Tabel 1. Forslagets samlede økonomiske konsekvenser".
SEED000_TV13 = """\
---
id: TV13
title: Administrative effektiviseringer og organisering
theme: administration
department: SOF
kind: investering
price_level: 2025
summary: Administrationen samles i tværgående centre.
economy:
  - text: Administrativ effektivisering og reorganisering - Økonomi
    area: service
    group: varig
    amounts: {2025: -6000, 2026: -8700, 2027: -11500, 2028: -11500, 2029: -11500}
  - text: Administrativ effektivisering og reorganisering – HR og organisation
    area: service
    group: varig
    amounts: {2025: -4000, 2026: -6000, 2027: -8000, 2028: -8000, 2029: -8000}
  - text: Administrativ effektivisering og reorganisering - Digitalisering, data og analyse
    area: service
    group: varig
    amounts: {2025: -4500, 2026: -8500, 2027: -8500, 2028: -8500, 2029: -8500}
  - text: Administrativ effektivisering og reorganisering – Faglig udvikling og understøttelse
    area: service
    group: varig
    amounts: {2025: -2000, 2026: -4000, 2027: -4000, 2028: -4000, 2029: -4000}
  - text: Administrativ effektivisering og reorganisering – Ledere
    area: service
    group: varig
    amounts: {2025: -3000, 2026: -6000, 2027: -6000, 2028: -6000, 2029: -6000}
  - text: Husleje besparelse
    area: service
    group: varig
    amounts: {2025: -1000, 2026: -2000, 2027: -3000, 2028: -3000, 2029: -3000}
  - text: Administrativ besparelse – servicereduktion på faglig udvikling og understøttelse
    area: service
    group: varig
    amounts: {2025: -6000, 2026: -12000, 2027: -12000, 2028: -12000, 2029: -12000}
  - text: Implementeringsorganisation
    area: service
    group: engang
    amounts: {2024: 1800, 2025: 11500, 2026: 6000, 2027: 3000}
  - text: Implementeringsstøtte
    area: service
    group: engang
    amounts: {2024: 750, 2025: 1000}
  - text: Flytteudgifter
    area: service
    group: engang
    amounts: {2025: 1200}
  - text: Klargøring af lokaler
    area: anlæg
    group: engang
    amounts: {2025: 3000}
  - text: Digitale løsninger inkl. implementering
    area: anlæg
    group: engang
    amounts: {2025: 4200}
totals: {2024: 2550, 2025: -5600, 2026: -41200, 2027: -50000, 2028: -53000, 2029: -53000}
---
## Beskrivelse
"""

TV13_TOTALS_LINE = 58  # the `totals:` line above


def seed000(tv13: str = SEED000_TV13) -> dict[str, bytes]:
    return {
        "catalogue.yaml": SEED000_CATALOGUE.encode(),
        "themes/administration.md": SEED000_THEME.encode(),
        "proposals/TV13.md": tv13.encode(),
    }


def test_seed000_tabel1_printed_totals_reproduce_exactly() -> None:
    assert SEED000_TV13.splitlines()[TV13_TOTALS_LINE - 1].startswith("totals:")
    checked = check(seed000())
    assert flat(checked.report) == []
    assert checked.totals is not None
    t = checked.totals.proposals["TV13"]
    D = Decimal
    # "Samlet økonomisk påvirkning"
    assert dict(t.total.values) == {
        2024: D(2550),
        2025: D(-5600),
        2026: D(-41200),
        2027: D(-50000),
        2028: D(-53000),
        2029: D(-53000),
    }
    # "Samlet varig ændring"
    assert dict(t.by_group["varig"].values) == {
        2025: D(-26500),
        2026: D(-47200),
        2027: D(-53000),
        2028: D(-53000),
        2029: D(-53000),
    }
    # "Samlede implementeringsomkostninger" (and its service / anlæg split)
    assert dict(t.by_group["engang"].values) == {
        2024: D(2550),
        2025: D(20900),
        2026: D(6000),
        2027: D(3000),
    }
    assert dict(t.by_group_area[("engang", "service")].values) == {
        2024: D(2550),
        2025: D(13700),
        2026: D(6000),
        2027: D(3000),
    }
    assert dict(t.by_group_area[("engang", "anlæg")].values) == {2025: D(7200)}
    assert dict(checked.totals.total.values) == dict(t.total.values)


def test_seed000_theme_and_catalogue_declared_totals() -> None:
    files = seed000()
    printed = "{2024: 2550, 2025: -5600, 2026: -41200, 2027: -50000, 2028: -53000, 2029: -53000}"
    files = replace(
        files,
        "themes/administration.md",
        "title: Administration\n",
        f"title: Administration\ntotals: {printed}\n",
    )
    files = replace(
        files, C, "savings_sign: negative\n", f"savings_sign: negative\ntotals: {printed}\n"
    )
    assert check(files).ok


def test_seed000_wrong_printed_total_is_caught() -> None:
    # A hand-typed slip: 2026 printed as -41.300 instead of -41.200.
    wrong = SEED000_TV13.replace("2026: -41200,", "2026: -41300,")
    checked = check(seed000(wrong))
    assert flat_cols(checked.report) == [
        (p("proposals/TV13.md"), TV13_TOTALS_LINE, 41, ERR, "declared-totals")
    ]
    assert checked.report.issues[0].message == (
        "Forslagets total for 2026 er angivet til -41.300, men beregnes til -41.200 (forskel -100): "
        "ret tallet eller linjerne"
    )


def test_seed000_line_typo_is_caught_by_the_printed_total() -> None:
    # The other way round: a line was mistyped, the printed total is right.
    wrong = SEED000_TV13.replace("amounts: {2025: 1200}", "amounts: {2025: 2100}")
    checked = check(seed000(wrong))
    assert flat_cols(checked.report) == [
        (p("proposals/TV13.md"), TV13_TOTALS_LINE, 28, ERR, "declared-totals")
    ]
    assert (
        "angivet til -5.600, men beregnes til -4.700 (forskel -900)"
        in checked.report.issues[0].message
    )


# -- seed 001, the overview: themes 2–12 × 2024–2027, savings positive ---------------------------------

SEED001_THEMES = [
    # (number, id, title, merged_into)
    (1, "en-gang", "Fokus på at tingene kun skal gøres en gang", "indkob"),
    (2, "politikker", "Forenkling af politikker, planer og strategier", None),
    (3, "kommunikation", "Kommunikation", None),
    (4, "tilsyn", "Begrænse tilsyn, dokumentation og rapportering", None),
    (5, "med", "Forenkling af MED-systemet", None),
    (6, "lon", "Forenkling af lønforhandlinger, sygefraværsopfølgning samt onboarding", None),
    (7, "erp", "ERP-systemer, AI, automatisering og RPA samt ledelsesinformation", None),
    (8, "indkob", "Indkøb, Fælles IT, licenser og telefoni", None),
    (9, "rekruttering", "Rekruttering", None),
    (10, "klima", "Klima", None),
    (11, "medborgerskab", "Borgerinddragelse og medborgerskab", None),
    (12, "faellesskaber", "Administrative opgavefællesskaber", None),
]

# The overview's rows ("-" = no amount).
SEED001_ROWS = {
    "politikker": {2024: 3250, 2025: 3250, 2026: 3250, 2027: 3250},
    "kommunikation": {2024: 2000, 2025: 2000, 2026: 2000, 2027: 2000},
    "tilsyn": {2024: 1180, 2025: 1180, 2026: 1180, 2027: 1180},
    "med": {2024: 1000, 2025: 4000, 2026: 4000, 2027: 4000},
    "lon": {2024: 1000, 2025: 1500, 2026: 2000, 2027: 2500},
    "erp": {2024: 5000, 2025: 10000, 2026: 10000, 2027: 10000},
    "indkob": {2024: 2750, 2025: 2750, 2026: 3550, 2027: 3550},
    "rekruttering": {2024: 1800, 2025: 1800, 2026: 1800, 2027: 1800},
    "klima": {},
    "medborgerskab": {},
    "faellesskaber": {2027: 500},
}

SEED001_I_ALT = "{2024: 17980, 2025: 26480, 2026: 27780, 2027: 28780}"


def _yaml_map(amounts: dict[int, int]) -> str:
    return "{" + ", ".join(f"{y}: {v}" for y, v in amounts.items()) + "}"


def seed001(tmp_path: Path, i_alt: str = SEED001_I_ALT) -> Path:
    root = tmp_path / "content"
    (root / "themes").mkdir(parents=True)
    (root / "proposals").mkdir()
    (root / "catalogue.yaml").write_text(
        textwrap.dedent(f"""\
        title: Administrative spareforslag 2023
        organisation: Aarhus Kommune
        years: [2024, 2025, 2026, 2027]
        price_level: 2024
        savings_sign: positive
        targets: {{2024: 50000, 2025: 50000, 2026: 50000, 2027: 50000}}
        totals: {i_alt}
        """),
        encoding="utf-8",
    )
    for number, tid, title, merged in SEED001_THEMES:
        extra = f"merged_into: {merged}\n" if merged else ""
        (root / "themes" / f"{number:02d}-{tid}.md").write_text(
            f"---\nid: {tid}\nnumber: {number}\ntitle: {title}\n{extra}---\n", encoding="utf-8"
        )
    for tid, amounts in SEED001_ROWS.items():
        (root / "proposals" / f"{tid}.md").write_text(
            f"---\nid: {tid.upper()}\ntitle: {tid}\ntheme: {tid}\ndepartment: MKB\nsummary: s\n"
            f"economy:\n  - text: Effektivisering\n    area: service\n    group: varig\n"
            f"    amounts: {_yaml_map(amounts)}\n---\n",
            encoding="utf-8",
        )
    return root


def test_seed001_overview_reproduces_total_and_difference(tmp_path: Path) -> None:
    checked = check_folder(seed001(tmp_path))
    assert [i.format() for i in checked.report.sorted()] == []
    totals = checked.totals
    assert totals is not None
    D = Decimal
    assert dict(totals.total.values) == {
        2024: D(17980),
        2025: D(26480),
        2026: D(27780),
        2027: D(28780),
    }
    assert dict(totals.target.values) == {y: D(50000) for y in (2024, 2025, 2026, 2027)}
    # "Difference der skal fordeles efter administrative nøgle"
    assert dict(totals.difference.values) == {
        2024: D(32020),
        2025: D(23520),
        2026: D(22220),
        2027: D(21220),
    }
    for tid, row in SEED001_ROWS.items():
        assert dict(totals.themes[tid].total.values) == {y: D(v) for y, v in row.items()}
    assert totals.themes["en-gang"].total.empty
    assert totals.themes["klima"].total.empty


def test_seed001_theme_rows_declared(tmp_path: Path) -> None:
    root = seed001(tmp_path)
    theme_file = root / "themes" / "05-med.md"
    theme_file.write_text(
        theme_file.read_text(encoding="utf-8").replace(
            "title:", "totals: {2024: 1000, 2025: 4000, 2026: 4000, 2027: 4000}\ntitle:"
        ),
        encoding="utf-8",
    )
    klima = root / "themes" / "10-klima.md"
    klima.write_text(
        klima.read_text(encoding="utf-8").replace("title:", "totals: {2024: 0}\ntitle:"),
        encoding="utf-8",
    )
    assert check_folder(root).ok


def test_seed001_wrong_printed_i_alt_is_caught(tmp_path: Path) -> None:
    # 2026 printed as 27.870 (two digits swapped) instead of 27.780.
    root = seed001(tmp_path, "{2024: 17980, 2025: 26480, 2026: 27870, 2027: 28780}")
    checked = check_folder(root)
    assert [(i.path, i.line, i.col, i.code) for i in checked.report.sorted()] == [
        (f"{root}/catalogue.yaml", 7, 42, "declared-totals"),
    ]
    assert checked.report.issues[0].message == (
        "Katalogets samlede total for 2026 er angivet til 27.870, men beregnes til 27.780 (forskel 90): "
        "ret tallet eller linjerne"
    )
    assert checked.totals is None


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_seed001_each_year_is_checked(tmp_path: Path, year: int) -> None:
    wrong = SEED001_I_ALT.replace(f"{year}: ", f"{year}: 1")
    checked = check_folder(seed001(tmp_path, wrong))
    assert [i.code for i in checked.report.sorted()] == ["declared-totals"]
    assert f"for {year} " in checked.report.issues[0].message


def test_reconcile_adds_to_the_given_report() -> None:
    files = declared("{2026: -1}")
    cat, report = load_files(files, label="c")
    from katalog.compute import compute

    result = reconcile(cat, compute(cat), report)
    assert result is report
    assert flat(report) == [(p(P), 6, ERR, "declared-totals")]
