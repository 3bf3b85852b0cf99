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
from typing import Callable, Sequence

from .context import Context
from .lists import Lists
from .ooxml import Element, el, slot
from .styles import Styles

_HEADING = re.compile(r"Heading ([1-6])")
_SLOTS = re.compile('<w:pStyle w:val="\x00(\\d+)\x00"/>|\x00(\\d+)\x00')

# ("style", kind, name): a style looked up; ("heading", level): a heading style, in a slot;
# ("list", ordered, depth, start): a list started, its numId in a slot; ("link", url): a link
Op = tuple


@dataclass
class Fragment:
    text: str
    ops: list[Op]

    def fill(self, ctx: Context, shift: int = 0) -> Element:
        """The text for the document of `ctx`, headings `shift` levels lower (at most 6)."""
        values: list[str] = []
        styles = ctx.styles
        for op in self.ops:
            kind = op[0]
            if kind == "style":
                getattr(styles, op[1])(op[2])
                values.append("")
            elif kind == "heading":
                sid = styles.para(f"Heading {min(6, op[1] + shift)}")
                values.append(el("w:pStyle", {"w:val": sid}) if sid else "")
            elif kind == "list":
                num = ctx.lists.start(op[1], op[2], op[3])[1]
                values.append(str(num[0]) if num is not None else "")
            else:
                values.append(ctx.link(op[1]))
        if not values:
            return self.text
        return _SLOTS.sub(lambda m: values[int(m.group(1) or m.group(2))], self.text)


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

    def start(self, ordered: bool, depth: int, start: int = 1) -> tuple[str | None, tuple[str, int] | None]:
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
