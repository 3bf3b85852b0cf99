"""Where everything of a bar chart goes: a pure function from what a chart shows (`Bars`) to
its shapes (`Geometry`: rectangles, lines, diamonds and texts in points, y downwards), which
`chart_draw` writes as SVG (from a template) and as a PNG (Pillow). Both charts (`chart`,
`chart_status`) are stacked bars per year and are laid out here.

Text is measured with the bundled DejaVu Sans (`chart.font_files`) through Pillow, so the
layout never depends on the fonts of the machine; in the SVG every text has an anchor
(start, middle, end), so a viewer with another font still keeps it in place.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Sequence, Union

from ..numbers import format_exact

FONT_SIZE = 9.0  # points
LINE = 11.0  # a line of text, points
ASCENT = 6.9  # a capital's height above the baseline, points
DESCENT = 2.1  # below the baseline, points
INK = "#1a1a1a"
GRID = "#d0d0d0"
BAR_WIDTH = 0.62  # of a year's slot
MARK_HALF = 0.42  # of a year's slot, each side of the bar's centre
DASH = (7.2, 3.6)  # the target's dashes, points
MARK_WIDTH = 2.4
DIAMOND = 5.2  # half its diagonal, points
WRAP = 44  # characters of a legend label's line
HANDLE = 21.6  # a legend symbol's width, points
HANDLE_PAD = 7.2
COLUMN_GAP = 18.0
TICK = 3.5


@dataclass(frozen=True)
class Part:
    """One stacked series: its legend label, its look and its value per year (as drawn)."""

    label: str
    fill: str
    hatch: str  # "", "///", "---", "xxx", "\\\\\\", "|||" or "+++"
    ink: str  # the hatch's colour
    edge: str  # the legend symbol's outline
    values: tuple[Decimal, ...]


@dataclass(frozen=True)
class Bars:
    """What a stacked bar chart shows, in the order of `years`."""

    years: tuple[int, ...]
    parts: tuple[Part, ...]
    marks: tuple[Decimal | None, ...]  # a dashed line across the bar (a target), or None
    labels: tuple[str, ...]  # over each bar: its total as the documents write it
    net: tuple[Decimal | None, ...]  # a diamond (the net total), or None
    mark_label: str
    net_label: str
    notes: tuple[str, ...]  # legend lines without a symbol
    y_label: str
    headroom: float  # share of the span above the highest value, for the labels
    plot_height: float  # points: everything but the legend
    width: float  # points
    empty: str = ""  # said in the middle of the plot when there are no parts


@dataclass(frozen=True)
class Pattern:
    """A fill with a hatch (`chart_draw` makes an SVG `<pattern>` or a Pillow tile)."""

    id: str
    fill: str
    hatch: str
    ink: str
    cell: float  # points: the hatch repeats every `cell`


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str  # a colour, or "" with `pattern`
    stroke: str = ""
    stroke_width: float = 0.0
    pattern: Pattern | None = None
    kind: str = "rect"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float
    dash: tuple[float, float] | None = None
    kind: str = "line"


@dataclass(frozen=True)
class Diamond:
    x: float
    y: float
    r: float = DIAMOND  # half the diagonal
    fill: str = "#ffffff"
    stroke: str = INK
    stroke_width: float = 1.6
    kind: str = "diamond"


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    anchor: str = "start"  # "start", "middle" or "end"
    bold: bool = False
    colour: str = INK
    rotate: bool = False  # turned a quarter to the left (read from below), around (x, y)
    size: float = FONT_SIZE
    kind: str = "text"


Shape = Union[Rect, Line, Diamond, Text]


@dataclass(frozen=True)
class Geometry:
    """A chart's shapes in drawing order, in a `width` × `height` points box."""

    width: float
    height: float
    patterns: tuple[Pattern, ...]
    shapes: tuple[Shape, ...] = field(default_factory=tuple)


# -- text -----------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _font(bold: bool) -> Any:
    from PIL import ImageFont

    from .chart import font_files

    return ImageFont.truetype(str(font_files()[1 if bold else 0]), 100)


@lru_cache(maxsize=4096)
def text_width(text: str, bold: bool = False, size: float = FONT_SIZE) -> float:
    """The advance width of `text` in points, set in the bundled DejaVu Sans."""
    return float(_font(bold).getlength(text)) * size / 100


# -- the y axis -----------------------------------------------------------------------------

_STEPS = tuple(Decimal(s) for s in ("0.1", "0.2", "0.25", "0.5", "1", "2", "2.5", "5", "10",
                                    "20"))


def nice_ticks(low: Decimal, high: Decimal, bins: int = 6) -> list[Decimal]:
    """Ticks between `low` and `high` at a step of 1, 2, 2.5 or 5 times a power of ten, at
    most about `bins` intervals (the rule of matplotlib's MaxNLocator(nbins=6, steps=[1,
    2, 2.5, 5, 10]))."""
    span = high - low
    scale = Decimal(10) ** math.floor(math.log10(span / bins))
    raw = span / bins
    steps = [s * scale for s in _STEPS]
    first = next((i for i, s in enumerate(steps) if s >= raw), len(steps) - 1)
    ticks: list[Decimal] = []
    for step in reversed(steps[:first + 1]):
        start, end = math.ceil(low / step), math.floor(high / step)
        ticks = [step * k for k in range(start, end + 1)]
        if len(ticks) >= 2:
            break
    return ticks


