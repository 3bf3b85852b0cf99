"""`katalog diff` output: coloured terminal text (rich), Markdown for a pull-request comment
(template `templates/diff/comment.md.j2`) and JSON (documented in the README).

All three start from the same presentation data built here (`money_rows`, `proposal_items`),
with every number formatted once through `katalog.numbers`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table as RichTable
from rich.text import Text

from ..diff import (
    BudgetChange,
    Changes,
    DecisionChange,
    Delta,
    Diff,
    FieldChange,
    LineChange,
    ProposalChange,
    RealisationChange,
    Side,
    WordDiff,
    YearChange,
)
from ..issues import Issue
from ..labels import labels_for
from ..model import UNKNOWN, Range
from ..numbers import format_exact, format_partial, unit_label
from .templates import TemplateSet
from .totals import dumps
from .view import AREA_LABELS, STATUS_LABELS, date_text

JSON_SCHEMA_VERSION = 1
KIND_LABELS = {"added": "nyt", "removed": "fjernet", "changed": "ændret", "unchanged": "uændret"}
LINE_MARKS = {"added": "+", "removed": "-", "changed": "~", "unchanged": " "}
GROUP_SHORT = {"varig": "varig", "engang": "engang"}


# -- shared presentation ----------------------------------------------------------------------


def fmt(value: Any) -> str:
    """An amount: Danish digits, `-` for none, `?` for unknown."""
    return format_exact(value)


def fmt_change(value: Any) -> str:
    """A change with its sign always shown: `+600`, `-600`, `0`; a range `+0,5–+1`."""
    if isinstance(value, Range):
        return f"{fmt_change(value.low)}–{fmt_change(value.high)}"
    if isinstance(value, Decimal) and value > 0:
        return "+" + format_exact(value)
    return format_exact(value)


def fmt_side(y: YearChange, side: str, sign: str = "+") -> str:
    """One side of a year: an incomplete total with its known part, `-46.500 + ?` (a
    difference `1.500 − ?`); a range `3,5–5,5`."""
    value = getattr(y, side)
    if value is UNKNOWN:
        return format_partial(getattr(y, f"{side}_known"), None, sign)
    return fmt(value)


def year_cell(y: YearChange) -> str:
    """`-3.000 → -3.600 (-600)` when the year changed, else the unchanged amount."""
    if not y.changed:
        return fmt_side(y, "after")
    return f"{fmt_side(y, 'before')} → {fmt_side(y, 'after')} ({fmt_change(y.change)})"


@dataclass(frozen=True)
class MoneyRow:
    """One entity of the money summary: label, and before/after/change cells per year."""

    label: str
    kind: str  # theme, total, target, difference
    before: tuple[str, ...]
    after: tuple[str, ...]
    change: tuple[str, ...]
    changed: bool
    year_changed: tuple[bool, ...] = ()


def _money_row(label: str, kind: str, delta: Delta) -> MoneyRow:
    sign = "-" if kind == "difference" else "+"
    return MoneyRow(
        label, kind,
        tuple(fmt_side(y, "before", sign) for y in delta.years),
        tuple(fmt_side(y, "after", sign) for y in delta.years),
        tuple(fmt_change(y.change) if y.changed
              else "0" if isinstance(y.change, Decimal) else fmt_side(y, "after", sign)
              for y in delta.years),
        delta.changed,
        tuple(y.changed for y in delta.years),
    )


def money_rows(changes: Changes, all_themes: bool = False) -> list[MoneyRow]:
    """Themes whose total changed (or all), then I alt, Mål and Difference til mål, then the
    departments whose part (after allocation) changed."""
    labels = labels_for(changes.after)
    rows = []
    for t in changes.themes:
        if all_themes or t.total.changed or t.kind in ("added", "removed"):
            suffix = {"added": " (nyt tema)", "removed": " (fjernet tema)"}.get(t.kind, "")
            rows.append(_money_row(f"{labels['theme']} {t.number}. {t.title}{suffix}", "theme",
                                   t.total))
    rows.append(_money_row(labels["total"], "total", changes.total))
    if not changes.target.empty:
        rows.append(_money_row(labels["target"], "target", changes.target))
        rows.append(_money_row(labels["difference"], "difference", changes.difference))
    names = {d.code: d.name for s in (changes.before, changes.after) for d in s.departments}
    for code, delta in changes.allocated.items():
        if delta.changed:
            rows.append(_money_row(f"{labels['allocation_head']} {names.get(code, code)}",
                                   "department", delta))
    return rows + budget_rows(changes)


def budget_rows(changes: Changes) -> list[MoneyRow]:
    """The budget year's totals (SPEC §8) that changed: Vedtaget i alt and its difference
    to the target, Forventet i alt, the gap and the difference after the expected
    realisation."""
    b = changes.budget
    if b is None:
        return []
    labels = labels_for(changes.after)
    rows = [_money_row(labels["adopted_total"], "total", b.adopted),
            _money_row(f"{labels['difference']}, {labels['adopted'].lower()}", "difference",
                       b.adopted_difference)]
    if b.revision_before or b.revision_after:  # followed up on either side
        rows += [_money_row(labels["expected_total"], "total", b.expected),
                 _money_row(labels["gap_total"], "gap", b.gap),
                 _money_row(labels["expected_difference"], "difference",
                            b.expected_difference)]
    return [row for row in rows if row.changed]


def unit_text(changes: Changes) -> str:
    s = changes.after
    return f"{unit_label(s.unit, s.price_level)}. {labels_for(s)['sign_note']}"


def _theme_name(changes: Changes, theme_id: str | None) -> str:
    t = next((t for t in changes.themes if t.id == theme_id), None)
    return f"tema {t.number}. {t.title}" if t else f"tema {theme_id}"


def _status(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", status or "-").lower()


def notes(changes: Changes, p: ProposalChange) -> list[str]:
    """One-line Danish facts about what happened to a proposal (file, theme, status)."""
    out = []
    if p.kind == "added":
        out.append(f"Nyt forslag i {_theme_name(changes, p.theme_after)} ({p.path_after}), "
                   f"status {_status(p.status_after)}"
                   + ("" if p.counted_after else ", tæller ikke med i totalerne"))
    elif p.kind == "removed":
        out.append(f"Fjernet fra {_theme_name(changes, p.theme_before)} ({p.path_before})"
                   + ("" if p.counted_before else "; talte ikke med i totalerne"))
    if p.renamed:
        out.append(f"Fil omdøbt: {p.path_before} → {p.path_after}")
    if p.moved:
        out.append(f"Flyttet fra {_theme_name(changes, p.theme_before)} til "
                   f"{_theme_name(changes, p.theme_after)}")
    if p.status_changed:
        note = f"Status: {_status(p.status_before)} → {_status(p.status_after)}"
        if p.counted_before and not p.counted_after:
            note += " (tæller ikke længere med i totalerne)"
        elif p.counted_after and not p.counted_before:
            note += " (tæller nu med i totalerne)"
        out.append(note)
    elif p.kind == "changed" and p.counting_changed:
        why = ("et andet alternativ er valgt" if not p.counted_after else "valgt blandt "
               "alternativerne") if (p.alternative_before or p.alternative_after) else \
            "statusserne der tæller med er ændret"
        out.append(f"Tæller nu med i totalerne ({why})" if p.counted_after else
                   f"Tæller ikke længere med i totalerne ({why})")
    for f in p.fields:
        out.append(f"{f.label}: {_field_value(f.before)} → {_field_value(f.after)}")
    if p.decision is not None:
        out += decision_notes(p.decision)
    if p.realisation is not None:
        out += realisation_notes(p.realisation)
    return out


# -- the budget year (SPEC §8) ----------------------------------------------------------------

OUTCOME_WORDS = {"vedtaget": "vedtaget", "forkastet": "forkastet", "udskudt": "udskudt",
                 "ingen": "ingen afgørelse"}
LIGHT_WORDS = {"grøn": "grøn", "gul": "gul", "rød": "rød", None: "ikke vurderet"}


def outcome_text(outcome: str, changed: bool) -> str:
    """`vedtaget`, `vedtaget med ændring`, `forkastet`, `udskudt`, `ingen afgørelse`."""
    return "vedtaget med ændring" if outcome == "vedtaget" and changed \
        else OUTCOME_WORDS.get(outcome, outcome)


def _where(decision: Any) -> str:
    if decision is None:
        return ""
    parts = [x for x in (date_text(decision.date), decision.reference) if x]
    return f" ({', '.join(parts)})" if parts else ""


def decision_notes(d: DecisionChange) -> list[str]:
    """`Afgørelse: ny – vedtaget med ændring (8. oktober 2026, Byrådet …)`, or
    `Afgørelse: udskudt → vedtaget`, and date/reference/note changes."""
    after = outcome_text(d.outcome_after, d.changed_after)
    if d.kind == "added":
        out = [f"Afgørelse: ny – {after}{_where(d.after)}"]
    elif d.kind == "removed":
        out = [f"Afgørelse fjernet (var {outcome_text(d.outcome_before, d.changed_before)})"]
    else:
        before = outcome_text(d.outcome_before, d.changed_before)
        out = [f"Afgørelse: {before} → {after}{_where(d.after)}" if before != after
               else f"Afgørelse: {after} (vedtagne beløb ændret)" if d.adopted.changed
               else f"Afgørelse: {after}"]
    out += [f"{f.label} (afgørelse): {_field_value(f.before)} → {_field_value(f.after)}"
            for f in d.fields]
    return out


def realisation_notes(r: RealisationChange) -> list[str]:
    """`Budgetopfølgning: BO1 2027 → BO2 2027, status gul → rød`, corrections of earlier
    revisions, and removed ones."""
    light = (f"status {LIGHT_WORDS[r.status_before]} → {LIGHT_WORDS[r.status_after]}"
             if r.status_changed else f"status {LIGHT_WORDS[r.status_after]} (uændret)")
    if r.revision_before == r.revision_after:
        head = f"Budgetopfølgning {r.revision_after} rettet" if r.revision_after \
            else "Budgetopfølgning fjernet"
    elif r.revision_before is None:
        head = f"Budgetopfølgning: første, {r.revision_after}"
    else:
        head = f"Budgetopfølgning: {r.revision_before} → {r.revision_after or '-'}"
    out = [f"{head}, {light}"]
    if r.edited:
        out.append(f"Tidligere budgetopfølgning rettet: {', '.join(r.edited)}")
    if r.removed:
        out.append(f"Budgetopfølgning fjernet: {', '.join(r.removed)}")
    return out


def budget_lines(p: ProposalChange) -> list[tuple[str, Delta]]:
    """Rows for a proposal's table: Vedtaget, Forventet and Afvigelse when they changed."""
    rows: list[tuple[str, Delta]] = []
    if p.decision is not None and p.decision.adopted.changed:
        rows.append(("Vedtaget", p.decision.adopted))
    if p.realisation is not None:
        if p.realisation.expected.changed:
            rows.append((f"Forventet ({p.realisation.revision_after or '-'})",
                         p.realisation.expected))
        if p.realisation.gap.changed:
            rows.append(("Afvigelse (forventet − vedtaget)", p.realisation.gap))
    return rows


