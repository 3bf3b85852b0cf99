"""load.py + fields.py: every per-file rule, each at its exact file, line and column."""

from __future__ import annotations

import datetime as dt
import string
import textwrap
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import (
    CATALOGUE,
    ERR,
    PROPOSAL,
    WARN,
    flat,
    flat_cols,
    front,
    load,
    minimal,
    only,
    p,
    replace,
    with_files,
)
from katalog.model import UNKNOWN, Allocation, Look, Range
from katalog.reader import did_you_mean, suggest
from katalog.folder import read_folder
from katalog.issues import Report, Severity
from katalog.load import load_files
from katalog.model import UNKNOWN, Allocation, Look, Range
from katalog.pipeline import Checked, check_files

P = "proposals/P1.md"
C = "catalogue.yaml"
T = "themes/adm.md"


def issue_of(files: dict[str, bytes]) -> tuple[str, int, int, str, str, str]:
    """The one issue loading `files` gives, with its message."""
    _, report = load(files)
    i = only(report)
    return (i.path, i.line, i.col, i.severity.value, i.code, i.message)


def cat_with(extra: str) -> dict[str, bytes]:
    """The minimal catalogue with `extra` lines added to catalogue.yaml from line 5."""
    return replace(
        minimal(), C, "price_level: 2026\n", "price_level: 2026\n" + textwrap.dedent(extra)
    )


def prop_with(extra: str) -> dict[str, bytes]:
    """The minimal catalogue with `extra` lines inserted in P1.md from line 6 (before summary)."""
    return replace(minimal(), P, "summary:", textwrap.dedent(extra) + "summary:")


def amount(value: str) -> dict[str, bytes]:
    """P1's 2026 amount (line 11, value at column 21) replaced by `value`."""
    return replace(minimal(), P, "2026: -100", f"2026: {value}")


# -- the minimal catalogue ---------------------------------------------------------------------


def test_minimal_catalogue_loads_cleanly() -> None:
    cat, report = load(minimal())
    assert flat(report) == []
    s = cat.settings
    assert (s.title, s.organisation, s.years, s.price_level) == (
        "Budgetkatalog 2026",
        "Testby Kommune",
        (2026, 2027, 2028),
        2026,
    )
    assert (s.unit, s.savings_sign, s.target_basis, s.counted_statuses) == (
        1000,
        "negative",
        "alle",
        ("forslag", "vedtaget"),
    )
    assert s.path == p(C)
    (theme,) = cat.themes
    assert (theme.id, theme.number, theme.title, theme.merged_into) == (
        "adm",
        1,
        "Administration",
        None,
    )
    assert theme.body == "Intro.\n"
    (prop,) = cat.proposals
    assert (prop.id, prop.theme, prop.department, prop.status) == ("P1", "adm", "SOF", "forslag")
    assert prop.summary == "Kort resumé."
    (line,) = prop.lines
    assert (line.text, line.area, line.group) == ("Løn", "service", "varig")
    assert line.amounts == {2026: Decimal(-100), 2027: Decimal(-200)}
    assert (line.loc.path, line.loc.line, line.loc.col) == (p(P), 8, 5)
    assert prop.locs["id"].line == 2
    assert prop.locs["body"].line == 13


def test_load_from_folder(tmp_path) -> None:
    for rel, raw in minimal().items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(raw)
    (tmp_path / "proposals" / ".hidden.md").write_text("ikke yaml", encoding="utf-8")
    (tmp_path / "proposals" / "sub").mkdir()
    # a hidden .md is an error and a folder among the proposals a warning, never silence
    assert set(read_folder(tmp_path)) == {C, T, P, "proposals/.hidden.md", "proposals/sub"}
    from katalog.load import load as load_folder

    cat, report = load_folder(tmp_path)
    assert flat(report) == [(f"{tmp_path}/proposals/.hidden.md", 1, "fejl", "read"),
                            (f"{tmp_path}/proposals/sub", 1, "advarsel", "ignored-file")]
    assert cat.settings.path == f"{tmp_path}/{C}"


def test_label_is_prefixed_to_paths() -> None:
    _, report = load_files(replace(minimal(), P, "id: P1", "id: 'P 1'"), label="indhold/")
    assert flat(report) == [("indhold/proposals/P1.md", 2, ERR, "id-syntax")]
    _, report = load_files(replace(minimal(), P, "id: P1", "id: 'P 1'"), label="")
    assert flat(report) == [("proposals/P1.md", 2, ERR, "id-syntax")]


def test_missing_catalogue_file() -> None:
    files = {k: v for k, v in minimal().items() if k != C}
    _, report = load(files)
    assert flat_cols(report) == [(p(C), 1, 1, ERR, "missing-file")]


def test_other_files_are_ignored_with_a_warning() -> None:
    _, report = load(with_files(minimal(), {"proposals/notes.txt": b"x", "themes/a.yaml": b"y"}))
    assert flat(report) == [
        (p("proposals/notes.txt"), 1, WARN, "ignored-file"),
        (p("themes/a.yaml"), 1, WARN, "ignored-file"),
    ]


def test_unreadable_file_is_an_error() -> None:
    files = {**minimal(), "proposals/P2.md": PermissionError(13, "Adgang nægtet")}
    _, report = load(files)
    assert flat(report) == [(p("proposals/P2.md"), 1, ERR, "read")]
    assert "Adgang nægtet" in report.issues[0].message


def test_a_broken_file_does_not_stop_the_others() -> None:
    files = with_files(
        minimal(),
        {
            "proposals/P2.md": b"---\nid: P2\ntitle: a: b\n---\n",
            "proposals/P3.md": b"\xff\xfe",
            "proposals/P4.md": b"",
        },
    )
    cat, report = load(files)
    assert flat(report) == [
        (p("proposals/P2.md"), 3, ERR, "yaml-syntax"),
        (p("proposals/P3.md"), 1, ERR, "encoding"),
        (p("proposals/P4.md"), 1, ERR, "empty-file"),
    ]
    assert [x.id for x in cat.proposals] == ["P1"]


# -- required fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "line", "field"),
    [
        (P, "id: P1\n", "id"),
        (P, "title: Forslag et\n", "title"),
        (P, "theme: adm\n", "theme"),
        (P, "department: SOF\n", "department"),
        (P, "summary: Kort resumé.\n", "summary"),
        (T, "id: adm\n", "id"),
        (T, "number: 1\n", "number"),
        (T, "title: Administration\n", "title"),
    ],
)
def test_missing_required_field_in_front_matter(rel: str, line: str, field: str) -> None:
    path, ln, col, sev, code, msg = issue_of(replace(minimal(), rel, line, ""))
    assert (path, ln, col, sev, code) == (p(rel), 2, 1, ERR, "required")
    assert f"'{field}'" in msg
    assert "påkrævet" in msg


@pytest.mark.parametrize(
    "line",
    [
        "title: Budgetkatalog 2026\n",
        "organisation: Testby Kommune\n",
        "years: [2026, 2027, 2028]\n",
        "price_level: 2026\n",
    ],
)
def test_missing_required_catalogue_field(line: str) -> None:
    files = replace(minimal(), C, line, "")
    _, report = load(files)
    field = line.split(":")[0]
    assert flat_cols(report) == [(p(C), 1, 1, ERR, "required")]
    assert f"'{field}'" in report.issues[0].message


def test_missing_economy() -> None:
    files = replace(
        minimal(), P, PROPOSAL[PROPOSAL.index("economy:") : PROPOSAL.index("---\nTekst")], ""
    )
    path, line, col, sev, code, msg = issue_of(files)
    assert (path, line, col, sev, code) == (p(P), 2, 1, ERR, "required")
    assert "'economy'" in msg and "[]" in msg


def test_empty_economy_list_is_fine() -> None:
    files = replace(
        minimal(),
        P,
        PROPOSAL[PROPOSAL.index("economy:") : PROPOSAL.index("---\nTekst")],
        "economy: []\n",
    )
    cat, report = load(files)
    assert flat(report) == []
    assert cat.proposals[0].lines == ()


def test_economy_null_is_an_error_at_its_key() -> None:
    files = replace(
        minimal(),
        P,
        PROPOSAL[PROPOSAL.index("economy:") : PROPOSAL.index("---\nTekst")],
        "economy:\n",
    )
    assert issue_of(files)[:5] == (p(P), 7, 1, ERR, "empty-required")


def test_empty_required_text() -> None:
    for empty in ("title:", "title: ''", "title: null"):
        path, line, col, sev, code, msg = issue_of(
            replace(minimal(), P, "title: Forslag et", empty)
        )
        assert (path, line, col, sev, code) == (p(P), 3, 1, ERR, "empty-required")
        assert "tomt" in msg


