"""render.totals_files: the totals files as planned artifacts, the CSV with a BOM."""

from __future__ import annotations

import json

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


def test_dumps_writes_exact_numbers_and_plain_containers_on_one_line():
    from decimal import Decimal

    from katalog.render.totals import dumps

    class Title(str):
        pass

    data = {"a": {"2027": Decimal("-1500"), "2028": Decimal("2.50"), "2029": Decimal("1E+3")},
            "b": [1, True, None, Title('"æ"\u2028\\')],
            "c": [{"x": []}, {}],
            7: "tekst"}
    assert dumps(data) == (
        '{\n'
        '  "a": {"2027": -1500, "2028": 2.5, "2029": 1000},\n'
        '  "b": [1, true, null, "\\"æ\\"\u2028\\\\"],\n'
        '  "c": [\n'
        '    {\n'
        '      "x": []\n'
        '    },\n'
        '    {}\n'
        '  ],\n'
        '  "7": "tekst"\n'
        '}\n')
    assert json.loads(dumps(data), parse_float=Decimal)["a"]["2028"] == Decimal("2.5")
