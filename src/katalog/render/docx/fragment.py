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
from .lists import Lists, State
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
        return _put(self.text, _values(self.ops, ctx, shift), 0)


def _values(ops: Sequence[Op], ctx: Context, shift: int) -> list[str | None]:
    """Each operation replayed against `ctx`'s document, in order: its slot's value."""
    values: list[str | None] = []
    styles = ctx.styles
    for op in ops:
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
    return values


def _put(text: str, values: list[str | None], base: int) -> str:
    """`text` with each slot (numbered from `base`) replaced by its value."""
    if "\x00" not in text:
        return text
    pieces = text.split("\x00")  # text, slot, text, slot, …, text
    for i in range(1, len(pieces), 2):
        value = values[int(pieces[i]) - base]
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
    kept: dict[str, Any] | None = None  # pieces kept for the form (see `Piece`), by name

    def link(self, url: str) -> str:
        self.ops.append(("link", url))
        return slot(len(self.ops) - 1)


def record(ctx: Context, build: Callable[[Context], Sequence[Element]],
           kept: dict[str, Any] | None = None) -> Fragment:
    """Write `build`'s content once with slots; `ctx` is a real context whose styles, lists
    and width it uses (its lists only as scratch: they are not the document's). With
    `kept`, the builders that `keep` a piece of the content put it there by name."""
    ops: list[Op] = []
    recorder = _Recorder(_Styles(ctx.styles, ops), _Lists(ctx.lists, ops), ctx.width, ops, kept)
    text = "".join(build(recorder))  # type: ignore[arg-type]  # duck-typed Context
    return Fragment(text, ops)


# -- pieces of a recording, filled into a second document (the proposal's form) ----------------


@dataclass
class Piece:
    """Part of a recording: its elements and the operations `ops[start:end]` their slots
    refer to (numbered as in the whole recording). Filled into another document whose
    styles, list styles and width agree with the recording's (`Agreement`), it is the text
    the builders would have written straight into that document."""

    elements: list[Element]
    ops: list[Op]
    start: int
    end: int

    def fill(self, ctx: Context, shift: int = 0) -> list[Element]:
        values = _values(self.ops[self.start:self.end], ctx, shift)
        return [_put(e, values, self.start) for e in self.elements]


def keeping(ctx: Context) -> dict[str, Any] | None:
    """Where a builder keeps pieces for the form: only while recording with `kept`."""
    return getattr(ctx, "kept", None)


def keep(ctx: Context, name: str, build: Callable[[], list[Element]]) -> list[Element]:
    """`build()`; while recording with `kept`, its elements also kept as a `Piece`."""
    kept = keeping(ctx)
    if kept is None:
        return build()
    ops: list[Op] = ctx.ops  # type: ignore[attr-defined]  # a _Recorder
    start = len(ops)
    made = build()
    kept[name] = Piece(list(made), ops, start, len(ops))
    return made


class Agreement:
    """Whether a recording made with one document's styles (the Word template's) can be
    filled into another (the form): the same text width, and every style and list style a
    piece looked up resolving to the same id (and numbering) in both. Checked per
    operation, quietly (no missing-style warning is given by checking)."""

    def __init__(self, recorded: Styles, recorded_lists: State, recorded_width: int,
                 target: Styles, target_lists: State, target_width: int) -> None:
        self._a, self._b = recorded, target
        self._a_nums, self._b_nums = recorded_lists[0], target_lists[0]
        self.possible = recorded_width == target_width  # tables are laid out to the width
        self._seen: dict[Op, bool] = {}

    def covers(self, piece: Piece) -> bool:
        if not self.possible:
            return False
        seen = self._seen
        for op in piece.ops[piece.start:piece.end]:
            kind = op[0]
            if kind != "style" and kind != "list":
                continue
            ok = seen.get(op)
            if ok is None:
                ok = seen[op] = self._agree(op)
            if not ok:
                return False
        return True

    def _agree(self, op: Op) -> bool:
        a, b = self._a, self._b
        if op[0] == "style":
            kind = {"para": "paragraph", "char": "character", "table": "table"}[op[1]]
            return a.peek(op[2], kind) == b.peek(op[2], kind)
        base = "List Number" if op[1] else "List Bullet"
        name = base if op[2] <= 1 else f"{base} {min(op[2], 3)}"
        sid = a.peek(name, "paragraph")
        if sid != b.peek(name, "paragraph"):
            return False
        own = a.numbering(sid)
        if own != b.numbering(sid):
            return False
        # a style's own numbering: the same numbering instance must exist in both documents
        return own is None or (own[0] in self._a_nums and own[0] in self._b_nums)


@dataclass
class Segment:
    """A stretch of an `Outline`: the text between two top-level headings (`level` 0), or a
    top-level heading (`level` its HTML level, `title` its text, white space folded)."""

    piece: Piece
    level: int = 0
    title: str = ""
    blank: bool = False  # text: nothing in the HTML but white space (no element, no text)


@dataclass
class Outline:
    """A Markdown body converted once while recording, cut at its top-level headings so the
    form can take the text before them, each section, or some sections (`form_fields`).
    `style` is the converter's lookup of its paragraph style (no operation when the HTML is
    blank: the converter then looks up nothing and makes nothing)."""

    style: Piece
    segments: list[Segment]
    whole: Piece


def outline(ctx: Context, html: str) -> list[Element]:
    """`HtmlWriter(ctx).convert(html)`; while recording with `kept`, also kept as the
    `Outline` "tekst"."""
    from .htmlwalk import HtmlWriter

    kept = keeping(ctx)
    if kept is None:
        return HtmlWriter(ctx).convert(html)
    ops: list[Op] = ctx.ops  # type: ignore[attr-defined]  # a _Recorder
    start = len(ops)
    cuts: list[tuple[int, int, Any]] = []
    made = HtmlWriter(ctx).convert(html, cut=lambda at, node: cuts.append((at, len(ops), node)))
    end = len(ops)
    whole = Piece(made, ops, start, end)
    if end == start:  # blank: nothing looked up, nothing made
        kept["tekst"] = Outline(Piece([], ops, start, start), [], whole)
        return made
    style = Piece([], ops, start, start + 1)
    heads = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]
    nodes = [h[0][2] for h in heads]
    segments: list[Segment] = []
    at, op = 0, start + 1
    for k in range(len(heads) + 1):
        (a, o, _), (b, o2, _) = heads[k] if k < len(heads) else ((len(made), end, None),) * 2
        if not nodes:
            blank = False  # the HTML is not blank
        else:
            lead = nodes[0].getparent().text if k == 0 else nodes[k - 1].tail
            alone = (nodes[0].getprevious() is None if k == 0
                     else nodes[k - 1].getnext() is (nodes[k] if k < len(nodes) else None))
            blank = alone and not (lead or "").strip()
        segments.append(Segment(Piece(made[at:a], ops, op, o), blank=blank))
        if k < len(heads):
            node = nodes[k]
            segments.append(Segment(Piece(made[a:b], ops, o, o2), int(node.tag[1]),
                                    " ".join(node.text_content().split())))
        at, op = b, o2
    kept["tekst"] = Outline(style, segments, whole)
    return made
