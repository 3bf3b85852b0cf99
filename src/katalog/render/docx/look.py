"""`look:` in the Word documents: the accent colour and font in the styles, pictures (the
logo on the cover, the overview chart) as inline drawings.

`restyle(doc, accent, font)` edits a template's (or form's) styles once, when it is prepared:
every heading style, the title, the contents heading, table captions and links take the
accent colour (theme colour references dropped, so Word shows exactly that colour), the
table style's header row is shaded with it, and `font` replaces every font the styles name.
Nothing else of the municipality's look is touched.

`picture(...)` is the WordprocessingML of an inline picture with alternative text; `Image`
is the picture's file (PNG or JPEG; an SVG logo is embedded as SVG for Word 2016 and later,
with a PNG made from it as the fallback every other program shows).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from docx.oxml.ns import qn

from .ooxml import Node, escape_attr, node

# styles coloured with the accent (by name, as Word shows them in English)
ACCENT_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5",
                 "Heading 6", "Heading 7", "Heading 8", "Heading 9", "TOC Heading",
                 "Tabeltitel", "Hyperlink")
TABLE_STYLES = ("Katalogtabel",)
EMU_PER_INCH = 914400
EMU_PER_TWIP = 635
_THEME_ATTRS = ("w:themeColor", "w:themeShade", "w:themeTint", "w:themeFill",
                "w:themeFillShade", "w:themeFillTint")
_FONT_ATTRS = ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia")
_FONT_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme")
# rPr children that come before w:color (ECMA-376 CT_RPr order)
_BEFORE_COLOR = tuple(qn(f"w:{t}") for t in (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden"))


def _named(root: Node) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for style in root.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        key = (name.get(qn("w:val"), "") if name is not None else "").casefold()
        out.setdefault(key, style)
    return out


def _child(parent: Node, tag: str, before: tuple[str, ...] = ()) -> Node:
    """`parent`'s child `tag`, added after the children listed in `before` when missing."""
    found = parent.find(qn(tag))
    if found is not None:
        return found
    made = node(tag)
    index = 0
    for i, child in enumerate(parent):
        if child.tag in before:
            index = i + 1
    parent.insert(index, made)
    return made


def _colour(rpr: Node, hex6: str) -> None:
    color = _child(rpr, "w:color", _BEFORE_COLOR)
    for attr in _THEME_ATTRS:
        color.attrib.pop(qn(attr), None)
    color.set(qn("w:val"), hex6)


def _rpr(style: Node) -> Node:
    """A style's w:rPr (made after its pPr when missing, as the schema orders them)."""
    return _child(style, "w:rPr", tuple(qn(f"w:{t}") for t in (
        "name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority",
        "semiHidden", "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose",
        "personalReply", "rsid", "pPr")))


def _shade_header(style: Node, hex6: str) -> None:
    """The table style's header row shaded with the accent, its text white and bold."""
    first = next((p for p in style.findall(qn("w:tblStylePr"))
                  if p.get(qn("w:type")) == "firstRow"), None)
    if first is None:
        first = node("w:tblStylePr", {"w:type": "firstRow"})
        style.append(first)
    rpr = _child(first, "w:rPr", (qn("w:pPr"),))
    _colour(rpr, "FFFFFF")
    tcpr = first.find(qn("w:tcPr"))
    if tcpr is None:
        tcpr = node("w:tcPr")
        first.append(tcpr)
    shd = tcpr.find(qn("w:shd"))
    if shd is None:
        shd = node("w:shd")
        tcpr.append(shd)
    for attr in _THEME_ATTRS:
        shd.attrib.pop(qn(attr), None)
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex6)


def _fonts(root: Node, font: str) -> None:
    for fonts in root.iter(qn("w:rFonts")):
        for attr in _FONT_THEME_ATTRS:
            fonts.attrib.pop(qn(attr), None)
        for attr in _FONT_ATTRS:
            fonts.set(qn(attr), font)
    defaults = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if defaults is not None and defaults.find(qn("w:rFonts")) is None:
        defaults.insert(0, node("w:rFonts", {f"w:{a[2:]}": font for a in _FONT_ATTRS}))