def followup_lines(changes: Changes) -> list[str]:
    """One line per proposal whose current expectation moved, as a budget office writes it:
    `BO2 2027: ADM-01 2027 forventet -3.000 → -2.000, status gul → rød`; then how many were
    assessed green as adopted for the first time, and how many were confirmed unchanged."""
    out = []
    first_green: dict[str, int] = {}
    confirmed: dict[str, int] = {}
    for p in changes.proposals:
        r = p.realisation
        if r is None or r.revision_after is None:
            continue
        parts = [f"{y.year} forventet {fmt_side(y, 'before')} → {fmt_side(y, 'after')}"
                 for y in r.expected.years if y.changed]
        green_as_adopted = r.status_before is None and r.status_after == "grøn" and not parts
        if r.status_changed and not green_as_adopted:
            parts.append(f"status {LIGHT_WORDS[r.status_before]} → "
                         f"{LIGHT_WORDS[r.status_after]}")
        if parts:
            out.append(f"{r.revision_after}: {p.id} {', '.join(parts)}")
        elif green_as_adopted:
            first_green[r.revision_after] = first_green.get(r.revision_after, 0) + 1
        elif r.revision_before != r.revision_after:
            confirmed[r.revision_after] = confirmed.get(r.revision_after, 0) + 1
    out += [f"{revision}: {n} forslag vurderet grønne (som vedtaget)"
            for revision, n in first_green.items()]
    out += [f"{revision}: {n} forslag uændret" for revision, n in confirmed.items()]
    return out


