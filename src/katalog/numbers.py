"""Danish number formatting on Babel, the one place every output formats numbers.

Babel rounds half to even; budgets round half up, so values are quantized here first (half
up) and Babel only lays out the digits: thousands dot, decimal comma, minus sign. `-0` never
appears. Patterns and the locale are parsed once and cached.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import NumberFormatError, parse_decimal, parse_pattern

from .model import Range

LOCALE = Locale.parse("da_DK")
NBSP = "\u00a0"
NO_AMOUNT = "-"
UNKNOWN_TEXT = "?"
RANGE_DASH = "\u2013"  # en dash: 3,5–5,5
MINUS = "\u2212"  # the operator in "32.020 − ?" (the unknown part is subtracted)

UNIT_LABELS = {1: "kr.", 1000: "1.000 kr.", 1000000: "mio. kr."}


@lru_cache(maxsize=16)
def _pattern(decimals: int) -> Any:
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


@lru_cache(maxsize=16)
def _step(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def quantize(value: Decimal | int, decimals: int = 0) -> Decimal:
    """Round half up to `decimals` places; never negative zero."""
    result = Decimal(value).quantize(_step(decimals), rounding=ROUND_HALF_UP)
    return result if result != 0 else abs(result)


def format_number(value: Decimal | int, decimals: int = 0) -> str:
    """`-26500` → `-26.500`; `Decimal('0.5'), 1` → `0,5`."""
    if isinstance(value, Decimal) and not value.is_finite():
        return _format(value, decimals)
    return _format_memo(value, decimals)  # equal values give equal text: tables repeat them


def _format(value: Decimal | int, decimals: int) -> str:
    return str(_pattern(decimals).apply(quantize(value, decimals), LOCALE))


_format_memo = lru_cache(maxsize=1 << 16)(_format)


def format_amount(value: object, decimals: int = 0) -> str:
    """An amount cell: a number, `3,5–5,5` for a range, `-` for no amount (None), `?` for
    unknown."""
    if value is None:
        return NO_AMOUNT
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return format_number(value, decimals)
    if isinstance(value, Range):
        return format_range(value, decimals)
    return UNKNOWN_TEXT


def format_range(value: Range, decimals: int | None = 0) -> str:
    """`3,5–5,5`; with a negative end spaced, `-3,5 – -5,5`, so the minus stays readable."""
    low, high = (format_exact(v) if decimals is None else format_number(v, decimals)
                 for v in (value.low, value.high))
    if value.low < 0 or value.high < 0:
        return f"{low}{NBSP}{RANGE_DASH} {high}"
    return f"{low}{RANGE_DASH}{high}"


def format_partial(known: Decimal | Range | None, decimals: int | None = None,
                   sign: str = "+") -> str:
    """An incomplete total: its known part and the unknown rest, `-10.300 + ?`; `?` alone
    when nothing of it is known. `decimals=None` shows as many as the value needs. `sign`
    "-" shows a difference, where the unknown rest is subtracted: `32.020 − ?`."""
    if known is None:
        return UNKNOWN_TEXT
    if isinstance(known, Range):
        shown = format_range(known, decimals)
    else:
        shown = format_exact(known) if decimals is None else format_number(known, decimals)
    operator = MINUS if sign == "-" else "+"
    return f"{shown} {operator} {UNKNOWN_TEXT}"


def amount_decimals(value: Decimal) -> int:
    """Decimals to show so an entered amount is never hidden (0 for whole units, max 2)."""
    exponent = value.normalize().as_tuple().exponent
    return min(max(0, -exponent), 2) if isinstance(exponent, int) else 0


def format_exact(value: object) -> str:
    """An amount with as many decimals as it needs (up to 2): `12.5` → `12,5` (messages and
    the diff; tables use the catalogue's fixed decimals)."""
    if isinstance(value, Decimal):
        return format_amount(value, amount_decimals(value))
    if isinstance(value, Range):
        return format_range(value, None)
    return format_amount(value)


def format_percent(value: Decimal | int, decimals: int = 1, sign: str = "%") -> str:
    """`28.4` → `28,4 %` (or `28,4 pct.`), with a non-breaking space."""
    return f"{format_number(value, decimals)}{NBSP}{sign}"


def format_fte(value: object, decimals: int = 1) -> str:
    """Årsværk with the catalogue's `fte_decimals` (default one): `-46,1`."""
    return format_amount(value, decimals)


def unit_label(unit: int, price_level: int | None = None) -> str:
    """`1.000 kr., 2026 p/l` with non-breaking spaces inside each part."""
    label = UNIT_LABELS.get(unit, f"{format_number(unit)} kr.").replace(" ", NBSP)
    return f"{label}, {price_level}{NBSP}p/l" if price_level else label


def parse_number(text: str) -> Decimal:
    """Parse a Danish-formatted number (`-26.500`, `0,5`) back to an exact Decimal."""
    try:
        return Decimal(parse_decimal(text.replace(NBSP, "").strip(), locale=LOCALE, strict=True))
    except (NumberFormatError, InvalidOperation) as exc:
        raise ValueError(f"ikke et dansk tal: {text!r}") from exc


def sign_note(savings_sign: str) -> str:
    """The note every table carries on the sign convention (`labels` key `sign_note`)."""
    from .labels import default_label

    return default_label("sign_note", savings_sign)


def difference_label(savings_sign: str) -> str:
    """What the difference target − total means under the sign convention (`labels` key
    `difference`)."""
    from .labels import default_label

    return default_label("difference", savings_sign)


def decimals_needed(value: Decimal) -> int:
    """The decimals that show `value` exactly."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def csv_number(value: object) -> str:
    """An amount for Danish CSV: decimal comma, no thousands separator, exact (`-10300`,
    `12,5`); a range `3,5-5,5`; `?` for unknown; empty for no amount."""
    if value is None:
        return ""
    if isinstance(value, Range):
        return f"{csv_number(value.low)}{RANGE_DASH}{csv_number(value.high)}"
    if isinstance(value, Decimal):
        text = str(int(value)) if value == value.to_integral_value() else \
            format(value.normalize(), "f")
        return text.replace(".", ",")
    return UNKNOWN_TEXT
