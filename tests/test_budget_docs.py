"""`render.budget_docs`: the budget documents' shared content, and `combine` (several
planners in one format)."""

from __future__ import annotations

from pathlib import Path

import pytest

from katalog.execute import execute
from katalog.pipeline import check
from katalog.render import view
from katalog.render.budget_docs import (
    agreement,
    combine,
    decision_groups,
    follow_up,
    marked,
    plain_kind,
    with_unknown_note,
    word,
)
from katalog.render.plan import Artifact, Job, Plan, Then, constant
from katalog.render.view import Row, Table

from budget_docs_fixture import catalogues


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return {name: check(path) for name, path in
            catalogues(tmp_path_factory.mktemp("budget-docs")).items()}


def test_each_document_exists_only_with_what_it_shows(checked):
    present = {name: (agreement(c.catalogue, c.totals) is not None,
                      follow_up(c.catalogue, c.totals) is not None)
               for name, c in checked.items()}
    assert present == {"example": (True, True), "followed": (True, True),
                       "decided": (True, False), "none": (False, False)}


def test_the_agreement_of_the_example(checked):
    c = checked["example"]
    a = agreement(c.catalogue, c.totals)
    assert a.title == "Budgetaftale 2027"
    assert dict(a.facts)["Vedtagne forslag"] == "28 af 32 (2 med ændring)"
    assert dict(a.facts)["Afgørelse"] == "Byrådet 8.10.2026, pkt. 12"
    assert [d.id for d in a.changed] == ["MED-02", "SER-04"]
    assert [r.id for r in a.not_adopted.rows] == ["DIG-02", "SER-03"]  # not LED-03/05 (drafts)
    assert [t.number for t in a.themes] == [1, 3, 4, 5, 6, 7, 8, 9]  # 2 is merged
    # the overview's theme rows lead to the theme's section in the same document
    assert [r.href for r in a.overview.rows[:2]] == ["#tema-administration",
                                                    "#tema-digitalisering"]
    # the four proposals adopted by their status alone come after the council's meeting
    groups = [(g.title, len(g.decisions)) for g in a.decision_groups]
    assert groups == [("Byrådet 8.10.2026, pkt. 12 (8. oktober 2026)", 26),
                      (word(a.labels, "decided_by_status"), 4)]


def test_the_follow_up_of_the_example(checked):
    c = checked["example"]
    f = follow_up(c.catalogue, c.totals)
    assert (f.revision, f.revision_date) == ("BO2 2027", "31. august 2027")
    assert [(light.key, light.count) for light in f.lights] == [("grøn", 19), ("gul", 8),
                                                               ("rød", 1)]
    adm01 = f.themes[0].proposals[0]
    assert (adm01.id, adm01.light.key, adm01.revision) == ("ADM-01", "rød", "BO2 2027")
    assert "**Mangler i 2028: 1,0 mio." in adm01.comment
    assert [e.revision for e, light in adm01.earlier] == ["BO1 2027"]
    assert [r.label for r in adm01.history.rows] == [
        "Vedtaget", "Forventet, BO1 2027 (30. april 2027) – Gul",
        "Forventet, BO2 2027 (31. august 2027) – Rød"]
    assert [r.status for r in adm01.history.rows] == ["", "gul", "rød"]


def test_marked_rows_carry_their_light_as_classes_and_keep_their_kind():
    t = Table("T", "1.000 kr.", (2026,), (Row("G", ("",), "group", status="rød"),
                                          Row("A", ("1",), status="gul"),
                                          Row("B", ("2",), "subtotal", status="grøn"),
                                          Row("C", ("3",), "total")))
    rows = marked(t).rows
    assert [r.kind for r in rows] == ["group", "line light light-gul",
                                      "subtotal light light-groen", "total"]
    assert [plain_kind(r) for r in rows] == ["group", "line", "subtotal", "total"]


def test_a_table_showing_a_question_mark_gets_the_note_that_explains_it(checked):
    c = checked["example"]
    table = view.agreement_overview_table(c.catalogue, c.totals)
    assert any(cell.endswith("?") for r in table.rows for cell in r.cells)
    fixed = with_unknown_note(table, c.catalogue)
    assert len(fixed.notes) == len(table.notes) + 1 and fixed.notes[-1].startswith("? =")
    assert with_unknown_note(fixed, c.catalogue) == fixed  # once
    plain = Table("T", "u", (2026,), (Row("A", ("1",)),))
    assert with_unknown_note(plain, c.catalogue) == plain


def test_decision_groups_keep_the_order_first_met(checked):
    c = checked["followed"]
    a = agreement(c.catalogue, c.totals)
    assert [(g.title, [d.id for d in g.decisions]) for g in decision_groups(a.decisions,
                                                                          a.labels)] == [
        ("Byrådet 9.10.2025, pkt. 4 (9. oktober 2025)", ["A1", "I1"]),
        ("9. oktober 2025", ["A2", "A3"]),
        (word(a.labels, "decided_by_status"), ["I3"])]


# -- combine -----------------------------------------------------------------------------------


def _two_stage(name: str, value: bytes) -> Plan:
    first = constant(value, f"{name}-1")

    def then(outputs):  # the next stage sees its own outputs only
        return Plan((Artifact(f"{name}.txt", constant(outputs[0] + b"!", f"{name}-2")),))

    return Plan((Artifact(f"{name}-first.txt", first),), Then((first,), then))


def test_combine_runs_every_plans_stages_with_their_own_outputs(tmp_path: Path):
    plain = Plan((Artifact("plain.txt", Job(bytes, (b"p",))),))
    plan = combine(_two_stage("a", b"A"), plain, _two_stage("b", b"B"), Plan())
    execute({"x": plan}, tmp_path, workers=1)
    found = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert found == {"a-first.txt": b"A", "b-first.txt": b"B", "plain.txt": b"p",
                     "a.txt": b"A!", "b.txt": b"B!"}
    assert combine(plain).then is None and combine().artifacts == ()


def test_the_catalogues_own_labels_reach_the_documents(tmp_path: Path):
    from budget_fixture import budget_files
    from conftest import write_tree

    files = budget_files(2)
    files["catalogue.yaml"] += ("labels: {budget_agreement: Budgetforlig, "
                                "realisation_status: Status på gennemførelse, light_gul: Gult lys}\n")
    c = check(write_tree(tmp_path / "content", files))
    assert c.ok, c.report
    a, f = agreement(c.catalogue, c.totals), follow_up(c.catalogue, c.totals)
    assert a.title == "Budgetforlig 2026" and f.title == "Status på gennemførelse"
    i1 = next(p for t in f.themes for p in t.proposals if p.id == "I1")
    assert i1.light.name == "Gult lys" and i1.light.text.startswith("Gult lys: ")
