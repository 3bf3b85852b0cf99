"""fields: every field declared once; loading, schema, scaffold, diff and the docs follow it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import ERR, WARN, flat_cols, load, minimal, p, replace, with_files
from katalog import fields as F
from katalog.diff import _PROPOSAL_FIELDS, _SETTINGS_FIELDS
from katalog.fields import Kind, id_problem
from katalog.load import READERS, absent
from katalog.model import Catalogue, Proposal, Settings, Theme
from katalog.reference import FORMAT_RECORDS, fill, names_in, sections
from katalog.schema import KIND_SCHEMAS, SCHEMAS

ROOT = Path(__file__).resolve().parent.parent
FORMAT = ROOT / "docs" / "format.md"


def test_every_kind_has_a_reader_and_a_schema():
    assert set(READERS) == set(Kind)
    assert set(KIND_SCHEMAS) == set(Kind)


@pytest.mark.parametrize("record", F.RECORDS, ids=lambda r: r.name)
def test_records_are_consistent(record):
    keys = record.keys
    assert len(keys) == len(set(keys)), "a key declared twice"
    for f in record:
        assert f.label and f.help and f.doc, f.key
        if f.kind in (Kind.RECORD, Kind.RECORDS):
            assert f.record is not None, f.key
        if f.kind in (Kind.CHOICE, Kind.CHOICES):
            assert f.choices, f.key
        for alias in f.aliases:
            assert alias not in keys, (f.key, alias)


@pytest.mark.parametrize(("record", "model"), [(F.CATALOGUE, Settings), (F.THEME, Theme),
                                               (F.PROPOSAL, Proposal)])
def test_every_field_is_a_model_attribute(record, model):
    attributes = set(model.__dataclass_fields__)
    assert {f.name for f in record} <= attributes


def test_nested_records_build_their_model():
    for record in (F.DEPARTMENT, F.LOOK, F.CONSULTED, F.HEARING, F.FOLLOWUP):
        assert record.model is not None
        assert {f.name for f in record} <= set(record.model.__dataclass_fields__)


def test_absent_values_match_the_model_defaults():
    # A field that is not given gets the same value the model's default has.
    import dataclasses

    checked = 0
    for record, model in ((F.THEME, Theme), (F.PROPOSAL, Proposal), (F.CATALOGUE, Settings)):
        defaults = model.__dataclass_fields__
        for f in record:
            d = defaults[f.name]
            if f.required:
                continue
            if d.default is not dataclasses.MISSING:
                expected = d.default
            else:
                assert d.default_factory is not dataclasses.MISSING, (record.name, f.key)
                expected = d.default_factory()
            assert absent(f) == expected, (record.name, f.key)
            checked += 1
    assert checked > 30


def test_schema_properties_follow_the_table():
    for name, record in (("catalogue", F.CATALOGUE), ("theme", F.THEME),
                         ("proposal", F.PROPOSAL)):
        schema = SCHEMAS[name](None)
        assert list(schema["properties"]) == list(record.keys)
        assert schema["required"] == list(record.required)
        for f in record:
            assert schema["properties"][f.key]["description"] == f.help


def test_diff_labels_come_from_the_table():
    assert _PROPOSAL_FIELDS["department"] == F.PROPOSAL["department"].label
    assert _PROPOSAL_FIELDS["declared_totals"] == F.PROPOSAL["totals"].label
    assert "lines" not in _PROPOSAL_FIELDS and "id" not in _PROPOSAL_FIELDS
    assert _SETTINGS_FIELDS["look"] == "Udseende"


def test_docs_format_tables_are_current():
    text = FORMAT.read_text(encoding="utf-8")
    assert set(names_in(text)) >= set(FORMAT_RECORDS) | {"labels"}
    assert fill(text) == text, "docs/format.md is stale: run `python -m katalog.reference`"


def test_a_stale_table_is_detected():
    text = FORMAT.read_text(encoding="utf-8")
    stale = text.replace("| `fte_decimals` |", "| `fte_decimal` |", 1)
    assert stale != text and fill(stale) == text


def test_every_field_is_in_the_docs():
    tables = sections()
    for name, record in FORMAT_RECORDS.items():
        for f in record:
            assert f"| `{f.key}` |" in tables[name], (name, f.key)


def test_the_example_in_the_docs_checks():
    """The proposal example in docs/format.md is valid content."""
    text = FORMAT.read_text(encoding="utf-8")
    block = re.search(r"### Example\n\n```markdown\n(.*?)```", text, re.DOTALL).group(1)
    block = block.replace("...\n", "Tekst.\n")
    files = with_files(minimal(), {
        "catalogue.yaml": (b"title: K\norganisation: O\nyears: [2026, 2027, 2028]\n"
                           b"price_level: 2026\ndepartments:\n  - {code: SOF}\n  - {code: BUF}\n"),
        "themes/adm.md": b"---\nid: administration\nnumber: 1\ntitle: A\n---\n",
        "proposals/P1.md": block.encode("utf-8"),
    })
    from katalog.pipeline import check_files

    checked = check_files(files, "c")
    assert checked.ok, [i.format() for i in checked.report.sorted()]
    (proposal,) = checked.catalogue.proposals
    assert proposal.allocation.start == 2027 and proposal.note


# -- ids (issue 18) -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "code"), [
    (".", "id-start"), ("..", "id-start"), (".hidden", "id-start"), ("-rf", "id-start"),
    ("CON", "id-reserved"), ("con", "id-reserved"), ("Nul", "id-reserved"),
    ("aux.md", "id-reserved"), ("COM1", "id-reserved"), ("lpt9.txt", "id-reserved"),
    ("a b", "id-syntax"), ("x" * 41, "id-syntax"), ("", "id-syntax"),
])
def test_bad_ids(value, code):
    assert id_problem(value)[0] == code


@pytest.mark.parametrize("value", ["ADM-01", "TV13", "console", "con-1", "a.b", "COM10",
                                   "auxiliary", "Økonomi_2"])
def test_good_ids(value):
    assert id_problem(value) is None


@pytest.mark.parametrize(("value", "code"), [(".skjult", "id-start"), ("NUL", "id-reserved"),
                                             ("'-x'", "id-start")])
def test_bad_ids_are_reported_at_the_id(value, code):
    _, report = load(replace(minimal(), "proposals/P1.md", "id: P1", f"id: {value}"))
    assert flat_cols(report) == [(p("proposals/P1.md"), 2, 5, ERR, code)]
    assert "ugyldigt" in report.issues[0].message


# -- Danish keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "meant"), [("titel", "title"), ("forvaltning", "department"),
                                            ("årsværk", "fte"), ("alternativ_til", "alternative_to"),
                                            ("bemærkning", "note"), ("valgt", "chosen")])
def test_danish_keys_get_a_suggestion_from_the_table(key, meant):
    files = replace(minimal(), "proposals/P1.md", "summary:", f"{key}: x\nsummary:")
    _, report = load(files)
    (issue,) = report.issues
    assert (issue.code, issue.severity.value) == ("unknown-field", WARN)
    assert f"mente du '{meant}'?" in issue.message


# -- the next fields are a few declarations (SPEC §8's decision and realisation) -----------------


def test_decision_and_realisation_are_declarations_only():
    """Declared as docs/format.md shows, SPEC §8's fields are read, checked and schema'd by the
    generic machinery: no new reader, no new schema code."""
    import dataclasses
    import datetime as dt
    from decimal import Decimal

    from katalog.fields import Field, Record
    from katalog.issues import Report
    from katalog.load import read_record
    from katalog.reader import Reader
    from katalog.schema import Context, record_schema
    from katalog.source import read_document

    @dataclasses.dataclass(frozen=True)
    class Decision:
        outcome: str | None = None
        date: dt.date | None = None
        reference: str = ""
        amounts: dict = dataclasses.field(default_factory=dict)
        note: str = ""

    @dataclasses.dataclass(frozen=True)
    class Realisation:
        revision: str = ""
        expected: dict = dataclasses.field(default_factory=dict)
        status: str | None = None
        comment: str = ""

    decision = Record("decision", "'decision'", "`decision`", (
        Field("outcome", Kind.CHOICE, "Afgørelse", "Vedtaget, forkastet eller udskudt.",
              "the council's decision", required=True,
              choices=("vedtaget", "forkastet", "udskudt")),
        Field("date", Kind.DATE, "Dato", "Mødedato.", "date"),
        Field("reference", Kind.TEXT, "Reference", "Fx 'Byrådet 8.10.2026, pkt. 12'.", "where"),
        Field("amounts", Kind.AMOUNTS, "Vedtagne beløb", "Beløb pr. år.", "adopted amounts"),
        Field("note", Kind.MARKDOWN, "Note", "Bemærkning.", "a remark"),
    ), model=Decision)
    realisation = Record("realisation", "'realisation'", "`realisation`", (
        Field("revision", Kind.TEXT, "Budgetopfølgning", "Fx 'BO1 2027'.", "revision",
              required=True),
        Field("expected", Kind.AMOUNTS, "Forventet", "Forventet pr. år.", "expected"),
        Field("status", Kind.CHOICE, "Status", "grøn, gul eller rød.", "status",
              choices=("grøn", "gul", "rød")),
        Field("comment", Kind.MARKDOWN, "Kommentar", "Kommentar.", "comment"),
    ), model=Realisation)
    proposal = dataclasses.replace(F.PROPOSAL, fields=F.PROPOSAL.fields + (
        Field("decision", Kind.RECORD, "Afgørelse", "Byrådets afgørelse.", "decision",
              record=decision),
        Field("realisation", Kind.RECORDS, "Realisering", "Status pr. budgetopfølgning.",
              "realisation", record=realisation),
    ))

    text = (b"---\nid: P1\ntitle: T\ntheme: adm\ndepartment: SOF\nsummary: S.\neconomy: []\n"
            b"decision: {outcome: vedtaget, date: 2026-10-08, amounts: {2027: -2000}}\n"
            b"realisation:\n  - {revision: BO1 2027, expected: {2027: -1500}, status: gul}\n"
            b"  - {revision: BO2 2027, status: lilla}\n---\n")
    report = Report()
    r = Reader(read_document(text, "p.md", True), report, years=(2026, 2027))
    values, _ = read_record(r, (), proposal)
    assert values["decision"] == Decision("vedtaget", dt.date(2026, 10, 8), "",
                                          {2027: Decimal(-2000)}, "")
    assert values["realisation"] == (Realisation("BO1 2027", {2027: Decimal(-1500)}, "gul"),
                                     Realisation("BO2 2027", {}, None))
    assert [(i.code, i.line) for i in report.issues] == [("unknown-choice", 11)]
    schema = record_schema(proposal, Context(None))
    assert schema["properties"]["decision"]["anyOf"][0]["required"] == ["outcome"]
    assert schema["properties"]["realisation"]["items"]["properties"]["status"]["enum"] == [
        "grøn", "gul", "rød", None]
