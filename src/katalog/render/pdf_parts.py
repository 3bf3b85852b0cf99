"""The catalogue PDF in parts: what makes a part position-independent.

`katalog.pdf` is laid out as one small WeasyPrint document per piece of the catalogue (a
*part*: the overview, each theme's introduction, each proposal; each made from its macro of
`html/all.html`), plus the front matter (cover and table of contents) laid out last, when
every part's page count is known. Nothing in a part may depend on where it ends up, so:

- the running header's strings (catalogue title, organisation, current theme) come from
  attributes on the part's `<html>` element and on its sections (`data-section`, each
  theme's own), instead of from earlier content (the section is not set on `<html>`:
  WeasyPrint lets a string an element sets win on every page the element is on, over the
  themes of a part where they follow each other);
- margin boxes that show a page counter (`counter(page)`, `counter(pages)`) are switched off
  in the parts and drawn afterwards as a *stamp* (`stamp_css`) with the catalogue's numbering;
- links to anchors in other parts point at empty stand-ins on an extra last page, which the
  assembly drops; the link keeps its named destination, which the merged document defines.

This module only makes strings (HTML and CSS); `pdf.py` lays them out and `pdf_merge.py`
puts the PDFs together. It also shortens the running header's texts (`Header`), so a long
catalogue or theme title never wraps in the page's top margin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

MARGIN_BOXES = (
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
    "right-top", "right-middle", "right-bottom",
    "bottom-right-corner", "bottom-right", "bottom-center", "bottom-left", "bottom-left-corner",
    "left-bottom", "left-middle", "left-top",
)
STUBS_CLASS = "pdf-stubs"

# an element's id and a link to an anchor, however the attribute is quoted
_ID = re.compile(r"""(?<![\w-])id\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_HREF = re.compile(r"""(?<![\w-])href\s*=\s*(?:"#([^"]*)"|'#([^']*)'|#([^\s"'>]+))""")


def _values(pattern: re.Pattern[str], html: str) -> set[str]:
    return {a or b or c for a, b, c in pattern.findall(html)}


def with_stubs(html: str) -> str:
    """`html` followed by an extra page of empty elements for every `#anchor` it links to
    but does not contain (the assembly drops that page; the links keep their names)."""
    missing = sorted(_values(_HREF, html) - _values(_ID, html))
    if not missing:
        return html
    stubs = "".join(f'<span id="{escape(a)}"></span>' for a in missing)
    return f'{html}\n<div class="{STUBS_CLASS}" style="break-before: page">{stubs}</div>\n'


def has_stubs(html: str) -> bool:
    return f'<div class="{STUBS_CLASS}"' in html


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
            "html[data-catalogue] { string-set: catalogue attr(data-catalogue), "
            "organisation attr(data-organisation); }\n"
            "main > section[data-section] { string-set: section attr(data-section); }\n")


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


# --- The running header: never wrapped -------------------------------------------------------

HEADER_WIDTH_PT = 487.5  # A4 less katalog.css's side margins (20 mm + 18 mm), in points
HEADER_SIZE_PT = 7.5  # katalog.css: the margin boxes' font size
CATALOGUE_SHARE = 0.45  # the catalogue's title (top left) gets at most this much of the width
GAP_SHARE = 0.06  # between the two texts
ELLIPSIS = "…"


@lru_cache(maxsize=1)
def _advances() -> tuple[dict[int, int], int, int]:
    """The default font's advance widths by code point (DejaVu Sans, which katalog.css
    uses), its width of a missing glyph and its units per em."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    from .templates import default_templates

    font = TTFont(str(default_templates() / "fonts" / "DejaVuSans.ttf"), lazy=True)
    hmtx = font["hmtx"]
    widths = {cp: hmtx[name][0] for cp, name in font.getBestCmap().items()}
    return widths, hmtx[".notdef"][0], font["head"].unitsPerEm


def text_width(text: str, size: float = HEADER_SIZE_PT) -> float:
    """The width of `text` in points at `size` in the default font."""
    widths, missing, em = _advances()
    return sum(widths.get(ord(c), missing) for c in text) * size / em


def shorten(text: str, points: float, size: float = HEADER_SIZE_PT) -> str:
    """`text` on one line of at most `points`: as it is when it fits, else cut at a word
    (or, for one long word, a character) with an ellipsis."""
    text = " ".join(text.split())
    if text_width(text, size) <= points:
        return text
    room = points - text_width(ELLIPSIS, size)
    cut = ""
    for i in range(len(text)):
        if text_width(text[:i + 1], size) > room:
            cut = text[:i]
            break
    words = cut.rsplit(" ", 1)[0] if " " in cut else cut
    if len(words) >= len(cut) * 0.6:  # cut at a word unless that loses too much
        cut = words
    return cut.rstrip(" ,.:;–-") + ELLIPSIS


@dataclass(frozen=True)
class Header:
    """The running header's texts, shortened to fit: the catalogue's title (top left, at
    most `CATALOGUE_SHARE` of the width), the section (top right: the rest) and the
    organisation (bottom left, opposite the page number)."""

    catalogue: str
    organisation: str
    width: float = HEADER_WIDTH_PT

    @classmethod
    def of(cls, title: str, organisation: str, width: float = HEADER_WIDTH_PT) -> "Header":
        return cls(shorten(title, width * CATALOGUE_SHARE),
                   shorten(organisation, width * 0.6), width)

    def section(self, text: str) -> str:
        room = self.width * (1 - GAP_SHARE) - text_width(self.catalogue)
        return shorten(text, room)