@pytest.mark.parametrize(
    ("old", "field"),
    [
        ("  - text: Løn\n    area", "text"),
        ("    area: service\n", "area"),
        ("    group: varig\n", "group"),
        ("    amounts: {2026: -100, 2027: -200}\n", "amounts"),
    ],
)
def test_line_missing_required_field(old: str, field: str) -> None:
    new = "  - area" if field == "text" else ""
    path, line, col, sev, code, msg = issue_of(replace(minimal(), P, old, new))
    assert (path, line, col, sev, code) == (p(P), 8, 5, ERR, "required")
    assert f"'{field}'" in msg


def test_line_problems_in_second_line_point_at_second_line() -> None:
    files = replace(
        minimal(),
        P,
        "    amounts: {2026: -100, 2027: -200}\n",
        (
            "    amounts: {2026: -100, 2027: -200}\n"
            "  - text: Anden\n"
            "    area: anlæg\n"
            "    amounts: {2026: 5}\n"
        ),
    )
    assert issue_of(files)[:5] == (p(P), 12, 5, ERR, "required")


def test_amounts_may_be_empty_but_not_null() -> None:
    cat, report = load(replace(minimal(), P, "{2026: -100, 2027: -200}", "{}"))
    assert flat(report) == []
    assert cat.proposals[0].lines[0].amounts == {}
    files = replace(minimal(), P, " {2026: -100, 2027: -200}", "")
    assert issue_of(files)[:5] == (p(P), 11, 5, ERR, "empty-required")


def test_missing_several_fields_reports_all() -> None:
    files = with_files(
        minimal(),
        {
            P: front("""
        id: P1
        economy:
          - {text: x}
        """)
        },
    )
    _, report = load(files)
    assert flat(report) == [
        (p(P), 2, ERR, "required"),  # title
        (p(P), 2, ERR, "required"),  # theme
        (p(P), 2, ERR, "required"),  # department
        (p(P), 2, ERR, "required"),  # summary
        (p(P), 4, ERR, "required"),  # area
        (p(P), 4, ERR, "required"),  # group
        (p(P), 4, ERR, "required"),  # amounts
    ]
    assert len(report.issues) == 7


# -- front matter shape ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line"),
    [(b"---\n- a\n- b\n---\n", 2), (b"---\nhej\n---\n", 2), (b"---\n---\nbody\n", 1)],
)
def test_front_matter_must_be_a_mapping(raw: bytes, line: int) -> None:
    path, ln, col, sev, code, msg = issue_of(with_files(minimal(), {"proposals/P2.md": raw}))
    assert (path, ln, col, sev, code) == (p("proposals/P2.md"), line, 1, ERR, "not-mapping")
    assert "samling af nøgler" in msg


def test_catalogue_must_be_a_mapping() -> None:
    _, report = load(with_files(minimal(), {C: b"- a\n"}))
    assert (p(C), 1, ERR, "not-mapping") in flat(report)


# -- wrong types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "col", "code", "needle"),
    [
        ("title: Forslag et", "title: [a, b]", 3, 8, "not-text", "tekst"),
        ("title: Forslag et", "title: {a: 1}", 3, 8, "not-text", "tekst"),
        ("title: Forslag et", "title: true", 3, 8, "not-text", "tekst"),
        ("theme: adm", "theme: [adm]", 4, 8, "not-text", "tekst"),
        ("summary: Kort resumé.", "summary: {a: b}", 6, 10, "not-text", "tekst"),
        ("economy:\n  - text", "economy:\n  x:\n    text", 8, 3, "not-record-list", "liste"),
        ("economy:\n", "economy:\n  - Løn\n", 8, 5, "not-record", "økonomilinje"),
        ("{2026: -100, 2027: -200}", "[1, 2]", 11, 14, "not-year-map", "samling af år"),
        ("{2026: -100, 2027: -200}", "-100", 11, 14, "not-year-map", "samling af år"),
        ("area: service", "area: 3", 9, 11, "not-choice", "Styringsområde"),
    ],
)
def test_wrong_types_in_proposal(old: str, new: str, line: int, col: int, code: str,
                                 needle: str) -> None:
    path, ln, c, sev, actual, msg = issue_of(replace(minimal(), P, old, new))
    assert (path, ln, c, sev, actual) == (p(P), line, col, ERR, code)
    assert needle in msg


def test_numbers_as_text_are_accepted_for_text_fields() -> None:
    cat, report = load(
        replace(replace(minimal(), P, "title: Forslag et", "title: 2026"), P, "id: P1", "id: 12")
    )
    assert flat(report) == []
    assert (cat.proposals[0].id, cat.proposals[0].title) == ("12", "2026")


@pytest.mark.parametrize(
    ("value", "code", "needle"),
    [
        ("'1'", "quoted-number", "uden anførselstegn"),
        ("1.5", "not-integer", "decimaltal"),
        ("one", "not-integer", "helt tal"),
        ("[1]", "not-integer", "liste"),
        ("true", "not-integer", "helt tal"),
        ("1.000", "thousands-dot", "mente du 1000?"),
    ],
)
def test_theme_number_must_be_an_integer(value: str, code: str, needle: str) -> None:
    path, line, col, sev, c, msg = issue_of(replace(minimal(), T, "number: 1", f"number: {value}"))
    assert (path, line, col, sev, c) == (p(T), 3, 9, ERR, code)
    assert needle in msg


def test_price_level_must_be_an_integer() -> None:
    assert issue_of(replace(minimal(), C, "price_level: 2026", "price_level: '2026'"))[:5] == (
        p(C),
        4,
        14,
        ERR,
        "quoted-number",
    )
    assert issue_of(prop_with("price_level: 2026.5\n"))[:5] == (p(P), 6, 14, ERR, "not-integer")


def test_merged_into_must_be_text() -> None:
    files = replace(
        minimal(), T, "title: Administration\n", "title: Administration\nmerged_into: [x]\n"
    )
    assert issue_of(files)[:5] == (p(T), 5, 14, ERR, "not-text")


# -- status, area, group, kind -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "line", "col", "code", "hint"),
    [
        (lambda: prop_with("status: forsalg\n"), 6, 9, "unknown-status", "'forslag'"),
        (lambda: prop_with("status: Vedtaget\n"), 6, 9, "unknown-status", "'vedtaget'"),
        (
            lambda: replace(minimal(), P, "area: service", "area: servce"),
            9,
            11,
            "unknown-area",
            "'service'",
        ),
        (
            lambda: replace(minimal(), P, "area: service", "area: anleg"),
            9,
            11,
            "unknown-area",
            "'anlæg'",
        ),
        (
            lambda: replace(minimal(), P, "area: service", "area: overforsler"),
            9,
            11,
            "unknown-area",
            "'overførsler'",
        ),
        (
            lambda: replace(minimal(), P, "group: varig", "group: varg"),
            10,
            12,
            "unknown-group",
            "'varig'",
        ),
        (
            lambda: replace(minimal(), P, "group: varig", "group: engangs"),
            10,
            12,
            "unknown-group",
            "'engang'",
        ),
        (lambda: prop_with("kind: efektivisering\n"), 6, 7, "unknown-kind", "'effektivisering'"),
        (lambda: prop_with("kind: investeringer\n"), 6, 7, "unknown-kind", "'investering'"),
    ],
)
def test_unknown_choice_with_did_you_mean(files, line: int, col: int, code: str, hint: str) -> None:
    path, ln, c, sev, cd, msg = issue_of(files())
    assert (path, ln, c, sev, cd) == (p(P), line, col, ERR, code)
    assert f"mente du {hint}?" in msg
    assert msg.startswith("ukendt ")


def test_unknown_choice_without_close_match_has_no_hint() -> None:
    path, line, col, sev, code, msg = issue_of(prop_with("status: zzzz\n"))
    assert (path, line, col, sev, code) == (p(P), 6, 9, ERR, "unknown-status")
    assert "mente du" not in msg
    assert "'udkast', 'forslag', 'vedtaget', 'forkastet' eller 'trukket'" in msg


@pytest.mark.parametrize("status", ["udkast", "forslag", "vedtaget", "forkastet", "trukket"])
def test_every_status_is_accepted(status: str) -> None:
    cat, report = load(prop_with(f"status: {status}\n"))
    assert flat(report) == []
    assert cat.proposals[0].status == status


@pytest.mark.parametrize(
    "kind",
    [
        "effektivisering",
        "serviceforringelse",
        "investering",
        "strukturændring",
        "omprioritering",
        "indtægt",
        "andet",
    ],
)
def test_every_kind_is_accepted(kind: str) -> None:
    cat, report = load(prop_with(f"kind: {kind}\n"))
    assert flat(report) == []
    assert cat.proposals[0].kind == kind


