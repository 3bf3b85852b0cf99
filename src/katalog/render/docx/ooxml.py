"""Small WordprocessingML builders on lxml: paragraphs, runs, fields, bookmarks.

Elements are created detached (not inside the document) so a whole body can be assembled
first and spliced into the document once, which keeps the build linear in its size.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import lru_cache
from typing import Iterable

from docx.oxml.ns import NamespacePrefixedTag, qn
from docx.oxml.parser import oxml_parser
from lxml.etree import _Element

Element = _Element


@lru_cache(maxsize=None)
def _tag(tag: str) -> tuple[str, dict[str, str]]:
    """`"w:p"` → its Clark name and namespace map, as `OxmlElement` computes them."""
    nsptag = NamespacePrefixedTag(tag)
    return nsptag.clark_name, dict(nsptag.nsmap)


_qn = lru_cache(maxsize=None)(qn)


def el(tag: str, attrs: dict[str, str] | None = None, *children: Element) -> Element:
    """`el("w:jc", {"w:val": "right"})` → a detached element with namespaced attributes.

    The same element `OxmlElement(tag)` makes, without parsing the tag again each time
    (a Word body has hundreds of thousands of elements)."""
    clark, nsmap = _tag(tag)
    node = oxml_parser.makeelement(clark, nsmap=nsmap)
    for key, value in (attrs or {}).items():
        node.set(_qn(key), value)
    for child in children:
        node.append(child)
    return node


# characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """`value` without characters that cannot appear in XML (they are dropped)."""
    return _NOT_XML.sub("", value)


def text_el(value: str, tag: str = "w:t") -> Element:
    node = el(tag)
    value = xml_text(value)
    node.text = value
    if value != value.strip() or "  " in value:
        node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return node


def rpr(
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    strike: bool = False,
    style: str | None = None,
    font: str | None = None,
    vert: str | None = None,
) -> Element | None:
    """Run properties in schema order, or None when there are none."""
    props = el("w:rPr")
    if style:
        props.append(el("w:rStyle", {"w:val": style}))
    if font:
        props.append(el("w:rFonts", {"w:ascii": font, "w:hAnsi": font, "w:cs": font}))
    if bold:
        props.append(el("w:b"))
        props.append(el("w:bCs"))
    if italic:
        props.append(el("w:i"))
        props.append(el("w:iCs"))
    if strike:
        props.append(el("w:strike"))
    if underline:
        props.append(el("w:u", {"w:val": "single"}))
    if vert:
        props.append(el("w:vertAlign", {"w:val": vert}))
    return props if len(props) else None


def run(value: str, props: Element | None = None) -> Element:
    """A run with text; newlines become `<w:br/>`."""
    node = el("w:r")
    if props is not None:
        node.append(_copy(props))
    for i, part in enumerate(value.split("\n")):
        if i:
            node.append(el("w:br"))
        if part:
            node.append(text_el(part))
    return node


def _copy(node: Element) -> Element:
    return deepcopy(node)


def ppr(
    style: str | None = None,
    align: str | None = None,
    page_break_before: bool = False,
    keep_next: bool = False,
    num: tuple[int, int] | None = None,
    border_top: bool = False,
    indent_left: int | None = None,
) -> Element:
    """Paragraph properties in schema order."""
    props = el("w:pPr")
    if style:
        props.append(el("w:pStyle", {"w:val": style}))
    if keep_next:
        props.append(el("w:keepNext"))
    if page_break_before:
        props.append(el("w:pageBreakBefore"))
    if num is not None:
        props.append(el("w:numPr", None,
                        el("w:ilvl", {"w:val": str(num[1])}),
                        el("w:numId", {"w:val": str(num[0])})))
    if border_top:
        props.append(el("w:pBdr", None, el("w:top", {
            "w:val": "single", "w:sz": "6", "w:space": "1", "w:color": "auto"})))
    if indent_left is not None:
        props.append(el("w:ind", {"w:left": str(indent_left)}))
    if align:
        props.append(el("w:jc", {"w:val": align}))
    return props


def paragraph(props: Element | None = None, children: Iterable[Element] = ()) -> Element:
    node = el("w:p")
    if props is not None and len(props):
        node.append(props)
    for child in children:
        node.append(child)
    return node


def field(instruction: str, result: Iterable[Element] | str = "",
          props: Element | None = None) -> list[Element]:
    """A complex field: begin, instruction, separate, cached result runs, end."""
    def mark(kind: str) -> Element:
        attrs = {"w:fldCharType": kind}
        r = el("w:r")
        if props is not None:
            r.append(_copy(props))
        r.append(el("w:fldChar", attrs))
        return r

    instr = el("w:r")
    if props is not None:
        instr.append(_copy(props))
    instr.append(text_el(f" {instruction} ", "w:instrText"))
    instr[-1].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    cached = [run(result, props)] if isinstance(result, str) else list(result)
    return [mark("begin"), instr, mark("separate"), *cached, mark("end")]


def field_begin(instruction: str) -> list[Element]:
    """The first half of a field whose result spans several paragraphs (a TOC)."""
    instr = el("w:r", None, text_el(f" {instruction} ", "w:instrText"))
    instr[-1].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return [el("w:r", None, el("w:fldChar", {"w:fldCharType": "begin"})), instr,
            el("w:r", None, el("w:fldChar", {"w:fldCharType": "separate"}))]


def field_end() -> Element:
    return el("w:r", None, el("w:fldChar", {"w:fldCharType": "end"}))


def bookmark(bid: int, name: str) -> tuple[Element, Element]:
    return (el("w:bookmarkStart", {"w:id": str(bid), "w:name": name}),
            el("w:bookmarkEnd", {"w:id": str(bid)}))
