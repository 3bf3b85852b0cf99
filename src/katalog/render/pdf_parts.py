"""The catalogue PDF in parts: the site's single page split into position-independent pieces.

`katalog.pdf` is laid out as one small WeasyPrint document per theme introduction and per
proposal (a *part*), plus the front matter (cover, table of contents, overview) rendered last,
when every part's page count is known. Nothing in a part may depend on where it ends up, so:

- the running header's strings (catalogue title, organisation, current theme) come from
  attributes on the part's `<html>` element instead of from earlier content;
- margin boxes that show a page counter (`counter(page)`, `counter(pages)`) are switched off
  in the parts and drawn afterwards as a *stamp* (`stamp_css`) with the catalogue's numbering;
- links to anchors in other parts point at empty stand-ins on an extra last page, which the
  assembly drops; the link keeps its named destination, which the merged document defines.

This module only makes strings (HTML and CSS); `pdf.py` lays them out and `pdf_merge.py`
puts the PDFs together.
"""

from __future__ import annotations

import re
from html import escape

MARGIN_BOXES = (
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
    "right-top", "right-middle", "right-bottom",
    "bottom-right-corner", "bottom-right", "bottom-center", "bottom-left", "bottom-left-corner",
    "left-bottom", "left-middle", "left-top",
)
STUBS_CLASS = "pdf-stubs"

_THEME = re.compile(r'^<section class="theme"[^>]*>', re.M)
_ARTICLE = re.compile(r'^<article class="proposal[^>]*>.*?^</article>\n?', re.M | re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'\bhref="#([^"]+)"')
_TOC_LINK = re.compile(r'<a href="#([^"]+)">.*?</a>', re.S)
_SECTION = re.compile(r'^(<section\b[^>]*>)(.*?)^</section>\n?', re.M | re.S)


def split_main(main: str) -> tuple[str, list[tuple[str, str, list[tuple[str, str]]]]]:
    """The `main` block of the single page → (front matter, [(theme opening tag, theme
    introduction, [(proposal anchor, article)])]), all as in the page, in order."""
    starts = [m.start() for m in _THEME.finditer(main)]
    front = main[: starts[0]] if starts else main
    themes = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(main)
        section = main[start:end]
        opening = _THEME.match(section)
        assert opening is not None
        articles = list(_ARTICLE.finditer(section))
        intro_end = articles[0].start() if articles else section.rfind("</section>")
        intro = section[opening.end(): intro_end]
        proposals = []
        for m in articles:
            anchor = _ID.search(m.group(0))
            proposals.append((anchor.group(1) if anchor else "", m.group(0)))
        themes.append((opening.group(0), intro, proposals))
    return front, themes


def with_stubs(html: str) -> str:
    """`html` followed by an extra page of empty elements for every `#anchor` it links to
    but does not contain (the assembly drops that page; the links keep their names)."""
    missing = sorted(set(_HREF.findall(html)) - set(_ID.findall(html)))
    if not missing:
        return html
    stubs = "".join(f'<span id="{escape(a)}"></span>' for a in missing)
    return f'{html}\n<div class="{STUBS_CLASS}" style="break-before: page">{stubs}</div>\n'


def has_stubs(html: str) -> bool:
    return f'<div class="{STUBS_CLASS}"' in html


def numbered_toc(front: str, pages: dict[str, int]) -> str:
    """The front matter with each table-of-contents link in a `<span class="toc-entry"
    data-page="N">`, N being its page number: the stylesheet draws the dots and the number
    around the link (a CSS `leader()` is laid out and drawn one dot at a time)."""

    def add(m: re.Match[str]) -> str:
        number = pages.get(m.group(1))
        if number is None:
            return m.group(0)
        return f'<span class="toc-entry" data-page="{number}">{m.group(0)}</span>'

    start = front.find('<nav class="toc"')
    end = front.find("</nav>", start)
    if start < 0 or end < 0:
        return front
    return front[:start] + _TOC_LINK.sub(add, front[start:end]) + front[end:]


def split_front(front: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The front matter → (cover and table of contents, [(anchor, opening tag, content)] for
    each section after the table of contents, e.g. the overview). Those sections are parts
    of their own: they do not need the page numbers, and an amount edit changes them but not
    the table of contents."""
    end = front.find("</nav>")
    if end < 0:
        return front, []
    end += len("</nav>")
    sections = []
    for m in _SECTION.finditer(front, end):
        anchor = _ID.search(m.group(1))
        sections.append((anchor.group(1) if anchor else "", m.group(1), m.group(2)))
    if not sections:
        return front, []
    return front[:front.find(sections[0][1], end)], sections


# --- Page counters: in the parts switched off, in the stamp the only thing drawn ------------

def counter_boxes(css: str) -> set[str]:
    """The margin boxes (e.g. `bottom-right`) whose `content` uses a page counter anywhere
    in the stylesheet `css`."""
    import tinycss2  # WeasyPrint's CSS parser

    found: set[str] = set()
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "page" or rule.content is None:
            continue
        for inner in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                    skip_whitespace=True):
            if (inner.type == "at-rule" and inner.lower_at_keyword in MARGIN_BOXES
                    and inner.content is not None and _uses_page_counter(inner.content)):
                found.add(inner.lower_at_keyword)
    return found


def _uses_page_counter(tokens: list) -> bool:  # type: ignore[type-arg]
    import tinycss2

    for decl in tinycss2.parse_blocks_contents(tokens, skip_comments=True, skip_whitespace=True):
        if decl.type == "declaration" and decl.lower_name == "content":
            text = tinycss2.serialize(decl.value)
            if re.search(r"counters?\(\s*pages?\b", text):
                return True
    return False


def part_css(boxes: set[str]) -> str:
    """Added after the stylesheet when laying out a part: no page counters, and the running
    strings from the `<html>` element's attributes."""
    rules = "".join(f"@{b} {{ content: none !important; }}" for b in sorted(boxes))
    return (f"@page {{ {rules} }}\n"
            "html[data-section] { string-set: catalogue attr(data-catalogue), "
            "organisation attr(data-organisation), section attr(data-section); }\n")


def stamp_css(css: str, boxes: set[str], first: int, total: int) -> str:
    """The stylesheet of a stamp: only the page-counter boxes, numbered from `first` of
    `total` pages; the body draws nothing."""
    text = re.sub(r"counter\(\s*pages\s*(,[^)]*)?\)", f'"{total}"', css)
    others = "".join(f"@{b} {{ content: none !important; }}"
                     for b in MARGIN_BOXES if b not in boxes)
    return (f"{text}\n@page {{ {others} }}\n@page :first {{ counter-reset: page {first} }}\n"
            "body > * { visibility: hidden; }\n")


def stamp_html(pages: int, cover: bool) -> str:
    """`pages` empty pages; the first is the cover page when `cover` (no page number)."""
    first = '<section class="pdf-cover"></section>' if cover else "<div></div>"
    rest = '<div style="break-before: page"></div>' * (pages - 1)
    return f'<!DOCTYPE html><html lang="da"><body class="pdf pdf-stamp">{first}{rest}</body></html>'
