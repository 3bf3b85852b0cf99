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


# -- SPEC §7: ranges, alternatives, allocation, FTE ------------------------------------------

from conftest import write_tree  # noqa: E402
from katalog.compute import allocate_series, salary_for  # noqa: E402
from katalog.model import Range  # noqa: E402


def test_series_sum_adds_lows_and_highs_apart():
    a = Series.of({2026: Range(D("3.5"), D("5.5")), 2027: D(1)})
    b = Series.of({2026: D(2), 2027: UNKNOWN})
    total = Series.sum([a, b])
    assert total.get(2026) == Range(D("5.5"), D("7.5"))
    assert total.get(2027) is UNKNOWN and total.known(2027) == D(1)
    c = Series.of({2027: Range(D(-1), D(-2))})
    both = Series.sum([total, c])
    assert both.known(2027) == Range(D(0), D(-1)) and both.get(2027) is UNKNOWN


def test_a_range_that_closes_is_a_number():
    total = Series.sum([Series.of({2026: Range(D(1), D(3))}), Series.of({2026: Range(D(3), D(1))})])
    assert total.get(2026) == D(4) and not total.ranges


def _with(small, name, text):
    (small / "proposals" / name).write_text(text, encoding="utf-8")


def test_range_flows_into_theme_total_and_difference(small):
    text = (small / "proposals" / "A1.md").read_text(encoding="utf-8")
    _with(small, "A1.md", text.replace("{2026: -3000, 2027: -6000, 2028: -6000}",
                                       "{2026: {low: -3000, high: -4000}, 2027: -6000, 2028: -6000}"))
    _, t = totals_of(small)
    assert t.themes["administration"].total.get(2026) == Range(D(750), D(-250))
    assert t.total.get(2026) == Range(D(-251), D(-1251))
    # difference = target − total, end by end
    assert t.difference.get(2026) == Range(D(-9749), D(-8749))
    assert t.proposals["A1"].payback is None  # a range: no single running sum


def test_alternatives_count_once(small):
    _with(small, "A3.md", "---\nid: A3\ntitle: Alt\ntheme: administration\ndepartment: SOF\n"
          "alternative_to: A2\nsummary: S.\neconomy:\n  - {text: x, area: service, group: varig,"
          " amounts: {2026: -5000}}\n---\n")
    _, t = totals_of(small)
    assert t.alternative_groups == {"A2": ("A2", "A3")}
    assert t.proposals["A2"].counted and not t.proposals["A3"].counted
    assert t.themes["administration"].counted == ("A1", "A2")
    text = (small / "proposals" / "A3.md").read_text(encoding="utf-8")
    _with(small, "A3.md", text.replace("alternative_to: A2\n", "alternative_to: A2\nchosen: true\n"))
    _, t = totals_of(small)
    assert t.proposals["A3"].counted and not t.proposals["A2"].counted
    # administration 2026: A1 2000 + A3 -5000
    assert t.themes["administration"].total.get(2026) == D(-3000)


def test_the_first_alternative_whose_status_counts(small):
    _with(small, "A0.md", "---\nid: A0\ntitle: Alt\ntheme: administration\ndepartment: SOF\n"
          "status: trukket\nsummary: S.\neconomy: []\n---\n")
    text = (small / "proposals" / "A2.md").read_text(encoding="utf-8")
    _with(small, "A2.md", text.replace("summary:", "alternative_to: A0\nsummary:"))
    _, t = totals_of(small)
    assert t.alternative_groups == {"A0": ("A0", "A2")}
    assert t.proposals["A2"].counted and not t.proposals["A0"].counted


def test_allocation_from_a_year_keeps_earlier_years_with_the_department(small):
    text = (small / "proposals" / "I1.md").read_text(encoding="utf-8")
    _with(small, "I1.md", text.replace("allocation: nøgle",
                                       "allocation:\n  shares: {SOF: 50, BUF: 50}\n  from: 2027"))
    _, t = totals_of(small)
    parts = t.proposals["I1"].allocated
    assert parts["BUF"].values == {2026: D(-1001), 2027: D(0)}  # I1's own department in 2026
    assert parts["SOF"].values == {2027: D(0)}


