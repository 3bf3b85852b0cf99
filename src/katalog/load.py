"""A content folder (or any mapping of relative paths to bytes) → `Catalogue` + `Report`.

This stage checks each file on its own: that it can be read, and that every field has the
right kind of value. What a field is comes from the table in `fields`: `read_record` reads
every declared field of a record with the reader of its `Kind` (`READERS`). Rules across
files live in `validate`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Mapping, NamedTuple, Protocol, TypeVar

from . import fields as F
from .fields import Field, Kind, Record
from .folder import CATALOGUE_FILE, PROPOSALS_DIR, THEMES_DIR, read_folder
from .issues import Issue, Report
from .labels import LABELS, contrast_with_white, parse_colour
from .markdown import body_problems
from .model import (
    UNITS,
    UNKNOWN,
    Allocation,
    Amount,
    Catalogue,
    Intro,
    Loc,
    Proposal,
    Range,
    Settings,
    Theme,
    natural_key,
)
from .reader import Reader, did_you_mean, kind_of, plain, short
from .source import Document, SourceError, decode, read_document

T = TypeVar("T")
Path_ = tuple[Any, ...]

INTRO_FILE = "intro.md"
MAX_DECIMALS = 4
MIN_CONTRAST = Decimal("4.5")
LOGO_LIMIT = 5 * 1024 * 1024

# Kept for code that imported the key lists (they come from the field table now).
CATALOGUE_KEYS = F.CATALOGUE.keys
THEME_KEYS = F.THEME.keys
PROPOSAL_KEYS = F.PROPOSAL.keys
LINE_KEYS = F.LINE.keys
DEPARTMENT_KEYS = F.DEPARTMENT.keys
CONSULTED_KEYS = F.CONSULTED.keys
HEARING_KEYS = F.HEARING.keys
FOLLOWUP_KEYS = F.FOLLOWUP.keys


def load(content: Path | str) -> tuple[Catalogue, Report]:
    """Load a content folder. Always returns a catalogue (possibly partial) and a report."""
    content = Path(content)
    return load_files(read_folder(content), label=os.fspath(content), root=content)


class Reading(NamedTuple):
    """What a theme's or a proposal's file is loaded with besides its own bytes and path: the
    catalogue's unit (whether `0.500` is the thousands-dot pitfall, what hints say) and its
    years (which year keys are allowed). `_theme` and `_proposal` are given nothing else of
    the catalogue, so these two are all of it that a per-file memo's key needs
    (`check_memo.FileMemo`)."""

    unit: int
    years: tuple[int, ...]


class Loaded(NamedTuple):
    """A file loaded: its model object (a theme's or proposal's is None when it gives none),
    the problems loading it found, in order, and for a proposal its `proposal_decimals`."""

    value: Any
    issues: tuple[Issue, ...]
    decimals: int | None = None
    read: int = 0  # how many of `issues` are reading the file's (catalogue.yaml's alone)


class LoadMemo(Protocol):
    """Loaded files kept between runs (`check_memo.FileMemo`). `kind` is `"catalogue"`,
    `"theme"` or `"proposal"`, `path` the file's path as messages show it, `raw` its bytes."""

    def loaded(self, kind: str, path: str, raw: bytes, reading: Reading) -> Loaded | None: ...

    def keep(self, kind: str, path: str, raw: bytes, reading: Reading,
             loaded: Loaded) -> None: ...

    def adopt(self, kind: str, path: str, raw: bytes, reading: Reading,
              entry: Any) -> Loaded | None: ...


Job = tuple[str, str, Reading]  # a file to load ahead (`load_ahead`): kind, path, reading


class Prefetch(Protocol):
    """Told which files will be read (`load_files`); with the memo, also which of them to
    load ahead (file → `Job`): it returns, by file, what loading ahead gave
    (`load_ahead`, kept as the memo keeps a file), for the memo to `adopt`."""

    def __call__(self, files: Mapping[str, bytes | OSError],
                 load: Mapping[str, Job] | None = None, /) -> Mapping[str, Any] | None: ...


