"""A content folder (or any mapping of relative paths to bytes) → `Catalogue` + `Report`.

This stage checks each file on its own: that it can be read, and that every field has the
right kind of value. Rules across files live in `validate`.
"""

from __future__ import annotations

import functools
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

from .fields import Fields, did_you_mean
from .folder import CATALOGUE_FILE, PROPOSALS_DIR, THEMES_DIR, read_folder
from .issues import Report
from .model import (
    AREAS,
    DEFAULT_COUNTED,
    GROUPS,
    ID_PATTERN,
    KINDS,
    PERCENT_SIGNS,
    SAVINGS_SIGNS,
    STATUSES,
    TARGET_BASES,
    UNITS,
    UNKNOWN,
    Catalogue,
    Consulted,
    Department,
    FollowUp,
    Hearing,
    Line,
    Loc,
    Proposal,
    Settings,
    Theme,
    natural_key,
)
from .source import Document, SourceError, read_document

T = TypeVar("T")


CATALOGUE_KEYS = (
    "title", "organisation", "years", "price_level", "unit", "savings_sign", "average_salary",
    "targets", "target_basis", "counted_statuses", "departments", "totals", "subtitle", "date",
    "percent_sign",
)  # fmt: skip
THEME_KEYS = ("id", "number", "title", "merged_into", "totals")
PROPOSAL_KEYS = (
    "id", "title", "theme", "department", "status", "summary", "economy", "kind", "price_level",
    "fte", "allocation", "totals", "consulted", "followup", "hearing", "tags",
)  # fmt: skip
LINE_KEYS = ("text", "area", "group", "amounts")
DEPARTMENT_KEYS = ("code", "name", "share")
CONSULTED_KEYS = ("party", "approved", "date", "note")
HEARING_KEYS = ("body", "comment")
FOLLOWUP_KEYS = ("goal", "measure", "responsible", "when")


def load(content: Path | str) -> tuple[Catalogue, Report]:
    """Load a content folder. Always returns a catalogue (possibly partial) and a report."""
    content = Path(content)
    return load_files(read_folder(content), label=os.fspath(content))


def load_files(files: Mapping[str, bytes | OSError], label: str = "content", *,
               read: Callable[[bytes, str, bool], Document] | None = None) -> tuple[Catalogue, Report]:
    """Load from relative paths (`catalogue.yaml`, `themes/x.md`, ...) to their bytes.

    `read` replaces `source.read_document` (e.g. a cache shared by two revisions).
    """
    read = read or read_document
    report = Report()

    def shown(rel: str) -> str:
        return f"{label.rstrip('/')}/{rel}" if label else rel

    docs: dict[str, Document] = {}
    for rel, raw in files.items():
        path = shown(rel)
        is_md = rel.endswith(".md")
        if rel != CATALOGUE_FILE and not is_md:
            report.warning("ignored-file", "filen ignoreres: kun .md-filer læses her", path, 1, 1)
            continue
        if isinstance(raw, OSError):
            report.error("read", f"filen kan ikke læses ({raw.strerror or raw})", path, 1, 1)
            continue
        try:
            docs[rel] = read(raw, path, is_md)
        except SourceError as exc:
            report.error(exc.code, exc.message, path, exc.line, exc.col)
        except Exception as exc:  # noqa: BLE001 - never a traceback: report it on the file
            report.error("internal", f"filen kunne ikke læses ({type(exc).__name__}: {exc})", path, 1, 1)

    if CATALOGUE_FILE not in files:
        report.error(
            "missing-file",
            f"{CATALOGUE_FILE} mangler i indholdsmappen (titel, organisation, år og prisniveau)",
            shown(CATALOGUE_FILE),
            1,
            1,
        )
    settings = _guarded(
        lambda: _settings(docs.get(CATALOGUE_FILE), shown(CATALOGUE_FILE), report),
        shown(CATALOGUE_FILE),
        report,
    ) or Settings(title="", organisation="", years=(), price_level=0, path=shown(CATALOGUE_FILE))
    themes = [
        _guarded(functools.partial(_theme, doc, settings, report), doc.path, report)
        for rel, doc in docs.items()
        if rel.startswith(THEMES_DIR + "/")
    ]
    proposals = [
        _guarded(functools.partial(_proposal, doc, settings, report), doc.path, report)
        for rel, doc in docs.items()
        if rel.startswith(PROPOSALS_DIR + "/")
    ]
    catalogue = Catalogue(
        settings=settings,
        themes=tuple(sorted((t for t in themes if t), key=lambda t: (t.number, t.id))),
        proposals=tuple(sorted((p for p in proposals if p), key=lambda p: natural_key(p.id))),
    )
    return catalogue, report


