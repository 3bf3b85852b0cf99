"""The catalogue as PDF (WeasyPrint): `build/katalog.pdf` and one `build/pdf/<id>.pdf` per
proposal (agenda attachments).

The content is the HTML site's single page (the `main` block of `html/all.html`), so the site
and the PDFs never drift. The look is `pdf/katalog.css` (A4, running header, "Side X af Y",
bookmarks via `bookmark-level`), with fonts from `fonts/`.

Every page is laid out once (see `pdf_parts`): the single page is split into parts, one per
theme introduction and one per proposal, each laid out on its own by WeasyPrint (in the
process pool, cached by `PdfJob.key`). A proposal's part *is* its own PDF (stamped "Side 1 af
2", headings renumbered from H1), and the same part's pages go into `katalog.pdf`. The front
matter (cover, table of contents with the page numbers as text, overview) is laid out last,
when every part's page count is known; then `pdf_merge.assemble` merges the structure trees,
destinations and bookmarks and stamps the catalogue's page numbers.

`catalogue_job` + `render_job` still lay out the whole catalogue as one document (the
reference the benchmarks compare with); `proposal_job` + `render_job` give exactly the bytes
of a build's `pdf/<id>.pdf`.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from .. import parallel
from ..cache import PageCache, cached_map, code_fingerprint
from ..compute import Totals
from ..model import Catalogue, Proposal
from . import pdf_parts
from .html import Site, render_block, single_page
from .html import environment as html_environment
from .templates import TemplateSet

CATALOGUE_FILE = "katalog.pdf"
PROPOSALS_DIR = "pdf"
TEMPLATE_DIR = "pdf"
PDF_VARIANT = "pdf/ua-1"
MAX_WORKERS = parallel.MAX_WORKERS
PARALLEL_MIN_JOBS = 6  # fewer PDFs than this are rendered in this process (unless by `fork`)
STAMP_PAGES = 150  # the catalogue's page-number stamp is laid out in pieces of this many pages
CACHE = "pdf"  # namespace of laid-out parts, stamps and finished PDFs in the build cache
LATEST = "latest-catalogue"  # cache key of the last catalogue's layout (to splice into it)
SPLICE_SHARE = 4  # the catalogue is spliced when at most a quarter of its parts changed


@dataclass(frozen=True)
class PdfJob:
    """Everything one PDF is made from. `name` is its path in the output folder; `kind` is
    "document" (laid out as it is), "part" (a piece of the catalogue: page counters off),
    "proposal" (a proposal's part, which is also its own PDF) or "count" (a part laid out
    only to learn its page count)."""

    name: str
    html: str
    base_url: str
    template_dirs: tuple[str, ...]
    assets: str = ""  # digest of the stylesheets and fonts the HTML refers to
    kind: str = "document"
    extra_css: str = ""  # added after the document's own stylesheets

    @property
    def key(self) -> str:
        """A digest of everything the PDF depends on, including where the templates are."""
        return _digest(self.kind, self.html, self.extra_css, self.assets, self.base_url,
                       *self.template_dirs)

    @property
    def identifier(self) -> bytes:
        """The PDF's file identifier: from the content only, not from any folder's path,
        so the same catalogue gives the same bytes wherever katalog is installed."""
        return _digest(self.html, self.assets)[:32].encode("ascii")


@dataclass(frozen=True)
class StampJob:
    """Empty pages that show only the page-counter margin boxes: pages `first` to
    `first + pages - 1` of `total`, the first one the cover when `cover`."""

    css: str
    base_url: str
    template_dirs: tuple[str, ...]
    boxes: tuple[str, ...]
    first: int
    pages: int
    total: int
    cover: bool = False

    @property
    def key(self) -> str:
        return _digest("stamp", self.css, self.base_url, *self.template_dirs, *self.boxes,
                       str(self.first), str(self.pages), str(self.total), str(self.cover))


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class RenderedPdf:
    name: str
    data: bytes
    pages: int


@dataclass(frozen=True)
class LaidOut:
    """A laid-out job: the PDF, its pages without stand-ins, and its bookmarks as
    (level, label, page index, x, y) in PDF points."""

    data: bytes
    pages: int
    bookmarks: tuple[tuple[int, str, int, float, float], ...] = ()
    anchors: tuple[str, ...] = ()  # the ids it defines (its destinations)

    def to_bytes(self) -> bytes:
        head = json.dumps({"pages": self.pages, "bookmarks": self.bookmarks,
                           "anchors": self.anchors}, ensure_ascii=False).encode("utf-8")
        return len(head).to_bytes(8, "big") + head + self.data

    @classmethod
    def from_bytes(cls, raw: bytes) -> "LaidOut":
        n = int.from_bytes(raw[:8], "big")
        head = json.loads(raw[8:8 + n])
        return cls(raw[8 + n:], head["pages"],
                   tuple(tuple(b) for b in head["bookmarks"]),
                   tuple(head["anchors"]))


def environment(templates: TemplateSet) -> Environment:
    """The HTML environment, with the PDF templates searched first."""
    env = html_environment(templates)
    dirs = templates.search_path(TEMPLATE_DIR) + templates.search_path("html")
    env.loader = FileSystemLoader([str(d) for d in dirs])
    return env


def _base_url(templates: TemplateSet) -> str:
    """Relative URLs in the PDF templates (`katalog.css`, `../fonts/...`) resolve from the
    first templates folder; `_fetcher` falls back to the defaults."""
    return (templates.dirs[0] / TEMPLATE_DIR / "katalog.html").as_uri()


def _context(site: Site, date: dt.date | None) -> dict[str, Any]:
    s = site.cat.settings
    years = s.years
    budget_years = f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0])
    return {
        **site.base("", "pdf"),
        "budget_years": budget_years,
        "subject": s.subtitle or f"{s.title}: forslag til budget {budget_years}",
        "date": date,
    }


def _main(env: Environment, site: Site) -> Markup:
    return render_block(env, "all.html", "main", {**site.base("", "all"), **single_page(site)})


def catalogue_job(cat: Catalogue, totals: Totals, templates: TemplateSet,
                  date: dt.date | None = None, assets: str = "") -> PdfJob:
    """The whole catalogue as one document: the site's single page inside
    `pdf/katalog.html` (page numbers and contents laid out by WeasyPrint itself)."""
    env = environment(templates)
    site = Site(cat, totals, date)
    text = env.get_template("katalog.html").render(**_context(site, date), main=_main(env, site))
    return PdfJob(CATALOGUE_FILE, text, _base_url(templates), _dirs(templates),
                  assets or assets_digest(templates))


@dataclass(frozen=True)
class Plan:
    """What a build lays out: the parts in catalogue order, and the front matter's HTML
    without page numbers (and without stand-ins)."""

    front: PdfJob
    parts: tuple[PdfJob, ...]
    anchors: tuple[str, ...]  # each part's first anchor (theme or proposal id), in order
    stylesheet: str  # the text of pdf/katalog.css
    stylesheet_url: str
    boxes: tuple[str, ...]  # the margin boxes with page counters


def plan(cat: Catalogue, totals: Totals, templates: TemplateSet,
         date: dt.date | None = None) -> Plan:
    """Split the catalogue into its parts (see `pdf_parts`)."""
    env = environment(templates)
    site = Site(cat, totals, date)
    ctx = _context(site, date)
    assets = assets_digest(templates)
    css, css_url = _stylesheet(_dirs(templates))
    boxes = pdf_parts.counter_boxes(css)
    extra = pdf_parts.part_css(boxes)
    front, themes = pdf_parts.split_main(str(_main(env, site)))
    front, sections = pdf_parts.split_front(front)
    base, dirs = _base_url(templates), _dirs(templates)
    front_html = env.get_template("katalog.html").render(**ctx, main=Markup(front))
    front_job = PdfJob(CATALOGUE_FILE, front_html, base, dirs, assets, "part", extra)
    part_template = env.get_template("del.html")
    proposals = {f"forslag-{p.id}": p for p in cat.proposals}
    s = cat.settings
    parts, anchors = [], []
    for anchor, opening, content in sections:  # the overview
        heading = re.search(r"<h2\b[^>]*>(.*?)</h2>", content, re.S)
        section = Markup(heading.group(1) if heading else "")
        html = part_template.render(**ctx, opening=Markup(opening), part=Markup(content),
                                    section=section, title=section, description=s.title)
        parts.append(PdfJob(f"forside/{anchor}", html, base, dirs, assets, "part", extra))
        anchors.append(anchor)
    for opening, intro, articles in themes:
        section = Markup(_attr(opening, "data-title"))
        anchor = _attr(opening, "id")
        html = part_template.render(**ctx, opening=Markup(opening), part=Markup(intro),
                                    section=section, title=section, description=s.title)
        parts.append(PdfJob(f"tema/{anchor}", html, base, dirs, assets, "part", extra))
        anchors.append(anchor)
        for article_anchor, article in articles:
            p = proposals.get(article_anchor)
            title = f"{p.id} {p.title}" if p else article_anchor
            html = part_template.render(
                **ctx, opening=Markup('<section class="theme">'), part=Markup(article),
                section=section, title=title, description=Markup(f"{s.title}: ") + section)
            name = f"{PROPOSALS_DIR}/{p.id}.pdf" if p else f"tema/{article_anchor}"
            parts.append(PdfJob(name, html, base, dirs, assets, "proposal", extra))
            anchors.append(article_anchor)
    return Plan(front_job, tuple(parts), tuple(anchors), css, css_url, tuple(sorted(boxes)))


def _attr(tag: str, name: str) -> str:
    m = re.search(rf'\b{name}="([^"]*)"', tag)
    return m.group(1) if m else ""


def proposal_job(cat: Catalogue, totals: Totals, p: Proposal, templates: TemplateSet,
                 date: dt.date | None = None, env: Environment | None = None,
                 assets: str = "") -> PdfJob:
    """The job for `pdf/<id>.pdf`: the proposal's part of the catalogue, cut from the whole
    single page so that it is exactly the build's (`env` and `assets` are not needed any
    more; kept for callers)."""
    name = f"{PROPOSALS_DIR}/{p.id}.pdf"
    return next(j for j in plan(cat, totals, templates, date).parts if j.name == name)


def _dirs(templates: TemplateSet) -> tuple[str, ...]:
    return tuple(str(d) for d in templates.dirs)


def assets_digest(templates: TemplateSet) -> str:
    """A digest of the files WeasyPrint loads besides the HTML: `pdf/` and `fonts/`."""
    h = hashlib.sha256()
    for sub in (TEMPLATE_DIR, "fonts"):
        for rel, path in templates.files(sub).items():
            h.update(f"{sub}/{rel}\0".encode("utf-8"))
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


# --- Laying out ------------------------------------------------------------------------------

def layout(job: PdfJob) -> LaidOut:
    """Lay out one job with WeasyPrint: tagged PDF/UA-1, fonts embedded, reproducible."""
    from weasyprint import HTML  # heavy: only PDF builds

    options = {
        "pdf_variant": PDF_VARIANT,
        "pdf_tags": True,
        "pdf_identifier": job.identifier,
    }
    fetcher = _fetcher(job.template_dirs)
    html = job.html
    extra: dict[str, Any] = {}
    if job.kind != "document":
        html = pdf_parts.with_stubs(html)
        if STYLESHEET_LINK in html:  # parse the stylesheet once per process, not per part
            html = html.replace(STYLESHEET_LINK, "", 1)
            fonts, sheets = _parsed_stylesheets(job)
            extra = {"stylesheets": sheets, "font_config": fonts}
    document = HTML(string=html, base_url=job.base_url, url_fetcher=fetcher).render(
        **extra, **options)
    if job.kind == "count":  # only the page count is wanted: no drawing, no PDF
        return LaidOut(b"", len(document.pages) - (1 if pdf_parts.has_stubs(html) else 0))
    data = document.write_pdf(finisher=_describe_links, **options)
    pages = len(document.pages) - (1 if pdf_parts.has_stubs(html) else 0)
    bookmarks, anchors = [], []
    for i, page in enumerate(document.pages[:pages]):
        height = page.height * 0.75
        for level, label, (x, y), _state in page.bookmarks:
            bookmarks.append((level, label, i, round(x * 0.75, 2), round(height - y * 0.75, 2)))
        anchors.extend(page.anchors)
    return LaidOut(data, pages, tuple(bookmarks), tuple(anchors))


STYLESHEET_LINK = '<link rel="stylesheet" href="katalog.css">'
_PARSED: dict[tuple[str, ...], tuple[Any, list[Any]]] = {}
atexit.register(_PARSED.clear)  # before the interpreter tears down WeasyPrint's modules


def _parsed_stylesheets(job: PdfJob) -> tuple[Any, list[Any]]:
    """`pdf/katalog.css` and the part's extra rules, parsed once per process (with the
    font configuration their `@font-face` rules load into): most of a small part's layout
    time was parsing the same stylesheet again."""
    key = (job.assets, job.base_url, job.extra_css, *job.template_dirs)
    if key not in _PARSED:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fetcher = _fetcher(job.template_dirs)
        fonts = FontConfiguration()
        url = urljoin(job.base_url, "katalog.css")
        sheets = [CSS(url=url, url_fetcher=fetcher, font_config=fonts)]
        if job.extra_css:
            sheets.append(CSS(string=job.extra_css, base_url=job.base_url,
                              url_fetcher=fetcher, font_config=fonts))
        _PARSED.clear()
        _PARSED[key] = (fonts, sheets)
    return _PARSED[key]


def _layout_bytes(job: PdfJob) -> bytes:
    return layout(job).to_bytes()


def stamp(job: StampJob) -> bytes:
    """Lay out a page-number stamp (an untagged PDF: it is drawn as an artifact)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _fetcher(job.template_dirs)
    fonts = FontConfiguration()
    css = CSS(string=pdf_parts.stamp_css(job.css, set(job.boxes), job.first, job.total),
              base_url=job.base_url, url_fetcher=fetcher, font_config=fonts)
    html = pdf_parts.stamp_html(job.pages, job.cover)
    data: bytes = HTML(string=html, base_url=job.base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=[css], font_config=fonts, pdf_identifier=b"0" * 32)
    return data