@pytest.mark.parametrize("area", ["service", "anlæg", "overførsler", "finansiering"])
@pytest.mark.parametrize("group", ["varig", "engang"])
def test_every_area_and_group_is_accepted(area: str, group: str) -> None:
    files = replace(
        replace(minimal(), P, "area: service", f"area: {area}"),
        P,
        "group: varig",
        f"group: {group}",
    )
    cat, report = load(files)
    assert flat(report) == []
    assert (cat.proposals[0].lines[0].area, cat.proposals[0].lines[0].group) == (area, group)


def test_status_of_wrong_type() -> None:
    assert issue_of(prop_with("status: 3\n"))[:5] == (p(P), 6, 9, ERR, "not-choice")


# -- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["'P 1'", "a/b", "'x#1'", "A" * 41, "'æ ø'", "'../x'"])
def test_invalid_proposal_id(bad: str) -> None:
    path, line, col, sev, code, msg = issue_of(replace(minimal(), P, "id: P1", f"id: {bad}"))
    assert (path, line, col, sev, code) == (p(P), 2, 5, ERR, "id-syntax")
    assert "højst 40 tegn" in msg


@pytest.mark.parametrize("good", ["TV13", "ADM-04", "a.b_c-d", "ÆØÅ-æøå_1.2", "A" * 40, "7"])
def test_valid_proposal_ids(good: str) -> None:
    cat, report = load(replace(minimal(), P, "id: P1", f"id: {good}"))
    assert flat(report) == []
    assert cat.proposals[0].id == good


def test_invalid_theme_id() -> None:
    files = replace(
        replace(minimal(), T, "id: adm", "id: 'ad m'"), P, "theme: adm", "theme: 'ad m'"
    )
    _, report = load(files)
    assert flat_cols(report) == [(p(T), 2, 5, ERR, "id-syntax")]


def test_proposal_with_invalid_id_is_left_out() -> None:
    cat, _ = load(replace(minimal(), P, "id: P1", "id: 'P 1'"))
    assert cat.proposals == ()


# -- catalogue: years ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "col", "code"),
    [
        ("[2026, 2028, 2027]", 21, "years-order"),
        ("[2026, 2026, 2027]", 15, "years-order"),
        ("[2027, 2026, 2028]", 15, "years-order"),
        ("['2026', 2027, 2028]", 9, "year"),
        ("[2026, 2027.5, 2028]", 15, "year"),
        ("[2026, 1850, 2028]", 15, "year"),
        ("[2026, true]", 15, "year"),
        ("2026", 8, "not-year-list"),
        ("[]", 8, "not-year-list"),
        ("{2026: 1}", 8, "not-year-list"),
    ],
)
def test_bad_years(years: str, col: int, code: str) -> None:
    files = replace(minimal(), C, "[2026, 2027, 2028]", years)
    _, report = load(files)
    assert flat_cols(report)[0] == (p(C), 3, col, ERR, code)
    assert all(i.path == p(C) for i in report.issues)


def test_years_order_message() -> None:
    files = replace(minimal(), C, "[2026, 2027, 2028]", "[2026, 2028, 2027]")
    _, report = load(files)
    assert "stigende orden" in report.issues[0].message


def test_block_list_years_point_at_the_bad_item() -> None:
    files = replace(
        minimal(), C, "years: [2026, 2027, 2028]", "years:\n  - 2026\n  - 2028\n  - 2027"
    )
    _, report = load(files)
    assert flat_cols(report) == [(p(C), 6, 5, ERR, "years-order")]


# -- amounts: the thousands dot and friends ---------------------------------------------------


def test_thousands_dot_unquoted() -> None:
    path, line, col, sev, code, msg = issue_of(amount("-6.000"))
    assert (path, line, col, sev, code) == (p(P), 11, 21, ERR, "thousands-dot")
    assert "mente du -6000?" in msg
    assert "-6.000" in msg


@pytest.mark.parametrize(
    ("value", "meant"),
    [
        ("-6.000", "-6000"),
        ("12.500", "12500"),
        ("-11.500", "-11500"),
        ("6.000", "6000"),
        ("-0.750", "-750"),
    ],
)
def test_thousands_dot_variants(value: str, meant: str) -> None:
    msg = issue_of(amount(value))[5]
    assert f"mente du {meant}?" in msg


@pytest.mark.parametrize("value", ["1.250.000", "'1.250.000'", "'-6.000'", "-26.500.000"])
def test_thousands_dot_as_text(value: str) -> None:
    path, line, col, sev, code, msg = issue_of(amount(value))
    assert (path, line, col, sev, code) == (p(P), 11, 21, ERR, "thousands-dot")
    digits = value.strip("'").replace(".", "")
    assert f"mente du {digits}?" in msg


@pytest.mark.parametrize("value", ["1e400", "-1e16", "9" * 5000, "1000000000000000"])
def test_absurd_amount_is_reported_at_the_amount(value: str) -> None:
    path, line, col, sev, code, msg = issue_of(amount(value))
    assert (path, line, col, sev, code) == (p(P), 11, 21, ERR, "too-large")
    assert len(msg) < 200  # the value is shortened, never dumped whole


def test_largest_sane_amount_computes() -> None:
    checked = check_files(amount("-999999999999999"), label="c")
    assert checked.ok, [i.format() for i in checked.report.sorted()]


def test_1_250_000_message() -> None:
    assert "mente du 1250000?" in issue_of(amount("1.250.000"))[5]


@pytest.mark.parametrize(
    ("value", "exact"),
    [
        ("1.25", "1.25"),
        ("1.2500", "1.2500"),
        ("12.5", "12.5"),
        ("-0.5", "-0.5"),
        ("-6.0000", "-6.0000"),
        ("0", "0"),
        ("+7", "7"),
        ("-6000", "-6000"),
    ],
)
def test_real_decimals_are_exact(value: str, exact: str) -> None:
    cat, report = load(amount(value))
    assert flat(report) == []
    got = cat.proposals[0].lines[0].amounts[2026]
    assert isinstance(got, Decimal)
    assert got == Decimal(exact)
    assert str(got) == exact


def test_decimal_comma() -> None:
    path, line, col, sev, code, msg = issue_of(amount('"1,5"'))
    assert (path, line, col, sev, code) == (p(P), 11, 21, ERR, "decimal-comma")
    assert "mente du 1.5?" in msg


def test_decimal_comma_with_thousands_dot() -> None:
    msg = issue_of(amount('"-1.234,5"'))[5]
    assert "mente du -1234.5?" in msg


def test_unquoted_decimal_comma_is_still_caught() -> None:
    # `1,5` in a flow mapping splits into two entries; in block style it is the text "1,5".
    files = replace(minimal(), P, "{2026: -100, 2027: -200}", "\n      2026: 1,5")
    assert issue_of(files)[:5] == (p(P), 12, 13, ERR, "decimal-comma")


def test_quoted_number() -> None:
    path, line, col, sev, code, msg = issue_of(amount('"-6000"'))
    assert (path, line, col, sev, code) == (p(P), 11, 21, ERR, "quoted-number")
    assert "anførselstegn" in msg and "-6000" in msg


def test_spaced_thousands() -> None:
    assert "mente du 1000?" in issue_of(amount("'1 000'"))[5]


@pytest.mark.parametrize(
    ("value", "code", "needle"),
    [
        ("true", "not-number", "sand/falsk"),
        ("'abc'", "not-number", "'abc'"),
        ("2026-01-01", "not-number", "dato"),
        ("[1]", "not-number", "liste"),
        ("{a: 1}", "range-form", "{low: 3.5, high: 5.5}"),
        (".inf", "not-number", "'.inf'"),
        ("'??'", "not-number", "'??'"),
    ],
)
def test_amount_of_wrong_kind(value: str, code: str, needle: str) -> None:
    path, line, col, sev, actual, msg = issue_of(amount(value))
    assert (path, line, col, sev, actual) == (p(P), 11, 21, ERR, code)
    assert needle in msg


def test_question_mark_is_unknown_in_amounts() -> None:
    cat, report = load(amount('"?"'))
    assert flat(report) == []
    assert cat.proposals[0].lines[0].amounts[2026] is UNKNOWN
    cat, report = load(amount("' ? '"))
    assert cat.proposals[0].lines[0].amounts[2026] is UNKNOWN


def test_unquoted_question_mark_is_not_yaml_text() -> None:
    # `?` alone starts a complex key in YAML; the writer gets a located error, never a crash.
    _, report = load(amount("?"))
    assert report.has_errors
    assert {i.path for i in report.issues} == {p(P)}


def test_null_and_absent_years_mean_no_amount() -> None:
    cat, report = load(
        replace(minimal(), P, "{2026: -100, 2027: -200}", "{2026: null, 2027: ~, 2028: 0}")
    )
    assert flat(report) == []
    assert cat.proposals[0].lines[0].amounts == {2028: Decimal(0)}


