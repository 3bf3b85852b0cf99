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

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Iterable, Mapping

from babel.dates import format_date

from ..budget import NO_DECISION, NO_STATUS, STATUS_KEYS
from ..compute import ProposalTotals, Series, Totals, is_saving
from ..labels import LABELS, Labels, fill, labels_for
from ..model import AREAS, STATUSES, UNKNOWN, Catalogue, Proposal, Range, Settings, Theme
from ..numbers import format_amount, format_fte, format_partial, format_percent, unit_label

# The default wording by code (the catalogue's `labels:` may change it: `status_label` etc.)
AREA_LABELS = {a: LABELS[f"area_{a}"] for a in AREAS}
GROUP_LABELS = {g: LABELS[f"group_{g}"] for g in ("varig", "engang")}
GROUP_TOTAL_LABELS = {g: LABELS[f"total_{g}"] for g in ("varig", "engang")}
STATUS_LABELS = {x: LABELS[f"status_{x}"] for x in STATUSES}
KIND_LABELS = {k.removeprefix("kind_"): v for k, v in LABELS.items() if k.startswith("kind_")}
INCOMPLETE_NOTE = fill(Labels()["unknown_note"], example="-10.300")
ALLOCATION_DECIMALS_MIO = 2  # allocations in mio. kr. are split to 0,01 (compute)


def status_label(status: str, labels: Labels) -> str:
    """`Forslag`, `Vedtaget`, ... in the catalogue's wording."""
    return labels.get(f"status_{status}", status)


def area_label(area: str, labels: Labels) -> str:
    return labels.get(f"area_{area}", area)


def kind_label(kind: str, labels: Labels) -> str:
    return labels.get(f"kind_{kind}", kind)


@dataclass(frozen=True)
class Row:
    """One table row. `kind`: group, line, subtotal, total, fte, note, merged, uncounted,
    alternative (a member of a group of alternatives, `id` its proposal). `status` marks a
    row of the follow-up with its traffic light (the label names it in words)."""

    label: str
    cells: tuple[str, ...]
    kind: str = "line"
    area: str = ""
    href: str = ""
    id: str = ""
    status: str = ""  # a realisation's traffic light (grøn/gul/rød/ingen), for colour; the
    # label always says it in words too


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

    @cached_property
    def head(self) -> tuple[str, ...]:
        """The years as the column heads show them (read for every cell of the table)."""
        return tuple(str(y) for y in self.years)

    @property
    def paper_size(self) -> str:
        """The type size that lets this table fit the width of an A4 page (the PDF's
        `table.paper-<tenths>`), e.g. "65" for 6,5 pt; "" when the normal size fits. Counts
        the widest cell of each year column (amounts never wrap) and room for the label
        (and area) column, which wrap."""
        return paper_size(self)


PAPER_WIDTH_PT = 480.0  # A4 less the PDF's side margins, with a little room to spare
PAPER_NORMAL_PT = 9.0  # pdf/katalog.css: an amount table's normal size
PAPER_SMALLEST_PT = 4.0
DIGIT_EM = 0.64  # DejaVu Sans: a digit's advance (the widest characters of an amount)
CELL_EM = 0.7  # left and right padding of a cell
LABEL_EM = 13.0  # the label column: wraps, but needs room for a few words
AREA_EM = 7.0