def restyle(doc: Any, accent: str | None, font: str | None) -> None:
    """Apply the look's `accent` (`#rrggbb`) and `font` to the styles of `doc` (python-docx)."""
    root = doc.styles.element
    if accent:
        hex6 = accent.lstrip("#").upper()
        named = _named(root)
        by_id = {st.get(qn("w:styleId")): st for st in root.findall(qn("w:style"))}
        for name in ACCENT_STYLES:
            style = named.get(name.casefold())
            if style is None:
                continue
            _colour(_rpr(style), hex6)
            link = style.find(qn("w:link"))  # "Heading 1 Char": Word uses it for the runs
            linked = by_id.get(link.get(qn("w:val"))) if link is not None else None
            if linked is not None:
                _colour(_rpr(linked), hex6)
        for name in TABLE_STYLES:
            style = named.get(name.casefold())
            if style is not None:
                _shade_header(style, hex6)
    if font:
        _fonts(root, font)


# -- pictures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """A picture's file and its size in pixels; `svg` is the vector original of an SVG logo
    (`data` is then its PNG fallback)."""

    data: bytes
    ext: str  # "png" or "jpeg"
    width: int
    height: int
    svg: bytes | None = None

    def size(self, max_width: int, max_height: int) -> tuple[int, int]:
        """(cx, cy) in EMU: the picture scaled to fit `max_width` × `max_height` (EMU)."""
        w, h = max(self.width, 1), max(self.height, 1)
        scale = min(max_width / w, max_height / h)
        return int(w * scale), int(h * scale)


class ImageError(ValueError):
    """A picture katalog cannot read (the message is Danish)."""


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ImageError("ikke en gyldig PNG-fil")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first SOF marker of a JPEG."""
    if data[:2] != b"\xff\xd8":
        raise ImageError("ikke en gyldig JPEG-fil")
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            at += 1
            continue
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                      0xCF):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        at += 2 + length
    raise ImageError("JPEG-filen angiver ingen størrelse")


LOGO_PNG_WIDTH = 600  # pixels of an SVG logo's PNG fallback


def svg_to_png(svg: bytes) -> bytes:
    """An SVG drawn as PNG (`LOGO_PNG_WIDTH` pixels wide) with CairoSVG."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # OSError: the cairo library is missing
        raise ImageError(f"SVG kan ikke tegnes som PNG her (CairoSVG: {exc})") from None
    try:
        out = cairosvg.svg2png(bytestring=svg, output_width=LOGO_PNG_WIDTH, unsafe=False)
    except Exception as exc:  # noqa: BLE001 - any broken SVG gets one Danish message
        raise ImageError(f"SVG-filen kan ikke læses ({type(exc).__name__}: {exc})") from None
    return bytes(out)


def read_image(data: bytes, name: str) -> Image:
    """The picture in `data` (the file `name`: .png, .jpg/.jpeg or .svg)."""
    lower = name.lower()
    if lower.endswith(".svg"):
        png = svg_to_png(data)
        return Image(png, "png", *png_size(png), svg=data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return Image(data, "png", *png_size(data))
    if data[:2] == b"\xff\xd8":
        return Image(data, "jpeg", *jpeg_size(data))
    raise ImageError("filen er hverken PNG, JPEG eller SVG")


SVG_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
SVG_NS = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"


def picture(rid: str, cx: int, cy: int, pid: int, name: str, descr: str,
            svg_rid: str = "") -> str:
    """An inline picture (`w:drawing`) of the image related as `rid`, `cx` × `cy` EMU, with
    `descr` as its alternative text; `svg_rid` adds the SVG original for Word."""
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    pic = "http://schemas.openxmlformats.org/drawingml/2006/picture"
    ext = ""
    if svg_rid:
        ext = (f'<a:extLst><a:ext uri="{SVG_EXT}"><asvg:svgBlip xmlns:asvg="{SVG_NS}" '
               f'r:embed="{svg_rid}"/></a:ext></a:extLst>')
    name_attr, descr_attr = escape_attr(name), escape_attr(descr)
    return (
        f'<w:r><w:drawing><wp:inline xmlns:wp="{WP_NS}" distT="0" distB="0" distL="0" '
        f'distR="0">'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{pid}" name="{name_attr}" descr="{descr_attr}"/>'
        f'<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="{a}" noChangeAspect="1"/>'
        f'</wp:cNvGraphicFramePr>'
        f'<a:graphic xmlns:a="{a}"><a:graphicData uri="{pic}">'
        f'<pic:pic xmlns:pic="{pic}"><pic:nvPicPr><pic:cNvPr id="{pid}" name="{name_attr}" '
        f'descr="{descr_attr}"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{rid}">{ext}</a:blip><a:stretch><a:fillRect/>'
        f'</a:stretch></pic:blipFill>'
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
        f'</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>')


__all__ = ["restyle", "Image", "ImageError", "read_image", "picture"]
