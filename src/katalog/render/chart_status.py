"""Realisation per status as a chart (SPEC §9, issue 20): for each year, the saving the
latest budget revision expects, stacked by traffic light (grøn, gul, rød, and "ingen" for
adopted proposals without an entry yet), against what the council adopted (a dashed
marker across the bar). Pure functions of the computed budget year: `status_svg` (inline
SVG for the follow-up page and its PDF), `status_png` (a picture for Word) and
`status_alt` (the sentence that is the SVG's `<desc>` and the picture's alt text).

It is drawn as the overview chart is (`render.chart`: matplotlib, one bundled font, fixed
metadata, so the same content gives the same bytes). Readable without colour: each light
has its own hatch pattern as well as its colour, and the legend names the lights in words.
Savings are drawn upwards whatever the catalogue's sign convention; an extra cost below 0.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..budget import STATUS_KEYS
from ..compute import Series, Totals
from ..labels import labels_for
from ..model import Catalogue
from ..numbers import NBSP, unit_label
from .chart import (
    PNG_DPI,
    RC,
    WIDTH_IN,
    _fonts,
    accessible,
    as_saving,
    legend_height,
    shown,
    smaller_end,
    y_ticks,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STATUS_CHART_ID = "katalog-realisering"
STATUS_TITLE = "Forventet realisering pr. status og år"
PLOT_IN = 3.2
ADOPTED_LABEL = "Vedtaget"
EXPECTED_LABEL = "Forventet i alt"
# Each light: its colour (budget_docs.LIGHT_COLOUR) and a hatch of its own; its words are the
# catalogue's labels (`light_<key>`), as in every other place a light is named.
LIGHT_STYLE = {
    "grøn": ("#1e7b34", ""),
    "gul": ("#946200", "///"),
    "rød": ("#c0262d", "xxx"),
    "ingen": ("#8c8c8c", "---"),
}


@dataclass(frozen=True)
class StatusData:
    """What the chart draws, as savings: the expected saving per light and the adopted."""

    years: tuple[int, ...]
    unit: str
    revision: str
    # (light, its name, what it means, expected) for each light with proposals
    lights: tuple[tuple[str, str, str, Series], ...]
    expected: Series
    adopted: Series


def status_data(cat: Catalogue, totals: Totals) -> StatusData | None:
    """The chart's numbers, or None before the first realisation entry."""
    b = totals.budget
    if b is None or not b.followed_up:
        return None
    s = cat.settings
    negative = s.savings_sign == "negative"
    labels = labels_for(s)
    lights = tuple((key, labels[f"light_{key}"], labels[f"light_{key}_text"], as_saving(b.by_status[key].expected, negative))
                   for key in STATUS_KEYS if key in b.by_status and b.by_status[key].ids)
    return StatusData(s.years, unit_label(s.unit, s.price_level), b.revisions[-1], lights,
                      as_saving(b.expected_total, negative),
                      as_saving(b.adopted_total, negative))


def status_alt(data: StatusData) -> str:
    """One Danish sentence group saying what the chart shows, with every total in it."""
    unit = data.unit.replace(NBSP, " ")
    parts = [f"Søjlediagram over den forventede realisering ved {data.revision} ({unit}), "
             "stablet efter status."]
    for year in data.years:
        split = ", ".join(f"{name.lower()} {shown(series, year)}"
                          for _key, name, _text, series in data.lights)
        parts.append(f"{year}: forventet {shown(data.expected, year)} ({split}) over for "
                     f"vedtaget {shown(data.adopted, year)}.")
    return " ".join(parts)


def drawn(series: Series, year: int) -> float:
    """The height a bar part is drawn at (`chart.smaller_end`: a range at its end nearer 0)."""
    return float(smaller_end(series, year))


