"""The budget year's documents in Word (SPEC §8), a planner: `budgetaftale.docx`
("Budgetaftale") and `opfoelgning.docx` ("Status på realisering"), each only when the
content has what it shows.

Made from the municipality's Word template (`templates/word/katalog.docx`, as the catalogue
is: its styles, headers and footers with {{titel}} and the other placeholders filled) with
the catalogue's table machinery (`tables`: real Word tables, repeated header rows,
right-aligned numbers in the "Tal" style) and Markdown through the same HTML walk
(`compose.markdown`). The content is `budget_docs`, as on the site and in the PDF; a traffic
light is its words with a mark whose shape and colour say it again (never colour alone).
Styles the template lacks are reported once as notices, as for the catalogue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Sequence

from ...compute import Totals
from ...markdown import plain_text, to_html
from ...model import Catalogue
from ..budget_docs import (
    AGREEMENT,
    FOLLOW_UP,
    LIGHT_COLOUR,
    LIGHT_MARK,
    Agreement,
    FollowUp,
    Light,
    ProposalFollowUp,
    agreement,
    follow_up,
    plain_kind,
    word,
)
from ..chart_status import STATUS_TITLE, StatusData
from ..html import danish_date
from ..plan import Artifact, Inputs, Job, Notice, Options, Plan, Then, Where, bundle, piece
from ..templates import TemplateSet
from ..view import Table
from . import TEMPLATES, TemplateError
from .compose import _picture, heading, markdown, para
from .context import Context
from .look import Image, png_size
from .ooxml import Element, el, paragraph, ppr, rpr, run
from .tables import AMOUNT_KINDS_BOLD, AMOUNT_KINDS_ITALIC, Cell, TRow, build_table, caption, note
from .template import WordTemplate

NOTE_TOP = 3  # headings inside a note or comment start at this level
CHAR_TWIPS = 90  # about one character of the "Tal" style (9 pt), in twips
CELL_PADDING = 200  # a cell's left and right margins



@dataclass(frozen=True)
class Chart:
    """The follow-up's realisation chart as a picture, and its alternative text."""

    image: Image
    alt: str


__all__ = ["Chart", "plan_budget_docx", "agreement_body", "follow_up_body", "make_docx"]


