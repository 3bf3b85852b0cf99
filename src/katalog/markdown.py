"""One Markdown parse for every output: CommonMark + GitHub tables (cmark-gfm) → HTML,
sanitised with nh3.

Bodies are parsed by cmark-gfm, GitHub's own CommonMark implementation, so a body renders as
it does in GitHub's (and GitLab's) preview of a pull request: tables with column alignment,
~~strikethrough~~ (double tilde only: "~500" stays text), bare links, smart quotes and dashes.
Bodies are written by many hands and end up on a public web site, so everything that could run
script or fetch from elsewhere is removed: `<script>`, event handlers, `javascript:` links,
images and styles (raw HTML passes cmark and is then sanitised by nh3's allow-list). Headings
are shifted so a body nests under the page's own heading levels. The HTML renderer uses the
result as is; the Word renderer walks the same sanitised HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "sup", "sub", "abbr",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Fragment:
    """A sanitised HTML fragment and its plain text (for search and summaries)."""

    html: str

    @cached_property
    def text(self) -> str:
        """The fragment's text, whitespace folded (computed when first asked for)."""
        return plain_text(self.html)


# raw HTML is kept for nh3 to sanitise (UNSAFE), quotes and dashes made typographic (SMART)
CMARK_OPTIONS = (Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_SMART
                 | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE)
CMARK_EXTENSIONS = ("table", "strikethrough", "autolink")  # GitHub's, less tasklist/tagfilter


def convert(source: str) -> str:
    """Markdown → sanitised HTML (headings as written), computed now (no memo)."""
    raw = cmarkgfm.markdown_to_html_with_extensions(source, CMARK_OPTIONS, CMARK_EXTENSIONS)
    return nh3.clean(
        raw.rstrip("\n"),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@lru_cache(maxsize=4096)
def to_html(source: str) -> str:
    """Markdown → sanitised HTML (headings as written); memoised, as pages and formats share
    bodies (cmarkgfm also keeps each parse's C memory, so a body is best parsed once)."""
    return convert(source)


def shift_headings(fragment: str, top: int) -> str:
    """Shift headings so the highest one in `fragment` becomes level `top` (at most h6)."""
    levels = [int(m.group(2)) for m in _HEADING.finditer(fragment) if not m.group(1)]
    if not levels:
        return fragment
    delta = top - min(levels)
    if delta == 0:
        return fragment

    def repl(m: re.Match[str]) -> str:
        return f"<{m.group(1)}h{min(6, max(1, int(m.group(2)) + delta))}"

    return _HEADING.sub(repl, fragment)


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment, whitespace folded."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def render(source: str, top: int = 2) -> Fragment:
    """Markdown body → sanitised HTML whose headings start at level `top`."""
    return Fragment(shift_headings(to_html(source), top))