def test_years_are_sorted_and_quoted_years_accepted() -> None:
    cat, report = load(replace(minimal(), P, "{2026: -100, 2027: -200}", "{2028: 3, '2026': 1}"))
    assert flat(report) == []
    assert list(cat.proposals[0].lines[0].amounts.items()) == [
        (2026, Decimal(1)),
        (2028, Decimal(3)),
    ]


def test_year_outside_catalogue_years() -> None:
    path, line, col, sev, code, msg = issue_of(replace(minimal(), P, "2027: -200", "2030: -200"))
    assert (path, line, col, sev, code) == (p(P), 11, 27, ERR, "year-range")
    assert "2030" in msg and "2026–2028" in msg


def test_year_that_is_not_a_year() -> None:
    for key in ("abc", "'20 26'", "2026.5", "'2026a'"):
        path, line, col, sev, code, _ = issue_of(
            replace(minimal(), P, "2027: -200", f"{key}: -200")
        )
        assert (path, line, col, sev, code) == (p(P), 11, 27, ERR, "year")


def test_same_year_as_int_and_text() -> None:
    assert issue_of(replace(minimal(), P, "2027: -200", "'2026': -200"))[:5] == (
        p(P),
        11,
        27,
        ERR,
        "duplicate-key",
    )


def test_amount_error_in_block_mapping_of_second_line() -> None:
    files = replace(
        minimal(),
        P,
        "    amounts: {2026: -100, 2027: -200}\n",
        (
            "    amounts: {2026: -100}\n"
            "  - text: Implementering\n"
            "    area: service\n"
            "    group: engang\n"
            "    amounts:\n"
            "      2026: 1.800\n"
            "      2027: 750\n"
        ),
    )
    path, line, col, sev, code, msg = issue_of(files)
    assert (path, line, col, sev, code) == (p(P), 16, 13, ERR, "thousands-dot")
    assert "mente du 1800?" in msg


def test_all_bad_amounts_are_reported() -> None:
    files = replace(
        minimal(), P, "{2026: -100, 2027: -200}", "{2026: -6.000, 2027: '1,5', 2028: x}"
    )
    _, report = load(files)
    assert flat_cols(report) == [
        (p(P), 11, 21, ERR, "thousands-dot"),
        (p(P), 11, 35, ERR, "decimal-comma"),
        (p(P), 11, 48, ERR, "not-number"),
    ]


# -- catalogue settings --------------------------------------------------------------------------


@pytest.mark.parametrize("unit", [1, 1000, 1000000])
def test_units(unit: int) -> None:
    cat, report = load(cat_with(f"unit: {unit}\n"))
    assert flat(report) == []
    assert cat.settings.unit == unit


@pytest.mark.parametrize(
    ("value", "code", "needle"),
    [
        ("100", "unit", "1000000"),
        ("'1000'", "quoted-number", "anførselstegn"),
        ("1.000", "thousands-dot", "mente du 1000?"),
        ("kr", "unit", "1000000 (mio. kr.)"),
    ],
)
def test_bad_unit(value: str, code: str, needle: str) -> None:
    path, line, col, sev, c, msg = issue_of(cat_with(f"unit: {value}\n"))
    assert (path, line, col, sev, c) == (p(C), 5, 7, ERR, code)
    assert needle in msg


@pytest.mark.parametrize("sign", ["negative", "positive"])
def test_savings_sign(sign: str) -> None:
    cat, report = load(cat_with(f"savings_sign: {sign}\n"))
    assert flat(report) == []
    assert cat.settings.savings_sign == sign


def test_bad_savings_sign() -> None:
    path, line, col, sev, code, msg = issue_of(cat_with("savings_sign: negativ\n"))
    assert (path, line, col, sev, code) == (p(C), 5, 15, ERR, "unknown-choice")
    assert "mente du 'negative'?" in msg
    assert issue_of(cat_with("savings_sign: -1\n"))[:5] == (p(C), 5, 15, ERR, "not-choice")


@pytest.mark.parametrize("basis", ["alle", "varig"])
def test_target_basis(basis: str) -> None:
    cat, report = load(cat_with(f"target_basis: {basis}\n"))
    assert flat(report) == []
    assert cat.settings.target_basis == basis


def test_bad_target_basis() -> None:
    path, line, col, sev, code, msg = issue_of(cat_with("target_basis: varige\n"))
    assert (path, line, col, sev, code) == (p(C), 5, 15, ERR, "unknown-choice")
    assert "mente du 'varig'?" in msg


def test_counted_statuses() -> None:
    cat, report = load(cat_with("counted_statuses: [vedtaget, udkast]\n"))
    assert flat(report) == []
    assert cat.settings.counted_statuses == ("vedtaget", "udkast")
    cat, report = load(cat_with("counted_statuses: []\n"))
    assert flat(report) == []
    assert cat.settings.counted_statuses == ()


def test_bad_counted_status_is_located_and_named() -> None:
    files = cat_with("counted_statuses:\n  - forslag\n  - vedtagt\n")
    path, line, col, sev, code, msg = issue_of(files)
    assert (path, line, col, sev, code) == (p(C), 7, 5, ERR, "unknown-status")
    assert "mente du 'vedtaget'?" in msg


def test_counted_statuses_must_be_a_list() -> None:
    assert issue_of(cat_with("counted_statuses: vedtaget\n"))[:5] == (p(C), 5, 19, ERR, "not-list")


def test_targets() -> None:
    cat, report = load(cat_with("targets: {2026: -23000, 2027: -23000.5}\n"))
    assert flat(report) == []
    assert cat.settings.targets == {2026: Decimal(-23000), 2027: Decimal("-23000.5")}


@pytest.mark.parametrize(
    ("value", "col", "code"),
    [
        ("{2026: '?'}", 17, "not-number"),
        ("{2026: -6.000}", 17, "thousands-dot"),
        ("{2026: '1,5'}", 17, "decimal-comma"),
        ("{2030: 1}", 11, "year-range"),
        ("[1]", 10, "not-year-map"),
    ],
)
def test_bad_targets(value: str, col: int, code: str) -> None:
    assert issue_of(cat_with(f"targets: {value}\n"))[:5] == (p(C), 5, col, ERR, code)


def test_question_mark_target_message() -> None:
    msg = issue_of(cat_with("targets: {2026: '?'}\n"))[5]
    assert "'?'" in msg and "tal" in msg


def test_average_salary() -> None:
    cat, report = load(cat_with("average_salary: 575.5\n"))
    assert flat(report) == []
    assert cat.settings.average_salary == Decimal("575.5")
    assert issue_of(cat_with("average_salary: 0\n"))[:5] == (p(C), 5, 17, ERR, "out-of-range")
    assert issue_of(cat_with("average_salary: -5\n"))[:5] == (p(C), 5, 17, ERR, "out-of-range")
    assert issue_of(cat_with("average_salary: '?'\n"))[:5] == (p(C), 5, 17, ERR, "not-number")
    assert issue_of(cat_with("average_salary: 575.000\n"))[:5] == (
        p(C),
        5,
        17,
        ERR,
        "thousands-dot",
    )


def test_catalogue_declared_totals() -> None:
    cat, report = load(cat_with("totals: {2026: -100, 2027: -200}\n"))
    assert flat(report) == []
    assert cat.settings.declared_totals == {2026: Decimal(-100), 2027: Decimal(-200)}
    assert cat.settings.locs["totals.2027"].line == 5
    assert issue_of(cat_with("totals: {2026: '?'}\n"))[:5] == (p(C), 5, 16, ERR, "not-number")
    assert issue_of(cat_with("totals: {2029: 5}\n"))[:5] == (p(C), 5, 10, ERR, "year-range")


def test_departments() -> None:
    cat, report = load(
        cat_with("""\
        departments:
          - {code: SOF, name: Socialforvaltningen, share: 28.4}
          - {code: BUF, share: 71.6}
        """)
    )
    assert flat(report) == []
    assert [(d.code, d.name, d.share) for d in cat.settings.departments] == [
        ("SOF", "Socialforvaltningen", Decimal("28.4")),
        ("BUF", "BUF", Decimal("71.6")),
    ]
    assert cat.settings.allocation_key == {"SOF": Decimal("28.4"), "BUF": Decimal("71.6")}


