"""What changed between two checked catalogues, as data (`katalog diff`).

`compare()` takes two valid `Checked` catalogues and returns `Changes`: proposals added,
removed, renamed (same id, other file), moved to another theme, status changes (and whether
that changes what counts), each economic line's amounts before → after per year, summaries
and bodies as a short word-level diff, theme totals, the grand total, target and difference,
the catalogue settings, and the budget year (SPEC §8): each proposal's decision and adopted
amounts, its current budget revision (name, traffic light, expected and gap per year), and the
adopted and expected totals and gap. `diff()` wraps it for revisions that may be invalid: their
problems are carried instead of changes. Renderers in `render/diff.py` show the result.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping, Sequence

from . import fields as F
from .budget import NO_DECISION, BudgetYear, ProposalYear, outcome_of
from .compute import Series, Totals
from .issues import Issue, Severity
from .model import (
    ALLOCATION_KEY,
    UNKNOWN,
    Allocation,
    Amount,
    Catalogue,
    Decision,
    Line,
    Proposal,
    Range,
    Realisation,
    Settings,
    Theme,
)
from .pipeline import Checked

CONTEXT_WORDS = 4  # unchanged words kept on each side of a change in a word diff


# -- building blocks --------------------------------------------------------------------------


@dataclass(frozen=True)
class YearChange:
    """One year's amount before and after; None = no amount, UNKNOWN = `"?"`.

    For an incomplete total, `before_known` / `after_known` are its known parts, and
    `same_unknowns` says that both sides rest on exactly the same `"?"` lines (same proposal,
    same line, both counted): then the unknown parts are the same quantities and the change
    is exactly the change of the known parts.
    """

    year: int
    before: Amount | None
    after: Amount | None
    before_known: Decimal | Range | None = None
    after_known: Decimal | Range | None = None
    same_unknowns: bool | None = None  # None: not tracked (two "?" count as unchanged)

    @property
    def change(self) -> Amount | None:
        """after − before (a missing amount counts as 0); UNKNOWN when a `"?"` makes it so;
        a range when either side is one (lows and highs apart)."""
        if self.before is None and self.after is None:
            return None
        if self.before is UNKNOWN or self.after is UNKNOWN:
            if self.before is UNKNOWN and self.after is UNKNOWN and self.same_unknowns:
                return _minus(self.after_known, self.before_known)
            return UNKNOWN
        return _minus(self.after, self.before)

    @property
    def changed(self) -> bool:
        if self.before is UNKNOWN and self.after is UNKNOWN and self.same_unknowns is not None:
            return not self.same_unknowns or self.before_known != self.after_known
        return self.before != self.after


def _ends(value: Any) -> tuple[Decimal, Decimal]:
    if isinstance(value, Range):
        return value.low, value.high
    value = value if isinstance(value, Decimal) else Decimal(0)
    return value, value


def _minus(after: Any, before: Any) -> Decimal | Range:
    """after − before for numbers or ranges (None counts as 0); a range only when the
    difference of the ends differs."""
    (a_low, a_high), (b_low, b_high) = _ends(after), _ends(before)
    low, high = a_low - b_low, a_high - b_high
    return low if low == high else Range(low, high)


Sources = Mapping[int, frozenset[tuple[str, ...]]]


@dataclass(frozen=True)
class Delta:
    """A series (amounts per year) before and after."""

    years: tuple[YearChange, ...]

    @classmethod
    def of(cls, years: Sequence[int], before: Series | None, after: Series | None,
           sources: tuple[Sources, Sources] | None = None) -> "Delta":
        """`sources`: the `"?"` lines behind each side's unknown years (see YearChange)."""
        old_src, new_src = sources or ({}, {})
        return cls(tuple(
            YearChange(
                y, before.get(y) if before else None, after.get(y) if after else None,
                before.known(y) if before else None, after.known(y) if after else None,
                None if sources is None
                else y in old_src and old_src.get(y) == new_src.get(y),
            )
            for y in years
        ))

    @classmethod
    def of_amounts(cls, years: Sequence[int], before: Any, after: Any) -> "Delta":
        before, after = before or {}, after or {}
        return cls(tuple(YearChange(y, before.get(y), after.get(y)) for y in years))

    @property
    def changed(self) -> bool:
        return any(y.changed for y in self.years)

    @property
    def empty(self) -> bool:
        return all(y.before is None and y.after is None for y in self.years)