def decision_lines(changes: Changes) -> list[str]:
    """The council's decisions in this change, grouped: adopted as proposed (ids), adopted
    with a change (each with its changed years: proposed → adopted), rejected, postponed, and
    outcomes that changed."""
    groups: dict[str, list[str]] = {}
    lines: list[str] = []
    for p in changes.proposals:
        d = p.decision
        if d is None:
            continue
        after = outcome_text(d.outcome_after, d.changed_after)
        if d.kind == "added" and d.changed_after:
            moved = [f"{a.year}: {fmt(a.after)} → {fmt(b.after)}"
                     for a, b in zip(p.total.years, d.adopted.years) if a.after != b.after]
            lines.append(f"{p.id} {after}{_where(d.after)}: {', '.join(moved)}")
        elif d.kind == "added":
            groups.setdefault(after, []).append(p.id)
        else:
            lines.append(f"{p.id}: {notes_of_decision(d)}")
    heads = [f"{'Vedtaget som foreslået' if outcome == 'vedtaget' else outcome.capitalize()} "
             f"({len(ids)}): {', '.join(ids)}" for outcome, ids in groups.items()]
    return heads + lines


def budget_sections(changes: Changes) -> list[tuple[str, list[str]]]:
    """(heading, lines) for the decisions and the follow-up in this change, when any."""
    out = []
    decided = decision_lines(changes)
    if decided:
        out.append(("Byrådets afgørelser", decided))
    followed = followup_lines(changes)
    if followed:
        out.append(("Budgetopfølgning", followed))
    return out


