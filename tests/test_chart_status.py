"""The realisation chart (`render.chart_status`): its numbers against the budget year's
totals, the SVG parsed back (role, title, description, ids, the bars' patterns), the PNG
decoded, and the same bytes from another process."""

from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from PIL import Image

from budget_docs_fixture import catalogues
from conftest import write_tree
from budget_fixture import budget_files
from katalog.pipeline import check
from katalog.render.chart_status import (
    LIGHT_STYLE,
    STATUS_CHART_ID,
    STATUS_TITLE,
    drawn,
    status_alt,
    status_data,
    status_png,
    status_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def contents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return catalogues(tmp_path_factory.mktemp("status-chart"))


def data_of(content: Path) -> Any:
    checked = check(content)
    assert checked.ok, checked.report
    return status_data(checked.catalogue, checked.totals), checked


def test_no_chart_before_the_first_budget_revision(contents):
    assert data_of(contents["none"])[0] is None
    assert data_of(contents["decided"])[0] is None


@pytest.mark.parametrize("name", ["example", "followed"])
def test_the_lights_add_up_to_the_expected_total(contents, name):
    data, checked = data_of(contents[name])
    budget = checked.totals.budget
    assert data.revision == budget.revisions[-1]
    assert [key for key, *_ in data.lights] == [
        key for key in LIGHT_STYLE if key in budget.by_status and budget.by_status[key].ids]
    for year in data.years:  # drawn parts of exact values sum to the drawn total
        ends = [s.ends(year) for *_, s in data.lights]
        if all(e is not None and e[0] == e[1] for e in ends) and year not in data.expected.unknown:
            assert sum(e[0] for e in ends) == data.expected.values.get(year, Decimal(0))


def test_the_description_names_every_year_and_light_in_danish(contents):
    data, checked = data_of(contents["example"])
    alt = status_alt(data)
    assert alt.startswith(f"Søjlediagram over den forventede realisering ved {data.revision}")
    negative = checked.catalogue.settings.savings_sign == "negative"
    for year in data.years:
        adopted = checked.totals.budget.adopted_total.values[year]
        shown = format(-adopted if negative else adopted, ",f").replace(",", ".")
        assert f"vedtaget {shown}." in alt, (year, shown)
    for key in ("grøn", "gul", "rød"):
        assert f"{key} " in alt


def test_the_catalogues_own_words_for_the_lights_are_used(contents, tmp_path):
    folder = tmp_path / "c"
    files = dict(budget_files(2))
    files["catalogue.yaml"] = files["catalogue.yaml"].replace(
        "title:", "labels: {light_rød: Kritisk}\n        title:", 1)
    data, _ = data_of(write_tree(folder, files))
    assert "kritisk " in status_alt(data)
    assert any(name == "Kritisk" for _, name, *_ in data.lights)


def test_svg_is_an_accessible_image(contents):
    data, _ = data_of(contents["example"])
    root = etree.fromstring(status_svg(data).encode())
    assert root.get("role") == "img" and root.get("id") == STATUS_CHART_ID
    assert root.find(f"{SVG}title").text == STATUS_TITLE
    assert root.find(f"{SVG}desc").text == status_alt(data)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith(STATUS_CHART_ID) for i in ids)
    assert root.find(f"{SVG}metadata") is None


def test_a_range_is_drawn_at_its_smaller_end_and_a_question_mark_at_its_known_part(contents):
    data, _ = data_of(contents["followed"])
    ranged = [(s, y) for *_, s in data.lights for y in data.years if y in s.ranges]
    assert ranged, "the fixture has a range"
    for series, year in ranged:
        r = series.ranges[year]
        assert drawn(series, year) == float(min((r.low, r.high), key=abs))
    assert drawn(data.expected, 1900) == 0.0


def test_every_light_has_its_own_pattern_and_colour(contents):
    data, _ = data_of(contents["example"])
    root = etree.fromstring(status_svg(data).encode())
    patterns = {f"url(#{p.get('id')})": p[0].get("d") for p in root.iter(f"{SVG}pattern")}
    axis = max(float(line.get("y1")) for line in root.iter(f"{SVG}line")
               if line.get("stroke") == "#000000" and line.get("y1") == line.get("y2"))
    bars = [r for r in root.iter(f"{SVG}rect")
            if float(r.get("y")) + float(r.get("height")) <= axis + 0.01]
    # a hatched part is its colour, then its hatch over it (the one with the white outline)
    colours = {r.get("fill") for r in bars if not r.get("fill").startswith("url(")}
    assert colours == {LIGHT_STYLE[key][0] for key, *_ in data.lights}
    hatches = {patterns[r.get("fill")] for r in bars if r.get("fill").startswith("url(")}
    assert len(hatches) == sum(1 for key, *_ in data.lights if LIGHT_STYLE[key][1])
    assert len({hatch for _, hatch in LIGHT_STYLE.values()}) == len(LIGHT_STYLE)


def test_png_decodes_and_the_same_content_gives_the_same_bytes(contents, tmp_path):
    data, _ = data_of(contents["example"])
    png = status_png(data)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 1200
    script = ("import sys; from katalog.pipeline import check; "
              "from katalog.render.chart_status import status_data, status_png, status_svg; "
              f"c = check({str(contents['example'])!r}); d = status_data(c.catalogue, c.totals); "
              "sys.stdout.buffer.write(status_png(d) + b'|' + status_svg(d).encode())")
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    assert other.stdout == png + b"|" + status_svg(data).encode()
