"""The totals as files (`totals.json`, `totals.md`, `totals.csv`): a planner over
`render.totals`, which formats them. Cheap jobs in the build's process, never cached."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .plan import Artifact, Options, Plan, text_job

if TYPE_CHECKING:
    from ..compute import Totals
    from ..model import Catalogue

FILES = ("totals.json", "totals.md", "totals.csv")


def plan_totals(cat: Catalogue, totals: Totals, _opts: Options) -> Plan:
    """The three totals files; the CSV with a byte-order mark so Excel reads it as UTF-8."""
    from . import totals as totals_render  # Babel: imported when the files are planned

    return Plan((
        Artifact("totals.json", text_job(totals_render.to_json, cat, totals, label="totals.json")),
        Artifact("totals.md", text_job(totals_render.to_markdown, cat, totals, label="totals.md")),
        Artifact("totals.csv", text_job(totals_render.to_csv, cat, totals, label="totals.csv",
                                        encoding="utf-8-sig")),
    ))