def load_files(files: Mapping[str, bytes | OSError], label: str = "content", *,
               read: Callable[[bytes, str, bool], Document] | None = None,
               root: Path | None = None,
               looked_at: dict[str, Any] | None = None,
               memo: LoadMemo | None = None,
               prefetch: Prefetch | None = None,
               ) -> tuple[Catalogue, Report]:
    """Load from relative paths (`catalogue.yaml`, `themes/x.md`, ...) to their bytes.

    `read` replaces `source.read_document` (e.g. a cache shared by two revisions). `root` is
    the content folder on disk, where `look.logo` is looked for; without it, the folder named
    by `label` is used when its catalogue.yaml is the one given (not for git revisions).
    `looked_at` receives what was read beside `files` (`"logo"`: the logo's name and what
    `look_at_logo` saw), the other inputs of the result. `memo` gives back themes and
    proposals loaded before from the same bytes, path and `Reading` (they are then not read
    at all) and keeps the others; `prefetch` is told which files will be read (with `memo`,
    it may load themes and proposals ahead, see `Prefetch`). The result, messages and their
    order included, is the same with or without them.
    """
    read = read or read_document
    report = Report()

    def shown(rel: str) -> str:
        return f"{label.rstrip('/')}/{rel}" if label else rel

    if prefetch is not None and memo is None:
        prefetch(files)
    # catalogue.yaml first: its unit and years are how every other file is loaded (a memo's
    # key). Its problems are reported below, where they always were.
    settings, cat_read, cat_load = _catalogue(files, shown, read, memo)
    reading = Reading(settings.unit, tuple(settings.years))
    kept: dict[str, Loaded] = {}
    if memo is not None:
        for rel, raw in files.items():
            kind = _memo_kind(rel)
            if kind and isinstance(raw, bytes):
                hit = memo.loaded(kind, shown(rel), raw, reading)
                if hit is not None:
                    kept[rel] = hit
    if prefetch is not None and memo is not None:  # the files the memo did not give back
        rest = {rel: raw for rel, raw in files.items()
                if rel not in kept and rel != CATALOGUE_FILE}
        jobs = {rel: (kind, shown(rel), reading) for rel, raw in rest.items()
                if (kind := _memo_kind(rel)) and isinstance(raw, bytes)}
        ahead = prefetch(rest, jobs) or {}
        for rel, entry in ahead.items():  # loaded ahead: as if the memo gave them back
            job, given = jobs.get(rel), files.get(rel)
            if job is not None and isinstance(given, bytes):
                hit = memo.adopt(job[0], job[1], given, reading, entry)
                if hit is not None:
                    kept[rel] = hit
    docs: dict[str, Document] = {}
    for rel, raw in files.items():  # each file's reading problems, in the files' order
        if rel == CATALOGUE_FILE:
            report.extend(cat_read)
        elif rel not in kept:  # (a kept file was read without a problem when it was loaded)
            doc = _document(rel, raw, shown, read, report)
            if doc is not None:
                docs[rel] = doc
    if CATALOGUE_FILE not in files:
        report.problem("missing-file", shown(CATALOGUE_FILE), 1, 1, file=CATALOGUE_FILE)
    report.extend(cat_load)
    decimals: dict[int, int] = {}
    load = functools.partial(_load_folder, files=files, docs=docs, kept=kept, reading=reading,
                             report=report, memo=memo, decimals=decimals)
    themes = load(THEMES_DIR, "theme", _theme)
    proposals = load(PROPOSALS_DIR, "proposal", _proposal)
    intro = None
    if INTRO_FILE in docs:
        intro = _guarded(functools.partial(_intro, docs[INTRO_FILE], settings, report),
                         docs[INTRO_FILE].path, report)
    catalogue = Catalogue(
        settings=settings,
        themes=tuple(sorted((t for t in themes if t), key=lambda t: (t.number, t.id))),
        proposals=tuple(sorted((p for p in proposals if p), key=lambda p: natural_key(p.id))),
        intro=intro,
    )
    catalogue = dataclasses.replace(catalogue, settings=dataclasses.replace(
        settings, shown_decimals=shown_decimals(catalogue, decimals)))
    logo_root = root if root is not None else _folder_of(label, files)
    if settings.look.logo and logo_root is not None:
        seen = check_logo(logo_root, settings, report)
        if looked_at is not None:
            looked_at["logo"] = (settings.look.logo, seen)
    return catalogue, report


NO_READING = Reading(0, ())  # catalogue.yaml's own: it is read with nothing else


