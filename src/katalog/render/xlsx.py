"""The Excel workbook `katalog.xlsx` (SPEC §9): a pure function of the computed model.

Sheets: "Oversigt" (themes × years with I alt, Mål and Difference as live formulas),
"Forslag" (one row per proposal), "Linjer" (one row per economic line: an Excel table ready
for a pivot table), "Fordeling" (amounts after allocation per department) and, when the
content has realisation entries, "Opfølgning" (one row per adopted proposal: adopted,
expected and gap per year at the latest budget revision, its traffic light as text, and a
totals row). `SHEETS` is the list to extend: (name, writer, whether the catalogue has it).

Why XlsxWriter: it writes only what it is told (no application state), in one pass and fast,
has Excel tables, frozen panes, print titles and document properties, and is reproducible:
in memory it dates every zip entry 1980-01-01 and `set_properties({"created": ...})` fixes
the only other timestamp (created/modified in docProps/core.xml). Formulas carry a cached
value we compute exactly, so every viewer (also those that never calculate, and openpyxl)
shows the same numbers as the other documents. openpyxl would also write, but it is a
read-modify-write library with more state; XlsxWriter is the one built for generating.

Numbers: a cell holds the exact amount. XlsxWriter writes a `Decimal` as its own digits
(`format(d, ".16G")`, and `str(d)` for a formula's cached value), so `exact()` gives each
amount its shortest plain form (`0.1`, `-26500`) and no float ever touches it. The number
formats are locale-neutral OOXML codes (`#,##0`): Excel and LibreOffice show them with the
viewer's separators, so a Danish installation shows `-26.500` and `0,5`.

Unknown amounts (`"?"`): a cell shows its known part with ` + ?` appended by the number
format (the value stays the known part, so sums stay sums of what is known) or a bare `?`
text when nothing of it is known, as the other documents write `-10.300 + ?`.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping, Sequence

from ..budget import NO_STATUS
from ..compute import Series, Totals
from ..labels import labels_for
from ..model import UNKNOWN, Catalogue, Range
from ..numbers import MINUS, difference_label, format_partial, format_range, sign_note, unit_label
from .plan import Artifact, Job, Options, Plan, Where
from .view import AREA_LABELS, INCOMPLETE_NOTE, KIND_LABELS, STATUS_LABELS

DEFAULT_ACCENT = "#1b4b72"  # templates/html/assets/katalog.css --accent
FALLBACK_DATE = dt.date(2000, 1, 1)  # when neither the build nor catalogue.yaml gives one
FTE_DECIMALS = 1
GROUP_NAMES = {"varig": "Varig", "engang": "Engang"}
UNKNOWN_TEXT = "?"
NO_AMOUNT = "-"
MAX_WIDTH = 60


def exact(value: Decimal) -> Decimal:
    """`value` in its shortest exact plain form: `Decimal('1.2500')` → `1.25`,
    `Decimal('1E+3')` → `1000`, `-0` → `0`. This text is what the workbook stores."""
    if value == 0:
        return Decimal(0)
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def decimals_needed(cat: Catalogue) -> int:
    """Decimals every amount is shown with: the same as every document's (SPEC §7,
    `Settings.shown_decimals`: the catalogue's `decimals`, else derived from its amounts)."""
    return cat.settings.shown_decimals


# -- formats ------------------------------------------------------------------------------


def number_format(decimals: int, suffix: str = "", zero: str | None = None) -> str:
    """An OOXML number format: thousands separator, `decimals` places, an optional literal
    suffix (`" + ?"`) and an optional text for zero (`"-"` for a sum of nothing)."""
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = f'"{suffix}"' if suffix else ""
    code = f"{digits}{text};-{digits}{text}"
    return code + (f';"{zero}"' if zero is not None else "")


