"""Declared figures against computed ones: the check that catches hand-typed totals.

Runs after `compute`. A proposal, theme or catalogue may declare `totals` per year; each must
equal the computed total (a year with no amount computes to 0), and a year whose lines contain
`"?"` or a range cannot be declared. A proposal's allocation given as amounts must add up to
its `varig` total in every allocated year.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from .compute import Series, Totals
from .issues import Report
from .model import UNKNOWN, Catalogue, Loc, Proposal, Range
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
        if actual is UNKNOWN or isinstance(actual, Range):
            report.problem("declared-unknown", loc.path, loc.line, loc.col, what=what,
                           year=year)
            continue
        actual = actual if isinstance(actual, Decimal) else Decimal(0)
        if actual != value:
            report.problem("declared-totals", loc.path, loc.line, loc.col, what=what, year=year,
                           declared=format_exact(value), computed=format_exact(actual),
                           diff=format_exact(value - actual))


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
    for p in cat.proposals:
        if p.allocation is not None and p.allocation.amounts is not None:
            _allocation_amounts(p, totals.proposals[p.id].by_group["varig"], s.years, report)
    return report


def _allocation_amounts(p: Proposal, varig: Series, years: tuple[int, ...],
                        report: Report) -> None:
    """Amounts per department add up to the proposal's varig total in every year they
    cover (a mapping without years covers every year with a varig amount, from `from`)."""
    assert p.allocation is not None and p.allocation.amounts is not None
    given = p.allocation.amounts
    loc = p.locs.get("allocation.amounts") or p.locs.get("allocation") or Loc(p.path)
    start = p.allocation.start
    for year in years:
        if start is not None and year < start:
            continue
        value = varig.get(year)
        per_year = [v.get(year) for v in given.values() if not isinstance(v, Decimal)]
        constant = [v for v in given.values() if isinstance(v, Decimal)]
        if value is None and not any(a is not None for a in per_year):
            continue
        if value is UNKNOWN:
            continue  # not yet known: the unknown stays with the proposal's department
        if isinstance(value, Range):
            report.problem("allocation-range", loc.path, loc.line, loc.col, year=year)
            continue
        total = value if isinstance(value, Decimal) else Decimal(0)
        given_sum = sum((a for a in per_year if a is not None), Decimal(0)) + sum(constant,
                                                                                  Decimal(0))
        if given_sum != total:
            report.problem("allocation-amounts", loc.path, loc.line, loc.col,
                           given=format_exact(given_sum), year=year,
                           total=format_exact(total), diff=format_exact(given_sum - total))
