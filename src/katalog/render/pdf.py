"""The catalogue as PDF (WeasyPrint): `build/katalog.pdf` and one `build/pdf/<id>.pdf` per
proposal (agenda attachments). A planner; `pdf_layout` lays out, `pdf_merge` assembles.

The content is the HTML site's single page: each piece of the catalogue is made by its macro
of `html/all.html` (`intro_section`, `overview`, `theme`, `proposal`; the front matter by
`cover` and `toc`), so the site and the PDFs never drift, and a template override that lacks
one is refused with a message naming it. The look is `pdf/katalog.css` (A4, running header,
"Side X af Y", bookmarks via `bookmark-level`), with fonts from `fonts/` and the colours and
logo of `look:` in catalogue.yaml.

**Page breaks** (`look.page_break`, `view.page_breaks`): with "proposal" every theme and every
proposal starts a new page, and each proposal's part of the catalogue is also its own PDF.
With "flow" themes and proposals follow each other with keep-together rules (katalog.css:
`.pdf-flow`): runs of themes of about six pages (`view.flow_chunks`, never a theme split) are
one part each, so a theme starts a new page only where a run does, and each proposal's own
PDF is laid out on its own. "auto" flows when the average proposal is estimated at under
three quarters of a page.

Every page is laid out once, in stages (`plan_pdf`):

1. each *part* (the introduction, the overview with the chart, each theme with its proposals
   or each theme and each proposal) as a small document of its own (`pdf/del.html`), each
   proposal's own PDF when it is not a part, and the front matter with stand-in page numbers
   (to learn its page count); in the process pool, each part cached by the data it shows
   (`PartKeys`: its proposals and their totals, its theme's tables, the templates, settings
   and date), its HTML rendered in its job (`PartHtml`), so a build whose parts are cached
   renders none of them;
2. when every part's page count is known: the front matter (cover, contents with the page
   numbers from the parts' counts and the pages their bookmarks are on) and the page-number
   stamps;
3. `katalog.pdf` (front matter + parts + stamps, `pdf_layout.finish_catalogue_job`, which
   splices the changed parts into the last build's catalogue when no page moved) and each
   proposal's own PDF (its part with its own stamp, headings from H1).

`catalogue_job` + `render_job` still lay out the whole catalogue as one document (the
reference the benchmarks compare with); `proposal_job` + `render_job` give exactly the bytes
of a build's `pdf/<id>.pdf`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Callable, Mapping, Sequence

from jinja2 import Environment
from jinja2.runtime import Macro
from markupsafe import Markup

from ..compute import Totals
from ..labels import Labels
from ..model import Catalogue, Proposal, Theme
from . import look, pdf_parts, view
from .html import (
    INTRO_ANCHOR,
    OVERVIEW_ANCHOR,
    Site,
    anchor,
    call,
    catalogue_macros,
    chart_job,
    single_page,
    theme_entries,
)
from .html import _environment as html_environment
from .pdf_layout import (
    TEMPLATE_DIR,
    LaidOut,
    PdfJob,
    RenderedPdf,
    StampJob,
    assets_digest,
    dirs_of,
    finish_catalogue_job,
    finish_proposal_job,
    layout_bytes,
    load_weasyprint,
    load_weasyprint_lean,
    render_job,
    stamp,
    stylesheet,
)
from .plan import Artifact, Inputs, Job, Options, Plan, Then, Where, piece
from .templates import TemplateSet, render_block

CATALOGUE_FILE = "katalog.pdf"
PROPOSALS_DIR = "pdf"
STAMP_PAGES = 150  # the catalogue's page-number stamp is laid out in pieces of this many pages
FRONT_ATTEMPTS = 3  # the front matter is laid out again when its page count changes
CHART_SLOT = "<!--katalog:oversigtsdiagram-->"  # where the overview's chart goes

__all__ = ["CATALOGUE_FILE", "PROPOSALS_DIR", "PdfJob", "RenderedPdf", "catalogue_job",
           "plan_pdf", "proposal_job", "render_job"]


def environment(templates: TemplateSet, settings: Any = None) -> Environment:
    """The HTML environment (sandboxed, the catalogue's labels), the PDF templates first."""
    return html_environment(templates.loader(TEMPLATE_DIR, "html"), settings)


def _base_url(templates: TemplateSet) -> str:
    """Relative URLs in the PDF templates (`katalog.css`, `../fonts/...`) resolve from the
    first templates folder; the layout's fetcher falls back to the defaults."""
    return (templates.dirs[0] / TEMPLATE_DIR / "katalog.html").as_uri()


@dataclass(frozen=True)
class Part:
    """A part of the catalogue to lay out: its name (the file of a proposal's own PDF, else
    a label), its kind ("part", or "proposal": also its own PDF), the anchors the contents
    point at in it with the bookmark level of their heading, in order (the first is where it
    starts), its key material (`PartKeys`: the data it shows, not its HTML), and its HTML
    (made where its layout job runs)."""

    name: str
    kind: str
    anchors: tuple[tuple[str, int], ...]
    key: Any
    html: "PartHtml"
    chart: bool = False  # the overview: the chart goes in at CHART_SLOT


class PartHtml:
    """How a part's document (`PdfJob`) is made: `job()` renders its HTML from the `Book`,
    in whatever process its layout job runs (a worker forked from the build inherits the
    Book, so no part's HTML is rendered in the build's process). A Book does not pickle (a
    Jinja environment): a job sent pickled to a worker (a pool of new interpreters) is
    rendered here first and travels as its `PdfJob`, as every part did before."""

    def __init__(self, make: Callable[[], PdfJob]) -> None:
        self._make = make

    def job(self) -> PdfJob:
        return self._make()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rendered, (self._make(),))


