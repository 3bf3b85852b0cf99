"""validate.py: rules across files, each reported at the line that is wrong."""

from __future__ import annotations

import pytest
from helpers import ERR, WARN, check, flat, flat_cols, front, load, minimal, p, replace, with_files
from katalog.issues import Report
from katalog.validate import RULES, validate

P = "proposals/P1.md"
C = "catalogue.yaml"
T = "themes/adm.md"


def issues(files: dict[str, bytes]) -> list[tuple[str, int, int, str, str]]:
    """Issues of load + validate (no totals), as (path, line, col, severity, code)."""
    cat, report = load(files)
    validate(cat, report)
    return flat_cols(report)


def messages_of(files: dict[str, bytes]) -> list[str]:
    cat, report = load(files)
    validate(cat, report)
    return [i.message for i in report.sorted()]


def theme(tid: str, number: int, extra: str = "") -> bytes:
    return front(f"id: {tid}\nnumber: {number}\ntitle: Tema {number}\n{extra}")


def proposal(pid: str, theme_id: str = "adm", extra: str = "", department: str = "SOF") -> bytes:
    return front(
        f"id: {pid}\n"
        f"title: Forslag {pid}\n"
        f"theme: {theme_id}\n"
        f"department: {department}\n"
        f"summary: Kort.\n"
        f"economy: []\n"
        f"{extra}"
    )


DEPARTMENTS = "departments:\n  - {code: SOF, name: Socialforvaltningen}\n  - {code: BUF, name: Børn og Unge}\n"
KEYED = "departments:\n  - {code: SOF, name: Soc, share: 62.5}\n  - {code: BUF, name: Børn, share: 37.5}\n"


def with_departments(files: dict[str, bytes], block: str = DEPARTMENTS) -> dict[str, bytes]:
    return replace(files, C, "price_level: 2026\n", "price_level: 2026\n" + block)


def test_minimal_catalogue_is_valid() -> None:
    assert issues(minimal()) == []
    assert check(minimal()).ok


def test_validate_returns_the_report_it_was_given() -> None:
    cat, report = load(minimal())
    assert validate(cat, report) is report


# -- unique ids and numbers ------------------------------------------------------------------------


def test_duplicate_proposal_id_on_second_file_naming_first() -> None:
    files = with_files(minimal(), {"proposals/P2.md": proposal("P1")})
    assert issues(files) == [(p("proposals/P2.md"), 2, 5, ERR, "duplicate-id")]
    (msg,) = messages_of(files)
    assert "'P1'" in msg
    assert p(P) in msg


def test_duplicate_proposal_id_is_reported_on_the_later_file_by_path() -> None:
    # "A.md" sorts before "P1.md": the later file (P1.md) gets the error, naming A.md.
    files = with_files(minimal(), {"proposals/A.md": proposal("P1")})
    assert issues(files) == [(p(P), 2, 5, ERR, "duplicate-id")]
    assert p("proposals/A.md") in messages_of(files)[0]


def test_duplicate_id_line_follows_the_id_field() -> None:
    files = with_files(
        minimal(),
        {
            "proposals/P2.md": front(
                "title: X\ntheme: adm\ndepartment: SOF\nsummary: s\neconomy: []\nid: P1\n"
            )
        },
    )
    assert issues(files) == [(p("proposals/P2.md"), 7, 5, ERR, "duplicate-id")]


def test_three_copies_give_two_errors() -> None:
    files = with_files(
        minimal(), {"proposals/P2.md": proposal("P1"), "proposals/P3.md": proposal("P1")}
    )
    assert issues(files) == [
        (p("proposals/P2.md"), 2, 5, ERR, "duplicate-id"),
        (p("proposals/P3.md"), 2, 5, ERR, "duplicate-id"),
    ]
    assert all(p(P) in m for m in messages_of(files))


def test_ids_differing_only_in_case_collide() -> None:
    # Their files (P1.md, p1.md) are one file on Windows and macOS (issue 18).
    files = with_files(minimal(), {"proposals/P2.md": proposal("p1")})
    assert issues(files) == [(p("proposals/P2.md"), 2, 5, ERR, "duplicate-id-case")]
    (msg,) = messages_of(files)
    assert "'p1'" in msg and "'P1'" in msg and "store og små bogstaver" in msg


