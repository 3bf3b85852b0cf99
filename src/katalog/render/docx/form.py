"""A proposal in the municipality's own Word form: `templates/word/forslag.docx`, filled
with docxtpl.

The form is a Word document laid out by the municipality with Jinja fields (docxtpl's
syntax: `{{ forslag.titel }}` in running text, `{{p forslag.tekst }}` for a paragraph of its
own that becomes paragraphs and tables, `{%p if … %}` / `{%tr for … %}` around paragraphs
and table rows). The fields are listed in docs/word-form.md (`form_fields`).

The form is prepared once (`Form.load`): python-docx opens it, docxtpl's `patch_xml` turns
Word's split runs back into Jinja tags, Jinja compiles the body and the headers/footers
(autoescape on, undefined fields an error, sandboxed: the form may arrive with content in a
pull request), and every part that is the same in every file is compressed once, as
`template.WordTemplate` does for katalog.docx. Each proposal then costs one Jinja render and
one zip (`Form.fill`): tables and Markdown come as WordprocessingML from katalog's own
builders with this document's styles, list numbering and hyperlinks; the result is checked
to be well-formed; docxtpl's `resolve_listing`, `fix_tables` and `fix_docpr_ids` finish it.
Same content → same bytes (zip entries and core properties dated with the catalogue date).

A form that cannot be used raises `FormError` with a Danish message naming the form and the
place (the paragraph's text, or the field), never a traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import traceback
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, cast

import jinja2
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.opc.rel import Relationships
from docx.oxml.ns import nsmap, qn
from docxtpl import DocxTemplate  # type: ignore[import-untyped]  # no py.typed
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from ...compute import Totals
from ...model import Catalogue, Proposal
from .context import Context
from .form_fields import END, MARK, Block, Shared, form_values
from .lists import Lists
from .lists import read as read_numbering
from .look import restyle
from .ooxml import Node, node
from .package import Member, members_of, set_properties, write_zip
from .styles import Styles
from .template import TemplateError, ensure_danish, open_template, text_width

FORM = "word/forslag.docx"
FIELDS_DOC = "docs/word-form.md"
_MARKER = "@@katalog-formular@@"
_TAG = re.compile(r"<[^>]+>")
_LISTING = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\n\t\a\f]")
# where a paragraph or table may stand
_BLOCK_PARENTS = {qn(f"w:{t}") for t in ("body", "tc", "sdtContent", "txbxContent",
                                         "customXml", "comment", "footnote", "endnote")}


_W_P, _W_TBL, _W_TC = qn("w:p"), qn("w:tbl"), qn("w:tc")
_OPEN = "<!--katalog-felt:"  # a block katalog made follows, up to END (`form_fields.Block`)
_FIRST = re.compile(r"<(w:p|w:tbl)[ >/]")


def _light(xml: str) -> str | None:
    """The rendered body with each of katalog's blocks (paragraphs and tables, made well
    formed by katalog's builders, every table cell ending with a paragraph) replaced by
    an empty element of its first and one of its last element's kind, after its mark;
    None when a block does not begin and end with a paragraph or table."""
    out: list[str] = []
    at = 0
    find = xml.find
    while True:
        start = find(_OPEN, at)
        if start < 0:
            break
        head = find("-->", start) + 3
        end = find(END, head)
        if head < 3 or end < 0 or start + len(_OPEN) + 3 == head or find(_OPEN, head, end) >= 0:
            return None  # not a block between its marks (e.g. a block put in as text)
        first = _FIRST.match(xml, head)
        last = "w:tbl" if xml.endswith("</w:tbl>", head, end) else "w:p" \
            if xml.endswith(("</w:p>", "<w:p/>"), head, end) else None
        if first is None or last is None:
            return None
        out.append(xml[at:head])
        out.append(f'<{first.group(1)} katalog=""/><{last} katalog=""/>')
        at = end + len(END)
    out.append(xml[at:])
    return "".join(out)


class FormError(Exception):
    """The form cannot be filled; the message (Danish) names the form and the place."""


@dataclass(frozen=True)
class _Part:
    """A compiled Jinja template: the body, or a header/footer part (zip name)."""

    name: str
    label: str  # where it is, for messages: "brødteksten", "sidehovedet", "sidefoden"
    template: jinja2.Template
    lines: list[str]


def _environment(styles: Styles) -> jinja2.Environment:
    env = ImmutableSandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)

    def tabelstil(block: Block, name: str) -> Block:
        """`{{p forslag.økonomi|tabelstil('Gittertabel 4') }}`: the form's own table style."""
        sid = styles.table(str(name)) if styles.has(str(name), "table") else None
        if sid is None:
            raise _FieldError(f"formularen har ingen tabeltypografi med navnet '{name}'")
        xml = re.sub(r'<w:tblStyle w:val="[^"]*"/>', f'<w:tblStyle w:val="{sid}"/>', block.xml)
        if "<w:tblStyle " not in xml:
            xml = xml.replace("<w:tblPr>", f'<w:tblPr><w:tblStyle w:val="{sid}"/>')
        return Block(block.name, xml, block.rows)

    env.filters["tabelstil"] = tabelstil
    return env


