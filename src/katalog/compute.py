"""Exact totals (SPEC §3): per proposal, theme and catalogue; by group, area and department;
target and difference; FTE; allocation by largest remainder; payback.

All arithmetic is on `Decimal`. A `Series` holds one value per year; a year that contains
`"?"` anywhere below it is *unknown* and has no value, so incompleteness propagates upward.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import Callable, Iterable, Mapping

from .model import (
    ALLOCATION_KEY,
    AREAS,
    GROUPS,
    UNKNOWN,
    Amount,
    Amounts,
    Catalogue,
    Proposal,
    Settings,
)

ZERO = Decimal(0)
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Series:
    """Values per year. Years in `unknown` contain a `"?"`; absent years have no amount.

    `partial` keeps, for an unknown year, the sum of the parts that *are* known, so documents
    can show "-10.300 + ?" instead of a bare "?". It never counts as the year's value.
    """

    values: Mapping[int, Decimal] = field(default_factory=dict)
    unknown: frozenset[int] = frozenset()
    partial: Mapping[int, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, amounts: Amounts) -> "Series":
        return cls(
            {y: v for y, v in amounts.items() if isinstance(v, Decimal)},
            frozenset(y for y, v in amounts.items() if v is UNKNOWN),
        )

    @classmethod
    def sum(cls, parts: Iterable["Series"]) -> "Series":
        values: dict[int, Decimal] = {}
        unknown: set[int] = set()
        for part in parts:
            unknown |= part.unknown
            for source in (part.values, part.partial):
                for year, value in source.items():
                    values[year] = values.get(year, ZERO) + value
        ordered = sorted(values.items())
        return cls({y: v for y, v in ordered if y not in unknown}, frozenset(unknown),
                   {y: v for y, v in ordered if y in unknown})

    def get(self, year: int) -> Amount | None:
        """The year's value, `UNKNOWN`, or None when nothing gives an amount that year."""
        if year in self.unknown:
            return UNKNOWN
        return self.values.get(year)

    def known(self, year: int) -> Decimal | None:
        """The known part of an unknown year (None when nothing of it is known)."""
        return self.partial.get(year) if year in self.unknown else None

    def map(self, fn: Callable[[Decimal], Decimal]) -> "Series":
        return Series({y: fn(v) for y, v in self.values.items()}, self.unknown,
                      {y: fn(v) for y, v in self.partial.items()})

    @property
    def complete(self) -> bool:
        return not self.unknown

    @property
    def empty(self) -> bool:
        return not self.values and not self.unknown

    def years(self) -> list[int]:
        return sorted(set(self.values) | self.unknown)


EMPTY = Series()


@dataclass(frozen=True)
class ProposalTotals:
    total: Series
    by_group: Mapping[str, Series]
    by_area: Mapping[str, Series]
    by_group_area: Mapping[tuple[str, str], Series]
    fte: Series
    allocation: Mapping[str, Series] | None
    payback: int | None
    counted: bool


@dataclass(frozen=True)
class ThemeTotals:
    total: Series
    by_group: Mapping[str, Series]
    fte: Series
    counted: tuple[str, ...]


@dataclass(frozen=True)
class Totals:
    """Everything a renderer shows, computed once from the catalogue."""

    settings: Settings
    proposals: Mapping[str, ProposalTotals]
    themes: Mapping[str, ThemeTotals]
    total: Series
    by_group: Mapping[str, Series]
    by_area: Mapping[str, Series]
    by_department: Mapping[str, Series]
    fte: Series
    basis: Series
    target: Series
    difference: Series
    target_allocation: Mapping[str, Series]
    difference_allocation: Mapping[str, Series]


def is_saving(value: Decimal, settings: Settings) -> bool:
    """Whether `value` is a net saving under the catalogue's sign convention."""
    return value < 0 if settings.savings_sign == "negative" else value > 0


def round_half_up(value: Decimal, step: Decimal = Decimal(1)) -> Decimal:
    result = value.quantize(step, rounding=ROUND_HALF_UP)
    return result if result != 0 else abs(result)


def allocation_step(settings: Settings) -> Decimal:
    """The precision allocations are rounded to: whole units, but 0,01 for mio. kr. (a whole
    million is far too coarse to share between departments)."""
    return Decimal("0.01") if settings.unit >= 1000000 else Decimal(1)


def allocate(
    amount: Decimal, shares: Mapping[str, Decimal], step: Decimal = Decimal(1)
) -> dict[str, Decimal]:
    """Split `amount` (rounded to `step`) by `shares` with the largest-remainder method.

    The parts are multiples of `step` and add up exactly to the rounded whole; ties go to the
    larger share, then to the earlier department.
    """
    total_share = sum(shares.values(), ZERO)
    if not shares or total_share == 0:
        return {}
    whole = round_half_up(amount / step)
    sign = -1 if whole < 0 else 1
    magnitude = abs(whole)
    with localcontext() as ctx:
        ctx.prec = 50
        exact = {code: magnitude * share / total_share for code, share in shares.items()}
    floors = {code: value.to_integral_value(rounding=ROUND_FLOOR) for code, value in exact.items()}
    left = int(magnitude - sum(floors.values(), ZERO))
    codes = list(shares)
    order = sorted(
        range(len(codes)),
        key=lambda i: (floors[codes[i]] - exact[codes[i]], -shares[codes[i]], i),
    )
    for i in order[:left]:
        floors[codes[i]] += 1
    return {code: sign * value * step if value else ZERO for code, value in floors.items()}


