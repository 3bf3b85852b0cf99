"""Exact totals (SPEC §3, §7): per proposal, theme and catalogue; by group, area and
department; target and difference; FTE; allocation by largest remainder; payback.

All arithmetic is on `Decimal`. A `Series` holds one value per year; a year that contains
`"?"` anywhere below it is *unknown* and has no value, so incompleteness propagates upward; a
year with a range below it is a range (lows and highs summed apart).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Protocol

from .model import (
    AREAS,
    GROUPS,
    UNKNOWN,
    Amount,
    Amounts,
    Catalogue,
    Proposal,
    Range,
    Settings,
    Theme,
)

if TYPE_CHECKING:
    from .budget import BudgetYear

ZERO = Decimal(0)
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Series:
    """Values per year. Years in `unknown` contain a `"?"`; absent years have no amount.

    `partial` keeps, for an unknown year, the sum of the parts that *are* known, so documents
    can show "-10.300 + ?" instead of a bare "?". It never counts as the year's value.
    `ranges` holds the years whose value is a range (or, for an unknown year, whose known
    part is one); such a year is in neither `values` nor `partial`.
    """

    values: Mapping[int, Decimal] = field(default_factory=dict)
    unknown: frozenset[int] = frozenset()
    partial: Mapping[int, Decimal] = field(default_factory=dict)
    ranges: Mapping[int, Range] = field(default_factory=dict)

    @classmethod
    def of(cls, amounts: Amounts) -> "Series":
        return cls(
            {y: v for y, v in amounts.items() if isinstance(v, Decimal)},
            frozenset(y for y, v in amounts.items() if v is UNKNOWN),
            {},
            {y: v for y, v in amounts.items() if isinstance(v, Range)},
        )

    @classmethod
    def sum(cls, parts: Iterable["Series"]) -> "Series":
        lows: dict[int, Decimal] = {}
        highs: dict[int, Decimal] | None = None  # until the first range: the same as `lows`
        unknown: set[int] = set()
        for part in parts:
            if part.unknown:
                unknown |= part.unknown
            for source in (part.values, part.partial) if part.partial else (part.values,):
                if highs is None:
                    for year, value in source.items():
                        lows[year] = lows.get(year, ZERO) + value
                    continue
                for year, value in source.items():
                    lows[year] = lows.get(year, ZERO) + value
                    highs[year] = highs.get(year, ZERO) + value
            if part.ranges:
                if highs is None:
                    highs = dict(lows)  # (the same additions so far: the same sums)
                for year, r in part.ranges.items():
                    lows[year] = lows.get(year, ZERO) + r.low
                    highs[year] = highs.get(year, ZERO) + r.high
        return cls.build(lows, lows if highs is None else highs, unknown)

    @classmethod
    def build(cls, lows: Mapping[int, Decimal], highs: Mapping[int, Decimal],
              unknown: Iterable[int] = ()) -> "Series":
        """From low and high sums per year: equal ends are a value, others a range."""
        unknown = frozenset(unknown)
        values: dict[int, Decimal] = {}
        partial: dict[int, Decimal] = {}
        ranges: dict[int, Range] = {}
        same = lows is highs  # (`sum` of parts without ranges)
        for year in sorted(lows):
            low, high = lows[year], highs[year]
            if not same and low != high:
                ranges[year] = Range(low, high)
            elif year in unknown:
                partial[year] = low
            else:
                values[year] = low
        return cls(values, unknown, partial, ranges)

    def get(self, year: int) -> Amount | None:
        """The year's value, `UNKNOWN`, a `Range`, or None when nothing gives an amount."""
        if year in self.unknown:
            return UNKNOWN
        if year in self.ranges:
            return self.ranges[year]
        return self.values.get(year)

    def known(self, year: int) -> Decimal | Range | None:
        """The known part of an unknown year (None when nothing of it is known)."""
        if year not in self.unknown:
            return None
        return self.ranges.get(year) or self.partial.get(year)

    def map(self, fn: Callable[[Decimal], Decimal]) -> "Series":
        return Series({y: fn(v) for y, v in self.values.items()}, self.unknown,
                      {y: fn(v) for y, v in self.partial.items()},
                      {y: r.map(fn) for y, r in self.ranges.items()})

    def where(self, keep: Callable[[int], bool]) -> "Series":
        """This series restricted to the years `keep` accepts."""
        return Series({y: v for y, v in self.values.items() if keep(y)},
                      frozenset(y for y in self.unknown if keep(y)),
                      {y: v for y, v in self.partial.items() if keep(y)},
                      {y: v for y, v in self.ranges.items() if keep(y)})

    def replaced(self, amounts: Amounts) -> "Series":
        """This series with the years `amounts` names replaced by them (a decision's or an
        expectation's own amounts); the other years as they are."""
        if not amounts:
            return self
        return Series.sum([self.where(lambda y: y not in amounts), Series.of(amounts)])

    def ends(self, year: int) -> tuple[Decimal, Decimal] | None:
        """(low, high) of the year's value or known part; None when it has none."""
        r = self.ranges.get(year)
        if r is not None:
            return r.low, r.high
        value = self.values.get(year, self.partial.get(year))
        return None if value is None else (value, value)

    @property
    def complete(self) -> bool:
        return not self.unknown

    @property
    def empty(self) -> bool:
        return not self.values and not self.unknown and not self.ranges

    def years(self) -> list[int]:
        return sorted(set(self.values) | self.unknown | set(self.ranges))


