"""render.pdf_parse: a part's HTML parsed by expat into exactly the tree WeasyPrint's HTML5
parser (tinyhtml5) builds, or refused. Every document of the example's PDF is compared tree
by tree; generated HTML that breaks each rule is either refused or parsed the same."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Optional

import pytest
import tinyhtml5
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from katalog.build import document_date
from katalog.pipeline import check
from katalog.render import pdf, pdf_parts
from katalog.render.pdf_layout import STYLESHEET_LINK
from katalog.render.pdf_parse import parse
from katalog.render.templates import TemplateSet


def html5(html: str) -> ET.Element:
    """The tree WeasyPrint parses `html` into."""
    return tinyhtml5.parse(html, namespace_html_elements=False)


def difference(a: ET.Element, b: ET.Element, path: str = "html") -> Optional[str]:
    """Where two trees differ (tags, attributes in order, texts, tails: `None` and "" are
    different), or None."""
    if a.tag != b.tag:
        return f"{path}: {a.tag!r} ≠ {b.tag!r}"
    if list(a.attrib.items()) != list(b.attrib.items()):
        return f"{path}: {a.attrib} ≠ {b.attrib}"
    if (a.text, a.tail) != (b.text, b.tail):
        return f"{path}: {(a.text, a.tail)!r} ≠ {(b.text, b.tail)!r}"
    if len(a) != len(b):
        return f"{path}: {len(a)} ≠ {len(b)} children"
    for i, (x, y) in enumerate(zip(a, b)):
        found = difference(x, y, f"{path}/{x.tag}[{i}]")
        if found:
            return found
    return None


def assert_html5s_tree(html: str) -> None:
    tree = parse(html)
    assert tree is not None, html
    assert difference(tree, html5(html)) is None


# -- every document of the example's PDF -------------------------------------------------------

def example_documents() -> list[str]:
    """The HTML of every document the example's PDF is laid out from, as `layout` parses it:
    the front matter, the overview (with its chart's comment), each theme, each proposal
    (with the stand-ins after `</html>` of its links to other parts), the themes flowing
    as one part, and a page-number stamp."""
    from conftest import EXAMPLE

    checked = check(EXAMPLE)
    assert checked.ok
    cat = checked.catalogue
    book = pdf.Book.of(cat, checked.totals, TemplateSet.create(),
                       document_date(cat.settings.date, EXAMPLE))
    parts = [book.overview(True), *map(book.theme, cat.themes),
             *map(book.proposal, cat.proposals), book.flowing(cat.themes)]
    if book.context["intro"] is not None:
        parts.append(book.intro())
    documents = [book.front({}).html]
    documents += [pdf_parts.with_stubs(p.html).replace(STYLESHEET_LINK, "", 1) for p in parts]
    documents.append(pdf_parts.stamp_html(3, True))
    assert sum(pdf_parts.has_stubs(d) for d in documents) >= 5
    assert sum("<!--" in d for d in documents) >= 1
    return documents


def test_every_document_of_the_example_gives_html5s_tree() -> None:
    for html in example_documents():
        assert_html5s_tree(html)


# -- what is parsed the same, and what is refused ----------------------------------------------

HEAD = '<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n<title>T</title>\n' \
       '<style>:root { --a: #123; }</style>\n</head>\n'


def document(body: str, after: str = "\n") -> str:
    return f"{HEAD}<body class=\"pdf\">\n{body}\n</body>\n</html>{after}"


@pytest.mark.parametrize("html", [
    document('<p>Tekst med <strong>fed</strong>, <a href="#x">link</a> og<br>linjeskift.</p>'),
    document('<p>XHTML-skrivemåde<br /><img src="a.png" alt="a &amp; b"/></p><hr />'),
    document("<ul>\n<li><p>Punkt</p><ol><li>Under</li></ol></li>\n</ul>"),
    document("<dl>\n<div><dt>Forvaltning</dt><dd>ØKF</dd></div>\n<dt>Tema</dt><dd>1</dd></dl>"),
    document("<table>\n<caption>Økonomi</caption>\n<colgroup><col><col></colgroup>\n"
             "<thead>\n<tr><th>År</th><th>2026</th></tr>\n</thead>\n<tbody>\n"
             "<tr><td>Løn</td><td>-1.000</td></tr>\n</tbody>\n</table>"),
    document("<pre><code>kode\n  indrykket</code></pre>"),
    document('<div class="chart"><!--katalog:diagram--></div>'),
    document("<p>x</p>", after='\n<div class="pdf-stubs"><span id="a"></span></div>\n'),
    document("<p>x</p>", after=""),
    document("<p>&#34;citat&#34; &#x2013; &lt;&gt; &#8364;</p>"),
    document("<h2>Overskrift <span>med</span> <em>mere</em></h2><section><h3>Under</h3>"
             "</section>"),
])
def test_html_like_katalogs_gives_html5s_tree(html: str) -> None:
    assert_html5s_tree(html)


@pytest.mark.parametrize("html, why", [
    (HEAD.replace("<!DOCTYPE html>\n", "") + "<body></body></html>", "quirks mode"),
    (document("<p>a<div>b</div></p>"), "a block closes the open <p>"),
    (document("<p><span><ul><li>a</li></ul></span></p>"), "a list closes the <p>"),
    (document("<p>a<p>b</p></p>"), "a <p> closes the <p>"),
    (document('<a href="#a">a<a href="#b">b</a></a>'), "<a> inside <a>"),
    (document("<ul><li>a<div><li>b</li></div></li></ul>"), "<li> outside a list"),
    (document("<dl><dd>a<div><dt>b</dt></div></dd></dl>"), "<dt> outside <dl>"),
    (document("<h2>a<h3>b</h3></h2>"), "a heading in a heading"),
    (document("<table><tr><td>a</td></tr></table>"), "HTML5 adds <tbody>"),
    (document("<table>tekst<tbody></tbody></table>"), "text moved before the table"),
    (document("<table><tbody><tr><div>a</div></tr></tbody></table>"), "moved before"),
    (document("<table><col></col></table>"), "HTML5 adds <colgroup>"),
    (document("<pre>\ntekst</pre>"), "HTML5 drops the first line break"),
    (document("<div/>tekst"), "<div/> is left open"),
    (document("<p>a<br></br>b</p>"), "</br> is a <br>"),
    (document("<p>&#150;</p>"), "a C1 reference is windows-1252 to HTML5"),
    (document("<p>a&nbsp;b</p>"), "a named entity XML does not know"),
    (document('<p title="a\nb">x</p>'), "XML makes the line break a space"),
    (document("<p>x</p>").replace("--a: #123;", "--a: '&amp;';"), "raw text in <style>"),
    (document("<p>x</p>", after="<!-- efter -->"), "a comment after </html> is in <html>"),
    (document("<p><![CDATA[x]]></p>"), "CDATA is a comment to HTML5"),
    (document("<p>&e;</p>").replace("<!DOCTYPE html>", '<!DOCTYPE html [<!ENTITY e "x">]>'),
     "no DTD: entities are never expanded"),
    (document("<svg viewBox='0 0 1 1'><rect/></svg>"), "foreign elements"),
    (document("<P>x</P>"), "HTML5 lowers the case"),
    (document('<p CLASS="a">x</p>'), "HTML5 lowers the case"),
    (document("<button><p>a</p></button>"), "an element left out"),
    (document("<img src='a'>x</img>"), "a void element with content"),
    (document("<p>a</b></p>"), "not well-formed"),
    (document("<p>a & b</p>"), "not well-formed"),
    (HEAD + "<div>uden body</div></html>", "no <body>"),
    (HEAD.replace("<title>T</title>", "<div>x</div>") + "<body></body></html>", "div in head"),
])
def test_what_html5_reads_otherwise_is_refused(html: str, why: str) -> None:
    assert parse(html) is None, why


# -- generated HTML: refused, or parsed as HTML5 parses it -------------------------------------

TAGS = ["p", "div", "span", "a", "strong", "em", "b", "code", "ul", "ol", "li", "dl", "dt",
        "dd", "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "td",
        "th", "h2", "h3", "pre", "br", "img", "hr", "section", "abbr", "button", "font",
        "nobr", "select", "option", "template", "svg", "textarea", "title", "P"]
TEXTS = ["", "x", " ", "\n", "\n\n", " a b ", "&amp;", "&#34;", "&#150;", "&nbsp;", "\t",
         "<!--k-->", "&#13;"]
ATTRIBUTES = ["", ' class="c"', ' title="a\nb"', ' CLASS="x"', " id='i'", ' href="#a"']


def element(tag: str, attributes: str, inner: str, style: int) -> str:
    if tag in ("br", "img", "hr", "col"):
        return [f"<{tag}{attributes}>", f"<{tag}{attributes} />", f"<{tag}{attributes}/>",
                f"<{tag}{attributes}></{tag}>"][style] + inner
    if not inner and style == 1:
        return f"<{tag}{attributes}/>"
    return f"<{tag}{attributes}>{inner}</{tag}>"


fragments = st.recursive(
    st.sampled_from(TEXTS),
    lambda inner: st.builds(
        element, st.sampled_from(TAGS), st.sampled_from(ATTRIBUTES),
        st.lists(inner, max_size=4).map("".join), st.integers(0, 3)),
    max_leaves=25)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragments, st.sampled_from(["", "\n", "\n<div>s</div>\n", "x", "<!--c-->"]))
def test_generated_html_is_refused_or_parsed_as_html5(body: str, after: str) -> None:
    html = document(body, after)
    tree = parse(html)
    if tree is not None:
        assert difference(tree, html5(html)) is None
