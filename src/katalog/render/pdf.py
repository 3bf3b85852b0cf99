"""The catalogue as PDF (WeasyPrint): `build/katalog.pdf` and one `build/pdf/<id>.pdf` per
proposal (agenda attachments).

The whole-catalogue PDF lays out the HTML site's single page (the `main` block of
`html/all.html`) inside `pdf/katalog.html`, which adds the cover and the metadata; a
proposal's PDF uses the same `proposal_body` macro in `pdf/forslag.html`. So the site and the
PDFs never drift. The look is `pdf/katalog.css` (A4, running header, "Side X af Y", table of
contents via `target-counter`, bookmarks via `bookmark-level`), with fonts from `fonts/`.

Every PDF is described by a `PdfJob` (its HTML and where its stylesheet and fonts live), and
`render_job` is a pure function of it: same job, same bytes. That makes it safe to run the jobs
in a process pool and to cache them by `PdfJob.key`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlsplit
from urllib.request import url2pathname

from jinja2 import Environment, FileSystemLoader

from .. import parallel
from ..compute import Totals
from ..model import Catalogue, Proposal
from .html import Site, render_block, single_page
from .html import environment as html_environment
from .templates import TemplateSet

CATALOGUE_FILE = "katalog.pdf"
PROPOSALS_DIR = "pdf"
TEMPLATE_DIR = "pdf"
PDF_VARIANT = "pdf/ua-1"
MAX_WORKERS = parallel.MAX_WORKERS
PARALLEL_MIN_JOBS = 6  # fewer PDFs than this are rendered in this process


@dataclass(frozen=True)
class PdfJob:
    """Everything one PDF is made from. `name` is its path in the output folder."""

    name: str
    html: str
    base_url: str
    template_dirs: tuple[str, ...]
    assets: str = ""  # digest of the stylesheets and fonts the HTML refers to

    @property
    def key(self) -> str:
        """A digest of everything the PDF depends on, including where the templates are."""
        return _digest(self.html, self.assets, self.base_url, *self.template_dirs)

    @property
    def identifier(self) -> bytes:
        """The PDF's file identifier: from the content only, not from any folder's path,
        so the same catalogue gives the same bytes wherever katalog is installed."""
        return _digest(self.html, self.assets)[:32].encode("ascii")


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


def catalogue_job(cat: Catalogue, totals: Totals, templates: TemplateSet,
                  date: dt.date | None = None, assets: str = "") -> PdfJob:
    """The job for `katalog.pdf`: the site's single page inside `pdf/katalog.html`."""
    env = environment(templates)
    site = Site(cat, totals, date)
    ctx = _context(site, date)
    main = render_block(env, "all.html", "main", {**site.base("", "all"), **single_page(site)})
    text = env.get_template("katalog.html").render(**ctx, main=main)
    return PdfJob(CATALOGUE_FILE, text, _base_url(templates), _dirs(templates),
                  assets or assets_digest(templates))


def proposal_job(cat: Catalogue, totals: Totals, p: Proposal, templates: TemplateSet,
                 date: dt.date | None = None, env: Environment | None = None,
                 assets: str = "") -> PdfJob:
    """The job for `pdf/<id>.pdf`: one proposal with its own heading, table and body."""
    env = env or environment(templates)
    site = Site(cat, totals, date)
    theme = cat.theme(p.theme)
    theme_label = f"Tema {theme.number}: {theme.title}" if theme else p.theme
    text = env.get_template("forslag.html").render(
        **_context(site, date), p=site.proposal(p, "", top=2), theme_label=theme_label)
    return PdfJob(f"{PROPOSALS_DIR}/{p.id}.pdf", text, _base_url(templates), _dirs(templates),
                  assets or assets_digest(templates))


def jobs(cat: Catalogue, totals: Totals, templates: TemplateSet,
         date: dt.date | None = None) -> list[PdfJob]:
    """All PDFs of a build, the whole catalogue (the longest job) first."""
    env = environment(templates)
    assets = assets_digest(templates)
    return [catalogue_job(cat, totals, templates, date, assets)] + [
        proposal_job(cat, totals, p, templates, date, env, assets) for p in cat.proposals
    ]


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


def render_job(job: PdfJob) -> RenderedPdf:
    """Lay out one job with WeasyPrint: tagged PDF/UA-1, fonts embedded, reproducible."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # heavy: only PDF builds

    options = {
        "pdf_variant": PDF_VARIANT,
        "pdf_tags": True,
        "pdf_identifier": job.identifier,
    }
    document = HTML(string=job.html, base_url=job.base_url,
                    url_fetcher=_fetcher(job.template_dirs)).render(**options)
    data = document.write_pdf(finisher=_describe_links, **options)
    return RenderedPdf(job.name, data, len(document.pages))


def _describe_links(document: Any, _pdf: Any) -> None:
    """Give each link annotation its link text as description (`/Contents`, which PDF/UA
    requires); WeasyPrint puts the bare target there (e.g. `forslag-ADM-01`)."""
    import pydyf  # type: ignore[import-untyped]

    for page in document.pages:
        for _kind, _target, _rect, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            element = getattr(box, "element", None)
            if annotation is None or element is None:
                continue
            text = " ".join("".join(element.itertext()).split())
            if text:
                annotation["Contents"] = pydyf.String(text)


def run_jobs(jobs: Sequence[PdfJob], workers: int | None = None) -> list[RenderedPdf]:
    """Render the jobs, in a pool of `workers` processes when there are enough of them."""
    return parallel.map_processes(render_job, jobs, workers, min_items=PARALLEL_MIN_JOBS)


_start_method = parallel.start_method  # the pool lives in katalog.parallel
default_workers = parallel.default_workers


def render_pdf(
    cat: Catalogue,
    totals: Totals,
    out: Path,
    templates: TemplateSet,
    date: dt.date | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Write `out/katalog.pdf` and `out/pdf/<id>.pdf`; returns the files written."""
    written = []
    for result in run_jobs(jobs(cat, totals, templates, date), workers):
        path = out / result.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(result.data)
        written.append(path)
    return written


def _fetcher(template_dirs: Sequence[str]) -> Any:
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

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