def test_theme_ids_differing_only_in_case_collide() -> None:
    files = with_files(minimal(), {"themes/b.md": front("id: ADM\nnumber: 2\ntitle: B\n")})
    assert issues(files) == [(p("themes/b.md"), 2, 5, ERR, "duplicate-id-case")]


def test_duplicate_theme_id() -> None:
    files = with_files(minimal(), {"themes/b.md": front("number: 2\nid: adm\ntitle: B\n")})
    assert issues(files) == [(p("themes/b.md"), 3, 5, ERR, "duplicate-id")]
    (msg,) = messages_of(files)
    assert "tema-id'et 'adm'" in msg and p(T) in msg


def test_duplicate_theme_number() -> None:
    files = with_files(minimal(), {"themes/b.md": front("id: b\ntitle: B\nnumber: 1\n")})
    assert issues(files) == [(p("themes/b.md"), 4, 9, ERR, "duplicate-number")]
    (msg,) = messages_of(files)
    assert "temanummeret 1" in msg and "'adm'" in msg and p(T) in msg


def test_missing_theme_number_is_not_a_duplicate() -> None:
    files = with_files(
        minimal(),
        {"themes/b.md": front("id: b\ntitle: B\n"), "themes/c.md": front("id: c\ntitle: C\n")},
    )
    assert issues(files) == [
        (p("themes/b.md"), 2, 1, ERR, "required"),
        (p("themes/c.md"), 2, 1, ERR, "required"),
    ]


# -- theme references --------------------------------------------------------------------------------


def test_unknown_theme_with_did_you_mean() -> None:
    files = replace(minimal(), P, "theme: adm", "theme: admn")
    assert issues(files) == [(p(P), 4, 8, ERR, "unknown-theme")]
    assert messages_of(files) == ["ukendt tema 'admn' – mente du 'adm'?"]


def test_unknown_theme_without_close_match() -> None:
    files = replace(minimal(), P, "theme: adm", "theme: zzzzz")
    assert issues(files) == [(p(P), 4, 8, ERR, "unknown-theme")]
    assert "mente du" not in messages_of(files)[0]


def test_unknown_theme_suggests_among_several() -> None:
    files = with_files(
        replace(minimal(), P, "theme: adm", "theme: digitalisring"),
        {"themes/it.md": theme("digitalisering", 2)},
    )
    assert "mente du 'digitalisering'?" in messages_of(files)[0]


def test_proposal_in_merged_theme() -> None:
    files = with_files(
        minimal(),
        {
            "themes/gl.md": theme("gammelt", 2, "merged_into: adm\n"),
            "proposals/P2.md": proposal("P2", "gammelt"),
        },
    )
    assert issues(files) == [(p("proposals/P2.md"), 4, 8, ERR, "merged-theme")]
    msg = messages_of(files)[0]
    assert "'gammelt'" in msg and "'adm'" in msg


def test_merged_theme_without_proposals_is_valid() -> None:
    files = with_files(minimal(), {"themes/gl.md": theme("gammelt", 2, "merged_into: adm\n")})
    assert issues(files) == []
    assert check(files).ok


def test_merged_into_unknown() -> None:
    files = with_files(minimal(), {"themes/gl.md": theme("gammelt", 2, "merged_into: admm\n")})
    assert issues(files) == [(p("themes/gl.md"), 5, 14, ERR, "unknown-theme")]
    assert "mente du 'adm'?" in messages_of(files)[0]


def test_merged_into_self() -> None:
    files = with_files(minimal(), {"themes/gl.md": theme("gammelt", 2, "merged_into: gammelt\n")})
    assert issues(files) == [(p("themes/gl.md"), 5, 14, ERR, "merged-self")]
    assert "sig selv" in messages_of(files)[0]


def test_merged_into_chain() -> None:
    files = with_files(
        minimal(),
        {
            "themes/b.md": theme("b", 2, "merged_into: c\n"),
            "themes/c.md": theme("c", 3, "merged_into: adm\n"),
        },
    )
    assert issues(files) == [(p("themes/b.md"), 5, 14, ERR, "merged-chain")]
    assert "peg direkte på 'adm'" in messages_of(files)[0]


def test_merged_into_cycle_of_two() -> None:
    files = with_files(
        minimal(),
        {
            "themes/b.md": theme("b", 2, "merged_into: c\n"),
            "themes/c.md": theme("c", 3, "merged_into: b\n"),
        },
    )
    assert issues(files) == [
        (p("themes/b.md"), 5, 14, ERR, "merged-cycle"),
        (p("themes/c.md"), 5, 14, ERR, "merged-cycle"),
    ]
    assert all("ring" in m for m in messages_of(files))