@dataclass(frozen=True)
class WordDiff:
    """A short word-level diff: `(op, text)` pieces with op `=` (kept), `-`, `+` or `…`."""

    before: str
    after: str
    pieces: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FieldChange:
    """A plain field that changed: its key, Danish label and the values before and after."""

    key: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class LineChange:
    """An economic line: `added`, `removed`, `changed` or `unchanged` (matched by text, then
    by position). `text` is the line's text after (before, for removed lines)."""

    kind: str
    text: str
    group: str
    area: str
    amounts: Delta
    text_before: str | None = None  # when matched by position and the text changed
    fields: tuple[FieldChange, ...] = ()  # area/group changes
    index_before: int | None = None
    index_after: int | None = None


@dataclass(frozen=True)
class DecisionChange:
    """A proposal's decision before and after: the outcome (`vedtaget`, `forkastet`,
    `udskudt`, or `ingen`: not decided), whether the council gave its own amounts, the
    adopted amounts (no amounts on a side where it is not adopted), and date, reference or
    note changes."""

    outcome_before: str
    outcome_after: str
    changed_before: bool
    changed_after: bool
    adopted: Delta
    fields: tuple[FieldChange, ...] = ()
    before: Decision | None = None  # the decisions as written
    after: Decision | None = None

    @property
    def kind(self) -> str:
        """`added` (a first decision), `removed` or `changed`."""
        if self.outcome_before == NO_DECISION:
            return "added"
        return "removed" if self.outcome_after == NO_DECISION else "changed"



@dataclass(frozen=True)
class RealisationChange:
    """A proposal's current expectation before and after (the last `realisation` entry;
    None before the first): revision, traffic light, expected and gap per year; entries
    added, removed, or edited in place (an earlier revision corrected); the current
    comment: as written when the revision is new (`comment_new`), else its edit as a word
    diff (`comment`)."""

    revision_before: str | None
    revision_after: str | None
    status_before: str | None
    status_after: str | None
    expected: Delta
    gap: Delta
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()
    comment: WordDiff | None = None
    comment_new: str = ""

    @property
    def status_changed(self) -> bool:
        return self.status_before != self.status_after

    @property
    def figures_changed(self) -> bool:
        return self.status_changed or self.expected.changed or self.gap.changed


@dataclass(frozen=True)
class ProposalChange:
    """One proposal that differs. `kind`: `added`, `removed` or `changed`."""

    id: str
    kind: str
    title: str
    theme_before: str | None
    theme_after: str | None
    path_before: str | None
    path_after: str | None
    status_before: str | None
    status_after: str | None
    counted_before: bool
    counted_after: bool
    total: Delta  # the proposal's own total, whether it counts or not
    counted_total: Delta  # what it contributes to its theme: its total while it counts
    lines: tuple[LineChange, ...] = ()
    fields: tuple[FieldChange, ...] = ()
    summary: WordDiff | None = None
    body: WordDiff | None = None
    alternative_before: str | None = None  # its group of alternatives, if any
    alternative_after: str | None = None
    decision: DecisionChange | None = None  # SPEC §8: when the decision changed
    realisation: RealisationChange | None = None  # SPEC §8: when the follow-up changed

    @property
    def renamed(self) -> bool:
        return self.kind == "changed" and self.path_before != self.path_after

    @property
    def moved(self) -> bool:
        return self.kind == "changed" and self.theme_before != self.theme_after

    @property
    def status_changed(self) -> bool:
        return self.kind == "changed" and self.status_before != self.status_after

    @property
    def counting_changed(self) -> bool:
        return self.counted_before != self.counted_after


@dataclass(frozen=True)
class ThemeChange:
    """A theme's total before and after; `kind`: added, removed, changed or unchanged."""

    id: str
    number: int
    title: str
    kind: str
    total: Delta
    fields: tuple[FieldChange, ...] = ()

    @property
    def changed(self) -> bool:
        return self.kind != "unchanged"