def render_job(job: PdfJob) -> RenderedPdf:
    """One PDF on its own: a whole document as it is, a proposal's part as its own PDF."""
    laid = layout(job)
    if job.kind == "proposal":
        return RenderedPdf(job.name, finish_proposal(_stamp_for(job, laid.pages), laid),
                           laid.pages)
    return RenderedPdf(job.name, laid.data, laid.pages)


def _stamp_for(job: PdfJob, pages: int) -> bytes:
    """The page numbers of a PDF of `pages` pages on its own ("Side 1 af 2")."""
    css, url = _stylesheet(job.template_dirs)
    boxes = tuple(sorted(pdf_parts.counter_boxes(css)))
    return stamp(StampJob(css, url, job.template_dirs, boxes, 1, pages, pages))


def _stylesheet(template_dirs: Sequence[str]) -> tuple[str, str]:
    """The text and URL of the first `pdf/katalog.css` in the templates folders."""
    for d in template_dirs:
        path = Path(d) / TEMPLATE_DIR / "katalog.css"
        if path.is_file():
            return path.read_text(encoding="utf-8"), path.as_uri()
    return "", (Path(template_dirs[0]) / TEMPLATE_DIR / "katalog.css").as_uri()


def finish_proposal(stamp_pdf: bytes, laid: LaidOut) -> bytes:
    """A proposal's part as its own PDF: its page numbers, H1 for its heading, and its
    bookmarks one level up (the proposal, then its sections)."""
    from .pdf_merge import Bookmark, Source, assemble

    marks = [Bookmark(level - 1, label, page, x, y)
             for level, label, page, x, y in laid.bookmarks if level >= 2]
    return assemble(Source(laid.data, laid.pages), [], [stamp_pdf], marks, heading_shift=-2)