def notes_of_decision(d: DecisionChange) -> str:
    return decision_notes(d)[0].removeprefix("Afgørelse: ")


def _field_value(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, list):
        return ", ".join(_field_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_field_value(v)}" for k, v in value.items())
    return str(value)


def setting_text(f: FieldChange) -> str:
    return f"{f.label}: {_field_value(f.before)} → {_field_value(f.after)}"


def line_label(line: LineChange) -> str:
    label = line.text
    if line.text_before is not None:
        label = f"{line.text_before} → {line.text}"
    return f"{label} ({GROUP_SHORT.get(line.group, line.group)}, " \
           f"{AREA_LABELS.get(line.area, line.area).lower()})"


def line_notes(line: LineChange) -> list[str]:
    return [f"{f.label}: {f.before} → {f.after}" for f in line.fields]


def summary_counts(changes: Changes) -> str:
    counts = {k: sum(1 for p in changes.proposals if p.kind == k)
              for k in ("added", "removed", "changed")}
    words = [(counts["added"], "nyt", "nye"), (counts["removed"], "fjernet", "fjernede"),
             (counts["changed"], "ændret", "ændrede")]
    parts = [f"{n} {one if n == 1 else many}" for n, one, many in words if n]
    return "Forslag: " + (", ".join(parts) if parts else "ingen ændringer") + "."


# -- text (terminal) --------------------------------------------------------------------------


