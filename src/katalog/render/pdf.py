"""The catalogue as PDF (WeasyPrint): `build/katalog.pdf` and one `build/pdf/<id>.pdf` per
proposal (agenda attachments). A planner; `pdf_layout` lays out, `pdf_merge` assembles.

The content is the HTML site's single page: each piece of the catalogue is made by its macro
of `html/all.html` (`overview`, `theme`, `proposal`; the front matter by `cover` and `toc`),
so the site and the PDFs never drift, and a template override that lacks one is refused with
a message naming it. The look is `pdf/katalog.css` (A4, running header, "Side X af Y",
bookmarks via `bookmark-level`), with fonts from `fonts/`.

Every page is laid out once, in stages (`plan_pdf`):

1. each *part* (the overview, each theme's introduction, each proposal) as a small document
   of its own (`pdf/del.html`), and the front matter with stand-in page numbers (to learn
   its page count); in the process pool, cached by their HTML;
2. when every part's page count is known: the front matter (cover, contents with the page
   numbers from the parts' counts) and the page-number stamps;
3. `katalog.pdf` (front matter + parts + stamps, `pdf_layout.finish_catalogue_job`, which
   splices the changed parts into the last build's catalogue when no page moved) and each
   proposal's own PDF (its part with its own stamp, headings from H1).

`catalogue_job` + `render_job` still lay out the whole catalogue as one document (the
reference the benchmarks compare with); `proposal_job` + `render_job` give exactly the bytes
of a build's `pdf/<id>.pdf`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Sequence

from jinja2 import Environment, FileSystemLoader
from jinja2.runtime import Macro
from markupsafe import Markup

from ..compute import Totals
from ..model import Catalogue, Proposal, Theme
from . import pdf_parts
from .html import (
    OVERVIEW_ANCHOR,
    Site,
    anchor,
    catalogue_macros,
    single_page,
    theme_entries,
)
from .html import environment as html_environment
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
    render_job,
    stamp,
    stylesheet,
)
from .plan import Artifact, Job, Options, Plan, Then, Where
from .templates import TemplateSet, render_block

CATALOGUE_FILE = "katalog.pdf"
PROPOSALS_DIR = "pdf"
STAMP_PAGES = 150  # the catalogue's page-number stamp is laid out in pieces of this many pages
FRONT_ATTEMPTS = 3  # the front matter is laid out again when its page count changes
OVERVIEW_TITLE = "Oversigt over temaer"

__all__ = ["CATALOGUE_FILE", "PROPOSALS_DIR", "PdfJob", "RenderedPdf", "catalogue_job",
           "plan_pdf", "proposal_job", "render_job"]


def environment(templates: TemplateSet) -> Environment:
    """The HTML environment, with the PDF templates searched first."""
    env = html_environment(templates)
    dirs = templates.search_path(TEMPLATE_DIR) + templates.search_path("html")
    env.loader = FileSystemLoader([str(d) for d in dirs])
    return env


def _base_url(templates: TemplateSet) -> str:
    """Relative URLs in the PDF templates (`katalog.css`, `../fonts/...`) resolve from the
    first templates folder; the layout's fetcher falls back to the defaults."""
    return (templates.dirs[0] / TEMPLATE_DIR / "katalog.html").as_uri()


@dataclass
class Book:
    """The catalogue's pieces as HTML documents to lay out (built in the build's process)."""

    site: Site
    env: Environment
    macros: dict[str, Macro]
    context: dict[str, Any]  # what pdf/katalog.html and pdf/del.html see
    base: PdfJob  # the fields every job shares (base_url, template dirs, assets)
    css: str
    css_url: str
    boxes: tuple[str, ...]  # the margin boxes with page counters

    @classmethod
    def of(cls, cat: Catalogue, totals: Totals, templates: TemplateSet,
           date: dt.date | None) -> "Book":
        env = environment(templates)
        site = Site(cat, totals, date, env, local_links=False)
        s = cat.settings
        years = s.years
        budget_years = f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0])
        context = {**site.base("", "pdf"), "budget_years": budget_years,
                   "subject": s.subtitle or f"{s.title}: forslag til budget {budget_years}",
                   "date": date}
        dirs = dirs_of(templates)
        css, css_url = stylesheet(dirs)
        boxes = pdf_parts.counter_boxes(css)
        base = PdfJob("", "", _base_url(templates), dirs, assets_digest(templates), "part",
                      pdf_parts.part_css(boxes))
        return cls(site, env, catalogue_macros(env, site), context, base, css, css_url,
                   tuple(sorted(boxes)))

    def front(self, pages: dict[str, int]) -> PdfJob:
        """The cover and the contents, each entry numbered from `pages` (anchor → page)."""
        m = self.macros
        main = Markup("\n") + m["cover"]() + "\n" + m["toc"](theme_entries(self.site),
                                                             pages=pages) + "\n"
        html = self.env.get_template("katalog.html").render(**self.context, main=main)
        return replace(self.base, name=CATALOGUE_FILE, html=html)

    def _part(self, name: str, part: str, section: str, title: str, description: str,
              kind: str = "part", in_theme: bool = False) -> PdfJob:
        html = self.env.get_template("del.html").render(
            **self.context, part=Markup(part), section=section, title=title,
            description=description, in_theme=in_theme)
        return replace(self.base, name=name, html=html, kind=kind)

    def overview(self) -> PdfJob:
        site = self.site
        part = self.macros["overview"](site.overview("", in_page=True),
                                       _target_allocation(site))
        return self._part(f"forside/{OVERVIEW_ANCHOR}", part, OVERVIEW_TITLE, OVERVIEW_TITLE,
                          site.cat.settings.title)

    def theme(self, t: Theme) -> PdfJob:
        item = self.site.theme(t, "", in_page=True)
        section = f"Tema {t.number}: {t.title}"
        return self._part(f"tema/{item['anchor']}", self.macros["theme"](item), section,
                          section, self.site.cat.settings.title)

    def proposal(self, p: Proposal) -> PdfJob:
        cat = self.site.cat
        t = cat.theme(p.theme)
        section = f"Tema {t.number}: {t.title}" if t else ""
        article = self.macros["proposal"](self.site.proposal(p, "", top=4))
        return self._part(f"{PROPOSALS_DIR}/{p.id}.pdf", article, section, f"{p.id} {p.title}",
                          Markup(f"{cat.settings.title}: ") + section, "proposal", True)

    def parts(self) -> tuple[list[PdfJob], list[str]]:
        """Every part in catalogue order, and the anchor the contents point at for each."""
        jobs, anchors = [self.overview()], [OVERVIEW_ANCHOR]
        for t in self.site.cat.themes:
            jobs.append(self.theme(t))
            anchors.append(anchor("tema", t.id))
            for p in self.site.cat.proposals_in(t.id):
                jobs.append(self.proposal(p))
                anchors.append(anchor("forslag", p.id))
        return jobs, anchors

    def stamp(self, first: int, pages: int, total: int, cover: bool = False) -> StampJob:
        return StampJob(self.css, self.css_url, self.base.template_dirs, self.boxes, first,
                        pages, total, cover)


