"""What the budget documents' tests share: the catalogues (the example with a decision round
and two budget revisions; conftest.SMALL after its decision only, after two revisions, and
with no budget year), running a planner through the executor, and the figures of
`katalog totals --format json` (SPEC §8 keys) as every document must show them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from katalog.execute import execute
from katalog.model import Range
from katalog.numbers import format_amount, format_partial
from katalog.pipeline import check
from katalog.render.plan import Options, Plan
from katalog.render.templates import TemplateSet

from budget_fixture import budget_files
from conftest import EXAMPLE, SMALL, write_tree

DATE = dt.date(2026, 9, 1)


def catalogues(root: Path) -> dict[str, Path]:
    """example: decisions and two revisions; decided: SMALL decided on, not followed up;
    followed: SMALL after BO2 (ranges, "?", an adopted proposal without entries); none:
    SMALL with no budget year."""
    return {"example": EXAMPLE,
            "decided": write_tree(root / "decided", budget_files(0)),
            "followed": write_tree(root / "followed", budget_files(2)),
            "none": write_tree(root / "none", SMALL)}


def run_planner(planner: Callable[..., Plan], content: Path, out: Path,
                templates: TemplateSet | None = None) -> tuple[Plan, Any]:
    """`planner` on the checked content, made by the executor (no pool, no cache)."""
    checked = check(content)
    assert checked.ok, checked.report
    plan = planner(checked.catalogue, checked.totals,
                   Options(templates or TemplateSet.create(), DATE))
    outcome = execute({"budget": plan}, out, workers=1)
    return plan, outcome


def totals_json(content: Path) -> dict[str, Any]:
    """`katalog totals CONTENT --format json`, as the command line prints it."""
    out = subprocess.run([sys.executable, "-m", "katalog", "totals", str(content),
                          "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout, parse_float=Decimal)


def expected_cell(data: dict[str, Any], key: str, year: int, decimals: int = 0,
                  sign: str = "+", inner: str | None = None) -> str:
    """What a document shows for the JSON series `key` (e.g. "realisation_total"; with
    `inner`, the entry `inner` of a mapping such as "adopted_by_department") in `year`:
    the amount, a range `low–high`, `-10.300 + ?` for an incomplete year, `-` for none."""
    def part(suffix: str) -> Any:
        value = data.get(key + suffix, {})
        return value.get(inner, {} if suffix != "_unknown" else []) if inner else value

    y = str(year)
    if y in part("_unknown"):
        known = part("_partial").get(y)
        return format_partial(None if known is None else Decimal(known), decimals, sign)
    if y in part("_ranges"):
        r = part("_ranges")[y]
        return format_amount(Range(Decimal(r["low"]), Decimal(r["high"])), decimals)
    value = part("").get(y)
    return format_amount(None if value is None else Decimal(value), decimals)


def cells_of(data: dict[str, Any], key: str, years: list[int], sign: str = "+",
             inner: str | None = None) -> list[str]:
    return [expected_cell(data, key, y, data["decimals"], sign, inner) for y in years]


def series_cells(amounts: dict[str, Any], years: list[int], decimals: int = 0) -> list[str]:
    """A proposal's plain `{year: amount}` from the JSON as cells."""
    return [format_amount(None if amounts.get(str(y)) is None else Decimal(amounts[str(y)]),
                          decimals) for y in years]