def paper_size(t: Table) -> str:
    """See `Table.paper_size`: "" or the size in tenths of a point, in steps of 0,5 pt."""
    widths = [max([len(t.head[i])] + [len(r.cells[i]) for r in t.rows if i < len(r.cells)])
              for i in range(len(t.years))]
    ems = LABEL_EM + (AREA_EM if t.area_column else 0) + sum(
        w * DIGIT_EM + CELL_EM for w in widths)
    size = PAPER_WIDTH_PT / ems
    if size >= PAPER_NORMAL_PT:
        return ""
    half_points = max(int(size * 2), int(PAPER_SMALLEST_PT * 2))
    return str(half_points * 5)


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
                                             for y in years), "line",
                            area_label(line.area, labels)))
        areas = [a for a in AREAS if (group, a) in pt.by_group_area]
        if len(areas) > 1:
            for area in areas:
                shown = area_label(area, labels)
                rows.append(Row(f"{labels[f'total_{group}']}, {shown.lower()}",
                                cells(pt.by_group_area[(group, area)], years, d), "subtotal",
                                shown))
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
        notes += (fill(labels["allocation_from_note"], year=str(a.start),
                       department=cat.department_name(p.department)),)
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
    status = status_label(p.status, labels)
    if not pt.counted:
        status += f" ({labels['not_counted']})"
    rows = [
        (labels["department"], cat.department_name(p.department)),
        (labels["theme"], f"{theme.number}. {theme.title}" if theme else p.theme),
        (labels["status"], status),
    ]
    if p.kind:
        rows.append((labels["kind"], kind_label(p.kind, labels)))
    if pt.alternative_group is not None:
        others = [m for m in totals.alternative_groups[pt.alternative_group] if m != p.id]
        rows.append((labels["alternatives"], ", ".join(others)))
    if p.tags:
        rows.append((labels["tags"], ", ".join(p.tags)))
    return rows + budget_facts(p, cat, totals)


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
            label += f" ({status_label(p.status, labels).lower()}, {labels['not_counted_short']})"
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
        notes += (fill(labels["uncounted_note"],
                       statuses=", ".join(_uncounted_statuses(s, labels))),)
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
        + (labels["alternatives_note"],),
        label_head=labels["proposal_head"],
    )


def alternative_groups_in(theme: Theme, cat: Catalogue, totals: Totals) -> list[str]:
    """The ids of the groups of alternatives in a theme (for `alternatives_table`)."""
    in_theme = {p.id for p in cat.proposals_in(theme.id)}
    return [g for g, members in totals.alternative_groups.items() if members[0] in in_theme]


def allocated_table(cat: Catalogue, totals: Totals, theme: Theme | None = None) -> Table | None:
    """"Fordeling på forvaltninger": every counted amount by the department that must
    deliver it (allocated proposals by their allocation, the others by their own
    department), for the catalogue or one theme; per year the rows add up to the total.
    None when it has no amounts. (A theme of one proposal keeps its table, as the
    municipalities' own catalogues do: the theme says what each department must deliver
    without the reader opening the proposal; Word shows the same tables.)"""
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


def _uncounted_statuses(s: Settings, labels: Labels) -> list[str]:
    return [status_label(x, labels).lower() for x in STATUSES if x not in s.counted_statuses]


def cover_facts(cat: Catalogue, date: dt.date | None) -> list[tuple[str, str]]:
    """The catalogue's facts as every cover and front page shows them (the HTML front page
    and single page, the PDF cover, the Word cover: this one function), in this order:
    Budgetår (the first year), Overslagsår (the others: `2025–2027`), Beløb (`1.000 kr.,
    2024 p/l`), Dato (`3. december 2026`, left out without a date) and Forslag (`14 forslag
    i 12 temaer`), as (label, value) with the catalogue's labels. (The organisation is not
    a fact: every cover shows it above the title.)"""
    s = cat.settings
    labels = labels_for(s)
    years = s.years
    facts = [(labels["budget_year"], str(years[0]))]
    if len(years) > 1:
        rest = years[1:]
        facts.append((labels["forecast_years"],
                       f"{rest[0]}–{rest[-1]}" if len(rest) > 1 else str(rest[0])))
    facts.append((labels["amounts_in"], _unit(s)))
    if date is not None:
        facts.append((labels["date"], date_text(date)))
    themes = len([t for t in cat.themes if not t.merged_into])
    scope = labels["scope_one"] if themes == 1 else labels["scope"]
    facts.append((labels["proposals"], fill(scope, proposals=str(len(cat.proposals)),
                                            themes=str(themes))))
    return facts


# -- page breaks on paper (`look.page_break`) --------------------------------------------------
#
# The PDF (and Word) either start every theme and proposal on a new page ("proposal": each
# proposal can be taken out as it is) or let themes and proposals follow each other ("flow"), each
# kept together when it is short (under 0,6 page; a longer one may go on over a page break,
# its heading, summary, facts and economic table kept together). "auto" decides by the size
# of the proposals: flow when the average proposal is estimated at under three quarters of a
# page, since then a new page for each leaves much of the paper empty (seed 001: 14
# proposals of about 0,6 page each on 29 pages).

