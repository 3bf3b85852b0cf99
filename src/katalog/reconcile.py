"""Declared totals against computed ones: the check that catches hand-typed totals.

Runs after `compute`. A proposal, theme or catalogue may declare `totals` per year; each must
equal the computed total (a year with no amount computes to 0), and a year whose lines contain
`"?"` cannot be declared.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from .compute import Series, Totals
from .issues import Report
from .model import UNKNOWN, Catalogue, Loc
from .numbers import format_exact


def _check(
    declared: Mapping[int, Decimal],
    computed: Series,
    locs: Mapping[str, Loc],
    path: str,
    what: str,
    report: Report,
) -> None:
    for year, value in declared.items():
        loc = locs.get(f"totals.{year}") or locs.get("totals") or Loc(path, 1, 1)
        actual = computed.get(year)
        if actual is UNKNOWN:
            report.error(
                "declared-unknown",
                f"{what} for {year} kan ikke angives, fordi året indeholder et ukendt beløb (\"?\")",
                loc.path, loc.line, loc.col,
            )
            continue
        actual = actual if isinstance(actual, Decimal) else Decimal(0)
        if actual != value:
            report.error(
                "declared-totals",
                f"{what} for {year} er angivet til {format_exact(value)}, men beregnes til "
                f"{format_exact(actual)} (forskel {format_exact(value - actual)}): ret tallet eller linjerne",
                loc.path, loc.line, loc.col,
            )


def reconcile(cat: Catalogue, totals: Totals, report: Report) -> Report:
    """Report every declared total that differs from the computed one."""
    for p in cat.proposals:
        _check(p.declared_totals, totals.proposals[p.id].total, p.locs, p.path,
               "Forslagets total", report)
    for t in cat.themes:
        if t.id in totals.themes:
            _check(t.declared_totals, totals.themes[t.id].total, t.locs, t.path,
                   "Temaets total", report)
    s = cat.settings
    _check(s.declared_totals, totals.total, s.locs, s.path, "Katalogets samlede total", report)
    return report
