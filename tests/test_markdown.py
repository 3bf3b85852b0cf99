"""katalog.markdown: bodies are CommonMark + GitHub tables (cmark-gfm), as in GitHub's preview
of a pull request, and everything that could run script or fetch from elsewhere is removed."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from katalog.markdown import (
    MAX_COLUMNS,
    MAX_DEPTH,
    MAX_NESTING,
    Fragment,
    body_problems,
    convert,
    plain_text,
    render,
    scan_html,
    shift_headings,
    to_html,
)


def soup(source: str) -> BeautifulSoup:
    return BeautifulSoup(convert(source), "html.parser")


# -- what writers see as on GitHub -----------------------------------------------------------


def test_list_straight_after_a_paragraph_is_a_list() -> None:
    doc = soup("Forslaget indebærer:\n- færre vikarer\n- fælles indkøb\n")
    assert doc.find("p").get_text() == "Forslaget indebærer:"
    assert [li.get_text() for li in doc.find("ul").find_all("li")] == [
        "færre vikarer", "fælles indkøb"]


def test_nested_list_indented_two_spaces() -> None:
    doc = soup("- skoler\n  - Nordskolen\n  - Sydskolen\n- dagtilbud\n")
    outer = doc.find("ul")
    items = outer.find_all("li", recursive=False)
    assert len(items) == 2
    assert [li.get_text() for li in items[0].find("ul").find_all("li")] == [
        "Nordskolen", "Sydskolen"]
    assert items[1].find("ul") is None


def test_numbered_list_keeps_its_start_number() -> None:
    doc = soup("3. tredje\n4. fjerde\n")
    assert doc.find("ol")["start"] == "3"


def test_table_with_column_alignment() -> None:
    doc = soup("| Område | Antal | Beløb | Note |\n|:---:|---:|:---|---|\n"
               "| Skoler | 3 | 1.200 | a |\n| Ældre | 1 | 300 | b |\n")
    table = doc.find("table")
    heads = table.find("thead").find_all("th")
    assert [th.get_text() for th in heads] == ["Område", "Antal", "Beløb", "Note"]
    assert [th.get("align") for th in heads] == ["center", "right", "left", None]
    rows = table.find("tbody").find_all("tr")
    assert [[td.get_text() for td in tr.find_all("td")] for tr in rows] == [
        ["Skoler", "3", "1.200", "a"], ["Ældre", "1", "300", "b"]]
    assert [td.get("align") for td in rows[1].find_all("td")] == ["center", "right", "left", None]
    assert not table.find_all(style=True)


def test_smart_quotes_dashes_and_ellipsis() -> None:
    text = soup("\"Citat\" og 'ord' -- 2027--2030 --- og så videre...\n").find("p").get_text()
    assert text == "\u201cCitat\u201d og \u2018ord\u2019 \u2013 2027\u20132030 \u2014 og så videre\u2026"


def test_code_is_not_made_typographic() -> None:
    assert soup('Skriv `"id" -- x`.\n').find("code").get_text() == '"id" -- x'


def test_strikethrough_needs_double_tilde() -> None:
    doc = soup("~~slettet~~ ca. ~500 til ~600 kr.\n")
    assert doc.find("del").get_text() == "slettet"
    assert len(doc.find_all("del")) == 1
    assert "ca. ~500 til ~600 kr." in doc.get_text()


def test_bare_url_becomes_a_link() -> None:
    doc = soup("Se https://www.kk.dk/budget?aar=2027&side=2. Tak.\n")
    link = doc.find("a")
    assert link["href"] == "https://www.kk.dk/budget?aar=2027&side=2"
    assert link.get_text() == "https://www.kk.dk/budget?aar=2027&side=2"
    assert link["rel"] == ["noopener", "noreferrer"]
    assert doc.find("p").get_text().endswith(". Tak.")


def test_emphasis_links_quotes_rules_and_breaks() -> None:
    doc = soup("Med **fed**, *kursiv* og [et link](https://example.org \"titel\").  \nNy linje.\n\n"
               "> Citat fra MED-udvalget.\n\n---\n")
    assert doc.find("strong").get_text() == "fed" and doc.find("em").get_text() == "kursiv"
    link = doc.find("a")
    assert (link["href"], link["title"], link.get_text()) == (
        "https://example.org", "titel", "et link")
    assert doc.find("br") is not None
    assert doc.find("blockquote").get_text(strip=True) == "Citat fra MED-udvalget."
    assert doc.find("hr") is not None


def test_task_list_markers_stay_text() -> None:
    doc = soup("- [ ] åben\n- [x] lukket\n")
    assert not doc.find_all("input")
    assert [li.get_text() for li in doc.find_all("li")] == ["[ ] åben", "[x] lukket"]


def test_text_is_escaped_and_danish_letters_kept() -> None:
    html = convert("Æbler & pærer < 5 kr. i Ølstykke.\n")
    assert html == "<p>Æbler &amp; pærer &lt; 5 kr. i Ølstykke.</p>"


# -- security ----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>\n",
    "Tekst <script>alert(1)</script> mere.\n",
    "<a href=\"#\" onclick=\"alert(2)\">klik</a>\n",
    "[klik](javascript:alert(3))\n",
    "[klik](JaVaScRiPt:alert(4))\n",
    "<a href=\"javascript:alert(5)\">klik</a>\n",
    "<img src=\"https://evil.example/x.png\" onerror=\"alert(6)\">\n",
    "![billede](https://evil.example/x.png)\n",
    "<iframe src=\"https://evil.example\"></iframe>\n",
    "<style>body{display:none}</style>\n",
    "<p style=\"color:red\">rød</p>\n",
    "<!-- skjult -->synlig\n",
    "<form action=\"https://evil.example\"><input name=\"x\"></form>\n",
    "[data](data:text/html;base64,PHNjcmlwdD4=)\n",
])
def test_anything_that_could_run_script_or_fetch_is_removed(source: str) -> None:
    html = convert(source).lower()
    for bad in ("<script", "alert(", "onclick", "onerror", "javascript:", "<img", "evil.example",
                "<iframe", "<style", "style=", "<!--", "skjult", "<form", "<input", "data:"):
        assert bad not in html, (source, html)


def test_allowed_raw_html_is_kept() -> None:
    doc = soup("Et <abbr title=\"Kommunernes Landsforening\">KL</abbr>-tal<sup>1</sup>.\n")
    assert doc.find("abbr")["title"] == "Kommunernes Landsforening"
    assert doc.find("sup").get_text() == "1"


def test_raw_html_block_runs_to_the_next_blank_line() -> None:
    # CommonMark (as on GitHub): Markdown right after a raw HTML line is part of that block
    doc = soup("<div>\n[ikke et link](https://example.org)\n</div>\n\n[et link](https://example.org)\n")
    assert [a.get_text() for a in doc.find_all("a")] == ["et link"]


# -- headings, text, memo ----------------------------------------------------------------------


def test_headings_are_shifted_under_the_page() -> None:
    source = "# Beskrivelse\n\nTekst.\n\n## Risiko\n\nLav.\n"
    frag = render(source, top=3)
    assert isinstance(frag, Fragment)
    doc = BeautifulSoup(frag.html, "html.parser")
    assert [h.name for h in doc.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])] == ["h3", "h4"]
    assert frag.text == "Beskrivelse Tekst. Risiko Lav."
    assert shift_headings("<h5>a</h5><h6>b</h6>", 5) == "<h5>a</h5><h6>b</h6>"
    assert shift_headings("<h1>a</h1><h3>b</h3>", 5) == "<h5>a</h5><h6>b</h6>"  # at most h6
    assert shift_headings("<p>x</p>", 2) == "<p>x</p>"


def test_plain_text_folds_whitespace_and_unescapes() -> None:
    assert plain_text("<p>Æbler &amp;\n  pærer</p>\n<ul><li>en</li></ul>") == "Æbler & pærer en"


def test_to_html_is_convert_memoised() -> None:
    source = "Et **afsnit** om budget 2027.\n"
    assert to_html(source) == convert(source)
    assert to_html(source) is to_html(source)


def test_empty_body() -> None:
    assert convert("") == ""
    assert render("").text == ""


# -- raw HTML the parser would swallow ----------------------------------------------------------

UNCLOSED = ["<style>", "<script>", "<textarea>", "<title>", "<xmp>", "<iframe>", "<noembed>",
            "<noframes>", "<noscript>", "<template>", "<plaintext>", "<svg>", "<math>",
            "<table>", "<!--", "<?php", "<![CDATA[", "<!DOCTYPE x", '<div class="a']


@pytest.mark.parametrize("tag", UNCLOSED)
@pytest.mark.parametrize("where", ["inline", "block"])
def test_an_unclosed_raw_tag_keeps_the_text_after_it(tag: str, where: str) -> None:
    """"Se <style> her" once dropped everything after it from HTML and Word. On a line of its
    own such a tag starts a raw HTML block that runs to the end (CommonMark, as on GitHub):
    the rest is then kept as text."""
    source = (f"Se {tag} her.\n\nMere tekst.\n" if where == "inline"
              else f"Før.\n\n{tag}\nher.\n\nMere tekst.\n\n- et punkt\n")
    html = convert(source)
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    assert "her." in text and "Mere tekst." in text, html
    if where == "block":
        assert "et punkt" in text
    else:
        shown = text.split(" her.")[0]  # as the writer typed it (quotes and dashes made smart)
        assert shown.startswith("Se <") and len(shown) == len(f"Se {tag}") - tag.count("--")
        assert BeautifulSoup(html, "html.parser").find_all("p")[1].get_text() == "Mere tekst."
    assert "<style" not in html.lower() and "<script" not in html.lower()


@pytest.mark.parametrize("tag", UNCLOSED)
@pytest.mark.parametrize("source", ["Se {tag} her.\n\nMere tekst.\n", "{tag}\nher.\n\nMere tekst.\n"])
def test_an_unclosed_raw_tag_keeps_the_text_in_word(tag: str, source: str) -> None:
    """The Word renderer walks the same sanitised HTML: the text after the tag is there."""
    import datetime as dt
    import io
    import zipfile

    from conftest import ROOT
    from katalog.render.docx.compose import markdown
    from katalog.render.docx.template import WordTemplate

    path = ROOT / "templates" / "word" / "katalog.docx"
    template = WordTemplate.load(path.read_bytes(), path, lambda _m: None)
    data = template.render(template.attachment,
                           lambda ctx: markdown(ctx, source.format(tag=tag), 2), {},
                           {"title": "T", "author": "A"},
                           dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "Mere tekst." in xml and "her." in xml


def test_a_closed_script_or_style_is_still_removed_whole() -> None:
    html = convert("Før <style>body{display:none}</style> midt <script>alert(1)</script> efter.\n")
    assert BeautifulSoup(html, "html.parser").get_text() == "Før  midt  efter."


def test_a_closed_comment_is_a_hidden_note_an_unclosed_one_is_text() -> None:
    assert convert("<!-- note -->\n\nSynlig.\n").strip() == "<p>Synlig.</p>"
    assert "Synlig." in convert("<!-- note\n\nSynlig.\n")


def test_a_script_whose_content_opens_a_comment_is_text() -> None:
    """`<!--` inside a script makes its end tag unreliable in HTML5: shown as text."""
    html = convert("<script><!--<script>\n</script>\n\nEfter.\n")
    assert "Efter." in html and "<script" not in html


# -- nesting no format can build ----------------------------------------------------------------


def nested_list(levels: int) -> str:
    return "".join("  " * i + f"- niveau {i + 1}\n" for i in range(levels))


def test_body_problems_accepts_ordinary_bodies(example) -> None:
    from katalog.source import read_document

    bodies = [read_document(p.read_bytes(), p.name, True).body
              for p in sorted(example.glob("*/*.md"))]
    assert bodies
    assert [body_problems(b) for b in bodies] == [[] for _ in bodies]
    assert body_problems(nested_list(MAX_NESTING)) == []
    assert body_problems(">" * MAX_NESTING + " citat\n") == []


def test_body_problems_reports_lists_nested_too_deep_at_the_line() -> None:
    source = "Indledning.\n\n" + nested_list(MAX_NESTING + 5)
    (problem,) = body_problems(source)
    assert problem.code == "body-nesting"
    assert problem.line == 3 + MAX_NESTING  # the first list item one level too deep
    assert source.split("\n")[problem.line - 1].strip() == f"- niveau {MAX_NESTING + 1}"
    assert problem.values == (("limit", MAX_NESTING),)


def test_body_problems_reports_quotes_and_raw_html_nested_too_deep() -> None:
    (quote,) = body_problems("a\n\n" + ">" * 100 + " x\n")
    assert (quote.code, quote.line) == ("body-nesting", 3)
    (raw,) = body_problems("a\n\nb\n\n" + "<sup>" * (MAX_DEPTH + 5) + "x\n")
    assert (raw.code, raw.line) == ("body-depth", 5)


def test_body_problems_reports_a_table_wider_than_word_allows() -> None:
    def table(n: int) -> str:
        return "|" + "a|" * n + "\n|" + "-|" * n + "\n|" + "1|" * n + "\n"

    assert body_problems(table(MAX_COLUMNS)) == []
    (wide,) = body_problems("Tekst.\n\n" + table(MAX_COLUMNS + 1))
    assert (wide.code, wide.line) == ("body-table", 3)


def test_rendering_a_body_nested_too_deep_gives_its_text_not_an_error() -> None:
    """PDF and Word failed with RecursionError near 100 levels; the sanitiser slows down with
    the square of the depth. Such a body (check refuses it) renders as its text alone."""
    for source in (nested_list(120), ">" * 5000 + " dybt\n", "<sup>" * 5000 + "dybt\n"):
        html = convert(source)
        scan = scan_html(html)
        assert scan.depth <= 2, html[:200]
        assert ("niveau 120" if source.startswith("-") else "dybt") in html


def test_the_scan_is_linear_on_hostile_raw_html() -> None:
    """Thousands of unclosed tags, comments and quotes: each `<` is looked at once (a scan
    that searched to the end for each would take hours on a 1 MB body)."""
    for piece in ("<style>", "<!--", '<a title="', "</div", "<div\n", "<x y='"):
        html = convert(piece * 20_000 + "\n\nSlut.\n")
        assert "Slut." in html


def _full_scan(text: str) -> list:
    """body_problems without its shortcut (the text-only bound)."""
    import katalog.markdown as m

    original = m._plainly_shallow
    m._plainly_shallow = lambda _text: False
    try:
        return m.body_problems(text)
    finally:
        m._plainly_shallow = original


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(["- ", "* ", "1. ", "> ", "  ", "    ", "**", "_", "*", "[", "](x)",
                           "~~", "`", "|", "ord ", "\n", "\n\n", "---\n", "| a | b |\n"])


@given(st.lists(_PIECES, max_size=200).map("".join))
@settings(max_examples=300, deadline=None, derandomize=True)
def test_the_text_only_shortcut_never_hides_a_problem(text: str) -> None:
    from katalog.markdown import _plainly_shallow

    if _plainly_shallow(text):
        assert _full_scan(text) == []


def test_the_text_only_shortcut_sends_deep_bodies_to_the_full_scan() -> None:
    from katalog.markdown import _plainly_shallow

    for deep in (nested_list(MAX_NESTING + 1), "> " * (MAX_NESTING + 1) + "x\n",
                 "*" * 40 + "x" + "*" * 40, "<sup>x</sup>"):
        assert not _plainly_shallow(deep)
    assert _plainly_shallow(nested_list(5) + "Et **fedt** ord og et [link](https://x.dk).\n")


def cmark_html(text: str) -> str:
    import cmarkgfm

    from katalog.markdown import CMARK_EXTENSIONS, CMARK_OPTIONS

    return cmarkgfm.markdown_to_html_with_extensions(text, CMARK_OPTIONS, CMARK_EXTENSIONS)


def _scanned(text: str) -> str:
    """convert without its shortcut for bodies without raw HTML (the full scan)."""
    import katalog.markdown as m

    original = m._nesting_bound
    m._nesting_bound = lambda _html: m.MAX_DEPTH + 1
    try:
        return m.convert(text)
    finally:
        m._nesting_bound = original


@given(st.lists(_PIECES | st.sampled_from(["&lt;b&gt;", "&amp;", "![b](x.png)", "æ ", "\\"]),
                max_size=200).map("".join))
@settings(max_examples=300, deadline=None, derandomize=True)
def test_converting_a_body_without_raw_html_skips_the_scan_and_gives_the_same(text) -> None:
    import katalog.markdown as m

    calls: list[str] = []
    original = m.scan_html
    m.scan_html = lambda raw: calls.append(raw) or original(raw)
    try:
        shown = convert(text)
    finally:
        m.scan_html = original
    assert shown == _scanned(text)
    if m._nesting_bound(cmark_html(text)) <= MAX_DEPTH:
        assert calls == []  # the scan is half of converting a body


def test_a_deep_body_without_raw_html_still_gives_its_text() -> None:
    deep = "> " * (MAX_DEPTH + 5) + "Dybt.\n"
    assert convert(deep) == _scanned(deep) == "<p>Dybt.</p>"