def _target_allocation(site: Site) -> Any:
    from . import view

    return view.target_allocation_table(site.cat, site.totals)


# --- The plan --------------------------------------------------------------------------------

def _layout_job(job: PdfJob, label: str) -> Job:
    return Job(layout_bytes, (job,), key=job, label=label, where=Where.POOL)


def _stamp_job(job: StampJob) -> Job:
    label = f"sidetal {job.first}-{job.first + job.pages - 1} af {job.total}"
    return Job(stamp, (job,), key=job, label=label, where=Where.POOL)


def plan_pdf(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """Stage 1: every part, and the front matter with stand-in numbers (for its page count)."""
    book = Book.of(cat, totals, opts.templates, opts.date)
    parts, anchors = book.parts()
    guess = int("8" * len(str(3 * len(anchors) + 20)))  # about as wide as the real numbers
    count = replace(book.front({a: guess for a in anchors}), kind="count")
    jobs = [_layout_job(count, "forside (prøve)")] + [_layout_job(p, p.name) for p in parts]
    return Plan(then=Then(tuple(jobs), partial(_counted, book, parts, anchors, jobs[1:])))


def _counted(book: Book, parts: list[PdfJob], anchors: list[str], part_jobs: list[Job],
             outputs: Sequence[bytes]) -> Plan:
    """Stage 2, once every part's page count is known."""
    counts = [LaidOut.from_bytes(raw).pages for raw in outputs[1:]]
    front_pages = LaidOut.from_bytes(outputs[0]).pages
    return _front_stage(_Laid(book, parts, anchors, part_jobs, counts), front_pages, 1)


@dataclass(frozen=True)
class _Laid:
    """The parts and their page counts (from stage 1)."""

    book: Book
    parts: list[PdfJob]
    anchors: list[str]
    jobs: list[Job]
    counts: list[int]


def _front_stage(laid: _Laid, front_pages: int, attempt: int) -> Plan:
    """The front matter numbered as if it had `front_pages` pages, with the stamps of a
    catalogue of that many pages more than the parts', and each proposal's own stamp."""
    book = laid.book
    pages, page = {}, front_pages + 1
    for a, count in zip(laid.anchors, laid.counts):
        pages[a] = page
        page += count
    total = page - 1
    front = _layout_job(book.front(pages), "forside")
    stamps = [_stamp_job(book.stamp(first, min(STAMP_PAGES, total - first + 1), total,
                                    cover=first == 1))
              for first in range(1, total + 1, STAMP_PAGES)]
    own = {k: _stamp_job(book.stamp(1, k, k)) for k in
           sorted({c for j, c in zip(laid.parts, laid.counts) if j.kind == "proposal"})}
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
    catalogue = Job(finish_catalogue_job, (len(laid.jobs),), key="catalogue",
                    deps=(front, *laid.jobs, *stamps), label=CATALOGUE_FILE,
                    where=Where.POOL, previous=CATALOGUE_FILE)
    files = [Artifact(CATALOGUE_FILE, catalogue)]
    for part, job, count in zip(laid.parts, laid.jobs, laid.counts):
        if part.kind == "proposal":
            finish = Job(finish_proposal_job, key="proposal", deps=(own[count], job),
                         label=part.name, where=Where.POOL)
            files.append(Artifact(part.name, finish))
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
