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

Raw HTML is handed to an HTML5 parser, which reads some tags in ways that would silently drop
the rest of a body: an unclosed `<style>`, `<script>`, `<textarea>`, `<!--` or `<?` (and a few
more) turns everything after it into invisible content. Before sanitising, such a construct
without its end is made text (`&lt;style>`), so "Se <style> her" shows as written and the text
after it is kept; a closed `<style>…</style>` is still removed whole. Foreign content (`<svg>`,
`<math>`) is always made text. `body_problems` reports what no format can build (nesting
deeper than `MAX_NESTING` lists and quotes, or `MAX_DEPTH` elements of any kind), with the
line in the body, for `check`; rendering such a body anyway gives its text as plain
paragraphs instead of failing.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import repeat

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

MAX_NESTING = 20  # lists and block quotes inside each other (a writer's idea of "levels")
MAX_DEPTH = 60  # elements of any kind inside each other (raw HTML); PDF breaks near 150
MAX_COLUMNS = 63  # table columns: Word refuses wider tables


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
    if "<" not in source and _nesting_bound(raw) <= MAX_DEPTH:
        # No raw HTML (cmark escapes every "<" of text, so each one in `raw` starts a tag
        # of cmark's own) and shallow: the scan would find nothing (half of converting)
        return _sanitised(raw)
    scan = scan_html(raw)
    if scan.too_deep:
        # No format can lay this out (and the sanitiser slows down with the square of the
        # depth): the text alone, as paragraphs. `check` refuses such a body (body_problems).
        text = plain_text(raw)
        return f"<p>{html.escape(text, quote=False)}</p>" if text else ""
    return _sanitised(scan.neutralised(raw))


def _sanitised(raw: str) -> str:
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


# -- raw HTML the parser would swallow, and nesting no format can build ----------------------

# Elements whose content the HTML5 parser reads as raw text up to their end tag (or keeps out
# of the document: template; or moves before itself: table): without that end tag
# everything after is lost (or moved).
_RAW_TEXT = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
             "noscript", "template"}
_NEEDS_END = _RAW_TEXT | {"table"}
_ALWAYS_TEXT = {"plaintext", "svg", "math"}  # never closed / foreign content: always text
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr", "image", "keygen", "basefont", "bgsound", "frame"}
_AUTO_CLOSE = {"p", "li", "dt", "dd", "option", "tr", "td", "th"}  # a second one closes the first
_LEVELS = {"ul", "ol", "blockquote"}
# An open tag as the HTML5 tokenizer reads it, except that a "<" inside ends the match (the
# tag is then made text: safe, and it keeps the scan linear).
_OPEN_TAG = re.compile(r"""<([A-Za-z][^\t\n\f\r />]*)((?:[^<>"'=]|=\s*"[^"<]*"|=\s*'[^'<]*'|=)*)>""")
_END_TAG = re.compile(r"</([A-Za-z][^\t\n\f\r />]*)[^<>]*>")
_COMMENT_END = re.compile(r"--!?>")
_SOURCEPOS = re.compile(r'data-sourcepos="(\d+):(\d+)-')


@dataclass
class Scan:
    """What `scan_html` found: where a `<` must become text, and the deepest nesting."""

    escapes: list[int] = field(default_factory=list)
    levels: int = 0  # lists and quotes
    depth: int = 0  # elements (the scan stops once it passes MAX_DEPTH)
    columns: int = 0  # cells in the widest table row
    levels_at: tuple[int, int] = (1, 1)  # (line, column) where `levels` passed MAX_NESTING
    depth_at: tuple[int, int] = (1, 1)  # ... where `depth` passed MAX_DEPTH
    columns_at: tuple[int, int] = (1, 1)  # ... where a row passed MAX_COLUMNS cells

    @property
    def too_deep(self) -> bool:
        return self.depth > MAX_DEPTH

    def neutralised(self, raw: str) -> str:
        """`raw` with every `<` that would swallow the rest made text."""
        parts, last = [], 0
        for at in self.escapes:
            parts += [raw[last:at], "&lt;"]
            last = at + 1
        return "".join(parts + [raw[last:]])


