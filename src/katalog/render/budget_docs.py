"""The budget year's two documents (SPEC §8) as content every format shows the same way.

"Budgetaftale" (`agreement`): what the council adopted per theme and department, the
adopted total against the target, the council's changes, the proposals it did not adopt and
every decision. "Status på realisering" (`follow_up`): a summary on top (how much of the
adopted saving is expected, per traffic light), the proposals with a red or yellow light,
the expected realisation and the remaining gap to the target per theme and department, and
per theme its adopted proposals, each with its traffic light in words (never colour alone),
its latest comment and its history over the budget revisions.

Everything is built from `render.view`'s budget tables and `Totals.budget`; nothing here adds
amounts up (every figure shown is one `katalog.budget` computed). The HTML site, the PDF and
Word render these objects (`budget_html`, `budget_pdf`, `docx.budget`). Each document exists
only when the content has what it shows: `agreement` is None before any decision,
`follow_up` before the first realisation entry.

`build` runs the budget documents' planners inside the `html`, `pdf` and `docx` formats
beside the catalogue's (`plan.combine`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from ..budget import STATUS_KEYS
from ..compute import Totals
from ..labels import Labels, fill, labels_for
from ..model import Catalogue, Proposal
from . import view
from .plan import combine
from .view import DecisionView, EntryView, Row, Table

AGREEMENT = "budgetaftale"  # the documents' file names in every format (.html, .pdf, .docx)
FOLLOW_UP = "opfoelgning"

# A traffic light shown as a mark: its colour, and a shape of its own (readable without
# colour, and the words always stand beside it). `slug` is its ASCII name for CSS classes.
LIGHT_SLUG = {"grøn": "groen", "gul": "gul", "rød": "roed", "ingen": "ingen"}
LIGHT_MARK = {"grøn": "●", "gul": "◆", "rød": "■", "ingen": "○"}
LIGHT_COLOUR = {"grøn": "1E7B34", "gul": "946200", "rød": "C0262D", "ingen": "595959"}
WATCHED = ("rød", "gul")  # the lights listed on their own in the follow-up, in this order

# Fixed words these documents need that `labels.LABELS` has no key for yet (see the report
# to the lead): looked up in the catalogue's labels first, so they become overridable the
# day the keys are added there.
EXTRA_LABELS = {
    "budget_year_section": "Budgetåret",
    "agreement_intro": "Byrådets vedtagne forslag, vedtaget over for foreslået og over for målet",
    "follow_up_intro": "Forventet realisering af de vedtagne forslag ved budgetopfølgningerne",
    "watch": "Forslag med rød eller gul status",
    "watch_caption": "Afvigelse for forslag med rød eller gul status",
    "not_adopted": "Forslag, der ikke er vedtaget",
    "not_adopted_caption": "Ikke vedtagne forslag som foreslået",
    "council_notes": "Byrådets bemærkninger",
    "history": "Forløb",
    "history_caption": "Vedtaget og forventet ved hver budgetopfølgning",
    "latest_comment": "Kommentar ved",
    "earlier_comments": "Tidligere kommentarer",
    "latest_revision": "Seneste budgetopfølgning",
    "revisions": "Budgetopfølgninger",
    "see_proposal": "Se forslaget",
    "by_department": "Fordeling på forvaltninger",
    "by_theme": "Pr. tema",
    "themes_follow_up": "Forslagene tema for tema",
    "of_proposals": "af",
    "with_change": "med ændring",
    "no_comment": "Ingen kommentar.",
    "decided_by": "Afgjort",
    "light_counts": "Forslag pr. status",
    "decided_by_status": "Afgjort ved forslagets status (uden dato og reference)",
}

# (kind, id) → a link to a proposal's page (kind "proposal"), or "" for none
Link = Callable[[str, str], str]


def no_link(_kind: str, _ident: str) -> str:
    return ""


def word(labels: Labels, key: str) -> str:
    """A fixed word: the catalogue's label when `labels` has the key, else ours."""
    return labels.get(key) or EXTRA_LABELS[key]


def words(labels: Labels) -> dict[str, str]:
    """Every word the documents' templates use (`w.total`, `w.watch`): the catalogue's
    labels, and ours where it has no such key."""
    return {**EXTRA_LABELS, **dict(labels)}


