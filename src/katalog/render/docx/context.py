"""What the builders share while filling one document: styles, lists, links, bookmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT

from .lists import Lists
from .styles import Styles

TEXT_WIDTH = 9072  # twips: A4 minus 2 × 2.5 cm, used when the template says nothing else


@dataclass
class Context:
    doc: Document
    styles: Styles
    lists: Lists
    width: int = TEXT_WIDTH
    _links: dict[str, str] = field(default_factory=dict)
    _bookmark: int = 0

    @classmethod
    def create(cls, doc: Document, warn: Callable[[str], None]) -> "Context":
        styles = Styles(doc, warn)
        section = doc.sections[-1]
        width = TEXT_WIDTH
        if section.page_width and section.left_margin is not None and section.right_margin is not None:
            width = int((section.page_width - section.left_margin - section.right_margin) / 635)
        return cls(doc, styles, Lists(doc, styles), width)

    def link(self, url: str) -> str:
        """Relationship id of an external hyperlink (one per distinct URL)."""
        if url not in self._links:
            self._links[url] = self.doc.part.relate_to(url, RT.HYPERLINK, is_external=True)
        return self._links[url]

    def next_bookmark(self) -> tuple[int, str]:
        self._bookmark += 1
        return self._bookmark, f"_Toc{100000000 + self._bookmark}"
