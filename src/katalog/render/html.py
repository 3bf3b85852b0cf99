"""The catalogue as a static, accessible web site (`build/html/`): a planner.

Pages: the front page with the overview, one page per theme and per proposal, a single page
with everything ("hele kataloget", made of the macros of `all.html` that the PDF uses too),
and a search page. All links are relative, so the site works from `file://` and from any web
server; nothing is fetched from elsewhere. The same content gives the same bytes.

`plan_html` returns the pages as jobs (see `render.plan`). Each proposal's job builds its
facts, tables and body once and returns its page, its article of the single page (all.html's
`proposal` macro) and its text for the search index; with many proposals they run in forked
pool workers, and the single page puts the articles in place of the macro's calls. The
proposals' jobs are cached per proposal (`_page_key`: an edit makes one page anew); the
other pages, which list every proposal, are made in every build.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import quote

from babel.dates import format_date
from jinja2 import Environment, StrictUndefined, select_autoescape
from jinja2.runtime import Macro
from markupsafe import Markup, escape

from ..compute import Totals
from ..labels import Labels, fill, labels_for
from ..markdown import plain_text as markdown_text
from ..markdown import render as render_markdown
from ..markdown import shift_headings
from ..markdown import to_html as markdown_html
from ..model import STATUSES, Catalogue, Proposal, Theme
from ..numbers import unit_label
from ..safefs import check_regular, read_regular
from . import budget_docs, look, view
from .plan import Artifact, Inputs, Job, Options, Plan, Where, bundle, piece
from .templates import TEMPLATE_LIMIT, MacroNeed, TemplateSet, macros_of, render_with, sandboxed

ASSETS = "assets"
OUT = "html"  # the site's folder in the output folder
OVERVIEW_ANCHOR = "oversigt-afsnit"  # the overview's id on the single page (all.html)
INTRO_ANCHOR = "indledning"  # the introduction's id on the single page
INTRO_PAGE = "indledning.html"
LOGO_NAME = "katalog-logo"  # the logo's name in the site's assets (suffix by its type)
PARALLEL_MIN_PROPOSALS = 100  # fewer proposal pages are rendered in this process


def anchor(prefix: str, ident: str) -> str:
    """A stable HTML id for a theme or proposal."""
    return f"{prefix}-{re.sub(r'[^0-9A-Za-zÆØÅæøå_-]', '-', ident)}"


def page_name(ident: str) -> str:
    return f"{ident}.html"


def href(*parts: str) -> str:
    return "/".join(quote(p) for p in parts)


def danish_date(value: dt.date | None) -> str:
    return format_date(value, format="d. MMMM y", locale="da_DK") if value else ""


@lru_cache(maxsize=4096)  # cells repeat a lot ("-", round amounts): escaped once each
def _cell(text: str, title: str = "ukendt beløb") -> Markup:
    """A table cell; the `?` of an incomplete amount is marked up (not by colour alone),
    `title` saying what it means (the label `unknown_amount`)."""
    if text.endswith("?"):
        return escape(text[:-1]) + Markup(f'<abbr class="unknown" title="{escape(title)}">?</abbr>')
    return escape(text)


# "<" first: a literal start lets the regex engine skip to the next tag (8× faster than
# trying the optional caption at every character); same matches as `(<p>…</p>\s*)?<table>…`
_TABLE = re.compile(r"<(?:p>(?P<cap>Tabel\s[^<]*(?:<(?!/p>)[^<]*)*)</p>\s*<)?table>(?P<inner>.*?)</table>",
                    re.DOTALL)
_TH = re.compile(r"<th(?=[\s>])(?![^>]*\bscope=)")
_EMPTY_TH = re.compile(r"<th(?=[\s>])[^>]*>\s*</th>")


WIDE_COLUMNS = 5  # a Markdown table of this many columns is laid out to the page's width


def body_html(fragment: str, owner: str = "") -> Markup:
    """A sanitised Markdown fragment ready for a page: each table gets header scopes, a
    caption (a paragraph "Tabel ..." right before it becomes the visible caption; otherwise
    a hidden one names the columns) and a focusable region that scrolls on narrow screens,
    named after the table and its `owner` (the proposal or theme) so every region's name is
    unique on the single page."""

    def table(m: re.Match[str]) -> str:
        if "<table" in m.group("inner"):  # nested raw-HTML tables: leave them as written
            return m.group(0)
        inner = _TH.sub('<th scope="col"', m.group("inner"))
        inner = _EMPTY_TH.sub("<td></td>", inner)  # an empty header cell heads nothing
        if m.group("cap"):
            caption, label = f"<caption>{m.group('cap')}</caption>", markdown_text(m.group("cap"))
        else:
            heads = [markdown_text(h) for h in re.findall(r"<th(?=[\s>])[^>]*>(.*?)</th>", inner, re.DOTALL)]
            label = "Tabel: " + ", ".join(h for h in heads if h) if any(heads) else "Tabel"
            caption = f'<caption class="visually-hidden">{escape(label)}</caption>'
        name = f"{owner}: {label}" if owner else label
        wide = len(re.findall(r"<th(?=[\s>])", inner)) >= WIDE_COLUMNS  # paper: fixed layout
        tag = '<table class="wide">' if wide else "<table>"
        return (f'<div class="table-wrap" role="region" aria-label="{escape(name)}" tabindex="0">'
                f"{tag}{caption}{inner}</table></div>")

    return Markup(_TABLE.sub(table, fragment))


# a link whose target is not a URL with a scheme (http:, mailto:) nor an anchor on the page:
# relative paths and `//host/share`, which a PDF would turn into the build machine's files
_LOCAL_LINK = re.compile(r'<a href="(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)[^"]*"[^>]*>(.*?)</a>', re.DOTALL)


def unlink_local(fragment: str) -> Markup:
    """A sanitised body with links to relative paths (and `//host/...`) left as their text:
    they lead nowhere from a PDF, and would carry the build machine's path."""
    return Markup(_LOCAL_LINK.sub(r"\1", fragment))