class _FieldError(Exception):
    """Raised by a filter of the form with a Danish explanation."""


def _place(lines: list[str], line: int | None) -> str:
    """`afsnit 12 (»{{ forslag.titl }}«)`: where line `line` of a compiled part stands."""
    if line is None or not 0 < line <= len(lines):
        return ""
    text = " ".join(_TAG.sub("", lines[line - 1]).split())
    text = text if len(text) <= 90 else text[:87] + "…"
    return f"afsnit {line - 1} (»{text}«)" if text else f"afsnit {line - 1}"


_UNDEFINED = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")
_FILTER = re.compile(r"No filter named '([^']+)'")
_TEST = re.compile(r"No test named '([^']+)'")
_TAGNAME = re.compile(r"Encountered unknown tag '([^']+)'")


def danish(exc: Exception) -> str:
    """A Danish explanation of a Jinja error (the original message in parentheses)."""
    text = str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        m = _UNDEFINED.search(text)
        name = next((g for g in m.groups() if g), "") if m else ""
        return (f"ukendt felt '{name}'" if name else f"ukendt felt ({text})") + \
            f" – se listen over felter i {FIELDS_DOC}"
    if isinstance(exc, _FieldError):
        return text
    for pattern, what in ((_FILTER, "ukendt filter"), (_TEST, "ukendt test"),
                          (_TAGNAME, "ukendt kommando")):
        m = pattern.search(text)
        if m:
            return f"{what} '{m.group(1)}'"
    if "Unexpected end of template" in text:
        return ("en {% if %} eller {% for %} mangler sin afslutning "
                f"({{% endif %}} / {{% endfor %}}) ({text})")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"skrivefejl i en Jinja-kode ({text})"
    return f"fejl under udfyldningen ({type(exc).__name__}: {text})"


def _runtime_line(exc: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<template>"]
    return frames[-1].lineno if frames else None


def _compile(env: jinja2.Environment, tpl: DocxTemplate, xml: str, name: str, label: str,
             form: str) -> _Part:
    source = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))
    lines = source.split("\n")
    try:
        template = env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        where = _place(lines, exc.lineno)
        raise FormError(f"{form}: {danish(exc)} i {label}"
                        + (f", {where}" if where else "")) from None
    return _Part(name, label, template, lines)


def _when(date: dt.date | None) -> dt.datetime:
    day = date or dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def _open_tag(root: Node) -> str:
    """`<w:body …>` declaring every namespace of the document element (for checking)."""
    decls = " ".join(f'xmlns:{p}="{u}"' if p else f'xmlns="{u}"'
                     for p, u in sorted(root.nsmap.items(), key=lambda x: x[0] or ""))
    return f"<w:body {decls}>"


@dataclass(frozen=True)
class _Skeleton:
    """The form's package with an empty body, saved once (as `template._skeleton` does)."""

    members: list[Member]
    document: str
    head: bytes
    tail: bytes
    rels_name: str
    rels_base: str
    rels: list[Any]
    numbering_name: str
    numbering: Node
    core_name: str
    core: Node


