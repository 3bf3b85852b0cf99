"""Word tables: the shared amount tables (`view.Table`) and plain text tables.

Every table gets a repeated header row (`w:tblHeader`), rows that do not split across pages
(`w:cantSplit`), the template's table style ("Katalogtabel", else "Table Grid"), numbers
right-aligned in the "Tal" style, and subtotal/total rows in bold with a rule above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from ...labels import Labels
from ..view import Table
from .context import Context
from .ooxml import Element, el, paragraph, ppr, rpr, run

AMOUNT_KINDS_BOLD = {"subtotal", "total"}
DIGIT_WIDTH = 100  # twips per character of a bold 8.5 pt figure (DejaVu Sans), roughly
CELL_PADDING = 220  # twips: the table style's cell margins and some air
YEAR_MAX = 1800  # a year column is never wider than this (longer cells wrap)
AMOUNT_KINDS_ITALIC = {"fte", "uncounted", "merged", "group"}


@dataclass
class Cell:
    content: list[Element] | str
    align: str | None = None
    bold: bool = False
    italic: bool = False
    number: bool = False
    span: int = 1


@dataclass
class TRow:
    cells: list[Cell]
    header: bool = False
    rule_above: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def build_table(ctx: Context, rows: Sequence[TRow], widths: Sequence[int],
                title: str = "") -> Element:
    """A `w:tbl` from rows; `widths` in twips per grid column; `title` is its alt text."""
    style = ctx.styles.table("Katalogtabel")
    tbl_pr = []
    if style:
        tbl_pr.append(el("w:tblStyle", {"w:val": style}))
    tbl_pr.append(el("w:tblW", {"w:w": str(sum(widths)), "w:type": "dxa"}))
    if not style:
        line = {"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": "808080"}
        tbl_pr.append(el("w:tblBorders", None, el("w:top", line), el("w:bottom", line),
                         el("w:insideH", line)))
    tbl_pr.append('<w:tblLayout w:type="fixed"/>')
    has_head = bool(rows) and rows[0].header
    tbl_pr.append(el("w:tblLook", {"w:val": "0420" if has_head else "0400",
                                   "w:firstRow": "1" if has_head else "0", "w:lastRow": "0",
                                   "w:firstColumn": "0", "w:lastColumn": "0",
                                   "w:noHBand": "1", "w:noVBand": "1"}))
    if title:
        tbl_pr.append(el("w:tblCaption", {"w:val": title[:255]}))
    parts = ["<w:tbl>", el("w:tblPr", None, *tbl_pr),
             el("w:tblGrid", None, *(el("w:gridCol", {"w:w": str(w)}) for w in widths))]
    text_style = ctx.styles.para("Tabeltekst")
    number_style = ctx.styles.para("Tal")
    props_of: dict[tuple[bool, str | None, bool], str] = {}  # the same few in every table
    for row in rows:
        parts.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if row.header
                     else "<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        rule = _RULE_ABOVE if row.rule_above else ""
        col = 0
        for cell in row.cells:
            span = cell.span
            width = widths[col] if span == 1 else sum(widths[col:col + span])
            col += span
            span_pr = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
            key = (cell.number, cell.align, row.header)
            props = props_of.get(key)
            if props is None:
                props = props_of[key] = ppr(
                    number_style if cell.number else text_style,
                    align=cell.align or ("right" if cell.number else None), keep_next=row.header)
            content = cell.content
            if isinstance(content, str):
                runs = [run(content, rpr(cell.bold or row.header, cell.italic))] if content else []
            else:
                runs = content
            parts.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span_pr}{rule}'
                         f"</w:tcPr>{paragraph(props, runs)}</w:tc>")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


_RULE_ABOVE = ('<w:tcBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="auto"/>'
               "</w:tcBorders>")


def caption(ctx: Context, text: str) -> Element:
    """The caption above a table (style "Tabeltitel")."""
    return paragraph(ppr(ctx.styles.para("Tabeltitel"), keep_next=True), [run(text)])


def note(ctx: Context, text: str, bold_value: str = "") -> Element:
    runs = [run(text)]
    if bold_value:
        runs.append(run(bold_value, rpr(bold=True)))
    return paragraph(ppr(ctx.styles.para("Note")), runs)


def markdown_note(ctx: Context, label: str, source: str) -> list[Element]:
    """The writer's note (Markdown) under a table, in the "Note" style, its first paragraph
    starting with `label` in bold ("Note: …")."""
    from ...markdown import render as render_markdown
    from .htmlwalk import HtmlWriter

    body = HtmlWriter(ctx).convert(render_markdown(source, 5).html, "Note")
    mark = run(f"{label}: ", rpr(bold=True))
    if body and body[0].startswith("<w:p>"):
        head = body[0]
        at = head.index("</w:pPr>") + len("</w:pPr>") if "</w:pPr>" in head else len("<w:p>")
        return [head[:at] + mark + head[at:], *body[1:]]
    return [paragraph(ppr(ctx.styles.para("Note")), [mark]), *body]


def amount_table(ctx: Context, t: Table, labels: Labels | None = None) -> list[Element]:
    """Caption with unit and price level, the table, the writer's note, the payback line and
    the notes; fixed wording from `labels` (the catalogue's)."""
    labels = labels or Labels()
    years = len(t.years)
    year_w = 1020 if years <= 4 else max(800, int(ctx.width * 0.5 / years))
    longest = max((len(c) for r in t.rows for c in r.cells), default=0)
    year_w = max(year_w, min(YEAR_MAX, CELL_PADDING + DIGIT_WIDTH * longest))
    area_w = 1760 if t.area_column else 0
    label_w = max(2000, ctx.width - years * year_w - area_w)
    widths = [label_w] + ([area_w] if t.area_column else []) + [year_w] * years
    if sum(widths) > ctx.width:  # many years: shrink every column to the text width
        widths = [w * ctx.width // sum(widths) for w in widths]
    head = [Cell(t.label_head)] + ([Cell(labels["area"])] if t.area_column else [])
    head += [Cell(y, align="right") for y in t.head]
    rows = [TRow(head, header=True)]
    for r in t.rows:
        if r.kind == "group":
            rows.append(TRow([Cell(r.label, bold=True, italic=True, span=len(widths))]))
            continue
        bold = r.kind in AMOUNT_KINDS_BOLD
        italic = r.kind in AMOUNT_KINDS_ITALIC
        cells = [Cell(r.label, bold=bold, italic=italic)]
        if t.area_column:
            cells.append(Cell(r.area, bold=bold, italic=italic))
        cells += [Cell(c or "", bold=bold, italic=italic, number=True) for c in r.cells]
        rows.append(TRow(cells, rule_above=r.kind == "total"))
    title = f"{t.caption} ({t.unit})"
    out = [caption(ctx, title), build_table(ctx, rows, widths, title)]
    if t.markdown_note.strip():
        out += markdown_note(ctx, t.note_label, t.markdown_note)
    if t.extra.get("payback"):
        out.append(note(ctx, f"{labels['payback']}: ", t.extra["payback"]))
    out += [note(ctx, n) for n in t.notes]
    return out


def text_table(ctx: Context, head: Sequence[str] | None, body: Sequence[Sequence[str]],
               shares: Sequence[int]) -> Element:
    """A plain table of text cells; `shares` are relative column widths."""
    total = sum(shares)
    widths = [int(ctx.width * s / total) for s in shares]
    rows = []
    if head:
        rows.append(TRow([Cell(h) for h in head], header=True))
    rows += [TRow([Cell(c) for c in r]) for r in body]
    return build_table(ctx, rows, widths)
