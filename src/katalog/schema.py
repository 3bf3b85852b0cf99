"""JSON Schema (draft 2020-12) for catalogue.yaml and theme and proposal front matter.

The schemas are derived from the validator's own constants (field lists in `load`, value lists
in `model`), so they cannot drift from `katalog check`; each field carries a Danish
description that editors show on hover. The schema is stricter than the validator in one way:
unknown fields are schema errors (the validator warns), so editors catch typos at once.
It cannot see the thousands-dot pitfall (`-6.000` is a valid YAML number): `katalog check`
catches that.

With `content`, the schemas are specialised to one catalogue: the theme ids, department codes
and years become enumerations, which editors offer as completions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from .load import (
    CATALOGUE_KEYS,
    CONSULTED_KEYS,
    DEPARTMENT_KEYS,
    FOLLOWUP_KEYS,
    HEARING_KEYS,
    LINE_KEYS,
    PROPOSAL_KEYS,
    THEME_KEYS,
)
from .model import (
    ALLOCATION_KEY,
    AREAS,
    GROUPS,
    ID_PATTERN,
    KINDS,
    PERCENT_SIGNS,
    SAVINGS_SIGNS,
    STATUSES,
    TARGET_BASES,
    UNITS,
    Catalogue,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
NAMES = ("catalogue", "theme", "proposal")
Schema = dict[str, Any]

TEXT: Schema = {"type": ["string", "number"], "minLength": 1}
OPTIONAL_TEXT: Schema = {"type": ["string", "number", "null"]}
DATE: Schema = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
YEAR_KEY = r"^[0-9]{4}$"


def _d(schema: Schema, description: str) -> Schema:
    return {"description": description, **schema}


def _enum(values: tuple[Any, ...], description: str, default: Any = None) -> Schema:
    schema: Schema = {"description": description, "enum": list(values)}
    if default is not None:
        schema["default"] = default
    return schema


def _object(keys: tuple[str, ...], props: dict[str, Schema], required: tuple[str, ...],
            description: str) -> Schema:
    """An object whose properties are exactly the validator's `keys`, in their order."""
    missing = set(keys) ^ set(props)
    if missing:  # a new field in load.py must get a description here
        raise AssertionError(f"schema and validator disagree on {sorted(missing)}")
    return {
        "type": "object",
        "description": description,
        "properties": {k: props[k] for k in keys},
        "required": list(required),
        "additionalProperties": False,
    }


class _Context:
    """Catalogue-specific enumerations, when a content folder is given."""

    def __init__(self, cat: Catalogue | None) -> None:
        self.years = [str(y) for y in cat.settings.years] if cat else []
        self.themes = [t.id for t in cat.themes if not t.merged] if cat else []
        self.departments = [d.code for d in cat.settings.departments] if cat else []

    def year_map(self, value: Schema, description: str) -> Schema:
        names: Schema = {"enum": self.years} if self.years else {"pattern": YEAR_KEY}
        return {
            "type": "object",
            "description": description,
            "propertyNames": names,
            "additionalProperties": value,
        }


def _number(description: str) -> Schema:
    return {"description": description, "type": "number"}


def _amount() -> Schema:
    return {
        "description": 'Beløb i katalogets enhed, fx -6000 (uden tusindtalspunktum), "?" hvis '
        "beløbet endnu ikke kendes, eller tomt for intet beløb.",
        "anyOf": [{"type": "number"}, {"const": "?"}, {"type": "null"}],
    }