def danish(value: Decimal) -> str:
    """A tick label: a Danish number with the decimals it needs (at most 2)."""
    return format_exact(value.quantize(Decimal("0.01")).normalize())


def y_range(lows: Sequence[Decimal], highs: Sequence[Decimal],
            headroom: float) -> tuple[Decimal, Decimal]:
    """The axis from the lowest to the highest value (and 0), a little room below a value
    under 0 and `headroom` (a share of the span) above for the labels over the bars."""
    low, high = min([Decimal(0), *lows]), max([Decimal(0), *highs])
    span = (high - low) or Decimal(1)
    room = Decimal(str(headroom))
    return low - (Decimal("0.06") * span if low < 0 else 0), high + room * span


# -- the chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Box:
    """The plot box in points and the value range it shows."""

    x0: float
    y0: float
    x1: float
    y1: float
    low: Decimal
    high: Decimal
    n: int

    def x(self, slot: float) -> float:
        return self.x0 + (slot + 0.6) / (self.n + 0.2) * (self.x1 - self.x0)

    def y(self, value: Decimal) -> float:
        share = float((value - self.low) / (self.high - self.low))
        return self.y1 - share * (self.y1 - self.y0)


def layout(bars: Bars) -> Geometry:
    """The chart's shapes: grid, bars, axes, marks, labels, then the legend below."""
    tops, bottoms = _stack_ends(bars)
    marks = [m for m in bars.marks if m is not None]
    low, high = y_range([*bottoms, *marks], [*tops, *marks], bars.headroom)
    ticks = nice_ticks(low, high)
    labels = [danish(t) for t in ticks]
    left = 4 + LINE + 4 + max((text_width(t) for t in labels), default=0) + TICK + 3.5
    box = _Box(left, 6.0, bars.width - 6, bars.plot_height - 2 * TICK - ASCENT - 8,
               low, high, len(bars.years))
    patterns = _patterns(bars.parts)
    shapes: list[Shape] = [Line(box.x0, box.y(t), box.x1, box.y(t), GRID, 0.6) for t in ticks]
    shapes += _bar_rects(bars, box, patterns)
    shapes += _axes(bars, box, ticks, labels)
    shapes += _marks(bars, box, tops)
    legend, height = _legend(bars, patterns, bars.plot_height + 4)
    return Geometry(bars.width, math.ceil(height + 6), tuple(patterns.values()),
                    tuple(shapes + legend))


def _stack_ends(bars: Bars) -> tuple[list[Decimal], list[Decimal]]:
    """The top (savings stacked up from 0) and bottom (costs down from 0) of each bar."""
    up = [Decimal(0)] * len(bars.years)
    down = [Decimal(0)] * len(bars.years)
    for part in bars.parts:
        for x, value in enumerate(part.values):
            if value >= 0:
                up[x] += value
            else:
                down[x] += value
    return up, down


def _patterns(parts: Sequence[Part]) -> dict[tuple[str, str, str], Pattern]:
    """One pattern per hatched look, numbered in order of first use."""
    found: dict[tuple[str, str, str], Pattern] = {}
    for part in parts:
        key = (part.fill, part.hatch, part.ink)
        if part.hatch and key not in found:
            cell = 4.5 if part.hatch[0] in "-|+" else 6.0
            found[key] = Pattern(f"p{len(found)}", *key, cell)
    return found


def _fill(part: Part, patterns: dict[tuple[str, str, str], Pattern]) -> tuple[str, Pattern | None]:
    pattern = patterns.get((part.fill, part.hatch, part.ink))
    return ("" if pattern else part.fill), pattern


def _bar_rects(bars: Bars, box: _Box, patterns: dict[tuple[str, str, str], Pattern]) -> list[Shape]:
    """Each part of each bar, stacked: savings up from 0, extra costs down from 0."""
    up = [Decimal(0)] * len(bars.years)
    down = [Decimal(0)] * len(bars.years)
    half = BAR_WIDTH / 2
    shapes: list[Shape] = []
    for part in bars.parts:
        fill, pattern = _fill(part, patterns)
        for x, value in enumerate(part.values):
            base = up if value >= 0 else down
            start, end = base[x], base[x] + value
            base[x] = end
            if value == 0:
                continue
            top, bottom = box.y(max(start, end)), box.y(min(start, end))
            left = box.x(x - half)
            shapes.append(Rect(left, top, box.x(x + half) - left, bottom - top, fill,
                               "#ffffff", 0.6, pattern))
    return shapes


