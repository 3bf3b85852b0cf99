"""JSON Schema (draft 2020-12) for catalogue.yaml and theme and proposal front matter.

The schemas are derived from the field table (`katalog.fields`): one schema per `Kind`
(`KIND_SCHEMAS`), each field's Danish help as its description (editors show it on hover), the
records' fields in their canonical order. So they cannot drift from `katalog check`. The schema
is stricter than the validator in one way: unknown fields are schema errors (the validator
warns), so editors catch typos at once. It cannot see the thousands-dot pitfall (`-6.000` is a
valid YAML number): `katalog check` catches that.

With `content`, the schemas are specialised to one catalogue: the theme ids, department codes,
proposal ids and years become enumerations, which editors offer as completions.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Callable

from . import fields as F
from .fields import Field, Kind, Record
from .labels import LABELS
from .model import ALLOCATION_KEY, Catalogue
from .safefs import UnsafeFile, create_exclusive, read_regular, write_atomic

DIALECT = "https://json-schema.org/draft/2020-12/schema"
NAMES = ("catalogue", "theme", "proposal")
Schema = dict[str, Any]

DATE: Schema = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
YEAR_KEY = r"^[0-9]{4}$"


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


# Ids: the allowed characters, not starting with '.' or '-', no Windows device name.
_RESERVED = "|".join(_any_case(n) for n in ("con", "prn", "aux", "nul")) + "|" + \
    _any_case("com") + "[0-9¹²³]|" + _any_case("lpt") + "[0-9¹²³]"
ID_SCHEMA: Schema = {
    "type": "string",
    "pattern": F.ID_CHARS.pattern,
    "not": {"anyOf": [{"pattern": "^[.-]"}, {"pattern": f"^({_RESERVED})(\\..*)?$"}]},
}


class Context:
    """Catalogue-specific enumerations, when a content folder is given."""

    def __init__(self, cat: Catalogue | None) -> None:
        self.years = [str(y) for y in cat.settings.years] if cat else []
        self.refs: dict[str, list[str]] = {
            "theme": [t.id for t in cat.themes if not t.merged] if cat else [],
            "department": [d.code for d in cat.settings.departments] if cat else [],
            "proposal": [p.id for p in cat.proposals] if cat else [],
        }

    def year_map(self, value: Schema, description: str = "") -> Schema:
        names: Schema = {"enum": self.years} if self.years else {"pattern": YEAR_KEY}
        out: Schema = {"type": "object", "propertyNames": names, "additionalProperties": value}
        return {"description": description, **out} if description else out


def _nullable(schema: Schema, f: Field) -> Schema:
    """Optional fields may be written empty (`key:`), which YAML reads as null."""
    if f.required:
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _text(f: Field, c: Context) -> Schema:
    if f.required:
        return {"type": ["string", "number"], "minLength": 1}
    return {"type": ["string", "number", "null"]}


def _number(f: Field, c: Context) -> Schema:
    schema: Schema = {"type": "number"}
    if f.positive:
        schema["exclusiveMinimum"] = 0
    if f.minimum is not None:
        schema["minimum"] = f.minimum
    if f.maximum is not None:
        schema["maximum"] = f.maximum
    return _nullable(schema, f)


def _integer(f: Field, c: Context) -> Schema:
    schema: Schema = {"type": "integer"}
    if f.minimum is not None:
        schema["minimum"] = f.minimum
    if f.maximum is not None:
        schema["maximum"] = f.maximum
    return _nullable(schema, f)


def _choice(f: Field, c: Context) -> Schema:
    values = list(f.choices)
    if not f.required and f.default is None:
        values.append(None)
    schema: Schema = {"enum": values}
    if f.default is not None:
        schema["default"] = f.default
    return schema


def _ref(f: Field, c: Context) -> Schema:
    known = c.refs.get(f.ref, [])
    if known:
        return {"enum": known} if f.required else {"enum": [*known, None]}
    return {"type": ["string", "number"], "minLength": 1} if f.required \
        else {"type": ["string", "number", "null"]}


def _amount() -> Schema:
    return {"anyOf": [{"type": "number"}, {"const": "?"}, {"type": "null"}, _range()]}


def _range() -> Schema:
    return {"type": "object", "description": F.RANGE.describe,
            "properties": {"low": {"type": "number"}, "high": {"type": "number"}},
            "required": ["low", "high"], "additionalProperties": False}


def _shares(c: Context) -> Schema:
    names = {"propertyNames": {"enum": c.refs["department"]}} if c.refs["department"] else {}
    return {"anyOf": [
        {"const": ALLOCATION_KEY},
        {"type": "object", "additionalProperties": {"type": "number", "minimum": 0,
                                                    "maximum": 100}, **names},
    ]}


def _department_amounts(c: Context) -> Schema:
    names = {"propertyNames": {"enum": c.refs["department"]}} if c.refs["department"] else {}
    return {"type": "object", "additionalProperties": {
        "anyOf": [{"type": "number"}, c.year_map({"type": "number"})]}, **names}


def _allocation(f: Field, c: Context) -> Schema:
    assert f.record is not None
    return {"anyOf": [*_shares(c)["anyOf"], record_schema(f.record, c), {"type": "null"}]}


def _labels(f: Field, c: Context) -> Schema:
    return {"type": ["object", "null"], "additionalProperties": False,
            "properties": {k: {"type": "string", "minLength": 1,
                               **({"default": v} if v else {})} for k, v in LABELS.items()}}


KIND_SCHEMAS: dict[Kind, Callable[[Field, Context], Schema]] = {
    Kind.TEXT: _text,
    Kind.MARKDOWN: _text,
    Kind.ID: lambda f, c: dict(ID_SCHEMA),
    Kind.REF: _ref,
    Kind.INTEGER: _integer,
    Kind.NUMBER: _number,
    Kind.CHOICE: _choice,
    Kind.CHOICES: lambda f, c: {"type": "array", "items": {"enum": list(f.choices)}},
    Kind.BOOL: lambda f, c: {"anyOf": [{"type": "boolean"}, {"enum": ["ja", "nej", "Ja", "Nej"]},
                                       {"type": "null"}]},
    Kind.DATE: lambda f, c: dict(DATE),
    Kind.TEXT_LIST: lambda f, c: {"anyOf": [{"type": "array",
                                             "items": {"type": ["string", "number"]}},
                                            {"type": "string"}, {"type": "null"}]},
    Kind.YEARS: lambda f, c: {"type": "array", "minItems": 1, "uniqueItems": True,
                              "items": {"type": "integer", "minimum": 1900, "maximum": 2200}},
    Kind.YEAR_MAP: lambda f, c: c.year_map({"type": "number"}),
    Kind.AMOUNTS: lambda f, c: c.year_map(_amount()),
    Kind.FTE: lambda f, c: {"anyOf": [{"const": "?"}, c.year_map(
        {"anyOf": [{"type": "number"}, {"const": "?"}, {"type": "null"}]}), {"type": "null"}]},
    Kind.ALLOCATION: _allocation,
    Kind.SHARES: lambda f, c: _shares(c),
    Kind.DEPARTMENT_AMOUNTS: lambda f, c: _department_amounts(c),
    Kind.LABELS: _labels,
    Kind.COLOUR: lambda f, c: _nullable({"type": "string",
                                         "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"}, f),
    Kind.PATH: lambda f, c: _nullable({"type": "string", "minLength": 1}, f),
    Kind.RECORD: lambda f, c: _nullable(record_schema(_sub(f), c), f),
    Kind.RECORDS: lambda f, c: {"type": "array" if f.required else ["array", "null"],
                                "items": record_schema(_sub(f), c)},
}


def _sub(f: Field) -> Record:
    assert f.record is not None
    return f.record


def field_schema(f: Field, c: Context) -> Schema:
    """A field's schema: its kind's, with the field's help as description."""
    return {"description": f.help, **KIND_SCHEMAS[f.kind](f, c)}


