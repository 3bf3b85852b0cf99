"""Small WordprocessingML builders: paragraphs, runs, fields, bookmarks, as XML text.

A Word body has hundreds of thousands of elements; they are written straight to text
(`el`, `paragraph`, `run`, …), exactly as lxml would serialise the same elements inside the
template's `w:document` (prefixes `w:`/`r:`, attributes in the order given, empty elements as
`<x/>`), and the text is spliced into the template's document part once. `node` makes a real
lxml element, for the few edits of the template's own parts (numbering, settings, styles).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, TypeAlias

from docx.oxml.ns import NamespacePrefixedTag, nsmap, qn
from docx.oxml.parser import oxml_parser, parse_xml
from lxml.etree import _Element

Element = str  # a serialised body element (see the module docstring)
Node: TypeAlias = _Element


@lru_cache(maxsize=None)
def _tag(tag: str) -> tuple[str, dict[str, str]]:
    """`"w:p"` → its Clark name and namespace map, as `OxmlElement` computes them."""
    nsptag = NamespacePrefixedTag(tag)
    return nsptag.clark_name, dict(nsptag.nsmap)


_qn = lru_cache(maxsize=None)(qn)


def node(tag: str, attrs: dict[str, str] | None = None, *children: Node) -> Node:
    """`node("w:jc", {"w:val": "right"})` → a detached lxml element (as `OxmlElement` makes)."""
    clark, nsmap = _tag(tag)
    made = oxml_parser.makeelement(clark, nsmap=nsmap)
    for key, value in (attrs or {}).items():
        made.set(_qn(key), value)
    for child in children:
        made.append(child)
    return made


def to_node(xml: Element) -> Node:
    """The lxml element of one serialised element (e.g. `run(...)`), for editing a part."""
    wrapped = f'<w:x xmlns:w="{nsmap["w"]}" xmlns:r="{nsmap["r"]}">{xml}</w:x>'
    return parse_xml(wrapped)[0]


# characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
_NEEDS_ESCAPE = re.compile("[&<>\r]")


def xml_text(value: str) -> str:
    """`value` without characters that cannot appear in XML (they are dropped)."""
    return _NOT_XML.sub("", value)


def escape_text(value: str) -> str:
    """Character data as lxml writes it (`value` must already be XML text)."""
    return value.translate(_TEXT_ESCAPES) if _NEEDS_ESCAPE.search(value) else value


def escape_attr(value: str) -> str:
    """An attribute value as lxml writes it (characters XML cannot hold are dropped)."""
    return xml_text(value).translate(_ATTR_ESCAPES)


_SLOT = re.compile("\x00\\d+\x00")


def slot(index: int) -> str:
    """A placeholder for a value filled in later (see `fragment`); kept as is by `el`."""
    return f"\x00{index}\x00"


def _attr(value: str) -> str:
    return value if "\x00" in value and _SLOT.fullmatch(value) else escape_attr(value)


@lru_cache(maxsize=4096)
def _open(tag: str, attrs: tuple[tuple[str, str], ...]) -> str:
    return "<" + tag + "".join(f' {k}="{_attr(v)}"' for k, v in attrs)


def el(tag: str, attrs: dict[str, str] | None = None, *children: Element) -> Element:
    """`el("w:jc", {"w:val": "right"})` → `<w:jc w:val="right"/>`; children are joined inside."""
    start = _open(tag, tuple(attrs.items())) if attrs else "<" + tag
    inner = "".join(children)
    return f"{start}>{inner}</{tag}>" if inner else start + "/>"


_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>\r]")


def text_el(value: str, tag: str = "w:t") -> Element:
    special = _SPECIAL.search(value) is not None
    if special:
        value = xml_text(value)
    space = ' xml:space="preserve"' if value != value.strip() or "  " in value else ""
    return f"<{tag}{space}>{escape_text(value) if special else value}</{tag}>"


@lru_cache(maxsize=256)
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
    props = []
    if style:
        props.append(el("w:rStyle", {"w:val": style}))
    if font:
        props.append(el("w:rFonts", {"w:ascii": font, "w:hAnsi": font, "w:cs": font}))
    if bold:
        props += ["<w:b/>", "<w:bCs/>"]
    if italic:
        props += ["<w:i/>", "<w:iCs/>"]
    if strike:
        props.append("<w:strike/>")
    if underline:
        props.append('<w:u w:val="single"/>')
    if vert:
        props.append(el("w:vertAlign", {"w:val": vert}))
    return el("w:rPr", None, *props) if props else None


def run(value: str, props: Element | None = None) -> Element:
    """A run with text; newlines become `<w:br/>`."""
    parts = [props] if props else []
    if "\n" in value:
        for i, part in enumerate(value.split("\n")):
            if i:
                parts.append("<w:br/>")
            if part:
                parts.append(text_el(part))
    elif value:
        parts.append(text_el(value))
    return "<w:r>" + "".join(parts) + "</w:r>" if parts else "<w:r/>"


@lru_cache(maxsize=1024)
def ppr(
    style: str | None = None,
    align: str | None = None,
    page_break_before: bool = False,
    keep_next: bool = False,
    num: tuple[int, int] | None = None,
    border_top: bool = False,
    indent_left: int | None = None,
) -> Element:
    """Paragraph properties in schema order ("" when there are none)."""
    props = []
    if style:
        props.append(el("w:pStyle", {"w:val": style}))
    if keep_next:
        props.append("<w:keepNext/>")
    if page_break_before:
        props.append("<w:pageBreakBefore/>")
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
    return el("w:pPr", None, *props) if props else ""


def paragraph(props: Element | None = None, children: Iterable[Element] = ()) -> Element:
    inner = (props or "") + "".join(children)
    return f"<w:p>{inner}</w:p>" if inner else "<w:p/>"


def field(instruction: str, result: Iterable[Element] | str = "",
          props: Element | None = None) -> list[Element]:
    """A complex field: begin, instruction, separate, cached result runs, end."""
    pre = props or ""

    def mark(kind: str) -> Element:
        return f'<w:r>{pre}<w:fldChar w:fldCharType="{kind}"/></w:r>'

    instr = f"<w:r>{pre}{_instr(instruction)}</w:r>"
    cached = [run(result, props)] if isinstance(result, str) else list(result)
    return [mark("begin"), instr, mark("separate"), *cached, mark("end")]


def _instr(instruction: str) -> Element:
    text = escape_text(xml_text(f" {instruction} "))
    return f'<w:instrText xml:space="preserve">{text}</w:instrText>'


def field_begin(instruction: str) -> list[Element]:
    """The first half of a field whose result spans several paragraphs (a TOC)."""
    return ['<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
            f"<w:r>{_instr(instruction)}</w:r>",
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>']


def field_end() -> Element:
    return '<w:r><w:fldChar w:fldCharType="end"/></w:r>'


def bookmark(bid: int, name: str) -> tuple[Element, Element]:
    return (el("w:bookmarkStart", {"w:id": str(bid), "w:name": name}),
            el("w:bookmarkEnd", {"w:id": str(bid)}))
