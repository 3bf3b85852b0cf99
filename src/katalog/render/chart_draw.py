"""A laid-out chart (`chart_layout.Geometry`) written out: `svg` (inline, accessible SVG from
the template `templates/charts/bars.svg.j2`) and `png` (drawn with Pillow for Word). Both
are functions of the geometry only, with no date or software name in them, so the same
content gives the same bytes. Pillow is imported only when a PNG is drawn.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from typing import Any

from ..versions import library_version
from .chart_layout import Diamond, Geometry, Line, Pattern, Rect, Text
from .templates import default_templates

TEMPLATE = "bars.svg.j2"
SUPERSAMPLE = 2  # the PNG is drawn this many times larger, then scaled down (smooth edges)


def version() -> str:
    """What the drawn bytes depend on besides the geometry: the template and Pillow's
    version (part of the charts' cache keys; the code is in katalog's own fingerprint)."""
    h = hashlib.sha256((default_templates() / "charts" / TEMPLATE).read_bytes())
    pillow = library_version("pillow")
    if pillow is not None:
        h.update(pillow.encode())
    return h.hexdigest()[:16]


# -- SVG ------------------------------------------------------------------------------------


def _number(value: float) -> str:
    """A coordinate as SVG writes it: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def hatch_path(pattern: Pattern) -> str:
    """The SVG path of a pattern's hatch lines in one cell (corners drawn twice, so the
    diagonals join across cells)."""
    c = _number(pattern.cell)
    over, under = _number(pattern.cell + 1), "-1"
    lines = {
        "/": f"M0 {c}L{c} 0M{under} 1L1 {under}M{_number(pattern.cell - 1)} {over}L{over} "
             f"{_number(pattern.cell - 1)}",
        "\\": f"M0 0L{c} {c}M{under} {_number(pattern.cell - 1)}L1 {over}"
              f"M{_number(pattern.cell - 1)} {under}L{over} 1",
        "-": f"M0 {_number(pattern.cell / 2)}L{c} {_number(pattern.cell / 2)}",
        "|": f"M{_number(pattern.cell / 2)} 0L{_number(pattern.cell / 2)} {c}",
    }
    return "".join(lines[d] for d in _directions(pattern.hatch))


def _directions(hatch: str) -> list[str]:
    """The line directions of a hatch ("xxx" is both diagonals, "+++" both straight)."""
    found = {"x": "/\\", "+": "-|"}.get(hatch[:1], hatch[:1])
    return list(found)


@lru_cache(maxsize=1)
def environment() -> Any:
    """katalog's own chart templates (never a catalogue's override: the layout is fixed),
    read and sandboxed as every template is, autoescaped: a theme title is text."""
    from jinja2 import StrictUndefined

    from .templates import TemplateSet, sandboxed

    env = sandboxed(TemplateSet.create().loader("charts"), autoescape=True,
                    undefined=StrictUndefined)
    env.filters["n"] = _number
    return env


def svg(geometry: Geometry, prefix: str, title: str, desc: str) -> str:
    """The chart as inline SVG: `role="img"` labelled by `title` and described by `desc`
    (left out when it is empty or the title itself); every id starts with `prefix`."""
    template = environment().get_template(TEMPLATE)
    return str(template.render(g=geometry, prefix=prefix, title=title,
                               desc="" if desc == title else desc, hatch=hatch_path))


# -- PNG ------------------------------------------------------------------------------------


def png(geometry: Geometry, dpi: int) -> bytes:
    """The chart as a PNG at `dpi` (drawn larger and scaled down, so edges are smooth)."""
    from PIL import Image, ImageDraw

    size = (round(geometry.width / 72 * dpi), round(geometry.height / 72 * dpi))
    k = dpi / 72 * SUPERSAMPLE
    image = Image.new("RGB", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), "#ffffff")
    draw = ImageDraw.Draw(image)
    for shape in geometry.shapes:
        if isinstance(shape, Rect):
            _rect(image, draw, shape, k)
        elif isinstance(shape, Line):
            _line(draw, shape, k)
        elif isinstance(shape, Diamond):
            points = [(shape.x, shape.y - shape.r), (shape.x + shape.r, shape.y),
                      (shape.x, shape.y + shape.r), (shape.x - shape.r, shape.y)]
            draw.polygon([(x * k, y * k) for x, y in points], fill=shape.fill,
                         outline=shape.stroke, width=max(1, round(shape.stroke_width * k)))
        elif isinstance(shape, Text):
            _text(image, draw, shape, k)
    out = io.BytesIO()
    image.reduce(SUPERSAMPLE).save(out, format="PNG", compress_level=3)
    return out.getvalue()


