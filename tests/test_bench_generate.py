"""benchmarks/generate.py: the synthetic catalogue is valid, deterministic and covers every
kind of content the benchmarks are meant to exercise (no timings here)."""

from __future__ import annotations

import importlib.util
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from katalog.cli import main
from katalog.model import UNKNOWN
from katalog.pipeline import check

ROOT = Path(__file__).resolve().parent.parent


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks/generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    base = tmp_path_factory.mktemp("bench")
    return gen.generate(base / "rev0", 20), gen.generate(base / "rev1", 20, revision=1)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generated_catalogue_passes_katalog_check(generated):
    for folder in generated:
        result = CliRunner().invoke(main, ["check", str(folder)])
        assert result.exit_code == 0, result.output
        assert "20 forslag" in result.output
        checked = check(folder)
        assert checked.ok and checked.totals is not None
        assert checked.report.warnings == [] and checked.report.errors == []


def test_generation_is_deterministic(generated, tmp_path):
    again = gen.generate(tmp_path / "again", 20)
    assert _files(again) == _files(generated[0])
    other_seed = gen.generate(tmp_path / "other", 20, seed=1)
    assert _files(other_seed) != _files(generated[0])


def test_covers_every_kind_of_content(generated):
    cat = check(generated[0]).catalogue
    s = cat.settings
    assert len(s.departments) == 7
    assert sum(d.share for d in s.departments) == Decimal(100)
    assert len(cat.themes) == 12
    assert [t.id for t in cat.themes if t.merged_into] == ["kun-en-gang"]
    assert len(cat.proposals) == 20
    statuses = {p.status for p in cat.proposals}
    assert {"forslag", "vedtaget", "udkast", "trukket", "forkastet"} <= statuses
    lines = [line for p in cat.proposals for line in p.lines]
    assert {line.group for line in lines} == {"varig", "engang"}
    assert {"service", "anlæg", "overførsler"} <= {line.area for line in lines}
    assert any(v is UNKNOWN for line in lines for v in line.amounts.values())
    assert any(p.consulted for p in cat.proposals)
    assert any(p.hearing for p in cat.proposals)
    assert any(p.followup for p in cat.proposals)
    assert any(p.declared_totals for p in cat.proposals)
    assert any(p.fte for p in cat.proposals)
    assert {"nøgle", "dict"} <= {"nøgle" if p.allocation == "nøgle" else "dict"
                                 for p in cat.proposals if p.allocation}


def test_proposals_are_shaped_like_issue_14s(generated):
    """About 430 words of body with headings, lists and one table; 4-10 economic lines."""
    cat = check(generated[0]).catalogue
    words = [len(p.body.split()) for p in cat.proposals]
    assert 400 <= sum(words) / len(words) <= 470, words
    for p in cat.proposals:
        assert 380 <= len(p.body.split()) <= 500, p.id
        assert 4 <= len(p.lines) <= 10, (p.id, len(p.lines))
        assert len(re.findall(r"^## ", p.body, re.M)) >= 4
        assert re.search(r"^- ", p.body, re.M) and re.search(r"^1\. ", p.body, re.M)
        assert len(re.findall(r"^\|---", p.body, re.M)) == 1


def test_second_revision_changes_about_five_percent_of_amounts(generated):
    def amounts(folder: Path) -> dict[tuple[str, int, int], object]:
        cat = check(folder).catalogue
        return {(p.id, i, year): value for p in cat.proposals
                for i, line in enumerate(p.lines) for year, value in line.amounts.items()}

    old, new = amounts(generated[0]), amounts(generated[1])
    assert old.keys() == new.keys()
    changed = [k for k in old if old[k] != new[k]]
    assert 0.03 * len(old) <= len(changed) <= 0.07 * len(old)
    # Only amounts change: the text of every proposal is the same.
    bodies = [[p.body for p in check(folder).catalogue.proposals] for folder in generated]
    assert bodies[0] == bodies[1]