class _Scanner:
    """One pass over cmark's HTML. cmark escapes every `<` of text, so each `<` here starts
    cmark's own tag or raw HTML a writer typed. Linear in the length of the HTML."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.scan = Scan()
        self.stack: list[str] = []
        self.levels = 0
        self.cells = 0
        self.pos = (1, 1)
        self._ends: dict[str, list[int]] = {}

    def run(self) -> Scan:
        raw = self.raw
        i = raw.find("<")
        while i >= 0 and not self.scan.too_deep:
            i = raw.find("<", self._at(i))
        return self.scan

    def _at(self, i: int) -> int:
        """Handle the markup at `i`; the index after it."""
        raw, nxt = self.raw, self.raw[i + 1:i + 2]
        if raw.startswith("<!--", i):
            return self._comment(i)
        if nxt == "/" and raw[i + 2:i + 3].isalpha():
            m = _END_TAG.match(raw, i)
            if m is None:
                return self._text(i)
            self._close(m.group(1).lower())
            return m.end()
        if not nxt.isalpha():
            # <!DOCTYPE, <![CDATA[, <?php, </ 5 …: the parser drops them up to the next ">"
            # (or to the end): shown as text instead; "< 5" is text already
            return self._text(i) if nxt in ("!", "?", "/") else i + 1
        m = _OPEN_TAG.match(raw, i)
        if m is None:
            return self._text(i)  # unterminated: it would swallow up to the next ">"
        sp = _SOURCEPOS.search(m.group(2))
        if sp:
            self.pos = (int(sp.group(1)), int(sp.group(2)))
        return self._open(m)

    def _text(self, i: int) -> int:
        self.scan.escapes.append(i)
        return i + 1

    def _comment(self, i: int) -> int:
        for abrupt in ("<!-->", "<!--->"):
            if self.raw.startswith(abrupt, i):
                return i + len(abrupt)
        end = self._next_end("--", i + 4)
        return self._text(i) if end is None else end

    def _next_end(self, name: str, start: int) -> int | None:
        """The index after the first end of `name` ("--": a comment) at or after `start`."""
        ends = self._ends.get(name)
        if ends is None:
            pattern = _COMMENT_END if name == "--" else re.compile(
                rf"</{re.escape(name)}[\t\n\f\r />][^<>]*>|</{re.escape(name)}>", re.IGNORECASE)
            ends = self._ends[name] = [m.end() for m in pattern.finditer(self.raw)]
        k = bisect.bisect_right(ends, start)
        return ends[k] if k < len(ends) else None

    def _open(self, m: re.Match[str]) -> int:
        name = m.group(1).lower()
        if name in _ALWAYS_TEXT:
            return self._text(m.start())
        if name in _NEEDS_END:
            end = self._next_end(name, m.end())
            content = self.raw[m.end():end] if end is not None else ""
            if end is None or (name == "script" and "<!--" in content):
                return self._text(m.start())
            if name in _RAW_TEXT:
                return end  # closed: its content is not markup (and is removed or kept whole)
        if name not in _VOID:
            self._push(name)
        if name == "tr":
            self.cells = 0
        elif name in ("td", "th"):
            self.cells += 1
            if self.cells > self.scan.columns:
                self.scan.columns = self.cells
                if self.cells == MAX_COLUMNS + 1:
                    self.scan.columns_at = self.pos
        return m.end()

    def _push(self, name: str) -> None:
        if name in _AUTO_CLOSE and self.stack and self.stack[-1] == name:
            self._close(name)
        self.stack.append(name)
        self.levels += name in _LEVELS
        scan = self.scan
        if self.levels > scan.levels:
            scan.levels = self.levels
            if self.levels == MAX_NESTING + 1:
                scan.levels_at = self.pos
        if len(self.stack) > scan.depth:
            scan.depth = len(self.stack)
            if scan.depth == MAX_DEPTH + 1:
                scan.depth_at = self.pos

    def _close(self, name: str) -> None:
        if name not in self.stack:
            return  # a stray end tag: the parser ignores it
        while self.stack:
            top = self.stack.pop()
            self.levels -= top in _LEVELS
            if top == name:
                return


def scan_html(raw: str) -> Scan:
    """Read cmark's HTML as an HTML5 parser would, well enough to find every raw construct
    that would swallow the rest of the body, and how deep elements nest."""
    return _Scanner(raw).run()


@dataclass(frozen=True)
class BodyProblem:
    """A body no format can build, at a 1-based line and column counted from the body's first
    line (add the body's first line in the file, less one). `code` is a problem of the
    catalogue in `katalog.issues`, whose Danish template is filled from `values`."""

    line: int
    col: int
    code: str
    values: tuple[tuple[str, int], ...]


_TAG_START = re.compile(r"<(/?)[a-zA-Z]")
_PREFIX = re.compile(r"^[ \t>*+\-0-9.)]*", re.M)  # what can open containers on a line
_INLINE = re.compile(r"[*_\[~`]")  # what can open inline elements


def _plainly_shallow(text: str) -> bool:
    """Whether a body certainly nests shallowly, read from its text alone: no raw HTML;
    every list or quote level it opens takes at least one character of the prefix of the
    line where it starts, so the longest prefix bounds the levels; inline elements are
    bounded by their delimiters; tables by their pipes. Most bodies pass this, which saves
    parsing them (a `katalog check` of 1,000 proposals)."""
    if "<" in text or text.count("|") > MAX_COLUMNS and any(
            line.count("|") > MAX_COLUMNS for line in text.split("\n")):
        return False
    prefix = max((len(m) for m in _PREFIX.findall(text)), default=0)
    inline = len(_INLINE.findall(text))
    return prefix <= MAX_NESTING and 5 + 2 * prefix + inline <= MAX_DEPTH


def _nesting_bound(html: str) -> int:
    """An upper bound of how deep elements nest in cmark's HTML of a body without raw HTML
    (well-formed: every element is closed; void ones such as `<br />` only raise it)."""
    depth = deepest = 0
    for close in _TAG_START.findall(html):
        depth += -1 if close else 1
        deepest = max(deepest, depth)
    return deepest


def body_problems(text: str) -> list[BodyProblem]:
    """What in a Markdown body PDF or Word cannot build: lists and quotes nested more than
    `MAX_NESTING` levels, elements nested more than `MAX_DEPTH` levels (raw HTML), tables
    wider than `MAX_COLUMNS`. Empty when every format builds it."""
    if _plainly_shallow(text):
        return []
    raw = cmarkgfm.markdown_to_html_with_extensions(
        text, CMARK_OPTIONS | Options.CMARK_OPT_SOURCEPOS, CMARK_EXTENSIONS)
    if "<" not in text and _nesting_bound(raw) <= MAX_NESTING \
            and max(map(str.count, text.split("\n"), repeat("|")), default=0) <= MAX_COLUMNS:
        return []  # the usual body: plain Markdown, shallow, narrow (no scan needed)
    scan = scan_html(raw)
    problems: list[BodyProblem] = []
    if scan.levels > MAX_NESTING:
        problems.append(BodyProblem(*scan.levels_at, "body-nesting", (("limit", MAX_NESTING),)))
    elif scan.too_deep:
        problems.append(BodyProblem(*scan.depth_at, "body-depth", (("limit", MAX_DEPTH),)))
    if scan.columns > MAX_COLUMNS:
        problems.append(BodyProblem(*scan.columns_at, "body-table",
                                    (("columns", scan.columns), ("limit", MAX_COLUMNS))))
    return problems
