"""The overview as a chart (SPEC §9): savings per theme per year as stacked bars, with the
target per year as a marker. Pure functions of the computed model: `overview_svg` (inline
SVG for the HTML site and the PDF), `overview_png` (a picture for Word) and
`overview_alt` (the sentence that is the SVG's `<desc>` and the picture's alt text).

How it is drawn: `chart_layout` places every bar, tick, label and legend entry in points
(text measured with the bundled templates/fonts/DejaVuSans.ttf through Pillow, so the
layout never depends on the machine); `chart_draw` writes that one geometry as SVG from
the template templates/charts/bars.svg.j2 (text as `<text>` with anchors, hatches as
`<pattern>`s) and as a PNG drawn with Pillow. Neither output has a date or a software
name, so the same content gives the same bytes. It used to be drawn with matplotlib,
which cost ≈ 1 s (import and layout) on the critical path of every cold build.

How it reads: a council member reads a taller bar as a larger saving, so savings are drawn
upwards whatever the catalogue's sign convention, the axis says "Besparelse", and a net
extra cost (e.g. an investment year) is drawn below 0. Each bar carries its total; a year
with a `"?"` shows the known part and the total reads `5.150 + ?`. Merged themes and themes
with no amount are left out. The colours are tints of the look's accent, and every theme
also has its own hatch pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..compute import Series, Totals
from ..model import Catalogue
from ..numbers import NBSP, format_exact, format_partial, unit_label
from .templates import default_templates

if TYPE_CHECKING:
    from .chart_layout import Bars, Geometry

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


def smaller_end(series: Series, year: int) -> Decimal:
    """What a bar is drawn at: the year's value, the known part of a year with a `"?"`, and
    of a range the end nearer 0 (the smaller saving: a chart never promises more than the
    content does; the label above the bar writes the range out); 0 when nothing is known."""
    ends = series.ends(year)
    return min(ends, key=abs) if ends is not None else Decimal(0)


def version() -> str:
    """What a drawn chart depends on besides its numbers and katalog's code: the SVG
    template and Pillow's version (in the charts' cache keys)."""
    from .chart_draw import version

    return version()


def bars(data: OverviewData, accent: str) -> "Bars":
    """What the chart shows, for `chart_layout`: a stacked part per theme, the target as
    a mark, each bar's total over it and, in a year with an extra cost below 0, the net
    total as a diamond (the bar's top is then not its total)."""
    from .chart_layout import Bars, Part

    parts = tuple(Part(stack.label, fill, hatch, ink, accent,
                       tuple(stack.values[y] for y in data.years))
                  for stack, (fill, hatch, ink) in zip(data.stacks,
                                                       styles(len(data.stacks), accent)))
    costs = [any(st.values[y] < 0 for st in data.stacks) for y in data.years]
    notes = [COST_NOTE] if any(costs) else []
    if data.total.unknown:
        notes.append(UNKNOWN_NOTE)
    return Bars(data.years, parts, tuple(data.target.values.get(y) for y in data.years),
                tuple(shown(data.total, y) for y in data.years),
                tuple(smaller_end(data.total, y) if cost else None
                      for y, cost in zip(data.years, costs)),
                TARGET_LABEL, NET_LABEL, tuple(notes),
                f"Besparelse ({data.unit.replace(NBSP, ' ')})", 0.12, PLOT_IN * 72,
                WIDTH_IN * 72, "Ingen beløb")


def _geometry(cat: Catalogue, totals: Totals, accent: str | None) -> "Geometry":
    from .chart_layout import layout

    return layout(bars(overview_data(cat, totals), accent or DEFAULT_ACCENT))


def overview_png(cat: Catalogue, totals: Totals, accent: str | None = None) -> bytes:
    """The chart as a PNG (WIDTH_IN × PNG_DPI pixels wide) for Word; alt: `overview_alt`."""
    from .chart_draw import png

    return png(_geometry(cat, totals, accent), PNG_DPI)


def overview_svg(cat: Catalogue, totals: Totals, accent: str | None = None,
                 prefix: str = CHART_ID, title: str | None = None) -> str:
    """The chart as inline SVG (no XML declaration) for the HTML site and the PDF.

    `role="img"`, named by its `<title>` (default "Besparelser pr. tema og år") and
    described by its `<desc>` (`overview_alt`); every id starts with `prefix`, so two charts
    on one page never clash. No width/height: it fills its container at its aspect ratio.
    WeasyPrint tags an inline SVG as a Figure whose alternative text is the `<title>` only,
    so the PDF passes `title=overview_alt(cat, totals)` (the `<desc>` is then left out)."""
    from .chart_draw import svg

    return svg(_geometry(cat, totals, accent), prefix, title or OVERVIEW_TITLE,
               overview_alt(cat, totals))


OVERVIEW_TITLE = "Besparelser pr. tema og år"