def _guarded(make: Callable[[], T], path: str, report: Report) -> T | None:
    """Run one file's conversion; an unexpected exception becomes an issue on that file."""
    try:
        return make()
    except Exception as exc:  # noqa: BLE001 - never a traceback
        report.error("internal", f"filen kunne ikke læses ({type(exc).__name__}: {exc})", path, 1, 1)
        return None


# -- catalogue.yaml ---------------------------------------------------------------------------


def _settings(doc: Document | None, path: str, report: Report) -> Settings:
    if doc is None:
        return Settings(title="", organisation="", years=(), price_level=0, path=path)
    f = Fields(doc, report)
    if f.mapping((), "catalogue.yaml") is None:
        return Settings(title="", organisation="", years=(), price_level=0, path=path)
    f.unknown_keys((), CATALOGUE_KEYS, "catalogue.yaml")
    years = _years(f)
    unit = f.integer(("unit",), "enhed")
    if unit is not None and unit not in UNITS:
        f.error(("unit",), "unit", f"'unit' skal være 1 (kr.), 1000 (1.000 kr.) eller 1000000 (mio. kr.), ikke {unit}")
        unit = None
    salary = f.number(("average_salary",), "'average_salary'")
    if isinstance(salary, Decimal) and salary <= 0:
        f.error(("average_salary",), "average-salary", "'average_salary' skal være større end 0")
        salary = None
    counted = _counted_statuses(f)
    return Settings(
        title=f.text(("title",), "katalogets titel", required=True),
        organisation=f.text(("organisation",), "organisationen (kommunens navn)", required=True),
        years=tuple(years),
        price_level=f.integer(("price_level",), "prisniveauet (fx 2026)", required=True) or 0,
        unit=unit or 1000,
        savings_sign=f.choice(("savings_sign",), SAVINGS_SIGNS, "negative", "fortegn for besparelser")
        or "negative",
        average_salary=salary if isinstance(salary, Decimal) else None,
        targets=_known(f.year_map(("targets",), years, "målet")),
        target_basis=f.choice(("target_basis",), TARGET_BASES, "alle", "målgrundlag") or "alle",
        counted_statuses=counted,
        departments=_departments(f),
        declared_totals=_known(f.year_map(("totals",), years, "den angivne total")),
        subtitle=f.text(("subtitle",), "undertitel"),
        date=f.date(("date",)),
        percent_sign=f.choice(("percent_sign",), PERCENT_SIGNS, "%", "procenttegn") or "%",
        path=path,
        locs=_locs(f, CATALOGUE_KEYS),
    )


def _years(f: Fields) -> list[int]:
    if not f.required(("years",), "katalogets år (fx [2027, 2028, 2029, 2030])"):
        return []
    data = f.get(("years",))
    if not isinstance(data, list) or not data:
        f.error(("years",), "type", "'years' skal være en liste af årstal som [2027, 2028, 2029, 2030]")
        return []
    years: list[int] = []
    for i, value in enumerate(data):
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
            f.error(("years", i), "type", f"'{value}' er ikke et årstal")
            return []
        if years and value <= years[-1]:
            f.error(("years", i), "years-order", "årene i 'years' skal stå i stigende orden uden gentagelser")
            return []
        years.append(value)
    return years


def _counted_statuses(f: Fields) -> tuple[str, ...]:
    data = f.get(("counted_statuses",))
    if data is None:
        return DEFAULT_COUNTED
    if not isinstance(data, list):
        f.error(("counted_statuses",), "type", "'counted_statuses' skal være en liste af statusser")
        return DEFAULT_COUNTED
    result = []
    for i in range(len(data)):
        status = f.choice(("counted_statuses", i), STATUSES, None, "status", code="unknown-status")
        if status:
            result.append(status)
    return tuple(result)