def test_allocation_amounts(small):
    text = (small / "proposals" / "A1.md").read_text(encoding="utf-8")
    _with(small, "A1.md", text.replace(
        "summary:", "allocation:\n  amounts: {BUF: {2026: -1000, 2027: -2000, 2028: -2000}, "
        "SOF: {2026: -2000, 2027: -4000, 2028: -4000}}\nsummary:"))
    _, t = totals_of(small)
    parts = t.proposals["A1"].allocated
    # varig by the amounts; the one-off 5000 / 500 stays with A1's own department (SOF)
    assert parts["BUF"].values == {2026: D(-1000), 2027: D(-2000), 2028: D(-2000)}
    assert parts["SOF"].values == {2026: D(3000), 2027: D(-3500), 2028: D(-4000)}


def test_allocation_amounts_that_do_not_add_up_are_an_error(small):
    text = (small / "proposals" / "A1.md").read_text(encoding="utf-8")
    _with(small, "A1.md", text.replace(
        "summary:", "allocation:\n  amounts: {BUF: -1000, SOF: -2000}\nsummary:"))
    checked = check(small)
    issues = checked.report.errors
    assert [(i.code, i.line, i.col) for i in issues] == [("allocation-amounts", 7, 12)] * 2
    assert "i 2027" in issues[0].message and "i 2028" in issues[1].message
    assert "-3.000" in issues[0].message and "-6.000" in issues[0].message
    assert "2026" not in " ".join(i.message for i in issues)  # 2026 adds up


def test_allocated_by_department_adds_up_to_the_total(small):
    _, t = totals_of(small)
    parts = t.allocated_by_department
    assert list(parts) == ["SOF", "BUF"]
    for year in (2026, 2028):
        assert sum(p.get(year) for p in parts.values()) == t.total.get(year)
    # 2027 is unknown where A2's "?" goes (BUF), and the known parts add up
    assert 2027 in parts["BUF"].unknown and 2027 not in parts["SOF"].unknown
    assert parts["SOF"].get(2027) + parts["BUF"].known(2027) == t.total.known(2027) == D(-5500)


def test_decimal_amounts_are_allocated_exactly(small):
    text = (small / "proposals" / "I1.md").read_text(encoding="utf-8")
    _with(small, "I1.md", text.replace("2026: -1001", "2026: -1000.25"))
    _, t = totals_of(small)
    # SPEC §3's whole units (as before) in `allocation` ...
    assert sum(v.get(2026) for v in t.proposals["I1"].allocation.values()) == D(-1000)
    # ... but the amounts delivered add up exactly
    assert sum(v.get(2026) for v in t.proposals["I1"].allocated.values()) == D("-1000.25")


@given(st.lists(st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False),
                min_size=1, max_size=5),
       st.lists(st.integers(min_value=0, max_value=100), min_size=2, max_size=6))
def test_exact_allocation_always_adds_up(amounts, shares):
    if not any(shares):
        shares[0] = 1
    key = {f"D{i}": D(s) for i, s in enumerate(shares)}
    series = Series({2026 + i: a for i, a in enumerate(amounts)})
    parts = allocate_series(series, key, D(1), exact=True)
    for year, value in series.values.items():
        assert sum(p.get(year) or D(0) for p in parts.values()) == value


def test_fte_salary_nearest_wins(tmp_path):
    files = {
        "catalogue.yaml": """
            title: K
            organisation: O
            years: [2026]
            price_level: 2026
            average_salary: 500
            departments:
              - {code: SOF, average_salary: 400}
              - {code: BUF}
            """,
        "themes/a.md": "---\nid: a\nnumber: 1\ntitle: A\naverage_salary: 250\n---\n",
        "themes/b.md": "---\nid: b\nnumber: 2\ntitle: B\n---\n",
    }
    line = "economy:\n  - {text: x, area: service, group: varig, amounts: {2026: -1000}}\n"
    for pid, theme, dep, extra in (("P1", "a", "SOF", ""), ("P2", "b", "SOF", ""),
                                   ("P3", "b", "BUF", ""), ("P4", "a", "SOF", "fte: {2026: -1}\n")):
        files[f"proposals/{pid}.md"] = (f"---\nid: {pid}\ntitle: T\ntheme: {theme}\n"
                                        f"department: {dep}\nsummary: S.\n{extra}{line}---\n")
    _, t = totals_of(write_tree(tmp_path / "c", files))
    fte = {pid: t.proposals[pid].fte.get(2026) for pid in ("P1", "P2", "P3", "P4")}
    assert fte == {"P1": D(-4), "P2": D("-2.5"), "P3": D(-2), "P4": D(-1)}
    assert t.themes["a"].fte.get(2026) == D(-5)