@dataclass(frozen=True)
class Changes:
    """Everything that differs between two valid catalogues."""

    years: tuple[int, ...]
    before: Settings
    after: Settings
    settings: tuple[FieldChange, ...]
    proposals: tuple[ProposalChange, ...]
    themes: tuple[ThemeChange, ...]  # every theme, in the order of the new catalogue
    total: Delta
    target: Delta
    difference: Delta
    allocated: Mapping[str, Delta] = field(default_factory=dict)  # by department after allocation
    budget: "BudgetChange | None" = None  # SPEC §8: when either side has a budget year

    @property
    def empty(self) -> bool:
        return not (self.settings or self.proposals or any(t.changed for t in self.themes)
                    or self.total.changed or self.target.changed or self.difference.changed
                    or any(d.changed for d in self.allocated.values())
                    or (self.budget is not None and self.budget.changed))

    @property
    def money_changed(self) -> bool:
        return (self.total.changed or self.target.changed or self.difference.changed
                or any(t.total.changed for t in self.themes)
                or any(d.changed for d in self.allocated.values())
                or (self.budget is not None and self.budget.changed))


@dataclass(frozen=True)
class BudgetChange:
    """The budget year's totals before and after (a side without a budget year has none)
    and the adopted proposals per traffic light (None on such a side)."""

    adopted: Delta
    adopted_difference: Delta
    expected: Delta
    gap: Delta
    expected_difference: Delta
    counts_before: Mapping[str, int] | None
    counts_after: Mapping[str, int] | None
    revision_before: str | None  # the latest revision named on each side
    revision_after: str | None

    @property
    def changed(self) -> bool:
        return (self.adopted.changed or self.adopted_difference.changed
                or self.expected.changed or self.gap.changed
                or self.expected_difference.changed or self.counts_before != self.counts_after)


@dataclass(frozen=True)
class Side:
    """One revision as checked: its label (revision or folder), whether it is valid, and
    its problems (errors and warnings)."""

    label: str
    ok: bool
    issues: tuple[Issue, ...] = ()

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]


@dataclass(frozen=True)
class Diff:
    """The outcome of `katalog diff`: both sides, and the changes when both are valid."""

    base: Side
    head: Side
    changes: Changes | None = field(default=None)

    @property
    def ok(self) -> bool:
        return self.changes is not None


# -- comparison -------------------------------------------------------------------------------


def diff(base: Checked, head: Checked, base_label: str = "før", head_label: str = "efter",
         base_root: str = "", head_root: str = "") -> Diff:
    """Compare two checked revisions; an invalid one yields a Diff without changes.

    `*_root` is the label the content was loaded under (stripped from file paths so that
    renames are detected between folders or revisions with different labels).
    """
    sides = (
        Side(base_label, base.totals is not None, tuple(base.report.sorted())),
        Side(head_label, head.totals is not None, tuple(head.report.sorted())),
    )
    if base.totals is None or head.totals is None:
        return Diff(*sides)
    return Diff(*sides, changes=compare(base.catalogue, base.totals, head.catalogue, head.totals,
                                       base_root, head_root))


def compare(old: Catalogue, old_totals: Totals, new: Catalogue, new_totals: Totals,
            old_root: str = "", new_root: str = "") -> Changes:
    """All changes from `old` to `new` (both valid, with their computed totals)."""
    years = tuple(sorted(set(old.settings.years) | set(new.settings.years)))
    old_totals, new_totals = _with_budgets(old, old_totals, new, new_totals)
    old_props = {p.id: p for p in old.proposals}
    new_props = {p.id: p for p in new.proposals}
    ids = list(new_props) + [pid for pid in old_props if pid not in new_props]
    proposals = []
    for pid in ids:
        change = _proposal_change(years, old_props.get(pid), new_props.get(pid), old_totals,
                                  new_totals, old_root, new_root)
        if change is not None:
            proposals.append(change)
    return Changes(
        years=years,
        before=old.settings,
        after=new.settings,
        settings=_settings_changes(old.settings, new.settings),
        proposals=tuple(proposals),
        themes=_theme_changes(years, old, old_totals, new, new_totals),
        total=Delta.of(years, old_totals.total, new_totals.total,
                       (unknown_sources(old, old_totals), unknown_sources(new, new_totals))),
        target=Delta.of(years, old_totals.target, new_totals.target),
        difference=Delta.of(
            years, old_totals.difference, new_totals.difference,
            (unknown_sources(old, old_totals, basis=True),
             unknown_sources(new, new_totals, basis=True))),
        allocated=_allocated(years, old_totals, new_totals),
        budget=_budget_change(years, old_totals.budget, new_totals.budget),
    )