def allocate_series(
    series: Series, shares: Mapping[str, Decimal], step: Decimal = Decimal(1)
) -> dict[str, Series]:
    parts: dict[str, dict[int, Decimal]] = {code: {} for code in shares}
    for year, value in series.values.items():
        for code, part in allocate(value, shares, step).items():
            parts[code][year] = part
    return {code: Series(values, series.unknown) for code, values in parts.items()}


def fte_of(varig: Series, settings: Settings) -> Series:
    """Årsværk per year: the permanent (varig) amount / average salary, one decimal, half-up."""
    salary = settings.average_salary
    if not salary:
        return EMPTY
    with localcontext() as ctx:
        ctx.prec = 50
        return varig.map(lambda v: round_half_up(v / salary, ONE_DECIMAL))


def payback(total: Series, years: Iterable[int], settings: Settings) -> int | None:
    """Years from the first year with an amount until the running sum is a net saving."""
    running = ZERO
    start: int | None = None
    for year in years:
        value = total.get(year)
        if start is None:
            if value is None:
                continue
            start = year
        if value is UNKNOWN:
            return None
        running += value if isinstance(value, Decimal) else ZERO
        if is_saving(running, settings):
            return year - start + 1
    return None


def proposal_totals(p: Proposal, settings: Settings) -> ProposalTotals:
    lines = [(line, Series.of(line.amounts)) for line in p.lines]
    by_group = {g: Series.sum(s for line, s in lines if line.group == g) for g in GROUPS}
    by_area = {a: Series.sum(s for line, s in lines if line.area == a) for a in AREAS
               if any(line.area == a for line, _ in lines)}
    by_group_area = {
        (g, a): Series.sum(s for line, s in lines if line.group == g and line.area == a)
        for g in GROUPS
        for a in AREAS
        if any(line.group == g and line.area == a for line, _ in lines)
    }
    total = Series.sum(s for _, s in lines)
    fte = Series.of(p.fte) if p.fte is not None else fte_of(by_group["varig"], settings)
    shares: Mapping[str, Decimal] | None = None
    if p.allocation == ALLOCATION_KEY:
        shares = settings.allocation_key or None
    elif isinstance(p.allocation, Mapping) and p.allocation:
        shares = p.allocation
    has_both = not by_group["varig"].empty and not by_group["engang"].empty
    return ProposalTotals(
        total=total,
        by_group=by_group,
        by_area=by_area,
        by_group_area=by_group_area,
        fte=fte,
        allocation=allocate_series(total, shares, allocation_step(settings)) if shares else None,
        payback=payback(total, settings.years, settings) if has_both else None,
        counted=p.status in settings.counted_statuses,
    )


def compute(cat: Catalogue) -> Totals:
    """All totals of a validated catalogue."""
    s = cat.settings
    proposals = {p.id: proposal_totals(p, s) for p in cat.proposals}
    counted = [p for p in cat.proposals if proposals[p.id].counted]
    themes: dict[str, ThemeTotals] = {}
    for theme in cat.themes:
        members = [proposals[p.id] for p in counted if p.theme == theme.id]
        themes[theme.id] = ThemeTotals(
            total=Series.sum(m.total for m in members),
            by_group={g: Series.sum(m.by_group[g] for m in members) for g in GROUPS},
            fte=Series.sum(m.fte for m in members),
            counted=tuple(p.id for p in counted if p.theme == theme.id),
        )
    parts = [proposals[p.id] for p in counted]
    total = Series.sum(t.total for t in themes.values())
    by_group = {g: Series.sum(m.by_group[g] for m in parts) for g in GROUPS}
    basis = by_group["varig"] if s.target_basis == "varig" else total
    target = Series(dict(s.targets))
    difference = _difference(target, basis)
    key = s.allocation_key
    return Totals(
        settings=s,
        proposals=proposals,
        themes=themes,
        total=total,
        by_group=by_group,
        by_area={a: Series.sum(m.by_area[a] for m in parts if a in m.by_area) for a in AREAS
                 if any(a in m.by_area for m in parts)},
        by_department={
            code: Series.sum(proposals[p.id].total for p in counted if p.department == code)
            for code in dict.fromkeys([d.code for d in s.departments] + [p.department for p in counted])
        },
        fte=Series.sum(m.fte for m in parts),
        basis=basis,
        target=target,
        difference=difference,
        target_allocation=allocate_series(target, key, allocation_step(s)) if key else {},
        difference_allocation=allocate_series(difference, key, allocation_step(s)) if key else {},
    )


def _difference(target: Series, basis: Series) -> Series:
    """Target − compared total for each target year; a year with no total compares with 0."""
    values: dict[int, Decimal] = {}
    unknown: set[int] = set()
    partial: dict[int, Decimal] = {}
    for year, goal in target.values.items():
        current = basis.get(year)
        if current is UNKNOWN:
            unknown.add(year)
            partial[year] = goal - (basis.known(year) or ZERO)
        else:
            values[year] = goal - (current if isinstance(current, Decimal) else ZERO)
    return Series(values, frozenset(unknown), partial)
