"""The catalogue as a static, accessible web site (`build/html/`): a planner.

Pages: the front page with the overview, one page per theme and per proposal, a single page
with everything ("hele kataloget", made of the macros of `all.html` that the PDF uses too),
and a search page. All links are relative, so the site works from `file://` and from any web
server; nothing is fetched from elsewhere. The same content gives the same bytes.

`plan_html` returns the pages as jobs (see `render.plan`); nothing is cached (a page costs
less to render than its context costs to fingerprint). Each proposal's job builds its
facts, tables and body once and returns its page, its article of the single page (all.html's
`proposal` macro) and its text for the search index; with many proposals they run in forked
pool workers, and the single page puts the articles in place of the macro's calls.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import quote

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.runtime import Macro
from markupsafe import Markup, escape

from ..compute import Totals
from ..markdown import plain_text as markdown_text
from ..markdown import render as render_markdown
from ..markdown import shift_headings
from ..markdown import to_html as markdown_html
from ..model import STATUSES, Catalogue, Proposal, Theme
from ..numbers import sign_note, unit_label
from . import view
from .plan import Artifact, Inputs, Job, Options, Plan, Where, bundle, piece
from .templates import MacroNeed, TemplateSet, macros_of, render_with

ASSETS = "assets"
OUT = "html"  # the site's folder in the output folder
OVERVIEW_ANCHOR = "oversigt-afsnit"  # the overview's id on the single page (all.html)
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
def _cell(text: str) -> Markup:
    """A table cell; the `?` of an incomplete amount is marked up (not by colour alone)."""
    if text.endswith("?"):
        return escape(text[:-1]) + Markup('<abbr class="unknown" title="ukendt beløb">?</abbr>')
    return escape(text)


# "<" first: a literal start lets the regex engine skip to the next tag (8× faster than
# trying the optional caption at every character); same matches as `(<p>…</p>\s*)?<table>…`
_TABLE = re.compile(r"<(?:p>(?P<cap>Tabel\s[^<]*(?:<(?!/p>)[^<]*)*)</p>\s*<)?table>(?P<inner>.*?)</table>",
                    re.DOTALL)
_TH = re.compile(r"<th(?=[\s>])(?![^>]*\bscope=)")
_EMPTY_TH = re.compile(r"<th(?=[\s>])[^>]*>\s*</th>")


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
        return (f'<div class="table-wrap" role="region" aria-label="{escape(name)}" tabindex="0">'
                f"<table>{caption}{inner}</table></div>")

    return Markup(_TABLE.sub(table, fragment))


# a link whose target is not a URL with a scheme (http:, mailto:) nor an anchor on the page:
# relative paths and `//host/share`, which a PDF would turn into the build machine's files
_LOCAL_LINK = re.compile(r'<a href="(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)[^"]*"[^>]*>(.*?)</a>', re.DOTALL)


def unlink_local(fragment: str) -> Markup:
    """A sanitised body with links to relative paths (and `//host/...`) left as their text:
    they lead nowhere from a PDF, and would carry the build machine's path."""
    return Markup(_LOCAL_LINK.sub(r"\1", fragment))


def _yesno(value: bool | None) -> str:
    return "" if value is None else "Ja" if value else "Nej"


def environment(templates: TemplateSet) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(p) for p in templates.search_path("html")]),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = _cell
    env.filters["yesno"] = _yesno
    env.filters["danish_date"] = danish_date
    return env