@dataclass
class Styles:
    """XlsxWriter formats made on first use, one per distinct set of properties."""

    book: Any
    accent: str
    made: dict[tuple[tuple[str, Any], ...], Any] = field(default_factory=dict)

    def get(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self.made:
            self.made[key] = self.book.add_format({"valign": "top", **props})
        return self.made[key]

    def head(self, numeric: bool = False) -> Any:
        return self.get(bold=True, font_color="#ffffff", bg_color=self.accent, text_wrap=True,
                        align="right" if numeric else "left", border=1,
                        border_color=self.accent)


def unknown_suffix(sign: str) -> str:
    """The text after the known part of an incomplete amount: ` + ?`, or ` − ?` for a
    difference (the unknown rest is subtracted), as in the documents."""
    return f" {MINUS if sign == '-' else '+'} {UNKNOWN_TEXT}"


@dataclass
class Sheet:
    """What every sheet writer needs: the model, the styles and the decimals."""

    cat: Catalogue
    totals: Totals
    styles: Styles
    decimals: int
    allocated: Mapping[str, Series]

    @property
    def years(self) -> tuple[int, ...]:
        return self.cat.settings.years

    def amount(self, ws: Any, row: int, col: int, series: Series, year: int,
               bold: bool = False, decimals: int | None = None, blank: bool = False,
               sign: str = "+") -> None:
        """One amount cell: the exact value, its known part + ? , `?`, or `-` (blank
        in a data table)."""
        places = self.decimals if decimals is None else decimals
        style = {"bold": True, "top": 1} if bold else {}
        value = series.get(year)
        if isinstance(value, Range) or isinstance(series.known(year), Range):
            self.range_text(ws, row, col, series, year, places, style, sign)
        elif year in series.unknown:
            known = series.known(year)
            if known is None or isinstance(known, Range):
                ws.write_string(row, col, UNKNOWN_TEXT, self.styles.get(align="right", **style))
            else:
                ws.write_number(row, col, exact(known), self.styles.get(
                    num_format=number_format(places, unknown_suffix(sign)), **style))
        elif isinstance(value, Decimal):
            ws.write_number(row, col, exact(value),
                            self.styles.get(num_format=number_format(places), **style))
        elif not blank:
            ws.write_string(row, col, NO_AMOUNT, self.styles.get(align="right", **style))
        elif style:
            ws.write_blank(row, col, None, self.styles.get(**style))

    def range_text(self, ws: Any, row: int, col: int, series: Series, year: int,
                   places: int, style: dict[str, Any], sign: str = "+") -> None:
        """A year whose amount is a range (`3,5–5,5`, or `3,5–5,5 + ?`): text, since no
        single number is right; the sheet's notes say so."""
        value = series.get(year)
        known = series.known(year) if year in series.unknown else value
        text = format_partial(known if isinstance(known, (Decimal, Range)) else None, places,
                              sign) \
            if year in series.unknown else format_range(value, places)  # type: ignore[arg-type]
        ws.write_string(row, col, text, self.styles.get(align="right", **style))

    def total(self, ws: Any, row: int, col: int, formula: str, series: Series, year: int,
              decimals: int | None = None, bold: bool = True, sign: str = "+") -> None:
        """A formula cell whose cached value is the exact total the formula computes (the
        known part of an unknown year; 0, shown `-`, where nothing gives an amount)."""
        places = self.decimals if decimals is None else decimals
        style = {"bold": True, "top": 1} if bold else {}
        value = series.get(year)
        if isinstance(value, Range) or isinstance(series.known(year), Range):
            self.range_text(ws, row, col, series, year, places, style, sign)  # no one number
            return
        if year in series.unknown:
            known = series.known(year)
            cached = known if isinstance(known, Decimal) else Decimal(0)
            code = number_format(places, unknown_suffix(sign)) if known is not None \
                else f'"{UNKNOWN_TEXT}";"{UNKNOWN_TEXT}";"{UNKNOWN_TEXT}"'
        elif isinstance(value, Decimal):
            cached, code = value, number_format(places)
        else:
            cached, code = Decimal(0), number_format(places, zero=NO_AMOUNT)
        ws.write_formula(row, col, formula, self.styles.get(num_format=code, **style),
                         exact(cached))


# -- layout shared by every sheet -----------------------------------------------------------


def heading(sh: Sheet, ws: Any, title: str, incomplete: bool, extra: Sequence[str] = ()) -> int:
    """Title row with unit and price level, the notes under it; returns the header row."""
    s = sh.cat.settings
    ws.write_string(0, 0, f"{title} ({unit_label(s.unit, s.price_level)})",
                    sh.styles.get(bold=True, font_size=14, font_color=sh.styles.accent))
    notes = [sign_note(s.savings_sign), *extra]
    if incomplete:
        notes.append(INCOMPLETE_NOTE)
    note = sh.styles.get(italic=True, font_color="#4d4d4d")
    for i, text in enumerate(notes, start=1):
        ws.write_string(i, 0, text, note)
    return len(notes) + 2


def finish(sh: Sheet, ws: Any, head: int, widths: Sequence[float], freeze_cols: int = 1) -> None:
    """Frozen header, column widths, print titles, landscape on A4 fitted to the width."""
    ws.freeze_panes(head + 1, freeze_cols)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.repeat_rows(head)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_footer(f"&L{_footer_text(sh.cat.settings.title)}&RSide &P af &N")


def wrapped(sh: Sheet, ws: Any, row: int, text: str, width: float, **style: Any) -> None:
    """A text cell that wraps in a column `width` characters wide, with a row height that
    shows every line (XlsxWriter cannot measure text; viewers keep a stored height)."""
    ws.write_string(row, 0, text, sh.styles.get(text_wrap=True, **style))
    lines = -(-len(text) // max(1, int(width) - 2))
    if lines > 1:
        ws.set_row(row, 15 * lines)


def _footer_text(text: str) -> str:
    """A header/footer text: `&` is a control character there."""
    return text.replace("&", "&&")[:200]


def width_of(texts: Sequence[str], least: float = 8, most: float = MAX_WIDTH) -> float:
    """A column width (in characters) that fits the longest text, within bounds."""
    return float(min(most, max([least, *(len(t) + 2 for t in texts)])))


def table(ws: Any, sh: Sheet, head: int, name: str, headers: Sequence[str],
          rows: int, numeric_from: int) -> None:
    """An Excel table (ListObject) over the header and `rows` data rows: autofilter,
    banded rows, a name a pivot table can use."""
    ws.add_table(head, 0, head + max(rows, 1), len(headers) - 1, {
        "name": name,
        "style": "Table Style Light 1",
        "autofilter": True,
        "columns": [{"header": h, "header_format": sh.styles.head(i >= numeric_from)}
                    for i, h in enumerate(headers)],
    })


# -- the sheets -----------------------------------------------------------------------------


def overview_sheet(sh: Sheet, ws: Any) -> None:
    """Themes × years; I alt = SUM of the themes, Mål, Difference = Mål − I alt (or the
    varig basis), FTE."""
    cat, t, years = sh.cat, sh.totals, sh.years
    head = heading(sh, ws, "Oversigt over temaer", not t.total.complete)
    labels = [_theme_label(sh, theme.id) for theme in cat.themes]
    width = width_of([*labels, *FIXED_LABELS, difference_label(cat.settings.savings_sign)], 20)
    ws.write_string(head, 0, "Tema", sh.styles.head())
    for c, year in enumerate(years, start=1):
        ws.write_string(head, c, str(year), sh.styles.head(True))
    row = head + 1
    for theme, label in zip(cat.themes, labels):
        wrapped(sh, ws, row, label, width)
        if not theme.merged_into:
            for c, year in enumerate(years, start=1):
                sh.amount(ws, row, c, t.themes[theme.id].total, year)
        row += 1
    wrapped(sh, ws, row, "I alt", width, bold=True, top=1)
    for c, year in enumerate(years, start=1):
        col = _col(c)
        sh.total(ws, row, c, f"=SUM({col}{head + 2}:{col}{row})", t.total, year)
    _overview_target_rows(sh, ws, row + 1, row, width)
    finish(sh, ws, head, [width, *(14 for _ in years)])


FIXED_LABELS = ("I alt", "Heraf varige ændringer (målgrundlag)", "Mål",
                "Årsværk (varige ændringer)")


def _theme_label(sh: Sheet, theme_id: str) -> str:
    theme = sh.cat.theme(theme_id)
    assert theme is not None
    label = f"{theme.number}. {theme.title}"
    if theme.merged_into:
        into = sh.cat.theme(theme.merged_into)
        label += f" (slået sammen med tema {into.number if into else theme.merged_into})"
    return label


def _overview_target_rows(sh: Sheet, ws: Any, row: int, total_row: int, width: float) -> None:
    """Målgrundlag (varig), Mål, Difference (formula) and Årsværk below I alt."""
    s, t, years = sh.cat.settings, sh.totals, sh.years
    basis_row = total_row
    if s.target_basis == "varig":
        wrapped(sh, ws, row, FIXED_LABELS[1], width)
        for c, year in enumerate(years, start=1):
            sh.amount(ws, row, c, t.basis, year)
        basis_row, row = row, row + 1
    if t.target.values:
        wrapped(sh, ws, row, "Mål", width)
        wrapped(sh, ws, row + 1, difference_label(s.savings_sign), width, bold=True, top=1)
        for c, year in enumerate(years, start=1):
            sh.amount(ws, row, c, t.target, year)
            if year in t.target.values:
                sh.total(ws, row + 1, c, f"={_col(c)}{row + 1}-{_col(c)}{basis_row + 1}",
                         t.difference, year, sign="-")
            else:
                sh.amount(ws, row + 1, c, t.difference, year, bold=True, sign="-")
        row += 2
    if t.fte.values or t.fte.unknown:
        wrapped(sh, ws, row, FIXED_LABELS[3], width)
        for c, year in enumerate(years, start=1):
            sh.amount(ws, row, c, t.fte, year, decimals=FTE_DECIMALS)


def proposals_sheet(sh: Sheet, ws: Any) -> None:
    """One row per proposal: facts, total per year and årsværk per year."""
    cat, t, years = sh.cat, sh.totals, sh.years
    with_fte = any(not t.proposals[p.id].fte.empty for p in cat.proposals)
    head = heading(sh, ws, "Forslag", any(t.proposals[p.id].total.unknown for p in cat.proposals),
                   ["Tæller med = indgår i temaernes og katalogets totaler (efter status)."])
    facts = ["Id", "Titel", "Temanr.", "Tema", "Forvaltning", "Status", "Type", "Tæller med"]
    headers = facts + [f"I alt {y}" for y in years]
    if with_fte:
        headers += [f"Årsværk {y}" for y in years]
    table(ws, sh, head, "Forslag", headers, len(cat.proposals), facts.index("Tæller med") + 1)
    for row, p in enumerate(cat.proposals, start=head + 1):
        pt = t.proposals[p.id]
        theme = cat.theme(p.theme)
        values = [p.id, p.title, theme.number if theme else "", theme.title if theme else p.theme,
                  p.department, STATUS_LABELS.get(p.status, p.status),
                  KIND_LABELS.get(p.kind, p.kind) if p.kind else "", "Ja" if pt.counted else "Nej"]
        _write_facts(ws, row, values)
        for c, year in enumerate(years, start=len(facts)):
            sh.amount(ws, row, c, pt.total, year)
            if with_fte:
                sh.amount(ws, row, c + len(years), pt.fte, year, decimals=FTE_DECIMALS)
    titles = [p.title for p in cat.proposals]
    finish(sh, ws, head, [width_of([p.id for p in cat.proposals]), width_of(titles, 20, 50), 9,
                          30, 12, 11, 18, 11, *(12 for _ in headers[len(facts):])])


def lines_sheet(sh: Sheet, ws: Any) -> None:
    """One row per economic line: the data a pivot table needs (no amount = empty cell)."""
    cat, t, years = sh.cat, sh.totals, sh.years
    lines = [(p, line) for p in cat.proposals for line in p.lines]
    unknown = any(v is UNKNOWN for _, line in lines for v in line.amounts.values())
    head = heading(sh, ws, "Økonomiske linjer", unknown, [
        "En række pr. linje. Tom celle = intet beløb. "
        "Tæller med = indgår i totalerne (efter forslagets status)."])
    facts = ["Forslag", "Forslagstitel", "Temanr.", "Tema", "Forvaltning", "Status",
             "Tæller med", "Linje", "Styringsområde", "Gruppe"]
    headers = facts + [str(y) for y in years]
    table(ws, sh, head, "Linjer", headers, len(lines), len(facts))
    for row, (p, line) in enumerate(lines, start=head + 1):
        theme = cat.theme(p.theme)
        _write_facts(ws, row, [
            p.id, p.title, theme.number if theme else "", theme.title if theme else p.theme,
            p.department, STATUS_LABELS.get(p.status, p.status),
            "Ja" if t.proposals[p.id].counted else "Nej", line.text,
            AREA_LABELS.get(line.area, line.area), GROUP_NAMES.get(line.group, line.group)])
        series = Series.of(line.amounts)
        for c, year in enumerate(years, start=len(facts)):
            sh.amount(ws, row, c, series, year, blank=True)
    finish(sh, ws, head, [10, width_of([p.title for p, _ in lines], 20, 40), 9, 30, 12, 11, 11,
                          width_of([line.text for _, line in lines], 20, 50), 14, 9,
                          *(12 for _ in years)])


def allocation_sheet(sh: Sheet, ws: Any) -> None:
    """Counted amounts per department after allocation; I alt = SUM of the departments."""
    cat, years = sh.cat, sh.years
    mapping = sh.allocated
    whole = Series.sum(mapping.values())
    head = heading(sh, ws, "Fordeling på forvaltninger", not whole.complete,
                   ["Forslag med en fordeling er fordelt på forvaltningerne efter den; "
                    "øvrige forslag ligger hos deres egen forvaltning."])
    for c, text in enumerate(["Forvaltning", "Navn", *map(str, years)]):
        ws.write_string(head, c, text, sh.styles.head(c >= 2))
    row = head + 1
    for code, series in mapping.items():
        ws.write_string(row, 0, code)
        ws.write_string(row, 1, cat.department_name(code))
        for c, year in enumerate(years, start=2):
            sh.amount(ws, row, c, series, year)
        row += 1
    ws.write_string(row, 0, "I alt", sh.styles.get(bold=True, top=1))
    ws.write_blank(row, 1, None, sh.styles.get(bold=True, top=1))
    for c, year in enumerate(years, start=2):
        col = _col(c)
        sh.total(ws, row, c, f"=SUM({col}{head + 2}:{col}{max(row, head + 2)})", whole, year)
    ws.autofilter(head, 0, max(row - 1, head), len(years) + 1)
    finish(sh, ws, head, [12, width_of([cat.department_name(c) for c in mapping], 20, 50),
                          *(14 for _ in years)])


LIGHT_FILLS = {"grøn": "#c6efce", "gul": "#ffeb9c", "rød": "#ffc7ce", NO_STATUS: "#ededed"}
FOLLOWUP_FACTS = ["Id", "Titel", "Temanr.", "Tema", "Forvaltning", "Afgørelse",
                  "Budgetopfølgning", "Dato", "Status"]
FOLLOWUP_PARTS = (("adopted", "Vedtaget"), ("expected", "Forventet"), ("gap", "Afvigelse"))
COMMENT_WIDTH = 60


def followup_sheet(sh: Sheet, ws: Any) -> None:
    """"Opfølgning": one row per adopted proposal at its latest budget revision: the
    traffic light as a word (its colour as a fill besides), adopted, expected and gap
    (expected − adopted) per year, the comment; a totals row with SUBTOTAL formulas whose
    cached values are the exact totals (the known part where a "?" is left out)."""
    cat, years = sh.cat, sh.years
    b = sh.totals.budget
    assert b is not None
    labels = labels_for(cat.settings)
    ids = b.adopted_ids
    parts = [(attr, f"{name} {y}") for attr, name in FOLLOWUP_PARTS for y in years]
    head = heading(sh, ws, "Status på realisering", any(
        not getattr(b.proposals[i], attr).complete for i in ids for attr, _ in FOLLOWUP_PARTS),
        [f"Én række pr. vedtaget forslag ved den seneste budgetopfølgning "
         f"({', '.join(b.revisions)}). {labels['gap_note']}",
         "Status: " + "; ".join(f"{labels['light_' + k]} = {labels['light_' + k + '_text']}"
                                for k in LIGHT_FILLS) + "."])
    headers = [*FOLLOWUP_FACTS, *(name for _, name in parts), "Kommentar"]
    _followup_table(sh, ws, head, headers, b, len(FOLLOWUP_FACTS))
    for row, pid in enumerate(ids, start=head + 1):
        _followup_row(sh, ws, row, pid)
    titles = [p.title for p in cat.proposals if p.id in ids]
    finish(sh, ws, head, [10, width_of(titles, 20, 40), 9, 24, 12, 20, 16, 11, 14,
                          *(width_of([name for _, name in parts], 12) for _ in parts),
                          COMMENT_WIDTH])


def _followup_table(sh: Sheet, ws: Any, head: int, headers: Sequence[str], b: Any,
                    first_amount: int) -> None:
    """The Excel table with its totals row: I alt, and per amount column the SUBTOTAL of
    the column's cells (A1 references: LibreOffice does not read a totals row's `[Column]`
    reference) with the exact total as cached value (text for a range)."""
    totals = [b.adopted_total, b.expected_total, b.gap_total]
    first, last = head + 2, head + 1 + max(len(b.adopted_ids), 1)  # 1-based data rows
    columns: list[dict[str, Any]] = []
    for i, name in enumerate(headers):
        amount = first_amount <= i < len(headers) - 1
        column: dict[str, Any] = {"header": name, "header_format": sh.styles.head(amount)}
        if i == 0:
            column["total_string"] = "I alt"
        elif amount:
            k = i - first_amount
            series, year = totals[k // len(sh.years)], sh.years[k % len(sh.years)]
            column |= _total_cell(sh, series, year, f"{_col(i)}{first}:{_col(i)}{last}")
        columns.append(column)
    ws.add_table(head, 0, head + len(b.adopted_ids) + 1, len(headers) - 1, {
        "name": "Opfoelgning", "style": "Table Style Light 1", "autofilter": True,
        "total_row": True, "columns": columns})


def _total_cell(sh: Sheet, series: Series, year: int, cells: str) -> dict[str, Any]:
    """A totals-row cell: SUBTOTAL(109) (the sum of the visible rows) of the column's
    `cells`, cached as the exact total (its known part, marked ` + ?`); a range as text."""
    value = series.get(year)
    bold = {"bold": True, "top": 1}
    if isinstance(value, Range) or isinstance(series.known(year), Range):
        shown = format_partial(series.known(year), sh.decimals) if year in series.unknown \
            else format_range(value, sh.decimals)  # type: ignore[arg-type]
        return {"total_string": shown, "format": sh.styles.get(align="right", **bold)}
    if year in series.unknown:
        known = series.known(year)
        cached = known if isinstance(known, Decimal) else Decimal(0)
        code = number_format(sh.decimals, unknown_suffix("+"))
    else:
        cached = value if isinstance(value, Decimal) else Decimal(0)
        code = number_format(sh.decimals, zero=NO_AMOUNT) if value is None \
            else number_format(sh.decimals)
    return {"total_function": f"=SUBTOTAL(109,{cells})", "total_value": exact(cached),
            "format": sh.styles.get(num_format=code, **bold)}


_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|td|th|tr|blockquote)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]+>")


def plain_markdown(text: str) -> str:
    """A Markdown comment as one line of plain text for a cell (`**fed**` → `fed`)."""
    from ..markdown import to_html

    spaced = _BLOCK_END.sub(" ", to_html(text))
    return " ".join(html.unescape(_TAG.sub("", spaced)).split())


def _followup_row(sh: Sheet, ws: Any, row: int, pid: str) -> None:
    cat, years = sh.cat, sh.years
    b = sh.totals.budget
    assert b is not None
    labels = labels_for(cat.settings)
    p = next(x for x in cat.proposals if x.id == pid)
    py = b.proposals[pid]
    theme = cat.theme(p.theme)
    current = p.current
    outcome = labels["outcome_changed"] if py.changed else labels["outcome_vedtaget"]
    _write_facts(ws, row, [p.id, p.title, theme.number if theme else "",
                           theme.title if theme else p.theme, p.department, outcome,
                           py.revision or "", ""], sh.styles.get())
    if current is not None and current.date is not None:
        when = dt.datetime(current.date.year, current.date.month, current.date.day)
        ws.write_datetime(row, len(FOLLOWUP_FACTS) - 2, when,
                          sh.styles.get(num_format="yyyy-mm-dd", align="left"))
    ws.write_string(row, len(FOLLOWUP_FACTS) - 1, labels[f"light_{py.status_key}"],
                    sh.styles.get(bg_color=LIGHT_FILLS[py.status_key], bold=True))
    col = len(FOLLOWUP_FACTS)
    for attr, _ in FOLLOWUP_PARTS:
        for year in years:
            sh.amount(ws, row, col, getattr(py, attr), year, blank=True)
            col += 1
    comment = plain_markdown(current.comment) if current else ""
    ws.write_string(row, col, comment, sh.styles.get(text_wrap=True))
    lines = -(-len(comment) // (COMMENT_WIDTH - 2))
    if lines > 1:  # viewers keep a stored height; XlsxWriter cannot measure text
        ws.set_row(row, 15 * lines)


def _write_facts(ws: Any, row: int, values: Sequence[object], style: Any = None) -> None:
    for col, value in enumerate(values):
        if isinstance(value, int):
            ws.write_number(row, col, value, style)
        else:
            ws.write_string(row, col, str(value), style)


def _col(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


SheetWriter = Callable[[Sheet, Any], None]


def _always(cat: Catalogue) -> bool:
    return True


def _followed_up(cat: Catalogue) -> bool:
    return cat.followed_up


# The sheets in order: (name, writer, whether a catalogue has it).
SHEETS: tuple[tuple[str, SheetWriter, Callable[[Catalogue], bool]], ...] = (
    ("Oversigt", overview_sheet, _always),
    ("Forslag", proposals_sheet, _always),
    ("Linjer", lines_sheet, _always),
    ("Fordeling", allocation_sheet, _always),
    ("Opfølgning", followup_sheet, _followed_up),
)


def sheet_names(cat: Catalogue) -> list[str]:
    """The names of the sheets `workbook` writes for `cat`, in order."""
    return [name for name, _, wanted in SHEETS if wanted(cat)]


def workbook(cat: Catalogue, totals: Totals, date: dt.date | None = None,
             accent: str | None = None,
             allocated: Mapping[str, Series] | None = None) -> bytes:
    """The workbook as bytes; the same model, date and accent give the same bytes.

    `date` is the document date (created/modified in the properties); `accent` the look's
    colour for titles and header rows; `allocated` the amounts per department after
    allocation (default: `Totals.allocated_by_department`)."""
    import xlsxwriter  # type: ignore[import-untyped]  # lazily: `katalog --help` stays fast

    s = cat.settings
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {
        "in_memory": True,  # zip entries dated 1980-01-01, no temporary files
        "strings_to_numbers": False,
        "strings_to_formulas": False,  # a title like "=HYPERLINK(...)" stays text
        "strings_to_urls": False,
    })
    when = date or s.date or FALLBACK_DATE
    book.set_properties({
        "title": s.title,
        "subject": s.subtitle or "Oversigt, forslag, linjer og fordeling",
        "author": s.organisation,
        "company": s.organisation,
        "comments": f"{unit_label(s.unit, s.price_level)}. {sign_note(s.savings_sign)}",
        "created": dt.datetime(when.year, when.month, when.day, tzinfo=dt.timezone.utc),
    })
    sheet = Sheet(cat, totals, Styles(book, accent or DEFAULT_ACCENT), decimals_needed(cat),
                  allocated if allocated is not None else totals.allocated_by_department)
    for name, write, wanted in SHEETS:
        if wanted(cat) and (name != "Opfølgning" or totals.budget is not None):
            write(sheet, book.add_worksheet(name))
    book.close()
    return out.getvalue()


# -- the planner --------------------------------------------------------------------------

FILE = "katalog.xlsx"


def plan_xlsx(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """`katalog.xlsx`: one job, run in a forked worker beside the other formats (it inherits
    the model rather than pickling it), cached under the whole model: writing the workbook
    (≈ 0.35 s at 200 proposals) costs more than fingerprinting the model (≈ 0.1 s, and
    nothing more when the Word catalogue's key has walked it in the same build)."""
    args = (cat, totals, opts.date, cat.settings.look.accent)
    job = Job(workbook, args, key=("xlsx", *args), label=FILE, where=Where.FORK)
    return Plan((Artifact(FILE, job),))