def _rect(image: Any, draw: Any, rect: Rect, k: float) -> None:
    box = (round(rect.x * k), round(rect.y * k), round((rect.x + rect.w) * k),
           round((rect.y + rect.h) * k))
    if rect.pattern is None:
        draw.rectangle(box, fill=rect.fill)
    else:
        image.paste(_hatched(rect.pattern, box, k), box[:2])
    if rect.stroke:
        draw.rectangle(box, outline=rect.stroke, width=max(1, round(rect.stroke_width * k)))


def _hatched(pattern: Pattern, box: tuple[int, int, int, int], k: float) -> Any:
    """A tile the size of `box`, filled and hatched in line with the page (as the SVG's
    pattern is: its cells start at the origin)."""
    from PIL import Image, ImageDraw

    x0, y0, x1, y1 = box
    w, h = max(1, x1 - x0), max(1, y1 - y0)
    tile = Image.new("RGB", (w, h), pattern.fill)
    draw = ImageDraw.Draw(tile)
    cell, width = pattern.cell * k, max(1, round(0.8 * k))
    segments: list[tuple[tuple[float, float], tuple[float, float]]]
    for direction in _directions(pattern.hatch):
        if direction == "-":
            offsets = _range(y0 + cell / 2, y0, y1, cell)
            segments = [((0, v - y0), (w, v - y0)) for v in offsets]
        elif direction == "|":
            offsets = _range(x0 + cell / 2, x0, x1, cell)
            segments = [((u - x0, 0), (u - x0, h)) for u in offsets]
        elif direction == "/":  # x + y = m * cell
            offsets = _range(0, x0 + y0, x1 + y1, cell)
            segments = [((d - x0 - y0, 0), (d - x0 - y0 - h, h)) for d in offsets]
        else:  # x - y = m * cell
            offsets = _range(0, x0 - y1, x1 - y0, cell)
            segments = [((d - x0 + y0, 0), (d - x0 + y0 + h, h)) for d in offsets]
        for a, b in segments:
            draw.line([a, b], fill=pattern.ink, width=width)
    return tile


def _range(phase: float, low: float, high: float, step: float) -> list[float]:
    """Every `phase + m * step` from just below `low` to just above `high`."""
    first = int((low - phase) // step) - 1
    last = int((high - phase) // step) + 2
    return [phase + m * step for m in range(first, last)]


def _line(draw: Any, line: Line, k: float) -> None:
    width = max(1, round(line.width * k))
    x1, y1, x2, y2 = line.x1 * k, line.y1 * k, line.x2 * k, line.y2 * k
    if line.dash is None:
        draw.line([(x1, y1), (x2, y2)], fill=line.colour, width=width)
        return
    on, off = line.dash[0] * k, line.dash[1] * k
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 or 1.0
    at = 0.0
    while at < length:
        end = min(at + on, length)
        draw.line([(x1 + (x2 - x1) * at / length, y1 + (y2 - y1) * at / length),
                   (x1 + (x2 - x1) * end / length, y1 + (y2 - y1) * end / length)],
                  fill=line.colour, width=width)
        at = end + off


@lru_cache(maxsize=8)
def _font(bold: bool, pixels: float) -> Any:
    from PIL import ImageFont

    from .chart import font_files

    return ImageFont.truetype(str(font_files()[1 if bold else 0]), pixels)


_ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}


def _text(image: Any, draw: Any, text: Text, k: float) -> None:
    font = _font(text.bold, text.size * k)
    if not text.rotate:
        draw.text((text.x * k, text.y * k), text.text, fill=text.colour, font=font,
                  anchor=_ANCHORS[text.anchor])
        return
    from PIL import Image, ImageDraw

    left, top, right, bottom = font.getbbox(text.text, anchor=_ANCHORS[text.anchor])
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), text.text, fill=255, font=font,
                              anchor=_ANCHORS[text.anchor])
    turned = mask.rotate(90, expand=True)  # the baseline point (0, 0) moves to (top, -left)
    where = (round(text.x * k + top), round(text.y * k - (right - left) + (-left)))
    image.paste(text.colour, (*where, where[0] + turned.width, where[1] + turned.height), turned)