def _finish(task: tuple[str, Any]) -> bytes:
    """A finishing step run in the pool: ("proposal", (stamp, laid)), ("catalogue", …) or
    ("splice", …)."""
    from .pdf_merge import Source, splice

    kind, args = task
    if kind == "proposal":
        stamp_pdf, raw = args
        return finish_proposal(stamp_pdf, LaidOut.from_bytes(raw))
    if kind == "splice":
        previous, changed, marks, whole = args
        parts = [(first, LaidOut.from_bytes(raw)) for first, raw in changed]
        try:
            return splice(previous, [(first, Source(p.data, p.pages)) for first, p in parts],
                          marks)
        except Exception:  # noqa: BLE001 - a catalogue it cannot read: assemble it all again
            args = whole
    front_raw, part_raws, stamps, marks = args
    return _finish_catalogue(LaidOut.from_bytes(front_raw),
                             [LaidOut.from_bytes(r) for r in part_raws], stamps, marks)


def _catalogue_marks(front: LaidOut, parts: Sequence[LaidOut]) -> list[Any]:
    """The catalogue's bookmarks: the front matter's, then themes and proposals."""
    from .pdf_merge import Bookmark

    marks = [Bookmark(*b) for b in front.bookmarks if b[0] <= 2]
    offset = front.pages
    for part in parts:
        marks.extend(Bookmark(level, label, page + offset, x, y)
                     for level, label, page, x, y in part.bookmarks if level <= 2)
        offset += part.pages
    return marks