@pytest.mark.parametrize(
    ("extra", "line", "col", "code"),
    [
        ("departments: {SOF: 1}\n", 5, 14, "not-record-list"),
        ("departments: [SOF]\n", 5, 15, "not-record"),
        ("departments:\n  - {name: Soc}\n", 6, 5, "required"),
        ("departments:\n  - {code: SOF, share: 101}\n", 6, 24, "out-of-range"),
        ("departments:\n  - {code: SOF, share: -1}\n", 6, 24, "out-of-range"),
        ("departments:\n  - {code: SOF, share: '28,4'}\n", 6, 24, "decimal-comma"),
        (
            "departments:\n  - {code: SOF}\n  - {code: BUF}\n  - {code: SOF}\n",
            8,
            12,
            "duplicate-department",
        ),
    ],
)
def test_bad_departments(extra: str, line: int, col: int, code: str) -> None:
    assert issue_of(cat_with(extra))[:5] == (p(C), line, col, ERR, code)


def test_duplicate_department_names_first_line() -> None:
    msg = issue_of(cat_with("departments:\n  - {code: SOF}\n  - {code: SOF}\n"))[5]
    assert "'SOF'" in msg and "linje 6" in msg


def test_unknown_department_field_suggests_english_key() -> None:
    path, line, col, sev, code, msg = issue_of(
        cat_with("departments:\n  - {code: SOF, navn: Soc}\n")
    )
    assert (path, line, col, sev, code) == (p(C), 6, 17, WARN, "unknown-field")
    assert "mente du 'name'?" in msg


def test_date_subtitle_percent_sign() -> None:
    cat, report = load(cat_with("date: 2026-09-01\nsubtitle: Forslag\npercent_sign: pct.\n"))
    assert flat(report) == []
    assert (cat.settings.date, cat.settings.subtitle, cat.settings.percent_sign) == (
        dt.date(2026, 9, 1),
        "Forslag",
        "pct.",
    )
    assert issue_of(cat_with("date: 2026-13-01\n"))[:5] == (p(C), 5, 7, ERR, "not-date")
    assert issue_of(cat_with("date: i morgen\n"))[:5] == (p(C), 5, 7, ERR, "not-date")
    assert issue_of(cat_with("subtitle: [1]\n"))[:5] == (p(C), 5, 11, ERR, "not-text")
    i = issue_of(cat_with("percent_sign: pct\n"))
    assert i[:5] == (p(C), 5, 15, ERR, "unknown-choice")
    assert "mente du 'pct.'?" in i[5]


# -- unknown fields are warnings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "old", "new", "line", "col", "hint"),
    [
        (P, "summary:", "tema: adm\nsummary:", 6, 1, "theme"),
        (P, "summary:", "titl: x\nsummary:", 6, 1, "title"),
        (P, "summary:", "resumé: x\nsummary:", 6, 1, "summary"),
        (P, "summary:", "totaler: {2026: 1}\nsummary:", 6, 1, "totals"),
        (P, "summary:", "fordeling: nøgle\nsummary:", 6, 1, "allocation"),
        (P, "    group: varig", "    group: varig\n    beløb: 3", 11, 5, "amounts"),
        (P, "    group: varig", "    group: varig\n    styringsområde: service", 11, 5, "area"),
        (C, "price_level: 2026", "price_level: 2026\nprisniveau: 2026", 5, 1, "price_level"),
        (C, "price_level: 2026", "price_level: 2026\nmåltal: {}", 5, 1, "targets"),
        (C, "price_level: 2026", "price_level: 2026\naverage_salery: 5", 5, 1, "average_salary"),
        (T, "number: 1", "number: 1\nnummer: 1", 4, 1, "number"),
        (T, "number: 1", "number: 1\nmerged_in: x", 4, 1, "merged_into"),
    ],
)
def test_unknown_fields_warn_with_suggestion(rel, old, new, line, col, hint) -> None:
    path, ln, c, sev, code, msg = issue_of(replace(minimal(), rel, old, new))
    assert (path, ln, c, sev, code) == (p(rel), line, col, WARN, "unknown-field")
    assert f"mente du '{hint}'?" in msg
    assert "ignoreres" in msg


def test_titel_instead_of_title() -> None:
    _, report = load(replace(minimal(), P, "title: Forslag et", "titel: Forslag et"))
    assert flat(report) == [(p(P), 2, ERR, "required"), (p(P), 3, WARN, "unknown-field")]
    warning = report.warnings[0]
    assert "ukendt felt 'titel'" in warning.message
    assert "mente du 'title'?" in warning.message


def test_unknown_field_without_close_match() -> None:
    path, line, col, sev, code, msg = issue_of(prop_with("zzzqqq: 1\n"))
    assert (path, line, col, sev, code) == (p(P), 6, 1, WARN, "unknown-field")
    assert "mente du" not in msg


def test_warnings_alone_do_not_make_errors() -> None:
    _, report = load(prop_with("zzzqqq: 1\n"))
    assert not report.has_errors
    assert len(report.warnings) == 1


def test_unknown_non_text_key_is_a_warning_too() -> None:
    path, line, col, sev, code, _ = issue_of(prop_with("2026: 1\n"))
    assert (path, line, col, sev, code) == (p(P), 6, 1, WARN, "unknown-field")


# -- proposal optional fields ---------------------------------------------------------------------


def test_proposal_optional_fields_all_valid() -> None:
    files = prop_with("""\
        status: vedtaget
        kind: investering
        price_level: 2026
        fte: {2026: -1.5, 2027: -3}
        allocation: {SOF: 60, BUF: 40}
        totals: {2026: -100, 2027: -200}
        consulted:
          - {party: MED-udvalg, approved: true, date: 2026-08-07}
          - {party: Økonomi, approved: nej, note: Afventer}
        hearing:
          - body: SektorMED Social
            comment: Udvalget bakker op.
        followup:
          - {goal: Færre timer, measure: Løn, responsible: Ledelsen, when: 2027}
        tags: [administration, løn]
        """)
    cat, report = load(files)
    assert flat(report) == []
    x = cat.proposals[0]
    assert x.fte == {2026: Decimal("-1.5"), 2027: Decimal(-3)}
    assert x.allocation == Allocation(shares={"SOF": Decimal(60), "BUF": Decimal(40)})
    assert x.declared_totals == {2026: Decimal(-100), 2027: Decimal(-200)}
    assert [(c.party, c.approved, c.date, c.note) for c in x.consulted] == [
        ("MED-udvalg", True, dt.date(2026, 8, 7), ""),
        ("Økonomi", False, None, "Afventer"),
    ]
    assert [(h.body, h.comment) for h in x.hearing] == [("SektorMED Social", "Udvalget bakker op.")]
    assert [(f.goal, f.measure, f.responsible, f.when) for f in x.followup] == [
        ("Færre timer", "Løn", "Ledelsen", "2027"),
    ]
    assert x.tags == ("administration", "løn")
    assert x.locs["totals.2027"].line == 11
    assert x.locs["allocation.BUF"].line == 10


@pytest.mark.parametrize("value", ["nøgle", "Nøgle", "noegle", "key"])
def test_allocation_key(value: str) -> None:
    cat, report = load(prop_with(f"allocation: {value}\n"))
    assert flat(report) == []
    assert cat.proposals[0].allocation == Allocation(key=True)


@pytest.mark.parametrize(
    ("value", "col", "code"),
    [
        ("alle", 13, "allocation-form"),
        ("[SOF, BUF]", 13, "allocation-form"),
        ("5", 13, "allocation-form"),
        ("{SOF: 160, BUF: -60}", 19, "out-of-range"),
        ("{SOF: '?', BUF: 100}", 19, "not-number"),
        ("{SOF: 62.500, BUF: 37.5}", 19, "thousands-dot"),
    ],
)
def test_bad_allocation(value: str, col: int, code: str) -> None:
    _, report = load(prop_with(f"allocation: {value}\n"))
    assert flat_cols(report)[0] == (p(P), 6, col, ERR, code)


def test_allocation_message_names_both_forms() -> None:
    msg = issue_of(prop_with("allocation: alle\n"))[5]
    assert "'nøgle'" in msg and "{SOF: 60, BUF: 40}" in msg


def test_fte_rules() -> None:
    cat, report = load(prop_with("fte: {2026: -1.5, 2030: 1, 2027: '?'}\n"))
    assert flat_cols(report) == [(p(P), 6, 19, ERR, "year-range")]
    assert cat.proposals[0].fte == {2026: Decimal("-1.5"), 2027: UNKNOWN}
    _, report = load(prop_with("fte: {2026: 'x'}\n"))
    assert flat_cols(report) == [(p(P), 6, 13, ERR, "not-number")]


def test_fte_question_mark_means_unknown_every_year() -> None:
    cat, report = load(prop_with("fte: '?'\n"))
    assert flat(report) == []
    assert cat.proposals[0].fte == {2026: UNKNOWN, 2027: UNKNOWN, 2028: UNKNOWN}