def test_merged_into_cycle_of_three() -> None:
    files = with_files(
        minimal(),
        {
            "themes/b.md": theme("b", 2, "merged_into: c\n"),
            "themes/c.md": theme("c", 3, "merged_into: d\n"),
            "themes/d.md": theme("d", 4, "merged_into: b\n"),
        },
    )
    assert [i[4] for i in issues(files)] == ["merged-cycle"] * 3


def test_chain_into_a_cycle_is_reported() -> None:
    files = with_files(
        minimal(),
        {
            "themes/a2.md": theme("a2", 5, "merged_into: b\n"),
            "themes/b.md": theme("b", 2, "merged_into: c\n"),
            "themes/c.md": theme("c", 3, "merged_into: b\n"),
        },
    )
    found = issues(files)
    assert (p("themes/a2.md"), 5, 14, ERR, "merged-chain") in found or (
        p("themes/a2.md"),
        5,
        14,
        ERR,
        "merged-cycle",
    ) in found
    assert len(found) == 3


def test_proposal_in_theme_merged_into_unknown() -> None:
    files = replace(
        minimal(), T, "title: Administration\n", "title: Administration\nmerged_into: bb\n"
    )
    assert issues(files) == [
        (p(P), 4, 8, ERR, "merged-theme"),
        (p(T), 5, 14, ERR, "unknown-theme"),
    ]


# -- departments ---------------------------------------------------------------------------------


def test_any_department_is_fine_without_a_list() -> None:
    assert issues(replace(minimal(), P, "department: SOF", "department: XYZ")) == []


def test_unknown_department_when_listed() -> None:
    files = with_departments(replace(minimal(), P, "department: SOF", "department: SOFF"))
    assert issues(files) == [(p(P), 5, 13, ERR, "unknown-department")]
    msg = messages_of(files)[0]
    assert "ukendt forvaltning 'SOFF'" in msg
    assert "mente du 'SOF'?" in msg
    assert "SOF, BUF" in msg


def test_known_department_when_listed() -> None:
    assert (
        issues(with_departments(replace(minimal(), P, "department: SOF", "department: BUF"))) == []
    )


def test_department_codes_are_case_sensitive() -> None:
    files = with_departments(replace(minimal(), P, "department: SOF", "department: sof"))
    assert issues(files) == [(p(P), 5, 13, ERR, "unknown-department")]
    assert "mente du 'SOF'?" in messages_of(files)[0]


# -- price level ---------------------------------------------------------------------------------


def test_price_level_mismatch() -> None:
    files = replace(minimal(), P, "summary:", "price_level: 2025\nsummary:")
    assert issues(files) == [(p(P), 6, 14, ERR, "price-level")]
    msg = messages_of(files)[0]
    assert "2025 p/l" in msg and "2026 p/l" in msg


def test_price_level_equal_is_fine() -> None:
    assert issues(replace(minimal(), P, "summary:", "price_level: 2026\nsummary:")) == []


# -- department shares ---------------------------------------------------------------------------


def test_shares_adding_up_to_100() -> None:
    assert issues(with_departments(minimal(), KEYED)) == []


def test_shares_with_decimals_adding_up_exactly() -> None:
    block = (
        "departments:\n  - {code: SOF, share: 33.3}\n  - {code: BUF, share: 33.3}\n"
        "  - {code: MKF, share: 33.4}\n"
    )
    assert issues(with_departments(minimal(), block)) == []


def test_shares_not_adding_up_to_100() -> None:
    block = "departments:\n  - {code: SOF, name: Soc, share: 60}\n  - {code: BUF, name: Børn, share: 30.5}\n"
    files = with_departments(minimal(), block)
    assert issues(files) == [(p(C), 6, 3, ERR, "shares-sum")]
    assert messages_of(files) == ["forvaltningernes andele ('share') giver 90,5 %, ikke 100 %"]


def test_shares_over_100() -> None:
    block = "departments:\n  - {code: SOF, share: 60}\n  - {code: BUF, share: 41.5}\n"
    assert issues(with_departments(minimal(), block)) == [(p(C), 6, 3, ERR, "shares-sum")]
    assert "101,5 %" in messages_of(with_departments(minimal(), block))[0]


