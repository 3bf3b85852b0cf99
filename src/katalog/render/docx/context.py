"""What the builders share while filling one document: styles, lists, links, bookmarks."""

from __future__ import annotations

from dataclasses import dataclass, field

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.opc.rel import Relationships

from .lists import Lists
from .styles import Styles

TEXT_WIDTH = 9072  # twips: A4 minus 2 × 2.5 cm, used when the template says nothing else


@dataclass
class Context:
    """One document being written: the template's `styles` (shared by every document of a
    build), this document's `lists` and relationships `rels`, and the text width."""

    styles: Styles
    lists: Lists
    rels: Relationships
    width: int = TEXT_WIDTH
    _links: dict[str, str] = field(default_factory=dict)
    _bookmark: int = 0
    media: list[tuple[str, bytes, str]] = field(default_factory=list)  # (zip name, data, type)
    _pictures: int = 0

    def link(self, url: str) -> str:
        """Relationship id of an external hyperlink (one per distinct URL)."""
        if url not in self._links:
            self._links[url] = self.rels.get_or_add_ext_rel(RT.HYPERLINK, url)
        return self._links[url]

    def image(self, data: bytes, ext: str) -> str:
        """Relationship id of a picture part holding `data` (`ext`: png, jpeg, svg), added to
        this document's `media` (one part per call, named in order)."""
        kind = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}[ext]
        name = f"word/media/katalog{len(self.media) + 1}.{ext}"
        self.media.append((name, data, kind))
        return self.rels.get_or_add(RT.IMAGE, Part(PackURI("/" + name), kind, data)).rId

    def next_picture(self) -> int:
        """A fresh id for a drawing's `wp:docPr` (ids from 9000 on, clear of a template's)."""
        self._pictures += 1
        return 9000 + self._pictures

    def next_bookmark(self) -> tuple[int, str]:
        self._bookmark += 1
        return self._bookmark, f"_Toc{100000000 + self._bookmark}"