def proposal_schema(cat: Catalogue | None = None) -> Schema:
    c = _Context(cat)
    theme: Schema = {"type": "string", "minLength": 1}
    if c.themes:
        theme = {"enum": c.themes}
    department: Schema = {"type": ["string", "number"], "minLength": 1}
    if c.departments:
        department = {"enum": c.departments}
    line = _object(LINE_KEYS, {
        "text": _d(TEXT, "Linjens tekst, fx 'Færre administrative ledere'."),
        "area": _enum(AREAS, "Styringsområde."),
        "group": _enum(GROUPS, "varig: varig ændring; engang: engangsudgift eller -indtægt "
                               "(fx implementering)."),
        "amounts": c.year_map(_amount(), "Beløb pr. år, fx {2027: -500, 2028: -1000}; "
                                         "skriv {} hvis der ingen beløb er."),
    }, ("text", "area", "group", "amounts"), "En økonomilinje.")
    consulted = _object(CONSULTED_KEYS, {
        "party": _d(TEXT, "Hvem er hørt, fx 'Økonomiforvaltningen'."),
        "approved": {"description": "Godkendt: true/false (eller ja/nej).",
                     "anyOf": [{"type": "boolean"}, {"enum": ["ja", "nej", "Ja", "Nej"]},
                               {"type": "null"}]},
        "date": _d(DATE, "Dato som 2026-08-07."),
        "note": _d(OPTIONAL_TEXT, "Bemærkning."),
    }, ("party",), "En hørt part.")
    hearing = _object(HEARING_KEYS, {
        "body": _d(TEXT, "Udvalget, fx 'HovedMED Socialforvaltningen'."),
        "comment": _d(TEXT, "Udvalgets bemærkning."),
    }, ("body", "comment"), "Et høringssvar fra MED-systemet.")
    followup = _object(FOLLOWUP_KEYS, {
        "goal": _d(TEXT, "Opfølgningsmål."),
        "measure": _d(OPTIONAL_TEXT, "Hvordan det måles."),
        "responsible": _d(OPTIONAL_TEXT, "Hvem der er ansvarlig."),
        "when": _d(OPTIONAL_TEXT, "Hvornår, fx '2027' eller 'Årligt'."),
    }, ("goal",), "Et punkt i opfølgningsplanen.")
    props = {
        "id": {"description": "Forslagets kode, entydig i kataloget, fx ADM-04 (bogstaver, tal, "
                              "'.', '-', '_'; højst 40 tegn).",
               "type": "string", "pattern": ID_PATTERN.pattern},
        "title": _d(TEXT, "Forslagets titel."),
        "theme": _d(theme, "Temaets id (fra themes/*.md)."),
        "department": _d(department, "Den ansvarlige forvaltnings kode, fx SOF."),
        "status": _enum(STATUSES, "Status; kun de statusser, kataloget tæller med "
                                  "(standard forslag og vedtaget), indgår i totalerne.", "forslag"),
        "kind": {"description": "Forslagstype.", "enum": [*KINDS, None]},
        "price_level": {"description": "Prisniveau (år); skal være katalogets.",
                        "type": ["integer", "null"]},
        "summary": _d(TEXT, "Kort resumé i almindelig tekst."),
        "economy": {"description": "Økonomilinjerne; skriv [] hvis der ingen er.",
                    "type": "array", "items": line},
        "totals": c.year_map(_number("Angivet total."),
                             "Angivne totaler pr. år; bygningen fejler, hvis de ikke passer."),
        "fte": c.year_map(_number("Årsværk."), "Årsværk pr. år (ellers beregnes de)."),
        "allocation": {
            "description": "Fordeling på forvaltninger i procent (skal give 100), fx "
                           f"{{SOF: 60, BUF: 40}}, eller '{ALLOCATION_KEY}' for katalogets nøgle.",
            "anyOf": [
                {"const": ALLOCATION_KEY},
                {"type": "object",
                 "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100},
                 **({"propertyNames": {"enum": c.departments}} if c.departments else {})},
                {"type": "null"},
            ],
        },
        "consulted": {"description": "Hvem er hørt?", "type": ["array", "null"], "items": consulted},
        "hearing": {"description": "Bemærkninger fra MED-systemet.", "type": ["array", "null"],
                    "items": hearing},
        "followup": {"description": "Opfølgningsplan.", "type": ["array", "null"], "items": followup},
        "tags": {"description": "Emneord.",
                 "anyOf": [{"type": "array", "items": {"type": ["string", "number"]}},
                           {"type": "string"}, {"type": "null"}]},
    }
    return _root("proposal", _object(
        PROPOSAL_KEYS, props, ("id", "title", "theme", "department", "summary", "economy"),
        "Front matter i et forslag (content/proposals/*.md)."))


