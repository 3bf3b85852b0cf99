"""The Word template: open it, empty its body, fill placeholders, put in the new body.

Everything that is the municipality's look stays as the template has it: styles, numbering
definitions, page setup of the last section, headers and footers (with their logos). The
header/footer placeholders {{titel}}, {{undertitel}}, {{organisation}} and {{dato}} are
replaced with the catalogue's values.

`WordTemplate.load` prepares the template once per build (per process): python-docx opens it,
empties the body, adds what katalog always adds (Danish as the default language, the
numbering part, core properties; for the catalogue, update fields on open) and saves it once
as a *skeleton*. Each document is then that skeleton with its own body text spliced into the
document part and its own numbering, relationships, headers/footers and core properties;
every other part is copied as compressed bytes (see `package`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, cast

import docx
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.opc.rel import Relationships
from docx.oxml.ns import nsmap, qn

from .context import TEXT_WIDTH, Context
from .lists import Lists, State
from .lists import read as read_numbering
from .look import restyle
from .ooxml import Element, Node, escape_attr, node, xml_text
from .package import Member, members_of, set_properties, write_zip
from .styles import Styles

CONTENT_TYPES = "[Content_Types].xml"
DOTX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PLACEHOLDER = re.compile(r"\{\{\s*([a-zæøå_]+)\s*\}\}")

class TemplateError(Exception):
    """The Word template cannot be opened."""


def open_template(data: bytes, path: Path) -> Document:
    """The template as a document; a Word template (.dotx) is opened as a document."""
    try:
        return docx.Document(io.BytesIO(as_document(data)))
    except Exception as exc:  # noqa: BLE001 - any broken file gets one clear message
        raise TemplateError(f"Word-skabelonen {path} kan ikke åbnes som .docx ({exc})") from exc


def as_document(data: bytes) -> bytes:
    """A .dotx package with its main part declared as a document part (else unchanged)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            types = src.read(CONTENT_TYPES)
            if DOTX_MAIN not in types:
                return data
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
                for item in src.infolist():
                    blob = src.read(item.filename)
                    if item.filename == CONTENT_TYPES:
                        blob = blob.replace(DOTX_MAIN, DOCX_MAIN)
                    dst.writestr(item, blob)
            return out.getvalue()
    except (zipfile.BadZipFile, KeyError):
        return data


def clear_body(doc: Document) -> Node:
    """Remove the template's content, keeping the final section properties; returns them."""
    body = doc.element.body
    sect = body.find(qn("w:sectPr"))
    for child in list(body):
        if child is not sect:
            body.remove(child)
    if sect is None:
        sect = node("w:sectPr")
        body.append(sect)
    return sect


def has_placeholder(root: Node) -> bool:
    """Whether a header's or footer's paragraphs hold "{{" (so `fill_placeholders` edits it)."""
    return any("{{" in "".join(t.text or "" for t in p.iter(qn("w:t")))
               for p in root.iter(qn("w:p")))