def _catalogue(files: Mapping[str, bytes | OSError], shown: Callable[[str], str],
               read: Callable[[bytes, str, bool], Document], memo: LoadMemo | None,
               ) -> tuple[Settings, tuple[Issue, ...], tuple[Issue, ...]]:
    """catalogue.yaml's settings, the problems reading it and those loading it (or the
    settings of a catalogue without one); with `memo`, kept or given back (kind
    `"catalogue"`: its `Loaded.read` first problems are the reading's)."""
    path = shown(CATALOGUE_FILE)
    raw = files.get(CATALOGUE_FILE)
    if memo is not None and isinstance(raw, bytes):
        hit = memo.loaded("catalogue", path, raw, NO_READING)
        if hit is not None:
            return hit.value, hit.issues[:hit.read], hit.issues[hit.read:]
    reading = Report()
    doc = _document(CATALOGUE_FILE, raw, shown, read, reading) if raw is not None else None
    loading = Report()
    settings = _guarded(lambda: _settings(doc, path, loading), path,
                        loading) or _empty_settings(path)
    if memo is not None and isinstance(raw, bytes):
        memo.keep("catalogue", path, raw, NO_READING,
                  Loaded(settings, (*reading.issues, *loading.issues), read=len(reading.issues)))
    return settings, tuple(reading.issues), tuple(loading.issues)


def _memo_kind(rel: str) -> str | None:
    """Which files a memo may give back: themes' and proposals' Markdown files."""
    if not rel.endswith(".md"):
        return None
    if rel.startswith(THEMES_DIR + "/"):
        return "theme"
    return "proposal" if rel.startswith(PROPOSALS_DIR + "/") else None


def _load_folder(folder: str, kind: str, make: Callable[[Document, Reading, Report], T | None],
                 *, files: Mapping[str, bytes | OSError], docs: Mapping[str, Document],
                 kept: Mapping[str, Loaded], reading: Reading, report: Report,
                 memo: LoadMemo | None, decimals: dict[int, int]) -> list[T | None]:
    """Load each file of `folder` (in the files' order) with `make`, or take it from `kept`,
    its problems reported in that order; with `memo`, each file loaded is kept."""
    found: list[T | None] = []
    for rel in files:
        if not rel.startswith(folder + "/"):
            continue
        hit = kept.get(rel)
        if hit is not None:
            report.extend(hit.issues)
            if hit.decimals is not None:
                decimals[id(hit.value)] = hit.decimals
            found.append(hit.value)
            continue
        doc = docs.get(rel)
        if doc is None:
            continue
        if memo is None:
            found.append(_guarded(functools.partial(make, doc, reading, report), doc.path,
                                  report))
            continue
        loaded = _load_one(make, doc, reading)
        value, places = loaded.value, loaded.decimals
        report.extend(loaded.issues)
        if places is not None:
            decimals[id(value)] = places
        raw = files[rel]
        if isinstance(raw, bytes) and _memo_kind(rel) == kind:
            memo.keep(kind, doc.path, raw, reading, loaded)
        found.append(value)
    return found


def _load_one(make: Callable[[Document, Reading, Report], Any], doc: Document,
              reading: Reading) -> Loaded:
    """One theme's or proposal's file loaded on its own, as a memo keeps it."""
    own = Report()
    value = _guarded(functools.partial(make, doc, reading, own), doc.path, own)
    places = proposal_decimals(value) if isinstance(value, Proposal) else None
    return Loaded(value, tuple(own.issues), places)


def load_ahead(doc: Document, job: Job) -> Loaded:
    """A theme's or proposal's file (`job`: its kind, its path as messages show it and the
    `Reading`), parsed as `doc` (at any path), loaded as `load_files` loads it: a pure
    function of its arguments, run in a pool worker (`Prefetch`)."""
    kind, path, reading = job
    make = _theme if kind == "theme" else _proposal
    return _load_one(make, dataclasses.replace(doc, path=path), reading)


def _document(rel: str, raw: bytes | OSError, shown: Callable[[str], str],
              read: Callable[[bytes, str, bool], Document], report: Report) -> Document | None:
    """Parse one file; a file that cannot be read or parsed becomes an issue."""
    path = shown(rel)
    is_md = rel.endswith(".md")
    if rel != CATALOGUE_FILE and not is_md:
        report.problem("ignored-file", path, 1, 1)
        return None
    if isinstance(raw, OSError):
        report.problem("read", path, 1, 1, reason=raw.strerror or raw)
        return None
    try:
        if rel == INTRO_FILE and not raw.removeprefix(b"\xef\xbb\xbf").startswith(b"---"):
            return Document(path, {}, body=decode(raw), body_line=1)
        return read(raw, path, is_md)
    except SourceError as exc:
        report.error(exc.code, exc.message, path, exc.line, exc.col)
    except Exception as exc:  # noqa: BLE001 - never a traceback: report it on the file
        report.problem("internal", path, 1, 1, detail=f"{type(exc).__name__}: {exc}")
    return None


