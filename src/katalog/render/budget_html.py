"""The budget year's documents on the site (SPEC §8), a planner: `html/budgetaftale.html`
("Budgetaftale", when the council has decided on some proposal) and `html/opfoelgning.html`
("Status på realisering", once some adopted proposal has a realisation entry).

The content is `budget_docs` (the same objects the PDF and Word show); the pages extend the
site's `base.html` and are made of `_budget.html`'s macros, whose tables are `_macros.html`'s
`amount_table` (links to the proposals' and themes' pages). Markdown (the council's notes,
the revisions' comments) is made safe HTML here, as the catalogue's bodies are. With no
budget year the plan is empty, and the front page shows no link (`front_page_links`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ..compute import Totals
from ..markdown import render as render_markdown
from ..model import Catalogue
from .budget_docs import AGREEMENT, FOLLOW_UP, Agreement, FollowUp, agreement, follow_up, words
from .html import (
    OUT,
    Site,
    body_html,
    environment,
    href,
    page_name,
    pdf_chart,
    unlink_local,
)
from .plan import Artifact, Inputs, Job, Options, Plan, Where, bundle, piece

NOTE_TOP = 4  # the first heading level inside a note or comment (below the proposal's h3)
_ONE_PARAGRAPH = re.compile(r"\A\s*<p>((?:(?!<p[\s>]).)*?)</p>\s*\Z", re.DOTALL)

__all__ = ["plan_budget_html", "site_link", "Markdowns", "markdowns", "budget_context",
           "status_chart_job"]


def site_link(kind: str, ident: str) -> str:
    """A page of the site, from its root: `forslag/ADM-01.html`, `tema/service.html`."""
    return href("forslag" if kind == "proposal" else "tema", page_name(ident))


@dataclass(frozen=True)
class Markdowns:
    """The documents' Markdown as safe HTML: the council's notes by proposal id, each
    proposal's current comment, and its earlier comments (as `ProposalFollowUp.earlier`)."""

    notes: dict[str, Markup] = field(default_factory=dict)
    comments: dict[str, Markup] = field(default_factory=dict)
    earlier: dict[str, list[Markup]] = field(default_factory=dict)


def markdown_html(source: str, owner: str, local_links: bool = True) -> Markup:
    """A note or comment as safe HTML (tables captioned like the bodies'); one paragraph is
    given without its `<p>`, so it reads inline in a table cell."""
    html = body_html(render_markdown(source, NOTE_TOP).html, owner)
    if not local_links:
        html = unlink_local(html)
    single = _ONE_PARAGRAPH.match(str(html))
    return Markup(single.group(1)) if single else html


def markdowns(doc: Agreement | FollowUp, local_links: bool = True) -> Markdowns:
    """Every piece of Markdown `doc` shows, made once."""
    if isinstance(doc, Agreement):
        return Markdowns(notes={d.id: markdown_html(d.note, d.id, local_links)
                                for d in doc.decisions if d.note})
    out = Markdowns()
    for t in doc.themes:
        for p in t.proposals:
            if p.comment.strip():
                out.comments[p.id] = markdown_html(p.comment, f"{p.id} {p.revision}", local_links)
            out.earlier[p.id] = [markdown_html(e.comment, f"{p.id} {e.revision}", local_links)
                                 for e, _light in p.earlier]
    return out


def budget_context(cat: Catalogue, totals: Totals, date: dt.date | None,
                   page: str) -> dict[str, Any]:
    """What the site's pages and the PDF's template see besides the document: the site's
    base variables (s, root, page, unit, sign_note, date) and the wording `w`."""
    from ..labels import labels_for

    return {**Site(cat, totals, date).base("", page), "w": words(labels_for(cat.settings))}


def plan_budget_html(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """The budget year's pages in `html/` (none before the first decision)."""
    a = agreement(cat, totals, site_link)
    f = follow_up(cat, totals, site_link)
    if a is None and f is None:
        return Plan()
    env = environment(opts.templates)
    files = []
    if a is not None:
        ctx = {**budget_context(cat, totals, opts.date, AGREEMENT), "a": a, "md": markdowns(a)}
        files.append(_page(env, f"{AGREEMENT}.html", ctx))
    if f is not None:
        ctx = {**budget_context(cat, totals, opts.date, FOLLOW_UP), "f": f, "md": markdowns(f)}
        chart = status_chart_job(cat, totals)
        files.append(Artifact(f"{OUT}/{FOLLOW_UP}.html", Job(
            _follow_up_page, (env, f"{FOLLOW_UP}.html", ctx),
            deps=(chart,) if chart is not None else (), label=f"{FOLLOW_UP}.html")))
    return Plan(tuple(files))


def _page(env: Environment, name: str, context: dict[str, Any]) -> Artifact:
    # in this process: a page costs less than pickling its context would
    return Artifact(f"{OUT}/{name}", Job(render_page, (env, name, context), label=name))


def _follow_up_page(env: Environment, name: str, context: dict[str, Any],
                    inputs: Inputs) -> bytes:
    chart = Markup(piece(inputs[0], 0).decode("utf-8")) if len(inputs) else ""
    return render_page(env, name, {**context, "chart": chart})


# --- The realisation chart: one job per build, shared by the site and the PDF ---------------

_STATUS_JOB: list[tuple[Catalogue, Totals, Job]] = []  # the last one made


def status_chart_job(cat: Catalogue, totals: Totals) -> Job | None:
    """The realisation chart (`render.chart_status`), drawn in the pool and cached by its
    numbers: a bundle of the site's SVG and the PDF's (titled by the alternative text, see
    `html.pdf_chart`). None before the first budget revision. The site's and the PDF's
    planners get the same job, so a build draws it once."""
    from . import chart
    from .chart_status import status_data

    for known_cat, known_totals, job in _STATUS_JOB:
        if known_cat is cat and known_totals is totals:
            return job
    data = status_data(cat, totals)
    if data is None:
        return None
    job = Job(_status_chart, (data,), key=("status-chart", data, chart.version()),
              label="realiseringsdiagram", where=Where.POOL)
    _STATUS_JOB[:] = [(cat, totals, job)]
    return job


def _status_chart(data: Any) -> bytes:
    from .chart_status import status_alt, status_svg

    site = status_svg(data)
    return bundle([site.encode("utf-8"), pdf_chart(site, status_alt(data)).encode("utf-8")])


def render_page(env: Environment, template: str, context: dict[str, Any]) -> bytes:
    return env.get_template(template).render(**context).encode("utf-8")
