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


# -- SPEC §8's decision and realisation are declarations only -----------------------------------


def test_decision_and_realisation_are_declarations_only():
    """SPEC §8's fields are two records in the table: read, checked, located and schema'd by
    the generic machinery (no reader or schema of their own)."""
    import datetime as dt
    from decimal import Decimal

    from katalog.issues import Report
    from katalog.load import read_record
    from katalog.model import Decision, Realisation
    from katalog.reader import Reader
    from katalog.schema import Context, record_schema
    from katalog.source import read_document

    assert F.PROPOSAL["decision"].kind is Kind.RECORD
    assert F.PROPOSAL["decision"].record is F.DECISION and F.DECISION.model is Decision
    assert F.PROPOSAL["realisation"].kind is Kind.RECORDS
    assert F.PROPOSAL["realisation"].record is F.REALISATION
    assert F.REALISATION.model is Realisation
    text = ("---\nid: P1\ntitle: T\ntheme: adm\ndepartment: SOF\nsummary: S.\neconomy: []\n"
            "decision: {outcome: vedtaget, date: 2026-10-08, amounts: {2027: -2000}}\n"
            "realisation:\n  - {revision: BO1 2027, expected: {2027: -1500}, status: gul}\n"
            "  - {revision: BO2 2027, status: lilla}\n"
            "  - {revision: BO3 2027, status: grøn, date: 2027-11-30}\n---\n").encode()
    report = Report()
    r = Reader(read_document(text, "p.md", True), report, years=(2026, 2027))
    values, _ = read_record(r, (), F.PROPOSAL)
    assert values["decision"] == Decision("vedtaget", dt.date(2026, 10, 8), "",
                                          {2027: Decimal(-2000)}, "")
    # the entry with a wrong status is left out (and reported); the others keep their lines
    first, third = values["realisation"]
    assert first == Realisation("BO1 2027", "gul", None, {2027: Decimal(-1500)})
    assert third == Realisation("BO3 2027", "grøn", dt.date(2027, 11, 30))
    assert (first.locs["revision"].line, third.locs["date"].line) == (10, 12)
    assert [(i.code, i.line) for i in report.issues] == [("unknown-light", 11)]
    schema = record_schema(F.PROPOSAL, Context(None))
    decision = schema["properties"]["decision"]["anyOf"][0]
    assert decision["required"] == ["outcome"]
    assert decision["properties"]["outcome"]["enum"] == ["vedtaget", "forkastet", "udskudt"]
    items = schema["properties"]["realisation"]["items"]
    assert items["required"] == ["revision", "status"]
    assert items["properties"]["status"]["enum"] == ["grøn", "gul", "rød"]


def test_an_absent_decision_is_none_and_an_absent_look_is_its_defaults():
    from katalog.load import absent
    from katalog.model import Look

    assert absent(F.PROPOSAL["decision"]) is None
    assert absent(F.PROPOSAL["realisation"]) == ()
    assert absent(F.CATALOGUE["look"]) == Look()


@pytest.mark.parametrize(("typed", "meant"), [("groen", "grøn"), ("Green", "grøn"),
                                              ("red", "rød"), ("roed", "rød"),
                                              ("yellow", "gul")])
def test_traffic_lights_writers_type_get_a_suggestion(typed, meant):
    f = F.REALISATION["status"]
    assert f.choice_aliases[typed.casefold()] == meant