def _guarded(make: Callable[[], T], path: str, report: Report) -> T | None:
    """Run one file's conversion; an unexpected exception becomes an issue on that file."""
    try:
        return make()
    except Exception as exc:  # noqa: BLE001 - never a traceback
        report.problem("internal", path, 1, 1, detail=f"{type(exc).__name__}: {exc}")
        return None


def _empty_settings(path: str) -> Settings:
    return Settings(title="", organisation="", years=(), price_level=0, path=path)


# -- one record, driven by the field table ----------------------------------------------------


def read_record(r: Reader, path: Path_, record: Record) -> tuple[dict[str, Any], bool]:
    """Every field of `record` at `path`, by model attribute name; and whether every required
    field has a usable value (a record without one is left out of lists)."""
    r.unknown_keys(path, record)
    data = r.get(path)
    given: dict[Any, Any] = data if isinstance(data, dict) else {}
    values: dict[str, Any] = {}
    complete = True
    for f in record:
        here = path + (f.key,)
        raw = given.get(f.key)
        if f.required and (raw is None or raw == "") and not r.required(here, f.label, f.hint):
            values[f.name] = absent(f)
            complete = False
            continue
        if raw is None:
            value = None
        else:
            r.known(here, raw)
            value = READERS[f.kind](r, here, f)
        if f.required and value in (None, ""):
            complete = False
        values[f.name] = absent(f) if value is None else value
    return values, complete


_EMPTY: dict[Kind, Callable[[], Any]] = {
    Kind.TEXT: str, Kind.MARKDOWN: str, Kind.ID: str, Kind.TEXT_LIST: tuple,
    Kind.RECORDS: tuple, Kind.CHOICES: tuple, Kind.YEARS: tuple, Kind.YEAR_MAP: dict,
    Kind.AMOUNTS: dict, Kind.LABELS: dict,
}


def absent(f: Field) -> Any:
    """The value of a field that is not given (or empty): its default, else its kind's
    empty value (`""`, `()`, `{}`; a nested record's model with its defaults, or None when
    the record has required fields, as `decision` has; else None)."""
    if f.default is not None:
        return f.default
    if f.kind is Kind.RECORD and f.record is not None and f.record.model is not None:
        return None if f.record.required else f.record.model()
    make = _EMPTY.get(f.kind)
    return make() if make else None


def _text(r: Reader, path: Path_, f: Field) -> str:
    return r.text(path)


def _markdown(r: Reader, path: Path_, f: Field) -> str:
    """A Markdown field (a note, a hearing comment): text that every format must be able to
    build (see `markdown.body_problems`), reported from the value's line."""
    text = r.text(path)
    if text:
        loc = r.loc(path)
        _body_problems(r.report, text, loc.path, loc.line)
    return text


def _body_problems(report: Report, text: str, path: str, first_line: int) -> None:
    """Report what in Markdown `text` (starting at `first_line` of `path`) no format can
    build: nesting too deep, a table too wide."""
    for bp in body_problems(text):
        report.problem(bp.code, path, first_line + bp.line - 1, bp.col, **dict(bp.values))


def _id(r: Reader, path: Path_, f: Field) -> str:
    value = r.text(path)
    problem = F.id_problem(value) if value else None
    if problem:
        code, reason = problem
        r.problem(path, code, value=short(value), reason=reason)
        return ""
    return value


def _ref(r: Reader, path: Path_, f: Field) -> str | None:
    value = r.text(path)
    return value if value or f.required else None


def _integer(r: Reader, path: Path_, f: Field) -> int | None:
    value = r.integer(path, f.label)
    if value is not None and not _in_range(r, path, f, value):
        return None
    return value


def _number(r: Reader, path: Path_, f: Field) -> Decimal | None:
    value = r.number(path, f"'{f.key}'")
    if value is None:
        return None
    assert isinstance(value, Decimal)
    return value if _in_range(r, path, f, value) else None


