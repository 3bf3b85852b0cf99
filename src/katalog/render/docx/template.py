"""The Word template: open it, empty its body, fill placeholders, splice in the new body.

Everything that is the municipality's look stays as the template has it: styles, numbering
definitions, page setup of the last section, headers and footers (with their logos). The
header/footer placeholders {{titel}}, {{undertitel}}, {{organisation}} and {{dato}} are
replaced with the catalogue's values.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Iterable, Mapping

import docx
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

from .ooxml import Element, el, xml_text

CONTENT_TYPES = "[Content_Types].xml"
DOTX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PLACEHOLDER = re.compile(r"\{\{\s*([a-zæøå_]+)\s*\}\}")

# settings.xml children that must follow w:updateFields (ECMA-376 CT_Settings order)
_AFTER_UPDATE_FIELDS = (
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
    "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
    "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags",
    "decimalSymbol", "listSeparator",
)  # fmt: skip


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


def clear_body(doc: Document) -> Element:
    """Remove the template's content, keeping the final section properties; returns them."""
    body = doc.element.body
    sect = body.find(qn("w:sectPr"))
    for child in list(body):
        if child is not sect:
            body.remove(child)
    if sect is None:
        sect = el("w:sectPr")
        body.append(sect)
    return sect


def splice(sect: Element, elements: Iterable[Element]) -> None:
    """Put `elements` before the final section properties in one pass (linear)."""
    for element in elements:
        sect.addprevious(element)


def fill_placeholders(doc: Document, values: Mapping[str, str]) -> None:
    """Replace {{name}} in every header and footer with `values[name]`."""
    def sub(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: xml_text(values.get(m.group(1), m.group(0))), text)

    for rel in doc.part.rels.values():
        if rel.is_external or rel.reltype not in (RT.HEADER, RT.FOOTER):
            continue
        root = rel.target_part.element
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
        defaults = el("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = el("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = el("w:rPr")
        rpr_default.append(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = el("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "da-DK")


def update_fields_on_open(doc: Document) -> None:
    """`<w:updateFields w:val="true"/>`: Word refreshes the TOC and page references on open."""
    settings = doc.settings.element
    existing = settings.find(qn("w:updateFields"))
    if existing is not None:
        existing.set(qn("w:val"), "true")
        return
    node = el("w:updateFields", {"w:val": "true"})
    for child in settings:
        if isinstance(child.tag, str) and child.tag.split("}")[-1] in _AFTER_UPDATE_FIELDS:
            child.addprevious(node)
            return
    settings.append(node)