def _rendered(job: PdfJob) -> PartHtml:
    return PartHtml(partial(_same_job, job))


def _same_job(job: PdfJob) -> PdfJob:
    return job


@dataclass(frozen=True)
class PartBasis:
    """What every part's HTML depends on besides its own data: the templates (`html/`, and
    `pdf/` with `fonts/` by `base.assets`), the fields every job shares (`base`: template
    folders, the page-counter rules), the variables every part sees (`context`: settings
    and labels, the date and cover facts, the look's colours and logo, the introduction,
    the running header), whether proposals flow, and the totals every proposal's facts read
    (decimals, alternative groups, whether the budget year is followed up). A frozen
    dataclass: the executor's memo walks it once per build, not once per part."""

    templates: str
    base: PdfJob
    context: Mapping[str, Any]
    flow: bool
    decimals: int
    alternatives: Mapping[str, tuple[str, ...]]
    followed_up: bool | None


def localise_page_numbers(css: str, labels: Labels) -> str:
    """The stylesheet's `"Side " counter(page) " af " counter(pages)` in the catalogue's
    words (the labels `page` and `page_of`)."""
    page, of = _css_string(labels["page"] + " "), _css_string(" " + labels["page_of"] + " ")
    css = re.sub(r'"Side "(\s*counter\(\s*page\s*\))', lambda m: page + m.group(1), css)
    return re.sub(r'(counter\(\s*page\s*\)\s*)" af "', lambda m: m.group(1) + of, css)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