def _in_range(r: Reader, path: Path_, f: Field, value: Decimal | int) -> bool:
    rule = ""
    if f.positive and value <= 0:
        rule = "større end 0"
    elif f.minimum is not None and f.maximum is not None and not f.minimum <= value <= f.maximum:
        rule = f"mellem {f.minimum} og {f.maximum}"
    if rule:
        shown = plain(value) if isinstance(value, Decimal) else str(value)
        r.problem(path, "out-of-range", key=f.key, rule=rule, value=shown)
        return False
    return True


def _choice(r: Reader, path: Path_, f: Field) -> Any:
    return r.choice(path, f.choices, f.default, f.label, f.code, f.choice_labels,
                    f.choice_aliases)


def _choices(r: Reader, path: Path_, f: Field) -> tuple[str, ...]:
    data = r.get(path)
    if data is None:
        return tuple(f.default or ())
    if not isinstance(data, list):
        r.problem(path, "not-list", key=f.key, example=f" af {f.label.lower()}")
        return tuple(f.default or ())
    found = (r.choice(path + (i,), f.choices, None, "status", f.code) for i in range(len(data)))
    return tuple(v for v in found if v)


def _years(r: Reader, path: Path_, f: Field) -> tuple[int, ...]:
    data = r.get(path)
    if not isinstance(data, list) or not data:
        r.problem(path, "not-year-list")
        return ()
    years: list[int] = []
    for i, value in enumerate(data):
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
            r.problem(path + (i,), "year", value=short(str(value)))
            return ()
        if years and value <= years[-1]:
            r.problem(path + (i,), "years-order")
            return ()
        years.append(value)
    return tuple(years)


def _year_map(r: Reader, path: Path_, f: Field) -> dict[int, Any]:
    return r.year_map(path, f.label.lower())


def _amounts(r: Reader, path: Path_, f: Field) -> dict[int, Amount]:
    return r.year_map(path, "beløbet", allow_unknown=True, allow_range=True)


def _fte(r: Reader, path: Path_, f: Field) -> dict[int, Any] | None:
    """`fte`: absent → None (computed); `"?"` → unknown every year; else a year map."""
    if isinstance(r.get(path), str) and r.get(path).strip() == "?":
        return {y: UNKNOWN for y in r.years}
    return r.year_map(path, "årsværk", allow_unknown=True)


def _record(r: Reader, path: Path_, f: Field) -> Any:
    """A nested mapping as its record's model; None when a required field of it is missing
    or wrong (reported), or for a record with required fields that is not a mapping."""
    assert f.record is not None
    if r.mapping(path, f"'{f.key}'") is None:
        return absent(f) if f.record.model else None
    values, complete = read_record(r, path, f.record)
    if not complete:
        return None
    return _build(r, path, f.record, values)


def _build(r: Reader, path: Path_, record: Record, values: dict[str, Any]) -> Any:
    """`record.model(**values)`, given where it stands when the model keeps that (`loc`:
    the mapping's position; `locs`: each key's, as `_locs` gives them)."""
    if record.model is None:
        return values
    wanted = getattr(record.model, "__dataclass_fields__", {})
    if "loc" in wanted:
        values = values | {"loc": r.loc(path)}
    if "locs" in wanted:
        values = values | {"locs": _locs(r, record, path)}
    return record.model(**values)


def _records(r: Reader, path: Path_, f: Field) -> tuple[Any, ...]:
    assert f.record is not None
    record = f.record
    result: list[Any] = []
    for i in r.items(path, record.one or "en samling af nøgler"):
        values, complete = read_record(r, path + (i,), record)
        if complete:
            result.append(_build(r, path + (i,), record, values))
    return tuple(result)


def _shares(r: Reader, path: Path_, f: Field) -> Allocation | None:
    """`nøgle` or `{CODE: percent}`."""
    data = r.get(path)
    if isinstance(data, str):
        if data.strip().casefold() in ("nøgle", "nogle", "noegle", "key"):
            return Allocation(key=True)
        r.problem(path, "allocation-form", detail=f", ikke '{short(data.strip())}'")
        return None
    if not isinstance(data, dict):
        r.problem(path, "allocation-form", detail=f", ikke {kind_of(data)}")
        return None
    shares: dict[str, Decimal] = {}
    for code in data:
        share = r.number(path + (code,), f"andelen for {code}")
        if isinstance(share, Decimal) and _in_range(r, path + (code,), F.DEPARTMENT["share"],
                                                     share):
            shares[str(code)] = share
    return Allocation(shares=shares)


