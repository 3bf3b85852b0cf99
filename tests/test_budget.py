"""budget: the budget year (SPEC §8) computed exactly: adopted amounts (as changed or as
proposed), the current expectation and its gap, totals per theme, department (after
allocation), year and traffic light, and the differences to the target. Figures are worked
out by hand in budget_fixture's docstring."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from budget_fixture import budget_files
from conftest import SMALL, write_tree
from katalog.budget import NO_STATUS, gap_of
from katalog.compute import Series
from katalog.model import UNKNOWN, Range
from katalog.pipeline import check


def checked(tmp_path: Path, files: dict[str, str]):
    c = check(write_tree(tmp_path / "c", files))
    assert c.ok, [i.format() for i in c.report.sorted()]
    return c.catalogue, c.totals


@pytest.fixture
def bo2(tmp_path: Path):
    return checked(tmp_path, budget_files(2))


def test_no_budget_year_without_decisions_or_realisation(tmp_path: Path) -> None:
    cat, totals = checked(tmp_path, SMALL)
    assert not cat.budget_year and totals.budget is None


def test_adopted_is_the_council_s_amounts_where_given_else_as_proposed(bo2) -> None:
    _, t = bo2
    a1 = t.budget.proposals["A1"]
    assert a1.proposed.values == {2026: D(2000), 2027: D(-5500), 2028: D(-6000)}
    assert a1.adopted.values == {2026: D(2000), 2027: D(-4500), 2028: D(-6000)}
    assert a1.changed and a1.change.values == {2026: D(0), 2027: D(1000), 2028: D(0)}
    i1 = t.budget.proposals["I1"]
    assert not i1.changed and i1.adopted is t.proposals["I1"].total


def test_only_adopted_proposals_count_whatever_counted_statuses_says(bo2) -> None:
    cat, t = bo2
    b = t.budget
    assert b.adopted_ids == ("A1", "I1", "I3")  # I3: status vedtaget, no decision
    assert b.outcomes == {"vedtaget": ("A1", "I1", "I3"), "forkastet": ("A2",),
                          "udskudt": ("A3",), "ingen": ("I2",)}
    for pid in ("A2", "A3", "I2"):
        py = b.proposals[pid]
        assert py.adopted is py.expected is py.gap is None
    # the postponed A3 (status forslag) still counts in the catalogue; the rejected A2 not
    assert t.proposals["A3"].counted and not t.proposals["A2"].counted


def test_adopted_totals_and_difference_to_the_target(bo2) -> None:
    _, t = bo2
    b = t.budget
    # 2026: 2000 - 1001 - 500 = 499; 2027: -4500 + 0 - 500; 2028: -6000 + I3's "?"
    assert b.adopted_total == Series({2026: D(499), 2027: D(-5000)}, frozenset({2028}),
                                     {2028: D(-6000)})
    assert b.proposed_total.values[2027] == D(-6000)  # -5500 + 0 - 500
    assert b.change_total.values == {2026: D(0), 2027: D(1000), 2028: D(0)}
    # target − adopted: -10000 - 499; -10000 + 5000; known part -10000 + 6000, unknown rest
    assert b.adopted_difference == Series({2026: D(-10499), 2027: D(-5000)},
                                          frozenset({2028}), {2028: D(-4000)})
    assert b.adopted_by_theme["administration"].values == {2026: D(2000), 2027: D(-4500),
                                                           2028: D(-6000)}
    assert b.adopted_by_theme["it"].values == {2026: D(-1501), 2027: D(-500)}
    assert "gammelt" not in b.adopted_by_theme  # merged


def test_the_last_entry_is_the_current_expectation(bo2) -> None:
    _, t = bo2
    a1 = t.budget.proposals["A1"]
    assert (a1.revision, a1.status) == ("BO2 2026", "rød")
    # BO2 names 2026 and 2028; 2027 is expected as adopted (not as in BO1)
    assert a1.expected.values == {2026: D(3000), 2027: D(-4500), 2028: D(-5000)}
    assert a1.gap.values == {2026: D(1000), 2027: D(0), 2028: D(1000)}


def test_a_range_expectation_gives_a_range_gap(bo2) -> None:
    _, t = bo2
    i1 = t.budget.proposals["I1"]
    assert i1.expected.ranges == {2026: Range(D(-900), D(-700))}
    assert i1.gap.ranges == {2026: Range(D(101), D(301))}  # -900 + 1001, -700 + 1001
    assert i1.gap.values == {2027: D(0)}


def test_no_entry_yet_is_expected_as_adopted_with_a_gap_of_zero_even_for_unknowns(bo2) -> None:
    _, t = bo2
    i3 = t.budget.proposals["I3"]
    assert (i3.revision, i3.status, i3.status_key) == (None, None, NO_STATUS)
    assert i3.expected is i3.adopted and i3.adopted.get(2028) is UNKNOWN
    assert i3.gap == Series({2026: D(0), 2027: D(0), 2028: D(0)})  # "?" − the same "?" = 0


def test_expected_and_gap_totals(bo2) -> None:
    _, t = bo2
    b = t.budget
    assert b.expected_total == Series({2027: D(-5000)}, frozenset({2028}), {2028: D(-5000)},
                                      {2026: Range(D(1600), D(1800))})
    assert b.gap_total == Series({2027: D(0), 2028: D(1000)}, frozenset(), {},
                                 {2026: Range(D(1101), D(1301))})
    # target − expected: -10000 − (1600–1800); -10000 + 5000; -10000 + 5000 − ?
    assert b.expected_difference.ranges == {2026: Range(D(-11600), D(-11800))}
    assert b.expected_difference.partial == {2028: D(-5000)}
    assert b.gap_by_theme["administration"].values == {2026: D(1000), 2027: D(0),
                                                       2028: D(1000)}


def test_per_department_after_allocation_adds_up_exactly(bo2) -> None:
    _, t = bo2
    b = t.budget
    # I1 by the key 62,5/37,5: -1001 → -626/-375 (largest remainder to SOF)
    assert b.adopted_by_department["SOF"].values == {2026: D(874), 2027: D(-5000)}
    assert b.adopted_by_department["SOF"].partial == {2028: D(-6000)}
    assert b.adopted_by_department["BUF"].values == {2026: D(-375), 2027: D(0)}
    # expected -900–-700 by the key: -563/-337 and -438/-262 (ties to the larger share)
    assert b.expected_by_department["BUF"].ranges == {2026: Range(D(-337), D(-262))}
    assert b.expected_by_department["SOF"].ranges == {2026: Range(D(1937), D(2062))}
    assert b.gap_by_department["SOF"].ranges == {2026: Range(D(1063), D(1188))}
    assert b.gap_by_department["BUF"].ranges == {2026: Range(D(38), D(113))}
    for whole, parts in ((b.adopted_total, b.adopted_by_department),
                         (b.expected_total, b.expected_by_department),
                         (b.gap_total, b.gap_by_department)):
        assert Series.sum(parts.values()) == whole


def test_counts_and_sums_per_traffic_light(bo2) -> None:
    _, t = bo2
    b = t.budget
    assert b.status_counts == {"grøn": 0, "gul": 1, "rød": 1, NO_STATUS: 1}
    assert b.by_status["rød"].ids == ("A1",)
    assert b.by_status["rød"].gap.values == {2026: D(1000), 2027: D(0), 2028: D(1000)}
    assert b.by_status[NO_STATUS].expected == t.budget.proposals["I3"].adopted
    assert b.revisions == ("BO1 2026", "BO2 2026") and b.followed_up


def test_after_the_decision_before_any_revision(tmp_path: Path) -> None:
    _, t = checked(tmp_path, budget_files(0))
    b = t.budget
    assert not b.followed_up and b.revisions == ()
    assert b.expected_total == b.adopted_total
    assert b.gap_total.values == {2026: D(0), 2027: D(0), 2028: D(0)}
    assert b.status_counts == {"grøn": 0, "gul": 0, "rød": 0, NO_STATUS: 3}


def test_target_basis_varig_compares_the_permanent_part(tmp_path: Path) -> None:
    files = budget_files(2)
    files["catalogue.yaml"] = files["catalogue.yaml"].replace(
        "unit: 1000", "unit: 1000\n        target_basis: varig")
    _, t = checked(tmp_path, files)
    b = t.budget
    # A1's engang (4000 + 1000 in 2026, 500 in 2027) is left out: 499 - 5000 = -4501
    assert b.adopted_basis.values[2026] == D(-4501) == b.adopted_varig.values[2026]
    assert b.adopted_difference.values[2026] == D(-10000) - D(-4501)
    assert b.adopted_basis.values[2027] == D(-5500)  # -5000 - 500


@pytest.mark.parametrize(("adopted", "expected", "named", "gap"), [
    ({2026: D(-100)}, {2026: D(-60)}, [2026], Series({2026: D(40)})),
    ({2026: D(-100)}, {2026: UNKNOWN}, [2026], Series({}, frozenset({2026}))),
    ({2026: UNKNOWN}, {2026: D(-60)}, [2026], Series({}, frozenset({2026}))),
    ({2026: UNKNOWN}, {2026: UNKNOWN}, [], Series({2026: D(0)})),
    ({}, {2026: D(-60)}, [2026], Series({2026: D(-60)})),
    ({2026: Range(D(-1), D(-3))}, {2026: D(-2)}, [2026], Series({}, frozenset(), {},
                                                                 {2026: Range(D(-1), D(1))})),
])
def test_gap_of(adopted, expected, named, gap) -> None:
    assert gap_of(Series.of(adopted), Series.of(expected), named) == gap
