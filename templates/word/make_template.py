"""Make the default Word template `katalog.docx` (run once; the result is committed).

    .venv/bin/python templates/word/make_template.py

The template carries the look only: named styles, page setup, header and footer. katalog
opens it, clears its body and fills in the catalogue. A municipality may replace
`katalog.docx` with its own file made in Word or LibreOffice; see README ("Word-skabelonen").
The header and footer may use the placeholders {{titel}}, {{undertitel}}, {{organisation}}
and {{dato}}; katalog fills them in.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "src"))

from katalog.render.docx import ooxml  # noqa: E402
from katalog.render.docx.package import save_reproducible  # noqa: E402

FONT = "DejaVu Sans"
ACCENT = RGBColor(0x1B, 0x4B, 0x72)   # the site's and the PDF's default accent, 9.4:1 on white
GREY = RGBColor(0x59, 0x59, 0x59)     # 7:1 on white
ACCENT_HEX = "1B4B72"


def _plain_fonts(style) -> None:  # type: ignore[no-untyped-def]
    """Replace theme fonts with FONT so the look does not depend on the Office theme."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = ooxml.node("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _style(doc, name: str, kind=WD_STYLE_TYPE.PARAGRAPH, base: str | None = None):  # type: ignore[no-untyped-def]
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, kind)
    if base:
        style.base_style = doc.styles[base]
    style.hidden = False
    style.quick_style = True
    return style


def make(path: Path) -> None:
    doc = Document()
    styles = doc.styles

    # Language and default font for everything (docDefaults).
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for old in rpr.findall(qn("w:lang")) + rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    rpr.insert(0, ooxml.node("w:rFonts", {"w:ascii": FONT, "w:hAnsi": FONT, "w:cs": FONT,
                                         "w:eastAsia": FONT}))
    rpr.append(ooxml.node("w:lang", {"w:val": "da-DK", "w:eastAsia": "da-DK", "w:bidi": "ar-SA"}))

    normal = styles["Normal"]
    _plain_fonts(normal)
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15

    for name, size, before in (("Title", 26, 0), ("Heading 1", 18, 0), ("Heading 2", 14, 12),
                               ("Heading 3", 11.5, 12), ("Heading 4", 10.5, 10),
                               ("Heading 5", 10, 8), ("Heading 6", 10, 8)):
        st = styles[name]
        _plain_fonts(st)
        st.font.size = Pt(size)
        st.font.color.rgb = ACCENT
        st.font.bold = True
        st.font.italic = False
        st.paragraph_format.space_before = Pt(before)
        st.paragraph_format.space_after = Pt(6)
        st.paragraph_format.keep_with_next = True
    title = styles["Title"]
    title.paragraph_format.space_before = Pt(120)
    title.paragraph_format.space_after = Pt(12)
    # The default Title has a bottom border and theme spacing: keep it simple.
    tppr = title.element.get_or_add_pPr()
    for b in tppr.findall(qn("w:pBdr")):
        tppr.remove(b)
    sub = styles["Subtitle"]
    _plain_fonts(sub)
    sub.font.size = Pt(14)
    sub.font.italic = False
    sub.font.color.rgb = GREY

    for name in ("Header", "Footer"):
        st = styles[name]
        _plain_fonts(st)
        st.font.size = Pt(8)
        st.font.color.rgb = GREY

    quote = styles["Quote"]
    _plain_fonts(quote)
    quote.font.italic = True
    quote.font.color.rgb = GREY
    quote.paragraph_format.left_indent = Cm(0.75)

    for name in ("List Bullet", "List Bullet 2", "List Bullet 3", "List Number",
                 "List Number 2", "List Number 3", "List Continue", "List Continue 2",
                 "List Continue 3", "Caption", "TOC Heading"):
        _plain_fonts(styles[name])
        styles[name].paragraph_format.space_after = Pt(3)
    styles["TOC Heading"].font.color.rgb = ACCENT

    caption = styles["Caption"]
    caption.font.color.rgb = GREY
    caption.font.bold = False
    caption.font.size = Pt(9)

    # Table of contents entries (built-in names, so Word's TOC uses them).
    for level, indent in ((1, 0), (2, 0.5), (3, 1.0)):
        st = _style(doc, f"toc {level}", base="Normal")
        st.paragraph_format.left_indent = Cm(indent)
        st.paragraph_format.space_after = Pt(2 if level > 1 else 4)
        st.font.bold = level == 1
        st.paragraph_format.tab_stops.add_tab_stop(Cm(16), alignment=2, leader=1)  # right, dots

    # Custom styles katalog uses (documented in the README).
    cap = _style(doc, "Tabeltitel", base="Normal")
    cap.font.bold = True
    cap.font.size = Pt(9.5)
    cap.font.color.rgb = ACCENT
    cap.paragraph_format.space_before = Pt(8)
    cap.paragraph_format.space_after = Pt(2)
    cap.paragraph_format.keep_with_next = True

    cell = _style(doc, "Tabeltekst", base="Normal")
    cell.font.size = Pt(8.5)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.space_before = Pt(0)
    cell.paragraph_format.line_spacing = 1.0

    num = _style(doc, "Tal", base="Tabeltekst")
    num.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    num_rpr = num.element.get_or_add_rPr()
    num_rpr.append(ooxml.node("w:noProof"))

    note = _style(doc, "Note", base="Normal")
    note.font.size = Pt(8)
    note.font.color.rgb = GREY
    note.paragraph_format.space_after = Pt(2)

    link = _style(doc, "Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = ACCENT
    link.font.underline = True

    code = _style(doc, "Kode", WD_STYLE_TYPE.CHARACTER)
    code.font.name = "DejaVu Sans Mono"
    code.font.size = Pt(9)

    _table_style(doc)
    # Built-in styles created here must look built-in to Word: no customStyle flag, Word's ids.
    for name, sid in (("toc 1", "TOC1"), ("toc 2", "TOC2"), ("toc 3", "TOC3"),
                      ("Hyperlink", "Hyperlink")):
        element = styles[name].element
        element.attrib.pop(qn("w:customStyle"), None)
        element.set(qn("w:styleId"), sid)

    # Page: A4, margins, a first page (the cover) without the running header.
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.2)
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.text = "{{organisation}} · {{titel}}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # The cover (first page) has neither header nor page number; the others "Side n af N".
    for footer in (section.footer,):
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p._p.append(ooxml.to_node(ooxml.run("Side ")))
        for r in ooxml.field("PAGE", "1"):
            p._p.append(ooxml.to_node(r))
        p._p.append(ooxml.to_node(ooxml.run(" af ")))
        for r in ooxml.field("NUMPAGES", "1"):
            p._p.append(ooxml.to_node(r))
    section.first_page_header.paragraphs[0].text = ""
    section.first_page_footer.paragraphs[0].text = ""
    assert section.start_type == WD_SECTION.NEW_PAGE

    doc.add_paragraph("Skabelon til katalog. Indholdet erstattes ved hver build.")
    props = doc.core_properties
    props.title = "katalog – Word-skabelon"
    props.author = "katalog"
    props.language = "da-DK"
    # Settings: current Word layout (no "compatibility mode"), Danish separators and language.
    settings = doc.settings.element
    for node in settings.iter(qn("w:compatSetting")):
        if node.get(qn("w:name")) == "compatibilityMode":
            node.set(qn("w:val"), "15")
    for tag, value in (("w:decimalSymbol", ","), ("w:listSeparator", ";")):
        node = settings.find(qn(tag))
        if node is not None:
            node.set(qn("w:val"), value)
    for node in settings.findall(qn("w:savePreviewPicture")) + settings.findall(qn("w:proofState")):
        settings.remove(node)
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "da-DK")
        lang.attrib.pop(qn("w:eastAsia"), None)

    # python-docx's default package carries a thumbnail of its own sample page: drop it.
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        rels.pop(rid)
    import datetime as dt

    save_reproducible(doc, path, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))


