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
