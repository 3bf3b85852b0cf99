"""The cover's facts, as every format shows them: `render.view.cover_facts`, the one
function the HTML front page, the PDF cover and the Word cover all call (issue 19: one
wording). Kept as a module so `compose` and the form's fields import it from here."""

from __future__ import annotations

from ..view import cover_facts

__all__ = ["cover_facts"]
