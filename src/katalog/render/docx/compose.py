"""The content of the Word documents, from the computed model and the shared view tables.

`catalogue_body` makes the whole catalogue (cover, contents, introduction, overview with its
chart, themes with their proposals); `proposal_body` makes one proposal on its own. Both
return detached body elements; nothing is appended to the document while building. Every
fixed word comes from `labels.labels_for(settings)` (the catalogue's own wording applied), and
every figure from `render.view`'s tables, so Word says what the site and the PDF say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from ...compute import Totals
from ...labels import Labels, labels_for
from ...markdown import render as render_markdown
from ...model import Catalogue, Proposal, Theme
from .. import view
from ..html import danish_date as _danish_date
from .context import Context
from .cover import cover_facts
from .fragment import keep, keeping, outline
from .htmlwalk import HtmlWriter
from .look import EMU_PER_TWIP, Image, picture
from .ooxml import Element, bookmark, paragraph, ppr, rpr, run
from .tables import amount_table, text_table
from .toc import contents_elements

# (ctx, proposal, section level) → everything below the proposal's heading; by default
# `proposal_parts`, or the proposal's `fragment.Fragment` filled in for the document
Parts = Callable[[Context, Proposal, int], list[Element]]
Entries = list[tuple[int, str, str]]  # the contents: (level, text, bookmark)

LOGO_MAX_HEIGHT = 1.6  # inches: the cover's logo at most this tall …
LOGO_MAX_WIDTH = 0.45  # … and at most this share of the text width
PROPOSALS_FLOWING = 40  # look.page_break auto: fewer proposals than this flow


@dataclass(frozen=True)
class Pictures:
    """The pictures of katalog.docx: the logo (cover) and the overview chart with its alt."""

    logo: Image | None = None
    logo_alt: str = ""
    chart: Image | None = None
    chart_alt: str = ""


def heading(ctx: Context, level: int, text: str, new_page: bool = False,
            toc: Entries | None = None) -> Element:
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


def _yesno(value: bool | None, labels: Labels) -> str:
    return "" if value is None else labels["yes"] if value else labels["no"]


def proposal_parts(ctx: Context, p: Proposal, cat: Catalogue, totals: Totals,
                   level: int) -> list[Element]:
    """Everything below a proposal's heading; `level` is its section headings' level."""
    labels = labels_for(cat.settings)
    pt = totals.proposals[p.id]
    kept = keeping(ctx)
    if kept is not None:
        kept["level"] = level
    out = [para(ctx, p.summary, bold_label=f"{labels['summary']}: ")]
    out += keep(ctx, "fakta", lambda: [text_table(ctx, None, view.facts(p, cat, totals), (1, 3))])
    out.append(heading(ctx, level, labels["economy"]))
    economy = view.economy_table(p, pt, cat.settings)
    if kept is not None:
        kept["økonomitabel"] = economy
    out += keep(ctx, "økonomi", lambda: amount_table(ctx, economy, labels))
    allocation = view.allocation_table(p, pt, cat)
    if allocation is not None:
        out += keep(ctx, "fordeling", lambda: amount_table(ctx, allocation, labels))
    out += outline(ctx, render_markdown(p.body, level).html)
    if p.consulted:
        out.append(heading(ctx, level, labels["consulted"]))
        out += keep(ctx, "hørt", lambda: [text_table(
            ctx, (labels["party"], labels["approved"], labels["date"], labels["remark"]),
            [(c.party, _yesno(c.approved, labels), danish_date(c.date), c.note)
             for c in p.consulted], (4, 2, 3, 6))])
    hearing = view.hearing(p)
    if hearing:
        out.append(heading(ctx, level, labels["hearing"]))
        out += keep(ctx, "høring", lambda: _hearing(ctx, hearing, level))
    if p.followup:
        out.append(heading(ctx, level, labels["followup"]))
        out += keep(ctx, "opfølgning", lambda: [text_table(
            ctx, (labels["goal"], labels["measure"], labels["responsible"], labels["when"]),
            [(f.goal, f.measure, f.responsible, f.when) for f in p.followup], (4, 4, 3, 3))])
    return out


def _hearing(ctx: Context, hearing: list[tuple[str, str]], level: int) -> list[Element]:
    """The hearing comments: the committee is the heading above its comment."""
    out: list[Element] = []
    for body, comment in hearing:
        out.append(heading(ctx, min(level + 1, 6), body))
        out += markdown(ctx, comment, min(level + 2, 6))
    return out


def cover(ctx: Context, cat: Catalogue, date: dt.date | None,
          pictures: Pictures) -> list[Element]:
    """The cover: logo, organisation, title, subtitle and the facts every format shows."""
    s = cat.settings
    out: list[Element] = []
    if pictures.logo is not None:
        out.append(paragraph(None, [_picture(ctx, pictures.logo, pictures.logo_alt, "Logo",
                                             LOGO_MAX_WIDTH, LOGO_MAX_HEIGHT)]))
    out.append(para(ctx, s.organisation, "Subtitle"))
    out.append(paragraph(ppr(ctx.styles.para("Title")), [run(s.title)]))
    if s.subtitle:
        out.append(para(ctx, s.subtitle, "Subtitle"))
    for label, value in cover_facts(cat, date):
        out.append(para(ctx, value, bold_label=f"{label}: "))
    return out


def _picture(ctx: Context, image: Image, alt: str, name: str, share: float,
             max_inches: float) -> Element:
    """An inline picture at most `share` of the text width wide and `max_inches` tall."""
    rid = ctx.image(image.data, image.ext)
    svg = ctx.image(image.svg, "svg") if image.svg is not None else ""
    cx, cy = image.size(int(ctx.width * EMU_PER_TWIP * share), int(max_inches * 914400))
    return picture(rid, cx, cy, ctx.next_picture(), name, alt, svg)


def overview(ctx: Context, cat: Catalogue, totals: Totals, toc: Entries,
             pictures: Pictures) -> list[Element]:
    """The overview: its heading, the chart above the table, the table, the allocation."""
    labels = labels_for(cat.settings)
    out = [heading(ctx, 1, labels["overview"], new_page=True, toc=toc)]
    if pictures.chart is not None:
        out.append(paragraph(ppr(keep_next=True), [
            _picture(ctx, pictures.chart, pictures.chart_alt, labels["overview"], 1.0, 6.0)]))
    out += amount_table(ctx, view.overview_table(cat, totals), labels)
    for table in (view.allocated_table(cat, totals), view.target_allocation_table(cat, totals)):
        if table is not None:
            out += amount_table(ctx, table, labels)
    return out


def catalogue_body(ctx: Context, cat: Catalogue, totals: Totals, date: dt.date | None,
                   parts: Parts | None = None, pictures: Pictures | None = None
                   ) -> list[Element]:
    """Cover, contents (with PAGEREF page numbers), introduction, overview, themes."""
    labels = labels_for(cat.settings)
    pictures = pictures or Pictures()
    front = cover(ctx, cat, date, pictures)  # first, so its pictures are numbered first
    toc: Entries = []
    body: list[Element] = []
    intro = view.intro(cat)
    if intro is not None:
        title, source = intro
        body.append(heading(ctx, 1, title or labels["intro"], new_page=True, toc=toc))
        body += markdown(ctx, source, 2)
    body += overview(ctx, cat, totals, toc, pictures)
    flowing = _flowing(cat)
    for t in cat.themes:
        body += theme_parts(ctx, t, cat, totals, toc, parts, flowing)
    return front + contents_elements(ctx, toc, labels["contents"]) + body


def _flowing(cat: Catalogue) -> bool:
    """Whether proposals follow each other instead of each starting a page (`page_break`)."""
    choice = cat.settings.look.page_break
    if choice == "auto":
        return len(cat.proposals) < PROPOSALS_FLOWING and _short(cat)
    return choice == "flow"


def _short(cat: Catalogue) -> bool:
    """Proposals of a few lines (a catalogue of one-liners reads best flowing)."""
    sizes = [len(p.body) for p in cat.proposals]
    return bool(sizes) and sum(sizes) / len(sizes) < 600


def theme_parts(ctx: Context, t: Theme, cat: Catalogue, totals: Totals, toc: Entries,
                parts: Parts | None = None, flowing: bool = False) -> list[Element]:
    labels = labels_for(cat.settings)
    out = [heading(ctx, 1, f"{labels['theme']} {t.number}: {t.title}", new_page=True, toc=toc)]
    if t.merged_into:
        merged = cat.theme(t.merged_into)
        where = (f"{labels['theme'].lower()} {merged.number}: {merged.title}" if merged
                 else t.merged_into)
        out.append(para(ctx, f"{labels['merged_notice']} {where}."))
    out += markdown(ctx, t.body, 3)
    if not t.merged_into:
        out += amount_table(ctx, view.theme_table(t, cat, totals), labels)
        allocated = view.allocated_table(cat, totals, t)
        if allocated is not None:
            out += amount_table(ctx, allocated, labels)
    for group in view.alternative_groups_in(t, cat, totals):
        out += amount_table(ctx, view.alternatives_table(group, cat, totals), labels)
    for p in cat.proposals_in(t.id):
        out.append(heading(ctx, 2, f"{p.id} {p.title}", new_page=not flowing, toc=toc))
        out += (parts or _parts(cat, totals))(ctx, p, 3)
    return out


def proposal_body(ctx: Context, p: Proposal, cat: Catalogue, totals: Totals,
                  parts: Parts | None = None) -> list[Element]:
    """One proposal as a stand-alone document (katalog's own layout, without a form)."""
    s = cat.settings
    labels = labels_for(s)
    out = [heading(ctx, 1, f"{p.id} {p.title}"),
           para(ctx, f"{labels['attachment_to']} {s.title}, {s.organisation}", "Note")]
    return out + (parts or _parts(cat, totals))(ctx, p, 2)


def _parts(cat: Catalogue, totals: Totals) -> Parts:
    return lambda ctx, p, level: proposal_parts(ctx, p, cat, totals, level)