def _finish_catalogue(front: LaidOut, parts: Sequence[LaidOut], stamps: Sequence[bytes],
                      marks: Sequence[Any]) -> bytes:
    from .pdf_merge import Source, assemble

    return assemble(Source(front.data, front.pages),
                    [Source(p.data, p.pages) for p in parts], stamps, marks)


def _describe_links(document: Any, _pdf: Any) -> None:
    """Give each link annotation its link text as description (`/Contents`, which PDF/UA
    requires); WeasyPrint puts the bare target there (e.g. `forslag-ADM-01`)."""
    import pydyf

    for page in document.pages:
        for _kind, _target, _rect, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            element = getattr(box, "element", None)
            if annotation is None or element is None:
                continue
            text = " ".join("".join(element.itertext()).split())
            if text:
                annotation["Contents"] = pydyf.String(text)


# --- A build ---------------------------------------------------------------------------------

_start_method = parallel.start_method  # the pool lives in katalog.parallel
default_workers = parallel.default_workers


def render_pdf(
    cat: Catalogue,
    totals: Totals,
    out: Path,
    templates: TemplateSet,
    date: dt.date | None = None,
    workers: int | None = None,
    cache: PageCache | None = None,
) -> list[Path]:
    """Write `out/katalog.pdf` and `out/pdf/<id>.pdf`; returns the files written. Laid-out
    parts, stamps and finished PDFs are taken from `cache` when their inputs are unchanged."""
    n = parallel.default_workers() if workers is None else workers
    with parallel.pool(n) as pmap:  # one set of workers for every step
        the_plan = plan(cat, totals, templates, date)
        code = code_fingerprint() if cache is not None else ""

        def run(fn: Any, items: Sequence[Any], keys: Sequence[str], labels: Sequence[str],
                min_items: int = 2 if parallel.starts_cheaply() else PARALLEL_MIN_JOBS
                ) -> list[bytes]:
            return cached_map(cache, CACHE, fn, items, [_digest(code, k) for k in keys], labels,
                              workers=n, min_items=min_items, mapper=pmap)

        # 1. The parts, and the front matter with stand-in page numbers (for its page count).
        guess_job = replace(_front_job(the_plan, None, 0), kind="count")
        first = [guess_job, *the_plan.parts]
        laid = [LaidOut.from_bytes(raw) for raw in
                run(_layout_bytes, first, [j.key for j in first], ["forside (prøve)"] +
                    [j.name for j in the_plan.parts])]
        front_pages, parts = laid[0].pages, laid[1:]
        own_counts = sorted({p.pages for p, j in zip(parts, the_plan.parts) if j.kind == "proposal"})
        own_stamps = [StampJob(the_plan.stylesheet, the_plan.stylesheet_url, _dirs(templates),
                               the_plan.boxes, 1, k, k) for k in own_counts]
        # 2. The front matter with its page numbers, and the stamps.
        for _attempt in range(3):
            front_job = _front_job(the_plan, parts, front_pages)
            stamp_jobs = _catalogue_stamps(the_plan, templates,
                                           front_pages + sum(p.pages for p in parts))
            second: list[Any] = [front_job, *stamp_jobs, *own_stamps]
            done = run(_second, second, [j.key for j in second],
                       ["forside"] + [f"sidetal {j.first}-{j.first + j.pages - 1} af {j.total}"
                                      for j in second[1:]], min_items=2)
            front_raw = done[0]
            front = LaidOut.from_bytes(front_raw)
            if front.pages == front_pages:
                break
            front_pages = front.pages
        catalogue_stamps = done[1:1 + len(stamp_jobs)]
        by_count = dict(zip(own_counts, done[1 + len(stamp_jobs):]))
        # 3. The catalogue (from the previous one when only a few parts changed), and each
        # proposal's own PDF.
        tasks: list[tuple[str, Any]] = []
        keys, names = [], []
        part_raws = [p.to_bytes() for p in parts]
        marks = _catalogue_marks(front, parts)
        layout_now = {"code": code, "front": front_job.key, "stamps": [j.key for j in stamp_jobs],
                      "parts": [[j.key, p.pages] for j, p in zip(the_plan.parts, parts)]}
        catalogue_key = _digest("catalogue", front_job.key, *[j.key for j in the_plan.parts],
                                *[j.key for j in stamp_jobs])
        layout_now["catalogue"] = _digest(code, catalogue_key)
        previous = _previous_catalogue(cache, layout_now)
        if previous is not None:
            data, changed = previous
            starts = [front.pages + sum(p.pages for p in parts[:i]) for i in range(len(parts))]
            tasks.append(("splice", (data, [(starts[i], part_raws[i]) for i in changed], marks,
                                     (front_raw, part_raws, catalogue_stamps, marks))))
        else:
            tasks.append(("catalogue", (front_raw, part_raws, catalogue_stamps, marks)))
        keys.append(catalogue_key)
        names.append(CATALOGUE_FILE)
        for job, part, raw in zip(the_plan.parts, parts, part_raws):
            if job.kind != "proposal":
                continue
            tasks.append(("proposal", (by_count[part.pages], raw)))
            keys.append(_digest("proposal", job.key, own_stamps[own_counts.index(part.pages)].key))
            names.append(job.name)
        written = []
        for name, data in zip(names, run(_finish, tasks, keys, names)):
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
        if cache is not None:
            cache.put(CACHE, LATEST, json.dumps(layout_now).encode("utf-8"))
            cache.prune(CACHE)
        return written