def test_proposal_declared_totals_refuse_question_mark_and_bad_years() -> None:
    assert issue_of(prop_with("totals: {2026: '?'}\n"))[:5] == (p(P), 6, 16, ERR, "not-number")
    assert issue_of(prop_with("totals: {2025: 1}\n"))[:5] == (p(P), 6, 10, ERR, "year-range")
    assert issue_of(prop_with("totals: {2026: -6.000}\n"))[:5] == (
        p(P),
        6,
        16,
        ERR,
        "thousands-dot",
    )


def test_theme_declared_totals_are_checked_against_catalogue_years() -> None:
    files = replace(
        minimal(),
        T,
        "title: Administration\n",
        "title: Administration\ntotals: {2030: 1, 2026: '?'}\n",
    )
    _, report = load(files)
    assert flat_cols(report) == [(p(T), 5, 10, ERR, "year-range"),
                                 (p(T), 5, 25, ERR, "not-number")]


def test_price_level_on_proposal() -> None:
    cat, report = load(prop_with("price_level: 2025\n"))
    assert flat(report) == []  # a mismatch is a cross-file rule (validate)
    assert cat.proposals[0].price_level == 2025


def test_consulted_rules() -> None:
    files = prop_with("""\
        consulted:
          - {party: MED, approved: ja, date: 2026-08-07}
          - {party: X, approved: måske, date: igår, notat: 1}
          - MED
          - {approved: true}
        """)
    _, report = load(files)
    assert flat_cols(report) == [
        (p(P), 8, 26, ERR, "not-bool"),
        (p(P), 8, 39, ERR, "not-date"),
        (p(P), 8, 45, WARN, "unknown-field"),
        (p(P), 9, 5, ERR, "not-record"),
        (p(P), 10, 5, ERR, "required"),
    ]
    assert "mente du 'note'?" in report.warnings[0].message


def test_hearing_rules() -> None:
    files = prop_with("""\
        hearing:
          - {body: MED}
          - {comment: x}
          - {body: a, comment: b, kommentar: c}
        """)
    _, report = load(files)
    assert flat_cols(report) == [
        (p(P), 7, 5, ERR, "required"),
        (p(P), 8, 5, ERR, "required"),
        (p(P), 9, 27, WARN, "unknown-field"),
    ]
    assert issue_of(prop_with("hearing: noget\n"))[:5] == (p(P), 6, 10, ERR, "not-record-list")


def test_followup_rules() -> None:
    files = prop_with("""\
        followup:
          - {goal: g, measure: m, responsible: r, when: 2026}
          - {measure: m}
          - {goal: g, ansvarlig: r}
        """)
    _, report = load(files)
    assert flat_cols(report) == [
        (p(P), 8, 5, ERR, "required"),
        (p(P), 9, 15, WARN, "unknown-field"),
    ]
    assert "mente du 'responsible'?" in report.warnings[0].message
    assert issue_of(prop_with("followup: {goal: g}\n"))[:5] == (p(P), 6, 11, ERR, "not-record-list")


def test_tags() -> None:
    cat, report = load(prop_with("tags: løn\n"))
    assert flat(report) == []
    assert cat.proposals[0].tags == ("løn",)
    cat, report = load(prop_with("tags: [a, 7, null]\n"))
    assert flat(report) == []
    assert cat.proposals[0].tags == ("a", "7")
    path, line, col, sev, code, msg = issue_of(prop_with("tags: [a, [x]]\n"))
    assert (path, line, col, sev, code) == (p(P), 6, 11, ERR, "not-text-item")
    assert "'tags'" in msg
    assert issue_of(prop_with("tags: {a: 1}\n"))[:5] == (p(P), 6, 7, ERR, "not-list")


# -- helpers in fields -------------------------------------------------------------------------


def test_suggest() -> None:
    assert suggest("titel", ["title", "theme"]) == "title"
    assert suggest("TITLE", ["title"]) == "title"
    assert suggest("økonomi", ["economy"]) == "economy"
    assert suggest("xyzzy", ["title"]) is None
    assert did_you_mean("servce", ["service", "anlæg"]) == " – mente du 'service'?"
    assert did_you_mean("xyzzy", ["service"]) == ""


def test_report_is_never_empty_of_location() -> None:
    files = with_files(minimal(), {P: b"---\n[1, 2]\n---\n", T: b"---\nid: adm\nnumber: x\n---\n"})
    _, report = load(files)
    for issue in report.issues:
        assert issue.line >= 1 and issue.col >= 1
        assert issue.path.startswith("c/")


# -- hypothesis: nothing may crash ------------------------------------------------------------------

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

VALID_PROPOSAL = """\
---
id: TV13
title: Administrative effektiviseringer
theme: adm
department: SOF
status: forslag
kind: investering
summary: >-
  Kort resumé.
allocation: {SOF: 60, BUF: 40}
economy:
  - text: Løn
    area: service
    group: varig
    amounts: {2026: -6000, 2027: -8700, 2028: "?"}
  - text: Lokaler
    area: anlæg
    group: engang
    amounts:
      2026: 3000
totals: {2026: -3000}
consulted:
  - {party: MED, approved: true, date: 2026-08-07}
hearing:
  - {body: MED, comment: God idé}
tags: [a, b]
---
## Beskrivelse
Tekst.
"""

YAML_BITS = [
    "---",
    "...",
    ":",
    ": ",
    "- ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "#",
    "&a ",
    "*a",
    "!!python/object ",
    "!x ",
    "<<: ",
    "? ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    '"',
    "|",
    ">",
    "%",
    "@",
    "`",
    "\\",
    "\x00",
    "\ufeff",
    "-6.000",
    "1,5",
    '"?"',
    "null",
    "~",
    "true",
    "2026",
    "2026: ",
    "1e999",
    ".nan",
    "0x",
    "é",
    "ø",
    "\u2028",
    "economy:",
    "amounts:",
    "id:",
    "years:",
    "\xff",
]


def _check_everything(files: dict[str, bytes]) -> None:
    _, report = load_files(files, label="c")
    assert isinstance(report, Report)
    for issue in report.issues:
        assert issue.path
        assert issue.line >= 0 and issue.col >= 0
        assert isinstance(issue.severity, Severity)
        assert issue.code and issue.message
    checked = check_files(files, label="c")
    assert isinstance(checked, Checked)
    assert isinstance(checked.report, Report)
    for issue in checked.report.issues:
        assert issue.path
        assert issue.line >= 0
        assert issue.code != "internal", issue.format()
    if checked.ok:
        assert checked.totals is not None


def _catalogue_bytes() -> bytes:
    return (
        CATALOGUE + "departments:\n  - {code: SOF, share: 60}\n  - {code: BUF, share: 40}\n"
    ).encode()


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    for pos, cut, insert in edits:
        pos = pos % (len(text) + 1)
        text = text[:pos] + insert + text[pos + cut :]
    return text


edit = st.tuples(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=8),
    st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=6)),
)


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_random_bytes_as_proposal(raw: bytes) -> None:
    _check_everything(with_files(minimal(), {P: raw}))


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes_as_catalogue(raw: bytes) -> None:
    _check_everything(with_files(minimal(), {C: raw}))


@FUZZ
@given(st.lists(edit, min_size=1, max_size=6))
def test_fuzz_mutated_valid_proposal(edits: list[tuple[int, int, str]]) -> None:
    text = _mutate(VALID_PROPOSAL, edits)
    _check_everything(
        with_files(minimal(), {C: _catalogue_bytes(), P: text.encode("utf-8", "surrogatepass")})
    )


@FUZZ
@given(st.lists(edit, min_size=1, max_size=6))
def test_fuzz_mutated_catalogue_and_theme(edits: list[tuple[int, int, str]]) -> None:
    catalogue = _mutate(
        _catalogue_bytes().decode() + "targets: {2026: -5000}\ntotals: {2026: -100}\n", edits
    )
    theme = _mutate(minimal()[T].decode(), edits[::-1])
    _check_everything(
        with_files(
            minimal(),
            {
                C: catalogue.encode("utf-8", "surrogatepass"),
                T: theme.encode("utf-8", "surrogatepass"),
            },
        )
    )


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_random_unicode_front_matter(body: str) -> None:
    raw = ("---\n" + body + "\n---\nTekst\n").encode("utf-8", "surrogatepass")
    _check_everything(with_files(minimal(), {P: raw, "themes/x.md": raw}))


@FUZZ
@given(
    st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.text(alphabet=string.printable, max_size=8),
            st.sampled_from(["-6.000", "?", "2026", "varig", "service", "adm", "SOF", "1,5"]),
        ),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(
                st.one_of(
                    st.sampled_from(
                        [
                            "id",
                            "title",
                            "theme",
                            "economy",
                            "amounts",
                            "area",
                            "group",
                            "text",
                            "totals",
                            "allocation",
                            "2026",
                            "2027",
                        ]
                    ),
                    st.integers(2020, 2030),
                ),
                children,
                max_size=5,
            ),
        ),
        max_leaves=20,
    )
)
def test_fuzz_structured_front_matter(data: object) -> None:
    import json

    # JSON is valid YAML flow syntax: every shape of data reaches the field rules.
    raw = ("---\n" + json.dumps(data, ensure_ascii=False) + "\n---\n").encode()
    _check_everything(with_files(minimal(), {P: raw}))