def theme_schema(cat: Catalogue | None = None) -> Schema:
    c = _Context(cat)
    merged: Schema = {"type": ["string", "null"]}
    if c.themes:
        merged = {"enum": [*c.themes, None]}
    props = {
        "id": {"description": "Temaets id (bogstaver, tal, '.', '-', '_'; højst 40 tegn).",
               "type": "string", "pattern": ID_PATTERN.pattern},
        "number": {"description": "Temaets nummer: rækkefølge og 'Tema 3'.", "type": "integer"},
        "title": _d(TEXT, "Temaets titel."),
        "merged_into": _d(merged, "Id på det tema, dette tema er slået sammen med."),
        "totals": c.year_map(_number("Angivet total."), "Angivne totaler pr. år for temaet."),
    }
    return _root("theme", _object(THEME_KEYS, props, ("id", "number", "title"),
                                  "Front matter i et tema (content/themes/*.md)."))


def catalogue_schema(cat: Catalogue | None = None) -> Schema:
    c = _Context(cat)
    department = _object(DEPARTMENT_KEYS, {
        "code": _d(TEXT, "Forvaltningens kode, fx SOF."),
        "name": _d(OPTIONAL_TEXT, "Forvaltningens navn."),
        "share": {"description": "Andel i procent (fordelingsnøgle); alle andele skal give 100.",
                  "type": ["number", "null"], "minimum": 0, "maximum": 100},
    }, ("code",), "En forvaltning.")
    props = {
        "title": _d(TEXT, "Katalogets titel."),
        "organisation": _d(TEXT, "Kommunens navn."),
        "years": {"description": "Årene, i stigende orden, fx [2027, 2028, 2029, 2030].",
                  "type": "array", "minItems": 1, "uniqueItems": True,
                  "items": {"type": "integer", "minimum": 1900, "maximum": 2200}},
        "price_level": {"description": "Prisniveau (år), vist som '2027 p/l'.", "type": "integer"},
        "unit": _enum(UNITS, "Beløbenes enhed: 1 (kr.), 1000 (1.000 kr.) eller 1000000 (mio. kr.).",
                      1000),
        "savings_sign": _enum(SAVINGS_SIGNS, "Hvordan besparelser skrives og vises: negative "
                                             "(med minus) eller positive.", "negative"),
        "average_salary": {"description": "Gennemsnitsløn i enheden; årsværk = varigt beløb / "
                                          "gennemsnitsløn.", "type": "number", "exclusiveMinimum": 0},
        "targets": c.year_map(_number("Måltal."), "Måltal pr. år, samme fortegn som beløbene."),
        "target_basis": _enum(TARGET_BASES, "Hvilke linjer der tæller mod målet.", "alle"),
        "counted_statuses": {"description": "De statusser, der tæller med i totalerne.",
                             "type": "array", "items": {"enum": list(STATUSES)}},
        "departments": {"description": "Forvaltningerne.", "type": "array", "items": department},
        "totals": c.year_map(_number("Angivet total."), "Angivne totaler for hele kataloget."),
        "subtitle": _d(OPTIONAL_TEXT, "Undertitel på forsiden."),
        "date": _d(DATE, "Dokumentets dato, fx 2026-09-01."),
        "percent_sign": _enum(PERCENT_SIGNS, "Hvordan procent vises.", "%"),
    }
    return _root("catalogue", _object(
        CATALOGUE_KEYS, props, ("title", "organisation", "years", "price_level"),
        "Katalogets indstillinger (content/catalogue.yaml)."))


def _root(name: str, schema: Schema) -> Schema:
    return {"$schema": DIALECT, "$id": f"{name}.schema.json",
            "title": f"katalog: {name}", **schema}


SCHEMAS: dict[str, Callable[[Catalogue | None], Schema]] = {
    "catalogue": catalogue_schema,
    "theme": theme_schema,
    "proposal": proposal_schema,
}


def to_json(name: str, cat: Catalogue | None = None) -> str:
    """The schema as JSON text (UTF-8, two-space indent, final newline)."""
    return json.dumps(SCHEMAS[name](cat), ensure_ascii=False, indent=2) + "\n"


def file_name(name: str) -> str:
    return f"{name}.schema.json"


def write_schemas(folder: Path | str, names: tuple[str, ...] = NAMES,
                  cat: Catalogue | None = None) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = folder / file_name(name)
        path.write_text(to_json(name, cat), encoding="utf-8", newline="\n")
        written.append(path)
    return written
