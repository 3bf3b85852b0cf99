"""A proposal's content written once, for both the catalogue and its own attachment file.

Everything below a proposal's heading (`compose.proposal_parts`) is the same text in
`katalog.docx` (section level 3) and in `docx/<id>.docx` (level 2), except for what depends on
the document: heading styles (one level apart), list numbering instances (`numId`) and
hyperlink relationship ids (`r:id`). `record` writes the content once with a placeholder for
each of those and notes, in order, every call the builders made to the document's styles,
lists and links; `Fragment.fill` replays those calls in the same order against a real
document (so numbering, relationships and the warnings about missing styles come out exactly
as if the content had been written into that document) and puts the results in the slots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .context import Context
from .lists import Lists
from .ooxml import Element, escape_attr, slot
from .styles import Styles

_HEADING = re.compile(r"Heading ([1-6])")

# ("style", kind, name): a style looked up; ("heading", level): a heading style, in a slot;
# ("list", ordered, depth, start): a list started, its numId in a slot; ("link", url): a link
Op = tuple[Any, ...]


@dataclass
class Fragment:
    text: str
    ops: list[Op]

    def fill(self, ctx: Context, shift: int = 0) -> Element:
        """The text for the document of `ctx`, headings `shift` levels lower (at most 6)."""
        if not self.ops:
            return self.text
        values: list[str | None] = []
        styles = ctx.styles
        for op in self.ops:
            kind = op[0]
            if kind == "style":
                getattr(styles, op[1])(op[2])
                values.append("")
            elif kind == "heading":  # None: no style, and no w:pStyle element either
                sid = styles.para(f"Heading {min(6, op[1] + shift)}")
                values.append(escape_attr(sid) if sid else None)
            elif kind == "list":
                num = ctx.lists.start(op[1], op[2], op[3])[1]
                values.append(str(num[0]) if num is not None else "")
            else:
                values.append(escape_attr(ctx.link(op[1])))
        pieces = self.text.split("\x00")  # text, slot, text, slot, …, text
        for i in range(1, len(pieces), 2):
            value = values[int(pieces[i])]
            if value is None:
                assert pieces[i - 1].endswith(_PSTYLE), "a heading style outside w:pStyle"
                pieces[i - 1] = pieces[i - 1][:-len(_PSTYLE)]
                pieces[i + 1] = pieces[i + 1][3:]  # '"/>'
                value = ""
            pieces[i] = value
        return "".join(pieces)


_PSTYLE = '<w:pStyle w:val="'


class _Styles:
    """The real styles, noting each lookup; heading styles become slots."""

    def __init__(self, styles: Styles, ops: list[Op]) -> None:
        self._styles = styles
        self._ops = ops

    def para(self, name: str) -> str | None:
        level = _HEADING.fullmatch(name)
        if level:
            self._ops.append(("heading", int(level.group(1))))
            return slot(len(self._ops) - 1)
        self._ops.append(("style", "para", name))
        return self._styles.para(name)

    def char(self, name: str) -> str | None:
        self._ops.append(("style", "char", name))
        return self._styles.char(name)

    def table(self, name: str) -> str | None:
        self._ops.append(("style", "table", name))
        return self._styles.table(name)


class _Lists:
    """Starts lists on a scratch numbering (for the style and level), the numId a slot."""

    def __init__(self, scratch: Lists, ops: list[Op]) -> None:
        self._scratch = scratch
        self._ops = ops

    def start(self, ordered: bool, depth: int,
              start: int = 1) -> tuple[str | None, tuple[str, int] | None]:
        style, num = self._scratch.start(ordered, depth, start)
        self._ops.append(("list", ordered, depth, start))
        return style, (slot(len(self._ops) - 1), num[1]) if num is not None else None


@dataclass
class _Recorder:
    """Stands in for `Context` while a fragment is written."""

    styles: _Styles
    lists: _Lists
    width: int
    ops: list[Op] = field(default_factory=list)

    def link(self, url: str) -> str:
        self.ops.append(("link", url))
        return slot(len(self.ops) - 1)


def record(ctx: Context, build: Callable[[Context], Sequence[Element]]) -> Fragment:
    """Write `build`'s content once with slots; `ctx` is a real context whose styles, lists
    and width it uses (its lists only as scratch: they are not the document's)."""
    ops: list[Op] = []
    recorder = _Recorder(_Styles(ctx.styles, ops), _Lists(ctx.lists, ops), ctx.width, ops)
    text = "".join(build(recorder))  # type: ignore[arg-type]  # duck-typed Context
    return Fragment(text, ops)