def _previous_catalogue(cache: PageCache | None,
                        layout_now: dict[str, Any]) -> tuple[bytes, list[int]] | None:
    """The last build's catalogue and the indexes of the parts that changed since, when
    splicing them in is the cheaper way to the new one: the same code, front matter, stamps
    and page count of every part, and few parts changed (`pdf_merge.splice`)."""
    raw = cache.use(CACHE, LATEST) if cache is not None else None
    if cache is None or raw is None:
        return None
    try:
        old = json.loads(raw)
        if (old["catalogue"] == layout_now["catalogue"]
                or any(old[k] != layout_now[k] for k in ("code", "front", "stamps"))
                or [p for _, p in old["parts"]] != [p for _, p in layout_now["parts"]]):
            return None
        changed = [i for i, (a, b) in enumerate(zip(old["parts"], layout_now["parts"]))
                   if a[0] != b[0]]
    except (ValueError, KeyError, TypeError):
        return None
    if not changed or len(changed) * SPLICE_SHARE > len(layout_now["parts"]):
        return None
    data = cache.get(CACHE, old["catalogue"])
    return None if data is None else (data, changed)


def _second(job: PdfJob | StampJob) -> bytes:
    return stamp(job) if isinstance(job, StampJob) else _layout_bytes(job)


def _front_job(the_plan: Plan, parts: Sequence[LaidOut] | None, front_pages: int) -> PdfJob:
    """The front matter with the table of contents' page numbers; with `parts=None`, with
    stand-in numbers of about the right width (to learn its page count early)."""
    numbers: dict[str, int] = {}
    page = front_pages + 1
    if parts is None:
        guess = int("8" * len(str(3 * len(the_plan.anchors) + 20)))
        numbers = {anchor: guess for anchor in the_plan.anchors}
    for anchor, part in zip(the_plan.anchors, parts or ()):
        numbers[anchor] = page
        page += part.pages
    return replace(the_plan.front, html=pdf_parts.numbered_toc(the_plan.front.html, numbers))


