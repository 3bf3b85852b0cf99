"""The budget year (SPEC §8): what the council adopted, and what is expected at each budget
revision, computed exactly from the proposals' `decision` and `realisation`.

A proposal is *adopted* when its `decision.outcome` is `vedtaget` (or, without a decision,
its status is `vedtaget`). Its adopted amount per year is the council's (`decision.amounts`)
where it gave one, else the proposal's total as proposed. Its *expected* amount is the current
(last) `realisation` entry's `expected` where it names a year, else the adopted amount; an
adopted proposal without entries is expected as adopted. The *gap* is expected − adopted per
year (0 where the expectation is the adopted amount; `"?"` on either side makes it unknown).

Totals per theme, per department after allocation (the catalogue's allocation machinery, fed
the adopted or expected amounts), per year and per traffic light; differences to the target
as `compute` makes them. `"?"` and ranges flow through `Series` as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Mapping

from .compute import (
    EMPTY,
    ProposalTotals,
    Series,
    allocation_of,
    difference_of,
)
from .model import LIGHTS, UNKNOWN, Catalogue, Proposal, Range, Settings

NO_STATUS = "ingen"  # an adopted proposal without a realisation entry yet
STATUS_KEYS = (*LIGHTS, NO_STATUS)  # the counts per status, in this order
NO_DECISION = "ingen"  # a proposal the council has not decided on
OUTCOME_KEYS = ("vedtaget", "forkastet", "udskudt", NO_DECISION)


@dataclass(frozen=True)
class ProposalYear:
    """One proposal in the budget year. For a proposal that is not adopted, `adopted`,
    `expected` and `gap` are None."""

    outcome: str  # vedtaget | forkastet | udskudt | ingen (see `outcome_of`)
    proposed: Series  # its total as proposed (the catalogue's)
    adopted: Series | None = None
    changed: bool = False  # adopted with the council's own amounts
    expected: Series | None = None  # the current expectation
    gap: Series | None = None  # expected − adopted
    revision: str | None = None  # the current entry's name (None: no entry yet)
    status: str | None = None  # its traffic light (None: no entry yet)
    adopted_allocated: Mapping[str, Series] = field(default_factory=dict)
    expected_allocated: Mapping[str, Series] = field(default_factory=dict)
    change: Series | None = None  # the council's change: adopted − proposed (0: as proposed)
    gap_allocated: Mapping[str, Series] = field(default_factory=dict)  # gap per department

    @property
    def is_adopted(self) -> bool:
        return self.adopted is not None

    @property
    def status_key(self) -> str:
        """Its traffic light, or `ingen` before the first budget revision."""
        return self.status or NO_STATUS


@dataclass(frozen=True)
class StatusGroup:
    """The adopted proposals with one traffic light (or none yet): ids and sums."""

    ids: tuple[str, ...]
    adopted: Series
    expected: Series
    gap: Series


@dataclass(frozen=True)
class BudgetYear:
    """The budget year's totals. Mappings by theme cover every theme that is not merged;
    by department, every department that delivers some adopted amount."""

    proposals: Mapping[str, ProposalYear]
    adopted_ids: tuple[str, ...]  # adopted proposals, in catalogue order
    outcomes: Mapping[str, tuple[str, ...]]  # OUTCOME_KEYS → proposal ids
    proposed_total: Series  # the adopted proposals as proposed
    change_total: Series  # the council's changes: adopted − proposed, summed
    adopted_total: Series
    adopted_by_theme: Mapping[str, Series]
    proposed_by_theme: Mapping[str, Series]
    adopted_by_department: Mapping[str, Series]
    adopted_varig: Series  # the adopted total without the one-off (engang) lines
    adopted_basis: Series  # what the target is compared with (all, or varig: see `basis`)
    adopted_difference: Series  # target − adopted basis
    expected_total: Series
    gap_total: Series
    expected_by_theme: Mapping[str, Series]
    gap_by_theme: Mapping[str, Series]
    expected_by_department: Mapping[str, Series]
    gap_by_department: Mapping[str, Series]
    expected_varig: Series  # the expected total without the one-off (engang) lines
    expected_basis: Series
    expected_difference: Series  # target − expected basis: the gap left to the target
    by_status: Mapping[str, StatusGroup]  # STATUS_KEYS → group
    revisions: tuple[str, ...]  # every revision name, in the order first met
    followed_up: bool  # some proposal has a realisation entry

    @property
    def status_counts(self) -> dict[str, int]:
        return {key: len(group.ids) for key, group in self.by_status.items()}


def outcome_of(p: Proposal) -> str:
    """The council's outcome: `decision.outcome`, else `vedtaget`/`forkastet` from the
    status, else `ingen` (not decided)."""
    if p.decision is not None:
        return p.decision.outcome
    return p.status if p.status in ("vedtaget", "forkastet") else NO_DECISION


def _negated(series: Series) -> Series:
    return series.map(lambda v: -v)


def _ends(value: object) -> tuple[Decimal, Decimal]:
    if isinstance(value, Range):
        return value.low, value.high
    return (value, value) if isinstance(value, Decimal) else (Decimal(0), Decimal(0))


def gap_of(adopted: Series, expected: Series, named: Iterable[int]) -> Series:
    """expected − adopted per year with an amount on either side: exactly 0 where the
    expectation does not name the year (it is the adopted amount, `"?"` or not); unknown
    where `"?"` stands on either side of a named year (nothing of it is shown as known)."""
    named = set(named)
    values: dict[int, Decimal] = {}
    ranges: dict[int, Range] = {}
    unknown: set[int] = set()
    for year in sorted(set(adopted.years()) | set(expected.years())):
        if year not in named:
            values[year] = Decimal(0)
            continue
        after, before = expected.get(year), adopted.get(year)
        if after is UNKNOWN or before is UNKNOWN:
            unknown.add(year)
            continue
        (a_low, a_high), (b_low, b_high) = _ends(after), _ends(before)
        low, high = a_low - b_low, a_high - b_high
        if low == high:
            values[year] = low
        else:
            ranges[year] = Range(low, high)
    return Series(values, frozenset(unknown), {}, ranges)


def _allocated(p: Proposal, pt: ProposalTotals, series: Series,
               settings: Settings) -> dict[str, Series]:
    """`series` (the proposal's adopted or expected amounts) by the department that
    delivers it: by the proposal's allocation (its shares, or its amounts with the change
    left to its own department), else all to its own department. A change from the proposed
    amounts is taken as a change of the permanent (varig) part."""
    if series is pt.total:
        return dict(pt.allocated or {p.department: pt.total})
    engang = pt.by_group["engang"]
    varig = Series.sum([series, _negated(engang)])
    parts = allocation_of(p, series, {"varig": varig, "engang": engang}, settings)
    return parts or {p.department: series}


def proposal_year(p: Proposal, pt: ProposalTotals, settings: Settings) -> ProposalYear:
    """One proposal's adopted and expected amounts, gap and current traffic light."""
    outcome = outcome_of(p)
    if not p.adopted:
        return ProposalYear(outcome, pt.total)
    amounts = p.decision.amounts if p.decision is not None else {}
    adopted = pt.total.replaced(amounts)
    current = p.current
    named = current.expected if current is not None else {}
    expected = adopted.replaced(named)
    adopted_parts = _allocated(p, pt, adopted, settings)
    expected_parts = adopted_parts if expected is adopted else _allocated(p, pt, expected,
                                                                          settings)
    codes = dict.fromkeys([*adopted_parts, *expected_parts])
    return ProposalYear(
        outcome, pt.total, adopted, bool(amounts), expected, gap_of(adopted, expected, named),
        current.revision if current else None, current.status if current else None,
        adopted_parts, expected_parts, gap_of(pt.total, adopted, amounts),
        {code: gap_of(adopted_parts.get(code, EMPTY), expected_parts.get(code, EMPTY), named)
         for code in codes},
    )