def _table_style(doc) -> None:  # type: ignore[no-untyped-def]
    """"Katalogtabel": thin rules, an accent header row with white bold text."""
    st = _style(doc, "Katalogtabel", WD_STYLE_TYPE.TABLE, base="Normal Table")
    e = st.element
    e.append(ooxml.node("w:pPr", None, ooxml.node("w:spacing", {"w:before": "0", "w:after": "0",
                                                            "w:line": "240", "w:lineRule": "auto"})))
    e.append(ooxml.node("w:rPr", None, ooxml.node("w:sz", {"w:val": "17"}),
                      ooxml.node("w:szCs", {"w:val": "17"})))
    rule = {"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": "A6A6A6"}
    e.append(ooxml.node("w:tblPr", None,
                      ooxml.node("w:tblBorders", None,
                               ooxml.node("w:top", rule), ooxml.node("w:bottom", rule),
                               ooxml.node("w:insideH", rule)),
                      ooxml.node("w:tblCellMar", None,
                               ooxml.node("w:top", {"w:w": "30", "w:type": "dxa"}),
                               ooxml.node("w:left", {"w:w": "80", "w:type": "dxa"}),
                               ooxml.node("w:bottom", {"w:w": "30", "w:type": "dxa"}),
                               ooxml.node("w:right", {"w:w": "80", "w:type": "dxa"}))))
    e.append(ooxml.node("w:tblStylePr", {"w:type": "firstRow"},
                      ooxml.node("w:rPr", None, ooxml.node("w:b"), ooxml.node("w:bCs"),
                               ooxml.node("w:color", {"w:val": "FFFFFF"})),
                      ooxml.node("w:tblPr"),
                      ooxml.node("w:trPr", None, ooxml.node("w:tblHeader")),
                      ooxml.node("w:tcPr", None,
                               ooxml.node("w:shd", {"w:val": "clear", "w:color": "auto",
                                                  "w:fill": ACCENT_HEX}))))


if __name__ == "__main__":
    make(HERE / "katalog.docx")
    print(f"skrev {HERE / 'katalog.docx'}")
