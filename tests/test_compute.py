"""compute: exact totals checked by hand on the `small` fixture, and the pieces on their own."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from katalog.compute import Series, allocate, compute, payback, round_half_up
from katalog.model import UNKNOWN, Settings
from katalog.pipeline import check


def totals_of(path):
    checked = check(path)
    assert checked.ok, [i.format() for i in checked.report.sorted()]
    return checked.catalogue, checked.totals


def test_proposal_totals_by_group_and_area(small):
    _, t = totals_of(small)
    a1 = t.proposals["A1"]
    # 2026: -3000 + 4000 + 1000 = 2000; 2027: -6000 + 500 = -5500; 2028: -6000
    assert a1.total.values == {2026: D(2000), 2027: D(-5500), 2028: D(-6000)}
    assert a1.by_group["varig"].values == {2026: D(-3000), 2027: D(-6000), 2028: D(-6000)}
    assert a1.by_group["engang"].values == {2026: D(5000), 2027: D(500)}
    assert a1.by_area["anlæg"].values == {2026: D(1000)}
    assert a1.by_group_area[("engang", "service")].values == {2026: D(4000), 2027: D(500)}
    # running sum: 2000, -3500 → net saving in the second year
    assert a1.payback == 2
    assert a1.total.complete


def test_unknown_propagates_to_theme_and_grand_total(small):
    _, t = totals_of(small)
    a2 = t.proposals["A2"]
    assert a2.total.get(2027) is UNKNOWN and not a2.total.complete
    adm = t.themes["administration"].total
    assert adm.values == {2026: D(750), 2028: D(-8500)}
    assert adm.unknown == {2027}
    assert t.total.get(2027) is UNKNOWN
    assert t.difference.unknown == {2027}


def test_counted_statuses_exclude_withdrawn(small):
    _, t = totals_of(small)
    assert not t.proposals["I2"].counted
    it = t.themes["it"]
    assert it.counted == ("I1",)
    assert it.total.values == {2026: D(-1001), 2027: D(0)}  # 0 is a value, not absent


def test_grand_total_target_and_difference(small):
    _, t = totals_of(small)
    # 2026: 2000 - 1250 - 1001 = -251; 2028: -6000 - 2500 = -8500
    assert t.total.values == {2026: D(-251), 2028: D(-8500)}
    # difference = target - total: -10000 - (-251) = -9749 (still missing with savings negative)
    assert t.difference.values == {2026: D(-9749), 2028: D(-1500)}
    assert t.target.values == {y: D(-10000) for y in (2026, 2027, 2028)}


def test_merged_theme_has_no_amounts(small):
    _, t = totals_of(small)
    assert t.themes["gammelt"].total.empty


def test_fte_is_varig_over_salary_half_up(small):
    _, t = totals_of(small)
    # A1 varig -3000/500 = -6.0; A2 -1250/500 = -2.5 ; I1 -1001/500 = -2.002 → -2.0
    assert t.proposals["A1"].fte.values[2026] == D("-6.0")
    assert t.proposals["A2"].fte.values[2026] == D("-2.5")
    assert t.proposals["I1"].fte.values[2026] == D("-2.0")
    assert t.fte.values[2026] == D("-10.5")


def test_allocation_by_key_adds_up(small):
    _, t = totals_of(small)
    alloc = t.proposals["I1"].allocation
    # -1001 × 62.5 % = -625.625, × 37.5 % = -375.375 → floors 625/375, remainder 1 to SOF
    assert alloc["SOF"].values[2026] == D(-626)
    assert alloc["BUF"].values[2026] == D(-375)
    assert t.target_allocation["SOF"].values[2026] == D(-6250)


def test_target_basis_varig(small):
    cat_file = small / "catalogue.yaml"
    cat_file.write_text(cat_file.read_text() + "target_basis: varig\n", encoding="utf-8")
    _, t = totals_of(small)
    # varig 2026: -3000 - 1250 - 1001 = -5251
    assert t.basis.values[2026] == D(-5251)
    assert t.difference.values[2026] == D(-4749)


def test_positive_sign_convention_payback():
    s = Settings(title="t", organisation="o", years=(1, 2, 3), price_level=1, savings_sign="positive")
    series = Series({1: D(-500), 2: D(300), 3: D(400)})
    assert payback(series, s.years, s) == 3


def test_series_sum_absent_zero_and_unknown():
    a = Series({2026: D(1)})
    b = Series({2027: D(0)}, frozenset({2028}))
    total = Series.sum([a, b])
    assert total.values == {2026: D(1), 2027: D(0)}
    assert total.get(2028) is UNKNOWN
    assert total.get(2029) is None


def test_round_half_up_not_even():
    assert round_half_up(D("2.5")) == D(3)
    assert round_half_up(D("-2.5")) == D(-3)
    assert str(round_half_up(D("-0.4"))) == "0"


@given(
    st.integers(min_value=-10**9, max_value=10**9),
    st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=8),
)
def test_allocation_parts_always_add_up(amount, weights):
    total = sum(weights)
    shares = {f"D{i}": D(w) * 100 / total for i, w in enumerate(weights)}
    parts = allocate(D(amount), shares)
    assert sum(parts.values()) == amount
    assert all(p == p.to_integral_value() for p in parts.values())
    # each part is within one unit of its exact share
    for code, share in shares.items():
        assert abs(parts[code] - D(amount) * share / sum(shares.values())) < 1


def test_example_catalogue_computes(example):
    cat, t = totals_of(example)
    counted = [p for p in cat.proposals if t.proposals[p.id].counted]
    assert len(cat.proposals) >= 25 and counted
    for year in cat.settings.years:
        parts = [t.themes[th.id].total.get(year) for th in cat.themes]
        if all(p is not UNKNOWN for p in parts):
            assert t.total.get(year) == sum((p for p in parts if p is not None), D(0)) or (
                t.total.get(year) is None
            )


def test_incomplete_totals_keep_their_known_part():
    from katalog.compute import Series, _difference
    from katalog.model import UNKNOWN

    a = Series.of({2026: D(-100), 2027: UNKNOWN})
    b = Series.of({2026: D(-50), 2027: D(-300), 2028: D(7)})
    total = Series.sum([a, b])
    assert total.get(2027) is UNKNOWN and total.values == {2026: D(-150), 2028: D(7)}
    assert total.known(2027) == D(-300) and total.known(2026) is None
    # Sums of sums carry the known part on; a "?" with nothing known has no known part.
    assert Series.sum([total, Series.of({2027: D(-1)})]).known(2027) == D(-301)
    assert Series.sum([Series.of({2027: UNKNOWN})]).known(2027) is None
    # Difference to a target: target − known part, still unknown.
    diff = _difference(Series({2027: D(-1000)}), total)
    assert diff.unknown == {2027} and diff.known(2027) == D(-700) and 2027 not in diff.values
