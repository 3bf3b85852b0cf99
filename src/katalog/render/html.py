"""The catalogue as a static, accessible web site (`build/html/`).

Pages: the front page with the overview, one page per theme and per proposal, a single page
with everything ("hele kataloget", which the PDF renders from), and a search page. All links
are relative, so the site works from `file://` and from any web server; nothing is fetched
from elsewhere. Output depends only on the content, so the same content gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, NamedTuple
from urllib.parse import quote

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .. import parallel
from ..cache import (
    Memo,
    PageCache,
    code_fingerprint,
    fingerprint,
    memo_export,
    memo_import,
    tree_fingerprint,
)
from ..compute import Totals
from ..markdown import plain_text as markdown_text
from ..markdown import render as render_markdown
from ..markdown import shift_headings
from ..markdown import to_html as markdown_html
from ..model import STATUSES, Catalogue, Proposal, Theme
from ..numbers import sign_note, unit_label
from . import view
from .templates import TemplateSet

ASSETS = "assets"
NAMESPACE = "html"  # this renderer's part of the page cache


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
                "body": body_html(markdown_html(p.body), p.id),
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
            "body_html": body_html(render_markdown(t.body, 2).html, f"Tema {t.number}"),
            "body_html_all": body_html(render_markdown(t.body, 3).html, f"Tema {t.number}"),
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


def render_html(
    cat: Catalogue,
    totals: Totals,
    out: Path,
    templates: TemplateSet,
    date: dt.date | None = None,
    cache: PageCache | None = None,
) -> list[Path]:
    """Write the site to `out` (created); returns the files written.

    Each page goes through `cache` (see katalog.cache): its key is the page's render context,
    the template sources and katalog's code, so only pages whose inputs changed are rendered.
    The cache keeps the pages in one pack file. With `PARALLEL_MIN_PROPOSALS` proposals or
    more, the proposal pages are made and written by forked pool workers
    (`parallel.map_inherited`), which send back what the rest of the site needs; the bytes
    are the same either way.
    """
    env = environment(templates)
    site = Site(cat, totals, date, env)
    cache = cache or PageCache(None)
    cache.pack(NAMESPACE)  # one file for ~1,000 pages: creating a file each costs more
    inputs = (tree_fingerprint(templates.search_path("html")), code_fingerprint())
    memo: Memo = {}  # pages share a proposal's tables and records: each is hashed once
    written: list[Path] = []

    folders: set[Path] = set()

    def write(rel: str, data: bytes) -> None:
        path = out / rel
        if path.parent not in folders:  # each folder made once, not once per page
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        path.write_bytes(data)
        written.append(path)

    def page(template: str, rel: str, root: str, name: str, **ctx: Any) -> None:
        context = {**site.base(root, name), **ctx}
        # no cache: no key to compute (fingerprinting every context costs real time)
        key = (fingerprint(template, context, *inputs, memo=memo) if cache.folder is not None
               else rel)
        write(rel, cache.page(NAMESPACE, rel, key,
                              lambda: env.get_template(template).render(**context).encode("utf-8")))

    themes_index = [site.theme(t, "", in_page=False) for t in cat.themes]
    page("index.html", "index.html", "", "index",
         overview=site.overview("", in_page=False),
         target_allocation=view.target_allocation_table(cat, totals),
         themes=themes_index,
         n_proposals=len(cat.proposals),
         n_themes=len([t for t in cat.themes if not t.merged_into]))

    for t in cat.themes:
        item = site.theme(t, "../", in_page=False)
        item["proposals"] = [site.proposal_link(p, "../") for p in cat.proposals_in(t.id)]
        page("theme.html", f"tema/{page_name(t.id)}", "../", "theme", t=item)

    # proposal pages are independent once the site is built: rendered and written in the
    # pool when there are many, each proposal's parts (also on the single page) sent back
    if cat.proposals:
        (out / "forslag").mkdir(parents=True, exist_ok=True)
        folders.add(out / "forslag")
    env.get_template("proposal.html")  # compiled once, before the workers are forked
    job = _Pages(site, out, cache, inputs, memo)
    n = len(cat.proposals)
    chunk = max(1, n // (8 * parallel.default_workers()))  # small: the workers end together
    done = parallel.map_inherited(_proposal_page, job, range(n), min_items=PARALLEL_MIN_PROPOSALS,
                                  chunksize=chunk)
    for p, done_page in zip(cat.proposals, done):
        rel = f"forslag/{page_name(p.id)}"
        site._parts[p.id] = done_page.parts
        memo_import(memo, done_page.parts, done_page.digests)  # hashed once, by the worker
        cache.record(NAMESPACE, rel, done_page.key, done_page.fresh, done_page.value)
        written.append(out / rel)

    page("all.html", "hele-kataloget.html", "", "all", **single_page(site))

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
    page("search.html", "soeg.html", "", "search",
         themes=themes_index, rows=rows, departments=departments, notes=notes,
         statuses=[(s, view.STATUS_LABELS[s]) for s in STATUSES])
    write(f"{ASSETS}/search-index.js",
          search_index(cat, {p.id: d.text for p, d in zip(cat.proposals, done)}).encode("utf-8"))

    for rel, src in templates.files(f"html/{ASSETS}").items():
        write(f"{ASSETS}/{rel}", src.read_bytes())
    cache.prune(NAMESPACE)
    return written


PARALLEL_MIN_PROPOSALS = 100  # fewer proposal pages are rendered in this process


@dataclass
class _Pages:
    """What rendering a proposal page needs; pool workers inherit it when they are forked."""

    site: Site
    out: Path
    cache: PageCache
    inputs: tuple[str, str]  # the templates' and katalog's fingerprints
    memo: Memo


class _Page(NamedTuple):
    """A proposal page written by `_proposal_page`: what the main process needs of it."""

    key: str  # its cache key
    fresh: bool  # rendered now (else taken from the cache)
    value: bytes | None  # the bytes to store in the cache (None: nothing to store)
    parts: dict[str, Any]  # `Site._proposal_parts`, which the single page shows too
    digests: dict[str, bytes]  # the parts' fingerprint digests (`cache.memo_export`)
    text: str  # the body's plain text, for the search index


def _proposal_page(job: _Pages, i: int) -> _Page:
    """Write the page of proposal number `i` (from the cache, or rendered now)."""
    site, cache = job.site, job.cache
    assert site.env is not None
    p = site.cat.proposals[i]
    rel = f"forslag/{page_name(p.id)}"
    context = {**site.base("../", "proposal"), "p": site.proposal(p, "../", top=2)}
    # no cache: no key to compute (fingerprinting every context costs real time)
    key = (fingerprint("proposal.html", context, *job.inputs, memo=job.memo)
           if cache.folder is not None else rel)
    value = cache.get(NAMESPACE, key)
    fresh = value is None
    if value is None:
        value = site.env.get_template("proposal.html").render(**context).encode("utf-8")
    (job.out / rel).write_bytes(value)
    parts = site._parts[p.id]
    return _Page(key, fresh, value if fresh and cache.folder is not None else None,
                 parts, memo_export(job.memo, parts), markdown_text(markdown_html(p.body)))


def single_page(site: Site) -> dict[str, Any]:
    """The context of the single page with everything (`all.html`); the PDF renders it too."""
    all_themes = []
    for t in site.cat.themes:
        item = site.theme(t, "", in_page=True)
        item["proposals"] = [site.proposal(p, "", top=4) for p in site.cat.proposals_in(t.id)]
        all_themes.append(item)
    return {
        "overview": site.overview("", in_page=True),
        "target_allocation": view.target_allocation_table(site.cat, site.totals),
        "themes": all_themes,
    }


def render_block(env: Environment, template: str, block: str, context: dict[str, Any]) -> Markup:
    """One block of a template (e.g. `main` of `all.html`) rendered on its own.

    The whole template is rendered once first, so that its top-level `{% from ... import %}`
    statements have put their macros into the context the block runs in.
    """
    tmpl = env.get_template(template)
    ctx = tmpl.new_context(context)
    for _ in tmpl.root_render_func(ctx):
        pass
    return Markup("".join(tmpl.blocks[block](ctx)))


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
