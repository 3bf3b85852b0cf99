"""Realisation per status as a chart (SPEC §9, issue 20): for each year, the saving the
latest budget revision expects, stacked by traffic light (grøn, gul, rød, and "ingen" for
adopted proposals without an entry yet), against what the council adopted (a dashed
marker across the bar). Pure functions of the computed budget year: `status_svg` (inline
SVG for the follow-up page and its PDF), `status_png` (a picture for Word) and
`status_alt` (the sentence that is the SVG's `<desc>` and the picture's alt text).

It is laid out and drawn as the overview chart is (`render.chart_layout`, `chart_draw`: one
bundled font, an SVG template and Pillow, so the same content gives the same bytes). Readable without colour: each light
has its own hatch pattern as well as its colour, and the legend names the lights in words.
Savings are drawn upwards whatever the catalogue's sign convention; an extra cost below 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..budget import STATUS_KEYS
from ..compute import Series, Totals
from ..labels import labels_for
from ..model import Catalogue
from ..numbers import NBSP, unit_label
from .chart import PNG_DPI, WIDTH_IN, as_saving, shown, smaller_end

if TYPE_CHECKING:
    from .chart_layout import Bars

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


def bars(data: StatusData) -> "Bars":
    """What the chart shows, for `chart_layout`: a stacked part per light, the adopted
    saving as a mark, the expected total over each bar and, when a part is below 0, the
    expected total as a diamond in every year (a bar's top is then not its total)."""
    from .chart_layout import Bars, Part

    parts = tuple(Part(f"{name}: {text}", LIGHT_STYLE[key][0], LIGHT_STYLE[key][1], "#ffffff",
                       LIGHT_STYLE[key][0], tuple(smaller_end(series, y) for y in data.years))
                  for key, name, text, series in data.lights)
    below = any(v < 0 for part in parts for v in part.values)
    return Bars(data.years, parts, tuple(smaller_end(data.adopted, y) for y in data.years),
                tuple(shown(data.expected, y) for y in data.years),
                tuple(smaller_end(data.expected, y) if below else None for y in data.years),
                ADOPTED_LABEL, EXPECTED_LABEL, (),
                f"Forventet besparelse ({data.unit.replace(NBSP, ' ')})", 0.14, PLOT_IN * 72,
                WIDTH_IN * 72)


def status_png(data: StatusData) -> bytes:
    """The chart as a PNG for Word; its alt text is `status_alt(data)`."""
    from .chart_draw import png
    from .chart_layout import layout

    return png(layout(bars(data)), PNG_DPI)


def status_svg(data: StatusData, prefix: str = STATUS_CHART_ID, title: str | None = None) -> str:
    """The chart as inline, accessible SVG (see `chart.overview_svg` for the PDF's title)."""
    from .chart_draw import svg
    from .chart_layout import layout

    return svg(layout(bars(data)), prefix, title or STATUS_TITLE, status_alt(data))


__all__ = ["LIGHT_STYLE", "STATUS_CHART_ID", "STATUS_TITLE", "StatusData", "status_alt",
           "status_data", "status_png", "status_svg"]