def test_fte_unknown_marks_the_total(small):
    text = (small / "proposals" / "I1.md").read_text(encoding="utf-8")
    _with(small, "I1.md", text.replace("allocation: nøgle", "allocation: nøgle\nfte: '?'"))
    _, t = totals_of(small)
    assert t.fte.unknown == {2026, 2027, 2028}
    # A1 -3000/500 = -6, A2 -1250/500 = -2,5 → known part -8,5
    assert t.fte.known(2026) == D("-8.5")


def test_fte_decimals(small):
    text = (small / "catalogue.yaml").read_text(encoding="utf-8")
    (small / "catalogue.yaml").write_text(text + "fte_decimals: 2\naverage_salary_x: 0\n",
                                          encoding="utf-8")
    text = (small / "catalogue.yaml").read_text(encoding="utf-8").replace("average_salary: 500",
                                                                          "average_salary: 575")
    (small / "catalogue.yaml").write_text(text.replace("average_salary_x: 0\n", ""),
                                          encoding="utf-8")
    _, t = totals_of(small)
    assert t.proposals["A2"].fte.get(2026) == D("-2.17")  # -1250 / 575 = -2,1739


def test_fte_that_cannot_be_computed_is_unknown_when_the_catalogue_shows_fte(small):
    # No salary for I1's department... the catalogue has one, so first take it away and give
    # one proposal its own FTE: the others cannot be computed and are "?", not left out.
    text = (small / "catalogue.yaml").read_text(encoding="utf-8")
    (small / "catalogue.yaml").write_text(text.replace("average_salary: 500\n", ""),
                                          encoding="utf-8")
    a1 = (small / "proposals" / "A1.md").read_text(encoding="utf-8")
    _with(small, "A1.md", a1.replace("summary:", "fte: {2026: -6, 2027: -12, 2028: -12}\nsummary:"))
    _, t = totals_of(small)
    assert t.proposals["I1"].fte.unknown == {2026, 2027}
    assert t.fte.unknown == {2026, 2027, 2028} and t.fte.known(2026) == D(-6)
    # a catalogue without any FTE shows none (and marks none unknown)
    _with(small, "A1.md", a1)
    _, t = totals_of(small)
    assert t.fte.empty and t.proposals["I1"].fte.empty


# -- helpers the budget year builds on (SPEC §8) ---------------------------------------------------


def test_series_replaced_keeps_the_years_it_does_not_name():
    from katalog.compute import Series

    base = Series({2026: D(-100), 2027: D(-200)}, frozenset({2028}), {2028: D(-50)})
    assert base.replaced({}) is base
    assert base.replaced({2027: D(-150), 2028: D(-80)}) == Series(
        {2026: D(-100), 2027: D(-150), 2028: D(-80)})
    # a "?" named replaces a known year; an unknown year not named keeps its known part
    assert base.replaced({2026: UNKNOWN}) == Series({2027: D(-200)}, frozenset({2026, 2028}),
                                                    {2028: D(-50)})


def test_a_catalogue_with_a_decision_has_a_budget_year(small):
    from katalog.pipeline import check

    (small / "proposals/A1.md").write_text(
        (small / "proposals/A1.md").read_text(encoding="utf-8").replace(
            "summary:", "status: vedtaget\ndecision: {outcome: vedtaget}\nsummary:"),
        encoding="utf-8")
    checked = check(small)
    assert checked.ok and checked.totals.budget is not None
    assert checked.totals.budget.adopted_ids == ("A1",)