def _departments(f: Fields) -> tuple[Department, ...]:
    result = []
    seen: dict[str, int] = {}
    for i in f.items(("departments",), "en forvaltning med code og name"):
        path = ("departments", i)
        f.unknown_keys(path, DEPARTMENT_KEYS, "en forvaltning")
        code = f.text(path + ("code",), "forvaltningens kode", required=True)
        if code in seen:
            f.error(path + ("code",), "duplicate-department",
                    f"forvaltningskoden '{code}' står to gange (første gang i linje {seen[code]})")
        elif code:
            seen[code] = f.loc(path + ("code",)).line
        name = f.text(path + ("name",), "forvaltningens navn") or code
        share = f.number(path + ("share",), "andelen")
        if isinstance(share, Decimal) and not 0 <= share <= 100:
            f.error(path + ("share",), "share", "andelen skal være en procent mellem 0 og 100")
            share = None
        if code:
            result.append(Department(code, name, share if isinstance(share, Decimal) else None))
    return tuple(result)


# -- themes -----------------------------------------------------------------------------------


def _theme(doc: Document, settings: Settings, report: Report) -> Theme | None:
    f = Fields(doc, report)
    if f.mapping((), "front matter") is None:
        return None
    f.unknown_keys((), THEME_KEYS, "et tema")
    theme_id = _id(f, "temaets id")
    number = f.integer(("number",), "temaets nummer", required=True)
    title = f.text(("title",), "temaets titel", required=True)
    merged = f.text(("merged_into",), "") or None
    if not theme_id:
        return None
    return Theme(
        id=theme_id,
        number=number if number is not None else 0,
        title=title,
        merged_into=merged,
        body=doc.body,
        declared_totals=_known(f.year_map(("totals",), settings.years, "den angivne total")),
        path=doc.path,
        locs=_locs(f, THEME_KEYS) | {"body": Loc(doc.path, doc.body_line, 1)},
    )


def _id(f: Fields, what: str) -> str:
    value = f.text(("id",), what, required=True)
    if value and not ID_PATTERN.match(value):
        f.error(
            ("id",),
            "id-syntax",
            f"id'et '{value}' er ugyldigt: brug kun bogstaver, tal, '.', '-' og '_' "
            "(ingen mellemrum, højst 40 tegn)",
        )
        return ""
    return value


# -- proposals --------------------------------------------------------------------------------


def _proposal(doc: Document, settings: Settings, report: Report) -> Proposal | None:
    f = Fields(doc, report)
    if f.mapping((), "front matter") is None:
        return None
    f.unknown_keys((), PROPOSAL_KEYS, "et forslag")
    years = settings.years
    proposal_id = _id(f, "forslagets id")
    title = f.text(("title",), "forslagets titel", required=True)
    theme = f.text(("theme",), "temaet (et temas id)", required=True)
    department = f.text(("department",), "forvaltningen", required=True)
    summary = f.text(("summary",), "et kort resumé", required=True)
    status = f.choice(("status",), STATUSES, "forslag", "status") or "forslag"
    kind = f.choice(("kind",), KINDS, None, "forslagstype")
    lines = _lines(f, years)
    fte = f.year_map(("fte",), years, "årsværk")
    if not proposal_id:
        return None
    return Proposal(
        id=proposal_id,
        title=title,
        theme=theme,
        department=department,
        summary=summary,
        lines=lines,
        status=status,
        kind=kind,
        price_level=f.integer(("price_level",), "prisniveau"),
        fte=_known(fte) if "fte" in (f.get(()) or {}) else None,
        allocation=_allocation(f),
        declared_totals=_known(f.year_map(("totals",), years, "den angivne total")),
        consulted=_consulted(f),
        hearing=_hearing(f),
        followup=_followup(f),
        tags=f.text_list(("tags",)),
        body=doc.body,
        path=doc.path,
        locs=_locs(f, PROPOSAL_KEYS) | {"body": Loc(doc.path, doc.body_line, 1)},
    )