def plan_budget_docx(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """The budget year's Word documents (none before the first decision)."""
    a, f = agreement(cat, totals), follow_up(cat, totals)
    if a is None and f is None:
        return Plan()
    path = find_template(opts.templates)
    data = path.read_bytes()
    _template(data, path)  # a broken template fails here, before anything is made
    chart = _chart_job(cat, totals) if f is not None else None
    jobs = [Job(make_docx, (cat, totals, data, str(path), opts.date, stem),
                deps=(chart,) if chart is not None and stem == FOLLOW_UP else (),
                label=f"{stem}.docx")
            for stem, doc in ((AGREEMENT, a), (FOLLOW_UP, f)) if doc is not None]
    return Plan(tuple(Artifact(j.label, j, part=0) for j in jobs),
                Then(tuple(jobs), partial(_notices, str(path))))


def _chart_job(cat: Catalogue, totals: Totals) -> Job | None:
    """The realisation chart as a PNG (Pillow), drawn once in the pool and cached; None
    before the first budget revision."""
    from ..chart_status import status_data

    data = status_data(cat, totals)
    if data is None:
        return None
    return Job(_chart, (data,), key=("status.png", data), label="opfoelgning diagram",
               where=Where.POOL)


def _chart(data: StatusData) -> bytes:
    from ..chart_status import status_png

    return status_png(data)


def find_template(templates: TemplateSet) -> Path:
    path = next((d / name for d in templates.dirs for name in TEMPLATES
                 if (d / name).is_file()), None)
    if path is None:
        raise TemplateError(f"Word-skabelonen {TEMPLATES[0]} findes ikke")
    return path


_LOADED: dict[tuple[bytes, str], tuple[WordTemplate, list[str]]] = {}  # per process


def _template(data: bytes, path: Path) -> tuple[WordTemplate, list[str]]:
    """The template prepared once per process, and the warnings it has given so far."""
    key = (hashlib.sha256(data).digest(), str(path))
    if key not in _LOADED:
        messages: list[str] = []
        _LOADED.clear()
        _LOADED[key] = (WordTemplate.load(data, path, messages.append), messages)
    return _LOADED[key]


def make_docx(cat: Catalogue, totals: Totals, data: bytes, path: str, date: dt.date | None,
              stem: str, inputs: Inputs | None = None) -> bytes:
    """One document, bundled with the template warnings met while making it (JSON); the
    follow-up's `inputs` hold its realisation chart (PNG), when it has one."""
    template, messages = _template(data, Path(path))
    start = len(messages)
    s = cat.settings
    doc = agreement(cat, totals) if stem == AGREEMENT else follow_up(cat, totals)
    assert doc is not None
    chart = None
    if inputs is not None and len(inputs) and isinstance(doc, FollowUp):
        from ..chart_status import status_alt, status_data

        status = status_data(cat, totals)
        assert status is not None
        chart = Chart(Image(inputs[0], "png", *png_size(inputs[0])), status_alt(status))
    build = (partial(agreement_body, a=doc) if isinstance(doc, Agreement)
             else partial(follow_up_body, f=doc, chart=chart))
    when = _when(date)
    made = template.render(
        template.attachment, build,
        {"titel": doc.title, "undertitel": s.title, "organisation": s.organisation,
         "dato": danish_date(date)},
        {"title": doc.title, "author": s.organisation, "subject": f"{doc.title}: {s.title}"},
        when)
    return bundle([made, json.dumps(messages[start:], ensure_ascii=False).encode("utf-8")])


def _when(date: dt.date | None) -> dt.datetime:
    day = date or dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def _notices(path: str, outputs: Sequence[bytes]) -> Plan:
    found = [m for out in outputs for m in json.loads(piece(out, 1))]
    return Plan(notices=tuple(Notice("docx-template", m, path) for m in dict.fromkeys(found)))


# -- the documents --------------------------------------------------------------------------------


def _front(ctx: Context, title: str, subtitle: str,
           facts: Sequence[tuple[str, str]]) -> list[Element]:
    from .tables import text_table

    return [paragraph(ppr(ctx.styles.para("Title")), [run(title)]),
            para(ctx, subtitle, "Subtitle"), text_table(ctx, None, facts, (2, 5)),
            paragraph(ppr(ctx.styles.para("Note")))]


def agreement_body(ctx: Context, a: Agreement) -> list[Element]:
    """"Budgetaftale": the same sections as the site's page."""
    w = a.labels
    out = _front(ctx, a.title, a.subtitle, a.facts)
    out += [heading(ctx, 1, w["adopted_overview"]), *amount_table(ctx, a.overview)]
    if a.changes is not None:
        out += [heading(ctx, 1, w["council_changes"]), *amount_table(ctx, a.changes)]
        out += _decision_notes(ctx, a, a.changed)
    if a.not_adopted is not None:
        out += [heading(ctx, 1, word(w, "not_adopted")), *amount_table(ctx, a.not_adopted)]
        out += _decision_notes(ctx, a, a.not_adopted_decisions)
    if a.departments is not None:
        out += [heading(ctx, 1, w["adopted_by_department"]), *amount_table(ctx, a.departments)]
    out.append(heading(ctx, 1, w["adopted_proposals"]))
    for t in a.themes:
        out += [heading(ctx, 2, t.heading), *amount_table(ctx, t.table)]
    out += [heading(ctx, 1, w["decisions"]), *_decisions_table(ctx, a)]
    return out


def _decision_notes(ctx: Context, a: Agreement, decisions: Sequence[object]) -> list[Element]:
    noted = [d for d in a.decisions if d in decisions and d.note]
    if not noted:
        return []
    out = [heading(ctx, 2, word(a.labels, "council_notes"))]
    for d in noted:
        out.append(_label(ctx, f"{d.id} {d.title} ({d.outcome_label.lower()})"))
        out += markdown(ctx, d.note, NOTE_TOP)
    return out


def _decisions_table(ctx: Context, a: Agreement) -> list[Element]:
    """Every decision by meeting: a group row names the meeting, then per proposal its
    outcome and the council's remark (as plain text: a table cell holds one paragraph)."""
    w = a.labels
    rows = [TRow([Cell(w["proposal_head"]), Cell(w["decision"]), Cell(w["remark"])],
                 header=True)]
    for g in a.decision_groups:
        rows.append(TRow([Cell(g.title, bold=True, italic=True, span=3)]))
        for d in g.decisions:
            remark = plain_text(to_html(d.note)) if d.note else ""
            rows.append(TRow([Cell(f"{d.id} {d.title}"), Cell(d.outcome_label), Cell(remark)]))
    widths = [ctx.width * 4 // 10, ctx.width * 2 // 10, ctx.width - ctx.width * 6 // 10]
    return [caption(ctx, w["decisions"]), build_table(ctx, rows, widths, w["decisions"])]


def follow_up_body(ctx: Context, f: FollowUp, chart: Chart | None = None) -> list[Element]:
    """"Status på realisering": the same sections as the site's page; the realisation
    chart (with its alt text) above the summary's table, as the overview's chart is."""
    w = f.labels
    revision = f"{w['revision']} {f.revision}" + (f" ({f.revision_date})" if f.revision_date
                                                   else "")
    out = _front(ctx, f.title, f"{f.subtitle} · {revision}", f.facts)
    out.append(heading(ctx, 1, w["realisation_summary"]))
    out += [para(ctx, sentence) for sentence in f.summary]
    out += [_light_line(ctx, light, f"{light.name}: {light.count} {w['proposals_count']}",
                        f" – {light.meaning}") for light in f.lights]
    if chart is not None:
        out.append(paragraph(ppr(keep_next=True), [
            _picture(ctx, chart.image, chart.alt, STATUS_TITLE, 1.0, 6.0)]))
    out += amount_table(ctx, f.summary_table)
    if f.watch is not None:
        out += [heading(ctx, 1, word(w, "watch")), *amount_table(ctx, f.watch)]
    out += [heading(ctx, 1, w["realisation_overview"]), *amount_table(ctx, f.overview)]
    if f.gap_themes is not None:
        out += amount_table(ctx, f.gap_themes)
    if f.expected_departments is not None:
        out += [heading(ctx, 1, word(w, "by_department")),
                *amount_table(ctx, f.expected_departments)]
        if f.gap_departments is not None:
            out += amount_table(ctx, f.gap_departments)
    for t in f.themes:
        out += [heading(ctx, 1, t.heading), *amount_table(ctx, t.table)]
        for p in t.proposals:
            out += _proposal(ctx, f, p)
    return out


def _proposal(ctx: Context, f: FollowUp, p: ProposalFollowUp) -> list[Element]:
    w = f.labels
    when = f"{p.revision} ({p.date})" if p.revision and p.date else p.revision
    out = [heading(ctx, 2, f"{p.id} {p.title}"),
           _light_line(ctx, p.light, p.light.name, f": {p.light.meaning}"
                       + (f" · {when}" if when else "")),
           para(ctx, p.department, "Note")]
    if p.revision:
        out.append(_label(ctx, f"{word(w, 'latest_comment')} {p.revision}:"))
        out += (markdown(ctx, p.comment, NOTE_TOP) if p.comment.strip()
                else [para(ctx, word(w, "no_comment"))])
    out += amount_table(ctx, p.history)
    if p.earlier:
        out.append(_label(ctx, word(w, "earlier_comments")))
        for e, light in p.earlier:
            label = f"{e.revision} ({e.date}) – " if e.date else f"{e.revision} – "
            out.append(paragraph(ppr(ctx.styles.para("Normal"), keep_next=True),
                                 [run(label, rpr(bold=True)), _mark(light.key),
                                  run(light.name, rpr(bold=True))]))
            out += markdown(ctx, e.comment, NOTE_TOP)
    return out


def _label(ctx: Context, text: str) -> Element:
    """A bold label kept on the page of what it introduces."""
    return paragraph(ppr(ctx.styles.para("Normal"), keep_next=True),
                     [run(text, rpr(bold=True))])


# -- traffic lights ---------------------------------------------------------------------------------


def _mark(status: str) -> Element:
    """A traffic light's mark (● ◆ ■ ○) in its colour, followed by a space."""
    colour = el("w:rPr", None, el("w:color", {"w:val": LIGHT_COLOUR[status]}))
    return run(f"{LIGHT_MARK[status]} ", colour)


def _light_line(ctx: Context, light: Light, bold: str, rest: str) -> Element:
    return paragraph(ppr(ctx.styles.para("Normal"), keep_next=True),
                     [_mark(light.key), run(bold, rpr(bold=True)), run(rest)])


def amount_table(ctx: Context, t: Table) -> list[Element]:
    """A `view.Table` as `tables.amount_table` makes it (caption with unit, a real table with
    a repeated header row, right-aligned numbers, bold totals with a rule above, the notes),
    with the year columns as wide as their longest cell (`-43.400 + ?` on one line) and each
    row that has a traffic light (`Row.status`) marked before its label: its mark in its
    colour; the words stand in the label or in its group's heading."""
    widths = _widths(ctx, t)
    rows = [TRow([Cell(t.label_head)] + [Cell(y, align="right") for y in t.head], header=True)]
    for r in t.rows:
        kind = plain_kind(r)
        bold, italic = kind in AMOUNT_KINDS_BOLD, kind in AMOUNT_KINDS_ITALIC
        label: list[Element] | str = r.label
        if kind == "group":
            bold = True
        if r.status:
            label = [_mark(r.status), run(r.label, rpr(bold, italic))]
        if kind == "group":
            rows.append(TRow([Cell(label, bold=True, italic=True, span=len(widths))]))
            continue
        cells = [Cell(label, bold=bold, italic=italic)]
        cells += [Cell(c or "", bold=bold, italic=italic, number=True) for c in r.cells]
        rows.append(TRow(cells, rule_above=kind == "total"))
    title = f"{t.caption} ({t.unit})"
    notes = [note(ctx, n) for n in t.notes] or [paragraph(ppr(ctx.styles.para("Note")))]
    return [caption(ctx, title), build_table(ctx, rows, widths, title), *notes]


def _widths(ctx: Context, t: Table) -> list[int]:
    """Twips per column: every year as wide as its longest cell needs (at least as the
    catalogue's tables), the label the rest."""
    years = len(t.years)
    longest = max((len(c) for r in t.rows for c in r.cells), default=0)
    year_w = max(1020 if years <= 4 else max(800, int(ctx.width * 0.5 / years)),
                 CHAR_TWIPS * longest + CELL_PADDING)
    widths = [max(2000, ctx.width - years * year_w)] + [year_w] * years
    if sum(widths) > ctx.width:  # many years: shrink every column to the text width
        widths = [w * ctx.width // sum(widths) for w in widths]
    return widths