def _department_amounts(r: Reader, path: Path_, f: Field) -> dict[str, Any] | None:
    """`{CODE: amount}` (every year) or `{CODE: {year: amount}}`."""
    data = r.mapping(path, "'amounts'")
    if data is None:
        return None
    result: dict[str, Any] = {}
    for code in data:
        here = path + (code,)
        if isinstance(r.get(here), dict):
            result[str(code)] = r.year_map(here, f"beløbet for {code}")
        else:
            amount = r.number(here, f"beløbet for {code}")
            if isinstance(amount, Decimal):
                result[str(code)] = amount
    return result


def _allocation(r: Reader, path: Path_, f: Field) -> Allocation | None:
    """`nøgle`, `{CODE: percent}` or `{shares: ..., amounts: ..., from: year}`."""
    data = r.get(path)
    if data is None:
        return None
    long_keys = set(F.ALLOCATION.keys)
    if not (isinstance(data, dict) and data and set(map(str, data)) <= long_keys):
        return _shares(r, path, f)
    values, _ = read_record(r, path, F.ALLOCATION)
    shares, amounts, start = values["shares"], values["amounts"], values["start"]
    given = {key for key in ("shares", "amounts") if r.get(path + (key,)) is not None}
    if len(given) == 1 and shares is None and amounts is None:
        return None  # the one given was wrong, and has been reported
    if (shares is None) == (amounts is None):
        what = "begge" if shares is not None else "ingen af dem"
        r.problem(path, "allocation-form", detail=f" (giv enten 'shares' eller 'amounts', "
                                                  f"ikke {what})")
        return None
    if start is not None and r.years and start not in r.years:
        r.problem(path + ("from",), "allocation-from", year=start, first=r.years[0],
                  last=r.years[-1])
        start = None
    if amounts is not None:
        return Allocation(amounts=amounts, start=start)
    assert isinstance(shares, Allocation)
    return dataclasses.replace(shares, start=start)


def _labels(r: Reader, path: Path_, f: Field) -> dict[str, str]:
    data = r.get(path)
    if r.mapping(path, "'labels'") is None:
        return {}
    result: dict[str, str] = {}
    for key in data:
        here = path + (key,)
        if key not in LABELS:
            r.problem(here, "label-unknown", at_key=True, key=short(str(key)),
                      hint=did_you_mean(str(key), LABELS, {}))
            continue
        if r.required(here, f"betegnelsen '{key}'"):
            text = r.text(here)
            if text:
                result[str(key)] = text
    return result


def _colour(r: Reader, path: Path_, f: Field) -> str | None:
    value = r.text(path)
    if not value:
        return None
    colour = parse_colour(value)
    if colour is None:
        r.problem(path, "colour", key=f.key, value=short(value))
        return None
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST:
        shown = format(ratio.quantize(Decimal("0.01")), "f").replace(".", ",")
        r.problem(path, "contrast", value=colour, ratio=shown)
        return None
    return colour


_DRIVE = re.compile(r"^[A-Za-z]:")


def _path(r: Reader, path: Path_, f: Field) -> str | None:
    value = r.text(path)
    if not value:
        return None
    reason = ""
    if value.startswith(("/", "\\")) or _DRIVE.match(value):
        reason = "skriv stien i forhold til indholdsmappen, fx logo.svg"
    elif "\\" in value:
        reason = "brug / i stier"
    elif ".." in PurePosixPath(value).parts:
        reason = "'..' fører ud af indholdsmappen"
    if reason:
        r.problem(path, "logo-path", value=short(value), reason=reason)
        return None
    return value


def _bool(r: Reader, path: Path_, f: Field) -> bool | None:
    return r.boolean(path)


READERS: dict[Kind, Callable[[Reader, Path_, Field], Any]] = {
    Kind.TEXT: _text,
    Kind.MARKDOWN: _markdown,
    Kind.ID: _id,
    Kind.REF: _ref,
    Kind.INTEGER: _integer,
    Kind.NUMBER: _number,
    Kind.CHOICE: _choice,
    Kind.CHOICES: _choices,
    Kind.BOOL: _bool,
    Kind.DATE: lambda r, path, f: r.date(path),
    Kind.TEXT_LIST: lambda r, path, f: r.text_list(path),
    Kind.YEARS: _years,
    Kind.YEAR_MAP: _year_map,
    Kind.AMOUNTS: _amounts,
    Kind.FTE: _fte,
    Kind.ALLOCATION: _allocation,
    Kind.SHARES: _shares,
    Kind.DEPARTMENT_AMOUNTS: _department_amounts,
    Kind.LABELS: _labels,
    Kind.COLOUR: _colour,
    Kind.PATH: _path,
    Kind.RECORD: _record,
    Kind.RECORDS: _records,
}


