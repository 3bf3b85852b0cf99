"""Catalogues for the workbook and chart tests, written by the test into a folder.

`MIO`: mio. kr. with decimals (0.1 + 0.2 is the classic float trap), unknown amounts, a
merged theme, savings entered positive, `target_basis: varig`, an allocation by key and a
title that looks like a formula. `seed_001()`: the overview of seed 001 (12 themes in 1.000
kr., one merged, a target of 50.000 a year), one proposal per theme carrying its figures.
"""

from __future__ import annotations

from pathlib import Path

from conftest import write_tree

MIO = {
    "catalogue.yaml": """
        title: Budgetkatalog 2027 & overslagsår
        organisation: Prøveby Kommune
        date: 2026-08-15
        years: [2027, 2028, 2029]
        price_level: 2027
        unit: 1000000
        savings_sign: positive
        average_salary: 0.6
        targets: {2027: 2.5, 2028: 3, 2029: 3.25}
        target_basis: varig
        departments:
          - {code: BA, name: Borgmesterens Afdeling, share: 40}
          - {code: MTM, name: Teknik og Miljø, share: 60}
        """,
    "themes/a.md": """
        ---
        id: a
        number: 1
        title: Administration
        ---
        """,
    "themes/b.md": """
        ---
        id: b
        number: 2
        title: Indkøb
        ---
        """,
    "themes/c.md": """
        ---
        id: c
        number: 3
        title: Kun én gang
        merged_into: a
        ---
        """,
    "proposals/P1.md": """
        ---
        id: P1
        title: Fælles sekretariat
        theme: a
        department: BA
        summary: Et sekretariat.
        economy:
          - text: Løn
            area: service
            group: varig
            amounts: {2027: 0.1, 2028: 0.2, 2029: 0.7}
          - text: Husleje
            area: anlæg
            group: varig
            amounts: {2027: 0.2, 2028: "?", 2029: 0.05}
          - text: Flytning
            area: service
            group: engang
            amounts: {2027: -1.25}
        ---
        """,
    "proposals/P2.md": """
        ---
        id: P2
        title: Robotter
        theme: a
        department: MTM
        summary: Automatisering.
        allocation: nøgle
        economy:
          - text: Sagsbehandling
            area: service
            group: varig
            amounts: {2027: 1.1, 2028: 2.2, 2029: 3.3}
        ---
        """,
    "proposals/P3.md": """
        ---
        id: P3
        title: Indkøbsaftaler
        theme: b
        department: MTM
        summary: Bedre aftaler.
        economy:
          - text: Aftaler
            area: service
            group: varig
            amounts: {2027: "?", 2028: 0.3, 2029: 0}
        ---
        """,
    "proposals/P4.md": """
        ---
        id: P4
        title: "=SUM(1;2) trukket forslag"
        theme: b
        department: BA
        status: trukket
        summary: Trukket.
        economy:
          - text: Noget
            area: service
            group: varig
            amounts: {2027: 9.9}
        ---
        """,
}

# Seed 001's overview (1.000 kr., savings positive): number, title (shortened), amounts
SEED_001_YEARS = (2024, 2025, 2026, 2027)
SEED_001 = [
    (1, "Opgaver gøres kun én gang", None),
    (2, "Færre politikker, planer og strategier", (3250, 3250, 3250, 3250)),
    (3, "Kommunikation", (2000, 2000, 2000, 2000)),
    (4, "Mindre tilsyn, dokumentation og rapportering", (1180, 1180, 1180, 1180)),
    (5, "Et enklere MED-system", (1000, 4000, 4000, 4000)),
    (6, "Lønforhandling, sygefravær og onboarding", (1000, 1500, 2000, 2500)),
    (7, "ERP, AI, automatisering og ledelsesinformation", (5000, 10000, 10000, 10000)),
    (8, "Indkøb, fælles IT, licenser og telefoni", (2750, 2750, 3550, 3550)),
    (9, "Rekruttering", (1800, 1800, 1800, 1800)),
    (10, "Klima", ()),
    (11, "Borgerinddragelse og medborgerskab", ()),
    (12, "Administrative opgavefællesskaber", (None, None, None, 500)),
]


def seed_001_files() -> dict[str, str]:
    """Seed 001's overview as a content folder: theme 1 merged into theme 8."""
    files = {"catalogue.yaml": """
        title: Administrative spareforslag 2024
        organisation: Storby Kommune
        date: 2023-06-01
        years: [2024, 2025, 2026, 2027]
        price_level: 2024
        unit: 1000
        savings_sign: positive
        targets: {2024: 50000, 2025: 50000, 2026: 50000, 2027: 50000}
        """}
    for number, title, amounts in SEED_001:
        merged = "merged_into: t8\n        " if amounts is None else ""
        files[f"themes/t{number:02}.md"] = f"""
        ---
        id: t{number}
        number: {number}
        title: {title}
        {merged}---
        """
        if amounts is None:
            continue
        given = {y: a for y, a in zip(SEED_001_YEARS, amounts) if a is not None}
        files[f"proposals/T{number}.md"] = f"""
        ---
        id: T{number}
        title: {title}
        theme: t{number}
        department: ADM
        summary: Tema {number}.
        economy:
          - text: Potentiale
            area: service
            group: varig
            amounts: {{{", ".join(f"{y}: {a}" for y, a in given.items())}}}
        ---
        """
    return files


def write_mio(root: Path) -> Path:
    return write_tree(root / "mio", MIO)


def write_seed_001(root: Path) -> Path:
    return write_tree(root / "seed001", seed_001_files())


def many_themes_files(n: int = 14) -> dict[str, str]:
    """`n` themes with long titles, one proposal each, savings negative, one year with a
    net extra cost in one theme."""
    files = {"catalogue.yaml": """
        title: Mange temaer
        organisation: Prøveby Kommune
        years: [2026, 2027, 2028]
        price_level: 2026
        targets: {2026: -20000, 2027: -30000, 2028: -30000}
        """}
    for i in range(1, n + 1):
        files[f"themes/t{i:02}.md"] = f"""
        ---
        id: t{i}
        number: {i}
        title: Tema nummer {i} med en lang titel om administration og opgaver
        ---
        """
        first = 500 if i == 3 else -100 * i
        files[f"proposals/P{i}.md"] = f"""
        ---
        id: P{i}
        title: Forslag {i}
        theme: t{i}
        department: ADM
        summary: Forslag {i}.
        economy:
          - text: Linje
            area: service
            group: varig
            amounts: {{2026: {first}, 2027: {-200 * i}, 2028: {-250 * i}}}
        ---
        """
    return files
