"""One Markdown parse for every output: python-markdown → HTML, sanitised with nh3.

Bodies are written by many hands and end up on a public web site, so everything that could run
script or fetch from elsewhere is removed: `<script>`, event handlers, `javascript:` links,
images and styles. Headings are shifted so a body nests under the page's own heading levels.
The HTML renderer uses the result as is; the Word renderer walks the same sanitised HTML.
"""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Mapping

import markdown as md
import nh3

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
    text: str


@lru_cache(maxsize=1)
def _parser() -> md.Markdown:
    return md.Markdown(
        extensions=["tables", "sane_lists", "smarty"],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "smarty": {"smart_angled_quotes": False},
        },
        output_format="html",
    )


def convert(source: str) -> str:
    """Markdown → sanitised HTML (headings as written), computed now (no memo)."""
    parser = _parser()
    parser.reset()
    raw = parser.convert(source)
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@lru_cache(maxsize=4096)
def _memo(source: str) -> str:
    return convert(source)


_primed: dict[str, str] = {}


def to_html(source: str) -> str:
    """Markdown → sanitised HTML (headings as written); memoised, as pages share bodies.

    During a build the results come from `primed` (converted once, possibly in parallel and
    possibly from the cache, by `katalog.build`)."""
    hit = _primed.get(source)
    return hit if hit is not None else _memo(source)


@contextmanager
def primed(results: Mapping[str, str]) -> Iterator[None]:
    """Within the block, `to_html(source)` is `results[source]` for the sources given
    (`results` must hold what `convert` returns for them)."""
    _primed.update(results)
    try:
        yield
    finally:
        for source in results:
            _primed.pop(source, None)


def shift_headings(fragment: str, top: int) -> str:
    """Shift headings so the highest one in `fragment` becomes level `top` (at most h6)."""
    levels = [int(m.group(2)) for m in _HEADING.finditer(fragment) if not m.group(1)]
    if not levels:
        return fragment
    delta = top - min(levels)

    def repl(m: re.Match[str]) -> str:
        return f"<{m.group(1)}h{min(6, max(1, int(m.group(2)) + delta))}"

    return _HEADING.sub(repl, fragment)


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment, whitespace folded."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def render(source: str, top: int = 2) -> Fragment:
    """Markdown body → sanitised HTML whose headings start at level `top`."""
    body = shift_headings(to_html(source), top)
    return Fragment(body, plain_text(body))