# -- SPEC §7: units, decimals, ranges, FTE, notes, alternatives, allocation, labels, look ------


@pytest.mark.parametrize("unit", [1, 1000])
def test_thousands_dot_is_an_error_up_to_1000(unit: int) -> None:
    path, line, col, sev, code, msg = issue_of(replace(cat_with(f"unit: {unit}\n"), P,
                                                       "2026: -100", "2026: 0.500"))
    assert (code, line, col) == ("thousands-dot", 11, 21)
    assert "mente du 500?" in msg


def test_a_dot_and_three_digits_is_a_decimal_in_mio_kr() -> None:
    files = replace(cat_with("unit: 1000000\n"), P, "{2026: -100, 2027: -200}",
                    "{2026: 0.500, 2027: -0.125}")
    cat, report = load(files)
    assert flat(report) == []
    assert cat.proposals[0].lines[0].amounts == {2026: Decimal("0.5"), 2027: Decimal("-0.125")}


def test_hints_use_the_catalogue_unit() -> None:
    # a quoted "1.500.000" in mio. kr. means 1,5 mio. kr., not 1500000 mio. kr.
    msg = issue_of(replace(cat_with("unit: 1000000\n"), P, "2026: -100", "2026: '1.500.000'"))[5]
    assert "mente du 1.5?" in msg and "mio. kr." in msg
    msg = issue_of(replace(cat_with("unit: 1000000\n"), P, "2026: -100", "2026: 1e16"))[5]
    assert "mio. kr." in msg and "1.000 kr." not in msg


@pytest.mark.parametrize(("value", "code"), [("5", "out-of-range"), ("-1", "out-of-range"),
                                             ("1.5", "not-integer")])
def test_decimals_must_be_0_to_4(value: str, code: str) -> None:
    assert issue_of(cat_with(f"decimals: {value}\n"))[:5] == (p(C), 5, 11, ERR, code)
    assert issue_of(cat_with(f"fte_decimals: {value}\n"))[:5] == (p(C), 5, 15, ERR, code)


def test_shown_decimals_are_the_fewest_that_show_every_amount() -> None:
    cat, _ = load(minimal())
    assert cat.settings.shown_decimals == 0
    cat, _ = load(amount("{low: -1.5, high: -2.25}"))
    assert cat.settings.shown_decimals == 2
    cat, _ = load(replace(cat_with("decimals: 1\n"), P, "2026: -100", "2026: -100.25"))
    assert (cat.settings.decimals, cat.settings.shown_decimals) == (1, 1)
    cat, _ = load(amount("-1.23456"))
    assert cat.settings.shown_decimals == 4


def test_range_amounts() -> None:
    cat, report = load(amount("{low: -3.5, high: -5.5}"))
    assert flat(report) == []
    assert cat.proposals[0].lines[0].amounts[2026] == Range(Decimal("-3.5"), Decimal("-5.5"))


@pytest.mark.parametrize(("value", "code", "needle"), [
    ("{low: 1}", "range-form", "'high' mangler"),
    ("{low: 1, high: 2, mid: 1.5}", "range-form", "'mid' hører ikke til"),
    ("{low: 2, high: 2}", "range-equal", "skriv bare 2"),
    ("{low: '?', high: 2}", "not-number", "(low)"),
    ("{low: 1.000, high: 2}", "thousands-dot", "mente du 1000?"),
])
def test_bad_ranges(value: str, code: str, needle: str) -> None:
    issue = issue_of(amount(value))
    assert (issue[0], issue[1], issue[4]) == (p(P), 11, code)
    assert needle in issue[5]


def test_note_alternative_and_chosen_are_read() -> None:
    cat, report = load(prop_with("note: |\n  En **note**.\n\n  Andet afsnit.\n"
                                 "alternative_to: P9\nchosen: ja\n"))
    assert flat(report) == []  # the unknown P9 is a cross-file rule (validate)
    x = cat.proposals[0]
    assert x.note == "En **note**.\n\nAndet afsnit."
    assert (x.alternative_to, x.chosen) == ("P9", True)


def test_theme_note_and_salary() -> None:
    files = replace(minimal(), T, "title: Administration\n",
                    "title: Administration\naverage_salary: 575\nnote: Se *note*.\n")
    cat, report = load(files)
    assert flat(report) == []
    assert (cat.themes[0].average_salary, cat.themes[0].note) == (Decimal(575), "Se *note*.")


def test_department_salary() -> None:
    cat, report = load(cat_with("departments:\n  - {code: SOF, average_salary: 540}\n"))
    assert flat(report) == []
    assert cat.settings.departments[0].average_salary == Decimal(540)
    assert issue_of(cat_with("departments:\n  - {code: SOF, average_salary: 0}\n"))[4] == \
        "out-of-range"


@pytest.mark.parametrize(("value", "expected"), [
    ("{amounts: {SOF: 60, BUF: 40}}", Allocation(amounts={"SOF": Decimal(60), "BUF": Decimal(40)})),
    ("{amounts: {SOF: {2026: 60}}, from: 2026}",
     Allocation(amounts={"SOF": {2026: Decimal(60)}}, start=2026)),
    ("{shares: nøgle, from: 2027}", Allocation(key=True, start=2027)),
    ("{shares: {SOF: 50, BUF: 50}}", Allocation(shares={"SOF": Decimal(50), "BUF": Decimal(50)})),
])
def test_allocation_long_form(value: str, expected: Allocation) -> None:
    cat, report = load(prop_with(f"allocation: {value}\n"))
    assert flat(report) == []
    assert cat.proposals[0].allocation == expected


@pytest.mark.parametrize(("value", "code", "needle"), [
    ("{shares: nøgle, amounts: {SOF: 1}}", "allocation-form", "ikke begge"),
    ("{from: 2027}", "allocation-form", "ikke ingen af dem"),
    ("{shares: nøgle, from: 2031}", "allocation-from", "2026–2028"),
    ("{amounts: [1]}", "not-mapping", "'amounts'"),
])
def test_bad_allocation_long_form(value: str, code: str, needle: str) -> None:
    issue = issue_of(prop_with(f"allocation: {value}\n"))
    assert issue[4] == code and needle in issue[5]


def test_labels_override_and_unknown_keys_warn() -> None:
    cat, report = load(cat_with("labels:\n  difference: Difference der skal fordeles\n"
                                "  totla: I alt\n"))
    assert flat_cols(report) == [(p(C), 7, 3, WARN, "label-unknown")]
    assert "mente du 'total'?" in report.issues[0].message
    assert cat.settings.labels == {"difference": "Difference der skal fordeles"}
    assert issue_of(cat_with("labels:\n  total:\n"))[4] == "empty-required"


def test_look_is_read_into_settings() -> None:
    cat, report = load(cat_with("look: {accent: '#7A1F3D', page_break: flow, font: Source Sans 3}\n"))
    assert flat(report) == []
    assert cat.settings.look == Look(accent="#7a1f3d", page_break="flow", font="Source Sans 3")
    assert load(minimal())[0].settings.look == Look()


@pytest.mark.parametrize(("value", "code", "needle"), [
    ("{accent: rød}", "colour", "#7a1f3d"),
    ("{accent: '#ffcc00'}", "contrast", "1,51:1"),
    ("{accent: '#777777'}", "contrast", "4,48:1"),
    ("{page_break: always}", "unknown-choice", "'proposal'"),
    ("{logo: /etc/logo.svg}", "logo-path", "i forhold til indholdsmappen"),
    ("{logo: ../logo.svg}", "logo-path", "'..'"),
])
def test_bad_look(value: str, code: str, needle: str) -> None:
    issue = issue_of(cat_with(f"look: {value}\n"))
    assert (issue[1], issue[4]) == (5, code)
    assert needle in issue[5]


def test_dark_enough_accent_passes() -> None:
    assert flat(load(cat_with("look: {accent: '#767676'}\n"))[1]) == []  # 4,54:1