PAGE_LINES = 55  # lines of 9 pt body text on an A4 page of the PDF
LINE_CHARS = 95  # characters on such a line
FLOW_BELOW = 0.75  # auto: flow when the average proposal takes less than this share of a page
KEEP_BELOW = 0.6  # a proposal estimated at less than this share of a page is not split


def _wrapped(text: str) -> float:
    """Lines that `text` takes (blank lines half a line)."""
    lines = 0.0
    for line in text.splitlines() or [""]:
        lines += -(-len(line.strip()) // LINE_CHARS) if line.strip() else 0.5
    return lines


def proposal_lines(p: Proposal, cat: Catalogue) -> float:
    """About how many lines of body text a proposal takes on paper: heading, summary, facts,
    the economic table with its notes, the body, consultations, hearing and follow-up."""
    groups = len({line.group for line in p.lines})
    facts = 3 + bool(p.kind) + bool(p.alternative_to) + bool(p.tags)
    lines = 4 + _wrapped(p.summary) + 2 + 1.6 * -(-facts // 2)
    lines += 2.5 + 4 + len(p.lines) + 2 * groups + 1 + 3  # heading, caption, rows, notes
    if p.allocation is not None:
        lines += 6 + len(cat.settings.departments)
    lines += _wrapped(p.body) + (_wrapped(p.note) + 1 if p.note else 0)
    if p.consulted:
        lines += 3 + 1.5 * len(p.consulted)
    for h in p.hearing:
        lines += 2 + _wrapped(h.comment)
    if p.followup:
        lines += 3 + 1.5 * len(p.followup)
    return lines


def theme_lines(theme: Theme, cat: Catalogue) -> float:
    """About how many lines a theme takes on paper with its proposals: its heading, its
    introduction, its table and notes, and each proposal."""
    proposals = cat.proposals_in(theme.id)
    lines = 5 + _wrapped(theme.body) + (_wrapped(theme.note) + 1 if theme.note else 0)
    if proposals:
        lines += 9 + len(proposals) + len(cat.settings.departments)
    return lines + sum(proposal_lines(p, cat) for p in proposals)


def flow_chunks(cat: Catalogue, pages: float = 6) -> list[list[Theme]]:
    """The themes in runs of about `pages` pages (never a theme split): when proposals
    flow, each run is laid out as one part, so a theme starts a new page only where a run
    does."""
    chunks: list[list[Theme]] = []
    size = 0.0
    for t in cat.themes:
        lines = theme_lines(t, cat)
        if not chunks or size + lines > pages * PAGE_LINES:
            chunks.append([])
            size = 0.0
        chunks[-1].append(t)
        size += lines
    return chunks


def keep_together(p: Proposal, cat: Catalogue) -> bool:
    """Whether a proposal is short enough to be kept on one page when proposals flow."""
    return proposal_lines(p, cat) < KEEP_BELOW * PAGE_LINES


def page_breaks(cat: Catalogue) -> str:
    """"proposal" (every proposal on a new page) or "flow" (proposals follow each other):
    `look.page_break`, or for "auto" flow when the average proposal is estimated at under
    three quarters of a page (`FLOW_BELOW`)."""
    chosen = cat.settings.look.page_break
    if chosen in ("proposal", "flow"):
        return chosen
    if not cat.proposals:
        return "proposal"
    average = sum(proposal_lines(p, cat) for p in cat.proposals) / len(cat.proposals)
    return "flow" if average < FLOW_BELOW * PAGE_LINES else "proposal"


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
    "cover_facts", "page_breaks", "keep_together", "proposal_lines", "theme_lines",
    "flow_chunks", "status_label", "area_label", "kind_label", "STATUS_LABELS", "AREA_LABELS",
    "KIND_LABELS", "GROUP_LABELS",
    "UNKNOWN", "Range",
    # the budget year
    "DecisionView", "EntryView", "decisions", "budget_facts", "agreement_overview_table",
    "agreement_theme_table", "council_changes_table", "adopted_department_table",
    "realisation_summary", "realisation_summary_table", "realisation_overview_table",
    "gap_theme_table", "realisation_table", "realisation_entries",
    "expected_department_table", "gap_department_table", "share_cells", "light_label",
    "outcome_label", "date_text",
]  # fmt: skip


# -- the budget year (SPEC §8): "Budgetaftale" and "Status på realisering" --------------------
#
# Every table below is built from `Totals.budget` (`katalog.budget.BudgetYear`); they return
# None (or an empty list) when the catalogue has no budget year.


@dataclass(frozen=True)
class DecisionView:
    """One proposal's decision as the documents show it (`decisions`)."""

    id: str
    title: str
    theme: str  # "3. Administration"
    outcome: str  # vedtaget | forkastet | udskudt | ingen
    outcome_label: str  # "Vedtaget med ændring"
    date: str  # "8. oktober 2026" ('' when not given)
    reference: str
    note: str  # Markdown
    href: str = ""


@dataclass(frozen=True)
class EntryView:
    """One budget revision of a proposal (`realisation_entries`): its expectation per year
    (the adopted amount where the entry names no year), its traffic light in words, and its
    comment (Markdown)."""

    revision: str
    date: str
    status: str  # grøn | gul | rød
    status_label: str  # "Gul: realiseringen er usikker"
    cells: tuple[str, ...]
    comment: str
    current: bool  # the last entry: the current expectation


def date_text(value: dt.date | None) -> str:
    """`8. oktober 2026` ('' for no date)."""
    return format_date(value, format="d. MMMM y", locale="da_DK") if value else ""


def outcome_label(p: Proposal, labels: Labels, outcome: str) -> str:
    """`Vedtaget`, `Vedtaget med ændring`, `Forkastet`, `Udskudt` or `Ikke behandlet`."""
    if outcome == "vedtaget" and p.decision is not None and p.decision.changed:
        return labels["outcome_changed"]
    return labels[f"outcome_{outcome}"]


def light_label(status: str | None, labels: Labels, meaning: bool = True) -> str:
    """A traffic light in words, never colour alone: `Gul: realiseringen er usikker`."""
    key = status or NO_STATUS
    text = labels[f"light_{key}"]
    return f"{text}: {labels[f'light_{key}_text']}" if meaning else text


def budget_facts(p: Proposal, cat: Catalogue, totals: Totals) -> list[tuple[str, str]]:
    """The proposal's decision and current follow-up for its facts block (none before the
    budget year)."""
    budget = totals.budget
    if budget is None:
        return []
    labels = labels_for(cat.settings)
    py = budget.proposals[p.id]
    rows = []
    if p.decision is not None or py.outcome != NO_DECISION:
        parts = [outcome_label(p, labels, py.outcome)]
        if p.decision is not None:
            parts += [x for x in (date_text(p.decision.date), p.decision.reference) if x]
        rows.append((labels["decision"], ", ".join(parts)))
    if py.is_adopted and budget.followed_up:
        text = light_label(py.status, labels)
        rows.append((labels["realisation_status"],
                     f"{text} ({py.revision})" if py.revision else text))
    return rows


def decisions(cat: Catalogue, totals: Totals,
              href: dict[str, str] | None = None) -> list[DecisionView]:
    """Every proposal the council decided on (or whose status says so), in catalogue order,
    with its outcome in words, date, reference and note."""
    budget = totals.budget
    if budget is None:
        return []
    labels = labels_for(cat.settings)
    href = href or {}
    out = []
    for p in cat.proposals:
        outcome = budget.proposals[p.id].outcome
        if p.decision is None and outcome == NO_DECISION:
            continue
        theme = cat.theme(p.theme)
        d = p.decision
        out.append(DecisionView(
            p.id, p.title, f"{theme.number}. {theme.title}" if theme else p.theme, outcome,
            outcome_label(p, labels, outcome), date_text(d.date) if d else "",
            d.reference if d else "", d.note if d else "", href.get(p.id, "")))
    return out


def _budget_notes(s: Settings, *series: Series | None, decimals: int,
                  difference: Series | None = None) -> tuple[str, ...]:
    return _notes(s, *series, decimals=decimals, difference=difference)


def agreement_overview_table(cat: Catalogue, totals: Totals,
                             href: dict[str, str] | None = None) -> Table | None:
    """"Budgetaftale": the adopted amounts per theme, Vedtaget i alt, the adopted proposals
    as proposed and the council's change (when it changed any), Mål and the difference of
    the adopted total to the target."""
    b = totals.budget
    if b is None:
        return None
    s, d, years = cat.settings, totals.decimals, cat.settings.years
    labels = labels_for(s)
    href = href or {}
    rows = [Row(f"{t.number}. {t.title}", cells(b.adopted_by_theme[t.id], years, d),
                href=href.get(t.id, ""), id=t.id)
            for t in cat.themes if not t.merged]
    rows.append(Row(labels["adopted_total"], cells(b.adopted_total, years, d), "total"))
    change = b.change_total
    changed = any(b.proposals[i].changed for i in b.adopted_ids)
    if changed:
        rows.append(Row(f"{labels['proposed_total']} ({labels['adopted_proposals'].lower()})",
                        cells(b.proposed_total, years, d)))
        rows.append(Row(labels["council_change"], cells(change, years, d)))
    difference = None
    if totals.target.values:
        difference = b.adopted_difference
        if s.target_basis == "varig":
            rows.append(Row(labels["target_basis_varig"], cells(b.adopted_basis, years, d)))
        rows.append(Row(labels["target"], cells(totals.target, years, d)))
        rows.append(Row(labels["difference"], cells(difference, years, d, "-"), "total"))
    return Table(
        caption=f"{labels['budget_agreement']}: {labels['adopted_overview'].lower()}",
        unit=_unit(s), years=years, rows=tuple(rows),
        notes=_budget_notes(s, b.adopted_total, totals.target, decimals=d,
                            difference=difference)
        + ((labels["changed_note"],) if changed else ()),
        label_head=labels["theme_head"],
    )


def agreement_theme_table(theme: Theme, cat: Catalogue, totals: Totals,
                          href: dict[str, str] | None = None) -> Table | None:
    """A theme's adopted proposals with their adopted amounts (marked when the council
    changed them) and the theme's adopted total; None when none of them is adopted."""
    b = totals.budget
    if b is None:
        return None
    s, d = cat.settings, totals.decimals
    labels = labels_for(s)
    href = href or {}
    members = [p for p in cat.proposals_in(theme.id) if b.proposals[p.id].is_adopted]
    if not members:
        return None
    rows = []
    for p in members:
        py = b.proposals[p.id]
        mark = f" ({labels['outcome_changed'].lower()})" if py.changed else ""
        rows.append(Row(f"{p.id} {p.title}{mark}", cells(py.adopted, s.years, d),
                        href=href.get(p.id, ""), id=p.id))
    total = b.adopted_by_theme[theme.id]
    rows.append(Row(f"{labels['adopted_total']}, {labels['theme'].lower()} {theme.number}",
                    cells(total, s.years, d), "total"))
    return Table(
        caption=f"{labels['adopted_in']} {theme.number}", unit=_unit(s), years=s.years,
        rows=tuple(rows), notes=_budget_notes(s, total, decimals=d),
        label_head=labels["proposal_head"],
    )


def council_changes_table(cat: Catalogue, totals: Totals) -> Table | None:
    """The proposals the council adopted with its own amounts: per proposal Foreslået,
    Vedtaget and Byrådets ændring, and the change in all; None when it changed none."""
    b = totals.budget
    if b is None:
        return None
    s, d = cat.settings, totals.decimals
    labels = labels_for(s)
    changed = [p for p in cat.proposals if b.proposals[p.id].changed]
    if not changed:
        return None
    rows: list[Row] = []
    changes = []
    for p in changed:
        py = b.proposals[p.id]
        assert py.adopted is not None and py.change is not None
        change = py.change
        changes.append(change)
        rows += [Row(f"{p.id} {p.title}", tuple("" for _ in s.years), "group", id=p.id),
                 Row(labels["proposed"], cells(py.proposed, s.years, d), id=p.id),
                 Row(labels["adopted"], cells(py.adopted, s.years, d), id=p.id),
                 Row(labels["council_change"], cells(change, s.years, d), "subtotal", id=p.id)]
    whole = Series.sum(changes)
    rows.append(Row(f"{labels['council_change']}, {labels['total'].lower()}",
                    cells(whole, s.years, d), "total"))
    return Table(
        caption=labels["council_changes"], unit=_unit(s), years=s.years, rows=tuple(rows),
        notes=_budget_notes(s, whole, *(b.proposals[p.id].proposed for p in changed),
                            decimals=d),
        label_head=labels["proposal_head"],
    )


def _department_table(cat: Catalogue, parts: Mapping[str, Series], total: Series,
                      caption: str, notes: tuple[str, ...] = ()) -> Table | None:
    """Departments (in the catalogue's order) × years, and the total they add up to."""
    if not parts:
        return None
    s = cat.settings
    labels = labels_for(s)
    d = _allocation_decimals(s)
    rows = [Row(cat.department_name(code), cells(parts[code], s.years, d), id=code)
            for code in _ordered(parts, cat)]
    rows.append(Row(labels["total"], cells(total, s.years, d), "total"))
    return Table(caption=caption, unit=_unit(s), years=s.years, rows=tuple(rows),
                 notes=_notes(s, total, *parts.values(), decimals=d) + notes,
                 label_head=labels["allocation_head"])


def adopted_department_table(cat: Catalogue, totals: Totals) -> Table | None:
    """"Vedtaget fordelt på forvaltninger": the adopted amounts by the department that must
    deliver them (after allocation); the rows add up exactly to Vedtaget i alt."""
    b = totals.budget
    if b is None:
        return None
    labels = labels_for(cat.settings)
    return _department_table(cat, b.adopted_by_department, b.adopted_total,
                             labels["adopted_by_department"])


def expected_department_table(cat: Catalogue, totals: Totals) -> Table | None:
    """"Forventet fordelt på forvaltninger" (after allocation)."""
    b = totals.budget
    if b is None or not b.followed_up:
        return None
    labels = labels_for(cat.settings)
    return _department_table(cat, b.expected_by_department, b.expected_total,
                             labels["expected_by_department"])


def gap_department_table(cat: Catalogue, totals: Totals) -> Table | None:
    """"Afvigelse fordelt på forvaltninger": expected − adopted per department."""
    b = totals.budget
    if b is None or not b.followed_up:
        return None
    labels = labels_for(cat.settings)
    return _department_table(cat, b.gap_by_department, b.gap_total,
                             labels["gap_by_department"], (labels["gap_note"],))


def share_cells(part: Series, whole: Series, years: tuple[int, ...],
                sign: str = "%") -> tuple[str, ...]:
    """`part` as a percentage of `whole` per year, whole percent, half-up: `93 %`; `?` where
    either is unknown or a range, `-` where the whole is 0 or absent."""
    out = []
    for y in years:
        a, b = part.get(y), whole.get(y)
        if a is UNKNOWN or b is UNKNOWN or isinstance(a, Range) or isinstance(b, Range):
            out.append("?")
        elif not isinstance(b, Decimal) or b == 0:
            out.append("-")
        else:
            value = (a if isinstance(a, Decimal) else Decimal(0)) * 100 / b
            out.append(format_percent(value, 0, sign))
    return tuple(out)


def realisation_summary_table(cat: Catalogue, totals: Totals) -> Table | None:
    """"Sammenfatning": Vedtaget i alt, what is expected per traffic light (with how many
    proposals), Forventet i alt, the gap, the share of the adopted amount expected, and the
    target with the difference after the expected realisation."""
    b = totals.budget
    if b is None or not b.followed_up:
        return None
    s, d, years = cat.settings, totals.decimals, cat.settings.years
    labels = labels_for(s)
    rows = [Row(labels["adopted_total"], cells(b.adopted_total, years, d))]
    for key, group in b.by_status.items():
        if group.ids:
            rows.append(Row(f"{labels['expected']}, {light_label(key, labels, False).lower()} "
                            f"({len(group.ids)} {labels['proposals_count']})",
                            cells(group.expected, years, d), status=key))
    rows += [Row(labels["expected_total"], cells(b.expected_total, years, d), "total"),
             Row(labels["gap_total"], cells(b.gap_total, years, d)),
             Row(labels["expected_share"], share_cells(b.expected_varig, b.adopted_varig, years,
                                                       s.percent_sign))]
    difference = None
    if totals.target.values:
        difference = b.expected_difference
        rows += [Row(labels["target"], cells(totals.target, years, d)),
                 Row(labels["expected_difference"], cells(difference, years, d, "-"), "total")]
    return Table(
        caption=f"{labels['realisation_status']}: {labels['realisation_summary'].lower()}",
        unit=_unit(s), years=years, rows=tuple(rows),
        notes=_budget_notes(s, b.expected_total, b.adopted_total, b.gap_total, decimals=d,
                            difference=difference)
        + (labels["gap_note"], labels["share_note"], _light_note(labels),
           _revisions_note(labels, b.revisions)),
        label_head=labels["realisation_summary"],
    )


def _light_note(labels: Labels) -> str:
    return "; ".join(light_label(key, labels) for key in STATUS_KEYS) + "."


def _revisions_note(labels: Labels, revisions: Iterable[str]) -> str:
    return (f"{labels['revision']}: {', '.join(revisions)} (den seneste er den aktuelle "
            "forventning).")


def realisation_summary(cat: Catalogue, totals: Totals) -> list[str]:
    """The follow-up in a few Danish sentences for the top of "Status på realisering": how
    much of the adopted permanent saving is expected in the budget year (the first year),
    the gap in all, and how many proposals have each traffic light."""
    b = totals.budget
    if b is None or not b.followed_up:
        return []
    s = cat.settings
    year = s.years[0]
    adopted, expected = b.adopted_varig.get(year), b.expected_varig.get(year)
    gap = b.gap_total.get(year)
    out = []
    unit = f"{unit_label(s.unit)}, {s.price_level} p/l"
    if isinstance(adopted, Decimal) and isinstance(expected, Decimal) and adopted:
        saving = is_saving(adopted, s)
        what = "den vedtagne varige besparelse" if saving else "de vedtagne varige ændringer"
        shown = [format_amount(abs(v) if saving else v, totals.decimals)
                 for v in (adopted, expected)]
        share = format_percent(expected * 100 / adopted, 0, s.percent_sign)
        out.append(f"Af {what} på {shown[0]} ({unit}) i {year} forventes {shown[1]} "
                   f"realiseret ({share}) ved {b.revisions[-1]}.")
    if isinstance(gap, Decimal):
        out.append(_gap_sentence(gap, year, s, totals.decimals))
    counts = [f"{n} {LIGHT_WORDS[key][n != 1]}" for key, n in b.status_counts.items() if n]
    if counts:
        listed = ", ".join(counts[:-1]) + " og " + counts[-1] if len(counts) > 1 else counts[0]
        out.append(f"Af de {len(b.adopted_ids)} vedtagne forslag er {listed}.")
    return out


# A traffic light about "forslag" (neuter) in a sentence: (one, several).
LIGHT_WORDS = {"grøn": ("grønt", "grønne"), "gul": ("gult", "gule"), "rød": ("rødt", "røde"),
               NO_STATUS: ("endnu ikke vurderet", "endnu ikke vurderet")}


def _gap_sentence(gap: Decimal, year: int, s: Settings, decimals: int) -> str:
    """The gap of the budget year in words: a smaller or larger saving than adopted."""
    if gap == 0:
        return f"I alt forventes {year} realiseret som vedtaget."
    shown = format_amount(abs(gap), decimals)
    smaller = is_saving(-gap, s)  # the gap works against the saving
    return (f"I alt forventes {shown} {'mindre' if smaller else 'mere'} i besparelse i {year}, "
            f"end der er vedtaget.")


def realisation_overview_table(cat: Catalogue, totals: Totals,
                               href: dict[str, str] | None = None) -> Table | None:
    """The expected amounts per theme, Forventet i alt, Vedtaget i alt, the gap, and the
    target with the difference after the expected realisation."""
    b = totals.budget
    if b is None or not b.followed_up:
        return None
    s, d, years = cat.settings, totals.decimals, cat.settings.years
    labels = labels_for(s)
    href = href or {}
    rows = [Row(f"{t.number}. {t.title}", cells(b.expected_by_theme[t.id], years, d),
                href=href.get(t.id, ""), id=t.id)
            for t in cat.themes if not t.merged]
    rows += [Row(labels["expected_total"], cells(b.expected_total, years, d), "total"),
             Row(labels["adopted_total"], cells(b.adopted_total, years, d)),
             Row(labels["gap_total"], cells(b.gap_total, years, d))]
    difference = None
    if totals.target.values:
        difference = b.expected_difference
        rows += [Row(labels["target"], cells(totals.target, years, d)),
                 Row(labels["expected_difference"], cells(difference, years, d, "-"), "total")]
    return Table(
        caption=labels["realisation_overview"], unit=_unit(s), years=years, rows=tuple(rows),
        notes=_budget_notes(s, b.expected_total, b.adopted_total, decimals=d,
                            difference=difference) + (labels["gap_note"],),
        label_head=labels["theme_head"],
    )


def gap_theme_table(cat: Catalogue, totals: Totals) -> Table | None:
    """"Afvigelse pr. tema": expected − adopted per theme and in all."""
    b = totals.budget
    if b is None or not b.followed_up:
        return None
    s, d = cat.settings, totals.decimals
    labels = labels_for(s)
    rows = [Row(f"{t.number}. {t.title}", cells(b.gap_by_theme[t.id], s.years, d), id=t.id)
            for t in cat.themes if not t.merged]
    rows.append(Row(labels["gap_total"], cells(b.gap_total, s.years, d), "total"))
    return Table(caption=labels["gap_by_theme"], unit=_unit(s), years=s.years, rows=tuple(rows),
                 notes=_budget_notes(s, b.gap_total, decimals=d) + (labels["gap_note"],),
                 label_head=labels["theme_head"])


def realisation_table(theme: Theme, cat: Catalogue, totals: Totals,
                      href: dict[str, str] | None = None) -> Table | None:
    """A theme's adopted proposals: per proposal a heading row naming its traffic light in
    words and the budget revision (`status` for colour), then Vedtaget, Forventet and
    Afvigelse per year; the theme's totals last. None when the theme has none adopted."""
    b = totals.budget
    if b is None or not b.followed_up:
        return None
    s, d, years = cat.settings, totals.decimals, cat.settings.years
    labels = labels_for(s)
    href = href or {}
    members = [p for p in cat.proposals_in(theme.id) if b.proposals[p.id].is_adopted]
    if not members:
        return None
    rows: list[Row] = []
    for p in members:
        py = b.proposals[p.id]
        light = light_label(py.status, labels)
        when = f", {py.revision}" if py.revision else ""
        rows += [Row(f"{p.id} {p.title} – {light}{when}", tuple("" for _ in years), "group",
                     href=href.get(p.id, ""), id=p.id, status=py.status_key),
                 Row(labels["adopted"], cells(py.adopted, years, d), id=p.id),
                 Row(labels["expected"], cells(py.expected, years, d), id=p.id,
                     status=py.status_key),
                 Row(labels["gap"], cells(py.gap, years, d), "subtotal", id=p.id)]
    number = f"{labels['theme'].lower()} {theme.number}"
    rows += [Row(f"{labels['adopted_total']}, {number}", cells(b.adopted_by_theme[theme.id],
                                                               years, d), "total"),
             Row(f"{labels['expected_total']}, {number}",
                 cells(b.expected_by_theme[theme.id], years, d), "total"),
             Row(f"{labels['gap_total']}, {number}", cells(b.gap_by_theme[theme.id], years, d),
                 "total")]
    return Table(
        caption=f"{labels['realisation_in']} {theme.number}", unit=_unit(s), years=years,
        rows=tuple(rows),
        notes=_budget_notes(s, b.adopted_by_theme[theme.id], b.expected_by_theme[theme.id],
                            b.gap_by_theme[theme.id], decimals=d) + (labels["gap_note"],),
        label_head=labels["proposal_head"],
    )


def realisation_entries(p: Proposal, cat: Catalogue, totals: Totals) -> list[EntryView]:
    """A proposal's budget revisions, oldest first: each one's expectation per year (the
    adopted amount where it names no year), traffic light in words and comment."""
    b = totals.budget
    if b is None or not p.realisation:
        return []
    adopted = b.proposals[p.id].adopted
    if adopted is None:
        return []
    labels = labels_for(cat.settings)
    d = totals.decimals
    return [EntryView(e.revision, date_text(e.date), e.status, light_label(e.status, labels),
                      cells(adopted.replaced(e.expected), cat.settings.years, d), e.comment,
                      i == len(p.realisation) - 1)
            for i, e in enumerate(p.realisation)]