def _with_budgets(old: Catalogue, old_totals: Totals, new: Catalogue,
                  new_totals: Totals) -> tuple[Totals, Totals]:
    """When one side has a budget year, the other's is computed too (what its statuses say
    was adopted), so a proposal adopted on both sides is not shown as newly adopted."""
    if (old_totals.budget is None) == (new_totals.budget is None):
        return old_totals, new_totals
    from dataclasses import replace

    from .budget import budget_year

    def filled(cat: Catalogue, totals: Totals) -> Totals:
        if totals.budget is not None:
            return totals
        return replace(totals, budget=budget_year(cat, totals.proposals, totals.target))

    return filled(old, old_totals), filled(new, new_totals)


def _budget_change(years: tuple[int, ...], old: BudgetYear | None,
                   new: BudgetYear | None) -> BudgetChange | None:
    """The budget year's totals before → after, when either side has one."""
    if old is None and new is None:
        return None

    def delta(attr: str) -> Delta:
        return Delta.of(years, getattr(old, attr) if old else None,
                        getattr(new, attr) if new else None)

    return BudgetChange(
        delta("adopted_total"), delta("adopted_difference"), delta("expected_total"),
        delta("gap_total"), delta("expected_difference"),
        old.status_counts if old else None, new.status_counts if new else None,
        old.revisions[-1] if old and old.revisions else None,
        new.revisions[-1] if new and new.revisions else None)


def _year_of(totals: Totals | None, pid: str) -> ProposalYear | None:
    budget = totals.budget if totals is not None else None
    return budget.proposals.get(pid) if budget is not None else None


def decision_change(years: tuple[int, ...], old: Proposal | None, new: Proposal | None,
                    old_py: ProposalYear | None, new_py: ProposalYear | None
                    ) -> DecisionChange | None:
    """The proposal's decision before → after (None when nothing about it changed)."""
    before = outcome_of(old) if old else NO_DECISION
    after = outcome_of(new) if new else NO_DECISION
    adopted = Delta.of(years, old_py.adopted if old_py else None,
                       new_py.adopted if new_py else None)
    fields = _decision_fields(old.decision if old else None, new.decision if new else None)
    changed = (bool(old_py and old_py.changed), bool(new_py and new_py.changed))
    if before == after and not fields and not adopted.changed and changed[0] == changed[1]:
        return None
    if before == after == NO_DECISION:
        return None
    return DecisionChange(before, after, *changed, adopted, fields,
                          old.decision if old else None, new.decision if new else None)


_DECISION_FIELDS = {f.name: f.label for f in F.DECISION if f.key in ("date", "reference", "note")}


def _decision_fields(old: Decision | None, new: Decision | None) -> tuple[FieldChange, ...]:
    """Date, reference and note changes of a decision both sides have."""
    if old is None or new is None:
        return ()
    return tuple(FieldChange(key, label, _plain(getattr(old, key)), _plain(getattr(new, key)))
                 for key, label in _DECISION_FIELDS.items()
                 if (getattr(old, key) or None) != (getattr(new, key) or None))


def realisation_change(years: tuple[int, ...], old: Proposal | None, new: Proposal | None,
                       old_py: ProposalYear | None, new_py: ProposalYear | None
                       ) -> RealisationChange | None:
    """The proposal's follow-up before → after (None when its entries are the same)."""
    entries_before = tuple(old.realisation) if old else ()
    entries_after = tuple(new.realisation) if new else ()
    if entries_before == entries_after:
        return None
    names_before = {e.revision: e for e in entries_before}
    names_after = {e.revision: e for e in entries_after}
    current_before = entries_before[-1] if entries_before else None
    current_after = entries_after[-1] if entries_after else None
    return RealisationChange(
        current_before.revision if current_before else None,
        current_after.revision if current_after else None,
        old_py.status if old_py else None, new_py.status if new_py else None,
        Delta.of(years, _followed(old_py, "expected"), _followed(new_py, "expected")),
        Delta.of(years, _followed(old_py, "gap"), _followed(new_py, "gap")),
        added=tuple(n for n in names_after if n not in names_before),
        removed=tuple(n for n in names_before if n not in names_after),
        edited=tuple(n for n, e in names_after.items()
                     if n in names_before and names_before[n] != e and e is not current_after),
        comment=_comment_change(current_before, current_after),
        comment_new=current_after.comment if current_after is not None
        and current_after.revision not in names_before else "",
    )