# -- the pieces ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Light:
    """A traffic light as every format shows it: mark and colour beside the words."""

    key: str  # grøn | gul | rød | ingen
    name: str  # "Gul"
    text: str  # "Gul: realiseringen er usikker"
    meaning: str  # "realiseringen er usikker"
    count: int = 0  # how many adopted proposals have it (in the summary)

    @property
    def slug(self) -> str:
        return LIGHT_SLUG[self.key]

    @property
    def mark(self) -> str:
        return LIGHT_MARK[self.key]

    @property
    def colour(self) -> str:
        return LIGHT_COLOUR[self.key]


def light(status: str | None, labels: Labels, count: int = 0) -> Light:
    key = status or "ingen"
    return Light(key, view.light_label(key, labels, False), view.light_label(key, labels),
                 labels[f"light_{key}_text"], count)


@dataclass(frozen=True)
class ThemeTable:
    """One theme's section: its heading and its table (and, in the follow-up, proposals)."""

    id: str
    number: int
    title: str
    anchor: str
    table: Table
    proposals: tuple["ProposalFollowUp", ...] = ()

    @property
    def heading(self) -> str:
        return f"Tema {self.number}: {self.title}"


@dataclass(frozen=True)
class DecisionGroup:
    """The decisions made at one meeting (one date and reference), in catalogue order."""

    title: str  # "Byrådet 8.10.2026, pkt. 12 (8. oktober 2026)"
    decisions: tuple[DecisionView, ...]


@dataclass(frozen=True)
class Agreement:
    """"Budgetaftale"."""

    labels: Labels
    title: str  # "Budgetaftale 2027"
    subtitle: str  # the catalogue's title
    facts: tuple[tuple[str, str], ...]
    overview: Table  # adopted per theme, in all, as proposed, the change, target, difference
    changes: Table | None  # the proposals the council adopted with its own amounts
    changed: tuple[DecisionView, ...]  # their decisions (with the council's notes)
    not_adopted: Table | None  # rejected, postponed, not decided: their amounts as proposed
    not_adopted_decisions: tuple[DecisionView, ...]
    departments: Table | None  # adopted per department after allocation
    themes: tuple[ThemeTable, ...]  # each theme's adopted proposals
    decisions: tuple[DecisionView, ...]  # every decision, in catalogue order
    decision_groups: tuple[DecisionGroup, ...]  # the same, by meeting


@dataclass(frozen=True)
class ProposalFollowUp:
    """One adopted proposal in "Status på realisering"."""

    id: str
    title: str
    anchor: str
    href: str  # its page ("" where there is none)
    department: str
    light: Light
    revision: str  # its current entry's revision ("" before the first)
    date: str
    comment: str  # Markdown: the current entry's comment
    history: Table  # Vedtaget, then the expectation at each revision (status per row)
    earlier: tuple[tuple[EntryView, Light], ...]  # earlier entries with a comment, newest first


@dataclass(frozen=True)
class FollowUp:
    """"Status på realisering"."""

    labels: Labels
    title: str  # "Status på realisering"
    subtitle: str  # "Spare- og effektiviseringskatalog 2027 · BO2 2027 (31. august 2027)"
    revision: str  # the latest budget revision
    revision_date: str
    facts: tuple[tuple[str, str], ...]
    summary: tuple[str, ...]  # sentences
    lights: tuple[Light, ...]  # every light some proposal has, with its count
    summary_table: Table
    watch: Table | None  # red and yellow proposals: their gap per year
    overview: Table  # expected per theme, in all, adopted, gap, target, difference
    gap_themes: Table | None
    expected_departments: Table | None
    gap_departments: Table | None
    themes: tuple[ThemeTable, ...]  # with their proposals


# -- "Budgetaftale" -------------------------------------------------------------------------------


