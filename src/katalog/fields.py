"""Typed, located access to one document's fields; every problem becomes an `Issue`.

A `Fields` reader wraps one `Document` and the shared `Report`. Each accessor returns a
clean Python value (or a default) and reports a Danish message at the value's exact line and
column when the value is missing or of the wrong kind, so loading never stops at the first
problem.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from decimal import Decimal
from typing import Any, Iterable, Sequence

from .issues import Report
from .model import UNKNOWN, Amount, Loc
from .source import Document

Path_ = tuple[Any, ...]

_THOUSANDS_DOT = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(\.\d{3})*,\d+$|^[-+]?\d+,\d+$")
_PLAIN_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")
_SPACED_NUMBER = re.compile(r"^[-+]?\d{1,3}([  ]\d{3})+$")

# Danish (and common mistyped) field names, to suggest the right key.
DANISH_KEYS = {
    "titel": "title",
    "overskrift": "title",
    "tema": "theme",
    "forvaltning": "department",
    "afdeling": "department",
    "resume": "summary",
    "resumé": "summary",
    "økonomi": "economy",
    "linjer": "economy",
    "beløb": "amounts",
    "tekst": "text",
    "område": "area",
    "styringsområde": "area",
    "gruppe": "group",
    "type": "kind",
    "nummer": "number",
    "år": "years",
    "mål": "targets",
    "maal": "targets",
    "måltal": "targets",
    "enhed": "unit",
    "prisniveau": "price_level",
    "organisation_navn": "organisation",
    "organization": "organisation",
    "kommune": "organisation",
    "total": "totals",
    "i_alt": "totals",
    "årsværk": "fte",
    "fordeling": "allocation",
    "hørt": "consulted",
    "høring": "hearing",
    "opfølgning": "followup",
    "follow_up": "followup",
    "emner": "tags",
    "navn": "name",
    "kode": "code",
    "andel": "share",
    "part": "party",
    "godkendt": "approved",
    "dato": "date",
    "bemærkning": "comment",
    "kommentar": "comment",
    "udvalg": "body",
    "måling": "measure",
    "ansvarlig": "responsible",
    "hvornår": "when",
    "sammenlagt_med": "merged_into",
}


def suggest(word: str, options: Iterable[str]) -> str | None:
    """The closest option to `word`, or None."""
    options = list(options)
    lowered = {o.casefold(): o for o in options}
    if word.casefold() in lowered:
        return lowered[word.casefold()]
    if word.casefold() in DANISH_KEYS and DANISH_KEYS[word.casefold()] in options:
        return DANISH_KEYS[word.casefold()]
    match = difflib.get_close_matches(word.casefold(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """` – mente du 'x'?` or an empty string."""
    hint = suggest(word, options)
    return f" – mente du '{hint}'?" if hint else ""


def one_of(options: Sequence[str]) -> str:
    quoted = [f"'{o}'" for o in options]
    return ", ".join(quoted[:-1]) + f" eller {quoted[-1]}" if len(quoted) > 1 else quoted[0]


MAX_NUMBER = Decimal(10) ** 15  # no municipal amount comes near; guards the arithmetic


def _short(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters for a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(value: Decimal) -> str:
    """A Decimal as the writer would type it, without exponent."""
    text = format(value, "f")
    return text


def _kind(value: Any) -> str:
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


class Fields:
    """Located, typed reading of one document's values."""

    def __init__(self, doc: Document, report: Report) -> None:
        self.doc = doc
        self.report = report
        self.path = doc.path

    # -- positions and messages -------------------------------------------------------------

    def loc(self, path: Path_) -> Loc:
        line, col = self.doc.pos(path)
        return Loc(self.path, line, col)

    def key_loc(self, path: Path_) -> Loc:
        line, col = self.doc.key_pos(path)
        return Loc(self.path, line, col)

    def error(self, path: Path_, code: str, message: str, at_key: bool = False) -> None:
        loc = self.key_loc(path) if at_key else self.loc(path)
        self.report.error(code, message, loc.path, loc.line, loc.col)

    def warning(self, path: Path_, code: str, message: str, at_key: bool = False) -> None:
        loc = self.key_loc(path) if at_key else self.loc(path)
        self.report.warning(code, message, loc.path, loc.line, loc.col)

    # -- structure ---------------------------------------------------------------------------

    def mapping(self, path: Path_, what: str) -> dict[Any, Any] | None:
        value = self.get(path)
        if isinstance(value, dict):
            return value
        self.error(path, "type", f"{what} skal være en samling af nøgler og værdier, ikke {_kind(value)}")
        return None

    def get(self, path: Path_) -> Any:
        value: Any = self.doc.data
        for part in path:
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                value = value[part]
            else:
                return None
        return value

    def unknown_keys(self, path: Path_, allowed: Iterable[str], where: str) -> None:
        data = self.get(path)
        if not isinstance(data, dict):
            return
        allowed = list(allowed)
        for key in data:
            if key not in allowed:
                self.warning(
                    path + (key,),
                    "unknown-field",
                    f"ukendt felt '{key}' i {where} ignoreres{did_you_mean(str(key), allowed)}",
                    at_key=True,
                )

    def required(self, path: Path_, what: str) -> bool:
        """Report a missing or empty required field; True when present."""
        parent = self.get(path[:-1])
        if not isinstance(parent, dict) or path[-1] not in parent:
            self.error(path[:-1], "required", f"{what} mangler: feltet '{path[-1]}' er påkrævet")
            return False
        if parent[path[-1]] is None or parent[path[-1]] == "":
            self.error(path, "required", f"feltet '{path[-1]}' er tomt: {what} er påkrævet", at_key=True)
            return False
        return True

    # -- scalars -----------------------------------------------------------------------------

    def text(self, path: Path_, what: str, required: bool = False, default: str = "") -> str:
        if required and not self.required(path, what):
            return default
        value = self.get(path)
        if value is None:
            return default
        if isinstance(value, bool) or isinstance(value, (list, dict)):
            self.error(path, "type", f"'{path[-1]}' skal være tekst, ikke {_kind(value)}")
            return default
        if isinstance(value, Decimal):
            return plain(value)
        return str(value).strip()

    def integer(self, path: Path_, what: str, required: bool = False) -> int | None:
        if required and not self.required(path, what):
            return None
        value = self.get(path)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, Decimal) and value.as_tuple().exponent == -3:
            self.error(
                path,
                "thousands-dot",
                f"'{path[-1]}' skal være et helt tal: skriv tal uden tusindtalspunktum – "
                f"mente du {plain(value.scaleb(3))}?",
            )
            return None
        if isinstance(value, str) and value.strip().isdigit():
            self.error(path, "type", f"'{path[-1]}' skal være et helt tal uden anførselstegn")
            return None
        self.error(path, "type", f"'{path[-1]}' skal være et helt tal, ikke {_kind(value)}")
        return None

    def choice(
        self,
        path: Path_,
        options: Sequence[str],
        default: str | None,
        what: str,
        code: str | None = None,
    ) -> str | None:
        """One of `options`; an unknown value is reported as `unknown-<field>` (or `code`)."""
        value = self.get(path)
        if value is None:
            return default
        if not isinstance(value, str):
            self.error(path, "type", f"{what} skal være {one_of(options)}, ikke {_kind(value)}")
            return default
        if value not in options:
            hint = suggest(value, options)
            extra = f" – mente du '{hint}'?" if hint else ""
            self.error(
                path,
                code or f"unknown-{path[-1]}",
                f"ukendt {what} '{value}': skal være {one_of(options)}{extra}",
            )
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
        self.error(path, "type", f"'{path[-1]}' skal være true/false (eller ja/nej)")
        return None

    def date(self, path: Path_) -> dt.date | None:
        value = self.get(path)
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value
        self.error(path, "type", f"'{path[-1]}' skal være en dato som 2026-08-07")
        return None

    def number(self, path: Path_, what: str, allow_unknown: bool = False) -> Amount | None:
        """An exact number (or `UNKNOWN` for "?"), catching the Danish thousands-dot pitfall."""
        value = self.get(path)
        if value is None:
            return None
        if isinstance(value, bool):
            self.error(path, "type", f"{what} skal være et tal, ikke sand/falsk")
            return None
        if isinstance(value, int):
            value = Decimal(value)
        if isinstance(value, Decimal):
            if abs(value) >= MAX_NUMBER:
                self.error(path, "too-large",
                           f"{what} er urimeligt stort ({_short(plain(value))}); "
                           "beløb skrives i katalogets enhed, fx 1.000 kr.")
                return None
            exponent = value.as_tuple().exponent
            if exponent == -3:
                meant = plain(value.scaleb(3))
                self.error(
                    path,
                    "thousands-dot",
                    f"{plain(value)} læses som et decimaltal ({plain(value.normalize())}), ikke som "
                    f"tusinder: skriv tal uden tusindtalspunktum – mente du {meant}?",
                )
                return None
            return value
        if isinstance(value, str):
            text = _short(value.strip())
            if text == "?" and allow_unknown:
                return UNKNOWN
            if _THOUSANDS_DOT.match(text):
                self.error(
                    path,
                    "thousands-dot",
                    f"'{text}' er ikke et tal: skriv tal uden tusindtalspunktum – "
                    f"mente du {text.replace('.', '')}?",
                )
            elif _DECIMAL_COMMA.match(text):
                meant = text.replace(".", "").replace(",", ".")
                self.error(
                    path,
                    "decimal-comma",
                    f"'{text}' er ikke et tal: brug punktum som decimaltegn – mente du {meant}?",
                )
            elif _SPACED_NUMBER.match(text):
                self.error(
                    path,
                    "thousands-dot",
                    f"'{text}' er ikke et tal: skriv tal uden mellemrum – "
                    f"mente du {re.sub(r'[  ]', '', text)}?",
                )
            elif _PLAIN_NUMBER.match(text):
                self.error(
                    path,
                    "type",
                    f"{what} står i anførselstegn: skriv {text} uden anførselstegn",
                )
            else:
                unknown = ' eller "?" (ukendt)' if allow_unknown else ""
                self.error(path, "type", f"{what} skal være et tal{unknown}, ikke '{text}'")
            return None
        self.error(path, "type", f"{what} skal være et tal, ikke {_kind(value)}")
        return None

    def year_map(
        self,
        path: Path_,
        years: Sequence[int],
        what: str,
        allow_unknown: bool = False,
    ) -> dict[int, Amount]:
        """`{year: amount}`; absent or null years are left out, years are checked."""
        data = self.get(path)
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.error(
                path,
                "type",
                f"'{path[-1]}' skal være en samling af år og beløb som {{2027: -500}}, "
                f"ikke {_kind(data)}",
            )
            return {}
        result: dict[int, Amount] = {}
        for key in data:
            year = _year(key)
            if year is None:
                self.error(path + (key,), "year", f"'{key}' er ikke et årstal", at_key=True)
                continue
            if years and year not in years:
                self.error(
                    path + (key,),
                    "year-range",
                    f"året {year} ligger uden for katalogets år ({years[0]}–{years[-1]})",
                    at_key=True,
                )
                continue
            if year in result:
                self.error(path + (key,), "duplicate-key", f"året {year} står to gange", at_key=True)
                continue
            amount = self.number(path + (key,), f"{what} for {year}", allow_unknown)
            if amount is not None:
                result[year] = amount
        return dict(sorted(result.items()))

    def text_list(self, path: Path_) -> tuple[str, ...]:
        data = self.get(path)
        if data is None:
            return ()
        if isinstance(data, str):
            return (data,)
        if not isinstance(data, list):
            self.error(path, "type", f"'{path[-1]}' skal være en liste")
            return ()
        result = []
        for i, item in enumerate(data):
            if isinstance(item, (list, dict, bool)):
                self.error(
                    path + (i,), "type", f"hvert punkt i '{path[-1]}' skal være tekst, ikke {_kind(item)}"
                )
            elif item is not None:
                result.append(self.text(path + (i,), ""))
        return tuple(result)

    def items(self, path: Path_, what: str) -> list[int]:
        """Indexes of a list of mappings; reports a value that is not such a list."""
        data = self.get(path)
        if data is None:
            return []
        if not isinstance(data, list):
            self.error(path, "type", f"'{path[-1]}' skal være en liste af {what}, ikke {_kind(data)}")
            return []
        good = []
        for i, item in enumerate(data):
            if isinstance(item, dict):
                good.append(i)
            else:
                self.error(path + (i,), "type", f"hvert punkt i '{path[-1]}' skal være {what}, ikke {_kind(item)}")
        return good


def _year(key: Any) -> int | None:
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    if isinstance(key, str) and key.strip().isdigit() and len(key.strip()) == 4:
        return int(key.strip())
    return None