# -- catalogue.yaml ---------------------------------------------------------------------------


def _settings(doc: Document | None, path: str, report: Report) -> Settings:
    if doc is None:
        return _empty_settings(path)
    probe = Reader(doc, Report())
    if probe.mapping((), "catalogue.yaml") is None:
        Reader(doc, report).mapping((), "catalogue.yaml")
        return _empty_settings(path)
    # The unit and the years decide how amounts are read: read them first, quietly.
    unit = probe.get(("unit",))
    years = _years(probe, ("years",), F.CATALOGUE["years"]) if probe.has(("years",)) else ()
    r = Reader(doc, report, unit if unit in UNITS else 1000, years)
    values, _ = read_record(r, (), F.CATALOGUE)
    _duplicate_departments(r)
    values["years"] = values["years"] or ()
    values["price_level"] = values["price_level"] or 0
    values["departments"] = tuple(
        d if d.name else dataclasses.replace(d, name=d.code) for d in values["departments"])
    return Settings(**values, path=path, locs=_locs(r, F.CATALOGUE))


def _duplicate_departments(r: Reader) -> None:
    seen: dict[str, int] = {}
    data = r.get(("departments",))
    for i, item in enumerate(data if isinstance(data, list) else ()):
        code = r.text(("departments", i, "code")) if isinstance(item, dict) else ""
        if code in seen:
            r.problem(("departments", i, "code"), "duplicate-department", code=code,
                      line=seen[code])
        elif code:
            seen[code] = r.loc(("departments", i, "code")).line


# -- themes, proposals, introduction ----------------------------------------------------------


def _theme(doc: Document, reading: Reading, report: Report) -> Theme | None:
    r = Reader(doc, report, reading.unit, reading.years)
    if r.mapping((), "front matter") is None:
        return None
    values, _ = read_record(r, (), F.THEME)
    if not values["id"]:
        return None
    values["number"] = values["number"] if values["number"] is not None else 0
    _body_problems(report, doc.body, doc.path, doc.body_line)
    return Theme(**values, body=doc.body, path=doc.path,
                 locs=_locs(r, F.THEME) | {"body": Loc(doc.path, doc.body_line, 1)})


def _proposal(doc: Document, reading: Reading, report: Report) -> Proposal | None:
    r = Reader(doc, report, reading.unit, reading.years)
    if r.mapping((), "front matter") is None:
        return None
    values, _ = read_record(r, (), F.PROPOSAL)
    if not values["id"]:
        return None
    values["lines"] = values["lines"] or ()
    _body_problems(report, doc.body, doc.path, doc.body_line)
    return Proposal(**values, body=doc.body, path=doc.path,
                    locs=_locs(r, F.PROPOSAL) | {"body": Loc(doc.path, doc.body_line, 1)})


def _intro(doc: Document, settings: Settings, report: Report) -> Intro | None:
    r = Reader(doc, report, settings.unit, settings.years)
    if doc.data is not None and r.mapping((), "front matter") is None:
        return None
    values, _ = read_record(r, (), F.INTRO)
    title = values["title"] or settings.labels.get("intro", LABELS["intro"])
    _body_problems(report, doc.body, doc.path, doc.body_line)
    return Intro(title=title, body=doc.body, path=doc.path)


# -- after loading ----------------------------------------------------------------------------


def _decimals_of(value: Any) -> int:
    if type(value) is dict:  # a year map, the usual case: no ABC check
        return max(map(_decimals_of, value.values()), default=0)
    if isinstance(value, Range):
        return max(_decimals_of(value.low), _decimals_of(value.high))
    if isinstance(value, Decimal) and value.is_finite():
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 0:
            return 0  # a whole number as written (normalising cannot give it decimals)
        exponent = value.normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0
    if isinstance(value, Mapping):
        return max((_decimals_of(v) for v in value.values()), default=0)
    return 0


def proposal_decimals(p: Proposal) -> int:
    """The fewest decimals that show every amount `p` gives exactly (uncapped)."""
    values: list[Any] = [line.amounts for line in p.lines] + [p.declared_totals]
    if p.allocation is not None and p.allocation.amounts:
        values += list(p.allocation.amounts.values())
    return max((_decimals_of(v) for v in values), default=0)