def test_logo_is_checked_in_the_content_folder(tmp_path) -> None:
    from conftest import write_tree

    folder = write_tree(tmp_path / "c", {k: v.decode() for k, v in cat_with(
        "look: {logo: logo.svg}\n").items()})
    _, report = load_files_folder(folder)
    assert [i.code for i in report.errors] == ["logo-missing"]
    (folder / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert load_files_folder(folder)[1].errors == []
    (folder / "logo.svg").write_text("not an image")
    assert [i.code for i in load_files_folder(folder)[1].errors] == ["logo-type"]
    (folder / "logo.svg").unlink()
    (folder / "logo.svg").symlink_to(tmp_path / "elsewhere.svg")
    (tmp_path / "elsewhere.svg").write_text("<svg/>")
    assert [i.code for i in load_files_folder(folder)[1].errors] == ["logo-path"]
    (folder / "logo.svg").unlink()
    (folder / "logo.svg").mkdir()
    assert [i.code for i in load_files_folder(folder)[1].errors] == ["logo-file"]


def test_what_the_logo_check_saw_is_handed_back(tmp_path) -> None:
    """`looked_at` gets the logo's name and what was seen of it: the input of the check
    beside the content files (a memo of the check is keyed by it)."""
    from conftest import write_tree

    from katalog.folder import read_folder
    from katalog.load import load_files, look_at_logo

    folder = write_tree(tmp_path / "c", {k: v.decode() for k, v in cat_with(
        "look: {logo: logo.svg}\n").items()})
    seen: dict[str, object] = {}
    load_files(read_folder(folder), str(folder), root=folder, looked_at=seen)
    assert seen == {"logo": ("logo.svg", ("missing",))}
    (folder / "logo.svg").write_bytes(b"<svg/>")
    load_files(read_folder(folder), str(folder), root=folder, looked_at=seen)
    assert seen["logo"] == ("logo.svg", ("head", b"<svg/>")) == (
        "logo.svg", look_at_logo(folder, "logo.svg"))
    assert look_at_logo(folder, "../x.svg") == ("outside",)
    nothing: dict[str, object] = {}
    load_files(read_folder(folder), "c", looked_at=nothing)  # no folder on disk: no logo
    assert nothing == {}


def load_files_folder(folder):
    from katalog.load import load as load_folder

    return load_folder(folder)


def test_intro_with_and_without_front_matter() -> None:
    cat, report = load(with_files(minimal(), {"intro.md": b"---\ntitle: Forord\n---\nTekst.\n"}))
    assert flat(report) == []
    assert (cat.intro.title, cat.intro.body) == ("Forord", "Tekst.\n")
    cat, report = load(with_files(minimal(), {"intro.md": b"Bare *tekst*.\n"}))
    assert flat(report) == []
    assert (cat.intro.title, cat.intro.body) == ("Indledning", "Bare *tekst*.\n")
    cat, _ = load(with_files(cat_with("labels: {intro: Indhold og formål}\n"),
                             {"intro.md": b"Tekst.\n"}))
    assert cat.intro.title == "Indhold og formål"
    _, report = load(with_files(minimal(), {"intro.md": b"---\ntitel: x\n---\n"}))
    assert [(i.code, i.line) for i in report.issues] == [("unknown-field", 2)]
    assert load(minimal())[0].intro is None


# -- the budget year (SPEC §8): decision and realisation ----------------------------------------
# The minimal P1 ends its front matter at line 12 (`---`): the fields below start at line 12.

P1 = "proposals/P1.md"


def with_budget(extra: str) -> dict[str, bytes]:
    return replace(minimal(), P1, "    amounts: {2026: -100, 2027: -200}\n---",
                   "    amounts: {2026: -100, 2027: -200}\n" + extra + "---")


def test_decision_and_realisation_are_read_with_their_positions() -> None:
    cat, report = load(with_budget(
        "decision:\n"                                               # 12
        "  outcome: vedtaget\n"                                     # 13
        "  date: 2026-10-08\n"                                      # 14
        "  reference: Byrådet 8.10.2026, pkt. 12\n"                 # 15
        "  amounts: {2027: \"?\", 2028: {low: -300, high: -100}}\n"  # 16
        "  note: |\n    Ændret af **byrådet**.\n"                   # 17-18
        "realisation:\n"                                            # 19
        "  - revision: BO1 2026\n"                                  # 20
        "    date: 2026-04-30\n"                                    # 21
        "    expected: {2026: -50, 2027: \"?\"}\n"                  # 22
        "    status: gul\n"                                         # 23
        "    comment: Halvdelen.\n"))                               # 24
    assert report.issues == []
    (p1,) = cat.proposals
    d = p1.decision
    assert (d.outcome, d.date, d.reference) == ("vedtaget", dt.date(2026, 10, 8),
                                                "Byrådet 8.10.2026, pkt. 12")
    assert d.amounts == {2027: UNKNOWN, 2028: Range(Decimal(-300), Decimal(-100))}
    assert d.note == "Ændret af **byrådet**." and d.changed
    (entry,) = p1.realisation
    assert (entry.revision, entry.date, entry.status, entry.comment) == (
        "BO1 2026", dt.date(2026, 4, 30), "gul", "Halvdelen.")
    assert entry.expected == {2026: Decimal(-50), 2027: UNKNOWN}
    assert (entry.locs["revision"].line, entry.locs["expected.2027"].line) == (20, 22)
    assert (p1.locs["decision.outcome"].line, p1.locs["decision.amounts.2028"].line) == (13, 16)
    assert p1.current is entry


def test_without_them_a_proposal_has_no_decision() -> None:
    cat, _ = load(minimal())
    (p1,) = cat.proposals
    assert p1.decision is None and p1.realisation == () and p1.current is None
    assert not cat.budget_year and not p1.adopted


@pytest.mark.parametrize(("extra", "where", "code", "hint"), [
    ("decision: {outcome: godkendt}\n", (12, 21), "unknown-outcome", "mente du 'vedtaget'?"),
    ("decision: {outcome: udsat}\n", (12, 21), "unknown-outcome", "mente du 'udskudt'?"),
    ("decision: {outcome: afvist}\n", (12, 21), "unknown-outcome", "mente du 'forkastet'?"),
    ("realisation:\n  - {revision: BO1, status: groen}\n", (13, 29), "unknown-light",
     "mente du 'grøn'?"),
    ("realisation:\n  - {revision: BO1, status: red}\n", (13, 29), "unknown-light",
     "mente du 'rød'?"),
    ("realisation:\n  - {revision: BO1, status: Yellow}\n", (13, 29), "unknown-light",
     "mente du 'gul'?"),
    ("decision: {outcome: vedtaget, amounts: {2031: -5}}\n", (12, 41), "year-range",
     "2026–2028"),
    ("realisation:\n  - {revision: BO1, status: gul, expected: {2026: -6.000}}\n", (13, 51),
     "thousands-dot", "mente du -6000?"),
    ("decision: {outcome: vedtaget, date: 8.10.2026}\n", (12, 37), "not-date", "2026-08-07"),
    ("decision: {date: 2026-10-08}\n", (12, 11), "required", "vedtaget, forkastet eller udskudt"),
    ("realisation:\n  - {revision: BO1}\n", (13, 5), "required", "grøn, gul eller rød"),
    ("decision: vedtaget\n", (12, 11), "not-mapping", "'decision'"),
    ("decision: {outcome: vedtaget, resultat: x}\n", (12, 31), "unknown-field",
     "mente du 'outcome'?"),
    ("afgørelse: {outcome: vedtaget}\n", (12, 1), "unknown-field", "mente du 'decision'?"),
])
def test_budget_year_problems_are_located_with_a_hint(extra, where, code, hint) -> None:
    _, report = load(with_budget(extra))
    issue = only(report)
    assert (issue.line, issue.col, issue.code) == (*where, code)
    assert hint in issue.message


def test_a_body_or_a_markdown_field_no_format_can_build_is_refused_at_its_line() -> None:
    """~100 levels of list nesting broke the PDF build with a RecursionError and no file
    named; check refuses such a text with file and line (issue 18)."""
    deep = "".join("  " * i + f"- niveau {i + 1}\n" for i in range(30))
    files = replace(minimal(), "proposals/P1.md", "Tekst.\n", "Indledning.\n\n" + deep)
    files = replace(files, "themes/adm.md", "Intro.\n", "> " * 40 + "citat\n")
    _, report = load(files)
    body_line = PROPOSAL.split("\n").index("Tekst.") + 1
    assert flat(report) == [(p("proposals/P1.md"), body_line + 2 + 20, "fejl", "body-nesting"),
                            (p("themes/adm.md"), 6, "fejl", "body-nesting")]
    assert "mere end 20 niveauer" in report.sorted()[0].message
    noted = replace(minimal(), "proposals/P1.md", "summary: Kort resumé.\n",
                    "summary: Kort resumé.\nnote: |\n" + "".join(
                        "  " + line + "\n" for line in deep.splitlines()))
    _, report = load(noted)
    assert [(i.code, i.severity.value) for i in report.sorted()] == [("body-nesting", "fejl")]