def agreement(cat: Catalogue, totals: Totals, link: Link = no_link) -> Agreement | None:
    """The budget agreement; None when the council has decided on nothing."""
    b = totals.budget
    if b is None:
        return None
    labels = labels_for(cat.settings)
    proposals = {p.id: link("proposal", p.id) for p in cat.proposals}
    decisions = tuple(view.decisions(cat, totals, _only(proposals)))
    changed_ids = {p.id for p in cat.proposals if b.proposals[p.id].changed}
    sections = []
    for t in cat.themes:
        table = view.agreement_theme_table(t, cat, totals, _only(proposals))
        if table is not None and not t.merged:
            sections.append(ThemeTable(t.id, t.number, t.title, anchor_of("tema", t.id),
                                       with_unknown_note(table, cat)))
    overview = view.agreement_overview_table(cat, totals, _in_page(sections))
    assert overview is not None
    changes = view.council_changes_table(cat, totals)
    return Agreement(
        labels=labels,
        title=f"{labels['budget_agreement']} {cat.settings.years[0]}",
        subtitle=cat.settings.title,
        facts=_agreement_facts(cat, totals, decisions, labels),
        overview=with_unknown_note(overview, cat),
        changes=with_unknown_note(changes, cat) if changes else None,
        changed=tuple(d for d in decisions if d.id in changed_ids),
        not_adopted=not_adopted_table(cat, totals, labels, proposals),
        not_adopted_decisions=tuple(d for d in decisions if d.outcome != "vedtaget"),
        departments=view.adopted_department_table(cat, totals),
        themes=tuple(sections),
        decisions=decisions,
        decision_groups=decision_groups(decisions, labels),
    )


def decision_groups(decisions: Sequence[DecisionView],
                    labels: Labels) -> tuple[DecisionGroup, ...]:
    """The decisions by meeting (reference and date), meetings in the order first met; the
    proposals adopted or rejected by their status alone last."""
    groups: dict[tuple[str, str], list[DecisionView]] = {}
    for d in decisions:
        groups.setdefault((d.reference, d.date), []).append(d)
    out = []
    for (reference, date), members in groups.items():
        title = (f"{reference} ({date})" if reference and date else reference or date
                 or word(labels, "decided_by_status"))
        out.append(DecisionGroup(title, tuple(members)))
    out.sort(key=lambda g: g.title == word(labels, "decided_by_status"))
    return tuple(out)


def _only(links: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in links.items() if v}


def _in_page(sections: Sequence[ThemeTable]) -> dict[str, str]:
    """Each theme with a section of its own → a link to it in the same document."""
    return {t.id: f"#{t.anchor}" for t in sections}


def _agreement_facts(cat: Catalogue, totals: Totals, decisions: Sequence[DecisionView],
                     labels: Labels) -> tuple[tuple[str, str], ...]:
    b = totals.budget
    assert b is not None
    facts = _catalogue_facts(cat, labels)
    references = list(dict.fromkeys(d.reference for d in decisions if d.reference))
    if references:
        facts.append((labels["decision"], "; ".join(references)))
    changed = sum(1 for i in b.adopted_ids if b.proposals[i].changed)
    adopted = f"{len(b.adopted_ids)} {word(labels, 'of_proposals')} {len(cat.proposals)}"
    if changed:
        adopted += f" ({changed} {word(labels, 'with_change')})"
    facts.append((labels["adopted_proposals"], adopted))
    for key in ("forkastet", "udskudt"):
        if b.outcomes.get(key):
            facts.append((labels[f"outcome_{key}"], str(len(b.outcomes[key]))))
    return tuple(facts)


def _catalogue_facts(cat: Catalogue, labels: Labels) -> list[tuple[str, str]]:
    s = cat.settings
    years = s.years
    facts = [(labels["organisation"], s.organisation), (labels["budget_year"], str(years[0]))]
    if len(years) > 1:
        rest = f"{years[1]}–{years[-1]}" if len(years) > 2 else str(years[1])
        facts.append((labels["forecast_years"], rest))
    facts.append((labels["amounts_in"], view._unit(s)))
    return facts


def not_adopted_table(cat: Catalogue, totals: Totals, labels: Labels,
                      links: dict[str, str]) -> Table | None:
    """The proposals the council rejected or postponed (or has not decided on, once it has
    decided on others), each with its outcome in words and its amounts as proposed."""
    b = totals.budget
    if b is None:
        return None
    s, d = cat.settings, totals.decimals
    rows = []
    for p in cat.proposals:
        py = b.proposals[p.id]
        if py.is_adopted or (p.decision is None and p.status in ("udkast", "trukket")):
            continue
        outcome = view.outcome_label(p, labels, py.outcome)
        rows.append(Row(f"{p.id} {p.title} – {outcome}", view.cells(py.proposed, s.years, d),
                        href=links.get(p.id, ""), id=p.id))
    if not rows:
        return None
    series = [b.proposals[r.id].proposed for r in rows]
    return Table(caption=word(labels, "not_adopted_caption"), unit=view._unit(s), years=s.years,
                 rows=tuple(rows), notes=view._notes(s, *series, decimals=d),
                 label_head=labels["proposal_head"])


