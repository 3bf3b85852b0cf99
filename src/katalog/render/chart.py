"""The overview as a chart (SPEC §9): savings per theme per year as stacked bars, with the
target per year as a marker. Pure functions of the computed model: `overview_svg` (inline
SVG for the HTML site and the PDF), `overview_png` (a picture for Word) and
`overview_alt` (the sentence that is the SVG's `<desc>` and the picture's alt text).

Why matplotlib: it draws stacked bars with hatch patterns (readable without colour), writes
SVG and PNG itself with no browser, network or font download, and both outputs are
reproducible: `svg.hashsalt` fixes the ids it derives from hashes, `metadata={"Date":
None}` drops the SVG date and `{"Software": None}` the PNG's. Text is drawn from one font
file, templates/fonts/DejaVuSans.ttf, as paths in the SVG, so no output depends on the
fonts of the machine that builds or shows it. Vega-Lite through vl-convert was the other
candidate; it has no hatch patterns and would add a bundled JavaScript engine.

How it reads: a council member reads a taller bar as a larger saving, so savings are drawn
upwards whatever the catalogue's sign convention, the axis says "Besparelse", and a net
extra cost (e.g. an investment year) is drawn below 0. Each bar carries its total; a year
with a `"?"` shows the known part and the total reads `5.150 + ?`. Merged themes and themes
with no amount are left out. The colours are tints of the look's accent, and every theme
also has its own hatch pattern.
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..compute import Series, Totals
from ..model import Catalogue
from ..numbers import NBSP, format_exact, format_partial, unit_label
from .templates import default_templates

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_ACCENT = "#1b4b72"  # templates/html/assets/katalog.css --accent
CHART_ID = "katalog-oversigt"
WIDTH_IN = 8.0
PLOT_IN = 3.7  # height of everything but the legend
PNG_DPI = 150
TINTS = (0.0, 0.55, 0.3, 0.75)  # share of white mixed into the accent
# line patterns only: dots and circles are hundreds of kilobytes of curves in SVG
HATCHES = ("", "///", "---", "xxx", "\\\\\\", "|||", "+++")
TARGET_LABEL = "Mål"
UNKNOWN_NOTE = "+ ? = ikke alle beløb er kendt endnu; søjlen viser de kendte"
COST_NOTE = "Under 0: merudgift"
NET_LABEL = "I alt (besparelser minus merudgifter)"


@dataclass(frozen=True)
class Stack:
    """One theme in the chart: its label and its savings per year (positive = saving)."""

    label: str
    values: dict[int, Decimal]


@dataclass(frozen=True)
class OverviewData:
    """The numbers the chart draws, as savings (positive = saving, whatever the sign)."""

    years: tuple[int, ...]
    unit: str
    stacks: tuple[Stack, ...]
    total: Series
    target: Series


def as_saving(series: Series, negative: bool) -> Series:
    """The series with savings positive."""
    return series.map(lambda v: -v if v else abs(v)) if negative else series


def overview_data(cat: Catalogue, totals: Totals) -> OverviewData:
    """Themes with an amount (merged and empty ones left out), total and target as savings."""
    s = cat.settings
    negative = s.savings_sign == "negative"
    stacks = []
    for theme in cat.themes:
        if theme.merged_into:
            continue
        series = as_saving(totals.themes[theme.id].total, negative)
        if series.empty:
            continue
        values = {y: smaller_end(series, y) for y in s.years}
        stacks.append(Stack(f"{theme.number}. {theme.title}", values))
    return OverviewData(s.years, unit_label(s.unit, s.price_level), tuple(stacks),
                        as_saving(totals.total, negative), as_saving(totals.target, negative))


def shown(series: Series, year: int) -> str:
    """A total as the documents write it: `5.150`, `46.500 + ?`, `?` or `-`."""
    if year in series.unknown:
        return format_partial(series.known(year))
    return format_exact(series.get(year))


def overview_alt(cat: Catalogue, totals: Totals) -> str:
    """One Danish sentence group saying what the chart shows: unit, totals and targets."""
    data = overview_data(cat, totals)
    parts = [f"Søjlediagram over besparelser pr. tema og år ({data.unit.replace(NBSP, ' ')}),"
             f" {len(data.stacks)} {'tema' if len(data.stacks) == 1 else 'temaer'} stablet."]
    parts.append("Besparelser i alt: " + "; ".join(
        f"{y}: {shown(data.total, y)}" for y in data.years) + ".")
    if data.target.values:
        parts.append("Mål: " + "; ".join(
            f"{y}: {shown(data.target, y)}" for y in data.years if y in data.target.values) + ".")
    if any(v < 0 for st in data.stacks for v in st.values.values()):
        parts.append("En merudgift vises under 0.")
    if data.total.unknown:
        parts.append("Hvor der står \"+ ?\", er ikke alle beløb kendt endnu; søjlen viser de "
                     "kendte.")
    return " ".join(parts)


# -- drawing --------------------------------------------------------------------------------


def _mix(accent: str, white: float) -> str:
    """`accent` with a share of white mixed in, as #rrggbb."""
    rgb = [int(accent.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(c + (255 - c) * white):02x}" for c in rgb)


def styles(n: int, accent: str) -> Iterator[tuple[str, str, str]]:
    """(fill, hatch, hatch colour) for n themes: tints of the accent × hatch patterns, no
    two themes alike up to len(TINTS) × len(HATCHES) themes."""
    for i in range(n):
        white = TINTS[i % len(TINTS)]
        hatch = HATCHES[(i + i // (len(TINTS) * len(HATCHES))) % len(HATCHES)]
        yield _mix(accent, white), hatch, "#ffffff" if white < 0.5 else accent


def font_files() -> tuple[Path, Path]:
    """The font files every text of a chart is drawn with (regular, bold)."""
    fonts = default_templates() / "fonts"
    return fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"


def _fonts(size: float) -> tuple[Any, Any]:
    from matplotlib.font_manager import FontProperties

    regular, bold = font_files()
    return FontProperties(fname=regular, size=size), FontProperties(fname=bold, size=size)


def _danish(value: float) -> str:
    """A tick label: a Danish number with the decimals it needs (at most 2)."""
    return format_exact(Decimal(repr(float(value))).quantize(Decimal("0.01")).normalize())


def _y_axis(ax: Any, data: OverviewData, tops: list[float], bottoms: list[float],
            font: Any) -> None:
    """Fixed, Danish-labelled ticks over the bars, the targets and room for the labels."""
    goals = [float(v) for v in data.target.values.values()]
    y_ticks(ax, [*bottoms, *goals], [*tops, *goals], font, 0.12)


def y_ticks(ax: Any, lows: list[float], highs: list[float], font: Any,
            headroom: float) -> None:
    """Danish-labelled ticks from the lowest to the highest value (and 0), with `headroom`
    (a share of the span) above for the labels over the bars."""
    from matplotlib.ticker import MaxNLocator

    low, high = min([0.0, *lows]), max([0.0, *highs])
    span = (high - low) or 1.0
    low, high = low - (0.06 * span if low < 0 else 0), high + headroom * span
    ticks = [float(t) for t in MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10])
             .tick_values(low, high) if low - 1e-9 <= t <= high + 1e-9]
    ax.set_yticks(ticks, [_danish(t) for t in ticks], fontproperties=font)
    ax.set_ylim(low, high)


def _bars(ax: Any, data: OverviewData,
          accent: str) -> tuple[list[Any], list[float], list[float]]:
    """Stacked bars (savings up from 0, extra costs down from 0): the legend handles and
    the top of each bar."""
    from matplotlib.patches import Patch

    up = [0.0] * len(data.years)
    down = [0.0] * len(data.years)
    handles = []
    for stack, (fill, hatch, ink) in zip(data.stacks, styles(len(data.stacks), accent)):
        for x, year in enumerate(data.years):
            value = float(stack.values[year])
            base = up if value >= 0 else down
            ax.bar(x, value, 0.62, bottom=base[x], color=fill, hatch=hatch, hatchcolor=ink,
                   edgecolor="#ffffff", linewidth=0.6, zorder=3)
            base[x] += value
        handles.append(Patch(facecolor=fill, hatch=hatch, hatchcolor=ink, edgecolor=accent,
                             linewidth=0.6, label=textwrap.fill(stack.label, 44)))
    return handles, up, down


def _marks(ax: Any, data: OverviewData, tops: list[float], bold: Any) -> list[Any]:
    """The target per year (a thick dashed line across the bar) and each bar's total."""
    from matplotlib.lines import Line2D

    handles = []
    for x, year in enumerate(data.years):
        goal = data.target.values.get(year)
        top = tops[x]
        if goal is not None:
            ax.hlines(float(goal), x - 0.42, x + 0.42, colors="#1a1a1a", linewidth=2.4,
                      linestyles=(0, (3, 1.5)), zorder=5)
            top = max(top, float(goal))
        ax.annotate(shown(data.total, year), (x, top), xytext=(0, 4),
                    textcoords="offset points", ha="center", va="bottom",
                    fontproperties=bold, color="#1a1a1a", zorder=6)
    if data.target.values:
        handles.append(Line2D([], [], color="#1a1a1a", linewidth=2.4,
                              linestyle=(0, (3, 1.5)), label=TARGET_LABEL))
    net = [(x, float(smaller_end(data.total, y))) for x, y in enumerate(data.years)
           if any(st.values[y] < 0 for st in data.stacks)]
    if net:  # with extra costs below 0 the bar's top is not its total: mark the total
        ax.plot([x for x, _ in net], [v for _, v in net], linestyle="none", marker="D",
                markersize=7, markerfacecolor="#ffffff", markeredgecolor="#1a1a1a",
                markeredgewidth=1.6, zorder=7)
        handles.append(Line2D([], [], linestyle="none", marker="D", markersize=7,
                              markerfacecolor="#ffffff", markeredgecolor="#1a1a1a",
                              markeredgewidth=1.6, label=NET_LABEL))
    return handles


def smaller_end(series: Series, year: int) -> Decimal:
    """What a bar is drawn at: the year's value, the known part of a year with a `"?"`, and
    of a range the end nearer 0 (the smaller saving: a chart never promises more than the
    content does; the label above the bar writes the range out); 0 when nothing is known."""
    ends = series.ends(year)
    return min(ends, key=abs) if ends is not None else Decimal(0)


def figure(data: OverviewData, accent: str) -> "Figure":
    """The chart as a matplotlib Figure (no pyplot: no GUI backend, no global figures)."""
    from matplotlib.figure import Figure

    font, bold = _fonts(9)
    fig = Figure(figsize=(WIDTH_IN, PLOT_IN), layout="constrained")
    ax = fig.add_subplot()
    handles, tops, bottoms = _bars(ax, data, accent)
    handles += _marks(ax, data, tops, bold)
    ax.axhline(0, color="#1a1a1a", linewidth=0.8, zorder=4)
    ax.set_xticks(range(len(data.years)), [str(y) for y in data.years], fontproperties=bold)
    ax.set_xlim(-0.6, len(data.years) - 0.4)
    _y_axis(ax, data, tops, bottoms, font)
    ax.set_ylabel(f"Besparelse ({data.unit.replace(NBSP, ' ')})", fontproperties=font)
    ax.grid(axis="y", color="#d0d0d0", linewidth=0.6, zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    if not data.stacks:
        ax.text(0.5, 0.5, "Ingen beløb", transform=ax.transAxes, ha="center",
                fontproperties=font)
    handles += _notes(data)
    fig.set_size_inches(WIDTH_IN, PLOT_IN + legend_height([h.get_label() for h in handles]))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False,
                   prop=font, handlelength=2.4, handleheight=1.3)
    return fig


def legend_height(labels: list[str]) -> float:
    """Inches for a two-column legend of these labels (filled column by column), so the
    plot keeps its height however many themes there are."""
    rows = -(-len(labels) // 2)
    lines = [label.count("\n") + 1 for label in labels]
    return sum(0.09 + 0.17 * max(lines[r::rows]) for r in range(rows)) + 0.1 if rows else 0.0


def _notes(data: OverviewData) -> list[Any]:
    """Legend lines without a symbol: what `+ ?` and a bar below 0 mean, when shown."""
    from matplotlib.patches import Patch

    notes = []
    if any(v < 0 for stack in data.stacks for v in stack.values.values()):
        notes.append(COST_NOTE)
    if data.total.unknown:
        notes.append(textwrap.fill(UNKNOWN_NOTE, 44))
    return [Patch(facecolor="none", edgecolor="none", label=note) for note in notes]


RC: dict[Any, Any] = {  # matplotlib settings for these charts only (rc_context)
    "svg.hashsalt": "katalog",
    "svg.fonttype": "path",
    "svg.id": CHART_ID,
    "text.parse_math": False,  # a theme title with `$` is text, not mathematics
    "hatch.linewidth": 0.8,
    "axes.unicode_minus": False,
    "font.size": 9,
}


def _render(cat: Catalogue, totals: Totals, accent: str | None, fmt: str,
            **options: Any) -> bytes:
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = figure(overview_data(cat, totals), accent or DEFAULT_ACCENT)
        out = io.BytesIO()
        fig.savefig(out, format=fmt, **options)
    return out.getvalue()


def overview_png(cat: Catalogue, totals: Totals, accent: str | None = None) -> bytes:
    """The chart as a PNG (WIDTH_IN × PNG_DPI pixels wide) for Word; alt: `overview_alt`."""
    return _render(cat, totals, accent, "png", dpi=PNG_DPI, metadata={"Software": None})


def overview_svg(cat: Catalogue, totals: Totals, accent: str | None = None,
                 prefix: str = CHART_ID, title: str | None = None) -> str:
    """The chart as inline SVG (no XML declaration) for the HTML site and the PDF.

    `role="img"`, named by its `<title>` (default "Besparelser pr. tema og år") and
    described by its `<desc>` (`overview_alt`); every id starts with `prefix`, so two charts
    on one page never clash. No width/height: it fills its container at its aspect ratio.
    WeasyPrint tags an inline SVG as a Figure whose alternative text is the `<title>` only,
    so the PDF passes `title=overview_alt(cat, totals)` (the `<desc>` is then left out)."""
    raw = _render(cat, totals, accent, "svg", metadata={"Date": None, "Creator": None})
    return accessible(raw, title or OVERVIEW_TITLE, overview_alt(cat, totals), prefix)


OVERVIEW_TITLE = "Besparelser pr. tema og år"


def accessible(raw: bytes, title: str, desc: str, prefix: str) -> str:
    """matplotlib's SVG made inline and accessible: metadata and fixed size dropped, ids
    prefixed, `role="img"` labelled by a new `<title>` and described by a `<desc>`."""
    from lxml import etree

    svg_ns = "http://www.w3.org/2000/svg"
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    for meta in root.findall(f"{{{svg_ns}}}metadata"):
        root.remove(meta)
    _prefix_ids(root, prefix)
    for size in ("width", "height"):
        root.attrib.pop(size, None)
    root.set("id", prefix)
    root.set("class", "katalog-chart")
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title")
    texts = [("title", title)]
    if desc != title:
        root.set("aria-describedby", f"{prefix}-desc")
        texts.append(("desc", desc))
    for i, (tag, text) in enumerate(texts):
        element = etree.Element(f"{{{svg_ns}}}{tag}", id=f"{prefix}-{tag}")
        element.text = text
        root.insert(i, element)
    return str(etree.tostring(root, encoding="unicode"))


_URL = re.compile(r"url\(#([^)]+)\)")


def _prefix_ids(root: Any, prefix: str) -> None:
    for element in root.iter():
        for name, value in element.attrib.items():
            if name == "id":
                element.set(name, f"{prefix}-{value}")
            elif name.endswith("href") and value.startswith("#"):
                element.set(name, f"#{prefix}-{value[1:]}")
            elif "url(#" in value:
                element.set(name, _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value))
    for style in root.iter("{http://www.w3.org/2000/svg}style"):
        if style.text and "url(#" in style.text:
            style.text = _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", style.text)

