"""render.totals_files: the totals files as planned artifacts, the CSV with a BOM."""

from __future__ import annotations

from katalog.pipeline import check
from katalog.render import totals as totals_render
from katalog.render.plan import Options
from katalog.render.totals_files import plan_totals


def test_three_files_each_what_the_totals_command_prints(small) -> None:  # type: ignore[no-untyped-def]
    checked = check(small)
    cat, totals = checked.catalogue, checked.totals
    plan = plan_totals(cat, totals, Options())
    files = {a.path: a.job.run() for a in plan.artifacts}
    assert files == {
        "totals.json": totals_render.to_json(cat, totals).encode("utf-8"),
        "totals.md": totals_render.to_markdown(cat, totals).encode("utf-8"),
        "totals.csv": b"\xef\xbb\xbf" + totals_render.to_csv(cat, totals).encode("utf-8"),
    }
    assert all(a.job.key is None for a in plan.artifacts)  # cheap: never cached
