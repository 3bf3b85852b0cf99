"""A PDF part's HTML parsed into the tree WeasyPrint's HTML5 parser would build, by expat.

WeasyPrint parses every document with tinyhtml5, an HTML5 parser in pure Python: for the
catalogue's parts about a twentieth of a PDF build's CPU (16 ms a proposal, against 1 ms for
expat, the C XML parser in Python's standard library). katalog's templates and cmark-gfm write
HTML that is nearly XML, and for such HTML the two parsers build the same tree once a few
things are put right. `parse` gives that tree only when it is certain to be the one HTML5
gives, and `None` otherwise (the caller then lets WeasyPrint parse the HTML as usual):

- The HTML is rewritten only where HTML and XML spell the same thing differently: void
  elements (`<meta …>`) are closed (`<meta …/>`), and what follows `</body>` is moved
  inside it (HTML5 puts text and elements after `</body>` or `</html>` at the end of the
  body: the stand-ins of `pdf_parts.with_stubs`). The whitespace HTML5 drops between
  `<html>` and `<head>` is dropped, and a missing `<head>` is added (a page-number stamp).
- The HTML is refused when HTML5 reads it otherwise than XML whatever the tree: a missing
  `<!DOCTYPE html>` (quirks mode), comments, CDATA, processing instructions, `</br>`, a
  non-void element closed by `/>`, a numeric reference to a C1 control (HTML5 maps it to
  windows-1252), an `&` in a `<style>` (raw text to HTML5) and a tab or line break in an
  attribute value (XML turns it into a space). Expat refuses what is not well-formed XML,
  among it every named entity but XML's five.
- The tree is refused unless HTML5's tree construction keeps it as it is: only the elements
  of `HEAD`, `PHRASING`, `FLOW` and `TABLE` (lower case, without namespaces), `<html>` with
  exactly `<head>` (or none) and `<body>`, nothing but phrasing inside `<p>` (a block closes an open
  `<p>`), no `<a>` inside `<a>`, `<li>` only in `<ul>`/`<ol>`, `<dt>`/`<dd>` only in `<dl>`,
  no heading right inside a heading, tables with the sections, rows and cells HTML5 would
  not add or move (and only whitespace between them), void elements empty, and no `<pre>`
  starting with a line break (HTML5 drops it).

`tests/test_pdf_parse.py` compares the trees with tinyhtml5's, for every part of the example
catalogue and for generated HTML that breaks each rule.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Optional

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
HEAD = frozenset({"base", "link", "meta", "style", "title"})
PHRASING = frozenset({"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del",
                      "dfn", "em", "i", "img", "ins", "kbd", "mark", "q", "s", "samp",
                      "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
FLOW = frozenset({"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt",
                  "figcaption", "figure", "footer", "header", "hr", "li", "main", "nav", "ol",
                  "p", "pre", "section", "ul", *HEADINGS})
# each table element and the elements it may hold (HTML5 adds or moves any other)
TABLE = {"table": frozenset({"caption", "colgroup", "thead", "tbody", "tfoot"}),
         "colgroup": frozenset({"col"}),
         "thead": frozenset({"tr"}), "tbody": frozenset({"tr"}), "tfoot": frozenset({"tr"}),
         "tr": frozenset({"td", "th"})}
PARENT = {"li": frozenset({"ul", "ol"}), "dt": frozenset({"dl"}), "dd": frozenset({"dl"}),
          "caption": frozenset({"table"}), "colgroup": frozenset({"table"}),
          "thead": frozenset({"table"}), "tbody": frozenset({"table"}),
          "tfoot": frozenset({"table"}), "tr": frozenset({"thead", "tbody", "tfoot"}),
          "td": frozenset({"tr"}), "th": frozenset({"tr"}), "col": frozenset({"colgroup"})}
BODY = PHRASING | FLOW | frozenset(TABLE) | frozenset({"caption", "col", "td", "th"})

_DOCTYPE = re.compile(r"[ \t\n\f\r]*<!DOCTYPE html>", re.I)
_END_BR = re.compile(r"</br\b", re.I)
_C1_REFERENCE = re.compile(r"&#(?:[xX]0*[89][0-9a-fA-F]|0*1[2-5][0-9]);")
_STYLE_AMPERSAND = re.compile(r"<style\b[^>]*>[^<]*&", re.I)
_BROKEN_ATTRIBUTE = re.compile(r"""=[ \t\n\r]*(?:"[^"]*[\t\n\r]|'[^']*[\t\n\r])""")
_VOID_TAG = re.compile(r"<(%s)(?=[ \t\n\r\f/>])" % "|".join(sorted(VOID))
                       + r"""((?:[^<>"'/]|"[^"]*"|'[^']*'|/(?!>))*)/?>""")
_TAG_NAME = re.compile(r"<([^\s/>]*)")
_WHITESPACE = " \t\n\r\f"  # HTML5's ASCII whitespace


def parse(html: str) -> Optional[ET.Element]:
    """The tree (its `<html>` element) HTML5 builds from `html`, parsed by expat; `None`
    when that cannot be done with certainty (then parse `html` with HTML5)."""
    doctype = _DOCTYPE.match(html)
    if doctype is None:
        return None
    text = html[doctype.end():]
    if (not _comments_in_body(text) or "<?" in text or _END_BR.search(text)
            or _C1_REFERENCE.search(text) or _STYLE_AMPERSAND.search(text)
            or _BROKEN_ATTRIBUTE.search(text) or _self_closed_non_void(text)):
        return None
    xml = _body_last(text)
    if xml is None:
        return None
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    try:
        parser.feed(_VOID_TAG.sub(r"<\1\2/>", xml))
        root = parser.close()
    except ET.ParseError:
        return None
    if not _kept(root):
        return None
    root.text = None  # HTML5 drops the whitespace before <head>
    return root


def _comments_in_body(text: str) -> bool:
    """Whether `text` has no markup declaration but comments inside the body (HTML5 puts a
    comment after `</body>` in `<html>`, not at the end of the body). A comment that is
    well-formed XML has the same text in HTML5."""
    first = text.find("<!")
    if first == -1:
        return True
    return (text.find("<body") < first and text.rfind("-->") < text.find("</body>")
            and text.count("<!") == text.count("<!--"))


def _self_closed_non_void(text: str) -> bool:
    """Whether an element other than a void one is written `<name …/>` (HTML5 leaves it
    open). `<` cannot occur inside a well-formed attribute value, so the tag starts at the
    last `<` before its `/>`."""
    end = text.find("/>")
    while end != -1:
        start = text.rfind("<", 0, end)
        name = _TAG_NAME.match(text, start, end + 2) if start != -1 else None
        if name is None or name.group(1) not in VOID:
            return True
        end = text.find("/>", end + 2)
    return False


def _body_last(text: str) -> Optional[str]:
    """`text` with whatever follows `</body>` (before and after `</html>`) moved to the end
    of the body, where HTML5 puts it."""
    body_end = text.find("</body>")
    if body_end == -1:
        return None
    html_end = text.find("</html>", body_end)
    if html_end == -1:
        return None
    return (text[:body_end] + text[body_end + 7:html_end] + text[html_end + 7:]
            + "</body></html>")


def _blank(s: Optional[str]) -> bool:
    return not s or not s.strip(_WHITESPACE)


def _names_plain(element: ET.Element) -> bool:
    """Attribute names as HTML5 gives them: lower case, without a namespace (tags are
    checked against the lists above, which are lower case)."""
    return all(name == name.lower() and "{" not in name and ":" not in name
               for name in element.attrib)


def _kept(root: ET.Element) -> bool:
    """Whether HTML5's tree construction keeps the tree `root` as it is."""
    if root.tag != "html" or not _blank(root.text) or not _names_plain(root):
        return False
    children = list(root)
    if [c.tag for c in children] == ["body"]:
        children.insert(0, ET.Element("head"))  # what HTML5 makes of a missing <head>
        root.insert(0, children[0])
    if len(children) != 2 or children[0].tag != "head" or children[1].tag != "body":
        return False
    head, body = children
    if not (_blank(head.text) and _blank(head.tail) and _names_plain(head)
            and _names_plain(body)):
        return False
    for element in head:
        if (element.tag not in HEAD or len(element) or not _blank(element.tail)
                or (element.tag in VOID and element.text) or not _names_plain(element)):
            return False
    return _body_kept(body, "body", "html", False, False)


def _body_kept(element: ET.Element, tag: str, above: str, in_p: bool, in_a: bool) -> bool:
    """Whether HTML5 keeps the children of `element` as they are (`tag` is its tag,
    `above` its parent's; `in_p` and `in_a` whether it is inside a `<p>` or an `<a>`)."""
    allowed = TABLE.get(tag)
    if allowed is not None and not _blank(element.text):
        return False  # text in a table (not in a cell): HTML5 moves it before the table
    for child in element:
        name: Any = child.tag
        if name is ET.Comment:
            if allowed is not None and not _blank(child.tail):
                return False
            continue
        if not isinstance(name, str) or name not in BODY or not _names_plain(child):
            return False
        if allowed is not None and (name not in allowed or not _blank(child.tail)):
            return False
        if in_p and name not in PHRASING:
            return False  # a block closes the open <p>
        parents = PARENT.get(name)
        if parents is not None and tag not in parents and not (
                tag == "div" and above == "dl" and name in ("dt", "dd")):
            return False  # (HTML5 lets a <div> group a <dl>'s terms and descriptions)
        if name in VOID:
            if len(child) or child.text:
                return False
            continue
        if name == "a" and in_a:
            return False
        if name in HEADINGS and tag in HEADINGS:
            return False
        if name == "pre" and child.text and child.text[0] == "\n":
            return False
        if len(child) or name in TABLE:
            if not _body_kept(child, name, tag, in_p or name == "p", in_a or name == "a"):
                return False
    return True