def _followed(py: ProposalYear | None, attr: str) -> Series | None:
    """A side's expected or gap series (an adopted proposal before its first revision is
    expected as adopted, with a gap of 0; None where it is not adopted)."""
    return getattr(py, attr) if py is not None else None


def _comment_change(before: Realisation | None, after: Realisation | None) -> WordDiff | None:
    """The current comment's edit, when the current revision is the same on both sides."""
    if before is None or after is None or before.revision != after.revision:
        return None
    old, new = before.comment, after.comment
    return word_diff(old, new) if old.strip() != new.strip() else None


def _allocated(years: tuple[int, ...], old: Totals, new: Totals) -> dict[str, Delta]:
    """What each department must deliver, before and after (only when some proposal or
    theme is allocated on either side: otherwise it is `by_department`)."""
    if not any(pt.allocated for t in (old, new) for pt in t.proposals.values()):
        return {}
    codes = list(dict.fromkeys([*new.allocated_by_department, *old.allocated_by_department]))
    return {code: Delta.of(years, old.allocated_by_department.get(code),
                           new.allocated_by_department.get(code)) for code in codes}


def unknown_sources(cat: Catalogue, totals: Totals, theme: str | None = None,
                    basis: bool = False) -> dict[int, frozenset[tuple[str, ...]]]:
    """Per year, the counted `"?"` lines (proposal, line) a total rests on: the whole
    catalogue, one theme, or (`basis`) the lines compared with the target."""
    varig_only = basis and cat.settings.target_basis == "varig"
    found: dict[int, set[tuple[str, ...]]] = {}
    for p in cat.proposals:
        if not totals.proposals[p.id].counted or (theme is not None and p.theme != theme):
            continue
        for line in p.lines:
            if varig_only and line.group != "varig":
                continue
            for year, value in line.amounts.items():
                if value is UNKNOWN:
                    found.setdefault(year, set()).add((p.id, line.text, line.group, line.area))
    return {year: frozenset(lines) for year, lines in found.items()}


def _own_unknowns(p: Proposal | None) -> dict[int, frozenset[tuple[str, ...]]]:
    """Per year, a proposal's own `"?"` lines."""
    found: dict[int, set[tuple[str, ...]]] = {}
    for line in p.lines if p else ():
        for year, value in line.amounts.items():
            if value is UNKNOWN:
                found.setdefault(year, set()).add((line.text, line.group, line.area))
    return {year: frozenset(lines) for year, lines in found.items()}


def _rel(path: str, root: str) -> str:
    root = root.rstrip("/")
    return path[len(root) + 1:] if root and path.startswith(root + "/") else path