@dataclass
class Book:
    """The catalogue's pieces as HTML documents to lay out: built in the build's process,
    which renders only the front matter; each part's HTML is rendered by its job (`PartHtml`),
    in the pool worker that inherited the Book."""

    site: Site
    env: Environment
    macros: dict[str, Macro]
    context: dict[str, Any]  # what pdf/katalog.html and pdf/del.html see
    base: PdfJob  # the fields every job shares (base_url, template dirs, assets)
    css: str
    css_url: str
    boxes: tuple[str, ...]  # the margin boxes with page counters
    flow: bool  # proposals follow each other (else each starts a new page)
    head: pdf_parts.Header  # the running header's texts, shortened to fit

    @classmethod
    def of(cls, cat: Catalogue, totals: Totals, templates: TemplateSet,
           date: dt.date | None) -> "Book":
        env = environment(templates, cat.settings)
        logo = look.logo(cat.settings)
        site = Site(cat, totals, date, env, local_links=False,
                    logo_src=logo.data_uri() if logo is not None else "")
        s = cat.settings
        labels = site.labels
        years = s.years
        budget_years = f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0])
        head = pdf_parts.Header.of(s.title, s.organisation)
        context = {**site.base("", "pdf"), "budget_years": budget_years,
                   "subject": s.subtitle or f"{s.title}: forslag til budget {budget_years}",
                   "date": date, "head": head, "section": labels["contents"],
                   "flow": False}
        dirs = dirs_of(templates)
        css, css_url = stylesheet(dirs)
        css = localise_page_numbers(css, labels) + "\n" + look.css_variables(s) + "\n"
        boxes = pdf_parts.counter_boxes(css)
        base = PdfJob("", "", _base_url(templates), dirs, assets_digest(templates), "part",
                      pdf_parts.part_css(boxes))
        return cls(site, env, catalogue_macros(env, site), context, base, css, css_url,
                   tuple(sorted(boxes)), view.page_breaks(cat) == "flow", head)

    @property
    def labels(self) -> Labels:
        return self.site.labels

    def front(self, pages: dict[str, int]) -> PdfJob:
        """The cover and the contents, each entry numbered from `pages` (anchor → page)."""
        m = self.macros
        main = Markup("\n") + m["cover"]() + "\n" + m["toc"](self._themes(),
                                                             pages=pages) + "\n"
        html = self.env.get_template("katalog.html").render(**self.context, main=main)
        return replace(self.base, name=CATALOGUE_FILE, html=html)

    def _themes(self) -> list[dict[str, Any]]:
        themes = theme_entries(self.site)
        for t in themes:
            t["section"] = self.head.section(t["heading"])
        return themes

    def _part(self, name: str, part: str, section: str, title: str, description: str,
              kind: str = "part", in_theme: bool = False, flow: bool = False) -> PdfJob:
        context = {**self.context, "part": Markup(part), "section": self.head.section(section),
                   "title": title, "description": description, "in_theme": in_theme,
                   "flow": flow}
        html = self.env.get_template("del.html").render(**context)
        return replace(self.base, name=name, html=html, kind=kind)

    # -- each part's document (rendered where its layout job runs) --

    def intro(self) -> PdfJob:
        intro = dict(self.context["intro"])
        intro["section"] = self.head.section(intro["title"])
        return self._part(f"forside/{intro['anchor']}", self.macros["intro_section"](intro),
                          intro["title"], intro["title"], self.site.cat.settings.title)

    def overview(self, chart: bool) -> PdfJob:
        """The overview; `chart`: with CHART_SLOT where the chart goes."""
        tables = self.site.overview_tables("", in_page=True)
        part = call(self.macros["overview"], tables["table"], tables["target_allocation"],
                    allocated=tables["allocated"], chart=Markup(CHART_SLOT) if chart else "")
        title = self.labels["overview"]
        return self._part(f"forside/{OVERVIEW_ANCHOR}", part, title, title,
                          self.site.cat.settings.title)

    def theme_item(self, t: Theme) -> dict[str, Any]:
        item = self.site.theme(t, "", in_page=True)
        item["section"] = self.head.section(item["heading"])
        return item

    def theme(self, t: Theme) -> PdfJob:
        """A theme's part on its own (every proposal on a new page)."""
        item = self.theme_item(t)
        return self._part(f"tema/{item['anchor']}", self.macros["theme"](item),
                          item["heading"], item["heading"], self.site.cat.settings.title)

    def flowing(self, themes: Sequence[Theme]) -> PdfJob:
        """Themes with their proposals following each other, as one part (flow)."""
        html = Markup("")
        items = [self.theme_item(t) for t in themes]
        for t, item in zip(themes, items):
            proposals = self.site.cat.proposals_in(t.id)
            articles = Markup("\n").join(
                self.macros["proposal"](self.site.proposal(p, "", top=4)) for p in proposals)
            html += self.macros["theme"](item, caller=lambda a=articles: a) + "\n"
        first = items[0]
        return self._part(f"tema/{first['anchor']}", html, first["heading"], first["heading"],
                          self.site.cat.settings.title, flow=True)

    def proposal(self, p: Proposal) -> PdfJob:
        """A proposal's part: in the catalogue (every proposal on a new page) and its own
        PDF (always)."""
        cat = self.site.cat
        t = cat.theme(p.theme)
        section = view_theme_heading(t, self.labels) if t else ""
        article = self.macros["proposal"](self.site.proposal(p, "", top=4))
        return self._part(f"{PROPOSALS_DIR}/{p.id}.pdf", article, section, f"{p.id} {p.title}",
                          Markup(f"{cat.settings.title}: ") + section, "proposal", True)

    # -- the parts to lay out, keyed by their data (nothing rendered here) --

    def parts(self, keys: "PartKeys", chart: bool) -> tuple[list[Part], list[Part]]:
        """The catalogue's parts in order, and the proposals' own PDFs that are not parts;
        `chart`: the overview has one."""
        cat = self.site.cat
        parts = []
        if self.context["intro"] is not None:
            parts.append(Part(f"forside/{INTRO_ANCHOR}", "part", ((INTRO_ANCHOR, 1),),
                              keys.intro(), PartHtml(self.intro)))
        parts.append(Part(f"forside/{OVERVIEW_ANCHOR}", "part", ((OVERVIEW_ANCHOR, 1),),
                          keys.overview(chart), PartHtml(partial(self.overview, chart)), chart))
        if not self.flow:
            for t in cat.themes:
                parts.append(Part(f"tema/{anchor('tema', t.id)}", "part",
                                  ((anchor("tema", t.id), 1),), keys.theme(t),
                                  PartHtml(partial(self.theme, t))))
                parts.extend(self.proposal_part(p, keys) for p in cat.proposals_in(t.id))
            return parts, []
        for group in view.flow_chunks(cat):
            anchors = [a for t in group for a in
                       [(anchor("tema", t.id), 1)]
                       + [(anchor("forslag", p.id), 2) for p in cat.proposals_in(t.id)]]
            parts.append(Part(f"tema/{anchors[0][0]}", "part", tuple(anchors),
                              keys.flowing(group), PartHtml(partial(self.flowing, group))))
        return parts, [self.proposal_part(p, keys) for t in cat.themes
                       for p in cat.proposals_in(t.id)]

    def proposal_part(self, p: Proposal, keys: "PartKeys") -> Part:
        return Part(f"{PROPOSALS_DIR}/{p.id}.pdf", "proposal", ((anchor("forslag", p.id), 2),),
                    keys.proposal(p), PartHtml(partial(self.proposal, p)))

    def stamp(self, first: int, pages: int, total: int, cover: bool = False) -> StampJob:
        return StampJob(self.css, self.css_url, self.base.template_dirs, self.boxes, first,
                        pages, total, cover)


