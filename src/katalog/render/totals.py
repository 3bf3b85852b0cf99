"""The computed totals as JSON (SPEC §4), CSV, Markdown and a terminal table."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, Mapping

from ..budget import OUTCOME_KEYS, BudgetYear, ProposalYear
from ..compute import ProposalTotals, Series, ThemeTotals, Totals
from ..labels import labels_for
from ..model import GROUPS, Catalogue, Decision, Proposal, Range, Theme
from ..numbers import csv_number, unit_label
from . import view

if TYPE_CHECKING:
    from rich.table import Table

JSON_SCHEMA_VERSION = 1


# -- JSON -------------------------------------------------------------------------------------


def amounts_json(series: Series) -> dict[str, Decimal]:
    """Year (as string) → exact amount; unknown, range and empty years are omitted."""
    return {str(y): v for y, v in sorted(series.values.items())}


def _range_json(r: Range) -> dict[str, Decimal]:
    return {"low": r.low, "high": r.high}


def _with_unknown(obj: dict[str, Any], series: Series, prefix: str = "",
                  ranges: str | None = None) -> dict[str, Any]:
    """`complete`, and when needed `unknown` (years with "?"), `partial` (their known
    parts), `ranges` (years that are a range) and `partial_ranges`, under `prefix`."""
    obj[prefix + "complete"] = series.complete
    if series.unknown:
        obj[prefix + "unknown"] = [str(y) for y in sorted(series.unknown)]
        if series.partial:
            obj[prefix + "partial"] = {str(y): v for y, v in sorted(series.partial.items())}
    known = {y: r for y, r in series.ranges.items() if y not in series.unknown}
    partial = {y: r for y, r in series.ranges.items() if y in series.unknown}
    if known:
        obj[ranges or prefix + "ranges"] = {str(y): _range_json(r) for y, r in sorted(known.items())}
    if partial:
        obj[prefix + "partial_ranges"] = {str(y): _range_json(r)
                                          for y, r in sorted(partial.items())}
    return obj


def _extras(obj: dict[str, Any], key: str, series: Series) -> None:
    """`<key>_unknown`, `<key>_partial`, `<key>_ranges`, `<key>_partial_ranges` for a series
    shown as `<key>` (only those it needs)."""
    scratch: dict[str, Any] = {}
    _with_unknown(scratch, series)
    for name in ("unknown", "partial", "ranges", "partial_ranges"):
        if name in scratch:
            obj[f"{key}_{name}"] = scratch[name]


def _by_department_json(obj: dict[str, Any], key: str, parts: Mapping[str, Series]) -> None:
    """`key`: department → amounts; and, when any, `<key>_unknown` / `_partial` / `_ranges`
    per department."""
    obj[key] = {code: amounts_json(v) for code, v in parts.items()}
    for suffix, pick in (("unknown", lambda v: [str(y) for y in sorted(v.unknown)]),
                         ("partial", lambda v: {str(y): x for y, x in sorted(v.partial.items())}),
                         ("ranges", lambda v: {str(y): _range_json(r)
                                               for y, r in sorted(v.ranges.items())})):
        found = {code: pick(v) for code, v in parts.items() if pick(v)}
        if found:
            obj[f"{key}_{suffix}"] = found


def _theme_json(t: Theme, tt: ThemeTotals) -> dict[str, Any]:
    item: dict[str, Any] = {"id": t.id, "number": t.number, "title": t.title}
    if t.merged_into:
        return item | {"merged_into": t.merged_into, "amounts": {}, "complete": True}
    item["amounts"] = amounts_json(tt.total)
    _with_unknown(item, tt.total)
    item["by_group"] = {g: amounts_json(tt.by_group[g]) for g in GROUPS}
    item["fte"] = amounts_json(tt.fte)
    _extras(item, "fte", tt.fte)
    item["proposals"] = list(tt.counted)
    _by_department_json(item, "allocated_by_department", tt.allocated_by_department)
    return item


def _proposal_json(p: Proposal, pt: ProposalTotals) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": p.id,
        "title": p.title,
        "theme": p.theme,
        "department": p.department,
        "status": p.status,
        "kind": p.kind,
        "counted": pt.counted,
        "amounts": amounts_json(pt.total),
        "by_group": {g: amounts_json(pt.by_group[g]) for g in GROUPS},
        "by_area": {a: amounts_json(v) for a, v in pt.by_area.items()},
    }
    _with_unknown(item, pt.total)
    item["fte"] = amounts_json(pt.fte)
    _extras(item, "fte", pt.fte)
    if pt.allocation is not None:
        item["allocation"] = {code: amounts_json(v) for code, v in pt.allocation.items()}
    if pt.allocated is not None:
        _by_department_json(item, "allocated_by_department", pt.allocated)
    if pt.payback is not None:
        item["payback_years"] = pt.payback
    if pt.alternative_group is not None:
        item["alternative_group"] = pt.alternative_group
        if p.alternative_to:
            item["alternative_to"] = p.alternative_to
    return item


# -- the budget year (SPEC §8) ----------------------------------------------------------------


def _series_json(obj: dict[str, Any], key: str, series: Series) -> None:
    """`key`: amounts, and `<key>_unknown` / `_partial` / `_ranges` when needed."""
    obj[key] = amounts_json(series)
    _extras(obj, key, series)


def _decision_json(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    out: dict[str, Any] = {"outcome": d.outcome,
                           "date": d.date.isoformat() if d.date else None,
                           "reference": d.reference or None}
    _series_json(out, "amounts", Series.of(d.amounts))
    out["note"] = d.note or None
    return out


def _budget_proposal_json(item: dict[str, Any], p: Proposal, py: ProposalYear) -> None:
    """SPEC §8 per proposal: `decision`, `adopted` and `realisation` (adopted ones only:
    the current revision, its traffic light, expected and gap = expected − adopted)."""
    item["decision"] = _decision_json(p.decision)
    item["outcome"] = py.outcome
    if py.adopted is None or py.expected is None or py.gap is None:
        return
    _series_json(item, "adopted", py.adopted)
    item["adopted_changed"] = py.changed
    current = p.current
    realisation: dict[str, Any] = {
        "revision": py.revision, "status": py.status,
        "date": current.date.isoformat() if current and current.date else None,
        "entries": len(p.realisation)}
    _series_json(realisation, "expected", py.expected)
    _series_json(realisation, "gap", py.gap)
    item["realisation"] = realisation


def _budget_json(data: dict[str, Any], cat: Catalogue, b: BudgetYear) -> None:
    """SPEC §8 at the top level and per theme: adopted and expected totals, gaps,
    differences to the target, the counts per outcome and per traffic light."""
    _series_json(data, "adopted_total", b.adopted_total)
    _series_json(data, "adopted_difference", b.adopted_difference)
    _series_json(data, "realisation_total", b.expected_total)
    _series_json(data, "realisation_gap", b.gap_total)
    _series_json(data, "realisation_difference", b.expected_difference)
    data["realisation_counts"] = b.status_counts
    data["decision_counts"] = {key: len(b.outcomes[key]) for key in OUTCOME_KEYS}
    data["revisions"] = list(b.revisions)
    data["adopted_by_status"] = {k: amounts_json(g.adopted) for k, g in b.by_status.items()}
    data["realisation_by_status"] = {k: amounts_json(g.expected)
                                     for k, g in b.by_status.items()}
    _by_department_json(data, "adopted_by_department", b.adopted_by_department)
    _by_department_json(data, "realisation_by_department", b.expected_by_department)
    _by_department_json(data, "realisation_gap_by_department", b.gap_by_department)
    for theme in data["themes"]:
        if theme["id"] in b.adopted_by_theme:
            _series_json(theme, "adopted", b.adopted_by_theme[theme["id"]])
            _series_json(theme, "realisation_total", b.expected_by_theme[theme["id"]])
            _series_json(theme, "realisation_gap", b.gap_by_theme[theme["id"]])
    for item, p in zip(data["proposals"], cat.proposals):
        _budget_proposal_json(item, p, b.proposals[p.id])


def totals_data(cat: Catalogue, totals: Totals) -> dict[str, Any]:
    """The `katalog totals --format json` document as plain data (Decimals for amounts)."""
    s = cat.settings
    data: dict[str, Any] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "title": s.title,
        "organisation": s.organisation,
        "unit": s.unit,
        "price_level": s.price_level,
        "savings_sign": s.savings_sign,
        "years": list(s.years),
        "counted_statuses": list(s.counted_statuses),
        "target_basis": s.target_basis,
        "decimals": totals.decimals,
        "fte_decimals": s.fte_decimals,
        "themes": [_theme_json(t, totals.themes[t.id]) for t in cat.themes],
        "proposals": [_proposal_json(p, totals.proposals[p.id]) for p in cat.proposals],
        "total": amounts_json(totals.total),
    }
    _with_unknown(data, totals.total, "total_", ranges="total_ranges")
    data["by_group"] = {g: amounts_json(totals.by_group[g]) for g in GROUPS}
    data["by_area"] = {a: amounts_json(v) for a, v in totals.by_area.items()}
    data["by_department"] = {c: amounts_json(v) for c, v in totals.by_department.items()}
    _by_department_json(data, "allocated_by_department", totals.allocated_by_department)
    data["fte"] = amounts_json(totals.fte)
    _extras(data, "fte", totals.fte)
    data["target"] = amounts_json(totals.target)
    data["difference"] = amounts_json(totals.difference)
    _extras(data, "difference", totals.difference)
    if totals.alternative_groups:
        data["alternative_groups"] = {g: list(m) for g, m in totals.alternative_groups.items()}
    if totals.target_allocation:
        data["target_allocation"] = {c: amounts_json(v) for c, v in totals.target_allocation.items()}
        data["difference_allocation"] = {
            c: amounts_json(v) for c, v in totals.difference_allocation.items()
        }
    if totals.budget is not None:
        _budget_json(data, cat, totals.budget)
    return data


def to_json(cat: Catalogue, totals: Totals) -> str:
    return dumps(totals_data(cat, totals))


def dumps(obj: Any, indent: int = 2) -> str:
    """JSON with Decimals written as exact JSON numbers (no float ever involved): mappings
    and lists of plain values on one line, others one item per line."""
    return _encode(obj, indent, 0) + "\n"


def decimal_json(value: Decimal) -> str:
    if value.is_finite():
        whole = int(value)
        if whole == value:
            return str(whole)
    return format(value.normalize(), "f")


def _scalar(value: Any) -> str | None:
    """A plain value (a number, a string, true, false or null) as JSON; None for anything
    else. Strings are written by the encoder `json.dumps(..., ensure_ascii=False)` uses,
    without its per-call set-up: a catalogue of 500 proposals has some 25,000 values."""
    if type(value) is str:
        return encode_basestring(value)
    if isinstance(value, Decimal):
        return decimal_json(value)
    if value is None or isinstance(value, (int, str)):  # bool is an int
        return json.dumps(value, ensure_ascii=False)
    return None


def _encode(obj: Any, indent: int, level: int) -> str:
    plain = _scalar(obj)
    if plain is not None:
        return plain
    pad = "\n" + " " * indent * (level + 1)
    end = "\n" + " " * indent * level
    if isinstance(obj, Mapping):
        if not obj:
            return "{}"
        values = [_scalar(v) for v in obj.values()]
        if None not in values:
            return "{" + ", ".join(f"{encode_basestring(str(k))}: {v}"
                                   for k, v in zip(obj, values)) + "}"
        items = [f"{encode_basestring(str(k))}: "
                 f"{v if v is not None else _encode(obj[k], indent, level + 1)}"
                 for k, v in zip(obj, values)]
        return "{" + pad + ("," + pad).join(items) + end + "}"
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        values = [_scalar(v) for v in obj]
        if None not in values:
            return "[" + ", ".join(v for v in values if v is not None) + "]"
        parts = [v if v is not None else _encode(x, indent, level + 1)
                 for v, x in zip(values, obj)]
        return "[" + pad + ("," + pad).join(parts) + end + "]"
    return json.dumps(obj, ensure_ascii=False)


# -- Markdown ---------------------------------------------------------------------------------


def _md_table(table: view.Table) -> list[str]:
    """A view table as a GitHub-flavoured Markdown table (totals in bold) and its notes."""
    out = [f"| {_md(table.label_head)} | " + " | ".join(table.head) + " |",
           "|---|" + "---:|" * len(table.years)]
    for row in table.rows:
        label, cells = _md(row.label), [_md(c) for c in row.cells]
        if row.kind == "total":
            label, cells = f"**{label}**", [f"**{c}**" for c in cells]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out.append("")
    out += [f"{_md(note)}  " for note in table.notes[1:]]
    if table.markdown_note:
        out += ["", f"**{_md(table.note_label)}:** {table.markdown_note.strip()}"]
    return out


def to_markdown(cat: Catalogue, totals: Totals) -> str:
    """The overview, the split by department, alternatives and the proposals as
    GitHub-flavoured Markdown tables."""
    s = cat.settings
    labels = labels_for(s)
    years = s.years
    table = view.overview_table(cat, totals)
    out = [f"# {_md(s.title)}", "", f"{_md(s.organisation)}. {labels['sign_note']}", "",
           f"## {table.caption} ({table.unit})", ""]
    out += _md_table(table)
    allocated = view.allocated_table(cat, totals)
    if allocated is not None and len(allocated.rows) > 2:
        out += ["", f"## {allocated.caption} ({allocated.unit})", ""] + _md_table(allocated)
    for group in totals.alternative_groups:
        alt = view.alternatives_table(group, cat, totals)
        out += ["", f"## {_md(alt.caption)} ({alt.unit})", ""] + _md_table(alt)
    out += _md_budget(cat, totals)
    out += ["", f"## {labels['proposals']}", "",
            "| Id | Titel | Tema | Status | " + " | ".join(map(str, years)) + " |",
            "|---|---|---|---|" + "---:|" * len(years)]
    for p in cat.proposals:
        pt = totals.proposals[p.id]
        status = p.status if pt.counted else f"{p.status} ({labels['not_counted_short']})"
        out.append(f"| {_md(p.id)} | {_md(p.title)} | {_md(p.theme)} | {status} | "
                   + " | ".join(view.cells(pt.total, years, totals.decimals)) + " |")
    return "\n".join(out) + "\n"


def _md_budget(cat: Catalogue, totals: Totals) -> list[str]:
    """The budget agreement's overview and the follow-up's summary, when present."""
    out: list[str] = []
    tables = [view.agreement_overview_table(cat, totals),
              view.realisation_summary_table(cat, totals)]
    for table in tables:
        if table is not None:
            out += ["", f"## {_md(table.caption)} ({table.unit})", ""] + _md_table(table)
    sentences = view.realisation_summary(cat, totals)
    if sentences:
        out += ["", " ".join(_md(x) for x in sentences)]
    return out


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- CSV --------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """A text cell that a spreadsheet will not run: one starting with `=`, `+`, `-`, `@`,
    a tab or a carriage return gets a leading `'` (OWASP's CSV injection advice)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_cells(series: Series | None, years: tuple[int, ...], sign: str = "+") -> list[str]:
    """Amount cells for CSV: exact, decimal comma, no thousands separator; an incomplete
    year keeps its known part (`-10300+?`, a difference `32020-?`), a range `3,5–5,5`."""
    if series is None:
        return ["" for _ in years]
    out = []
    for y in years:
        if y in series.unknown:
            known = series.known(y)
            out.append("?" if known is None else f"{csv_number(known)}{sign}?")
        else:
            out.append(csv_number(series.get(y)))
    return out


def to_csv(cat: Catalogue, totals: Totals) -> str:
    """Semicolon-separated with decimal comma and no thousands dot (Danish Excel reads it).
    The first line names the unit and price level; then a header and one row per theme,
    proposal, total, target, difference, FTE and department (after allocation)."""
    s = cat.settings
    labels = labels_for(s)
    years = s.years
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    unit = unit_label(s.unit, s.price_level).replace("\u00a0", " ")
    writer.writerow([f"Beløb i {unit}", csv_text(labels["sign_note"])])
    writer.writerow(["niveau", "id", "titel", "tema", "status", "tæller_med", *map(str, years)])

    def row(level: str, ident: str, title: str, theme: str, status: str, counted: str,
            amounts: list[str]) -> None:
        writer.writerow([level, csv_text(ident), csv_text(title), csv_text(theme), status,
                         counted, *amounts])

    for t in cat.themes:
        series = None if t.merged_into else totals.themes[t.id].total
        row("tema", t.id, t.title, t.merged_into or "", "", "", csv_cells(series, years))
    for p in cat.proposals:
        pt = totals.proposals[p.id]
        row("forslag", p.id, p.title, p.theme, p.status, "ja" if pt.counted else "nej",
            csv_cells(pt.total, years))
    row("i_alt", "", labels["total"], "", "", "", csv_cells(totals.total, years))
    if totals.target.values:
        row("mål", "", labels["target"], "", "", "", csv_cells(totals.target, years))
        row("difference", "", labels["difference"], "", "", "",
            csv_cells(totals.difference, years, "-"))
    if totals.fte.values or totals.fte.unknown:
        row("årsværk", "", labels["fte"], "", "", "", csv_cells(totals.fte, years))
    if len(totals.allocated_by_department) > 1:
        for code, series in totals.allocated_by_department.items():
            row("forvaltning", code, cat.department_name(code), "", "", "",
                csv_cells(series, years))
    if totals.budget is not None:
        _csv_budget(row, cat, totals)
    return buf.getvalue()


def _csv_budget(row: Any, cat: Catalogue, totals: Totals) -> None:
    """The budget year's rows (SPEC §8): per adopted proposal `vedtaget` (status: the
    outcome) and `forventet` / `afvigelse` (status: the traffic light), then the totals."""
    b = totals.budget
    assert b is not None
    labels = labels_for(cat.settings)
    years = cat.settings.years
    for p in cat.proposals:
        py = b.proposals[p.id]
        if py.adopted is None:
            continue
        outcome = "vedtaget med ændring" if py.changed else "vedtaget"
        row("vedtaget", p.id, p.title, p.theme, outcome, "", csv_cells(py.adopted, years))
        if b.followed_up:
            light = py.status or "ikke vurderet"
            row("forventet", p.id, py.revision or "", p.theme, light, "",
                csv_cells(py.expected, years))
            row("afvigelse", p.id, py.revision or "", p.theme, light, "",
                csv_cells(py.gap, years))
    row("vedtaget_i_alt", "", labels["adopted_total"], "", "", "",
        csv_cells(b.adopted_total, years))
    if totals.target.values:
        row("vedtaget_difference", "", labels["difference"], "", "", "",
            csv_cells(b.adopted_difference, years, "-"))
    if b.followed_up:
        row("forventet_i_alt", "", labels["expected_total"], "", "", "",
            csv_cells(b.expected_total, years))
        row("afvigelse_i_alt", "", labels["gap_total"], "", "", "",
            csv_cells(b.gap_total, years))
        if totals.target.values:
            row("forventet_difference", "", labels["expected_difference"], "", "", "",
                csv_cells(b.expected_difference, years, "-"))


# -- terminal table ---------------------------------------------------------------------------


def to_table(cat: Catalogue, totals: Totals) -> "Table":
    """The overview as a rich table for the terminal (rich is imported only here: JSON, CSV
    and Markdown do not need it)."""
    from rich.table import Table

    view_table = view.overview_table(cat, totals)
    table = Table(title=f"{cat.settings.title} – {view_table.caption} ({view_table.unit})",
                  caption=" ".join(view_table.notes))
    table.add_column(view_table.label_head)
    for y in view_table.head:
        table.add_column(y, justify="right")
    total = labels_for(cat.settings)["total"]
    for row in view_table.rows:
        if row.label == total and row.kind == "total":
            table.add_section()
        table.add_row(row.label, *row.cells, style="bold" if row.kind == "total" else None)
    _table_budget(table, cat, totals)
    return table


def _table_budget(table: "Table", cat: Catalogue, totals: Totals) -> None:
    """Below the overview: the adopted total and its difference to the target, and the
    expected total and gap at the latest budget revision (when the budget year has begun)."""
    b = totals.budget
    if b is None:
        return
    labels = labels_for(cat.settings)
    years, d = cat.settings.years, totals.decimals
    rows = [(labels["adopted_total"], view.cells(b.adopted_total, years, d))]
    if totals.target.values:
        rows.append((labels["difference"], view.cells(b.adopted_difference, years, d, "-")))
    if b.followed_up:
        rows += [(f"{labels['expected_total']} ({b.revisions[-1]})",
                  view.cells(b.expected_total, years, d)),
                 (labels["gap_total"], view.cells(b.gap_total, years, d))]
    table.add_section()
    for label, cells in rows:
        table.add_row(label, *cells)