def _proposal_change(years: tuple[int, ...], old: Proposal | None, new: Proposal | None,
                     old_totals: Totals, new_totals: Totals, old_root: str,
                     new_root: str) -> ProposalChange | None:
    opt = old_totals.proposals[old.id] if old else None
    npt = new_totals.proposals[new.id] if new else None
    src = (_own_unknowns(old), _own_unknowns(new))
    total = Delta.of(years, opt.total if opt else None, npt.total if npt else None, src)
    counted = Delta.of(years, opt.total if opt and opt.counted else None,
                       npt.total if npt and npt.counted else None,
                       (_own_unknowns(old if opt and opt.counted else None),
                        _own_unknowns(new if npt and npt.counted else None)))
    some = new or old
    assert some is not None
    common: dict[str, Any] = dict(
        id=some.id,
        title=some.title,
        theme_before=old.theme if old else None,
        theme_after=new.theme if new else None,
        path_before=_rel(old.path, old_root) if old else None,
        path_after=_rel(new.path, new_root) if new else None,
        status_before=old.status if old else None,
        status_after=new.status if new else None,
        counted_before=bool(opt and opt.counted),
        counted_after=bool(npt and npt.counted),
        total=total,
        counted_total=counted,
        alternative_before=opt.alternative_group if opt else None,
        alternative_after=npt.alternative_group if npt else None,
    )
    old_py, new_py = _year_of(old_totals if old else None, some.id), \
        _year_of(new_totals if new else None, some.id)
    common["decision"] = decision_change(years, old, new, old_py, new_py)
    common["realisation"] = realisation_change(years, old, new, old_py, new_py)
    if old is None or new is None:
        only = (new or old)
        assert only is not None
        kind = "added" if new else "removed"
        lines = tuple(
            LineChange(kind, line.text, line.group, line.area,
                       Delta.of_amounts(years, None if new else line.amounts,
                                        line.amounts if new else None),
                       index_before=None if new else i, index_after=i if new else None)
            for i, line in enumerate(only.lines)
        )
        return ProposalChange(kind=kind, lines=lines, **common)
    lines = match_lines(years, old.lines, new.lines)
    fields = _proposal_fields(old, new)
    summary = word_diff(old.summary, new.summary) if old.summary != new.summary else None
    body = word_diff(old.body, new.body) if old.body.strip() != new.body.strip() else None
    change = ProposalChange(kind="changed", lines=lines, fields=fields, summary=summary, body=body,
                            **common)
    if (change.renamed or change.moved or change.status_changed or fields or summary or body
            or any(line.kind != "unchanged" for line in lines) or total.changed
            or counted.changed or change.decision or change.realisation):
        return change
    return None


# Field name → Danish label, from the field table (fields shown as field changes).
_PROPOSAL_FIELDS = {f.name: f.label for f in F.PROPOSAL if f.diff}


def _proposal_fields(old: Proposal, new: Proposal) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(key, label, _plain(getattr(old, key)), _plain(getattr(new, key)))
        for key, label in _PROPOSAL_FIELDS.items()
        if getattr(old, key) != getattr(new, key)
    )


SIMILAR = 0.6  # texts at least this similar are taken for the same line, reworded


def _similarity(a: str, b: str) -> float:
    """How alike two line texts are (0..1); one containing the other counts as alike."""
    a, b = a.casefold().strip(), b.casefold().strip()
    if a and b and (a in b or b in a):
        return 1.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def match_lines(years: Sequence[int], old: Sequence[Line], new: Sequence[Line]) -> tuple[LineChange, ...]:
    """Pair lines by text (in order, for repeated texts), then reworded lines by similar
    text, then the rest by position (same index before and after).

    Lines left over are added or removed. The result follows the new order, with removed
    lines after the line that stood before them.
    """
    pairs: dict[int, int] = {}  # new index → old index
    free_old = list(range(len(old)))
    for j, line in enumerate(new):
        i = next((i for i in free_old if old[i].text == line.text), None)
        if i is not None:
            pairs[j] = i
            free_old.remove(i)
    candidates = sorted(
        ((-_similarity(old[i].text, new[j].text), j, i)
         for j in range(len(new)) if j not in pairs for i in free_old),
    )
    for score, j, i in candidates:
        if -score < SIMILAR or j in pairs or i not in free_old:
            continue
        pairs[j] = i
        free_old.remove(i)
    for j in range(len(new)):
        if j not in pairs and j in free_old:
            pairs[j] = j
            free_old.remove(j)
    result: list[tuple[float, LineChange]] = []
    for j, line in enumerate(new):
        if j in pairs:
            i = pairs[j]
            before = old[i]
            fields = tuple(
                FieldChange(key, label, getattr(before, key), getattr(line, key))
                for key, label in (("group", "Gruppe"), ("area", "Styringsområde"))
                if getattr(before, key) != getattr(line, key)
            )
            amounts = Delta.of_amounts(years, before.amounts, line.amounts)
            renamed = before.text != line.text
            kind = "changed" if (amounts.changed or fields or renamed) else "unchanged"
            result.append((j, LineChange(kind, line.text, line.group, line.area, amounts,
                                         before.text if renamed else None, fields, i, j)))
        else:
            result.append((j, LineChange("added", line.text, line.group, line.area,
                                         Delta.of_amounts(years, None, line.amounts),
                                         index_after=j)))
    for i in free_old:
        line = old[i]
        result.append((i + 0.5, LineChange("removed", line.text, line.group, line.area,
                                           Delta.of_amounts(years, line.amounts, None),
                                           index_before=i)))
    return tuple(change for _, change in sorted(result, key=lambda r: r[0]))


