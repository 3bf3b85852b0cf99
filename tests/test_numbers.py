"""numbers: Danish formatting on Babel, half-up rounding, no -0, round trips."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from katalog.model import UNKNOWN
from katalog.numbers import (
    NBSP,
    format_amount,
    format_exact,
    format_fte,
    format_number,
    format_percent,
    parse_number,
    quantize,
    unit_label,
)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (D(-26500), 0, "-26.500"),
        (D(1234567), 0, "1.234.567"),
        (D("0.5"), 1, "0,5"),
        (D("2.5"), 0, "3"),  # half up, not Babel's half even
        (D("3.5"), 0, "4"),
        (D("-2.5"), 0, "-3"),
        (D("1234.25"), 1, "1.234,3"),
        (D("-0.4"), 0, "0"),  # never -0
        (D("-0.04"), 1, "0,0"),
        (D(0), 0, "0"),
        (999, 0, "999"),
    ],
)
def test_format_number(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_amount_cells():
    assert format_amount(None) == "-"
    assert format_amount(UNKNOWN) == "?"
    assert format_amount(D(0)) == "0"
    assert format_exact(D("12.5")) == "12,5"
    assert format_exact(D("-26500")) == "-26.500"
    assert format_fte(D("-46.08")) == "-46,1"


def test_percent_and_units():
    assert format_percent(D("28.4")) == f"28,4{NBSP}%"
    assert format_percent(D("28.4"), sign="pct.") == f"28,4{NBSP}pct."
    assert unit_label(1000, 2026) == f"1.000{NBSP}kr., 2026{NBSP}p/l"
    assert unit_label(1000000, 2027) == f"mio.{NBSP}kr., 2027{NBSP}p/l"
    assert unit_label(1) == "kr."


def test_parse_rejects_garbage():
    with pytest.raises(ValueError):
        parse_number("12,3,4")


amounts = st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=2)


@given(amounts, st.integers(min_value=0, max_value=2))
def test_parse_format_round_trip(value, decimals):
    expected = quantize(value, decimals)
    assert parse_number(format_number(value, decimals)) == expected


@given(amounts)
def test_format_never_shows_negative_zero(value):
    text = format_number(value, 0)
    assert text not in ("-0",) and not text.startswith("-0")


@given(amounts, st.integers(min_value=0, max_value=2))
def test_half_up_matches_decimal_rounding(value, decimals):
    from decimal import ROUND_HALF_UP

    step = D(1).scaleb(-decimals)
    assert parse_number(format_number(value, decimals)) == value.quantize(step, ROUND_HALF_UP) + 0


def test_ranges_and_unknown_parts():
    from katalog.model import Range
    from katalog.numbers import csv_number, format_partial, format_range

    assert format_range(Range(D("3.5"), D("5.5")), 1) == "3,5–5,5"
    assert format_range(Range(D(3), D("5.5")), None) == "3–5,5"
    assert format_range(Range(D("-3.5"), D("-5.5")), 1) == f"-3,5{NBSP}– -5,5"
    assert format_amount(Range(D(1000), D(2000))) == "1.000–2.000"
    assert format_partial(D(-10300), 0) == "-10.300 + ?"
    assert format_partial(D(1500), 0, "-") == "1.500 − ?"
    assert format_partial(None) == "?"
    assert format_partial(Range(D("15.5"), D("17.5")), 1) == "15,5–17,5 + ?"
    assert format_fte(D("1.739"), 2) == "1,74"
    assert csv_number(D("-10300")) == "-10300" and csv_number(D("12.50")) == "12,5"
    assert csv_number(None) == "" and csv_number(UNKNOWN) == "?"
    assert csv_number(Range(D("3.5"), D(5))) == "3,5–5"


@given(amounts, st.integers(min_value=0, max_value=4))
def test_fixed_decimals_never_show_minus_zero(value, decimals):
    text = format_number(value, decimals)
    assert not text.startswith("-") or parse_number(text) != 0