def _yesno(value: bool | None, yes: str = "Ja", no: str = "Nej") -> str:
    return "" if value is None else yes if value else no


_HEADING_TAG = re.compile(r"<(/?)h[1-6]\b[^>]*>")


def flat_headings(fragment: str) -> str:
    """Headings in a short fragment (a note) as bold paragraphs: a note has no sections."""
    return _HEADING_TAG.sub(lambda m: "</strong></p>" if m.group(1) else "<p><strong>",
                            fragment)


@lru_cache(maxsize=1024)
def note_html(text: str, label: str) -> Markup:
    """A writer's `note` (Markdown) as shown under its table: marked as a note ("Note:" in
    bold at its start), headings made bold paragraphs."""
    html = flat_headings(markdown_html(text))
    mark = f'<strong class="note-label">{escape(label)}:</strong> '
    html = f"<p>{mark}{html[3:]}" if html.startswith("<p>") else f"<p>{mark}</p>{html}"
    return Markup(html)


def environment(templates: TemplateSet, settings: Any = None) -> Environment:
    """The templates' environment: Jinja's immutable sandbox over the `html` folders. The
    catalogue's labels (`settings`: its `labels:`) are a global, so the shared macros see
    them wherever they are imported."""
    return _environment(templates.loader("html"), settings)


