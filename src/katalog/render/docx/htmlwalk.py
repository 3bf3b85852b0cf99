"""Sanitised HTML (from `katalog.markdown`) → WordprocessingML paragraphs, lists and tables.

The Word output walks the same HTML the web pages show, so both render the one Markdown
parse. Supported: headings, paragraphs, bold/italic/underline/strike, inline code, sub/sup,
line breaks, real hyperlinks, nested bulleted and numbered lists, block quotes, tables,
preformatted code and rules. Anything else contributes its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

import lxml.html

from .context import Context
from .ooxml import Element, Node, el, paragraph, ppr, rpr, run, xml_text
from .tables import Cell, TRow, build_table

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "table", "pre",
          "hr", "div"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Fmt:
    bold: bool = False
    italic: bool = False
    underline: bool = False
    strike: bool = False
    code: bool = False
    vert: str | None = None
    href: str | None = None


INLINE_FMT = {
    "strong": {"bold": True}, "b": {"bold": True}, "em": {"italic": True}, "i": {"italic": True},
    "u": {"underline": True}, "s": {"strike": True}, "del": {"strike": True},
    "code": {"code": True}, "sup": {"vert": "superscript"}, "sub": {"vert": "subscript"},
}  # fmt: skip


class HtmlWriter:
    """Turns one HTML fragment into body elements for `ctx`'s document."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def convert(self, html: str, style: str = "Normal",
                cut: Callable[[int, Node | None], None] | None = None) -> list[Element]:
        """Body elements for `html`; its paragraphs in the style named `style`. `cut` is told
        where each top-level heading's paragraph starts (with the heading) and ends (None),
        as the number of elements made so far."""
        html = xml_text(html)  # lxml refuses a fragment with control characters in it
        if not html.strip():
            return []
        root = lxml.html.fragment_fromstring(html, create_parent="div")
        out: list[Element] = []
        self._blocks(root, self.ctx.styles.para(style), out, 0, cut)
        return out

    # -- blocks -----------------------------------------------------------------------------

    def _blocks(self, node: Node, style: str | None, out: list[Element], depth: int,
                cut: Callable[[int, Node | None], None] | None = None) -> None:
        pending: list[object] = []
        if node.text:
            pending.append(node.text)
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in BLOCKS:
                self._flush(pending, style, out)
                if cut is not None and tag in HEADINGS:
                    cut(len(out), child)
                    self._block(child, style, out, depth)
                    cut(len(out), None)
                else:
                    self._block(child, style, out, depth)
            elif tag:
                pending.append(child)
            if child.tail:
                pending.append(child.tail)
        self._flush(pending, style, out)

    def _flush(self, pending: list[object], style: str | None, out: list[Element],
               num: tuple[int, int] | None = None) -> None:
        runs = self._inline(pending, Fmt())
        pending.clear()
        if runs:
            out.append(paragraph(ppr(style, num=num), runs))

    def _block(self, node: Node, style: str | None, out: list[Element], depth: int) -> None:
        tag = node.tag
        if tag == "p" or tag == "div":
            self._blocks(node, style, out, depth)
        elif tag[0] == "h" and tag[1:].isdigit():
            level = int(tag[1:])
            runs = self._inline(self._children(node), Fmt())
            out.append(paragraph(ppr(self.ctx.styles.para(f"Heading {level}"), keep_next=True),
                                 runs))
        elif tag in ("ul", "ol"):
            self._list(node, out, depth + 1)
        elif tag == "blockquote":
            self._blocks(node, self.ctx.styles.para("Quote"), out, depth)
        elif tag == "table":
            out.append(self._table(node))
            out.append(paragraph(ppr(self.ctx.styles.para("Note"))))
        elif tag == "pre":
            text = node.text_content().rstrip("\n")
            out.append(paragraph(ppr(style), [run(text, self._rpr(Fmt(code=True)))]))
        elif tag == "hr":
            out.append(paragraph(ppr(style, border_top=True)))

    def _list(self, node: Node, out: list[Element], depth: int) -> None:
        ordered = node.tag == "ol"
        try:
            start = int(node.get("start", "1"))
        except ValueError:
            start = 1
        style, num = self.ctx.lists.start(ordered, depth, start)
        cont = self.ctx.styles.para("List Continue" if depth <= 1 else f"List Continue {min(depth, 3)}")
        for li in node:
            if li.tag != "li":
                continue
            first = True
            pending: list[object] = [li.text] if li.text else []
            for child in li:
                tag = child.tag if isinstance(child.tag, str) else ""
                if tag in BLOCKS:
                    if pending and any(not isinstance(p, str) or p.strip() for p in pending):
                        self._flush(pending, style if first else cont, out, num if first else None)
                        first = False
                    pending.clear()
                    if tag == "p" and first:
                        self._flush(self._children(child), style, out, num)
                        first = False
                    else:
                        if first:  # the item starts with a block: its marker stands alone
                            out.append(paragraph(ppr(style, num=num)))
                            first = False
                        self._block(child, cont, out, depth)
                elif tag:
                    pending.append(child)
                if child.tail:
                    pending.append(child.tail)
            if any(not isinstance(p, str) or p.strip() for p in pending):
                self._flush(pending, style if first else cont, out, num if first else None)
                first = False
            if first:  # an empty item still shows its bullet
                out.append(paragraph(ppr(style, num=num)))

    def _table(self, node: Node) -> Element:
        rows: list[TRow] = []
        for tr in node.iter("tr"):
            header = tr.getparent() is not None and tr.getparent().tag == "thead"
            cells = []
            for cell in tr:
                if cell.tag not in ("td", "th"):
                    continue
                align = {"right": "right", "center": "center"}.get(cell.get("align", ""))
                runs = self._inline(self._children(cell), Fmt(bold=cell.tag == "th"))
                cells.append(Cell(runs, align=align))
            if cells:
                rows.append(TRow(cells, header=header))
        columns = max((len(r.cells) for r in rows), default=1)
        for r in rows:
            r.cells += [Cell("") for _ in range(columns - len(r.cells))]
        widths = [self.ctx.width // columns] * columns
        return build_table(self.ctx, rows, widths)

    @staticmethod
    def _children(node: Node) -> list[object]:
        items: list[object] = [node.text] if node.text else []
        for child in node:
            items.append(child)
            if child.tail:
                items.append(child.tail)
        return items

    # -- inline -----------------------------------------------------------------------------

    def _segments(self, items: list[object], fmt: Fmt, acc: list[tuple[str, Fmt]]) -> None:
        for item in items:
            if isinstance(item, str):
                acc.append((_SPACE.sub(" ", item), fmt))
                continue
            node = item
            tag = node.tag if isinstance(node.tag, str) else ""  # type: ignore[attr-defined]
            if tag == "br":
                acc.append(("\n", fmt))
                continue
            inner = fmt
            if tag in INLINE_FMT:
                inner = replace(fmt, **INLINE_FMT[tag])  # type: ignore[arg-type]
            elif tag == "a":
                href = node.get("href", "")  # type: ignore[attr-defined]
                if href.startswith(("http://", "https://", "mailto:")):
                    inner = replace(fmt, href=href)
            self._segments(self._children(node), inner, acc)

    def _inline(self, items: list[object], fmt: Fmt) -> list[Element]:
        acc: list[tuple[str, Fmt]] = []
        self._segments(items, fmt, acc)
        # Fold whitespace as a browser does: no double spaces, none at the ends or around <br>.
        cleaned: list[tuple[str, Fmt]] = []
        prev_space = True
        for text, f in acc:
            if text == "\n":
                if cleaned and cleaned[-1][0] != "\n":
                    cleaned[-1] = (cleaned[-1][0].rstrip(" "), cleaned[-1][1])
                cleaned.append((text, f))
                prev_space = True
                continue
            if prev_space:
                text = text.lstrip(" ")
            if text:
                cleaned.append((text, f))
                prev_space = text.endswith(" ")
        while cleaned and cleaned[-1][0] != "\n" and cleaned[-1][0].endswith(" "):
            cleaned[-1] = (cleaned[-1][0].rstrip(" "), cleaned[-1][1])
            if not cleaned[-1][0]:
                cleaned.pop()
        out: list[Element | tuple[str, list[Element]]] = []
        link: list[Element] | None = None  # the runs of the hyperlink being filled
        link_href: str | None = None
        for text, f in cleaned:
            r = "<w:r><w:br/></w:r>" if text == "\n" else run(text, self._rpr(f))
            if f.href:
                if link is None or link_href != f.href:
                    link, link_href = [], f.href
                    out.append((self.ctx.link(f.href), link))
                link.append(r)
            else:
                link, link_href = None, None
                out.append(r)
        return [x if isinstance(x, str)
                else el("w:hyperlink", {"w:history": "1", "r:id": x[0]}, *x[1]) for x in out]

    def _rpr(self, f: Fmt) -> Element | None:
        style = None
        font = None
        underline = f.underline
        if f.href:
            style = self.ctx.styles.char("Hyperlink")
            underline = underline or style is None
        elif f.code:
            style = self.ctx.styles.char("Kode")
            font = None if style else "DejaVu Sans Mono"
        return rpr(bold=f.bold, italic=f.italic, underline=underline, strike=f.strike,
                   style=style, font=font, vert=f.vert)
