"""The Word template's styles by name, with graceful fallbacks.

A municipality's template may lack some of the styles katalog uses. Each missing style is
reported once as a warning and replaced by the nearest one that exists (for example "Tal"
→ "Tabeltekst" → "Normal"); the build never fails for a missing style.
"""

from __future__ import annotations

from typing import Callable

from docx.document import Document
from docx.oxml.ns import qn

# style name → fallbacks, tried in order (None: no style, direct formatting only)
FALLBACKS: dict[str, tuple[str, ...]] = {
    "Title": ("Heading 1",),
    "Subtitle": ("Normal",),
    "Heading 4": ("Heading 3",),
    "Heading 5": ("Heading 4", "Heading 3"),
    "Heading 6": ("Heading 5", "Heading 4", "Heading 3"),
    "Heading 2": ("Heading 1",),
    "Heading 3": ("Heading 2", "Heading 1"),
    "List Bullet 2": ("List Bullet", "List Paragraph"),
    "List Bullet 3": ("List Bullet 2", "List Bullet", "List Paragraph"),
    "List Bullet": ("List Paragraph",),
    "List Number 2": ("List Number", "List Paragraph"),
    "List Number 3": ("List Number 2", "List Number", "List Paragraph"),
    "List Number": ("List Paragraph",),
    "List Continue 2": ("List Continue",),
    "List Continue 3": ("List Continue 2", "List Continue"),
    "Tal": ("Tabeltekst",),
    "Tabeltitel": ("Caption",),
    "Quote": ("Intense Quote",),
    "Katalogtabel": ("Table Grid",),
}

# Styles used by katalog, listed in the README; the others are optional.
REQUIRED = (
    "Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "List Bullet",
    "List Number", "Quote", "TOC Heading", "toc 1", "toc 2", "Tabeltitel", "Tabeltekst", "Tal",
    "Note", "Katalogtabel",
)  # fmt: skip


class Styles:
    """Style ids by (case-insensitive) name or id, with fallback and one warning per miss."""

    def __init__(self, doc: Document, warn: Callable[[str], None]) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._numbering: dict[str, tuple[str, str]] = {}
        root = doc.styles.element
        for style in root.findall(qn("w:style")):
            kind = style.get(qn("w:type"), "paragraph")
            sid = style.get(qn("w:styleId"), "")
            name_el = style.find(qn("w:name"))
            name = name_el.get(qn("w:val")) if name_el is not None else sid
            for key in (name.casefold(), sid.casefold()):
                self._ids.setdefault((kind, key), sid)
            num = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            if num is not None:
                num_id = num.find(qn("w:numId"))
                ilvl = num.find(qn("w:ilvl"))
                if num_id is not None:
                    self._numbering[sid] = (num_id.get(qn("w:val"), "0"),
                                            ilvl.get(qn("w:val"), "0") if ilvl is not None else "0")
        self._warn = warn
        self._resolved: dict[tuple[str, str], str | None] = {}

    def has(self, name: str, kind: str = "paragraph") -> bool:
        return (kind, name.casefold()) in self._ids

    def _resolve(self, name: str, kind: str) -> str | None:
        key = (kind, name)
        if key in self._resolved:
            return self._resolved[key]
        found = self._ids.get((kind, name.casefold()))
        if found is None:
            loud = name in REQUIRED
            for alt in FALLBACKS.get(name, ()):
                found = self._ids.get((kind, alt.casefold()))
                if found is not None and loud:
                    self._warn(f"Word-skabelonen mangler typografien '{name}'; "
                               f"bruger '{alt}' i stedet")
                    break
                if found is not None:
                    break
            else:
                if loud:
                    self._warn(f"Word-skabelonen mangler typografien '{name}'; "
                               "bruger direkte formatering i stedet")
        self._resolved[key] = found
        return found

    def peek(self, name: str, kind: str = "paragraph") -> str | None:
        """The id `name` resolves to, as `para`/`char`/`table` would give it, without a
        warning and without noting the lookup."""
        found = self._resolved.get((kind, name), self._ids.get((kind, name.casefold())))
        if found is None:
            for alt in FALLBACKS.get(name, ()):
                found = self._ids.get((kind, alt.casefold()))
                if found is not None:
                    break
        return found

    def para(self, name: str) -> str | None:
        """Paragraph style id for `name` (None: use the document default)."""
        return self._resolve(name, "paragraph")

    def char(self, name: str) -> str | None:
        return self._resolve(name, "character")

    def table(self, name: str) -> str | None:
        return self._resolve(name, "table")

    def numbering(self, style_id: str | None) -> tuple[str, str] | None:
        """(numId, ilvl) a paragraph style brings with it, if any."""
        return self._numbering.get(style_id or "")