def view_theme_heading(t: Theme, labels: Labels) -> str:
    from .html import theme_heading

    return theme_heading(t, labels)


class PartKeys:
    """Key material of the parts' layout jobs (see `render.plan.Job.key`): the data each
    part shows, never its HTML (rendering every part here only to key it was most of the
    planning), as the site's proposal pages (`html._page_key`) and Word's chunks are keyed.

    Every key holds the `PartBasis` (templates, settings, labels, look, logo, date, cover
    facts, introduction, totals the facts read) and the part's name and kind; then a
    proposal's part its proposal, its totals, its budget-year figures and its theme's
    number and title (the facts and the running header name them); a theme's part (and each theme of a run of
    flowing themes) what its macro is given: its heading, body and tables (its proposals'
    titles, statuses and totals, the alternatives, the allocation), worked out here (cheap:
    no proposal's body); the overview its tables and whether it has the chart (whose own
    key, the chart's numbers, the executor adds as a dep's). So editing one proposal's text
    changes its part's key only; an amount also its theme's and the overview's; a theme's
    introduction its theme's part only. What every part sees (a template, the look, the date,
    the introduction, the number of proposals on the cover) changes every key."""

    def __init__(self, book: Book, templates: TemplateSet) -> None:
        self.book = book
        totals = book.site.totals
        budget = totals.budget
        # the running header by its texts (their width, a float, is a constant)
        context = {k: (v.catalogue, v.organisation) if k == "head" else v
                   for k, v in book.context.items()}
        self.basis = PartBasis(templates.digest("html"), book.base, context, book.flow,
                               totals.decimals, totals.alternative_groups,
                               budget.followed_up if budget is not None else None)

    def _proposal(self, p: Proposal) -> tuple[Any, ...]:
        """A proposal, its totals, its budget-year figures, and its theme's number and title
        (its facts and running header show them; its theme's body does not: editing that
        lays out the theme's part only)."""
        site = self.book.site
        budget = site.totals.budget
        t = site.cat.theme(p.theme)
        return (p, site.totals.proposals[p.id],
                budget.proposals.get(p.id) if budget is not None else None,
                (t.number, t.title) if t is not None else None)

    def intro(self) -> tuple[Any, ...]:
        return ("pdf-part", "intro", self.basis)

    def overview(self, chart: bool) -> tuple[Any, ...]:
        return ("pdf-part", "overview", self.basis,
                self.book.site.overview_tables("", in_page=True), chart)

    def theme(self, t: Theme) -> tuple[Any, ...]:
        return ("pdf-part", "theme", self.basis, self.book.theme_item(t))

    def flowing(self, themes: Sequence[Theme]) -> tuple[Any, ...]:
        cat = self.book.site.cat
        return ("pdf-part", "flow", self.basis,
                [(self.book.theme_item(t), [self._proposal(p) for p in cat.proposals_in(t.id)])
                 for t in themes])

    def proposal(self, p: Proposal) -> tuple[Any, ...]:
        return ("pdf-part", "proposal", self.basis, self._proposal(p))