def _split_space(text: str, op: str = "", previous: str = "") -> tuple[str, str]:
    """(leading space, rest); an insertion right after a deletion is set off by a space."""
    stripped = text.lstrip()
    space = text[: len(text) - len(stripped)]
    if op == "+" and previous == "-" and not space:
        space = " "
    return space, stripped


def _word_text(wd: WordDiff) -> Text:
    text = Text()
    previous = ""
    for op, words in wd.pieces:
        space, words = _split_space(words, op, previous)
        previous = op
        text.append(space)
        if op == "-":
            text.append(f"[-{words}-]", style="red strike")
        elif op == "+":
            text.append(f"{{+{words}+}}", style="green")
        elif op == "…":
            text.append("…", style="dim")
        else:
            text.append(words)
    return text


def _issues_text(side: Side) -> Text:
    text = Text()
    errors = side.errors
    text.append(f"{side.label} er ikke gyldig ({len(errors)} fejl):\n", style="bold red")
    for issue in errors:
        text.append(f"  {issue.format()}\n")
    return text


def _money_table(changes: Changes) -> RichTable:
    table = RichTable(title="Økonomisk virkning", caption=unit_text(changes),
                      title_justify="left", caption_justify="left")
    table.add_column("")
    table.add_column("")
    for y in changes.years:
        table.add_column(str(y), justify="right")
    for row in money_rows(changes):
        if row.kind == "total":
            table.add_section()
        bold = "bold" if row.kind in ("total", "difference") else None
        table.add_row(row.label, "Før", *row.before, style=bold)
        table.add_row("", "Efter", *row.after, style=bold)
        style = "yellow" if row.changed else "dim"
        table.add_row("", "Ændring", *row.change, style=style, end_section=True)
    return table


def _proposal_text(changes: Changes, p: ProposalChange) -> RenderableType:
    mark, colour = {"added": ("+", "green"), "removed": ("-", "red"),
                    "changed": ("~", "yellow")}[p.kind]
    head = Text()
    head.append(f"{mark} {p.id} ", style=f"bold {colour}")
    head.append(p.title, style="bold")
    head.append(f" ({KIND_LABELS[p.kind]})", style=colour)
    parts: list[RenderableType] = [head]
    for note in notes(changes, p):
        parts.append(Text(f"  {note}"))
    shown = [line for line in p.lines if line.kind != "unchanged"]
    extra = budget_lines(p)
    if shown or extra:
        table = RichTable(box=None, show_header=True, padding=(0, 1), pad_edge=False)
        table.add_column("  Linje")
        for y in changes.years:
            table.add_column(str(y), justify="right")
        for line in shown:
            style = {"added": "green", "removed": "red"}.get(line.kind)
            label = f"  {LINE_MARKS[line.kind]} {line_label(line)}"
            for n in line_notes(line):
                label += f"; {n}"
            table.add_row(label, *(year_cell(y) for y in line.amounts.years), style=style)
        if p.kind == "changed" and p.total.changed:
            table.add_row("  Forslagets total", *(year_cell(y) for y in p.total.years),
                          style="bold")
        for label, delta in extra:
            table.add_row(f"  {label}", *(year_cell(y) for y in delta.years), style="cyan")
        parts.append(table)
    r = p.realisation
    if r is not None and r.comment is not None:
        parts.append(Text(f"  Kommentar ({r.revision_after}), rettet: ")
                     .append_text(_word_text(r.comment)))
    elif r is not None and r.comment_new.strip():
        parts.append(Text(f"  Kommentar ({r.revision_after}): {' '.join(r.comment_new.split())}"))
    if p.summary:
        parts.append(Text("  Resumé: ").append_text(_word_text(p.summary)))
    if p.body:
        parts.append(Text("  Tekst: ").append_text(_word_text(p.body)))
    return Group(*parts)