def without(total: Series, engang: Series) -> Series:
    """The total without the one-off (engang) amounts as proposed: its permanent part (a
    council's or an expectation's change is taken as a change of the permanent part)."""
    return Series.sum([total, _negated(engang)])


def budget_year(cat: Catalogue, totals: Mapping[str, ProposalTotals],
                target: Series) -> BudgetYear:
    """The budget year of a validated catalogue whose proposals' totals are computed."""
    s = cat.settings
    years = {p.id: proposal_year(p, totals[p.id], s) for p in cat.proposals}
    adopted = [p for p in cat.proposals if years[p.id].is_adopted]

    def total(attr: str, members: Iterable[Proposal]) -> Series:
        return Series.sum(getattr(years[p.id], attr) for p in members)

    def by_theme(attr: str) -> dict[str, Series]:
        return {t.id: total(attr, (p for p in adopted if p.theme == t.id))
                for t in cat.themes if not t.merged}

    codes = [d.code for d in s.departments]
    adopted_parts = _sum_parts((years[p.id].adopted_allocated for p in adopted), codes)
    expected_parts = _sum_parts((years[p.id].expected_allocated for p in adopted), codes)
    engang = Series.sum(totals[p.id].by_group["engang"] for p in adopted)
    adopted_total, expected_total = total("adopted", adopted), total("expected", adopted)
    adopted_varig, expected_varig = without(adopted_total, engang), without(expected_total,
                                                                             engang)
    varig = s.target_basis == "varig"
    adopted_basis = adopted_varig if varig else adopted_total
    expected_basis = expected_varig if varig else expected_total
    outcomes = {key: tuple(p.id for p in cat.proposals if years[p.id].outcome == key)
                for key in OUTCOME_KEYS}
    return BudgetYear(
        proposals=years,
        adopted_ids=tuple(p.id for p in adopted),
        outcomes=outcomes,
        proposed_total=total("proposed", adopted),
        change_total=total("change", adopted),
        adopted_total=adopted_total,
        adopted_by_theme=by_theme("adopted"),
        proposed_by_theme=by_theme("proposed"),
        adopted_by_department=adopted_parts,
        adopted_varig=adopted_varig,
        adopted_basis=adopted_basis,
        adopted_difference=difference_of(target, adopted_basis),
        expected_total=expected_total,
        gap_total=total("gap", adopted),
        expected_by_theme=by_theme("expected"),
        gap_by_theme=by_theme("gap"),
        expected_by_department=expected_parts,
        gap_by_department=_sum_parts((years[p.id].gap_allocated for p in adopted), codes),
        expected_varig=expected_varig,
        expected_basis=expected_basis,
        expected_difference=difference_of(target, expected_basis),
        by_status=_by_status(adopted, years),
        revisions=tuple(dict.fromkeys(e.revision for p in adopted for e in p.realisation)),
        followed_up=any(p.realisation for p in adopted),
    )


def _sum_parts(parts: Iterable[Mapping[str, Series]], order: Iterable[str]) -> dict[str, Series]:
    """Department → the sum of its parts (departments in `order` first, as
    `compute.by_department` orders them); a department with no part is left out."""
    found: dict[str, list[Series]] = {code: [] for code in order}
    for mapping in parts:
        for code, series in mapping.items():
            found.setdefault(code, []).append(series)
    return {code: Series.sum(series) for code, series in found.items() if series}


def _by_status(adopted: list[Proposal],
               years: Mapping[str, ProposalYear]) -> dict[str, StatusGroup]:
    out: dict[str, StatusGroup] = {}
    for key in STATUS_KEYS:
        members = [p.id for p in adopted if years[p.id].status_key == key]
        out[key] = StatusGroup(
            tuple(members),
            Series.sum(years[m].adopted or EMPTY for m in members),
            Series.sum(years[m].expected or EMPTY for m in members),
            Series.sum(years[m].gap or EMPTY for m in members),
        )
    return out


__all__ = ["BudgetYear", "ProposalYear", "StatusGroup", "budget_year", "proposal_year",
           "gap_of", "outcome_of", "without", "NO_STATUS", "STATUS_KEYS", "OUTCOME_KEYS"]
