"""Presentation tables built once from the computed model and shared by every output.

A `Table` is rows of already-formatted Danish cells with a kind (group header, line,
subtotal, total), so HTML, PDF and Word show exactly the same figures and labels.

Numbers: every amount is shown with the catalogue's fixed decimals (`Settings.shown_decimals`:
`decimals` or the fewest that show every amount exactly), so a column never mixes `3` and
`3,5`; a total is formatted from its exact value, never summed from rounded parts; ranges are
`3,5–5,5`; an incomplete total is `-10.300 + ?`, an incomplete difference `32.020 − ?` (the
unknown part is subtracted). Wording comes from `katalog.labels` (the catalogue's `labels:`
applied).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from ..compute import ProposalTotals, Series, Totals
from ..labels import Labels, fill, labels_for
from ..model import AREAS, UNKNOWN, Catalogue, Proposal, Range, Settings, Theme
from ..numbers import format_amount, format_fte, format_partial, format_percent, unit_label

AREA_LABELS = {
    "service": "Service",
    "anlæg": "Anlæg",
    "overførsler": "Overførsler",
    "finansiering": "Finansiering",
}
GROUP_LABELS = {
    "varig": "Varige ændringer",
    "engang": "Engangsudgifter/implementering",
}
GROUP_TOTAL_LABELS = {
    "varig": "Samlet varig ændring",
    "engang": "Samlede engangsudgifter",
}
STATUS_LABELS = {
    "udkast": "Udkast",
    "forslag": "Forslag",
    "vedtaget": "Vedtaget",
    "forkastet": "Forkastet",
    "trukket": "Trukket",
}
KIND_LABELS = {
    "effektivisering": "Effektivisering",
    "serviceforringelse": "Serviceforringelse",
    "investering": "Investering",
    "strukturændring": "Strukturændring",
    "omprioritering": "Omprioritering",
    "indtægt": "Indtægt",
    "andet": "Andet",
}
INCOMPLETE_NOTE = fill(Labels()["unknown_note"], example="-10.300")
ALLOCATION_DECIMALS_MIO = 2  # allocations in mio. kr. are split to 0,01 (compute)


@dataclass(frozen=True)
class Row:
    """One table row. `kind`: group, line, subtotal, total, fte, note, merged, uncounted,
    alternative (a member of a group of alternatives, `id` its proposal)."""

    label: str
    cells: tuple[str, ...]
    kind: str = "line"
    area: str = ""
    href: str = ""
    id: str = ""


@dataclass(frozen=True)
class Table:
    caption: str
    unit: str
    years: tuple[int, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()
    label_head: str = ""
    area_column: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    markdown_note: str = ""  # the writer's `note` (Markdown), shown right under the table
    note_label: str = "Note"  # how that note is marked

    @property
    def head(self) -> tuple[str, ...]:
        return tuple(str(y) for y in self.years)


# -- cells ------------------------------------------------------------------------------------


def cells(series: Series | None, years: tuple[int, ...], decimals: int | None = None,
          sign: str = "+") -> tuple[str, ...]:
    """Formatted cells per year: `-` no amount, `3,5–5,5` a range, `-10.300 + ?` or `?`
    when incomplete (`sign` "-" for a difference: `32.020 − ?`). `decimals` fixes the
    decimals (None: as many as each value needs, up to 2; tables pass the catalogue's)."""
    if series is None:
        return tuple("" for _ in years)
    return tuple(format_partial(series.known(y), decimals, sign) if y in series.unknown
                 else _amount(series.get(y), decimals) for y in years)


def _amount(value: object, decimals: int | None) -> str:
    if decimals is None:
        from ..numbers import format_exact

        return format_exact(value)
    return format_amount(value, decimals)


def fte_cells(series: Series, years: tuple[int, ...], decimals: int = 1) -> tuple[str, ...]:
    """Årsværk with `fte_decimals`; incomplete years `14,3 + ?` like `cells`."""
    return tuple(format_partial(series.known(y), decimals) if y in series.unknown
                 else format_fte(series.get(y), decimals) for y in years)


def _rounds(series: Iterable[Series | None], decimals: int) -> bool:
    """Whether showing these series with `decimals` rounds any of their values."""
    step = Decimal(1).scaleb(-decimals)
    for s in series:
        if s is None:
            continue
        values: list[Decimal] = [*s.values.values(), *s.partial.values()]
        values += [e for r in s.ranges.values() for e in (r.low, r.high)]
        if any(v % step for v in values):
            return True
    return False


def _notes(settings: Settings, *series: Series | None, decimals: int | None = None,
           difference: Series | None = None) -> tuple[str, ...]:
    """The notes under a table: the sign convention, then what its cells need explained."""
    labels = labels_for(settings)
    notes = [labels["sign_note"]]
    present = [s for s in (*series, difference) if s is not None]
    if any(s.unknown for s in present):
        notes.append(fill(labels["unknown_note"], example=example_amount(settings)))
    if difference is not None and difference.unknown:
        notes.append(labels["difference_partial_note"])
    if any(s.ranges for s in present):
        notes.append(labels["range_note"])
    if decimals is not None and settings.decimals is not None and _rounds(present, decimals):
        notes.append(labels["rounded_note"].format(decimals=decimals))
    return tuple(notes)


def example_amount(settings: Settings) -> str:
    """An example total in the catalogue's unit and sign (10,3 mio. kr.) for the notes."""
    value = Decimal(10300000) / settings.unit
    if settings.savings_sign == "negative":
        value = -value
    return format_amount(value, max(settings.shown_decimals, 1 if settings.unit >= 10**6 else 0))


def _decimals(settings: Settings) -> int:
    return settings.shown_decimals


def _allocation_decimals(settings: Settings) -> int:
    """Allocations in mio. kr. are split to 0,01: shown with at least two decimals."""
    shown = settings.shown_decimals
    if settings.unit >= 1000000 and settings.decimals is None:
        return max(shown, ALLOCATION_DECIMALS_MIO)
    return shown


def _unit(settings: Settings) -> str:
    return unit_label(settings.unit, settings.price_level)


# -- a proposal -------------------------------------------------------------------------------


def economy_table(p: Proposal, pt: ProposalTotals, settings: Settings, number: int = 1) -> Table:
    """"Tabel 1. Forslagets samlede økonomiske konsekvenser": lines by group and area, with
    the proposal's `note` under it."""
    years = settings.years
    d = _decimals(settings)
    labels = labels_for(settings)
    rows: list[Row] = []
    for group in ("varig", "engang"):
        lines = [line for line in p.lines if line.group == group]
        if not lines:
            continue
        rows.append(Row(labels[f"group_{group}"], tuple("" for _ in years), "group"))
        for line in lines:
            rows.append(Row(line.text, tuple(format_amount(line.amounts.get(y), d)
                                             for y in years), "line", AREA_LABELS[line.area]))
        areas = [a for a in AREAS if (group, a) in pt.by_group_area]
        if len(areas) > 1:
            for area in areas:
                rows.append(Row(f"{labels[f'total_{group}']}, {AREA_LABELS[area].lower()}",
                                cells(pt.by_group_area[(group, area)], years, d), "subtotal",
                                AREA_LABELS[area]))
        rows.append(Row(labels[f"total_{group}"], cells(pt.by_group[group], years, d),
                        "subtotal"))
    rows.append(Row(labels["proposal_total"], cells(pt.total, years, d), "total"))
    if pt.fte.values or pt.fte.unknown or pt.fte.ranges:
        rows.append(Row(labels["fte"], fte_cells(pt.fte, years, settings.fte_decimals), "fte"))
    extra = {}
    if pt.payback is not None:
        extra["payback"] = f"{pt.payback} {labels['years_unit']}"
    notes = _notes(settings, pt.total, *(Series.of(line.amounts) for line in p.lines),
                   decimals=d)
    if pt.fte.unknown:
        notes += (labels["fte_unknown_note"],)
    return Table(
        caption=f"{labels['table']} {number}. {labels['economy_table']}",
        unit=_unit(settings),
        years=years,
        rows=tuple(rows),
        notes=notes,
        label_head=labels["line"],
        area_column=True,
        extra=extra,
        markdown_note=p.note,
        note_label=labels["note"],
    )


def _ordered(codes: Iterable[str], cat: Catalogue) -> list[str]:
    """Department codes in the catalogue's department order, others after in given order."""
    known = [d.code for d in cat.settings.departments]
    codes = list(codes)
    return [c for c in known if c in codes] + [c for c in codes if c not in known]


def allocation_table(p: Proposal, pt: ProposalTotals, cat: Catalogue, number: int = 2) -> Table | None:
    """"Fordeling på forvaltninger": the proposal's amounts by the department that delivers
    them (by shares with largest remainder, or by amounts), in the catalogue's department
    order; the parts add up exactly to the proposal's total."""
    parts = pt.allocated
    a = p.allocation
    if parts is None or a is None:
        return None
    s = cat.settings
    labels = labels_for(s)
    d = _allocation_decimals(s)
    shares = s.allocation_key if a.key else dict(a.shares or {})
    rows = []
    for code in _ordered(parts, cat):
        label = cat.department_name(code)
        if code in shares:
            label += f" ({format_percent(shares[code], sign=s.percent_sign)})"
        rows.append(Row(label, cells(parts[code], s.years, d), id=code))
    rows.append(Row(labels["total"], cells(pt.total, s.years, d), "total"))
    notes = _notes(s, pt.total, decimals=d)
    total_share = sum(shares.values(), Decimal(0))
    if shares and total_share != 100:
        notes += (labels["shares_rounded_note"],)
    if a.start is not None and a.start != s.years[0]:
        notes += (f"Fra {a.start}; årene før ligger hos {cat.department_name(p.department)}.",)
    return Table(
        caption=f"{labels['table']} {number}. {labels['allocation']}",
        unit=_unit(s),
        years=s.years,
        rows=tuple(rows),
        notes=notes,
        label_head=labels["allocation_head"],
    )


def facts(p: Proposal, cat: Catalogue, totals: Totals) -> list[tuple[str, str]]:
    """The proposal's facts block: department, theme, status, kind, alternatives."""
    labels = labels_for(cat.settings)
    theme = cat.theme(p.theme)
    pt = totals.proposals[p.id]
    status = STATUS_LABELS[p.status]
    if not pt.counted:
        status += f" ({labels['not_counted']})"
    rows = [
        (labels["department"], cat.department_name(p.department)),
        (labels["theme"], f"{theme.number}. {theme.title}" if theme else p.theme),
        (labels["status"], status),
    ]
    if p.kind:
        rows.append((labels["kind"], KIND_LABELS.get(p.kind, p.kind)))
    if pt.alternative_group is not None:
        others = [m for m in totals.alternative_groups[pt.alternative_group] if m != p.id]
        rows.append((labels["alternatives"], ", ".join(others)))
    if p.tags:
        rows.append((labels["tags"], ", ".join(p.tags)))
    return rows


def hearing(p: Proposal) -> list[tuple[str, str]]:
    """The proposal's hearing comments as (heading, Markdown comment): the committee's name
    is the heading above its comment."""
    return [(h.body, h.comment) for h in p.hearing]


# -- overview and themes ----------------------------------------------------------------------


def overview_table(cat: Catalogue, totals: Totals, href: dict[str, str] | None = None) -> Table:
    """Themes × years with I alt, Mål and Difference (every output's overview), and FTE."""
    s = cat.settings
    years = s.years
    d = totals.decimals
    labels = labels_for(s)
    href = href or {}
    rows: list[Row] = []
    for t in cat.themes:
        label = f"{t.number}. {t.title}"
        if t.merged_into:
            target = cat.theme(t.merged_into)
            where = f"{labels['theme'].lower()} {target.number}" if target else t.merged_into
            rows.append(Row(f"{label} ({labels['merged_with']} {where})", cells(None, years),
                            "merged", href=href.get(t.id, ""), id=t.id))
        else:
            rows.append(Row(label, cells(totals.themes[t.id].total, years, d), "line",
                            href=href.get(t.id, ""), id=t.id))
    rows.append(Row(labels["total"], cells(totals.total, years, d), "total"))
    if s.target_basis == "varig":
        rows.append(Row(labels["target_basis_varig"], cells(totals.basis, years, d), "line"))
    difference = None
    if totals.target.values:
        difference = totals.difference
        rows.append(Row(labels["target"], cells(totals.target, years, d), "line"))
        rows.append(Row(labels["difference"], cells(totals.difference, years, d, "-"),
                        "total"))
    if totals.fte.values or totals.fte.unknown or totals.fte.ranges:
        rows.append(Row(labels["fte"], fte_cells(totals.fte, years, s.fte_decimals), "fte"))
    notes = _notes(s, totals.total, totals.target, decimals=d, difference=difference)
    if totals.fte.unknown:
        notes += (labels["fte_unknown_note"],)
    return Table(
        caption=labels["overview"],
        unit=_unit(s),
        years=years,
        rows=tuple(rows),
        notes=notes,
        label_head=labels["theme_head"],
    )


def theme_table(theme: Theme, cat: Catalogue, totals: Totals, href: dict[str, str] | None = None) -> Table:
    """A theme's proposals with their totals; proposals that do not count are marked
    (alternatives that are not chosen, and statuses that do not count); the theme's `note`
    goes under it."""
    s = cat.settings
    d = totals.decimals
    labels = labels_for(s)
    href = href or {}
    rows: list[Row] = []
    uncounted = False
    for p in cat.proposals_in(theme.id):
        pt = totals.proposals[p.id]
        label = f"{p.id} {p.title}"
        kind = "line"
        if not pt.counted and p.status in s.counted_statuses and pt.alternative_group:
            label += f" ({labels['alternative_not_counted']})"
            kind = "uncounted"
        elif not pt.counted:
            label += f" ({STATUS_LABELS[p.status].lower()}, {labels['not_counted_short']})"
            kind = "uncounted"
            uncounted = True
        elif pt.alternative_group:
            label += f" ({labels['chosen']})"
        rows.append(Row(label, cells(pt.total, s.years, d), kind, href=href.get(p.id, ""),
                        id=p.id))
    tt = totals.themes[theme.id]
    rows.append(Row(f"{labels['theme_total']} {theme.number}", cells(tt.total, s.years, d),
                    "total"))
    if tt.fte.values or tt.fte.unknown or tt.fte.ranges:
        rows.append(Row(labels["fte"], fte_cells(tt.fte, s.years, s.fte_decimals), "fte"))
    notes = _notes(s, tt.total, decimals=d)
    if uncounted:
        notes += (f"Forslag med status {', '.join(_uncounted_statuses(s))} "
                  "indgår ikke i temaets total.",)
    if tt.fte.unknown:
        notes += (labels["fte_unknown_note"],)
    return Table(
        caption=f"{labels['proposals_in']} {theme.number}",
        unit=_unit(s),
        years=s.years,
        rows=tuple(rows),
        notes=notes,
        label_head=labels["proposal_head"],
        markdown_note=theme.note,
        note_label=labels["note"],
    )


def alternatives_table(group: str, cat: Catalogue, totals: Totals) -> Table:
    """A group of alternatives side by side: each member's total per year, the one that
    counts marked "valgt", the others "tæller ikke med"."""
    s = cat.settings
    d = totals.decimals
    labels = labels_for(s)
    rows = []
    for pid in totals.alternative_groups[group]:
        p = next(x for x in cat.proposals if x.id == pid)
        pt = totals.proposals[pid]
        mark = labels["chosen"] if pt.counted else labels["not_counted_short"]
        rows.append(Row(f"{p.id} {p.title} ({mark})", cells(pt.total, s.years, d),
                        "alternative" if pt.counted else "uncounted", id=pid))
    members = [totals.proposals[m] for m in totals.alternative_groups[group]]
    return Table(
        caption=f"{labels['alternatives']}: {', '.join(totals.alternative_groups[group])}",
        unit=_unit(s),
        years=s.years,
        rows=tuple(rows),
        notes=_notes(s, *(m.total for m in members), decimals=d)
        + ("Kun ét af alternativerne tæller med i totalerne.",),
        label_head=labels["proposal_head"],
    )


def alternative_groups_in(theme: Theme, cat: Catalogue, totals: Totals) -> list[str]:
    """The ids of the groups of alternatives in a theme (for `alternatives_table`)."""
    in_theme = {p.id for p in cat.proposals_in(theme.id)}
    return [g for g, members in totals.alternative_groups.items() if members[0] in in_theme]


def allocated_table(cat: Catalogue, totals: Totals, theme: Theme | None = None) -> Table | None:
    """"Fordeling på forvaltninger": every counted amount by the department that must
    deliver it (allocated proposals by their allocation, the others by their own
    department), for the catalogue or one theme; per year the rows add up to the total."""
    s = cat.settings
    labels = labels_for(s)
    if theme is None:
        parts, total = totals.allocated_by_department, totals.total
        caption = labels["allocated_by_department"]
    else:
        tt = totals.themes[theme.id]
        parts, total = tt.allocated_by_department, tt.total
        caption = f"{labels['allocated_by_department']}, {labels['theme'].lower()} {theme.number}"
    if not parts:
        return None
    d = _allocation_decimals(s)
    rows = [Row(cat.department_name(code), cells(parts[code], s.years, d), id=code)
            for code in _ordered(parts, cat)]
    rows.append(Row(labels["total"], cells(total, s.years, d), "total"))
    return Table(
        caption=caption,
        unit=_unit(s),
        years=s.years,
        rows=tuple(rows),
        notes=_notes(s, total, *parts.values(), decimals=d),
        label_head=labels["allocation_head"],
    )


def target_allocation_table(cat: Catalogue, totals: Totals) -> Table | None:
    """Target and remaining difference split by the departments' allocation key."""
    s = cat.settings
    if not totals.target_allocation:
        return None
    labels = labels_for(s)
    d = _allocation_decimals(s)
    key = s.allocation_key
    rows = [
        Row(f"{cat.department_name(code)} ({format_percent(key[code], sign=s.percent_sign)})",
            cells(totals.difference_allocation.get(code), s.years, d, "-"))
        for code in _ordered(totals.target_allocation, cat)
    ]
    rows.append(Row(labels["total"], cells(totals.difference, s.years, d, "-"), "total"))
    return Table(
        caption=labels["target_allocation"],
        unit=_unit(s),
        years=s.years,
        rows=tuple(rows),
        notes=_notes(s, decimals=d, difference=totals.difference),
        label_head=labels["allocation_head"],
    )


def _uncounted_statuses(s: Settings) -> list[str]:
    return [STATUS_LABELS[x].lower() for x in STATUS_LABELS if x not in s.counted_statuses]


def intro(cat: Catalogue) -> tuple[str, str] | None:
    """The catalogue's introduction (`content/intro.md`) as (heading, Markdown), or None."""
    return (cat.intro.title, cat.intro.body) if cat.intro is not None else None


def notes_of(p: Proposal | Theme) -> str:
    """The writer's `note` (Markdown) of a proposal or theme ('' when none)."""
    return p.note


__all__ = [
    "Row", "Table", "economy_table", "allocation_table", "overview_table", "theme_table",
    "target_allocation_table", "allocated_table", "alternatives_table",
    "alternative_groups_in", "facts", "hearing", "intro", "notes_of", "cells", "fte_cells",
    "UNKNOWN", "Range",
]  # fmt: skip