def _theme_changes(years: tuple[int, ...], old: Catalogue, old_totals: Totals, new: Catalogue,
                   new_totals: Totals) -> tuple[ThemeChange, ...]:
    old_themes = {t.id: t for t in old.themes}
    new_themes = {t.id: t for t in new.themes}
    result = []
    for tid in list(new_themes) + [t for t in old_themes if t not in new_themes]:
        before, after = old_themes.get(tid), new_themes.get(tid)
        total = Delta.of(years, old_totals.themes[tid].total if before else None,
                         new_totals.themes[tid].total if after else None,
                         (unknown_sources(old, old_totals, tid) if before else {},
                          unknown_sources(new, new_totals, tid) if after else {}))
        some = after or before
        assert some is not None
        fields: tuple[FieldChange, ...] = ()
        if before and after:
            fields = _theme_fields(before, after)
            kind = "changed" if fields or total.changed else "unchanged"
        else:
            kind = "added" if after else "removed"
        result.append(ThemeChange(tid, some.number, some.title, kind, total, fields))
    return tuple(result)


_THEME_FIELDS = {f.name: f.label for f in F.THEME if f.diff and f.key != "id"}


def _theme_fields(old: Theme, new: Theme) -> tuple[FieldChange, ...]:
    fields = [FieldChange(key, label, _plain(getattr(old, key)), _plain(getattr(new, key)))
              for key, label in _THEME_FIELDS.items()
              if getattr(old, key) != getattr(new, key)]
    if old.body.strip() != new.body.strip():
        fields.append(FieldChange("body", "Tekst", old.body, new.body))
    return tuple(fields)


_SETTINGS_FIELDS = {f.name: f.label for f in F.CATALOGUE if f.diff}


def _settings_changes(old: Settings, new: Settings) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(key, label, _plain(getattr(old, key)), _plain(getattr(new, key)))
        for key, label in _SETTINGS_FIELDS.items()
        if _plain(getattr(old, key)) != _plain(getattr(new, key))
    )