def _skeleton(doc: Any, name: str) -> tuple[_Skeleton, str]:
    """The skeleton and the body's content as XML text (what the form's author wrote)."""
    root = doc.element
    body = root.body
    sect = body.find(qn("w:sectPr"))
    if sect is None:
        sect = node("w:sectPr")
        body.append(sect)
    full = serialize_part_xml(root)
    for child in [c for c in body if c is not sect]:
        body.remove(child)
    sect.addprevious(node("w:p", None, node("w:r", None, node("w:t"))))
    sect.getprevious()[0][0].text = _MARKER
    numbering = doc.part.numbering_part
    doc.core_properties  # noqa: B018 - python-docx adds the part when missing
    core = doc.part.package.part_related_by(RT.CORE_PROPERTIES)
    raw = io.BytesIO()
    doc.save(raw)
    document = str(doc.part.partname).lstrip("/")
    blob = serialize_part_xml(root)
    marker = f"<w:p><w:r><w:t>{_MARKER}</w:t></w:r></w:p>".encode()
    head, _, tail = blob.partition(marker)
    if blob.count(marker) != 1 or not full.startswith(head) or not full.endswith(tail):
        raise FormError(f"{name}: Word-formularen kan ikke bruges (dokumentdelen er uventet); "
                        "gem den igen med Word eller LibreOffice")
    inner = full[len(head):len(full) - len(tail)].decode("utf-8")
    return _Skeleton(members_of(raw.getvalue()), document, head, tail,
                     str(doc.part.partname.rels_uri).lstrip("/"), doc.part.partname.baseURI,
                     list(doc.part.rels.values()), str(numbering.partname).lstrip("/"),
                     numbering.element, str(core.partname).lstrip("/"), core.element), inner


def _quiet(doc: Any) -> None:
    """No `w:updateFields` in the form's settings: the attachment never asks to update."""
    settings = doc.settings.element
    for flag in settings.findall(qn("w:updateFields")):
        settings.remove(flag)