def fill_placeholders(root: Node, values: Mapping[str, str]) -> None:
    """Replace {{name}} in a header's or footer's XML `root` with `values[name]`."""
    def sub(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: xml_text(values.get(m.group(1), m.group(0))), text)

    for p in root.iter(qn("w:p")):
        texts = list(p.iter(qn("w:t")))
        joined = "".join(t.text or "" for t in texts)
        if "{{" not in joined:
            continue
        for t in texts:
            if t.text and "{{" in t.text:
                t.text = sub(t.text)
        rest = "".join(t.text or "" for t in texts)
        if PLACEHOLDER.search(rest) and p.find(f".//{qn('w:fldChar')}") is None and texts:
            # A placeholder split over runs (Word does that): join the text into the first.
            texts[0].text = sub(rest)
            for t in texts[1:]:
                t.text = ""
        for t in texts:
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def ensure_danish(doc: Document) -> None:
    """`w:lang da-DK` in the style defaults, whatever the template's language."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = node("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = node("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = node("w:rPr")
        rpr_default.append(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = node("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "da-DK")


def quiet_settings(doc: Document) -> None:
    """No `w:updateFields` in the settings: Word never asks to update fields on opening (the
    contents has its page numbers already, see `toc`)."""
    settings = doc.settings.element
    for flag in settings.findall(qn("w:updateFields")):
        settings.remove(flag)


BODY_MARKER = "@@katalog-body@@"
W_NS = nsmap["w"]
R_NS = nsmap["r"]


@dataclass(frozen=True)
class Skeleton:
    """The template prepared for one kind of document, saved once (see the module docstring)."""

    members: list[Member]  # every part, compressed, in the order they are written
    head: bytes  # the document part up to the body's content
    tail: bytes  # the final section properties and the closing tags
    document: str  # zip names of the parts written per document
    rels_name: str
    rels_base: str
    rels: list[Any]  # the document part's relationships (python-docx `_Relationship`)
    numbering_name: str
    numbering: Node
    core_name: str
    core: Node
    placeholders: list[tuple[str, Node]]  # headers/footers holding {{…}}, by zip name
    lists: State  # the numbering as read once, for each document's `Lists`
    types: bytes  # [Content_Types].xml as written (pictures add their parts to it)


@dataclass(frozen=True)
class WordTemplate:
    """The template, ready to make documents: its styles, text width and the skeleton every
    document starts from (`catalogue`; `attachment` is the same one)."""

    path: Path
    styles: Styles
    width: int
    catalogue: Skeleton

    @property
    def attachment(self) -> Skeleton:
        return self.catalogue

    @classmethod
    def load(cls, data: bytes, path: Path, warn: Callable[[str], None],
             accent: str | None = None, font: str | None = None) -> "WordTemplate":
        """`warn(message)` receives each style the documents use that the template lacks;
        `accent` and `font` (the catalogue's `look`) restyle it (`look.restyle`)."""
        doc = open_template(data, path)
        restyle(doc, accent, font)
        styles = Styles(doc, warn)
        return cls(path, styles, text_width(doc), _skeleton(doc, path))

    def scratch(self) -> Context:
        """A context on a throw-away copy of the numbering and relationships (for
        `fragment.record`, which only borrows its styles, width and list styles)."""
        return Context(self.styles, Lists(deepcopy(self.attachment.numbering), self.styles,
                                          self.attachment.lists),
                       Relationships(self.attachment.rels_base), self.width)

    def render(self, skeleton: Skeleton, build: Callable[[Context], Sequence[Element]],
               values: Mapping[str, str], properties: Mapping[str, str],
               when: dt.datetime) -> bytes:
        """One document: the body `build` makes, the placeholders filled with `values`,
        `properties` (title, author, subject) in docProps/core.xml; the .docx file's bytes."""
        numbering = deepcopy(skeleton.numbering)
        rels = Relationships(skeleton.rels_base)
        for rel in skeleton.rels:
            rels[rel.rId] = rel
        lists = Lists(numbering, self.styles, skeleton.lists)
        ctx = Context(self.styles, lists, rels, self.width)
        body = "".join(build(ctx)).encode("utf-8")
        parts = {skeleton.document: skeleton.head + body + skeleton.tail}
        members = skeleton.members
        if ctx.media:
            members = members + [Member.of(name, data) for name, data, _ in ctx.media]
            parts[CONTENT_TYPES] = add_overrides(skeleton.types, [
                (name, kind) for name, _, kind in ctx.media])
        if len(numbering) != len(skeleton.numbering):
            parts[skeleton.numbering_name] = serialize_part_xml(numbering)
        if len(rels) != len(skeleton.rels):
            parts[skeleton.rels_name] = cast(bytes, rels.xml)  # annotated str; it is bytes
        for name, root in skeleton.placeholders:
            filled = deepcopy(root)
            fill_placeholders(filled, values)
            parts[name] = serialize_part_xml(filled)
        core = deepcopy(skeleton.core)
        set_properties(CoreProperties(core), properties["title"], properties["author"], when,
                       subject=properties.get("subject", ""))
        parts[skeleton.core_name] = serialize_part_xml(core)
        return write_zip(members, parts, when)


def add_overrides(types: bytes, parts: Sequence[tuple[str, str]]) -> bytes:
    """[Content_Types].xml with an Override for each (zip name, content type) added."""
    added = "".join(f'<Override PartName="/{escape_attr(name)}" '
                    f'ContentType="{escape_attr(kind)}"/>' for name, kind in parts)
    head, sep, tail = types.rpartition(b"</Types>")
    if not sep:
        raise TemplateError("Word-skabelonens [Content_Types].xml er uventet")
    return head + added.encode("utf-8") + sep + tail


def text_width(doc: Document) -> int:
    """The last section's page width less its margins (twips), or the A4 default."""
    section = doc.sections[-1] if doc.sections else None
    if section is not None and section.page_width and section.left_margin is not None \
            and section.right_margin is not None:
        return int((section.page_width - section.left_margin - section.right_margin) / 635)
    return TEXT_WIDTH


def _skeleton(doc: Document, path: Path) -> Skeleton:
    """The template with an empty body, as every document starts (python-docx creates the
    styles, numbering, settings and core properties parts if the template lacks them, as it
    did when each document was made from the template directly). Edits `doc`."""
    root = doc.element
    if root.nsmap.get("w") != W_NS or root.nsmap.get("r") != R_NS:
        raise TemplateError(f"Word-skabelonen {path} bruger ikke de sædvanlige XML-navnerum "
                            "(w: og r:); gem den igen med Word eller LibreOffice")
    sect = clear_body(doc)
    doc.styles  # noqa: B018 - python-docx adds the part when missing
    numbering = doc.part.numbering_part
    sect.addprevious(node("w:p", None, node("w:r", None, node("w:t"))))
    sect.getprevious()[0][0].text = BODY_MARKER
    ensure_danish(doc)
    quiet_settings(doc)
    package = doc.part.package
    doc.core_properties  # noqa: B018 - python-docx adds the part when missing
    core = package.part_related_by(RT.CORE_PROPERTIES)
    placeholders = []
    for rel in doc.part.rels.values():
        if not rel.is_external and rel.reltype in (RT.HEADER, RT.FOOTER) \
                and has_placeholder(rel.target_part.element):
            placeholders.append((_zip_name(rel.target_part.partname), rel.target_part.element))
    raw = io.BytesIO()
    doc.save(raw)
    members = members_of(raw.getvalue())
    document = _zip_name(doc.part.partname)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as z:
        blob = z.read(document)
        types = z.read(CONTENT_TYPES)
    marker = f"<w:p><w:r><w:t>{BODY_MARKER}</w:t></w:r></w:p>".encode()
    if blob.count(marker) != 1:
        raise TemplateError(f"Word-skabelonen {path} kan ikke bruges (dokumentdelen er uventet)")
    head, tail = blob.split(marker)
    return Skeleton(members, head, tail, document, _zip_name(doc.part.partname.rels_uri),
                    doc.part.partname.baseURI, list(doc.part.rels.values()),
                    _zip_name(numbering.partname), numbering.element, _zip_name(core.partname),
                    core.element, placeholders, read_numbering(numbering.element), types)


def _zip_name(partname: str) -> str:
    return str(partname).lstrip("/")
