"""Real published tables (../shared/seeds), transcribed line by line, must reproduce their
published totals through `katalog totals --format json`; a real table whose printed parts do
not add up must be caught as a declared-totals error.

Figures are the seeds' own; texts are shortened.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

from conftest import write_tree
from katalog.compute import allocate
from katalog.pipeline import check
from katalog.render import view

CLI = [sys.executable, "-m", "katalog"]


def totals_json(content: Path) -> dict:
    out = subprocess.run([*CLI, "totals", str(content), "--format", "json"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout, parse_float=D)


# -- seed 000: TV13, "Tabel 1. Forslagets samlede økonomiske konsekvenser" (1.000 kr. 2025 p/l) --

TV13 = {
    "catalogue.yaml": """
        title: Budget 2025 – investeringsforslag
        organisation: Socialforvaltningen
        years: [2024, 2025, 2026, 2027, 2028, 2029]
        price_level: 2025
        """,
    "themes/adm.md": """
        ---
        id: administration
        number: 1
        title: Administration
        ---
        """,
    "proposals/TV13.md": """
        ---
        id: TV13
        title: Administrative effektiviseringer og organisering
        theme: administration
        department: SOF
        kind: investering
        price_level: 2025
        summary: Administrationen samles i fire tværgående centre.
        economy:
          - {text: Økonomi, area: service, group: varig, amounts: {2025: -6000, 2026: -8700, 2027: -11500, 2028: -11500, 2029: -11500}}
          - {text: HR og organisation, area: service, group: varig, amounts: {2025: -4000, 2026: -6000, 2027: -8000, 2028: -8000, 2029: -8000}}
          - {text: Digitalisering, data og analyse, area: service, group: varig, amounts: {2025: -4500, 2026: -8500, 2027: -8500, 2028: -8500, 2029: -8500}}
          - {text: Faglig udvikling og understøttelse, area: service, group: varig, amounts: {2025: -2000, 2026: -4000, 2027: -4000, 2028: -4000, 2029: -4000}}
          - {text: Ledere, area: service, group: varig, amounts: {2025: -3000, 2026: -6000, 2027: -6000, 2028: -6000, 2029: -6000}}
          - {text: Husleje besparelse, area: service, group: varig, amounts: {2025: -1000, 2026: -2000, 2027: -3000, 2028: -3000, 2029: -3000}}
          - {text: Servicereduktion på faglig udvikling, area: service, group: varig, amounts: {2025: -6000, 2026: -12000, 2027: -12000, 2028: -12000, 2029: -12000}}
          - {text: Implementeringsorganisation, area: service, group: engang, amounts: {2024: 1800, 2025: 11500, 2026: 6000, 2027: 3000}}
          - {text: Implementeringsstøtte, area: service, group: engang, amounts: {2024: 750, 2025: 1000}}
          - {text: Flytteudgifter, area: service, group: engang, amounts: {2025: 1200}}
          - {text: Klargøring af lokaler, area: anlæg, group: engang, amounts: {2025: 3000}}
          - {text: Digitale løsninger inkl. implementering, area: anlæg, group: engang, amounts: {2025: 4200}}
        totals: {2024: 2550, 2025: -5600, 2026: -41200, 2027: -50000, 2028: -53000, 2029: -53000}
        ---
        """,
}


def test_tv13_reproduces_its_published_table(tmp_path):
    data = totals_json(write_tree(tmp_path / "c", TV13))
    (p,) = data["proposals"]
    # "Samlet økonomisk påvirkning"
    assert p["amounts"] == {"2024": 2550, "2025": -5600, "2026": -41200, "2027": -50000,
                            "2028": -53000, "2029": -53000}
    # "Samlet varig ændring" and "Samlede implementeringsomkostninger"
    assert p["by_group"]["varig"] == {"2025": -26500, "2026": -47200, "2027": -53000,
                                      "2028": -53000, "2029": -53000}
    assert p["by_group"]["engang"] == {"2024": 2550, "2025": 20900, "2026": 6000, "2027": 3000}
    # "..., service" 13.700 and "..., anlæg" 7.200 in 2025 (engang); service holds varig too
    assert p["by_area"]["anlæg"] == {"2025": 7200}
    assert p["by_area"]["service"]["2025"] == -26500 + 13700
    # "Tilbagebetalingstid baseret på totaløkonomi: 2 år"
    assert p["payback_years"] == 2
    assert data["total"] == p["amounts"]


def test_tv13_with_a_mistyped_total_is_caught(tmp_path):
    files = dict(TV13)
    files["proposals/TV13.md"] = files["proposals/TV13.md"].replace("2026: -41200", "2026: -41300")
    checked = check(write_tree(tmp_path / "c", files))
    assert not checked.ok
    (issue,) = checked.report.errors
    assert issue.path.endswith("proposals/TV13.md")
    assert (issue.line, issue.col) == (22, 41)  # the 2026 value on the `totals:` line
    assert "-41.300" in issue.message and "-41.200" in issue.message


# -- seed 001: the overview of a large city's administrative catalogue (savings positive) --

def _seed001() -> dict[str, str]:
    rows = [  # theme number, title, amounts 2024–2027 (1.000 kr.) as printed
        (2, "Forenkling af politikker, planer og strategier", [3250, 3250, 3250, 3250]),
        (3, "Kommunikation", [2000, 2000, 2000, 2000]),
        (4, "Begrænse tilsyn, dokumentation og rapportering", [1180, 1180, 1180, 1180]),
        (5, "Forenkling af MED-systemet", [1000, 4000, 4000, 4000]),
        (6, "Forenkling af lønforhandlinger m.m.", [1000, 1500, 2000, 2500]),
        (7, "ERP-systemer, AI, automatisering og RPA", [5000, 10000, 10000, 10000]),
        (8, "Indkøb, Fælles IT, licenser og telefoni", [2750, 2750, 3550, 3550]),
        (9, "Rekruttering", [1800, 1800, 1800, 1800]),
        (10, "Klima", None),
        (11, "Borgerinddragelse og medborgerskab", None),
        (12, "Administrative opgavefællesskaber", [0, 0, 0, 500]),
    ]
    files = {
        "catalogue.yaml": """
            title: Administrative spareforslag
            organisation: Eksempel Storkommune
            years: [2024, 2025, 2026, 2027]
            price_level: 2024
            savings_sign: positive
            targets: {2024: 50000, 2025: 50000, 2026: 50000, 2027: 50000}
            totals: {2024: 17980, 2025: 26480, 2026: 27780, 2027: 28780}
            """,
        "themes/t01.md": """
            ---
            id: t1
            number: 1
            title: Fokus på at tingene kun skal gøres én gang
            merged_into: t8
            ---
            """,
    }
    years = [2024, 2025, 2026, 2027]
    for number, title, amounts in rows:
        files[f"themes/t{number:02}.md"] = f"""
            ---
            id: t{number}
            number: {number}
            title: {title}
            ---
            """
        economy = "[]" if amounts is None else (
            "\n  - {text: Identificeret potentiale, area: service, group: varig, amounts: {"
            + ", ".join(f"{y}: {a}" for y, a in zip(years, amounts)) + "}}")
        files[f"proposals/T{number}.md"] = (
            f"---\nid: T{number}\ntitle: {title}\ntheme: t{number}\ndepartment: MBA\n"
            f"summary: Tema {number}.\neconomy: {economy}\n---\n")
    return files


def test_seed001_overview_reproduces_total_target_and_difference(tmp_path):
    data = totals_json(write_tree(tmp_path / "c", _seed001()))
    assert data["savings_sign"] == "positive"
    assert data["total"] == {"2024": 17980, "2025": 26480, "2026": 27780, "2027": 28780}
    assert data["target"] == {"2024": 50000, "2025": 50000, "2026": 50000, "2027": 50000}
    # "Difference der skal fordeles efter administrative nøgle"
    assert data["difference"] == {"2024": 32020, "2025": 23520, "2026": 22220, "2027": 21220}
    merged = next(t for t in data["themes"] if t["id"] == "t1")
    assert merged["merged_into"] == "t8" and merged["amounts"] == {}
    klima = next(t for t in data["themes"] if t["id"] == "t10")
    assert klima["amounts"] == {}  # printed "-": no amount, not 0


def test_seed001_thousands_dot_in_a_published_table_is_caught(tmp_path):
    # Tema 6's table prints "0.500" meaning 500 (1.000 kr.) with a Danish thousands dot.
    files = _seed001()
    files["proposals/T6.md"] = files["proposals/T6.md"].replace("2024: 1000", "2024: 0.500")
    checked = check(write_tree(tmp_path / "c", files))
    messages = [i.format() for i in checked.report.errors]
    assert any("proposals/T6.md:8:" in m and "mente du 500?" in m for m in messages), messages


def test_seed001_allocation_that_does_not_add_up_is_caught(tmp_path):
    # Tema 6, "Forenkling af lønforhandlinger", mio. kr.: the printed department parts add up
    # to 0,49 while the table's amount is 0,50 – the drift hand-made tables suffer from.
    parts = {"MSB": "0.00", "MTM": "0.08", "MSO": "0.16", "MKB": "0.05", "MBU": "0.16",
             "BA": "0.04"}
    economy = "".join(
        f"\n  - {{text: {code}, area: service, group: varig, amounts: {{2024: {v}}}}}"
        for code, v in parts.items())
    files = {
        "catalogue.yaml": """
            title: Tema 6
            organisation: Eksempel Storkommune
            years: [2024]
            price_level: 2024
            unit: 1000000
            savings_sign: positive
            """,
        "themes/t6.md": "---\nid: t6\nnumber: 6\ntitle: Lønforhandlinger\n---\n",
        "proposals/L.md": (f"---\nid: L\ntitle: Forenkling af lønforhandlinger\ntheme: t6\n"
                           f"department: MBA\nsummary: Fordeling.\neconomy:{economy}\n"
                           f"totals: {{2024: 0.50}}\n---\n"),
    }
    checked = check(write_tree(tmp_path / "c", files))
    (issue,) = checked.report.errors
    assert issue.path.endswith("proposals/L.md") and issue.line == 14
    assert "0,49" in issue.message and "0,5" in issue.message


def test_largest_remainder_fixes_the_seed001_drift():
    # The same 0,50 mio. kr. shared by the printed percentages (which add up to 99):
    # katalog's parts always add up to the whole.
    shares = {"MSB": D(0), "MTM": D(16), "MSO": D(32), "MKB": D(11), "MBU": D(32), "BA": D(8)}
    parts = allocate(D("0.50"), shares, step=D("0.01"))
    assert sum(parts.values()) == D("0.50")
    assert parts == {"MSB": 0, "MTM": D("0.08"), "MSO": D("0.16"), "MKB": D("0.06"),
                     "MBU": D("0.16"), "BA": D("0.04")}


# -- the seed catalogues in tests/catalogues (SPEC §7): every theme, proposal and figure ------

CATALOGUES = Path(__file__).resolve().parent / "catalogues"


def folder_files(folder: Path) -> dict[str, bytes]:
    """A content folder as `load_files` takes it, `intro.md` included."""
    files = {"catalogue.yaml": (folder / "catalogue.yaml").read_bytes()}
    if (folder / "intro.md").exists():
        files["intro.md"] = (folder / "intro.md").read_bytes()
    for sub in ("themes", "proposals"):
        for path in sorted((folder / sub).glob("*.md")):
            files[f"{sub}/{path.name}"] = path.read_bytes()
    return files


def seed(name: str):
    """The seed catalogue checked, and its `katalog totals --format json` as data."""
    from katalog.pipeline import check_files
    from katalog.render.totals import to_json

    checked = check_files(folder_files(CATALOGUES / name), name)
    assert checked.ok, [i.format() for i in checked.report.sorted()]
    return checked, json.loads(to_json(checked.catalogue, checked.totals), parse_float=D)


def per_year(*values) -> dict[str, D]:
    return {str(y): D(v) for y, v in zip((2024, 2025, 2026, 2027), values) if v is not None}


SEED001_THEMES = {  # "Anslået samlet besparelse" per theme, as printed (1.000 kr.)
    "politikker": (3250, 3250, 3250, 3250),
    "kommunikation": (2000, 2000, 2000, 2000),
    "tilsyn": (1180, 1180, 1180, 1180),
    "med": (1000, 4000, 4000, 4000),
    "loen": (1000, 1500, 2000, 2500),
    "erp": (5000, 10000, 10000, 10000),
    "indkob": (2750, 2750, 3550, 3550),
    "rekruttering": (1800, 1800, 1800, 1800),
    "klima": (0, 0, 0, 0),
    "medborgerskab": (0, None, None, None),
    "faellesskaber": (0, 0, 0, 500),
}


def test_seed001_catalogue_reproduces_the_published_overview():
    checked, data = seed("seed001")
    assert data["unit"] == 1000 and data["savings_sign"] == "positive"
    assert data["total"] == per_year(17980, 26480, 27780, 28780)  # I alt
    assert data["target"] == per_year(50000, 50000, 50000, 50000)  # Mål
    assert data["difference"] == per_year(32020, 23520, 22220, 21220)
    themes = {t["id"]: t for t in data["themes"]}
    assert themes["kun-en-gang"]["merged_into"] == "indkob"
    assert themes["kun-en-gang"]["amounts"] == {}
    for theme, amounts in SEED001_THEMES.items():
        assert themes[theme]["amounts"] == per_year(*amounts), theme
    # the catalogue's own wording for the difference row
    overview = view.overview_table(checked.catalogue, checked.totals)
    labels = [r.label for r in overview.rows]
    assert "Difference der skal fordeles efter administrativ nøgle" in labels
    # the overview's cells as a budget officer reads them
    row = next(r for r in overview.rows if r.label == "I alt")
    assert row.cells == ("17.980", "26.480", "27.780", "28.780")


def test_seed001_allocation_cells():
    checked, data = seed("seed001")
    proposals = {p["id"]: p for p in data["proposals"]}
    # Tema 2, given as amounts per department (mio. kr. in the seed: BA 1, MTM 0,75, ...)
    assert proposals["POL-1"]["allocated_by_department"] == {
        code: per_year(v, v, v, v) for code, v in
        {"BA": 1000, "MTM": 750, "MSB": 500, "MBU": 500, "MSO": 500, "MKB": 0}.items()}
    # Tema 4, given in kr.: BA 270.000, MSO 70.000, MBU 97.000, MSB 600.000, MKB 0, MTM 143.000
    assert proposals["TIL-1"]["allocated_by_department"]["MTM"] == per_year(143, 143, 143, 143)
    assert proposals["TIL-1"]["allocated_by_department"]["MSB"] == per_year(600, 600, 600, 600)
    # Tema 6 digital onboarding by the key: the seed's cells (mio. kr., two decimals)
    printed = {"MSB": ("0.14", "0.28", "0.43", "0.57"), "MTM": ("0.04", "0.08", "0.12", "0.16"),
               "MSO": ("0.07", "0.14", "0.20", "0.27"), "MKB": ("0.03", "0.07", "0.10", "0.14"),
               "MBU": ("0.14", "0.28", "0.42", "0.56"), "BA": ("0.08", "0.15", "0.23", "0.31")}
    parts = proposals["LOEN-2"]["allocated_by_department"]
    for code, cells in printed.items():
        ours = tuple(format((D(parts[code][str(y)]) / 1000).quantize(D("0.01"), "ROUND_HALF_UP"), "f")
                     for y in (2024, 2025, 2026, 2027))
        assert ours == cells, code
    for y in ("2024", "2025", "2026", "2027"):  # and they add up, where the seed's 0,49 drifted
        assert sum(p[y] for p in parts.values()) == proposals["LOEN-2"]["amounts"][y]
    # Tema 6 wage talks: printed shares add up to 99 % → a warning, parts normalised
    assert [i.code for i in checked.report.warnings] == ["shares-rounded"]
    assert {c: v["2024"] for c, v in proposals["LOEN-1"]["allocated_by_department"].items()} == {
        "MSB": 0, "MTM": 81, "MSO": 162, "MKB": 55, "MBU": 162, "BA": 40}
    # Tema 7 by the key: the seed's cells (mio. kr., one decimal)
    parts = proposals["ERP-1"]["allocated_by_department"]
    assert {c: v["2024"] for c, v in parts.items()} == {
        "MSB": 1420, "MTM": 405, "MSO": 675, "MKB": 340, "MBU": 1395, "BA": 765}
    assert {c: v["2025"] for c, v in parts.items()} == {
        "MSB": 2840, "MTM": 810, "MSO": 1350, "MKB": 680, "MBU": 2790, "BA": 1530}
    # Tema 5: by the key from year 2; 2024 stays with the proposal's department (BA)
    med = proposals["MED-1"]["allocated_by_department"]
    assert med["BA"]["2024"] == 1000 and med["MSB"].get("2024") is None
    assert sum(v["2025"] for v in med.values()) == 4000


def test_seed001_allocated_by_department_adds_up_to_the_total():
    checked, data = seed("seed001")
    parts = data["allocated_by_department"]
    assert list(parts) == ["MSB", "MTM", "MSO", "MKB", "MBU", "BA"]  # the catalogue's order
    for y, total in data["total"].items():
        assert sum(p.get(y, 0) for p in parts.values()) == total
    # and each theme's split adds up to the theme
    for t in data["themes"]:
        for y, total in t["amounts"].items():
            assert sum(p.get(y, 0) for p in t["allocated_by_department"].values()) == total
    # "Difference der skal fordeles efter administrativ nøgle", by the key
    key = data["difference_allocation"]
    assert sum(v["2024"] for v in key.values()) == 32020


def test_seed001_fte_rows():
    checked, data = seed("seed001")
    themes = {t["id"]: t for t in data["themes"]}

    def shown(theme, decimals):
        return tuple(format(v.quantize(D(1).scaleb(-decimals), "ROUND_HALF_UP"), "f")
                     for v in themes[theme]["fte"].values())

    assert shown("tilsyn", 1) == ("2.2",) * 4  # printed 2,2 (salary ≈ 536)
    assert shown("rekruttering", 1) == ("2.4",) * 4  # printed 2,4 (≈ 750)
    assert shown("erp", 0) == ("8", "17", "17", "17")  # printed 8 / 17 (≈ 600)
    # Tema 6 prints 1,74 / 2,60 / 3,48 / 4,35; no one salary gives both 1,74 and 2,60: at 575,
    # 1.500 / 575 = 2,61 (the seed's own figure is the one that does not follow)
    assert shown("loen", 2) == ("1.74", "2.61", "3.48", "4.35")
    # themes that give no FTE figures are "?": the total is marked incomplete, not a silent sum
    assert data["fte_unknown"] == ["2024", "2025", "2026", "2027"]
    assert data["fte_partial"]["2024"] == D("14.67")
    overview = view.overview_table(checked.catalogue, checked.totals)
    fte = next(r for r in overview.rows if r.kind == "fte")
    assert fte.cells[0] == "14,67 + ?"
    assert themes["medborgerskab"]["fte"] == {"2024": 0}
    assert themes["medborgerskab"]["fte_unknown"] == ["2025", "2026", "2027"]


def test_seed001_alternatives_count_once():
    checked, data = seed("seed001")
    proposals = {p["id"]: p for p in data["proposals"]}
    assert proposals["KLI-1"]["alternative_group"] == "KLI-1"
    assert proposals["KLI-2"]["alternative_group"] == "KLI-1"
    assert proposals["KLI-1"]["counted"] and not proposals["KLI-2"]["counted"]
    assert data["alternative_groups"] == {"KLI-1": ["KLI-1", "KLI-2"]}
    table = view.alternatives_table("KLI-1", checked.catalogue, checked.totals)
    assert [r.kind for r in table.rows] == ["alternative", "uncounted"]


def test_seed001_thousands_dot_hint_in_mio_kr_catalogue_is_not_given(tmp_path):
    # The same "0.500" that is the thousands-dot pitfall in 1.000 kr. is half a million in
    # mio. kr. (SPEC §7): accepted, and shown 0,5.
    files = folder_files(CATALOGUES / "seed004")
    files["proposals/DATA-1.md"] = files["proposals/DATA-1.md"].replace(
        b"{2021: 0.5, 2022: 1}", b"{2021: 0.500, 2022: 1.125}")
    from katalog.pipeline import check_files

    checked = check_files(files, "c")
    assert checked.ok, [i.format() for i in checked.report.sorted()]
    p = checked.totals.proposals["DATA-1"].total
    assert p.get(2021) == D("0.5") and p.get(2022) == D("1.125")


def test_seed004_target_and_what_is_known_of_it():
    checked, data = seed("seed004")
    assert data["unit"] == 1000000 and data["target"] == {"2021": 37, "2022": 37}
    # Known: 7,5 + 3 + 1 + 0,5 and the range 3,5–5,5; four proposals are still "xx mio. kr."
    assert data["total"] == {} and data["total_unknown"] == ["2021", "2022"]
    assert data["total_partial_ranges"] == {"2021": {"low": D("15.5"), "high": D("17.5")},
                                            "2022": {"low": 20, "high": 22}}
    # what is still missing of the 37 mio. kr., less whatever the unknown proposals bring
    assert data["difference_unknown"] == ["2021", "2022"]
    assert data["difference_partial_ranges"] == {"2021": {"low": D("21.5"), "high": D("19.5")},
                                                 "2022": {"low": 17, "high": 15}}
    overview = view.overview_table(checked.catalogue, checked.totals)
    cells = {r.label: r.cells for r in overview.rows}
    assert cells["I alt"] == ("15,5–17,5 + ?", "20,0–22,0 + ?")
    assert cells["Mål"] == ("37,0", "37,0")
    assert cells["Difference til mål (positiv = mangler for at nå målet)"] == (
        "21,5–19,5 − ?", "17,0–15,0 − ?")
    proposals = {p["id"]: p for p in data["proposals"]}
    assert proposals["STOP-1"]["ranges"] == {"2021": {"low": D("3.5"), "high": D("5.5")},
                                             "2022": {"low": D("3.5"), "high": D("5.5")}}
    assert proposals["MED-1"]["fte"] == {"2021": 1, "2022": 1}  # "et årsværk"
    assert proposals["MED-1"]["unknown"] == ["2021", "2022"]


def test_seed004_every_proposal_has_its_hearing_comments():
    checked, _ = seed("seed004")
    by_id = {p.id: p for p in checked.catalogue.proposals}
    assert len(by_id) == 10
    bodies = {pid: [h.body for h in p.hearing] for pid, p in by_id.items()}
    assert bodies["KONS-1"] == ["SektorMED CAI", "SektorMED SØD"]
    assert bodies["KOOR-1"] == ["SektorMED CAI", "SektorMED SØD", "SektorMED CHP"]
    assert all(bodies.values())
    # comments stay Markdown: paragraphs, bold and lists as written
    sod = by_id["KONS-1"].hearing[1].comment
    assert "\n\n" in sod and "\n- en opprioritering" in sod
    assert "**6 mio. kr.**" in by_id["KOOR-1"].hearing[1].comment
    assert view.hearing(by_id["MED-1"]) == [("SektorMED Børn og Unge",
                                              by_id["MED-1"].hearing[0].comment)]
    intro = checked.catalogue.intro
    assert intro is not None and intro.title == "Generelle bemærkninger fra MED-systemet"
    assert "### SektorMED CAI" in intro.body