def print_text(d: Diff, console: Console) -> None:
    """The diff for a terminal: money summary first, then settings and proposals."""
    console.print(Text(f"katalog diff: {d.base.label} → {d.head.label}", style="bold"))
    if d.changes is None:
        for side in (d.base, d.head):
            if not side.ok:
                console.print(_issues_text(side))
        return
    c = d.changes
    if c.empty:
        console.print("Ingen ændringer i kataloget.")
        return
    if c.money_changed:
        console.print(_money_table(c))
    else:
        console.print("Ingen ændringer i totalerne.")
    for title, lines in budget_sections(c):
        console.print(Text(title, style="bold"))
        for line in lines:
            console.print(Text(f"  {line}"))
    if c.settings:
        console.print(Text("Indstillinger (catalogue.yaml)", style="bold"))
        for f in c.settings:
            console.print(Text(f"  {setting_text(f)}"))
    themes = [t for t in c.themes if t.fields or t.kind in ("added", "removed")]
    if themes:
        console.print(Text("Temaer", style="bold"))
        for t in themes:
            what = {"added": "nyt tema", "removed": "fjernet tema"}.get(t.kind, "ændret")
            console.print(Text(f"  Tema {t.number}. {t.title} ({what})"))
            for f in t.fields:
                if f.key != "body":
                    console.print(Text(f"    {setting_text(f)}"))
                else:
                    console.print(Text("    Tekst ændret"))
    console.print(Text(summary_counts(c), style="bold"))
    for p in c.proposals:
        console.print(Padding(_proposal_text(c, p), (0, 0, 0, 1)))


def to_text(d: Diff, width: int = 120, color: bool = False) -> str:
    """The text output as a string (for tests and files)."""
    console = Console(width=width, record=True, color_system="standard" if color else None,
                      file=_Null(), highlight=False)
    print_text(d, console)
    return console.export_text(styles=color)


class _Null(io.StringIO):
    """A text stream that keeps nothing (the console records what it prints)."""

    def write(self, _: str) -> int:
        return 0


# -- Markdown ---------------------------------------------------------------------------------


def _md(text: str) -> str:
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
            .replace("\n", " "))


def _md_words(wd: WordDiff) -> str:
    out = []
    previous = ""
    for op, words in wd.pieces:
        space, words = _split_space(words, op, previous)
        previous = op
        w = _md(words).replace("~", "\\~").replace("*", "\\*").replace("_", "\\_")
        if op == "-":
            out.append(f"{space}~~{w}~~")
        elif op == "+":
            out.append(f"{space}**{w}**")
        else:
            out.append(space + w)
    return "".join(out)