def _plain(value: Any) -> Any:
    """Model values as JSON-friendly plain data (Decimals stay exact), as the writer wrote
    them: an allocation `nøgle` or `{SOF: 60}`, a range `{low, high}`."""
    if value is UNKNOWN:
        return "?"
    if isinstance(value, Allocation):
        return _plain_allocation(value)
    if isinstance(value, Range):
        return {"low": value.low, "high": value.high}
    if isinstance(value, dict) or hasattr(value, "items"):
        return {(str(k) if isinstance(k, int) else k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__
                if k not in ("locs", "loc")}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _plain_allocation(a: Allocation) -> Any:
    if a.start is None and a.amounts is None:
        return ALLOCATION_KEY if a.key else _plain(a.shares or {})
    out: dict[str, Any] = {}
    if a.key or a.shares is not None:
        out["shares"] = ALLOCATION_KEY if a.key else _plain(a.shares or {})
    if a.amounts is not None:
        out["amounts"] = _plain(a.amounts)
    if a.start is not None:
        out["from"] = a.start
    return out


# -- word diff --------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|[^\w\s]")


class _Tokens:
    """A text's words and punctuation marks, with their places in the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = [m.span() for m in _TOKEN.finditer(text)]
        self.words = [text[a:b] for a, b in self.spans]

    def piece(self, i1: int, i2: int) -> str:
        """Tokens i1..i2 as written (inner spacing collapsed), with one leading space when
        the text has whitespace before them."""
        if i1 >= i2:
            return ""
        start, end = self.spans[i1][0], self.spans[i2 - 1][1]
        inner = " ".join(self.text[start:end].split())
        return (" " if start > 0 and self.text[start - 1].isspace() else "") + inner


def word_diff(before: str, after: str, context: int = CONTEXT_WORDS) -> WordDiff:
    """A word-level diff of two texts, with long unchanged stretches shortened to `…`.

    Pieces are `(op, text)`; a piece's text starts with a space when a space stands before
    it in the text, so concatenating the pieces of one side gives back its (spacing-
    normalised) text. Punctuation is its own token: "samles." → "samles i ét hus." is the
    insertion of " i ét hus".
    """
    a, b = _Tokens(before), _Tokens(after)
    pieces: list[tuple[str, str]] = []
    opcodes = difflib.SequenceMatcher(None, a.words, b.words, autojunk=False).get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            first, last = n == 0, n == len(opcodes) - 1
            keep_head = 0 if first else context
            keep_tail = 0 if last else context
            if i2 - i1 <= keep_head + keep_tail or (first and last):
                pieces.append(("=", a.piece(i1, i2)))
                continue
            if keep_head:
                pieces.append(("=", a.piece(i1, i1 + keep_head)))
            pieces.append(("…", " …"))
            if keep_tail:
                pieces.append(("=", a.piece(i2 - keep_tail, i2)))
            continue
        if tag in ("replace", "delete"):
            pieces.append(("-", a.piece(i1, i2)))
        if tag in ("replace", "insert"):
            pieces.append(("+", b.piece(j1, j2)))
    if pieces:
        op, text = pieces[0]
        pieces[0] = (op, text.lstrip())
    return WordDiff(before, after, tuple(pieces))


# -- sources: git revisions or two folders ----------------------------------------------------

WORKTREE_LABEL = "arbejdskopien"


def diff_revisions(base: str, head: str | None = None, content: str = "content",
                   cwd: str | None = None) -> Diff:
    """Compare the content folder of two git revisions (HEAD None = the working tree).

    Raises `gitsource.GitError` (a usage error) when there is no repository, a revision is
    unknown or the content folder is missing.
    """
    from pathlib import Path

    from . import gitsource
    from .folder import read_folder
    from .pipeline import check_files

    repo = gitsource.toplevel(cwd or ".")
    rel = gitsource.content_path(repo, content, Path(cwd) if cwd else None)
    label = rel or "."
    base_files = gitsource.read_revision(repo, base, rel)
    if head is None:
        folder = repo / rel
        if not folder.is_dir():
            raise gitsource.GitError(f"indholdsmappen '{rel}' findes ikke i arbejdskopien")
        head_files: Any = read_folder(folder)
    else:
        head_files = gitsource.read_revision(repo, head, rel)
    cache = _documents(repo / rel)
    base_checked = check_files(base_files, label, read=cache.read)
    head_checked = check_files(head_files, label, read=cache.read)
    cache.save()
    return diff(base_checked, head_checked, base, head or WORKTREE_LABEL, label, label)


def shared_reader() -> Any:
    """A `read_document` that parses each distinct file (its bytes) once, so the files
    two revisions or folders have in common are parsed once: the content cache
    (`katalog.content_cache.DocumentCache`), in memory (a file met again under another path
    gets its own path)."""
    from .content_cache import DocumentCache

    return DocumentCache().read


def _documents(near: Any) -> Any:
    """The content cache beside the folder `near` (the one `katalog check` of it uses), so a
    diff parses only the files no earlier check or diff has parsed; in memory only when
    KATALOG_NO_CACHE is set. Either way a file both sides have is parsed once."""
    from .cache import caching_enabled
    from .content_cache import DocumentCache

    return DocumentCache.beside(near) if caching_enabled() else DocumentCache()


def diff_folders(old: str, new: str) -> Diff:
    """Compare two content folders on disk (content that arrived by e-mail)."""
    import os
    from pathlib import Path

    from .folder import read_folder
    from .pipeline import check_files

    old_root, new_root = os.fspath(Path(old)), os.fspath(Path(new))
    cache = _documents(Path(new))  # the files both folders have are parsed once
    old_checked = check_files(read_folder(Path(old)), old_root, read=cache.read)
    new_checked = check_files(read_folder(Path(new)), new_root, read=cache.read)
    cache.save()
    return diff(old_checked, new_checked, str(old), str(new), old_root, new_root)
