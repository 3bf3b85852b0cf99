"""Presentation tables built once from the computed model and shared by every output.

A `Table` is rows of already-formatted Danish cells with a kind (group header, line,
subtotal, total), so HTML, PDF and Word show exactly the same figures and labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..compute import ProposalTotals, Series, Totals
from ..model import AREAS, UNKNOWN, Catalogue, Proposal, Settings, Theme
from ..numbers import (
    difference_label,
    format_exact,
    format_fte,
    format_partial,
    format_percent,
    sign_note,
    unit_label,
)

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
INCOMPLETE_NOTE = ("? = beløbet er endnu ikke kendt. En total med ? er ufuldstændig: \"-10.300 + ?\" betyder, at de kendte beløb giver -10.300, og at resten endnu ikke er opgjort.")


@dataclass(frozen=True)
class Row:
    """One table row. `kind`: group, line, subtotal, total, fte, note, merged."""

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

    @property
    def head(self) -> tuple[str, ...]:
        return tuple(str(y) for y in self.years)


def cells(series: Series | None, years: tuple[int, ...]) -> tuple[str, ...]:
    """Formatted cells per year: `-` no amount, `-10.300 + ?` or `?` when incomplete."""
    if series is None:
        return tuple("" for _ in years)
    return tuple(format_partial(series.known(y)) if y in series.unknown
                 else format_exact(series.get(y)) for y in years)


def fte_cells(series: Series, years: tuple[int, ...]) -> tuple[str, ...]:
    """Årsværk with one decimal, incomplete years like `cells`."""
    return tuple(format_partial(series.known(y), 1) if y in series.unknown
                 else format_fte(series.get(y)) for y in years)


def _notes(settings: Settings, *series: Series) -> tuple[str, ...]:
    notes = [sign_note(settings.savings_sign)]
    if any(s.unknown for s in series):
        notes.append(INCOMPLETE_NOTE)
    return tuple(notes)


def economy_table(p: Proposal, pt: ProposalTotals, settings: Settings, number: int = 1) -> Table:
    """"Tabel 1. Forslagets samlede økonomiske konsekvenser": lines by group and area."""
    years = settings.years
    rows: list[Row] = []
    for group in ("varig", "engang"):
        lines = [line for line in p.lines if line.group == group]
        if not lines:
            continue
        rows.append(Row(GROUP_LABELS[group], tuple("" for _ in years), "group"))
        for line in lines:
            rows.append(Row(line.text, tuple(format_exact(line.amounts.get(y)) for y in years),
                            "line", AREA_LABELS[line.area]))
        areas = [a for a in AREAS if (group, a) in pt.by_group_area]
        if len(areas) > 1:
            for area in areas:
                rows.append(Row(f"{GROUP_TOTAL_LABELS[group]}, {AREA_LABELS[area].lower()}",
                                cells(pt.by_group_area[(group, area)], years), "subtotal",
                                AREA_LABELS[area]))
        rows.append(Row(GROUP_TOTAL_LABELS[group], cells(pt.by_group[group], years), "subtotal"))
    rows.append(Row("Samlet økonomisk påvirkning", cells(pt.total, years), "total"))
    if pt.fte.values or pt.fte.unknown:
        rows.append(Row("Årsværk (varige ændringer)",
                        fte_cells(pt.fte, years), "fte"))
    extra = {}
    if pt.payback is not None:
        extra["payback"] = f"{pt.payback} år"
    return Table(
        caption=f"Tabel {number}. Forslagets samlede økonomiske konsekvenser",
        unit=unit_label(settings.unit, settings.price_level),
        years=years,
        rows=tuple(rows),
        notes=_notes(settings, pt.total),
        label_head="Linje",
        area_column=True,
        extra=extra,
    )


def allocation_table(p: Proposal, pt: ProposalTotals, cat: Catalogue, number: int = 2) -> Table | None:
    """The proposal's amounts split by department (largest remainder, whole units)."""
    if pt.allocation is None:
        return None
    s = cat.settings
    shares = s.allocation_key if isinstance(p.allocation, str) else dict(p.allocation or {})
    rows = [
        Row(f"{cat.department_name(code)} ({format_percent(shares.get(code, Decimal(0)), sign=s.percent_sign)})",
            cells(series, s.years))
        for code, series in pt.allocation.items()
    ]
    rows.append(Row("I alt", cells(pt.total, s.years), "total"))
    return Table(
        caption=f"Tabel {number}. Fordeling på forvaltninger",
        unit=unit_label(s.unit, s.price_level),
        years=s.years,
        rows=tuple(rows),
        notes=_notes(s, pt.total),
        label_head="Forvaltning",
    )