# -- "Status på realisering" -----------------------------------------------------------------------


def follow_up(cat: Catalogue, totals: Totals, link: Link = no_link) -> FollowUp | None:
    """The follow-up; None before the first budget revision."""
    b = totals.budget
    if b is None or not b.followed_up:
        return None
    labels = labels_for(cat.settings)
    themes = _follow_up_themes(cat, totals, labels, link)
    summary_table = view.realisation_summary_table(cat, totals)
    overview = view.realisation_overview_table(cat, totals, _in_page(themes))
    assert summary_table is not None and overview is not None
    revision = b.revisions[-1]
    when = view.date_text(_revision_date(cat, revision))
    counts = b.status_counts
    lights = tuple(light(k, labels, counts[k]) for k in STATUS_KEYS if counts.get(k))
    facts = _catalogue_facts(cat, labels)
    facts += [(word(labels, "latest_revision"), f"{revision} ({when})" if when else revision),
              (labels["adopted_proposals"], str(len(b.adopted_ids)))]
    return FollowUp(
        labels=labels,
        title=labels["realisation_status"],
        subtitle=cat.settings.title,
        revision=revision,
        revision_date=when,
        facts=tuple(facts),
        summary=tuple(view.realisation_summary(cat, totals)),
        lights=lights,
        summary_table=marked(summary_table),
        watch=watch_table(cat, totals, labels),
        overview=with_unknown_note(overview, cat),
        gap_themes=view.gap_theme_table(cat, totals),
        expected_departments=view.expected_department_table(cat, totals),
        gap_departments=view.gap_department_table(cat, totals),
        themes=themes,
    )


def _revision_date(cat: Catalogue, revision: str) -> dt.date | None:
    dates = [e.date for p in cat.proposals for e in p.realisation
             if e.revision == revision and e.date is not None]
    return max(dates) if dates else None


def _follow_up_themes(cat: Catalogue, totals: Totals, labels: Labels,
                      link: Link) -> tuple[ThemeTable, ...]:
    b = totals.budget
    assert b is not None
    out = []
    for t in cat.themes:
        in_page = {p.id: f"#{anchor_of('opf', p.id)}" for p in cat.proposals_in(t.id)}
        table = view.realisation_table(t, cat, totals, in_page)
        if table is None or t.merged:
            continue
        members = [p for p in cat.proposals_in(t.id) if b.proposals[p.id].is_adopted]
        out.append(ThemeTable(t.id, t.number, t.title, anchor_of("tema", t.id),
                              marked(with_unknown_note(table, cat)),
                              tuple(proposal_follow_up(p, cat, totals, labels, link)
                                    for p in members)))
    return tuple(out)


def proposal_follow_up(p: Proposal, cat: Catalogue, totals: Totals, labels: Labels,
                       link: Link = no_link) -> ProposalFollowUp:
    """An adopted proposal's traffic light, current comment and history."""
    b = totals.budget
    assert b is not None
    py = b.proposals[p.id]
    entries = view.realisation_entries(p, cat, totals)
    current = p.current
    earlier = tuple((e, light(e.status, labels)) for e in reversed(entries) if not e.current
                    and e.comment.strip())
    return ProposalFollowUp(
        id=p.id, title=p.title, anchor=anchor_of("opf", p.id), href=link("proposal", p.id),
        department=cat.department_name(p.department), light=light(py.status, labels),
        revision=py.revision or "", date=view.date_text(current.date) if current else "",
        comment=current.comment if current else "",
        history=history_table(p, cat, totals, labels, entries), earlier=earlier)


def history_table(p: Proposal, cat: Catalogue, totals: Totals, labels: Labels,
                  entries: Sequence[EntryView]) -> Table:
    """"Forløb": the adopted amounts, then the expectation at each budget revision (oldest
    first), each row naming its traffic light in words."""
    b = totals.budget
    assert b is not None
    s = cat.settings
    py = b.proposals[p.id]
    rows = [Row(labels["adopted"], view.cells(py.adopted, s.years, totals.decimals), id=p.id)]
    for e in entries:
        when = f" ({e.date})" if e.date else ""
        name = view.light_label(e.status, labels, False)
        rows.append(Row(f"{labels['expected']}, {e.revision}{when} – {name}", e.cells, id=p.id,
                        status=e.status))
    table = Table(caption=f"{word(labels, 'history')}: {p.id} "
                          f"({word(labels, 'history_caption').lower()})",
                  unit=view._unit(s), years=s.years, rows=tuple(rows),
                  label_head=labels["revision"])
    return marked(with_unknown_note(table, cat))