def _environment(loader: Any, settings: Any = None) -> Environment:
    env = sandboxed(
        loader,
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = _cell
    env.filters["yesno"] = _yesno
    env.filters["danish_date"] = danish_date
    env.filters["note"] = note_html
    env.globals["labels"] = labels_for(settings)
    return env


@dataclass
class Site:
    """Everything the templates need, built once from the computed model."""

    cat: Catalogue
    totals: Totals
    date: dt.date | None
    env: Environment | None = None  # given: a proposal's amount tables are rendered once
    local_links: bool = True  # False (the PDF): links to relative paths become plain text
    logo_src: str | None = None  # the logo's address (None: the site's asset, by `root`)
    _parts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by proposal id
    _base: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> Labels:
        if "labels" not in self._base:
            self._base["labels"] = labels_for(self.cat.settings)
        return self._base["labels"]  # type: ignore[no-any-return]

    def base(self, root: str, page: str) -> dict[str, Any]:
        """The variables every page and every macro sees."""
        s = self.cat.settings
        if "facts" not in self._base:
            logo = look.logo(s)
            self._base.update(
                facts=view.cover_facts(self.cat, self.date),
                look_css=Markup(look.css_variables(s)),
                logo=logo,
                intro=self.intro(),
            )
        logo = self._base["logo"]
        src = ""
        if logo is not None:
            src = self.logo_src if self.logo_src is not None else (
                f"{root}{ASSETS}/{LOGO_NAME}{logo.suffix}")
        return {
            "s": s,
            "root": root,
            "page": page,
            "unit": unit_label(s.unit, s.price_level),
            "labels": self.labels,
            "sign_note": self.labels["sign_note"],
            "date": self.date,
            "cover_facts": self._base["facts"],
            "look_css": self._base["look_css"],
            "logo_src": src,
            "intro": self._base["intro"],
        }

    def intro(self) -> dict[str, Any] | None:
        """The catalogue's introduction (`content/intro.md`): its heading, and its body for
        its own page (headings from h2) and for the single page and the PDF (from h3)."""
        found = view.intro(self.cat)
        if found is None:
            return None
        title, body = found
        html = markdown_html(body)
        title = title or self.labels["intro"]
        return {"title": title, "section": title, "anchor": INTRO_ANCHOR, "href": INTRO_PAGE,
                "html_page": self.body(shift_headings(html, 2), title),
                "html": self.body(shift_headings(html, 3), title)}

    def _proposal_parts(self, p: Proposal) -> dict[str, Any]:
        """What a proposal shows wherever it is shown (its page, the single page): built once.
        The body keeps its own heading levels (`proposal` shifts them per place)."""
        parts = self._parts.get(p.id)
        if parts is None:
            pt = self.totals.proposals[p.id]
            economy = view.economy_table(p, pt, self.cat.settings)
            allocation = view.allocation_table(p, pt, self.cat)
            parts = self._parts[p.id] = {
                "facts": view.facts(p, self.cat, self.totals),
                "economy": economy,
                "allocation": allocation,
                "body": self.body(markdown_html(p.body), p.id),
                "hearing": [(body, self.body(markdown_html(comment), f"{p.id}: {body}"))
                            for body, comment in view.hearing(p)],
                "economy_html": None,
                "allocation_html": None,
            }
            if self.env is not None:  # the tables read the same wherever the proposal is
                macros = self.env.get_template("_macros.html").module
                table = macros.amount_table  # type: ignore[attr-defined]
                a = anchor("forslag", p.id)
                parts["economy_html"] = table(economy, f"tabel-{a}", f"{a}-h")
                if allocation is not None:
                    parts["allocation_html"] = table(allocation, f"fordeling-{a}", f"{a}-h")
        return parts

    def body(self, fragment: str, owner: str) -> Markup:
        html = body_html(fragment, owner)
        return html if self.local_links else unlink_local(html)

    def proposal(self, p: Proposal, root: str, top: int) -> dict[str, Any]:
        """A proposal wherever it is shown; `top` is the level of its section headings
        (its body's headings start there, a hearing comment's two levels below)."""
        theme = self.cat.theme(p.theme)
        parts = self._proposal_parts(p)
        return {
            "id": p.id,
            "title": p.title,
            "status": p.status,
            "summary": p.summary,
            "anchor": anchor("forslag", p.id),
            "keep": view.keep_together(p, self.cat),
            "facts": parts["facts"],
            "economy": parts["economy"],
            "allocation": parts["allocation"],
            "economy_html": parts["economy_html"],  # None: the template renders `economy`
            "allocation_html": parts["allocation_html"],
            # body_html adds no headings, so shifting after it is the same as before it
            "body_html": Markup(shift_headings(parts["body"], top)),
            "consulted": p.consulted,
            "hearing": [{"body": body, "html": Markup(shift_headings(html, top + 2))}
                        for body, html in parts["hearing"]],
            "followup": p.followup,
            "theme_href": root + href("tema", page_name(p.theme)),
            "theme_number": theme.number if theme else "",
        }

    def proposal_link(self, p: Proposal, root: str) -> dict[str, Any]:
        """A proposal as listed on its theme's page: title, summary, status and link."""
        return {
            "id": p.id,
            "title": p.title,
            "summary": p.summary,
            "status": p.status,
            "status_label": view.status_label(p.status, self.labels),
            "counted": self.totals.proposals[p.id].counted,
            "department": self.cat.department_name(p.department),
            "href": root + href("forslag", page_name(p.id)),
        }

    def theme(self, t: Theme, root: str, in_page: bool) -> dict[str, Any]:
        merged = self.cat.theme(t.merged_into) if t.merged_into else None
        links = (
            {p.id: f"#{anchor('forslag', p.id)}" for p in self.cat.proposals_in(t.id)}
            if in_page
            else {p.id: root + href("forslag", page_name(p.id)) for p in self.cat.proposals_in(t.id)}
        )
        table = None if t.merged_into else view.theme_table(t, self.cat, self.totals, links)
        heading = theme_heading(t, self.labels)
        return {
            "id": t.id,
            "number": t.number,
            "title": t.title,
            "heading": heading,
            "section": heading,  # the PDF's running header (shortened there)
            "anchor": anchor("tema", t.id),
            "href": root + href("tema", page_name(t.id)),
            "merged_into": t.merged_into,
            "merged_number": merged.number if merged else "",
            "merged_title": merged.title if merged else "",
            "merged_href": root + href("tema", page_name(merged.id)) if merged else "",
            "merged_anchor": anchor("tema", merged.id) if merged else "",
            "body_html": self.body(render_markdown(t.body, 2).html, heading),
            "body_html_all": self.body(render_markdown(t.body, 3).html, heading),
            "table": table,
            "alternatives": [view.alternatives_table(g, self.cat, self.totals)
                             for g in view.alternative_groups_in(t, self.cat, self.totals)],
            "allocated": None if t.merged_into else view.allocated_table(self.cat, self.totals, t),
            "n": len(self.cat.proposals_in(t.id)),
            "proposals": [],
        }

    def overview(self, root: str, in_page: bool) -> view.Table:
        links = (
            {t.id: f"#{anchor('tema', t.id)}" for t in self.cat.themes}
            if in_page
            else {t.id: root + href("tema", page_name(t.id)) for t in self.cat.themes}
        )
        return view.overview_table(self.cat, self.totals, links)

    def overview_tables(self, root: str, in_page: bool) -> dict[str, Any]:
        """The overview's tables: themes × years, the allocation by department and the
        difference by the allocation key (the last two None when there is nothing)."""
        return {"table": self.overview(root, in_page),
                "allocated": view.allocated_table(self.cat, self.totals),
                "target_allocation": view.target_allocation_table(self.cat, self.totals)}

    def proposal_entry(self, p: Proposal, root: str, top: int) -> "LazyProposal":
        """A proposal as the single page lists it: what the contents need now, the rest
        (facts, tables, body) made only if a template asks for it."""
        theme = self.cat.theme(p.theme)
        return LazyProposal(
            {"id": p.id, "title": p.title, "status": p.status, "summary": p.summary,
             "anchor": anchor("forslag", p.id),
             "theme_href": root + href("tema", page_name(p.theme)),
             "theme_number": theme.number if theme else ""},
            lambda: self.proposal(p, root, top))


def theme_heading(t: Theme, labels: Labels) -> str:
    """`Tema 3: Digitalisering`."""
    return f"{labels['theme']} {t.number}: {t.title}"


class LazyProposal(dict[str, Any]):
    """A proposal's context whose costly entries are made when first looked up."""

    def __init__(self, light: dict[str, Any], full: Callable[[], dict[str, Any]]) -> None:
        super().__init__(light)
        self._full: Callable[[], dict[str, Any]] | None = full

    def __missing__(self, key: str) -> Any:
        if self._full is None:
            raise KeyError(key)
        full, self._full = self._full, None
        self.update(full())
        return self[key]


# --- The catalogue's pieces (all.html), shared with the PDF ---------------------------------

CATALOGUE_TEMPLATE = "all.html"
PIECES = (MacroNeed("cover"), MacroNeed("toc", 1, ("pages",)), MacroNeed("overview", 2),
          MacroNeed("theme", 1, caller=True), MacroNeed("proposal", 1))
INTRO_PIECE = MacroNeed("intro_section", 1)  # needed when the catalogue has an introduction


def catalogue_macros(env: Environment, site: Site) -> dict[str, Macro]:
    """all.html's macros (`PIECES`), as the single page's main block sees them."""
    needs = PIECES + ((INTRO_PIECE,) if site.cat.intro is not None else ())
    return macros_of(env, CATALOGUE_TEMPLATE, site.base("", "all"), needs)


def call(macro: Macro, *args: Any, **optional: Any) -> Markup:
    """`macro(*args)` with those of the `optional` keyword arguments it takes (an override
    written for fewer arguments keeps working)."""
    given = {k: v for k, v in optional.items() if k in macro.arguments}
    return Markup(macro(*args, **given))


def theme_entries(site: Site, root: str = "") -> list[dict[str, Any]]:
    """The themes as the single page lists them, each with its proposals (`proposal_entry`)."""
    items = []
    for t in site.cat.themes:
        item = site.theme(t, root, in_page=True)
        item["proposals"] = [site.proposal_entry(p, root, top=4)
                             for p in site.cat.proposals_in(t.id)]
        items.append(item)
    return items


def single_page(site: Site, chart: str = "") -> dict[str, Any]:
    """The context of the single page with everything (`all.html`)."""
    tables = site.overview_tables("", in_page=True)
    return {
        "overview_table": tables["table"],
        "target_allocation": tables["target_allocation"],
        "allocated": tables["allocated"],
        "chart": Markup(chart),
        "themes": theme_entries(site),
    }


# --- The overview chart: one job per build, shared by the site and the PDF -------------------

_CHART_JOB: list[tuple[Catalogue, Totals, Job]] = []  # the last one made (see `chart_job`)


def chart_job(cat: Catalogue, totals: Totals) -> Job | None:
    """The overview chart (`render.chart`), drawn in the pool and cached by its numbers: a
    bundle of the site's SVG (titled by the label `chart`, described by `overview_alt`) and
    the PDF's (titled by `overview_alt`, as WeasyPrint reads only the title for the
    Figure's alternative text). None when no theme has an amount. The site's and the PDF's
    planners get the same job, so a build draws it once."""
    from . import chart

    for known_cat, known_totals, job in _CHART_JOB:
        if known_cat is cat and known_totals is totals:
            return job
    data = chart.overview_data(cat, totals)
    if not data.stacks:
        return None
    title = labels_for(cat.settings)["chart"]
    accent = look.accent_of(cat.settings)
    key = ("overview-chart", title, chart.overview_alt(cat, totals), accent, data.years,
           data.unit, [(st.label, sorted((y, str(v)) for y, v in st.values.items()))
                       for st in data.stacks],
           [chart.shown(data.total, y) for y in data.years],
           [chart.shown(data.target, y) for y in data.years], chart.version())
    job = Job(_chart, (cat, totals, accent, title), key=key, label="oversigtsdiagram",
              where=Where.POOL)
    _CHART_JOB[:] = [(cat, totals, job)]
    return job


def _chart(cat: Catalogue, totals: Totals, accent: str, title: str) -> bytes:
    from . import chart

    site = chart.overview_svg(cat, totals, accent, title=title)
    return bundle([site.encode("utf-8"), pdf_chart(site, chart.overview_alt(cat, totals))
                   .encode("utf-8")])


def pdf_chart(svg: str, alt: str) -> str:
    """The site's chart as the PDF shows it: titled by the alternative text (no `<desc>`)."""
    from lxml import etree

    ns = "{http://www.w3.org/2000/svg}"
    root = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    for desc in root.findall(f"{ns}desc"):
        root.remove(desc)
    root.attrib.pop("aria-describedby", None)
    title = root.find(f"{ns}title")
    if title is not None:
        title.text = alt
    return str(etree.tostring(root, encoding="unicode"))


# --- The plan --------------------------------------------------------------------------------

@dataclass
class _Pages:
    """What the page jobs share (inherited by forked workers, never pickled)."""

    site: Site
    env: Environment
    macros: dict[str, Macro]


def plan_html(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """Every page of the site, the search index and the assets, as jobs in `html/`."""
    env = environment(opts.templates, cat.settings)
    site = Site(cat, totals, opts.date, env)
    pages = _Pages(site, env, catalogue_macros(env, site))
    where = Where.FORK if len(cat.proposals) >= PARALLEL_MIN_PROPOSALS else Where.HERE
    shared = _page_key(cat, totals, opts)
    budget = totals.budget
    proposals = [Job(_proposal_pages, (pages, i), label=f"forslag/{page_name(p.id)}",
                     key=(shared, p, totals.proposals[p.id],
                          budget.proposals.get(p.id) if budget is not None else None),
                     where=where) for i, p in enumerate(cat.proposals)]
    themes = [Job(_theme_page, (pages, t.id), label=f"tema/{page_name(t.id)}")
              for t in cat.themes]
    chart = chart_job(cat, totals)
    charts = (chart,) if chart is not None else ()
    files = [Artifact(f"{OUT}/index.html", Job(_index_page, (pages,), deps=charts,
                                               label="index.html"))]
    files += [Artifact(f"{OUT}/{j.label}", j) for j in themes]
    files += [Artifact(f"{OUT}/{j.label}", j, part=0) for j in proposals]
    deps = tuple(proposals)
    files += [
        Artifact(f"{OUT}/hele-kataloget.html", Job(_single_page, (pages,), deps=deps + charts,
                                                   label="hele-kataloget.html")),
        Artifact(f"{OUT}/soeg.html", Job(_search_page, (pages,), label="soeg.html")),
        Artifact(f"{OUT}/{ASSETS}/search-index.js",
                 Job(_search_index, (cat,), deps=deps, label=f"{ASSETS}/search-index.js")),
    ]
    if cat.intro is not None:
        files.append(Artifact(f"{OUT}/{INTRO_PAGE}", Job(_intro_page, (pages,),
                                                         label=INTRO_PAGE)))
    files += _assets(opts.templates, site)
    return Plan(tuple(files))


def _page_key(cat: Catalogue, totals: Totals, opts: Options) -> tuple[Any, ...]:
    """What every proposal's page and article depend on besides the proposal, its totals
    and its budget-year figures (the key material of `_proposal_pages`): the site's
    templates, the date, the settings (labels, look, departments), the themes and the
    introduction (the menu names it), and the totals the facts read. Editing one proposal
    makes its page anew; the others come from the cache."""
    budget = totals.budget
    return ("html-proposal", opts.templates.digest("html"), opts.date, cat.settings,
            cat.themes, cat.intro, totals.decimals, totals.alternative_groups,
            budget.followed_up if budget is not None else None)


def _assets(templates: TemplateSet, site: Site) -> list[Artifact]:
    """The templates' assets and the logo. An asset that is a symlink (or in a symlinked
    folder), a FIFO or a device stops the build (`UnsafeFile`): it is never published."""
    for path in templates.refused(f"html/{ASSETS}"):
        check_regular(path)  # raises UnsafeFile with the Danish reason
    files = []
    for rel, src in templates.files(f"html/{ASSETS}").items():
        files.append(Artifact(f"{OUT}/{ASSETS}/{rel}",
                              Job(_file, (str(src),), label=f"{ASSETS}/{rel}")))
    logo = look.logo(site.cat.settings)
    if logo is not None:
        name = f"{ASSETS}/{LOGO_NAME}{logo.suffix}"
        files = [f for f in files if f.path != f"{OUT}/{name}"]
        files.append(Artifact(f"{OUT}/{name}", Job(_same, (logo.data,), label=name)))
    return files


def _same(data: bytes) -> bytes:
    return data


def _render(pages: _Pages, template: str, root: str, name: str, **ctx: Any) -> bytes:
    context = {**pages.site.base(root, name), **ctx}
    return pages.env.get_template(template).render(**context).encode("utf-8")


def _index_page(pages: _Pages, inputs: Inputs | None = None) -> bytes:
    site, cat = pages.site, pages.site.cat
    tables = site.overview_tables("", in_page=False)
    return _render(pages, "index.html", "", "index",
                   overview=tables["table"], allocated=tables["allocated"],
                   target_allocation=tables["target_allocation"],
                   chart=Markup(piece(inputs[0], 0).decode("utf-8")) if inputs else "",
                   themes=[site.theme(t, "", in_page=False) for t in cat.themes],
                   n_proposals=len(cat.proposals),
                   n_themes=len([t for t in cat.themes if not t.merged_into]),
                   budget_links=budget_docs.front_page_links(cat, site.totals),
                   budget_title=budget_docs.word(site.labels, "budget_year_section"))


def _intro_page(pages: _Pages) -> bytes:
    return _render(pages, "intro.html", "", "intro")


def _theme_page(pages: _Pages, theme_id: str) -> bytes:
    site = pages.site
    t = site.cat.theme(theme_id)
    assert t is not None
    item = site.theme(t, "../", in_page=False)
    item["proposals"] = [site.proposal_link(p, "../") for p in site.cat.proposals_in(t.id)]
    return _render(pages, "theme.html", "../", "theme", t=item)


def _proposal_pages(pages: _Pages, i: int) -> bytes:
    """Proposal number `i`: its page, its article of the single page and its text (for the
    search index), as a bundle; its facts, tables and body are made once for all three."""
    site = pages.site
    p = site.cat.proposals[i]
    page = _render(pages, "proposal.html", "../", "proposal", p=site.proposal(p, "../", top=2))
    article = str(pages.macros["proposal"](site.proposal(p, "", top=4))).encode("utf-8")
    text = markdown_text(markdown_html(p.body)).encode("utf-8")
    return bundle([page, article, text])


def _single_page(pages: _Pages, inputs: Sequence[bytes] = ()) -> bytes:
    """all.html, each `proposal(p)` call of its main block taking the article its
    proposal's job made (no inputs: no proposals and no chart)."""
    site = pages.site
    n = len(site.cat.proposals)
    index = {p.id: i for i, p in enumerate(site.cat.proposals)}
    macro = pages.macros["proposal"]

    def proposal(p: Any, *args: Any, **kwargs: Any) -> Markup:
        i = index.get(p.get("id", "")) if isinstance(p, dict) else None
        if i is None or args or kwargs:
            return Markup(macro(p, *args, **kwargs))
        return Markup(piece(inputs[i], 1).decode("utf-8"))

    chart = piece(inputs[n], 0).decode("utf-8") if len(inputs) > n else ""
    context = {**site.base("", "all"), **single_page(site, chart)}
    return render_with(pages.env, CATALOGUE_TEMPLATE, context,
                       {"proposal": proposal}).encode("utf-8")


def _search_page(pages: _Pages) -> bytes:
    site, cat, totals = pages.site, pages.site.cat, pages.site.totals
    labels = site.labels
    rows = []
    for p in cat.proposals:
        theme = cat.theme(p.theme)
        rows.append({
            "id": p.id,
            "title": p.title,
            "href": href("forslag", page_name(p.id)),
            "theme": p.theme,
            "theme_number": f"{theme.number}. {theme.title}" if theme else p.theme,
            "department": p.department,
            "department_name": cat.department_name(p.department),
            "status": p.status,
            "status_label": view.status_label(p.status, labels),
            "cells": view.cells(totals.proposals[p.id].total, cat.settings.years,
                                totals.decimals),
        })
    departments = list(dict.fromkeys(
        [(d.code, d.name) for d in cat.settings.departments]
        + [(p.department, cat.department_name(p.department)) for p in cat.proposals]
    ))
    notes = [labels["sign_note"]]
    if any(totals.proposals[p.id].total.unknown for p in cat.proposals):
        notes.append(fill(labels["unknown_note"], example=view.example_amount(cat.settings)))
    if any(totals.proposals[p.id].total.ranges for p in cat.proposals):
        notes.append(labels["range_note"])
    return _render(pages, "search.html", "", "search",
                   themes=[site.theme(t, "", in_page=False) for t in cat.themes], rows=rows,
                   departments=departments, notes=notes,
                   found=fill(labels["found"], n=str(len(rows))),
                   statuses=[(s, view.status_label(s, labels)) for s in STATUSES])


def _search_index(cat: Catalogue, inputs: Sequence[bytes] = ()) -> bytes:
    texts = {p.id: piece(inputs[i], 2).decode("utf-8") for i, p in enumerate(cat.proposals)}
    return search_index(cat, texts).encode("utf-8")


def _file(path: str) -> bytes:
    """A template's asset, read safely (a regular file, no symlink, at most the limit)."""
    return read_regular(path, TEMPLATE_LIMIT)


def search_index(cat: Catalogue, body_text: Mapping[str, str] | None = None) -> str:
    """`window.KATALOG_INDEX = [...]`: a script, so it also loads from `file://`.
    `body_text`: each proposal's body as plain text by id, when already worked out."""
    entries = []
    for p in cat.proposals:
        theme = cat.theme(p.theme)
        text = " ".join([
            p.id, p.title, p.summary, theme.title if theme else "",
            cat.department_name(p.department),
            body_text[p.id] if body_text is not None else render_markdown(p.body).text,
            " ".join(p.tags),
        ])
        entries.append({"id": p.id, "text": text})
    data = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    data = data.replace("</", "<\\/")
    return f"window.KATALOG_INDEX = {data};\n"