def _axes(bars: Bars, box: _Box, ticks: Sequence[Decimal], labels: Sequence[str]) -> list[Shape]:
    """The 0 line, the left and bottom axis with their ticks, tick labels, years, y label."""
    shapes: list[Shape] = [Line(box.x0, box.y(Decimal(0)), box.x1, box.y(Decimal(0)), INK, 0.8),
                           Line(box.x0, box.y0, box.x0, box.y1, "#000000", 0.8),
                           Line(box.x0, box.y1, box.x1, box.y1, "#000000", 0.8)]
    for tick, label in zip(ticks, labels):
        y = box.y(tick)
        shapes.append(Line(box.x0 - TICK, y, box.x0, y, "#000000", 0.8))
        shapes.append(Text(box.x0 - TICK - 3.5, y + ASCENT / 2, label, "end"))
    for x, year in enumerate(bars.years):
        shapes.append(Line(box.x(x), box.y1, box.x(x), box.y1 + TICK, "#000000", 0.8))
        shapes.append(Text(box.x(x), box.y1 + TICK + 3.5 + ASCENT, str(year), "middle", True))
    middle = (box.y0 + box.y1) / 2
    shapes.append(Text(4 + ASCENT + 1, middle, bars.y_label, "middle", rotate=True))
    if not bars.parts and bars.empty:
        shapes.append(Text((box.x0 + box.x1) / 2, middle, bars.empty, "middle"))
    return shapes


def _marks(bars: Bars, box: _Box, tops: Sequence[Decimal]) -> list[Shape]:
    """The dashed mark across each bar, each bar's total over it, the net-total diamonds."""
    shapes: list[Shape] = []
    for x, (mark, label) in enumerate(zip(bars.marks, bars.labels)):
        top = tops[x]
        if mark is not None:
            y = box.y(mark)
            shapes.append(Line(box.x(x - MARK_HALF), y, box.x(x + MARK_HALF), y, INK,
                               MARK_WIDTH, DASH))
            top = max(top, mark)
        shapes.append(Text(box.x(x), box.y(top) - 4 - DESCENT, label, "middle", True))
    shapes += [Diamond(box.x(x), box.y(v)) for x, v in enumerate(bars.net) if v is not None]
    return shapes


def _legend(bars: Bars, patterns: dict[tuple[str, str, str], Pattern],
            top: float) -> tuple[list[Shape], float]:
    """Two columns below the plot (filled column by column): a symbol and a wrapped label
    per part, the mark, the net total, then notes without a symbol. Returns the shapes and
    the legend's bottom."""
    raw: list[tuple[Any, str]] = [(part, part.label) for part in bars.parts]
    if any(m is not None for m in bars.marks):
        raw.append(("mark", bars.mark_label))
    if any(v is not None for v in bars.net):
        raw.append(("net", bars.net_label))
    raw += [("note", note) for note in bars.notes]
    if not raw:
        return [], top
    rows = -(-len(raw) // 2)
    for wrap in range(WRAP, 7, -4):  # narrower lines until both columns fit the width
        entries = [(what, textwrap.wrap(label, wrap) or [""]) for what, label in raw]
        columns = [entries[:rows], entries[rows:]]
        widths = [max((text_width(line) for _, lines in col for line in lines), default=0)
                  for col in columns]
        spread = sum(HANDLE + HANDLE_PAD + w for w in widths if w) + COLUMN_GAP * (
            sum(1 for w in widths if w) - 1)
        if spread <= bars.width - 8:
            break
    x = max(4.0, (bars.width - spread) / 2)
    heights = [max(len(col[r][1]) for col in columns if r < len(col)) * LINE + 4.5
               for r in range(rows)]
    shapes: list[Shape] = []
    for col, width in zip(columns, widths):
        y = top
        for (what, lines), height in zip(col, heights):  # centred in its row
            shapes += _entry(what, lines, x, y + (height - 4.5 - len(lines) * LINE) / 2,
                             patterns)
            y += height
        x += HANDLE + HANDLE_PAD + width + COLUMN_GAP
    return shapes, top + sum(heights)


def _entry(what: Any, lines: list[str], x: float, y: float,
           patterns: dict[tuple[str, str, str], Pattern]) -> list[Shape]:
    """One legend entry: its symbol, centred on its lines, and its lines."""
    middle = y + len(lines) * LINE / 2
    shapes: list[Shape] = []
    if isinstance(what, Part):
        fill, pattern = _fill(what, patterns)
        shapes.append(Rect(x, middle - 4.5, HANDLE, 9.0, fill, what.edge, 0.6, pattern))
    elif what == "mark":
        shapes.append(Line(x, middle, x + HANDLE, middle, INK, MARK_WIDTH, DASH))
    elif what == "net":
        shapes.append(Diamond(x + HANDLE / 2, middle, DIAMOND))
    text_x = x + HANDLE + HANDLE_PAD  # a note, too: its lines line up with the others
    shapes += [Text(text_x, y + (i + 0.5) * LINE + ASCENT / 2, line)
               for i, line in enumerate(lines)]
    return shapes