def _environment() -> Environment:
    dirs = TemplateSet.create().search_path("diff")
    env = Environment(loader=FileSystemLoader([str(d) for d in dirs]), autoescape=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["md"] = _md
    return env


def markdown_context(d: Diff) -> dict[str, Any]:
    """Everything the Markdown template shows, already formatted."""
    ctx: dict[str, Any] = {"base": d.base, "head": d.head, "changes": d.changes,
                           "base_label": _md(d.base.label), "head_label": _md(d.head.label)}
    ctx["invalid"] = [
        {"label": side.label, "errors": [i.format() for i in side.errors]}
        for side in (d.base, d.head) if not side.ok
    ]
    c = d.changes
    if c is None:
        return ctx
    ctx["years"] = [str(y) for y in c.years]
    ctx["unit"] = unit_text(c)
    ctx["money"] = money_rows(c)
    ctx["counts"] = summary_counts(c)
    ctx["settings"] = [setting_text(f) for f in c.settings]
    ctx["themes"] = [
        {"label": f"Tema {t.number}. {t.title}",
         "what": {"added": "nyt tema", "removed": "fjernet tema"}.get(t.kind, "ændret"),
         "fields": [setting_text(f) if f.key != "body" else "Tekst ændret" for f in t.fields]}
        for t in c.themes if t.fields or t.kind in ("added", "removed")
    ]
    ctx["budget"] = budget_sections(c)
    ctx["proposals"] = [_md_proposal(c, p) for p in c.proposals]
    return ctx


def _md_proposal(c: Changes, p: ProposalChange) -> dict[str, Any]:
    lines = [
        {"mark": LINE_MARKS[line.kind], "label": line_label(line),
         "notes": line_notes(line), "cells": [year_cell(y) for y in line.amounts.years],
         "raw": False}
        for line in p.lines if line.kind != "unchanged"
    ]
    if p.kind == "changed" and p.total.changed:
        lines.append({"mark": "", "label": "**Forslagets total**", "notes": [],
                      "cells": [year_cell(y) for y in p.total.years], "raw": True})
    lines += [{"mark": "", "label": f"*{_md(label)}*", "notes": [],
               "cells": [year_cell(y) for y in delta.years], "raw": True}
              for label, delta in budget_lines(p)]
    comment = ""
    r = p.realisation
    if r is not None and r.comment is not None:
        comment = "rettet: " + _md_words(r.comment)
    elif r is not None and r.comment_new.strip():
        comment = _md(" ".join(r.comment_new.split()))
    return {
        "id": p.id, "title": p.title, "kind": KIND_LABELS[p.kind], "notes": notes(c, p),
        "lines": lines,
        "summary": _md_words(p.summary) if p.summary else "",
        "body": _md_words(p.body) if p.body else "",
        "comment": comment,
        "revision": p.realisation.revision_after if p.realisation else "",
    }


def to_markdown(d: Diff) -> str:
    """Markdown for a pull-request comment: money summary table first, details folded."""
    return _environment().get_template("comment.md.j2").render(markdown_context(d))


# -- JSON -------------------------------------------------------------------------------------


def delta_json(delta: Delta) -> dict[str, Any]:
    """`{"before": {...}, "after": {...}, "change": {...}}` with string year keys; years
    with no amount are omitted, years with `"?"` are listed in `before_unknown` /
    `after_unknown` (and have no change)."""
    out: dict[str, Any] = {
        "before": {str(y.year): y.before for y in delta.years if isinstance(y.before, Decimal)},
        "after": {str(y.year): y.after for y in delta.years if isinstance(y.after, Decimal)},
        "change": {str(y.year): y.change for y in delta.years
                   if isinstance(y.change, Decimal) and y.changed},
    }
    for side in ("before", "after"):
        unknown = [str(y.year) for y in delta.years if getattr(y, side) is UNKNOWN]
        if unknown:
            out[f"{side}_unknown"] = unknown
        partial = {str(y.year): getattr(y, f"{side}_known") for y in delta.years
                   if getattr(y, side) is UNKNOWN
                   and isinstance(getattr(y, f"{side}_known"), Decimal)}
        if partial:
            out[f"{side}_partial"] = partial
        ranges = {str(y.year): _range(getattr(y, side)) for y in delta.years
                  if isinstance(getattr(y, side), Range)}
        ranges |= {str(y.year): _range(getattr(y, f"{side}_known")) for y in delta.years
                   if getattr(y, side) is UNKNOWN
                   and isinstance(getattr(y, f"{side}_known"), Range)}
        if ranges:
            out[f"{side}_ranges"] = ranges
    changes = {str(y.year): _range(y.change) for y in delta.years
               if isinstance(y.change, Range) and y.changed}
    if changes:
        out["change_ranges"] = changes
    return out


def _range(r: Any) -> dict[str, Decimal]:
    return {"low": r.low, "high": r.high}


def _fields_json(fields: Sequence[FieldChange]) -> list[dict[str, Any]]:
    return [{"key": f.key, "before": f.before, "after": f.after} for f in fields]


def _issue_json(i: Issue) -> dict[str, Any]:
    return {"path": i.path, "line": i.line, "column": i.col, "severity": i.severity.value,
            "code": i.code, "message": i.message}


def _words_json(wd: WordDiff | None) -> dict[str, Any] | None:
    if wd is None:
        return None
    return {"before": wd.before, "after": wd.after,
            "words": [{"op": op, "text": text} for op, text in wd.pieces]}


def diff_data(d: Diff) -> dict[str, Any]:
    """The `katalog diff --format json` document as plain data (Decimals for amounts)."""
    data: dict[str, Any] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "valid": d.ok,
        "base": {"label": d.base.label, "valid": d.base.ok,
                 "problems": [_issue_json(i) for i in d.base.issues]},
        "head": {"label": d.head.label, "valid": d.head.ok,
                 "problems": [_issue_json(i) for i in d.head.issues]},
    }
    c = d.changes
    if c is None:
        data["changes"] = None
        return data
    s = c.after
    data |= {"unit": s.unit, "price_level": s.price_level, "savings_sign": s.savings_sign,
             "years": list(c.years)}
    data["changes"] = {
        "empty": c.empty,
        "settings": _fields_json(c.settings),
        "themes": [
            {"id": t.id, "number": t.number, "title": t.title, "change": t.kind,
             "total": delta_json(t.total), "fields": _fields_json(
                 [f for f in t.fields if f.key != "body"]),
             "body_changed": any(f.key == "body" for f in t.fields)}
            for t in c.themes
        ],
        "proposals": [_proposal_json(p) for p in c.proposals],
        "total": delta_json(c.total),
        "target": delta_json(c.target),
        "difference": delta_json(c.difference),
    }
    if c.allocated:
        data["changes"]["allocated_by_department"] = {
            code: delta_json(d) for code, d in c.allocated.items()}
    if c.budget is not None:
        data["changes"] |= _budget_json(c.budget)
    return data


