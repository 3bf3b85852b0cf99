"""The cover's facts, as every format shows them.

A stand-in for `render.view.cover_facts(cat, date)`, which the HTML/PDF side is adding: the
same name and signature, so the Word cover switches to the shared one by changing one
import (in `compose`). Wording from `labels_for(settings)`.
"""

from __future__ import annotations

import datetime as dt

from ...labels import labels_for
from ...model import Catalogue
from ...numbers import unit_label
from ..html import danish_date


def cover_facts(cat: Catalogue, date: dt.date | None) -> list[tuple[str, str]]:
    """(label, value) pairs: budget year, forecast years, amounts' unit, date."""
    s = cat.settings
    labels = labels_for(s)
    years = s.years
    facts = [(labels["budget_year"], str(years[0]))]
    if len(years) > 1:
        rest = str(years[1]) if len(years) == 2 else f"{years[1]}–{years[-1]}"
        facts.append((labels["forecast_years"], rest))
    facts.append((labels["amounts_in"], unit_label(s.unit, s.price_level)))
    if date is not None:
        facts.append((labels["date"], danish_date(date)))
    return facts


__all__ = ["cover_facts"]