def shown_decimals(cat: Catalogue, known: Mapping[int, int] | None = None) -> int:
    """Decimals every amount is shown with: the catalogue's `decimals`, else the fewest that
    show every amount it gives exactly (at most 4). `known` maps the id of a proposal to its
    `proposal_decimals`, when they have been worked out (a memo of its file holds them)."""
    s = cat.settings
    if s.decimals is not None:
        return s.decimals
    values: list[Any] = [s.targets, s.declared_totals]
    values += [t.declared_totals for t in cat.themes]
    found = max((_decimals_of(v) for v in values), default=0)
    known = known or {}
    for p in cat.proposals:
        places = known.get(id(p))
        found = max(found, proposal_decimals(p) if places is None else places)
    return min(MAX_DECIMALS, found)


def _folder_of(label: str, files: Mapping[str, bytes | OSError]) -> Path | None:
    """The folder `label` names, when its catalogue.yaml is the one being loaded."""
    folder = Path(label)
    try:
        from .safefs import read_regular

        return folder if read_regular(folder / CATALOGUE_FILE, 1 << 20) == files.get(
            CATALOGUE_FILE) else None
    except OSError:
        return None


def look_at_logo(root: Path, logo: str) -> tuple[Any, ...]:
    """All `check_logo` sees of `logo` under `root`: `("outside",)`, `("missing",)`,
    `("unreadable", reason)` or `("head", first 2,048 bytes)`. Its verdict depends on this
    and the settings alone, so a memo of a whole check is keyed by it (`check_memo`)."""
    from .safefs import read_regular

    path = root / logo
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except OSError:
        inside = False
    if not inside:
        return ("outside",)
    if not os.path.lexists(path):
        return ("missing",)
    try:
        return ("head", read_regular(path, LOGO_LIMIT)[:2048])
    except OSError as exc:
        return ("unreadable", str(exc))


def check_logo(root: Path, settings: Settings, report: Report) -> tuple[Any, ...]:
    """`look.logo` is a regular SVG, PNG or JPEG file inside the content folder. Returns
    what it saw of the file (`look_at_logo`)."""
    logo = settings.look.logo
    assert logo is not None
    loc = settings.locs.get("look.logo") or settings.locs.get("look") or Loc(settings.path)
    where = (loc.path, loc.line, loc.col)
    seen = look_at_logo(root, logo)
    if seen[0] == "outside":
        report.problem("logo-path", *where, value=logo, reason="den peger ud af mappen")
    elif seen[0] == "missing":
        report.problem("logo-missing", *where, value=logo)
    elif seen[0] == "unreadable":
        report.problem("logo-file", *where, value=logo, reason=seen[1])
    elif not _is_image(seen[1] if isinstance(seen[1], bytes) else b""):
        name = (root / logo).name
        report.problem("logo-type", *where, value=logo,
                       detail=f" (filen '{short(name)}' er ikke et billede katalog kender)")
    return seen


def _is_image(head: bytes) -> bool:
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return True
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    return (text.startswith(b"<svg") or text.startswith(b"<?xml")) and b"<svg" in text


def _locs(r: Reader, record: Record, path: Path_ = ()) -> dict[str, Loc]:
    """Field name → position, plus `<key>.<year>` for year maps and `<key>.<sub>` one level
    down in mappings (allocation codes, look keys, labels, decision keys); `""` is the
    mapping itself (of a nested record at `path`)."""
    data = r.get(path)
    if not isinstance(data, dict):
        return {}
    locs = {key: r.loc(path + (key,)) for key in record.keys if key in data}
    if path:
        locs[""] = r.loc(path)
    for key in record.keys:
        if isinstance(data.get(key), dict):
            locs |= {f"{key}.{sub}": r.loc(path + (key, sub)) for sub in data[key]}
            for sub, value in data[key].items():
                if isinstance(value, dict):
                    locs |= {f"{key}.{sub}.{x}": r.loc(path + (key, sub, x)) for x in value}
    return locs


__all__ = ["load", "load_files", "read_folder", "read_record", "READERS", "shown_decimals",
           "proposal_decimals", "Reading", "Loaded", "LoadMemo", "Prefetch", "Job", "load_ahead",
           "check_logo", "look_at_logo", "did_you_mean"]