# --- The plan --------------------------------------------------------------------------------

def _layout_job(job: PdfJob, label: str) -> Job:
    return Job(layout_bytes, (job,), key=job, label=label, where=Where.POOL,
               warm=load_weasyprint_lean)


def _part_job(part: Part, chart: Job | None) -> Job:
    """A part's layout job, keyed by its data (`PartKeys`); its HTML is rendered in the job."""
    key = (part.name, part.kind, part.key)
    if part.chart and chart is not None:
        return Job(_layout_part_with_chart, (part.html,), key=key, deps=(chart,),
                   label=part.name, where=Where.POOL, warm=load_weasyprint_lean)
    return Job(_layout_part, (part.html,), key=key, label=part.name, where=Where.POOL,
               warm=load_weasyprint_lean)


def _layout_part(html: PartHtml) -> bytes:
    return layout_bytes(html.job())


def _layout_part_with_chart(html: PartHtml, inputs: Inputs) -> bytes:
    """Lay out the overview with the chart (the PDF's SVG of the chart job) in its place."""
    return _layout_with_chart(html.job(), inputs)


def _layout_with_chart(job: PdfJob, inputs: Inputs) -> bytes:
    """Lay out the overview with the chart (the PDF's SVG of the chart job) in its place."""
    svg = piece(inputs[0], 1).decode("utf-8")
    return layout_bytes(replace(job, html=job.html.replace(CHART_SLOT, svg, 1)))


def _stamp_job(job: StampJob) -> Job:
    label = f"sidetal {job.first}-{job.first + job.pages - 1} af {job.total}"
    return Job(stamp, (job,), key=job, label=label, where=Where.POOL, warm=load_weasyprint)