EMPTY = Series()


@dataclass(frozen=True)
class ProposalTotals:
    total: Series
    by_group: Mapping[str, Series]
    by_area: Mapping[str, Series]
    by_group_area: Mapping[tuple[str, str], Series]
    fte: Series
    allocation: Mapping[str, Series] | None  # department → its part (whole units, SPEC §3)
    payback: int | None
    counted: bool
    alternative_group: str | None = None  # the group's id (its first member by id)
    salary: Decimal | None = None  # the average salary the FTE was computed with
    allocated: Mapping[str, Series] | None = None  # like `allocation`, adding up exactly

    @property
    def delivered(self) -> Mapping[str, Series] | None:
        """Department → what it delivers of this proposal (None: all its own department's)."""
        return self.allocated

@dataclass(frozen=True)
class ThemeTotals:
    total: Series
    by_group: Mapping[str, Series]
    fte: Series
    counted: tuple[str, ...]
    allocated_by_department: Mapping[str, Series] = field(default_factory=dict)


@dataclass(frozen=True)
class Totals:
    """Everything a renderer shows, computed once from the catalogue."""

    settings: Settings
    proposals: Mapping[str, ProposalTotals]
    themes: Mapping[str, ThemeTotals]
    total: Series
    by_group: Mapping[str, Series]
    by_area: Mapping[str, Series]
    by_department: Mapping[str, Series]  # by each proposal's responsible department
    fte: Series
    basis: Series
    target: Series
    difference: Series
    target_allocation: Mapping[str, Series]
    difference_allocation: Mapping[str, Series]
    allocated_by_department: Mapping[str, Series] = field(default_factory=dict)
    alternative_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    decimals: int = 0  # every amount is shown with these (settings.shown_decimals)
    budget: "BudgetYear | None" = None  # the budget year (SPEC §8), when it has begun


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


def step_for(amount: Decimal, step: Decimal) -> Decimal:
    """`step`, or a finer one when `amount` has more decimals, so its parts add up to it."""
    if amount % step == 0:
        return step
    exponent = amount.normalize().as_tuple().exponent
    return Decimal(1).scaleb(exponent) if isinstance(exponent, int) else step


