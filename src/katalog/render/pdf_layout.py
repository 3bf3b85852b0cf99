"""Laying out PDFs with WeasyPrint, and finishing them with pikepdf: pure functions of
their jobs, run wherever the executor puts them (usually a pool worker).

`PdfJob` is one HTML document to lay out (a whole document, a part of the catalogue, a
proposal's part, or a part laid out only to count its pages); `StampJob` is a page-number
stamp. `layout` and `stamp` return bytes (a `LaidOut` is a laid-out PDF with its page count,
bookmarks and anchors); `finish_proposal` and `finish_catalogue` put parts together
(`pdf_merge`). Only local files are ever read (`file:` and `data:` URLs), with a file
missing from a templates override taken from the next templates folder.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from . import pdf_parse, pdf_parts
from .templates import TemplateSet

TEMPLATE_DIR = "pdf"
PDF_VARIANT = "pdf/ua-1"


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


def dirs_of(templates: TemplateSet) -> tuple[str, ...]:
    return tuple(str(d) for d in templates.dirs)


def assets_digest(templates: TemplateSet) -> str:
    """A digest of the files WeasyPrint loads besides the HTML (`pdf/` and `fonts/`) and of
    the font subsetter it embeds them with (see `font_subsetter`)."""
    return _digest(templates.digest(TEMPLATE_DIR, "fonts"), font_subsetter())


@cache
def font_subsetter() -> str:
    """Which subsetter WeasyPrint embeds fonts with: HarfBuzz's (the system's
    libharfbuzz-subset, in C) when it is installed, else fontTools (Python, about half of a
    part's layout time). Their font programs differ, so cached parts of one are never mixed
    with the other's."""
    from ctypes.util import find_library

    return "harfbuzz-subset" if find_library("harfbuzz-subset") else "fonttools"


# --- Importing WeasyPrint -------------------------------------------------------------------

def load_weasyprint() -> None:
    """Import WeasyPrint (heavy: only PDF builds), with its C libraries found quickly.

    WeasyPrint tries several names for each library it loads (gobject, pango, harfbuzz,
    fontconfig, …). On Linux each name that is not a file name goes through
    `ctypes.util.find_library`, which runs `ldconfig -p`, then `gcc` and `ld` when the name is
    not found: about 0.3 s of a 0.75 s import, paid again by every pool worker that lays out
    a PDF. During the import a name is looked up in one `ldconfig -p` listing instead, and
    one it lacks is not found (WeasyPrint then tries its next name; its last ones are file
    names, which the dynamic loader finds as before). Without a listing (no glibc
    `ldconfig`) the standard search is used."""
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        return
    import ctypes.util

    standard = ctypes.util.find_library
    listing = _ldconfig_listing()
    if listing is not None:
        ctypes.util.find_library = lambda name: _soname(listing, name)
    try:
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = standard


def _ldconfig_listing() -> bytes | None:
    """The dynamic loader's cache as `ldconfig -p` lists it (what `ctypes.util` reads)."""
    try:
        done = subprocess.run(["/sbin/ldconfig", "-p"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              env={"LC_ALL": "C", "LANG": "C"}, check=False, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def _soname(listing: bytes, name: str) -> str | None:
    """`ctypes.util`'s ldconfig lookup of library `name` (its pattern and ABI), in `listing`."""
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    abi = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
           "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}.get(machine, "libc6")
    found = re.search(os.fsencode(r"\s+(lib%s\.[^\s]+)\s+\(%s" % (re.escape(name), abi)),
                      listing)
    return os.fsdecode(found.group(1)) if found else None


# --- Laying out ------------------------------------------------------------------------------

def layout(job: PdfJob) -> LaidOut:
    """Lay out one job with WeasyPrint: tagged PDF/UA-1, fonts embedded, reproducible."""
    load_weasyprint()
    from weasyprint import HTML

    options = {
        "pdf_variant": PDF_VARIANT,
        "pdf_tags": True,
        "pdf_identifier": job.identifier,
    }
    fetcher = _fetcher(job.template_dirs)
    html = job.html
    extra: dict[str, Any] = {}
    kind: Any = HTML
    if job.kind != "document":
        html = pdf_parts.with_stubs(html)
        if STYLESHEET_LINK in html:  # parse the stylesheet once per process, not per part
            html = html.replace(STYLESHEET_LINK, "", 1)
            fonts, sheets = _parsed_stylesheets(job)
            extra = {"stylesheets": sheets, "font_config": fonts}
            if lean_enough(html, sheets):
                kind = lean_html()
    document = weasy_html(kind, html, job.base_url, fetcher).render(**extra, **options)
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
        load_weasyprint()
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


# --- WeasyPrint's user-agent stylesheet, without what katalog's documents never use ----------
#
# WeasyPrint's own stylesheet gives *every* element a `::marker` and the four pseudo-elements
# of footnotes and notes (`::footnote-call`, `::note-marker`, …: selectors without an
# element). So the cascade works out six pseudo-elements' styles for each element of a part:
# 95 % of the styles it computes, ≈ 7 % of a PDF build's CPU. A part of the catalogue makes
# no footnote (`float: footnote`) or note (`position: note(…)`), and only its `li` elements
# are list items: with those rules kept to where they can apply the PDF has the same bytes.
# A part whose stylesheets or HTML could make either (an override's own CSS) is laid out
# with WeasyPrint's stylesheet as it is.

LEAN_WORDS = ("footnote", "note(", "list-item")  # in a part's HTML: WeasyPrint's own sheet


def load_weasyprint_lean() -> None:
    """`load_weasyprint`, `lean_html` and `adoptable` (≈ 0.03 s): the parts' warm-up
    (`Job.warm`), so the workers forked after it inherit them."""
    load_weasyprint()
    lean_html()
    adoptable()


@cache
def lean_html() -> Any:
    """WeasyPrint's `HTML` with the lean user-agent stylesheet (made once per process)."""
    from weasyprint import CSS, HTML
    from weasyprint import html as weasy_html

    text = re.sub(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", "", weasy_html.UA, flags=re.M)
    text = text.replace("\n::marker {", "\nli::marker {", 1)
    # its counter styles are in UA_COUNTER_STYLE already (parsed again, "disc" and
    # "decimal" are refused with a warning: they may not be defined twice)
    text = re.sub(r"@counter-style [^{]*\{[^}]*\}[ \t]*\n?", "", text)
    sheet = CSS(string=text, counter_style=weasy_html.UA_COUNTER_STYLE)

    class LeanHTML(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [sheet, weasy_html.UA_FORM_STYLESHEET] if forms else [sheet]

    return LeanHTML


def lean_enough(html: str, sheets: Sequence[Any]) -> bool:
    """Whether a part may be laid out with `lean_html`: neither its HTML (a `<style>` or a
    `style` attribute of a template) nor its parsed stylesheets make a footnote, a note or
    a list item of anything but `li`. A stylesheet that cannot be read this way (another
    WeasyPrint) is taken to make them."""
    if any(word in html for word in LEAN_WORDS):
        return False
    try:
        for sheet in sheets:
            m = sheet.matcher
            for group in (*m.id_selectors.values(), *m.class_selectors.values(),
                          *m.lower_local_name_selectors.values(),
                          *m.namespace_selectors.values(), m.lang_attr_selectors,
                          m.other_selectors):
                for entry in group:
                    for name, value, _important in entry[-1][0]:
                        if _makes_a_note_or_list_item(name, value):
                            return False
    except (AttributeError, TypeError, ValueError, IndexError):
        return False
    return True


def _makes_a_note_or_list_item(name: str, value: Any) -> bool:
    if name == "float":
        return bool(value == "footnote")
    if name == "position":
        return isinstance(value, tuple) and value[:1] == ("note()",)
    if name == "display":
        return "list-item" in (value if isinstance(value, tuple) else (value,))
    return False


# --- WeasyPrint's HTML, parsed by expat when that gives HTML5's tree (`pdf_parse`) ----------

ADOPTED = ("base_url", "url_fetcher", "media_type", "wrapper_element", "etree_element")


def weasy_html(kind: Any, html: str, base_url: str, fetcher: Any) -> Any:
    """`kind(string=html, base_url=base_url, url_fetcher=fetcher)` (`kind` is WeasyPrint's
    `HTML` or `lean_html()`), with the tree `pdf_parse` gives when it can: the same
    document, without WeasyPrint's HTML5 parser in pure Python (≈ 5 % of a PDF build)."""
    tree = pdf_parse.parse(html) if adoptable() else None
    if tree is None:
        return kind(string=html, base_url=base_url, url_fetcher=fetcher)
    import cssselect2
    from weasyprint import _find_base_url

    document = kind.__new__(kind)  # what `HTML.__init__` does after parsing
    document.base_url = _find_base_url(tree, base_url)
    document.url_fetcher = fetcher
    document.media_type = "print"
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
        tree, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document


@cache
def adoptable() -> bool:
    """Whether this WeasyPrint's `HTML` is made as `weasy_html` makes it from a tree: its
    attributes are the ones `weasy_html` sets (another WeasyPrint may set others: then
    every document is parsed by WeasyPrint)."""
    load_weasyprint()
    import weasyprint

    if not callable(getattr(weasyprint, "_find_base_url", None)):
        return False
    document = weasyprint.HTML(string="<!DOCTYPE html><html><head></head><body></body></html>",
                               base_url="file:///")
    return sorted(vars(document)) == sorted(ADOPTED)


def layout_bytes(job: PdfJob) -> bytes:
    return layout(job).to_bytes()


def stamp(job: StampJob) -> bytes:
    """Lay out a page-number stamp (an untagged PDF: it is drawn as an artifact)."""
    load_weasyprint()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _fetcher(job.template_dirs)
    fonts = FontConfiguration()
    css = CSS(string=pdf_parts.stamp_css(job.css, set(job.boxes), job.first, job.total),
              base_url=job.base_url, url_fetcher=fetcher, font_config=fonts)
    html = pdf_parts.stamp_html(job.pages, job.cover)
    data: bytes = weasy_html(HTML, html, job.base_url, fetcher).write_pdf(
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
    css, url = stylesheet(job.template_dirs)
    boxes = tuple(sorted(pdf_parts.counter_boxes(css)))
    return stamp(StampJob(css, url, job.template_dirs, boxes, 1, pages, pages))


def stylesheet(template_dirs: Sequence[str]) -> tuple[str, str]:
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


def catalogue_marks(front: LaidOut, parts: Sequence[LaidOut]) -> list[Any]:
    """The catalogue's bookmarks: the front matter's, then themes and proposals."""
    from .pdf_merge import Bookmark

    marks = [Bookmark(*b) for b in front.bookmarks if b[0] <= 2]
    offset = front.pages
    for part in parts:
        marks.extend(Bookmark(level, label, page + offset, x, y)
                     for level, label, page, x, y in part.bookmarks if level <= 2)
        offset += part.pages
    return marks


def finish_catalogue(front: LaidOut, parts: Sequence[LaidOut], stamps: Sequence[bytes],
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


def _fetcher(template_dirs: Sequence[str]) -> Any:
    load_weasyprint()
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


# --- Jobs of the executor (see `render.pdf.plan_pdf`) ----------------------------------------

SPLICE_SHARE = 4  # the catalogue is spliced when at most a quarter of its parts changed


def finish_proposal_job(inputs: Sequence[bytes]) -> bytes:
    """A proposal's own PDF from [its stamp, its laid-out part]."""
    return finish_proposal(inputs[0], LaidOut.from_bytes(inputs[1]))


def finish_catalogue_job(parts: int, inputs: Any) -> bytes:
    """`katalog.pdf` from [front matter, `parts` laid-out parts, stamps…]. When the last
    build's catalogue is at hand (`inputs.previous`) with the same front matter and stamps
    (so no page moved) and few parts changed, the new parts are spliced into it instead of
    assembling everything again; a catalogue the splice cannot read is assembled anew."""
    from .pdf_merge import Source, splice

    front = LaidOut.from_bytes(inputs[0])
    laid = [LaidOut.from_bytes(inputs[1 + i]) for i in range(parts)]
    stamps = list(inputs[1 + parts:])
    marks = catalogue_marks(front, laid)
    changed = _changed_parts(parts, inputs.keys, inputs.previous)
    if changed:
        starts = list(accumulate((p.pages for p in laid[:-1]), initial=front.pages))
        try:
            return splice(inputs.previous.output,
                          [(starts[i], Source(laid[i].data, laid[i].pages)) for i in changed],
                          marks)
        except Exception:  # noqa: BLE001 - a catalogue it cannot read: assemble it all again
            pass
    return finish_catalogue(front, laid, stamps, marks)


def _changed_parts(parts: int, keys: Sequence[str | None], previous: Any) -> list[int]:
    """The parts to splice into the previous catalogue (empty: assemble everything)."""
    if previous is None or None in keys or len(previous.keys) != len(keys):
        return []
    old, new = previous.keys, keys
    if old[0] != new[0] or old[1 + parts:] != new[1 + parts:]:
        return []  # other front matter (page numbers) or stamps: pages moved
    changed = [i for i in range(parts) if old[1 + i] != new[1 + i]]
    return changed if changed and len(changed) * SPLICE_SHARE <= parts else []
