"""Typed, located reading of one document's values; every problem becomes an `Issue`.

A `Reader` wraps one parsed `Document` and the shared `Report`. Each accessor returns a clean
Python value (or a default) and reports a Danish message at the value's exact line and column
when the value is missing or of the wrong kind, so loading never stops at the first problem.
Which field is read how is declared in `fields`; `load` drives the reader from that table.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from .fields import Record, all_aliases, one_of
from .issues import Report
from .model import UNKNOWN, Amount, Loc, Range
from .numbers import unit_label
from .source import Document

Path_ = tuple[Any, ...]

_THOUSANDS_DOT = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(\.\d{3})*,\d+$|^[-+]?\d+,\d+$")
_PLAIN_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")
_SPACED_NUMBER = re.compile(r"^[-+]?\d{1,3}([  ]\d{3})+$")

MAX_NUMBER = Decimal(10) ** 15  # no municipal amount comes near; guards the arithmetic
THOUSANDS_DOT_UNIT = 1000  # the thousands-dot pitfall applies up to this unit (SPEC §7)


_MISSING: Any = object()
_KEYS: dict[int, tuple[Record, frozenset[str]]] = {}


def keys_of(record: Record) -> frozenset[str]:
    """`record.keys` as a set, worked out once per record (records are module constants)."""
    kept = _KEYS.get(id(record))
    if kept is None or kept[0] is not record:
        kept = _KEYS[id(record)] = (record, frozenset(record.keys))
    return kept[1]


def suggest(word: str, options: Iterable[Any], aliases: dict[str, str] | None = None) -> str | None:
    """The closest option to `word` (also via the Danish keys writers use), or None."""
    names: list[str] = [str(o) for o in options]
    lowered: dict[str, str] = {o.casefold(): o for o in names}
    if word.casefold() in lowered:
        return lowered[word.casefold()]
    aliases = all_aliases() if aliases is None else aliases
    alias = aliases.get(word.casefold())
    if alias is not None and alias in names:
        return alias
    match = difflib.get_close_matches(word.casefold(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, options: Iterable[Any], aliases: dict[str, str] | None = None) -> str:
    """` – mente du 'x'?` or an empty string."""
    hint = suggest(word, options, aliases)
    return f" – mente du '{hint}'?" if hint else ""


def short(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters for a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(value: Decimal) -> str:
    """A Decimal as the writer would type it, without exponent."""
    return format(value, "f")


def kind_of(value: Any) -> str:
    """A Danish phrase for what a YAML value is."""
    if value is None:
        return "tom"
    if isinstance(value, bool):
        return "sand/falsk"
    if isinstance(value, Decimal):
        return "et decimaltal"
    if isinstance(value, int):
        return "et tal"
    if isinstance(value, dt.date):
        return "en dato"
    if isinstance(value, list):
        return "en liste"
    if isinstance(value, dict):
        return "en samling af nøgler"
    return "tekst"


def year_of(key: Any) -> int | None:
    """A year mapping's key as a year (`2026` or `"2026"`), or None."""
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    if isinstance(key, str) and key.strip().isdigit() and len(key.strip()) == 4:
        return int(key.strip())
    return None


