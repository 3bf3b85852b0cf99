"""Numbering for bulleted and numbered lists.

A list paragraph uses the template's "List Bullet"/"List Number" styles (by depth). When such
a style carries its own numbering, that is used; every numbered list gets a fresh numbering
instance over the style's definition so it starts at 1 (or at `<ol start>`), instead of
continuing the previous list. Styles without numbering get katalog's own definitions.
"""

from __future__ import annotations

from docx.oxml.ns import qn

from .ooxml import Node, node
from .styles import Styles

BULLETS = ("•", "–", "▪")


State = tuple[dict[str, str], int, int]  # numId → abstractNumId, next numId, next abstract


def read(root: Node) -> State:
    """What a numbering part already defines: its instances and the next free ids."""
    abstract_of = {
        n.get(qn("w:numId"), ""): n.find(qn("w:abstractNumId")).get(qn("w:val"), "")
        for n in root.findall(qn("w:num")) if n.find(qn("w:abstractNumId")) is not None
    }
    ids = [int(n.get(qn("w:numId"), "0")) for n in root.findall(qn("w:num"))]
    aids = [int(a.get(qn("w:abstractNumId"), "0")) for a in root.findall(qn("w:abstractNum"))]
    return abstract_of, max(ids, default=0) + 1, max(aids, default=-1) + 1


class Lists:
    """The list numbering of one document, added to its numbering part's root `root`."""

    def __init__(self, root: Node, styles: Styles, state: "State | None" = None) -> None:
        """`state`: `read(root)` when already known (the same for every copy of a root)."""
        self._root = root
        self._styles = styles
        abstract_of, self._next_num, self._next_abstract = state or read(root)
        self._abstract_of = dict(abstract_of)
        self._own: dict[bool, str] = {}
        self._bullet_num: str | None = None
        # Word's w:numIdMacAtCleanup, which must stay last: found once (only w:num and
        # w:abstractNum elements are added, so it stays the same element)
        self._cleanup: Node | None = root.find(qn("w:numIdMacAtCleanup"))

    def style_name(self, ordered: bool, depth: int) -> str:
        base = "List Number" if ordered else "List Bullet"
        return base if depth <= 1 else f"{base} {min(depth, 3)}"

    def start(self, ordered: bool, depth: int, start: int = 1) -> tuple[str | None, tuple[int, int] | None]:
        """A new list: (paragraph style id, (numId, ilvl) or None when the style numbers it)."""
        style_id = self._styles.para(self.style_name(ordered, depth))
        own = self._styles.numbering(style_id)
        if own is not None and style_id and style_id.casefold().startswith("list"):
            num_id, ilvl = own
            if not ordered:
                return style_id, None
            abstract = self._abstract_of.get(num_id)
            if abstract is not None:
                return style_id, (self._instance(abstract, int(ilvl), start), int(ilvl))
        # The style has no numbering: use katalog's definitions, levels by depth.
        abstract = self._own_abstract(ordered)
        level = min(depth, 9) - 1
        if not ordered:
            if self._bullet_num is None:
                self._bullet_num = str(self._instance(abstract, 0, 1))
            return style_id, (int(self._bullet_num), level)
        return style_id, (self._instance(abstract, level, start), level)

    def _instance(self, abstract: str, ilvl: int, start: int) -> int:
        num_id = self._next_num
        self._next_num += 1
        num = node("w:num", {"w:numId": str(num_id)}, node("w:abstractNumId", {"w:val": abstract}))
        num.append(node("w:lvlOverride", {"w:ilvl": str(ilvl)},
                      node("w:startOverride", {"w:val": str(start)})))
        cleanup = self._cleanup
        if cleanup is not None:  # must stay last
            cleanup.addprevious(num)
        else:
            self._root.append(num)
        self._abstract_of[str(num_id)] = abstract
        return num_id

    def _own_abstract(self, ordered: bool) -> str:
        if ordered in self._own:
            return self._own[ordered]
        aid = str(self._next_abstract)
        self._next_abstract += 1
        abstract = node("w:abstractNum", {"w:abstractNumId": aid},
                      node("w:multiLevelType", {"w:val": "hybridMultilevel"}))
        for lvl in range(9):
            fmt = ("decimal", "lowerLetter", "lowerRoman")[lvl % 3] if ordered else "bullet"
            text = f"%{lvl + 1}." if ordered else BULLETS[lvl % 3]
            indent = 360 * (lvl + 1)
            abstract.append(node("w:lvl", {"w:ilvl": str(lvl)},
                               node("w:start", {"w:val": "1"}),
                               node("w:numFmt", {"w:val": fmt}),
                               node("w:lvlText", {"w:val": text}),
                               node("w:lvlJc", {"w:val": "left"}),
                               node("w:pPr", None, node("w:ind", {"w:left": str(indent),
                                                               "w:hanging": "360"}))))
        existing = self._root.findall(qn("w:abstractNum"))
        if existing:
            existing[-1].addnext(abstract)
        else:
            self._root.insert(0, abstract)
        self._own[ordered] = aid
        return aid
