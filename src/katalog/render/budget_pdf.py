"""The budget year's documents as PDF (SPEC §8), a planner: `budgetaftale.pdf` ("Budgetaftale",
when the council has decided on some proposal) and `opfoelgning.pdf` ("Status på
realisering", once some adopted proposal has a realisation entry).

Each is short, so it is laid out whole, in one WeasyPrint document (`pdf/budget.html`, made
of html/_budget.html's macros, as on the site) in the catalogue's look (`pdf/katalog.css`:
cover, running header, "Side X af Y" from WeasyPrint's own page counters, bookmarks), tagged
PDF/UA-1, and its structure tree completed as the catalogue's assembly completes it
(`pdf_tags.complete_structure`: table header scopes, rows, the running header and footer as
artifacts, the language). One job per document, in the process pool, cached by its HTML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from markupsafe import Markup

from ..compute import Totals
from ..model import Catalogue
from .budget_docs import AGREEMENT, FOLLOW_UP, Agreement, FollowUp, agreement, follow_up
from .budget_html import budget_context, markdowns, status_chart_job
from .pdf_layout import TEMPLATE_DIR, PdfJob, assets_digest, dirs_of, layout, load_weasyprint
from .pdf_parts import Header
from .plan import Artifact, Inputs, Job, Options, Plan, Where, piece
from .templates import TemplateSet

TEMPLATE = "budget.html"  # in pdf/
CHART_SLOT = "<!--katalog:realiseringsdiagram-->"  # where the follow-up's chart goes

__all__ = ["plan_budget_pdf", "budget_pdf_job", "make_pdf"]


def plan_budget_pdf(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """The budget year's PDFs (none before the first decision)."""
    docs: list[tuple[str, Agreement | FollowUp | None]] = [
        (AGREEMENT, agreement(cat, totals)), (FOLLOW_UP, follow_up(cat, totals))]
    files = []
    for stem, doc in docs:
        if doc is None:
            continue
        chart = status_chart_job(cat, totals) if stem == FOLLOW_UP else None
        job = budget_pdf_job(cat, totals, doc, opts.templates, opts.date, stem,
                             chart is not None)
        if chart is None:
            made = Job(make_pdf, (job,), key=job, label=job.name, where=Where.POOL,
                       warm=load_weasyprint)
        else:
            made = Job(_make_pdf_with_chart, (job,), key=job, deps=(chart,), label=job.name,
                       where=Where.POOL, warm=load_weasyprint)
        files.append(Artifact(job.name, made))
    return Plan(tuple(files))


def budget_pdf_job(cat: Catalogue, totals: Totals, doc: Agreement | FollowUp,
                   templates: TemplateSet, date: dt.date | None, stem: str,
                   chart: bool = False) -> PdfJob:
    """The HTML of one budget document and what it is laid out with; with `chart`, the
    follow-up's realisation chart goes in at CHART_SLOT when it is laid out."""
    from .pdf import environment  # the HTML environment, pdf/ searched first

    env = environment(templates)
    context: dict[str, Any] = {
        **budget_context(cat, totals, date, stem), "doc": doc, "md": markdowns(doc, False),
        "a": doc if isinstance(doc, Agreement) else None,
        "f": doc if isinstance(doc, FollowUp) else None,
        # the running header: the document's title and the organisation, on one line each
        "head": Header.of(doc.title, cat.settings.organisation),
        "chart": Markup(CHART_SLOT) if chart else "",
    }
    html = env.get_template(TEMPLATE).render(**context)
    base_url = (templates.dirs[0] / TEMPLATE_DIR / "katalog.html").as_uri()
    return PdfJob(f"{stem}.pdf", html, base_url, dirs_of(templates), assets_digest(templates))


def _make_pdf_with_chart(job: PdfJob, inputs: Inputs) -> bytes:
    """The follow-up with its chart (the PDF's SVG of the chart job) in its place."""
    svg = piece(inputs[0], 1).decode("utf-8")
    return make_pdf(replace(job, html=job.html.replace(CHART_SLOT, svg, 1)))


def make_pdf(job: PdfJob) -> bytes:
    """Lay out one whole document and complete its structure tree (PDF/UA-1)."""
    from .pdf_tags import complete_structure

    return complete_structure(layout(job).data)