def _lines(f: Fields, years: tuple[int, ...]) -> tuple[Line, ...]:
    if not f.required(("economy",), "økonomien (en liste af linjer; skriv [] hvis ingen)"):
        return ()
    lines = []
    for i in f.items(("economy",), "en økonomilinje med text, area, group og amounts"):
        path = ("economy", i)
        f.unknown_keys(path, LINE_KEYS, "en økonomilinje")
        text = f.text(path + ("text",), "linjens tekst", required=True)
        area = f.choice(path + ("area",), AREAS, None, "styringsområde") if f.required(
            path + ("area",), "styringsområdet (service, anlæg, overførsler eller finansiering)"
        ) else None
        group = f.choice(path + ("group",), GROUPS, None, "gruppe") if f.required(
            path + ("group",), "gruppen (varig eller engang)"
        ) else None
        has_amounts = f.required(path + ("amounts",), "beløbene (skriv {} hvis ingen)") or isinstance(
            f.get(path + ("amounts",)), dict
        )
        amounts = f.year_map(path + ("amounts",), years, "beløbet", allow_unknown=True) if has_amounts else {}
        if area and group:
            lines.append(Line(text, area, group, amounts, f.loc(path)))
    return tuple(lines)


def _allocation(f: Fields) -> dict[str, Decimal] | str | None:
    data = f.get(("allocation",))
    if data is None:
        return None
    if isinstance(data, str):
        if data.strip().casefold() in ("nøgle", "nogle", "noegle", "key"):
            return "nøgle"
        f.error(("allocation",), "allocation", "'allocation' skal være 'nøgle' eller en fordeling som {SOF: 60, BUF: 40}")
        return None
    if not isinstance(data, dict):
        f.error(("allocation",), "allocation", "'allocation' skal være 'nøgle' eller en fordeling som {SOF: 60, BUF: 40}")
        return None
    result: dict[str, Decimal] = {}
    for code in data:
        share = f.number(("allocation", code), f"andelen for {code}")
        if isinstance(share, Decimal):
            if not 0 <= share <= 100:
                f.error(("allocation", code), "share", "andelen skal være en procent mellem 0 og 100")
            else:
                result[str(code)] = share
    return result


def _consulted(f: Fields) -> tuple[Consulted, ...]:
    result = []
    for i in f.items(("consulted",), "en part med party (og evt. approved, date, note)"):
        path = ("consulted", i)
        f.unknown_keys(path, CONSULTED_KEYS, "'consulted'")
        result.append(
            Consulted(
                party=f.text(path + ("party",), "den hørte part", required=True),
                approved=f.boolean(path + ("approved",)),
                date=f.date(path + ("date",)),
                note=f.text(path + ("note",), ""),
            )
        )
    return tuple(result)


def _hearing(f: Fields) -> tuple[Hearing, ...]:
    result = []
    for i in f.items(("hearing",), "et høringssvar med body og comment"):
        path = ("hearing", i)
        f.unknown_keys(path, HEARING_KEYS, "'hearing'")
        result.append(
            Hearing(
                body=f.text(path + ("body",), "udvalget (fx SektorMED)", required=True),
                comment=f.text(path + ("comment",), "bemærkningen", required=True),
            )
        )
    return tuple(result)


def _followup(f: Fields) -> tuple[FollowUp, ...]:
    result = []
    for i in f.items(("followup",), "et opfølgningsmål med goal"):
        path = ("followup", i)
        f.unknown_keys(path, FOLLOWUP_KEYS, "'followup'")
        result.append(
            FollowUp(
                goal=f.text(path + ("goal",), "opfølgningsmålet", required=True),
                measure=f.text(path + ("measure",), ""),
                responsible=f.text(path + ("responsible",), ""),
                when=f.text(path + ("when",), ""),
            )
        )
    return tuple(result)


# -- helpers ----------------------------------------------------------------------------------


def _known(values: Mapping[int, Any]) -> dict[int, Any]:
    """Drop `UNKNOWN` where only known numbers make sense (targets, declared totals)."""
    return {y: v for y, v in values.items() if v is not UNKNOWN}


def _locs(f: Fields, keys: tuple[str, ...]) -> dict[str, Loc]:
    """Field name → position, plus `totals.<year>` and `targets.<year>` for year maps."""
    data = f.get(())
    if not isinstance(data, dict):
        return {}
    locs = {key: f.loc((key,)) for key in keys if key in data}
    for key in ("totals", "targets", "allocation", "fte"):
        if isinstance(data.get(key), dict):
            locs |= {f"{key}.{year}": f.loc((key, year)) for year in data[key]}
    return locs


__all__ = ["load", "load_files", "read_folder", "did_you_mean"]