def overview_table(cat: Catalogue, totals: Totals, href: dict[str, str] | None = None) -> Table:
    """Themes × years with I alt, Mål and Difference (every output's overview)."""
    s = cat.settings
    years = s.years
    href = href or {}
    rows: list[Row] = []
    for t in cat.themes:
        label = f"{t.number}. {t.title}"
        if t.merged_into:
            target = cat.theme(t.merged_into)
            where = f"tema {target.number}" if target else t.merged_into
            rows.append(Row(f"{label} (slået sammen med {where})", cells(None, years), "merged",
                            href=href.get(t.id, ""), id=t.id))
        else:
            rows.append(Row(label, cells(totals.themes[t.id].total, years), "line",
                            href=href.get(t.id, ""), id=t.id))
    rows.append(Row("I alt", cells(totals.total, years), "total"))
    if s.target_basis == "varig":
        rows.append(Row("Heraf varige ændringer (målgrundlag)", cells(totals.basis, years), "line"))
    if totals.target.values:
        rows.append(Row("Mål", cells(totals.target, years), "line"))
        rows.append(Row(difference_label(s.savings_sign), cells(totals.difference, years), "total"))
    if totals.fte.values:
        rows.append(Row("Årsværk (varige ændringer)",
                        fte_cells(totals.fte, years), "fte"))
    return Table(
        caption="Oversigt over temaer",
        unit=unit_label(s.unit, s.price_level),
        years=years,
        rows=tuple(rows),
        notes=_notes(s, totals.total),
        label_head="Tema",
    )


def theme_table(theme: Theme, cat: Catalogue, totals: Totals, href: dict[str, str] | None = None) -> Table:
    """A theme's proposals with their totals; proposals that do not count are marked."""
    s = cat.settings
    href = href or {}
    rows: list[Row] = []
    uncounted = []
    for p in cat.proposals_in(theme.id):
        pt = totals.proposals[p.id]
        label = f"{p.id} {p.title}"
        if not pt.counted:
            label += f" ({STATUS_LABELS[p.status].lower()}, tæller ikke med)"
            uncounted.append(p.id)
        rows.append(Row(label, cells(pt.total, s.years), "line" if pt.counted else "uncounted",
                        href=href.get(p.id, ""), id=p.id))
    tt = totals.themes[theme.id]
    rows.append(Row(f"I alt, tema {theme.number}", cells(tt.total, s.years), "total"))
    notes = _notes(s, tt.total)
    if uncounted:
        notes += (f"Forslag med status {', '.join(s_ for s_ in _uncounted_statuses(s))} "
                  "indgår ikke i temaets total.",)
    return Table(
        caption=f"Forslag i tema {theme.number}",
        unit=unit_label(s.unit, s.price_level),
        years=s.years,
        rows=tuple(rows),
        notes=notes,
        label_head="Forslag",
    )


def target_allocation_table(cat: Catalogue, totals: Totals) -> Table | None:
    """Target and remaining difference split by the departments' allocation key."""
    s = cat.settings
    if not totals.target_allocation:
        return None
    key = s.allocation_key
    rows = [
        Row(f"{cat.department_name(code)} ({format_percent(key[code], sign=s.percent_sign)})",
            cells(totals.difference_allocation.get(code), s.years))
        for code in totals.target_allocation
    ]
    rows.append(Row("I alt", cells(totals.difference, s.years), "total"))
    return Table(
        caption="Difference til mål fordelt efter fordelingsnøglen",
        unit=unit_label(s.unit, s.price_level),
        years=s.years,
        rows=tuple(rows),
        notes=_notes(s, totals.difference),
        label_head="Forvaltning",
    )


def _uncounted_statuses(s: Settings) -> list[str]:
    return [STATUS_LABELS[x].lower() for x in STATUS_LABELS if x not in s.counted_statuses]


def facts(p: Proposal, cat: Catalogue, totals: Totals) -> list[tuple[str, str]]:
    """The proposal's facts block: department, theme, status, kind."""
    theme = cat.theme(p.theme)
    pt = totals.proposals[p.id]
    status = STATUS_LABELS[p.status]
    if not pt.counted:
        status += " (indgår ikke i totalerne)"
    rows = [
        ("Forvaltning", cat.department_name(p.department)),
        ("Tema", f"{theme.number}. {theme.title}" if theme else p.theme),
        ("Status", status),
    ]
    if p.kind:
        rows.append(("Type", KIND_LABELS.get(p.kind, p.kind)))
    if p.tags:
        rows.append(("Emner", ", ".join(p.tags)))
    return rows


__all__ = [
    "Row", "Table", "economy_table", "allocation_table", "overview_table", "theme_table",
    "target_allocation_table", "facts", "UNKNOWN",
]  # fmt: skip
