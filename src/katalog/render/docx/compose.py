"""The content of the Word documents, from the computed model and the shared view tables.

`catalogue_body` makes the whole catalogue (cover, table of contents, overview, themes with
their proposals); `proposal_body` makes one proposal as an agenda attachment. Both return
detached body elements; nothing is appended to the document while building.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Callable

from ...compute import Totals
from ...markdown import render as render_markdown
from ...model import Catalogue, Proposal, Theme
from .. import view
from ..html import danish_date as _danish_date
from .context import Context
from .htmlwalk import HtmlWriter
from .ooxml import Element, bookmark, el, field_begin, field_end, paragraph, ppr, rpr, run
from .tables import amount_table, text_table

# (ctx, proposal, section level) → everything below the proposal's heading; by default
# `proposal_parts`, or the proposal's `fragment.Fragment` filled in for the document
Parts = Callable[[Context, Proposal, int], list[Element]]


def heading(ctx: Context, level: int, text: str, new_page: bool = False,
            toc: list[tuple[int, str, str]] | None = None) -> Element:
    """A heading in the built-in style; with `toc`, bookmarked and listed in the contents."""
    children = [run(text)]
    if toc is not None:
        bid, name = ctx.next_bookmark()
        start, end = bookmark(bid, name)
        children = [start, *children, end]
        toc.append((level, text, name))
    return paragraph(ppr(ctx.styles.para(f"Heading {level}"), page_break_before=new_page,
                         keep_next=True), children)


def para(ctx: Context, text: str, style: str = "Normal", bold_label: str = "") -> Element:
    runs = []
    if bold_label:
        runs.append(run(bold_label, rpr(bold=True)))
    runs.append(run(text))
    return paragraph(ppr(ctx.styles.para(style)), runs)


def markdown(ctx: Context, source: str, top: int) -> list[Element]:
    return HtmlWriter(ctx).convert(render_markdown(source, top).html)


danish_date = lru_cache(maxsize=1024)(_danish_date)  # Babel is slow; dates repeat


def _yesno(value: bool | None) -> str:
    return "" if value is None else "Ja" if value else "Nej"


def proposal_parts(ctx: Context, p: Proposal, cat: Catalogue, totals: Totals,
                   level: int) -> list[Element]:
    """Everything below a proposal's heading; `level` is its section headings' level."""
    pt = totals.proposals[p.id]
    out = [para(ctx, p.summary, bold_label="Kort resumé: ")]
    out.append(text_table(ctx, None, view.facts(p, cat, totals), (1, 3)))
    out.append(heading(ctx, level, "Økonomi"))
    out += amount_table(ctx, view.economy_table(p, pt, cat.settings))
    allocation = view.allocation_table(p, pt, cat)
    if allocation is not None:
        out += amount_table(ctx, allocation)
    out += markdown(ctx, p.body, level)
    if p.consulted:
        out.append(heading(ctx, level, "Hvem er hørt?"))
        out.append(text_table(ctx, ("Part", "Godkendt", "Dato", "Bemærkning"),
                              [(c.party, _yesno(c.approved), danish_date(c.date), c.note)
                               for c in p.consulted], (4, 2, 3, 6)))
    if p.hearing:
        out.append(heading(ctx, level, "Bemærkninger fra MED-systemet"))
        quote = ctx.styles.para("Quote")
        for h in p.hearing:
            out.append(paragraph(ppr(quote, keep_next=True), [run(h.comment)]))
            out.append(paragraph(ppr(ctx.styles.para("Note"), indent_left=425),
                                 [run(f"– {h.body}")]))
    if p.followup:
        out.append(heading(ctx, level, "Implementering og opfølgning"))
        out.append(text_table(ctx, ("Opfølgningsmål", "Hvordan måles det?", "Ansvarlig", "Hvornår"),
                              [(f.goal, f.measure, f.responsible, f.when) for f in p.followup],
                              (4, 4, 3, 3)))
    return out


def toc_elements(ctx: Context, entries: list[tuple[int, str, str]]) -> list[Element]:
    """A TOC field whose result is already filled in with the entries.

    Word refreshes it on open (w:updateFields) and then shows page numbers; LibreOffice
    shows the entries as they are (linked to the headings' bookmarks) until the index is
    updated there (Funktioner → Opdater → Alle).
    """
    out = [paragraph(ppr(ctx.styles.para("TOC Heading"), page_break_before=True),
                     [run("Indhold")])]
    for i, (level, text, name) in enumerate(entries):
        link = el("w:hyperlink", {"w:anchor": name, "w:history": "1"}, run(text))
        children = [*field_begin('TOC \\o "1-2" \\h \\z \\u'), link] if i == 0 else [link]
        out.append(paragraph(ppr(ctx.styles.para(f"toc {level}")), children))
    if not entries:
        out.append(paragraph(None, field_begin('TOC \\o "1-2" \\h \\z \\u')))
    out.append(paragraph(None, [field_end()]))
    return out


def catalogue_body(ctx: Context, cat: Catalogue, totals: Totals,
                   date: dt.date | None, parts: Parts | None = None) -> list[Element]:
    s = cat.settings
    toc: list[tuple[int, str, str]] = []
    cover = [paragraph(ppr(ctx.styles.para("Title")), [run(s.title)])]
    if s.subtitle:
        cover.append(para(ctx, s.subtitle, "Subtitle"))
    cover.append(para(ctx, s.organisation, "Subtitle"))
    if date:
        cover.append(para(ctx, danish_date(date)))

    body: list[Element] = [heading(ctx, 1, "Oversigt over temaer", new_page=True, toc=toc)]
    body += amount_table(ctx, view.overview_table(cat, totals))
    target = view.target_allocation_table(cat, totals)
    if target is not None:
        body += amount_table(ctx, target)
    for t in cat.themes:
        body += theme_parts(ctx, t, cat, totals, toc, parts)
    return cover + toc_elements(ctx, toc) + body


def theme_parts(ctx: Context, t: Theme, cat: Catalogue, totals: Totals,
                toc: list[tuple[int, str, str]], parts: Parts | None = None) -> list[Element]:
    out = [heading(ctx, 1, f"Tema {t.number}: {t.title}", new_page=True, toc=toc)]
    if t.merged_into:
        merged = cat.theme(t.merged_into)
        where = f"tema {merged.number}: {merged.title}" if merged else t.merged_into
        out.append(para(ctx, f"Temaet er slået sammen med {where}."))
    out += markdown(ctx, t.body, 3)
    if not t.merged_into:
        out += amount_table(ctx, view.theme_table(t, cat, totals))
    for p in cat.proposals_in(t.id):
        out.append(heading(ctx, 2, f"{p.id} {p.title}", new_page=True, toc=toc))
        out += (parts or _parts(cat, totals))(ctx, p, 3)
    return out


def proposal_body(ctx: Context, p: Proposal, cat: Catalogue, totals: Totals,
                  parts: Parts | None = None) -> list[Element]:
    """One proposal as a stand-alone agenda attachment."""
    s = cat.settings
    out = [heading(ctx, 1, f"{p.id} {p.title}"),
           para(ctx, f"Bilag til {s.title}, {s.organisation}", "Note")]
    return out + (parts or _parts(cat, totals))(ctx, p, 2)


def _parts(cat: Catalogue, totals: Totals) -> Parts:
    return lambda ctx, p, level: proposal_parts(ctx, p, cat, totals, level)