def allocate(
    amount: Decimal, shares: Mapping[str, Decimal], step: Decimal = Decimal(1)
) -> dict[str, Decimal]:
    """Split `amount` (rounded to `step`) by `shares` with the largest-remainder method.

    The shares are normalised to their sum (so shares printed rounded, adding up to 99, work).
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
    series: Series, shares: Mapping[str, Decimal], step: Decimal = Decimal(1),
    exact: bool = False,
) -> dict[str, Series]:
    """Each year (both ends of a range, the known part of an unknown year) split by
    `shares`, rounded to `step`. With `exact`, an amount with more decimals than `step` is
    split at its own precision, so the parts always add up to it."""
    lows: dict[str, dict[int, Decimal]] = {code: {} for code in shares}
    highs: dict[str, dict[int, Decimal]] = {code: {} for code in shares}
    for year in sorted(set(series.values) | set(series.partial) | set(series.ranges)):
        ends = series.ends(year)
        assert ends is not None
        for side, value in zip((lows, highs), ends):
            fine = step_for(value, step) if exact else step
            for code, part in allocate(value, shares, fine).items():
                side[code][year] = part
    return {code: Series.build(lows[code], highs[code], series.unknown) for code in shares}


def fte_of(varig: Series, salary: Decimal | None, decimals: int = 1) -> Series:
    """Årsværk per year: the permanent (varig) amount / average salary, rounded half-up."""
    if not salary:
        return EMPTY
    step = Decimal(1).scaleb(-decimals)
    with localcontext() as ctx:
        ctx.prec = 50
        return varig.map(lambda v: round_half_up(v / salary, step))


def salary_for(p: Proposal, theme: Theme | None, settings: Settings) -> Decimal | None:
    """The average salary a proposal's FTE is computed with: its theme's, else its
    department's, else the catalogue's (the nearest wins)."""
    if theme is not None and theme.average_salary:
        return theme.average_salary
    department = settings.department(p.department)
    if department is not None and department.average_salary:
        return department.average_salary
    return settings.average_salary


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
        if value is UNKNOWN or isinstance(value, Range):
            return None
        running += value if isinstance(value, Decimal) else ZERO
        if is_saving(running, settings):
            return year - start + 1
    return None


def split_years(series: Series, start: int | None) -> tuple[Series, Series]:
    """(years before `start`, years from `start`); without `start`: (empty, all)."""
    if start is None:
        return EMPTY, series
    return series.where(lambda y: y < start), series.where(lambda y: y >= start)


def only(series: Series, year: int) -> Series:
    """`series` restricted to one year."""
    return split_years(split_years(series, year)[1], year + 1)[0]


def _by_amounts(p: Proposal, varig: Series, engang: Series,
                years: Iterable[int]) -> dict[str, Series]:
    """Allocation given as amounts: the varig part per the given amounts; the rest (one-off
    amounts, anything the amounts leave, an unknown or range year) stays with the
    proposal's own department."""
    assert p.allocation is not None and p.allocation.amounts is not None
    given = p.allocation.amounts
    parts: dict[str, dict[int, Decimal]] = {code: {} for code in given}
    own: list[Series] = [engang]
    for year in years:
        value = varig.get(year)
        amounts = {code: v if isinstance(v, Decimal) else v.get(year)
                   for code, v in given.items()}
        per_year = any(isinstance(v, Mapping) and year in v for v in given.values())
        if isinstance(value, Decimal) or (value is None and per_year):
            for code, amount in amounts.items():
                if amount is not None:
                    parts[code][year] = amount
            left = (value or ZERO) - sum((a for a in amounts.values() if a is not None), ZERO)
            if left:
                own.append(Series({year: left}))
        elif value is not None:
            own.append(only(varig, year))
    result = {code: Series(values) for code, values in parts.items() if values}
    rest = Series.sum(own)
    if not rest.empty:
        result[p.department] = Series.sum([result.get(p.department, EMPTY), rest])
    return result


def allocation_of(p: Proposal, total: Series, by_group: Mapping[str, Series],
                  settings: Settings, exact: bool = True) -> dict[str, Series] | None:
    """The proposal's total split by department (None when it has no allocation): by its
    shares or the catalogue's key, or by amounts; years before `from` stay with its own
    department. With `exact` the parts add up exactly to the total every year; without,
    shares split each amount rounded to whole units (SPEC §3; `allocation` in the JSON)."""
    a = p.allocation
    if a is None:
        return None
    before, after = split_years(total, a.start)
    if a.amounts is not None:
        varig = split_years(by_group["varig"], a.start)[1]
        engang = split_years(by_group["engang"], a.start)[1]
        parts = _by_amounts(p, varig, engang, [y for y in settings.years
                                               if a.start is None or y >= a.start])
    else:
        shares = settings.allocation_key if a.key else dict(a.shares or {})
        if not shares:
            return None
        parts = allocate_series(after, shares, allocation_step(settings), exact)
    if not before.empty:
        parts[p.department] = Series.sum([parts.get(p.department, EMPTY), before])
    return parts