def _catalogue_stamps(the_plan: Plan, templates: TemplateSet, total: int) -> list[StampJob]:
    return [StampJob(the_plan.stylesheet, the_plan.stylesheet_url, _dirs(templates),
                     the_plan.boxes, first, min(STAMP_PAGES, total - first + 1), total,
                     cover=first == 1)
            for first in range(1, total + 1, STAMP_PAGES)]


def _fetcher(template_dirs: Sequence[str]) -> Any:
    from weasyprint.urls import URLFetcher

    class TemplateFetcher(URLFetcher):  # type: ignore[misc]
        """Local files only (nothing is fetched from the network). A file missing from an
        override folder is taken from the next templates folder, so a municipality that
        overrides only `pdf/katalog.css` still gets the default fonts."""

        def __init__(self, dirs: Sequence[str]) -> None:
            super().__init__(allowed_protocols={"file", "data"})
            self._dirs = [Path(d) for d in dirs]

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                url = self._resolve(url)
            return super().fetch(url, headers)

        def _resolve(self, url: str) -> str:
            path = Path(url2pathname(urlsplit(url).path))
            if path.exists():
                return url
            for d in self._dirs:
                try:
                    rel = path.relative_to(d)
                except ValueError:
                    continue
                for other in self._dirs:
                    if (other / rel).is_file():
                        return (other / rel).as_uri()
            return url

    return TemplateFetcher(template_dirs)
