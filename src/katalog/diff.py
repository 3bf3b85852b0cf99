"""What changed between two checked catalogues, as data (`katalog diff`).

`compare()` takes two valid `Checked` catalogues and returns `Changes`: proposals added,
removed, renamed (same id, other file), moved to another theme, status changes (and whether
that changes what counts), each economic line's amounts before → after per year, summaries
and bodies as a short word-level diff, theme totals, the grand total, target and difference,
and the catalogue settings. `diff()` wraps it for revisions that may be invalid: their
problems are carried instead of changes. Renderers in `render/diff.py` show the result.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping, Sequence

from .compute import Series, Totals
from .issues import Issue, Severity
from .model import UNKNOWN, Amount, Catalogue, Line, Proposal, Settings, Theme
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
    before_known: Decimal | None = None
    after_known: Decimal | None = None
    same_unknowns: bool | None = None  # None: not tracked (two "?" count as unchanged)

    @property
    def change(self) -> Amount | None:
        """after − before (a missing amount counts as 0); UNKNOWN when a `"?"` makes it so."""
        if self.before is None and self.after is None:
            return None
        if self.before is UNKNOWN or self.after is UNKNOWN:
            if self.before is UNKNOWN and self.after is UNKNOWN and self.same_unknowns:
                return (self.after_known or Decimal(0)) - (self.before_known or Decimal(0))
            return UNKNOWN
        before = self.before if isinstance(self.before, Decimal) else Decimal(0)
        after = self.after if isinstance(self.after, Decimal) else Decimal(0)
        return after - before

    @property
    def changed(self) -> bool:
        if self.before is UNKNOWN and self.after is UNKNOWN and self.same_unknowns is not None:
            return not self.same_unknowns or self.before_known != self.after_known
        return self.before != self.after


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

    @property
    def empty(self) -> bool:
        return not (self.settings or self.proposals or any(t.changed for t in self.themes)
                    or self.total.changed or self.target.changed or self.difference.changed)

    @property
    def money_changed(self) -> bool:
        return (self.total.changed or self.target.changed or self.difference.changed
                or any(t.total.changed for t in self.themes))


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
    )


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
    common = dict(
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
    )
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
        return ProposalChange(kind=kind, lines=lines, **common)  # type: ignore[arg-type]
    lines = match_lines(years, old.lines, new.lines)
    fields = _proposal_fields(old, new)
    summary = word_diff(old.summary, new.summary) if old.summary != new.summary else None
    body = word_diff(old.body, new.body) if old.body.strip() != new.body.strip() else None
    change = ProposalChange(kind="changed", lines=lines, fields=fields, summary=summary, body=body,
                            **common)  # type: ignore[arg-type]
    if (change.renamed or change.moved or change.status_changed or fields or summary or body
            or any(line.kind != "unchanged" for line in lines) or total.changed
            or counted.changed):
        return change
    return None


_PROPOSAL_FIELDS = {
    "title": "Titel",
    "department": "Forvaltning",
    "kind": "Type",
    "tags": "Emneord",
    "allocation": "Fordeling",
    "fte": "Årsværk",
    "declared_totals": "Angivne totaler",
    "consulted": "Hvem er hørt",
    "hearing": "Høringssvar",
    "followup": "Opfølgning",
}


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


def _theme_fields(old: Theme, new: Theme) -> tuple[FieldChange, ...]:
    fields = [FieldChange(key, label, getattr(old, key), getattr(new, key))
              for key, label in (("number", "Nummer"), ("title", "Titel"),
                                 ("merged_into", "Lagt sammen med"))
              if getattr(old, key) != getattr(new, key)]
    if old.body.strip() != new.body.strip():
        fields.append(FieldChange("body", "Tekst", old.body, new.body))
    return tuple(fields)


_SETTINGS_FIELDS = {
    "title": "Titel",
    "subtitle": "Undertitel",
    "organisation": "Organisation",
    "years": "År",
    "price_level": "Prisniveau",
    "unit": "Enhed",
    "savings_sign": "Fortegn for besparelser",
    "average_salary": "Gennemsnitsløn",
    "targets": "Mål",
    "target_basis": "Målgrundlag",
    "counted_statuses": "Statusser der tæller med",
    "departments": "Forvaltninger",
    "declared_totals": "Angivne totaler",
    "date": "Dato",
    "percent_sign": "Procenttegn",
}


def _settings_changes(old: Settings, new: Settings) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(key, label, _plain(getattr(old, key)), _plain(getattr(new, key)))
        for key, label in _SETTINGS_FIELDS.items()
        if _plain(getattr(old, key)) != _plain(getattr(new, key))
    )


def _plain(value: Any) -> Any:
    """Model values as JSON-friendly plain data (Decimals stay exact)."""
    if value is UNKNOWN:
        return "?"
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
    read = shared_reader()
    return diff(check_files(base_files, label, read=read), check_files(head_files, label, read=read),
                base, head or WORKTREE_LABEL, label, label)


def shared_reader() -> Any:
    """A `read_document` that parses each distinct file (its bytes) once, so the files
    two revisions or folders have in common are parsed once: the content cache
    (`katalog.content_cache.DocumentCache`), in memory (a file met again under another path
    gets its own path)."""
    from .content_cache import DocumentCache

    return DocumentCache().read


def diff_folders(old: str, new: str) -> Diff:
    """Compare two content folders on disk (content that arrived by e-mail)."""
    import os
    from pathlib import Path

    from .folder import read_folder
    from .pipeline import check_files

    old_root, new_root = os.fspath(Path(old)), os.fspath(Path(new))
    read = shared_reader()  # the files both folders have are parsed once
    return diff(check_files(read_folder(Path(old)), old_root, read=read),
                check_files(read_folder(Path(new)), new_root, read=read),
                str(old), str(new), old_root, new_root)