def counted_ids(cat: Catalogue, groups: Mapping[str, tuple[str, ...]]) -> set[str]:
    """Ids of the proposals that count: status in `counted_statuses`, and of a group of
    alternatives only one (the chosen one, else the first by id whose status counts)."""
    s = cat.settings
    by_id = {p.id: p for p in cat.proposals}
    counted = {p.id for p in cat.proposals if p.status in s.counted_statuses}
    for members in groups.values():
        chosen = [m for m in members if by_id[m].chosen]
        if chosen:
            keep = {chosen[0]} & counted
        else:
            keep = set(next(([m] for m in members if m in counted), []))
        counted -= set(members) - keep
    return counted


def uses_fte(cat: Catalogue) -> bool:
    """Whether the catalogue shows FTE at all: an average salary somewhere, or a proposal
    that gives its `fte`."""
    s = cat.settings
    return bool(s.average_salary or any(d.average_salary for d in s.departments)
                or any(t.average_salary for t in cat.themes)
                or any(p.fte is not None for p in cat.proposals))


def proposal_totals(p: Proposal, settings: Settings, theme: Theme | None = None,
                    counted: bool | None = None, group: str | None = None,
                    fte_shown: bool = False) -> ProposalTotals:
    """A proposal's totals. With `fte_shown` (the catalogue shows FTE), a proposal whose FTE
    cannot be computed (no `fte`, no salary) has unknown FTE in its varig years, so FTE
    totals are marked incomplete instead of silently leaving it out."""
    lines = [(line, Series.of(line.amounts)) for line in p.lines]
    # each line's series under its group, its area and both, in the lines' order (one pass)
    in_group: dict[str, list[Series]] = {g: [] for g in GROUPS}
    in_area: dict[str, list[Series]] = {}
    in_both: dict[tuple[str, str], list[Series]] = {}
    for line, s in lines:
        if line.group in in_group:
            in_group[line.group].append(s)
        in_area.setdefault(line.area, []).append(s)
        in_both.setdefault((line.group, line.area), []).append(s)
    by_group = {g: Series.sum(in_group[g]) for g in GROUPS}
    by_area: dict[str, Series] = {a: Series.sum(in_area[a]) for a in AREAS if a in in_area}
    by_group_area = {(g, a): Series.sum(in_both[(g, a)])
                     for g in GROUPS for a in AREAS if (g, a) in in_both}
    total = Series.sum(s for _, s in lines)
    salary = salary_for(p, theme, settings)
    fte = (Series.of(p.fte) if p.fte is not None
           else fte_of(by_group["varig"], salary, settings.fte_decimals))
    if p.fte is None and not salary and fte_shown:
        fte = Series({}, frozenset(by_group["varig"].years()))
    has_both = not by_group["varig"].empty and not by_group["engang"].empty
    return ProposalTotals(
        total=total,
        by_group=by_group,
        by_area=by_area,
        by_group_area=by_group_area,
        fte=fte,
        allocation=allocation_of(p, total, by_group, settings, exact=False),
        allocated=allocation_of(p, total, by_group, settings),
        payback=payback(total, settings.years, settings) if has_both else None,
        counted=p.status in settings.counted_statuses if counted is None else counted,
        alternative_group=group,
        salary=salary if p.fte is None else None,
    )