@pytest.mark.parametrize("second", ["39", "41", "40.6"])
def test_rounded_shares_adding_up_to_99_to_101_are_a_warning(second: str) -> None:
    # As printed in seed 001 (0 + 16 + 32 + 11 + 32 + 8 = 99): the parts are computed from
    # the shares normalised to 100, so the build goes on.
    block = f"departments:\n  - {{code: SOF, share: 60}}\n  - {{code: BUF, share: {second}}}\n"
    files = with_departments(minimal(), block)
    assert issues(files) == [(p(C), 6, 3, WARN, "shares-rounded")]
    assert "regnes om" in messages_of(files)[0]
    assert check(files).ok


def test_incomplete_allocation_key() -> None:
    block = "departments:\n  - {code: SOF, name: Soc, share: 100}\n  - {code: BUF, name: Børn}\n"
    files = with_departments(minimal(), block)
    assert issues(files) == [(p(C), 6, 3, ERR, "shares-incomplete")]
    assert "ufuldstændig" in messages_of(files)[0]


def test_duplicate_department_code_is_reported_once_at_its_line() -> None:
    block = "departments:\n  - {code: SOF, share: 50}\n  - {code: SOF, share: 50}\n"
    files = with_departments(minimal(), block)
    assert issues(files) == [(p(C), 7, 12, ERR, "duplicate-department")]


# -- allocation on proposals ------------------------------------------------------------------------


def alloc(value: str, block: str = DEPARTMENTS) -> dict[str, bytes]:
    return with_departments(
        replace(minimal(), P, "summary:", f"allocation: {value}\nsummary:"), block
    )


def test_allocation_mapping_valid() -> None:
    assert issues(alloc("{SOF: 60, BUF: 40}")) == []
    assert check(alloc("{SOF: 60, BUF: 40}")).ok


def test_allocation_unknown_code() -> None:
    files = alloc("{SOF: 50, BOF: 50}")
    assert issues(files) == [(p(P), 6, 28, ERR, "unknown-department")]
    assert "'BOF'" in messages_of(files)[0] and "mente du" in messages_of(files)[0]


def test_allocation_unknown_code_in_block_mapping_is_on_its_line() -> None:
    files = with_departments(
        replace(minimal(), P, "summary:", "allocation:\n  SOF: 50\n  XYZ: 50\nsummary:")
    )
    assert issues(files) == [(p(P), 8, 8, ERR, "unknown-department")]


def test_allocation_codes_are_free_without_department_list() -> None:
    files = replace(minimal(), P, "summary:", "allocation: {X: 50, Y: 50}\nsummary:")
    assert issues(files) == []


def test_allocation_not_adding_up_to_100() -> None:
    files = alloc("{SOF: 50, BUF: 40}")
    assert issues(files) == [(p(P), 6, 13, ERR, "shares-sum")]
    assert messages_of(files) == ["andelene i 'allocation' giver 90 %, ikke 100 %"]


def test_allocation_decimal_shares_summing_to_100() -> None:
    assert issues(alloc("{SOF: 62.5, BUF: 37.5}")) == []
    files = alloc("{SOF: 62.5, BUF: 37.4}")
    assert issues(files) == [(p(P), 6, 13, WARN, "shares-rounded")]
    assert "99,9 %" in messages_of(files)[0]
    files = alloc("{SOF: 62.5, BUF: 36.4}")
    assert issues(files) == [(p(P), 6, 13, ERR, "shares-sum")]


def test_allocation_key_needs_shares() -> None:
    files = alloc("nøgle")
    assert issues(files) == [(p(P), 6, 13, ERR, "allocation-key")]
    assert "fordelingsnøgle" in messages_of(files)[0]


def test_allocation_key_with_shares() -> None:
    assert issues(alloc("nøgle", KEYED)) == []


def test_allocation_key_without_any_departments() -> None:
    files = replace(minimal(), P, "summary:", "allocation: nøgle\nsummary:")
    assert issues(files) == [(p(P), 6, 13, ERR, "allocation-key")]


# -- no proposals -----------------------------------------------------------------------------------


def test_no_proposals_is_a_warning() -> None:
    files = {k: v for k, v in minimal().items() if k != P}
    assert issues(files) == [(p(C), 1, 1, WARN, "no-proposals")]
    checked = check(files)
    assert checked.ok
    assert checked.totals is not None