def record_schema(record: Record, c: Context) -> Schema:
    """An object with exactly the record's fields, in their order."""
    return {
        "type": "object",
        "description": record.describe,
        "properties": {f.key: field_schema(f, c) for f in record},
        "required": list(record.required),
        "additionalProperties": False,
    }


def _root(name: str, record: Record, cat: Catalogue | None) -> Schema:
    return {"$schema": DIALECT, "$id": file_name(name), "title": f"katalog: {name}",
            **record_schema(record, Context(cat))}


def catalogue_schema(cat: Catalogue | None = None) -> Schema:
    return _root("catalogue", F.CATALOGUE, cat)


def theme_schema(cat: Catalogue | None = None) -> Schema:
    return _root("theme", F.THEME, cat)


def proposal_schema(cat: Catalogue | None = None) -> Schema:
    return _root("proposal", F.PROPOSAL, cat)


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


class SchemaOutError(ValueError):
    """`schema --out` cannot write there; the message is Danish and says why (a usage
    error: the CLI should print it and exit 2)."""


def _is_ours(path: Path, name: str) -> bool:
    """Whether `path` is a schema katalog wrote (so replacing it loses nothing)."""
    try:
        data = json.loads(read_regular(path, 4 * 1024 * 1024))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("$id") == file_name(name) \
        and data.get("$schema") == DIALECT


def _check_out(folder: Path, names: tuple[str, ...]) -> list[tuple[str, Path, bool]]:
    """Every target as (name, path, exists); SchemaOutError before anything is written."""
    if os.path.islink(folder):
        raise SchemaOutError(f"{folder} er et symbolsk link; katalog skriver ikke gennem links")
    if folder.exists() and not folder.is_dir():
        raise SchemaOutError(f"{folder} er en fil, ikke en mappe: --out skal være en mappe, "
                             "som skemaerne skrives i")
    targets = []
    for name in names:
        path = folder / file_name(name)
        try:
            st: os.stat_result | None = os.lstat(path)
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode):
            what = "et symbolsk link" if stat.S_ISLNK(st.st_mode) else "ikke en almindelig fil"
            raise SchemaOutError(f"{path} er {what}; katalog skriver ikke dér")
        if st is not None and not _is_ours(path, name):
            raise SchemaOutError(f"{path} findes og er ikke et skema, katalog har skrevet; "
                                 "katalog overskriver den ikke (flyt den, eller vælg en anden "
                                 "mappe)")
        targets.append((name, path, st is not None))
    return targets


def write_schemas(folder: Path | str, names: tuple[str, ...] = NAMES,
                  cat: Catalogue | None = None) -> list[Path]:
    """Write `<name>.schema.json` for each name into `folder` (created when missing).

    Never writes through a symlink and never replaces a file that is not a schema katalog
    wrote; every target is checked before anything is written. Raises `SchemaOutError`
    (Danish message) when it cannot write there."""
    folder = Path(folder)
    targets = _check_out(folder, names)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, path, exists in targets:
            data = to_json(name, cat).encode("utf-8")
            if exists:
                write_atomic(path, data)
            else:
                create_exclusive(path, data)
    except (UnsafeFile, FileExistsError) as exc:
        raise SchemaOutError(f"{exc}") from exc
    except OSError as exc:
        raise SchemaOutError(f"{folder} kan ikke skrives ({exc.strerror or exc})") from exc
    return [path for _, path, _ in targets]


__all__ = ["SCHEMAS", "NAMES", "to_json", "file_name", "write_schemas", "SchemaOutError",
           "KIND_SCHEMAS", "field_schema", "record_schema"]