def _budget_json(b: BudgetChange) -> dict[str, Any]:
    """SPEC §8 in the diff: the budget year's totals before → after and the counts per
    traffic light (additive keys)."""
    return {
        "adopted_total": delta_json(b.adopted),
        "adopted_difference": delta_json(b.adopted_difference),
        "realisation_total": delta_json(b.expected),
        "realisation_gap": delta_json(b.gap),
        "realisation_difference": delta_json(b.expected_difference),
        "realisation_counts": {"before": b.counts_before, "after": b.counts_after},
        "revision": {"before": b.revision_before, "after": b.revision_after},
    }


def _decision_json(d: DecisionChange | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "change": d.kind,
        "outcome": {"before": d.outcome_before, "after": d.outcome_after},
        "adopted_changed": {"before": d.changed_before, "after": d.changed_after},
        "adopted": delta_json(d.adopted),
        "fields": _fields_json(d.fields),
        "reference": d.after.reference if d.after is not None else None,
        "date": d.after.date.isoformat() if d.after is not None and d.after.date else None,
    }


def _realisation_json(r: RealisationChange | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "revision": {"before": r.revision_before, "after": r.revision_after},
        "status": {"before": r.status_before, "after": r.status_after},
        "expected": delta_json(r.expected),
        "gap": delta_json(r.gap),
        "entries_added": list(r.added),
        "entries_removed": list(r.removed),
        "entries_edited": list(r.edited),
        "comment": _words_json(r.comment),
        "comment_new": r.comment_new or None,
    }


def _proposal_json(p: ProposalChange) -> dict[str, Any]:
    return {
        "id": p.id,
        "change": p.kind,
        "title": p.title,
        "path": {"before": p.path_before, "after": p.path_after},
        "theme": {"before": p.theme_before, "after": p.theme_after},
        "status": {"before": p.status_before, "after": p.status_after},
        "counted": {"before": p.counted_before, "after": p.counted_after},
        "renamed": p.renamed,
        "moved": p.moved,
        "total": delta_json(p.total),
        "counted_total": delta_json(p.counted_total),
        "lines": [
            {"change": line.kind, "text": line.text, "text_before": line.text_before,
             "group": line.group, "area": line.area, "amounts": delta_json(line.amounts),
             "fields": _fields_json(line.fields)}
            for line in p.lines if line.kind != "unchanged"
        ],
        "fields": _fields_json(p.fields),
        "summary": _words_json(p.summary),
        "body": _words_json(p.body),
        "decision": _decision_json(p.decision),
        "realisation": _realisation_json(p.realisation),
    }


def to_json(d: Diff) -> str:
    return dumps(diff_data(d))