class Form:
    """A form prepared to fill many proposals (see the module docstring)."""

    def __init__(self, name: str, styles: Styles, width: int, skeleton: _Skeleton,
                 body: _Part, parts: list[_Part], open_tag: str, loops_cells: bool) -> None:
        self.name = name
        self.styles = styles
        self.width = width
        self.skeleton = skeleton
        self.body = body
        self.parts = parts
        self.open_tag = open_tag
        self.loops_cells = loops_cells
        self.lists = read_numbering(skeleton.numbering)
        self.tpl = DocxTemplate(io.BytesIO(b""))  # docxtpl's helpers; never opened

    @classmethod
    def load(cls, data: bytes, name: str, warn: Callable[[str], None] | None = None,
             accent: str | None = None, font: str | None = None) -> "Form":
        """Prepare the form `data` (named `name` in messages); `warn` gets missing styles;
        `accent` and `font` (the catalogue's `look`) restyle it as katalog.docx."""
        try:
            doc = open_template(data, Path(name))
        except TemplateError as exc:
            raise FormError(str(exc).replace("Word-skabelonen", "Word-formularen")) from None
        root = doc.element
        if root.nsmap.get("w") != nsmap["w"] or root.nsmap.get("r") != nsmap["r"]:
            raise FormError(f"{name}: Word-formularen bruger ikke de sædvanlige XML-navnerum "
                            "(w: og r:); gem den igen med Word eller LibreOffice")
        restyle(doc, accent, font)
        styles = Styles(doc, warn or (lambda message: None))
        width = text_width(doc)
        ensure_danish(doc)
        _quiet(doc)
        env = _environment(styles)
        tpl = DocxTemplate(io.BytesIO(b""))
        parts = []
        for rel in doc.part.rels.values():
            if not rel.is_external and rel.reltype in (RT.HEADER, RT.FOOTER):
                xml = serialize_part_xml(rel.target_part.element).decode("utf-8")
                if "{{" in xml or "{%" in xml or "{" in _TAG.sub("", xml):
                    label = "sidehovedet" if rel.reltype == RT.HEADER else "sidefoden"
                    parts.append(_compile(env, tpl, xml, str(rel.target_part.partname)
                                          .lstrip("/"), label, name))
        skeleton, inner = _skeleton(doc, name)
        body = _compile(env, tpl, inner, skeleton.document, "brødteksten", name)
        loops_cells = re.search(r"\{%-?\s*tc\s", _TAG.sub("", inner)) is not None
        return cls(name, styles, width, skeleton, body, parts, _open_tag(root), loops_cells)

    def fill(self, cat: Catalogue, totals: Totals, p: Proposal, date: dt.date | None,
             shared: Shared | None = None) -> bytes:
        """The form filled with proposal `p`: the bytes of a .docx file. `shared`: the
        proposal's content as the catalogue recorded it, used where the styles agree."""
        s = self.skeleton
        numbering = deepcopy(s.numbering)
        rels = Relationships(s.rels_base)
        for rel in s.rels:
            rels[rel.rId] = rel
        ctx = Context(self.styles, Lists(numbering, self.styles, self.lists), rels, self.width)
        values = form_values(ctx, p, cat, totals, date, shared)
        body = self._body(self._render(self.body, values, p), p)
        parts = {s.document: s.head + body.encode("utf-8") + s.tail}
        for part in self.parts:
            parts[part.name] = self._part(part, values, p)
        if len(numbering) != len(s.numbering):
            parts[s.numbering_name] = serialize_part_xml(numbering)
        if len(rels) != len(s.rels):
            parts[s.rels_name] = cast(bytes, rels.xml)  # annotated str; it is bytes
        core = deepcopy(s.core)
        when = _when(date)
        set_properties(CoreProperties(core), f"{p.id} {p.title}", cat.settings.organisation,
                       when, subject=cat.settings.title)
        parts[s.core_name] = serialize_part_xml(core)
        return write_zip(s.members, parts, when)

    def _render(self, part: _Part, values: dict[str, Any], p: Proposal) -> str:
        try:
            xml = part.template.render(values)
        except Exception as exc:  # noqa: BLE001 - a form is the author's code: any error
            line = exc.lineno if isinstance(exc, jinja2.TemplateSyntaxError) \
                else _runtime_line(exc)
            where = _place(part.lines, line)
            raise FormError(f"{self.name}: {danish(exc)} i {part.label}"
                            + (f", {where}" if where else "") + f" (forslag {p.id})") from None
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        for escaped, plain in (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}")):
            xml = xml.replace(escaped, plain)
        if _LISTING.search(xml):  # a value with line breaks, tabs (docxtpl's listing marks)
            xml = str(self.tpl.resolve_listing(xml))
        return xml

    def _part(self, part: _Part, values: dict[str, Any], p: Proposal) -> bytes:
        xml = MARK.sub("", self._render(part, values, p))
        try:
            return serialize_part_xml(etree.fromstring(xml.encode("utf-8")))
        except etree.XMLSyntaxError as exc:
            raise FormError(f"{self.name}: {part.label} giver ugyldig Word-XML for forslag "
                            f"{p.id} ({exc}); tabeller og tekst med afsnit hører til i "
                            "brødteksten") from None

    def _body(self, xml: str, p: Proposal) -> str:
        """The rendered body checked to be well-formed WordprocessingML and finished.

        Most bodies need nothing finished: that is checked on the body with each of
        katalog's blocks set aside (`_light`), a fraction of the XML. A body that fails
        that check, or needs finishing, is checked and finished whole (`_whole`)."""
        if not self.loops_cells and "docPr" not in xml:
            light = _light(xml)
            if light is not None and self._clean(light):
                return MARK.sub("", xml)
        return self._whole(xml.replace(END, ""), p)

    def _clean(self, light: str) -> bool:
        """Whether the body (its blocks set aside) is well-formed, every paragraph and
        table stands where one may, no text stands outside a paragraph, and every table
        cell ends with a paragraph: then the whole body is all of that as it is."""
        try:
            tree = etree.fromstring((self.open_tag + light + "</w:body>").encode("utf-8"))
        except etree.XMLSyntaxError:
            return False
        if self._misplaced(tree) is not None:
            return False
        if any(t and t.strip() for t in [tree.text, *(c.tail for c in tree)]):
            return False
        p = _W_P
        return all(len(cell) and cell[-1].tag == p for cell in tree.iter(_W_TC))

    def _whole(self, xml: str, p: Proposal) -> str:
        wrapped = self.open_tag + xml + "</w:body>"
        try:
            tree = etree.fromstring(wrapped.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            raise FormError(self._invalid(wrapped, exc, p)) from None
        misplaced = self._misplaced(tree)
        if misplaced is not None:
            what = f"feltet {misplaced}" if misplaced else "et felt"
            raise FormError(f"{self.name}: {what} giver tabeller eller flere afsnit og skal stå "
                            f"alene i sit eget afsnit som {{{{p {misplaced or 'felt'} }}}} "
                            f"(forslag {p.id})")
        stray = [t for t in [tree.text, *(c.tail for c in tree)] if t and t.strip()]
        if stray:
            raise FormError(f"{self.name}: teksten »{stray[0].strip()[:60]}« står uden for et "
                            f"afsnit (forslag {p.id}); et tekstfelt skrives {{{{ felt }}}} i et "
                            "afsnit, kun tabeller og tekst med afsnit som {{p felt }}")
        changed = False
        for cell in tree.iter(_W_TC):  # a cell must end with a paragraph
            if len(cell) == 0 or cell[-1].tag != _W_P:
                cell.append(node("w:p"))
                changed = True
        if self.loops_cells:
            tree = self.tpl.fix_tables(etree.tostring(tree, encoding="unicode"))
            changed = True
        if "docPr" in xml:
            self.tpl.docx_ids_index = 1000
            self.tpl.fix_docpr_ids(tree)
            changed = True
        if changed:
            text = etree.tostring(tree, encoding="unicode")
            xml = "" if text.endswith("/>") and "</w:body>" not in text \
                else text[text.index(">") + 1:-len("</w:body>")]
        return MARK.sub("", xml)

    @staticmethod
    def _misplaced(tree: Node) -> str | None:
        """The field whose paragraphs or tables stand inside a paragraph (`{{ }}` where
        `{{p }}` was needed), if any: the mark just before them names it."""
        for item in tree.iter(qn("w:p"), qn("w:tbl")):
            parent = item.getparent()
            if parent is None or parent.tag in _BLOCK_PARENTS:
                continue
            for before in item.itersiblings(preceding=True):
                m = MARK.fullmatch(f"<!--{before.text}-->") if before.tag is etree.Comment \
                    else None
                if m:
                    return m.group(1)
            return ""
        return None

    def _invalid(self, wrapped: str, exc: etree.XMLSyntaxError, p: Proposal) -> str:
        """Which field broke the XML: the last block inserted before the error."""
        line, column = exc.position if exc.position else (0, 0)
        offset = len(wrapped)
        if line >= 1:
            offset = sum(len(x) + 1 for x in wrapped.split("\n")[:line - 1]) + column
        marks = list(MARK.finditer(wrapped, 0, offset))
        if marks:
            field = marks[-1].group(1)
            return (f"{self.name}: feltet {field} giver tabeller eller flere afsnit og skal stå "
                    f"alene i sit eget afsnit som {{{{p {field} }}}} (forslag {p.id})")
        return (f"{self.name}: formularen giver ugyldig Word-XML for forslag {p.id} ({exc}); "
                "tjek at {%p …%}, {%tr …%} og {{p …}} står alene i deres afsnit eller række")


def find_form(dirs: Iterable[Path]) -> Path | None:
    """The form in the first templates folder that has one (`dirs` in priority order)."""
    return next((d / FORM for d in dirs if (d / FORM).is_file()), None)


def fill_form(template: bytes, template_name: str, cat: Catalogue, totals: Totals,
              p: Proposal, date: dt.date | None,
              warn: Callable[[str], None] | None = None) -> bytes:
    """One proposal filled into the form `template` (named `template_name` in messages)."""
    return Form.load(template, template_name, warn).fill(cat, totals, p, date)


def fill_forms(template: bytes, template_name: str, cat: Catalogue, totals: Totals,
               proposals: Iterable[Proposal], date: dt.date | None,
               warn: Callable[[str], None] | None = None) -> Iterator[tuple[str, bytes]]:
    """(id, bytes) of each proposal filled into the form, which is prepared once."""
    form = Form.load(template, template_name, warn)
    for p in proposals:
        yield p.id, form.fill(cat, totals, p, date)


__all__ = ["Form", "FormError", "FORM", "fill_form", "fill_forms", "find_form"]