def test_no_proposals_warning_is_not_given_for_a_broken_catalogue() -> None:
    files = {C: b"organisation: x\nyears: [2026]\nprice_level: 2026\n"}
    assert issues(files) == [(p(C), 1, 1, ERR, "required")]


# -- all problems at once ----------------------------------------------------------------------------


def test_all_cross_file_problems_are_reported_together() -> None:
    files = with_departments(
        with_files(
            minimal(),
            {
                "proposals/P2.md": proposal("P1", "ad", department="XX"),
                "proposals/P3.md": proposal(
                    "P3", extra="price_level: 2024\nallocation: {SOF: 10}\n"
                ),
                "themes/b.md": theme("b", 1, "merged_into: b\n"),
            },
        )
    )
    assert flat(check(files).report) == [
        (p("proposals/P2.md"), 2, ERR, "duplicate-id"),
        (p("proposals/P2.md"), 4, ERR, "unknown-theme"),
        (p("proposals/P2.md"), 5, ERR, "unknown-department"),
        (p("proposals/P3.md"), 8, ERR, "price-level"),
        (p("proposals/P3.md"), 9, ERR, "shares-sum"),
        (p("themes/b.md"), 3, ERR, "duplicate-number"),
        (p("themes/b.md"), 5, ERR, "merged-self"),
    ]
    assert check(files).totals is None


def test_rules_tolerate_an_empty_catalogue() -> None:
    cat, report = load({})
    for rule in RULES:
        rule(cat, report)
    assert isinstance(report, Report)
    assert flat(report) == [(p(C), 1, ERR, "missing-file")]


# -- alternatives (SPEC §7) -------------------------------------------------------------------------


def alternatives(*members: tuple[str, str]) -> dict[str, bytes]:
    """The minimal catalogue plus proposals `(id, extra front matter)`."""
    return with_files(minimal(), {f"proposals/{pid}.md": proposal(pid, extra=extra)
                                  for pid, extra in members})


def test_alternatives_valid() -> None:
    files = alternatives(("A1", ""), ("A2", "alternative_to: A1\n"),
                         ("A3", "alternative_to: A1\nchosen: true\n"))
    assert issues(files) == []
    assert check(files).ok


def test_alternative_to_unknown_self_and_chain() -> None:
    files = alternatives(("A1", ""), ("A2", "alternative_to: A11\n"),
                         ("A3", "alternative_to: A3\n"), ("A4", "alternative_to: A5\n"),
                         ("A5", "alternative_to: A1\n"))
    assert [(i[0], i[4]) for i in issues(files)] == [
        (p("proposals/A2.md"), "alternative-unknown"),
        (p("proposals/A3.md"), "alternative-self"),
        (p("proposals/A4.md"), "alternative-chain"),
    ]
    messages = messages_of(files)
    assert "mente du 'A1'?" in messages[0]
    assert "peg direkte på 'A1'" in messages[2]


def test_alternative_in_another_theme() -> None:
    files = with_files(alternatives(("A1", "")), {
        "themes/b.md": theme("b", 2),
        "proposals/B1.md": proposal("B1", "b", "alternative_to: A1\n"),
    })
    assert [i[4] for i in issues(files)] == ["alternative-theme"]
    assert "samme tema" in messages_of(files)[0]


def test_two_chosen_alternatives_and_chosen_alone() -> None:
    files = alternatives(("A1", "chosen: true\n"), ("A2", "alternative_to: A1\nchosen: true\n"),
                         ("B1", "chosen: true\n"))
    found = [(i[0], i[3], i[4]) for i in issues(files)]
    assert (p("proposals/A2.md"), ERR, "alternative-chosen") in found
    assert (p("proposals/B1.md"), WARN, "chosen-alone") in found
    assert len(found) == 2


# -- the budget year (SPEC §8) ---------------------------------------------------------------------
# proposal(): line 2 id, 3 title, 4 theme, 5 department, 6 summary, 7 economy, 8… `extra`


def budget(extra: str) -> dict[str, bytes]:
    return with_files(minimal(), {P: proposal("P1", extra=extra)})


@pytest.mark.parametrize(("status", "outcome"), [
    ("vedtaget", "vedtaget"), ("forkastet", "forkastet"), ("forslag", "udskudt"),
    ("udkast", "udskudt"),
])
def test_status_agreeing_with_the_decision_is_fine(status, outcome):
    assert issues(budget(f"status: {status}\ndecision: {{outcome: {outcome}}}\n")) == []