def figure(data: StatusData) -> "Figure":
    """The chart as a matplotlib Figure (no pyplot)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    font, bold = _fonts(9)
    fig = Figure(figsize=(WIDTH_IN, PLOT_IN), layout="constrained")
    ax = fig.add_subplot()
    up = [0.0] * len(data.years)
    down = [0.0] * len(data.years)
    handles: list[Any] = []
    for key, name, text, series in data.lights:
        colour, hatch = LIGHT_STYLE[key]
        for x, year in enumerate(data.years):
            value = drawn(series, year)
            base = up if value >= 0 else down
            ax.bar(x, value, 0.62, bottom=base[x], color=colour, hatch=hatch,
                   hatchcolor="#ffffff", edgecolor="#ffffff", linewidth=0.6, zorder=3)
            base[x] += value
        handles.append(Patch(facecolor=colour, hatch=hatch, hatchcolor="#ffffff",
                             edgecolor=colour, label=textwrap.fill(f"{name}: {text}", 44)))
    tops = list(up)
    for x, year in enumerate(data.years):
        adopted = drawn(data.adopted, year)
        ax.hlines(adopted, x - 0.42, x + 0.42, colors="#1a1a1a", linewidth=2.4,
                  linestyles=(0, (3, 1.5)), zorder=5)
        tops[x] = max(tops[x], adopted)
        ax.annotate(shown(data.expected, year), (x, tops[x]), xytext=(0, 4),
                    textcoords="offset points", ha="center", va="bottom",
                    fontproperties=bold, color="#1a1a1a", zorder=6)
    handles.append(Line2D([], [], color="#1a1a1a", linewidth=2.4, linestyle=(0, (3, 1.5)),
                          label=ADOPTED_LABEL))
    if any(down):  # a part below 0: the bar's top is not the total, so mark the total
        ax.plot(range(len(data.years)), [drawn(data.expected, y) for y in data.years],
                linestyle="none", marker="D", markersize=7, markerfacecolor="#ffffff",
                markeredgecolor="#1a1a1a", markeredgewidth=1.6, zorder=7)
        handles.append(Line2D([], [], linestyle="none", marker="D", markersize=7,
                              markerfacecolor="#ffffff", markeredgecolor="#1a1a1a",
                              markeredgewidth=1.6, label=EXPECTED_LABEL))
    _axes(ax, data, tops, down, font, bold)
    fig.set_size_inches(WIDTH_IN, PLOT_IN + legend_height([h.get_label() for h in handles]))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False,
               prop=font, handlelength=2.4, handleheight=1.3)
    return fig


def _axes(ax: Any, data: StatusData, tops: list[float], bottoms: list[float], font: Any,
          bold: Any) -> None:
    """Years below, Danish ticks at the side, room above the labels."""
    y_ticks(ax, bottoms, tops, font, 0.14)
    ax.set_xticks(range(len(data.years)), [str(y) for y in data.years], fontproperties=bold)
    ax.set_xlim(-0.6, len(data.years) - 0.4)
    ax.axhline(0, color="#1a1a1a", linewidth=0.8, zorder=4)
    ax.set_ylabel(f"Forventet besparelse ({data.unit.replace(NBSP, ' ')})", fontproperties=font)
    ax.grid(axis="y", color="#d0d0d0", linewidth=0.6, zorder=0)
    ax.spines[["top", "right"]].set_visible(False)


def _render(data: StatusData, fmt: str, **options: Any) -> bytes:
    import matplotlib

    with matplotlib.rc_context({**RC, "svg.id": STATUS_CHART_ID}):
        out = io.BytesIO()
        figure(data).savefig(out, format=fmt, **options)
    return out.getvalue()


def status_png(data: StatusData) -> bytes:
    """The chart as a PNG for Word; its alt text is `status_alt(data)`."""
    return _render(data, "png", dpi=PNG_DPI, metadata={"Software": None})


def status_svg(data: StatusData, prefix: str = STATUS_CHART_ID, title: str | None = None) -> str:
    """The chart as inline, accessible SVG (see `chart.overview_svg` for the PDF's title)."""
    raw = _render(data, "svg", metadata={"Date": None, "Creator": None})
    return accessible(raw, title or STATUS_TITLE, status_alt(data), prefix)


__all__ = ["LIGHT_STYLE", "STATUS_CHART_ID", "STATUS_TITLE", "StatusData", "status_alt",
           "status_data", "status_png", "status_svg"]