@dataclass
class Site:
    """Everything the templates need, built once from the computed model."""

    cat: Catalogue
    totals: Totals
    date: dt.date | None
    env: Environment | None = None  # given: a proposal's amount tables are rendered once
    local_links: bool = True  # False (the PDF): links to relative paths become plain text
    _parts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by proposal id

    def base(self, root: str, page: str) -> dict[str, Any]:
        s = self.cat.settings
        return {
            "s": s,
            "root": root,
            "page": page,
            "unit": unit_label(s.unit, s.price_level),
            "sign_note": sign_note(s.savings_sign),
            "date": self.date,
        }

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
        theme = self.cat.theme(p.theme)
        parts = self._proposal_parts(p)
        return {
            "id": p.id,
            "title": p.title,
            "status": p.status,
            "summary": p.summary,
            "anchor": anchor("forslag", p.id),
            "facts": parts["facts"],
            "economy": parts["economy"],
            "allocation": parts["allocation"],
            "economy_html": parts["economy_html"],  # None: the template renders `economy`
            "allocation_html": parts["allocation_html"],
            # body_html adds no headings, so shifting after it is the same as before it
            "body_html": Markup(shift_headings(parts["body"], top)),
            "consulted": p.consulted,
            "hearing": p.hearing,
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
            "status_label": view.STATUS_LABELS[p.status],
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
        return {
            "id": t.id,
            "number": t.number,
            "title": t.title,
            "anchor": anchor("tema", t.id),
            "href": root + href("tema", page_name(t.id)),
            "merged_into": t.merged_into,
            "merged_number": merged.number if merged else "",
            "merged_title": merged.title if merged else "",
            "merged_href": root + href("tema", page_name(merged.id)) if merged else "",
            "merged_anchor": anchor("tema", merged.id) if merged else "",
            "body_html": self.body(render_markdown(t.body, 2).html, f"Tema {t.number}"),
            "body_html_all": self.body(render_markdown(t.body, 3).html, f"Tema {t.number}"),
            "table": table,
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


def catalogue_macros(env: Environment, site: Site) -> dict[str, Macro]:
    """all.html's macros (`PIECES`), as the single page's main block sees them."""
    return macros_of(env, CATALOGUE_TEMPLATE, site.base("", "all"), PIECES)


def theme_entries(site: Site, root: str = "") -> list[dict[str, Any]]:
    """The themes as the single page lists them, each with its proposals (`proposal_entry`)."""
    items = []
    for t in site.cat.themes:
        item = site.theme(t, root, in_page=True)
        item["proposals"] = [site.proposal_entry(p, root, top=4)
                             for p in site.cat.proposals_in(t.id)]
        items.append(item)
    return items


def single_page(site: Site) -> dict[str, Any]:
    """The context of the single page with everything (`all.html`)."""
    return {
        "overview_table": site.overview("", in_page=True),
        "target_allocation": view.target_allocation_table(site.cat, site.totals),
        "themes": theme_entries(site),
    }


# --- The plan --------------------------------------------------------------------------------

@dataclass
class _Pages:
    """What the page jobs share (inherited by forked workers, never pickled)."""

    site: Site
    env: Environment
    macros: dict[str, Macro]


def plan_html(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """Every page of the site, the search index and the assets, as jobs in `html/`."""
    env = environment(opts.templates)
    site = Site(cat, totals, opts.date, env)
    pages = _Pages(site, env, catalogue_macros(env, site))
    where = Where.FORK if len(cat.proposals) >= PARALLEL_MIN_PROPOSALS else Where.HERE
    proposals = [Job(_proposal_pages, (pages, i), label=f"forslag/{page_name(p.id)}",
                     where=where) for i, p in enumerate(cat.proposals)]
    themes = [Job(_theme_page, (pages, t.id), label=f"tema/{page_name(t.id)}")
              for t in cat.themes]
    files = [Artifact(f"{OUT}/index.html", Job(_index_page, (pages,), label="index.html"))]
    files += [Artifact(f"{OUT}/{j.label}", j) for j in themes]
    files += [Artifact(f"{OUT}/{j.label}", j, part=0) for j in proposals]
    deps = tuple(proposals)
    files += [
        Artifact(f"{OUT}/hele-kataloget.html", Job(_single_page, (pages,), deps=deps,
                                                   label="hele-kataloget.html")),
        Artifact(f"{OUT}/soeg.html", Job(_search_page, (pages,), label="soeg.html")),
        Artifact(f"{OUT}/{ASSETS}/search-index.js",
                 Job(_search_index, (cat,), deps=deps, label=f"{ASSETS}/search-index.js")),
    ]
    for rel, src in opts.templates.files(f"html/{ASSETS}").items():
        files.append(Artifact(f"{OUT}/{ASSETS}/{rel}",
                              Job(_file, (str(src),), label=f"{ASSETS}/{rel}")))
    return Plan(tuple(files))


def _render(pages: _Pages, template: str, root: str, name: str, **ctx: Any) -> bytes:
    context = {**pages.site.base(root, name), **ctx}
    return pages.env.get_template(template).render(**context).encode("utf-8")


def _index_page(pages: _Pages) -> bytes:
    site, cat = pages.site, pages.site.cat
    return _render(pages, "index.html", "", "index",
                   overview=site.overview("", in_page=False),
                   target_allocation=view.target_allocation_table(cat, site.totals),
                   themes=[site.theme(t, "", in_page=False) for t in cat.themes],
                   n_proposals=len(cat.proposals),
                   n_themes=len([t for t in cat.themes if not t.merged_into]))


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


def _single_page(pages: _Pages, inputs: Inputs) -> bytes:
    """all.html, each `proposal(p)` call of its main block taking the article its
    proposal's job made."""
    site = pages.site
    index = {p.id: i for i, p in enumerate(site.cat.proposals)}
    macro = pages.macros["proposal"]

    def proposal(p: Any, *args: Any, **kwargs: Any) -> Markup:
        i = index.get(p.get("id", "")) if isinstance(p, dict) else None
        if i is None or args or kwargs:
            return Markup(macro(p, *args, **kwargs))
        return Markup(piece(inputs[i], 1).decode("utf-8"))

    context = {**site.base("", "all"), **single_page(site)}
    return render_with(pages.env, CATALOGUE_TEMPLATE, context,
                       {"proposal": proposal}).encode("utf-8")


def _search_page(pages: _Pages) -> bytes:
    site, cat, totals = pages.site, pages.site.cat, pages.site.totals
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
            "status_label": view.STATUS_LABELS[p.status],
            "cells": view.cells(totals.proposals[p.id].total, cat.settings.years),
        })
    departments = list(dict.fromkeys(
        [(d.code, d.name) for d in cat.settings.departments]
        + [(p.department, cat.department_name(p.department)) for p in cat.proposals]
    ))
    notes = [sign_note(cat.settings.savings_sign)]
    if any(totals.proposals[p.id].total.unknown for p in cat.proposals):
        notes.append(view.INCOMPLETE_NOTE)
    return _render(pages, "search.html", "", "search",
                   themes=[site.theme(t, "", in_page=False) for t in cat.themes], rows=rows,
                   departments=departments, notes=notes,
                   statuses=[(s, view.STATUS_LABELS[s]) for s in STATUSES])


def _search_index(cat: Catalogue, inputs: Inputs) -> bytes:
    texts = {p.id: piece(inputs[i], 2).decode("utf-8") for i, p in enumerate(cat.proposals)}
    return search_index(cat, texts).encode("utf-8")


def _file(path: str) -> bytes:
    return Path(path).read_bytes()


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