def watch_table(cat: Catalogue, totals: Totals, labels: Labels) -> Table | None:
    """The proposals with a red or yellow light (red first), each with its gap per year,
    and the gap in all per light; None when every light is green."""
    b = totals.budget
    assert b is not None
    s, d = cat.settings, totals.decimals
    rows: list[Row] = []
    for key in WATCHED:
        group = b.by_status[key]
        if not group.ids:
            continue
        shown = light(key, labels)
        rows.append(Row(shown.text, tuple("" for _ in s.years), "group", status=key))
        for pid in group.ids:
            p = next(x for x in cat.proposals if x.id == pid)
            rows.append(Row(f"{p.id} {p.title}", view.cells(b.proposals[pid].gap, s.years, d),
                            href=f"#{anchor_of('opf', pid)}", id=pid, status=key))
        rows.append(Row(f"{labels['gap_total']}, {shown.name.lower()}",
                        view.cells(group.gap, s.years, d), "subtotal", status=key))
    if not rows:
        return None
    series = [b.by_status[k].gap for k in WATCHED]
    table = Table(caption=word(labels, "watch_caption"), unit=view._unit(s), years=s.years,
                  rows=tuple(rows),
                  notes=view._notes(s, *series, decimals=d) + (labels["gap_note"],),
                  label_head=labels["proposal_head"])
    return marked(table)


# -- shared helpers ---------------------------------------------------------------------------------


def anchor_of(prefix: str, ident: str) -> str:
    from .html import anchor

    return anchor(prefix, ident)


def marked(table: Table) -> Table:
    """`table` with each row that has a traffic light (other than a group's heading row)
    carrying its light as CSS classes: `amount_table` writes a row's `kind` as its class, so
    the HTML and the PDF show the light's mark and colour before the row's label (the words
    stand in the row or in its group's heading). Word reads `Row.status` itself."""
    rows = tuple(replace(r, kind=f"{r.kind} light light-{LIGHT_SLUG[r.status]}")
                 if r.status and r.kind != "group" else r for r in table.rows)
    return replace(table, rows=rows)


def plain_kind(row: Row) -> str:
    """A row's kind without the classes `marked` added (line, subtotal, total, ...)."""
    return row.kind.split(" ", 1)[0]


def with_unknown_note(table: Table, cat: Catalogue) -> Table:
    """`table` with the note that explains `?` when a cell shows one and its notes do not
    (`view.agreement_overview_table` shows `-43.400 + ?` in "Foreslået i alt" without it)."""
    labels = labels_for(cat.settings)
    note = fill(labels["unknown_note"], example=view.example_amount(cat.settings))
    if note in table.notes or not any(c.endswith("?") for r in table.rows for c in r.cells):
        return table
    return replace(table, notes=(*table.notes, note))


def front_page_links(cat: Catalogue, totals: Totals) -> list[dict[str, str]]:
    """The budget year's pages for the front page ("Budgetåret"): href, title and what it
    shows, in the order of the year; empty before the first decision."""
    b = totals.budget
    if b is None:
        return []
    labels = labels_for(cat.settings)
    links = [{"href": f"{AGREEMENT}.html", "title": labels["budget_agreement"],
              "text": word(labels, "agreement_intro")}]
    if b.followed_up:
        links.append({"href": f"{FOLLOW_UP}.html", "title": labels["realisation_status"],
                      "text": f"{word(labels, 'follow_up_intro')} ({b.revisions[-1]})"})
    return links


__all__ = ["AGREEMENT", "FOLLOW_UP", "Agreement", "FollowUp", "Light", "ProposalFollowUp",
           "ThemeTable", "agreement", "follow_up", "combine", "front_page_links", "marked",
           "plain_kind", "word", "with_unknown_note", "history_table", "watch_table",
           "not_adopted_table", "decision_groups", "DecisionGroup", "EXTRA_LABELS",
           "LIGHT_COLOUR", "LIGHT_MARK", "LIGHT_SLUG"]