@pytest.mark.parametrize(("status", "outcome", "fix"), [
    ("forslag", "vedtaget", "skriv status: vedtaget"),
    ("vedtaget", "forkastet", "skriv status: forkastet"),
    ("vedtaget", "udskudt", "forslag (eller udkast)"),
    ("trukket", "vedtaget", "skriv status: vedtaget"),
])
def test_a_status_contradicting_the_decision_names_both_lines(status, outcome, fix):
    files = budget(f"status: {status}\ndecision:\n  outcome: {outcome}\n")
    assert issues(files) == [(p(P), 8, 9, ERR, "decision-status")]  # at status, line 8
    (message,) = messages_of(files)
    assert f"status '{status}' passer ikke med afgørelsen '{outcome}' i linje 10" in message
    assert fix in message


def test_without_a_status_line_the_error_stands_at_the_outcome():
    files = budget("decision: {outcome: vedtaget, date: 2026-10-08}\n")
    assert issues(files) == [(p(P), 8, 21, ERR, "decision-status")]
    assert "(når status ikke er skrevet)" in messages_of(files)[0]


def test_decision_amounts_only_when_adopted():
    files = budget("status: forkastet\ndecision:\n  outcome: forkastet\n"
                   "  amounts: {2026: -50}\n")
    assert issues(files) == [(p(P), 11, 12, ERR, "decision-amounts")]


def test_realisation_only_on_an_adopted_proposal():
    entry = "realisation:\n  - {revision: BO1 2026, status: grøn}\n"
    assert issues(budget("status: vedtaget\n" + entry)) == []  # adopted as proposed
    assert issues(budget("status: vedtaget\ndecision: {outcome: vedtaget}\n" + entry)) == []
    rejected = budget("status: forkastet\ndecision: {outcome: forkastet}\n" + entry)
    assert issues(rejected) == [(p(P), 11, 3, ERR, "realisation-not-adopted")]
    assert "forkastet (afgørelsen i linje 9)" in messages_of(rejected)[0]
    proposed = budget(entry)
    assert issues(proposed) == [(p(P), 9, 3, ERR, "realisation-not-adopted")]
    assert "status 'forslag' og ingen afgørelse" in messages_of(proposed)[0]


def test_an_unreadable_decision_is_not_reported_twice():
    files = budget("status: vedtaget\ndecision: {outcome: godkendt}\n"
                   "realisation:\n  - {revision: BO1 2026, status: grøn}\n")
    assert issues(files) == [(p(P), 9, 21, ERR, "unknown-outcome")]
    assert "mente du 'vedtaget'?" in messages_of(files)[0]


def test_revisions_are_named_once_and_in_date_order():
    files = budget("status: vedtaget\n"
                   "decision: {outcome: vedtaget, date: 2025-10-01}\n"  # line 9
                   "realisation:\n"
                   "  - {revision: BO1 2026, date: 2026-04-30, status: grøn}\n"  # line 11
                   "  - {revision: BO2 2026, date: 2026-03-31, status: gul}\n"  # line 12
                   "  - {revision: BO1 2026, date: 2026-09-30, status: rød}\n"  # line 13
                   "  - {revision: BO4 2026, date: 2025-09-30, status: rød}\n")  # line 14
    assert issues(files) == [
        (p(P), 12, 32, ERR, "realisation-order"),  # at the date
        (p(P), 13, 16, ERR, "realisation-duplicate"),  # at the revision
        (p(P), 14, 32, WARN, "realisation-before-decision"),
        (p(P), 14, 32, ERR, "realisation-order"),
    ]
    msgs = messages_of(files)
    assert "'BO2 2026' er dateret 2026-03-31, før 'BO1 2026' (2026-04-30, linje 11)" in msgs[0]
    assert "står allerede i linje 11" in msgs[1]
    assert "før afgørelsen (2025-10-01, linje 9)" in " ".join(msgs)


def test_two_adopted_alternatives_are_an_error():
    files = with_files(minimal(), {
        P: proposal("P1", extra="status: vedtaget\n"),
        "proposals/P2.md": proposal("P2", extra="alternative_to: P1\nstatus: vedtaget\n"
                                    "decision: {outcome: vedtaget}\n"),
    })
    assert issues(files) == [(p("proposals/P2.md"), 10, 21, ERR, "alternative-adopted")]
    assert "'P1' i samme gruppe er også vedtaget" in messages_of(files)[0]