def plan_pdf(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """Stage 1: every part, the proposals' own PDFs that are not parts, and the front matter
    with stand-in numbers (for its page count). The parts are keyed by their data and their
    HTML is made in their jobs (`PartKeys`, `PartHtml`); only the front matter is rendered
    here."""
    book = Book.of(cat, totals, opts.templates, opts.date)
    chart = chart_job(cat, totals)
    parts, own = book.parts(PartKeys(book, opts.templates), chart is not None)
    anchors = [a for part in parts for a, _level in part.anchors]
    guess = int("8" * len(str(3 * len(anchors) + 20)))  # about as wide as the real numbers
    count = replace(book.front({a: guess for a in anchors}), kind="count")
    jobs = [_part_job(p, chart) for p in parts]
    own_jobs = [_part_job(p, None) for p in own]
    needs = (_layout_job(count, "forside (prøve)"), *jobs, *own_jobs)
    return Plan(then=Then(needs, partial(_counted, book, parts, jobs, own, own_jobs)))


@dataclass(frozen=True)
class _Laid:
    """The parts and their page counts (from stage 1), the pages (from each part's first)
    of the anchors in them, and the proposals' own PDFs as (name, job, page count)."""

    book: Book
    jobs: list[Job]
    counts: list[int]
    offsets: list[dict[str, int]]
    own: list[tuple[str, Job, int]]


def _counted(book: Book, parts: list[Part], jobs: list[Job], own: list[Part],
             own_jobs: list[Job], outputs: Sequence[bytes]) -> Plan:
    """Stage 2, once every part's page count is known."""
    laid = [LaidOut.from_bytes(raw) for raw in outputs[1:1 + len(parts)]]
    own_laid = [LaidOut.from_bytes(raw).pages for raw in outputs[1 + len(parts):]]
    front_pages = LaidOut.from_bytes(outputs[0]).pages
    mine = [(p.name, j, x.pages) for p, j, x in zip(parts, jobs, laid) if p.kind == "proposal"]
    mine += [(o.name, j, n) for o, j, n in zip(own, own_jobs, own_laid)]
    return _front_stage(_Laid(book, jobs, [x.pages for x in laid],
                              [anchor_pages(p, x) for p, x in zip(parts, laid)], mine),
                        front_pages, 1)


def anchor_pages(part: Part, laid: LaidOut) -> dict[str, int]:
    """The page (from the part's first, 0) of each anchor of a part: its headings' bookmarks
    (level 1 and 2) in order; the part's first page when they do not match (an override
    that bookmarks other headings)."""
    marks = [b for b in laid.bookmarks if b[0] <= 2]
    if len(marks) == len(part.anchors) and all(
            int(m[0]) == level for m, (_a, level) in zip(marks, part.anchors)):
        return {a: int(m[2]) for (a, _level), m in zip(part.anchors, marks)}
    return {a: 0 for a, _level in part.anchors}


def _front_stage(laid: _Laid, front_pages: int, attempt: int) -> Plan:
    """The front matter numbered as if it had `front_pages` pages, with the stamps of a
    catalogue of that many pages more than the parts', and each proposal's own stamp."""
    book = laid.book
    pages, page = {}, front_pages + 1
    for offsets, count in zip(laid.offsets, laid.counts):
        pages.update({a: page + i for a, i in offsets.items()})
        page += count
    total = page - 1
    front = _layout_job(book.front(pages), "forside")
    stamps = [_stamp_job(book.stamp(first, min(STAMP_PAGES, total - first + 1), total,
                                    cover=first == 1))
              for first in range(1, total + 1, STAMP_PAGES)]
    own = {k: _stamp_job(book.stamp(1, k, k)) for k in sorted({n for _, _, n in laid.own})}
    needs = (front, *stamps, *own.values())
    return Plan(then=Then(needs, partial(_checked_front, laid, front_pages, attempt, front,
                                         stamps, own)))


def _checked_front(laid: _Laid, front_pages: int, attempt: int, front: Job, stamps: list[Job],
                   own: dict[int, Job], outputs: Sequence[bytes]) -> Plan:
    """Stage 3: the catalogue and the proposals' own PDFs, once the front matter's page
    count is what its numbers assumed (else stage 2 again, at most `FRONT_ATTEMPTS` times)."""
    pages = LaidOut.from_bytes(outputs[0]).pages
    if pages != front_pages and attempt < FRONT_ATTEMPTS:
        return _front_stage(laid, pages, attempt + 1)
    # made here: its inputs are every part and the last catalogue (tens of megabytes a
    # worker would get pickled), and this process has nothing else to do meanwhile; the
    # proposals' own PDFs go to the pool
    catalogue = Job(finish_catalogue_job, (len(laid.jobs),), key="catalogue",
                    deps=(front, *laid.jobs, *stamps), label=CATALOGUE_FILE,
                    where=Where.HERE, previous=CATALOGUE_FILE)
    files = [Artifact(CATALOGUE_FILE, catalogue)]
    for name, job, count in laid.own:
        finish = Job(finish_proposal_job, key="proposal", deps=(own[count], job),
                     label=name, where=Where.POOL)
        files.append(Artifact(name, finish))
    return Plan(tuple(files))


# --- One PDF on its own (tests, benchmarks) --------------------------------------------------

def catalogue_job(cat: Catalogue, totals: Totals, templates: TemplateSet,
                  date: dt.date | None = None, assets: str = "") -> PdfJob:
    """The whole catalogue as one document: the site's single page (`main` of all.html)
    inside `pdf/katalog.html` (page numbers and contents laid out by WeasyPrint itself)."""
    book = Book.of(cat, totals, templates, date)
    site = book.site
    context = {**site.base("", "all"), **single_page(site)}
    main = render_block(book.env, "all.html", "main", context)
    html = book.env.get_template("katalog.html").render(**book.context, main=main)
    return PdfJob(CATALOGUE_FILE, html, book.base.base_url, book.base.template_dirs,
                  assets or book.base.assets)


def proposal_job(cat: Catalogue, totals: Totals, p: Proposal, templates: TemplateSet,
                 date: dt.date | None = None) -> PdfJob:
    """The job of `pdf/<id>.pdf`: the proposal's part of the catalogue, exactly the build's."""
    return Book.of(cat, totals, templates, date).proposal(p)
