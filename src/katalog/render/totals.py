"""The computed totals as JSON (SPEC §4), CSV, Markdown and a terminal table."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any, Mapping

from rich.table import Table

from ..compute import Series, Totals
from ..model import GROUPS, Catalogue
from ..numbers import difference_label, sign_note
from . import view

JSON_SCHEMA_VERSION = 1


# -- JSON -------------------------------------------------------------------------------------


def amounts_json(series: Series) -> dict[str, Decimal]:
    """Year (as string) → exact amount; unknown and empty years are omitted."""
    return {str(y): v for y, v in sorted(series.values.items())}


def _with_unknown(obj: dict[str, Any], series: Series, prefix: str = "") -> dict[str, Any]:
    obj[prefix + "complete"] = series.complete
    if series.unknown:
        obj[prefix + "unknown"] = [str(y) for y in sorted(series.unknown)]
        if series.partial:
            obj[prefix + "partial"] = {str(y): v for y, v in sorted(series.partial.items())}
    return obj


def totals_data(cat: Catalogue, totals: Totals) -> dict[str, Any]:
    """The `katalog totals --format json` document as plain data (Decimals for amounts)."""
    s = cat.settings
    themes = []
    for t in cat.themes:
        tt = totals.themes[t.id]
        item: dict[str, Any] = {"id": t.id, "number": t.number, "title": t.title}
        if t.merged_into:
            item |= {"merged_into": t.merged_into, "amounts": {}, "complete": True}
        else:
            item["amounts"] = amounts_json(tt.total)
            _with_unknown(item, tt.total)
            item["by_group"] = {g: amounts_json(tt.by_group[g]) for g in GROUPS}
            item["fte"] = amounts_json(tt.fte)
            item["proposals"] = list(tt.counted)
        themes.append(item)
    proposals = []
    for p in cat.proposals:
        pt = totals.proposals[p.id]
        item = {
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
        if pt.allocation is not None:
            item["allocation"] = {code: amounts_json(v) for code, v in pt.allocation.items()}
        if pt.payback is not None:
            item["payback_years"] = pt.payback
        proposals.append(item)
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
        "themes": themes,
        "proposals": proposals,
        "total": amounts_json(totals.total),
    }
    _with_unknown(data, totals.total, "total_")
    data["by_group"] = {g: amounts_json(totals.by_group[g]) for g in GROUPS}
    data["by_area"] = {a: amounts_json(v) for a, v in totals.by_area.items()}
    data["by_department"] = {c: amounts_json(v) for c, v in totals.by_department.items()}
    data["fte"] = amounts_json(totals.fte)
    data["target"] = amounts_json(totals.target)
    data["difference"] = amounts_json(totals.difference)
    if totals.difference.unknown:
        data["difference_unknown"] = [str(y) for y in sorted(totals.difference.unknown)]
    if totals.target_allocation:
        data["target_allocation"] = {c: amounts_json(v) for c, v in totals.target_allocation.items()}
        data["difference_allocation"] = {
            c: amounts_json(v) for c, v in totals.difference_allocation.items()
        }
    return data


def to_json(cat: Catalogue, totals: Totals) -> str:
    return dumps(totals_data(cat, totals))


def dumps(obj: Any, indent: int = 2) -> str:
    """JSON with Decimals written as exact JSON numbers (no float ever involved)."""
    return _encode(obj, indent, 0) + "\n"


def decimal_json(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _encode(obj: Any, indent: int, level: int) -> str:
    pad = "\n" + " " * indent * (level + 1)
    end = "\n" + " " * indent * level
    if isinstance(obj, Decimal):
        return decimal_json(obj)
    if isinstance(obj, Mapping):
        if not obj:
            return "{}"
        items = [f"{json.dumps(str(k), ensure_ascii=False)}: {_encode(v, indent, level + 1)}"
                 for k, v in obj.items()]
        if all(isinstance(v, (Decimal, int, str, bool)) or v is None for v in obj.values()):
            return "{" + ", ".join(items) + "}"
        return "{" + pad + ("," + pad).join(items) + end + "}"
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        parts = [_encode(v, indent, level + 1) for v in obj]
        if all(isinstance(v, (Decimal, int, str, bool)) or v is None for v in obj):
            return "[" + ", ".join(parts) + "]"
        return "[" + pad + ("," + pad).join(parts) + end + "]"
    return json.dumps(obj, ensure_ascii=False)


# -- Markdown ---------------------------------------------------------------------------------


def to_markdown(cat: Catalogue, totals: Totals) -> str:
    """The overview and a list of proposals as GitHub-flavoured Markdown tables."""
    s = cat.settings
    years = s.years
    table = view.overview_table(cat, totals)
    out = [f"# {s.title}", "", f"{s.organisation}. {sign_note(s.savings_sign)}", "",
           f"## {table.caption} ({table.unit})", ""]
    out.append(f"| {table.label_head} | " + " | ".join(table.head) + " |")
    out.append("|---|" + "---:|" * len(years))
    for row in table.rows:
        label, cells = _md(row.label), list(row.cells)
        if row.kind == "total":
            label, cells = f"**{label}**", [f"**{c}**" for c in cells]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out += [""] + [f"{note}  " for note in table.notes[1:]]
    out += ["", "## Forslag", "", "| Id | Titel | Tema | Status | " + " | ".join(map(str, years)) + " |",
            "|---|---|---|---|" + "---:|" * len(years)]
    for p in cat.proposals:
        pt = totals.proposals[p.id]
        status = p.status if pt.counted else f"{p.status} (tæller ikke med)"
        out.append(f"| {_md(p.id)} | {_md(p.title)} | {_md(p.theme)} | {status} | "
                   + " | ".join(view.cells(pt.total, years)) + " |")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- CSV --------------------------------------------------------------------------------------


def to_csv(cat: Catalogue, totals: Totals) -> str:
    """Semicolon-separated with decimal comma and no thousands dot (Danish Excel reads it)."""
    years = cat.settings.years
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(["niveau", "id", "titel", "tema", "status", "tæller_med", *map(str, years)])

    def cells(series: Series | None) -> list[str]:
        if series is None:
            return ["" for _ in years]
        out = []
        for y in years:
            v = series.get(y)
            out.append("" if v is None else "?" if not isinstance(v, Decimal) else decimal_json(v).replace(".", ","))
        return out

    for t in cat.themes:
        series = None if t.merged_into else totals.themes[t.id].total
        writer.writerow(["tema", t.id, t.title, t.merged_into or "", "", "", *cells(series)])
    for p in cat.proposals:
        pt = totals.proposals[p.id]
        writer.writerow(["forslag", p.id, p.title, p.theme, p.status, "ja" if pt.counted else "nej",
                         *cells(pt.total)])
    writer.writerow(["i_alt", "", "I alt", "", "", "", *cells(totals.total)])
    if totals.target.values:
        writer.writerow(["mål", "", "Mål", "", "", "", *cells(totals.target)])
        writer.writerow(["difference", "", difference_label(cat.settings.savings_sign), "", "", "",
                         *cells(totals.difference)])
    return buf.getvalue()


# -- terminal table ---------------------------------------------------------------------------


def to_table(cat: Catalogue, totals: Totals) -> Table:
    """The overview as a rich table for the terminal."""
    view_table = view.overview_table(cat, totals)
    table = Table(title=f"{cat.settings.title} – {view_table.caption} ({view_table.unit})",
                  caption=" ".join(view_table.notes))
    table.add_column(view_table.label_head)
    for y in view_table.head:
        table.add_column(y, justify="right")
    for row in view_table.rows:
        if row.label == "I alt":
            table.add_section()
        table.add_row(row.label, *row.cells, style="bold" if row.kind == "total" else None)
    return table
