"""SPEC §7 in Word, on the two real catalogues modelled in tests/catalogues: the
introduction after the contents, "Fordeling på forvaltninger" in the overview and per theme,
alternatives side by side, writers' notes under their tables, hearing comments with the
committee as a heading and their Markdown converted, the catalogue's own labels, the cover's
facts. Every figure read back is compared with `render.view`'s tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from conftest import ROOT
from katalog.build import build
from katalog.labels import labels_for
from katalog.pipeline import check
from katalog.render import view
from katalog.render.docx.cover import cover_facts

SEEDS = ROOT / "tests" / "catalogues"


@pytest.fixture(scope="module")
def seed001(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    return _built("seed001", tmp_path_factory)


@pytest.fixture(scope="module")
def seed004(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    return _built("seed004", tmp_path_factory)


def _built(name: str, factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    out = factory.mktemp(name) / "out"
    mp = pytest.MonkeyPatch()
    mp.setenv("KATALOG_SIDETAL", "nej")
    try:
        build(SEEDS / name, out, ["docx"], cache=False)
    finally:
        mp.undo()
    return check(SEEDS / name), docx.Document(str(out / "katalog.docx"))


def blocks(doc: Any) -> list[Paragraph | DocxTable]:
    out: list[Paragraph | DocxTable] = []
    for child in doc.element.body:
        if child.tag == qn("w:p"):
            out.append(Paragraph(child, doc))
        elif child.tag == qn("w:tbl"):
            out.append(DocxTable(child, doc))
    return out


def tables_captioned(doc: Any, caption: str) -> list[tuple[int, DocxTable]]:
    """(index in `blocks`, table) of every table whose caption is `caption (unit)`."""
    items = blocks(doc)
    return [(i + 1, items[i + 1]) for i, item in enumerate(items[:-1])
            if isinstance(item, Paragraph) and item.text.replace("\u00a0", " ")
            .startswith(caption + " (") and isinstance(items[i + 1], DocxTable)]


def rows_of(table: DocxTable) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in table.rows]


def expected_rows(t: view.Table) -> list[list[str]]:
    return [[r.label, *(c or "" for c in r.cells)] for r in t.rows if r.kind != "group"]


def styled(doc: Any, style: str) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style is not None and p.style.name == style]


def test_the_introduction_follows_the_contents(seed001: tuple[Any, Any]) -> None:
    checked, doc = seed001
    intro = checked.catalogue.intro
    texts = [(p.text, p.style.name) for p in doc.paragraphs]
    contents = texts.index(("Indhold", "TOC Heading"))
    at = texts.index((intro.title, "Heading 1"))
    assert contents < at < texts.index(("Oversigt over temaer", "Heading 1"))
    assert texts[at + 1][0].startswith("Direktørgruppen har i tolv temaer")
    assert texts[contents + 1][0].split("\t")[0] == intro.title  # listed in the contents


def test_allocation_by_department_in_the_overview_and_each_theme(
        seed001: tuple[Any, Any]) -> None:
    checked, doc = seed001
    cat, totals = checked.catalogue, checked.totals
    overview = view.allocated_table(cat, totals)
    assert overview is not None
    found = tables_captioned(doc, overview.caption)
    assert len(found) == 1 and rows_of(found[0][1])[1:] == expected_rows(overview)
    themed = 0
    for t in cat.themes:
        table = view.allocated_table(cat, totals, t)
        if table is None or t.merged_into:
            continue
        found = tables_captioned(doc, table.caption)
        assert len(found) == 1, table.caption
        assert rows_of(found[0][1])[1:] == expected_rows(table)
        themed += 1
    assert themed >= 10


def test_the_catalogues_own_labels_and_cover_facts(seed001: tuple[Any, Any]) -> None:
    checked, doc = seed001
    cat = checked.catalogue
    labels = labels_for(cat.settings)
    assert labels["difference"] == "Difference der skal fordeles efter administrativ nøgle"
    (_, table), = tables_captioned(doc, labels["overview"])
    assert labels["difference"] in [r[0] for r in rows_of(table)]
    cover = [p.text for p in doc.paragraphs[:12]]
    for label, value in cover_facts(cat, cat.settings.date):
        assert f"{label}: {value}" in cover
    assert "Budgetår: 2024" in cover and "Overslagsår: 2025–2027" in cover
    assert "Økonomiske konsekvenser" in styled(doc, "Heading 3")
    assert "Økonomi" not in styled(doc, "Heading 3")


def test_alternatives_side_by_side_under_their_theme(seed001: tuple[Any, Any]) -> None:
    checked, doc = seed001
    cat, totals = checked.catalogue, checked.totals
    theme = next(t for t in cat.themes if view.alternative_groups_in(t, cat, totals))
    (group,) = view.alternative_groups_in(theme, cat, totals)
    expected = view.alternatives_table(group, cat, totals)
    (at, table), = tables_captioned(doc, expected.caption)
    assert rows_of(table)[1:] == expected_rows(expected)
    items = blocks(doc)
    heading = next(i for i, b in enumerate(items) if isinstance(b, Paragraph)
                   and b.style.name == "Heading 1" and b.text.startswith(f"Tema {theme.number}:"))
    first = next(i for i, b in enumerate(items) if isinstance(b, Paragraph)
                 and b.style.name == "Heading 2" and b.text.startswith(group))
    assert heading < at < first  # under the theme, before its proposals
    after = [b.text for b in items[at + 1:at + 4] if isinstance(b, Paragraph)]
    assert "Kun ét af alternativerne tæller med i totalerne." in after


def test_notes_under_their_tables_marked_as_notes(seed001: tuple[Any, Any],
                                                  seed004: tuple[Any, Any]) -> None:
    for checked, doc in (seed001, seed004):
        cat, totals = checked.catalogue, checked.totals
        items = blocks(doc)
        noted = [(t, view.theme_table(t, cat, totals)) for t in cat.themes if t.note]
        noted += [(p, view.economy_table(p, totals.proposals[p.id], cat.settings))
                  for p in cat.proposals if p.note]
        assert noted
        for owner, table in noted:
            found = tables_captioned(doc, table.caption)
            at = found[0][0] if len(found) == 1 else next(
                i for i, t in found if rows_of(t)[1][0] == expected_rows(table)[0][0]
                or owner.id in " ".join(b.text for b in items[i - 12:i]
                                        if isinstance(b, Paragraph)))
            note = items[at + 1]
            assert isinstance(note, Paragraph) and note.style.name == "Note"
            assert note.runs[0].text == "Note: " and note.runs[0].bold
            first = owner.note.split("\n\n")[0].split()[0].strip("*_")
            assert note.text.startswith(f"Note: {first}"), (owner.id, note.text)


def test_hearing_comments_with_the_committee_as_heading_and_markdown(
        seed004: tuple[Any, Any]) -> None:
    checked, doc = seed004
    cat = checked.catalogue
    p = next(p for p in cat.proposals if p.id == "KOOR-1")
    paras = doc.paragraphs
    start = next(i for i, x in enumerate(paras) if x.text == f"{p.id} {p.title}")
    section = next(i for i in range(start, len(paras))
                   if paras[i].text == "Bemærkninger fra MED-systemet")
    committee, comment = view.hearing(p)[1]
    at = next(i for i in range(section, len(paras)) if paras[i].text == committee)
    assert paras[section].style.name == "Heading 3" and paras[at].style.name == "Heading 4"
    body = [paras[at + 1], paras[at + 2]]  # two paragraphs, as the Markdown has
    assert body[0].text.startswith("Staben vil gerne være med")
    assert body[1].text.startswith("Udvalget er bekymret for, om 6 mio. kr. kan hentes")
    assert [r.text for r in body[1].runs if r.bold] == ["6 mio. kr."]
    assert "**" not in "".join(x.text for x in paras)
    # committees come before their comments: none is left below its comment
    names = [c for c, _ in view.hearing(p)]
    order = [next(i for i in range(section, len(paras)) if paras[i].text == n) for n in names]
    assert order == sorted(order)


def test_ranges_unknowns_and_decimals_as_the_view_tables_give_them(
        seed004: tuple[Any, Any]) -> None:
    checked, doc = seed004
    cat, totals = checked.catalogue, checked.totals
    overview = view.overview_table(cat, totals)
    (_, table), = tables_captioned(doc, overview.caption)
    assert rows_of(table)[1:] == expected_rows(overview)
    shown = " ".join(c for r in rows_of(table) for c in r)
    assert "–" in shown and "+ ?" in shown and "− ?" in shown and "," in shown