class Reader:
    """Located, typed reading of one document's values.

    `unit` is the catalogue's unit (it decides whether `0.500` is the thousands-dot pitfall
    and what hints say); `years` the catalogue's years (year mappings are checked against
    them)."""

    def __init__(self, doc: Document, report: Report, unit: int = 1000,
                 years: Sequence[int] = ()) -> None:
        self.doc = doc
        self.report = report
        self.path = doc.path
        self.unit = unit
        self.years = tuple(years)
        self._known: tuple[Path_, Any] = ((), doc.data)  # a path just looked up: its value

    def known(self, path: Path_, value: Any) -> None:
        """Note that `path` holds `value` (just looked up by the caller), so the reader of
        the field at that very path object need not walk the document again."""
        self._known = (path, value)

    # -- positions and messages -------------------------------------------------------------

    def loc(self, path: Path_) -> Loc:
        line, col = self.doc.pos(path)
        return Loc(self.path, line, col)

    def key_loc(self, path: Path_) -> Loc:
        line, col = self.doc.key_pos(path)
        return Loc(self.path, line, col)

    def problem(self, path: Path_, code: str, /, at_key: bool = False, **values: Any) -> None:
        """Report the catalogue's problem `code` at the value (or key) of `path`."""
        loc = self.key_loc(path) if at_key else self.loc(path)
        self.report.problem(code, loc.path, loc.line, loc.col, **values)

    # -- structure ---------------------------------------------------------------------------

    def get(self, path: Path_) -> Any:
        """The value at `path`, or None when there is none."""
        if path is self._known[0]:
            return self._known[1]
        value: Any = self.doc.data
        for part in path:
            if type(value) is dict:  # the usual case, without the checks below
                value = value.get(part, _MISSING)
                if value is _MISSING:
                    return None
            elif isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                value = value[part]
            else:
                return None
        return value

    def has(self, path: Path_) -> bool:
        parent = self.get(path[:-1])
        return isinstance(parent, dict) and path[-1] in parent

    def mapping(self, path: Path_, what: str) -> dict[Any, Any] | None:
        value = self.get(path)
        if isinstance(value, dict):
            return value
        self.problem(path, "not-mapping", what=what, kind=kind_of(value))
        return None

    def unknown_keys(self, path: Path_, record: Record) -> None:
        """Warn about keys `record` does not have, with a "mente du" when one is close."""
        data = self.get(path)
        if not isinstance(data, dict):
            return
        allowed = keys_of(record)
        for key in data:
            if key not in allowed:
                self.problem(path + (key,), "unknown-field", at_key=True, key=key,
                             where=record.where,
                             hint=did_you_mean(str(key), record.keys, record.aliases))

    def required(self, path: Path_, label: str, hint: str = "") -> bool:
        """Report a missing or empty required field; True when present."""
        parent = self.get(path[:-1])
        hint = f" ({hint})" if hint else ""
        if not isinstance(parent, dict) or path[-1] not in parent:
            self.problem(path[:-1], "required", label=label, key=path[-1], hint=hint)
            return False
        if parent[path[-1]] is None or parent[path[-1]] == "":
            self.problem(path, "empty-required", at_key=True, key=path[-1],
                         label=label.lower())
            return False
        return True

    # -- scalars -----------------------------------------------------------------------------

    def text(self, path: Path_, default: str = "") -> str:
        """Plain text (a number is taken as written); Markdown keeps its inner line breaks."""
        value = self.get(path)
        if value is None:
            return default
        if isinstance(value, (bool, list, dict)):
            self.problem(path, "not-text", key=path[-1], kind=kind_of(value))
            return default
        if isinstance(value, Decimal):
            return plain(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value).strip()

    def integer(self, path: Path_, label: str) -> int | None:
        value = self.get(path)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, Decimal) and value.as_tuple().exponent == -3:
            self.problem(path, "thousands-dot", text=plain(value),
                         reading=f"læses som et decimaltal ({plain(value.normalize())})",
                         rule="skriv tal uden tusindtalspunktum",
                         meant=plain(value.scaleb(3)))
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            self.problem(path, "quoted-number", what=f"'{path[-1]}'", text=value.strip())
            return None
        self.problem(path, "not-integer", key=path[-1], kind=kind_of(value))
        return None

    def choice(self, path: Path_, options: Sequence[Any], default: Any, label: str,
               code: str = "unknown-choice", labels: tuple[str, ...] = (),
               aliases: Mapping[str, str] | None = None) -> Any:
        """One of `options` (texts, or integers such as `unit`); `aliases` (casefolded word →
        option) give the "mente du" for words writers type instead ("green" → "grøn")."""
        value = self.get(path)
        if value is None:
            return default
        if (type(value) is str or type(value) is int) and value in options:
            return value  # the usual case (a text among texts, an integer among integers)
        numeric = all(isinstance(o, int) for o in options)
        shown = one_of([str(o) for o in options], labels)
        if numeric:
            if isinstance(value, int) and not isinstance(value, bool) and value in options:
                return value
            if (isinstance(value, Decimal) and value.as_tuple().exponent == -3) or (
                    isinstance(value, str) and value.strip().isdigit()):
                self.integer(path, label)  # the thousands-dot or quoted-number message
                return default
            self.problem(path, code, value=short(str(value)), options=shown, label=label,
                         hint="")
            return default
        if not isinstance(value, str):
            self.problem(path, "not-choice", label=label, options=shown, kind=kind_of(value))
            return default
        if value not in options:
            self.problem(path, code, value=short(value), options=shown, label=label.lower(),
                         hint=did_you_mean(value, options, dict(aliases or {})))
            return default
        return value

    def boolean(self, path: Path_) -> bool | None:
        value = self.get(path)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.casefold() in ("ja", "nej"):
            return value.casefold() == "ja"
        self.problem(path, "not-bool", key=path[-1])
        return None

    def date(self, path: Path_) -> dt.date | None:
        value = self.get(path)
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value
        self.problem(path, "not-date", key=path[-1])
        return None

    # -- numbers -----------------------------------------------------------------------------

    def number(self, path: Path_, what: str, allow_unknown: bool = False,
               allow_range: bool = False) -> Amount | None:
        """An exact number (or `UNKNOWN` for "?", or a `Range`), catching the Danish
        thousands-dot pitfall where the unit makes it one."""
        return self.number_of(path, self.get(path), what, allow_unknown, allow_range)

    def number_of(self, path: Path_, value: Any, what: str, allow_unknown: bool = False,
                  allow_range: bool = False) -> Amount | None:
        """`number` of the value at `path` already looked up (`value`)."""
        if value is None:
            return None
        if isinstance(value, bool):
            self.problem(path, "not-number", what=what, unknown="", value="sand/falsk")
            return None
        if isinstance(value, int):
            value = Decimal(value)
        if isinstance(value, Decimal):
            return self._decimal(path, value, what)
        if isinstance(value, dict) and allow_range:
            return self.range(path, what)
        if isinstance(value, str):
            return self._number_text(path, value, what, allow_unknown, allow_range)
        self.problem(path, "not-number", what=what, unknown=self._also(allow_unknown, allow_range),
                     value=kind_of(value))
        return None

    @staticmethod
    def _also(allow_unknown: bool, allow_range: bool) -> str:
        if allow_unknown and allow_range:
            return ', "?" (ukendt) eller et interval {low: .., high: ..}'
        return ' eller "?" (ukendt)' if allow_unknown else ""

    def _decimal(self, path: Path_, value: Decimal, what: str) -> Decimal | None:
        if value.copy_abs() >= MAX_NUMBER:  # copy_abs: no context, no Overflow
            self.problem(path, "too-large", what=what, value=short(plain(value)),
                         unit=unit_label(self.unit).replace("\u00a0", " "))
            return None
        if value.as_tuple().exponent == -3 and self.unit <= THOUSANDS_DOT_UNIT:
            self.problem(path, "thousands-dot", text=plain(value),
                         reading=f"læses som et decimaltal ({plain(value.normalize())}), "
                                 "ikke som tusinder",
                         rule="skriv tal uden tusindtalspunktum",
                         meant=plain(value.scaleb(3)))
            return None
        return value

    def _number_text(self, path: Path_, value: str, what: str, allow_unknown: bool,
                     allow_range: bool) -> Amount | None:
        text = short(value.strip())
        if text == "?" and allow_unknown:
            return UNKNOWN
        if _THOUSANDS_DOT.match(text):
            rule, meant = self._meant_thousands(text)
            self.problem(path, "thousands-dot", text=f"'{text}'", reading="er ikke et tal",
                         rule=rule, meant=meant)
        elif _DECIMAL_COMMA.match(text):
            self.problem(path, "decimal-comma", text=text,
                         meant=text.replace(".", "").replace(",", "."))
        elif _SPACED_NUMBER.match(text):
            self.problem(path, "spaced-number", text=text, meant=re.sub(r"[  ]", "", text))
        elif _PLAIN_NUMBER.match(text):
            self.problem(path, "quoted-number", what=what, text=text)
        else:
            self.problem(path, "not-number", what=what,
                         unknown=self._also(allow_unknown, allow_range), value=f"'{text}'")
        return None

    def _meant_thousands(self, text: str) -> tuple[str, str]:
        """(rule, meant): what a text with thousands dots meant, in the catalogue's unit."""
        kroner = Decimal(text.replace(".", ""))
        if self.unit <= THOUSANDS_DOT_UNIT:
            return "skriv tal uden tusindtalspunktum", plain(kroner)
        meant = (kroner / self.unit).normalize()
        label = unit_label(self.unit).replace("\u00a0", " ")
        return f"beløb skrives i {label} med punktum som decimaltegn", plain(meant)

    def range(self, path: Path_, what: str) -> Range | None:
        """`{low: 3.5, high: 5.5}` → Range."""
        data = self.get(path)
        assert isinstance(data, dict)
        extra = [str(k) for k in data if k not in ("low", "high")]
        missing = [k for k in ("low", "high") if k not in data]
        if extra or missing:
            reason = (f"'{extra[0]}' hører ikke til" if extra
                      else f"'{missing[0]}' mangler")
            self.problem(path, "range-form", reason=reason)
            return None
        low = self.number(path + ("low",), f"{what} (low)")
        high = self.number(path + ("high",), f"{what} (high)")
        if not isinstance(low, Decimal) or not isinstance(high, Decimal):
            return None
        if low == high:
            self.problem(path, "range-equal", value=plain(low))
            return None
        return Range(low, high)

    def year_map(self, path: Path_, what: str, allow_unknown: bool = False,
                 allow_range: bool = False) -> dict[int, Amount]:
        """`{year: amount}`; absent or null years are left out, years are checked."""
        data = self.get(path)
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problem(path, "not-year-map", key=path[-1],
                         year=self.years[0] if self.years else 2027, example=-500,
                         kind=kind_of(data))
            return {}
        result: dict[int, Amount] = {}
        first: dict[int, Any] = {}
        for key in data:
            year = self.year_key(path + (key,), key)
            if year is None:
                continue
            if year in first:
                self.problem(path + (key,), "duplicate-key", at_key=True, key=year,
                             line=self.key_loc(path + (first[year],)).line)
                continue
            first[year] = key
            amount = self.number_of(path + (key,), data[key], f"{what} for {year}",
                                    allow_unknown, allow_range)
            if amount is not None:
                result[year] = amount
        return dict(sorted(result.items()))

    def year_key(self, path: Path_, key: Any) -> int | None:
        """A year mapping's key as one of the catalogue's years, or None (reported)."""
        year = year_of(key)
        if year is None:
            self.problem(path, "year", at_key=True, value=short(str(key)))
            return None
        if self.years and year not in self.years:
            self.problem(path, "year-range", at_key=True, year=year, first=self.years[0],
                         last=self.years[-1])
            return None
        return year

    # -- lists -------------------------------------------------------------------------------

    def text_list(self, path: Path_) -> tuple[str, ...]:
        data = self.get(path)
        if data is None:
            return ()
        if isinstance(data, str):
            return (data,)
        if not isinstance(data, list):
            self.problem(path, "not-list", key=path[-1], example="")
            return ()
        result = []
        for i, item in enumerate(data):
            if isinstance(item, (list, dict, bool)):
                self.problem(path + (i,), "not-text-item", key=path[-1], kind=kind_of(item))
            elif item is not None:
                result.append(self.text(path + (i,)))
        return tuple(result)

    def items(self, path: Path_, what: str) -> list[int]:
        """Indexes of a list of mappings; reports a value that is not such a list."""
        data = self.get(path)
        if data is None:
            return []
        if not isinstance(data, list):
            self.problem(path, "not-record-list", key=path[-1], what=what, kind=kind_of(data))
            return []
        good = []
        for i, item in enumerate(data):
            if isinstance(item, dict):
                good.append(i)
            else:
                self.problem(path + (i,), "not-record", key=path[-1], what=what,
                             kind=kind_of(item))
        return good


__all__ = ["Reader", "suggest", "did_you_mean", "one_of", "plain", "short", "kind_of",
           "year_of", "MAX_NUMBER"]