def by_department(parts: Iterable[tuple[Proposal, ProposalTotals]],
                  order: Iterable[str]) -> dict[str, Series]:
    """Every amount given to the department that delivers it: allocated proposals by their
    allocation, the others to their own department. Per year it adds up to their total."""
    found: dict[str, list[Series]] = {code: [] for code in order}
    for p, pt in parts:
        for code, series in (pt.allocated or {p.department: pt.total}).items():
            found.setdefault(code, []).append(series)
    return {code: Series.sum(series) for code, series in found.items() if series}


class TotalsMemo(Protocol):
    """Proposals' totals kept between runs (`check_memo.FileMemo`): `proposal_totals(p,
    *args)` is a function of `p` and `args` alone, and is given back for the same ones."""

    def totals(self, p: Proposal, args: tuple[Any, ...]) -> ProposalTotals | None: ...

    def keep_totals(self, p: Proposal, args: tuple[Any, ...], totals: ProposalTotals) -> None: ...


def compute(cat: Catalogue, memo: TotalsMemo | None = None) -> Totals:
    """All totals of a validated catalogue. `memo` gives back proposals' totals worked out
    before (and keeps the others); the result is the same with or without it."""
    s = cat.settings
    groups = cat.alternative_groups()
    group_of = {m: g for g, members in groups.items() for m in members}
    counting = counted_ids(cat, groups)
    shown = uses_fte(cat)
    themes_by_id: dict[str, Theme] = {}
    for t in reversed(cat.themes):  # the first theme of an id, as `cat.theme` finds it
        themes_by_id[t.id] = t
    proposals: dict[str, ProposalTotals] = {}
    for p in cat.proposals:
        args = (s, themes_by_id.get(p.theme), p.id in counting, group_of.get(p.id), shown)
        made = memo.totals(p, args) if memo is not None else None
        if made is None:
            made = proposal_totals(p, *args)
            if memo is not None:
                memo.keep_totals(p, args, made)
        proposals[p.id] = made
    counted = [p for p in cat.proposals if proposals[p.id].counted]
    codes = [d.code for d in s.departments]
    themes: dict[str, ThemeTotals] = {}
    for theme in cat.themes:
        members = [p for p in counted if p.theme == theme.id]
        themes[theme.id] = ThemeTotals(
            total=Series.sum(proposals[p.id].total for p in members),
            by_group={g: Series.sum(proposals[p.id].by_group[g] for p in members)
                      for g in GROUPS},
            fte=Series.sum(proposals[p.id].fte for p in members),
            counted=tuple(p.id for p in members),
            allocated_by_department=by_department(((p, proposals[p.id]) for p in members),
                                                  ()),
        )
    parts = [proposals[p.id] for p in counted]
    total = Series.sum(t.total for t in themes.values())
    by_group = {g: Series.sum(m.by_group[g] for m in parts) for g in GROUPS}
    basis = by_group["varig"] if s.target_basis == "varig" else total
    target = Series(dict(s.targets))
    difference = difference_of(target, basis)
    key = s.allocation_key
    from .budget import budget_year  # here: budget builds on this module

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
            for code in dict.fromkeys(codes + [p.department for p in counted])
        },
        fte=Series.sum(m.fte for m in parts),
        basis=basis,
        target=target,
        difference=difference,
        target_allocation=allocate_series(target, key, allocation_step(s)) if key else {},
        difference_allocation=allocate_series(difference, key, allocation_step(s)) if key else {},
        allocated_by_department=by_department(((p, proposals[p.id]) for p in counted), codes),
        alternative_groups=groups,
        decimals=s.shown_decimals,
        budget=budget_year(cat, proposals, target) if cat.budget_year else None,
    )


def difference_of(target: Series, basis: Series) -> Series:
    """Target − compared total for each target year; a year with no total compares with 0.
    For an unknown year the known part is target − the total's known part."""
    lows: dict[int, Decimal] = {}
    highs: dict[int, Decimal] = {}
    unknown: set[int] = set()
    for year, goal in target.values.items():
        if year in basis.unknown:
            unknown.add(year)
        ends = basis.ends(year) or (ZERO, ZERO)
        lows[year], highs[year] = goal - ends[0], goal - ends[1]
    return Series.build(lows, highs, unknown)


_difference = difference_of  # the name tests and older code import
