"""`katalog fmt`: canonical key order and layout of proposal and theme front matter.

How a file is formatted:

1. The bytes are split into BOM, front matter and body. The body (everything after the closing
   `---` line, and that line itself) is never touched: it is written back byte-for-byte.
2. The front matter is checked with the same reader as `katalog check`; a file that does not
   parse is reported (file:line, Danish) and never written.
3. Keys of block mappings are reordered *as text* (whole lines, with the comment lines above a
   key moving with it), so comments, quoting and block scalars are kept exactly.
4. The result goes through a ruamel.yaml round trip for the layout (indentation 2, list items
   `  - `, no line wrapping); quotes are preserved, flow mappings such as `amounts: {…}` stay
   flow style and have their keys ordered too (when they contain no comments).
5. The formatted front matter is read again and must hold exactly the same data as before
   (numbers compared with their exact digits, so `-6.000` can never become `-6.0`); otherwise
   the file is left alone and the problem reported.

Line ends and BOM are *preserved*: a file whose first line ends in CRLF gets CRLF on every
front-matter line (mixed line ends in the front matter are normalised to the first line's);
a BOM stays when there was one. `catalogue.yaml` is not formatted.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from . import fields as F
from .folder import FOLDERS, PROPOSALS_DIR, THEMES_DIR, Kind, kind_of_mode, list_folder, refusal
from .issues import Issue, Severity
from .safefs import read_regular, reason, write_atomic
from .source import MAX_FILE_BYTES, SourceError, decode, parse_yaml

# canonical key order: the order of the field table (`katalog.fields`), declared once
PROPOSAL_ORDER = F.order(F.PROPOSAL)
THEME_ORDER = F.order(F.THEME)
ITEM_ORDERS = F.item_orders(F.PROPOSAL)
BOM = "\ufeff"
_CLOSING = re.compile(r"^(---|\.\.\.)[ \t]*$")


class FormatError(Exception):
    """The file cannot be formatted; Danish message at a 1-based line and column."""

    def __init__(self, message: str, line: int = 1, col: int = 1, code: str = "fmt") -> None:
        super().__init__(message)
        self.message, self.line, self.col, self.code = message, line, col, code

    def issue(self, path: str) -> Issue:
        return Issue(path, self.line, self.col, Severity.ERROR, self.code, self.message)


@dataclass(frozen=True)
class FileResult:
    """One file: its formatted bytes (None when it could not be formatted) and any error."""

    path: Path
    original: bytes
    formatted: bytes | None
    error: Issue | None = None

    @property
    def changed(self) -> bool:
        return self.formatted is not None and self.formatted != self.original


# -- splitting --------------------------------------------------------------------------------


def _split(raw: bytes) -> tuple[str, str, list[str], str]:
    """(bom, newline, front-matter lines without ends, rest: closing line + body, verbatim)."""
    decode(raw)  # size, UTF-8, NUL and empty-file checks, with located Danish messages
    text = raw.decode("utf-8")
    bom = BOM if text.startswith(BOM) else ""
    text = text[len(bom):]
    first_end = re.search(r"\r\n|\n|\r", text)
    newline = first_end.group(0) if first_end else "\n"
    parts = re.split(r"(\r\n|\n|\r)", text)  # [line, end, line, end, ..., last]
    lines, ends = parts[0::2], parts[1::2] + [""]
    if lines[0].rstrip() != "---":
        raise FormatError("filen skal begynde med front matter: første linje skal være ---",
                          code="front-matter")
    for i in range(1, len(lines)):
        if _CLOSING.match(lines[i]) and i < len(ends):
            rest = "".join(line + end for line, end in zip(lines[i:], ends[i:]))
            return bom, newline, lines[1:i], rest
    raise FormatError("front matter er ikke afsluttet: der mangler en linje med ---",
                      code="front-matter")


# -- step 3: reorder block mappings as text ---------------------------------------------------


def _rank(order: Sequence[str]) -> Callable[[tuple[int, str]], tuple[int, int]]:
    """Sort key for (original index, name): known names by `order`, unknown ones after, as found."""

    def key(item: tuple[int, str]) -> tuple[int, int]:
        index, name = item
        return (order.index(name), 0) if name in order else (len(order), index)

    return key


def _end_line(node: Node) -> int:
    """Exclusive 0-based end line of a node."""
    mark = node.end_mark
    line = int(mark.line)
    return line if mark.column == 0 else line + 1


def _movable(line: str, col: int) -> bool:
    """A blank line, or a comment line not indented deeper than the mapping's keys."""
    stripped = line.lstrip(" ")
    return not stripped or (stripped.startswith("#") and len(line) - len(stripped) <= col)


def _reorder(lines: list[str], node: MappingNode, start: int, end: int,
             order: Sequence[str], dash: bool) -> list[str] | None:
    """Lines[start:end] (one block mapping) with its keys in canonical order, or None."""
    keys = [(str(k.value), k.start_mark.line, k.start_mark.column) for k, _v in node.value]
    if not keys:
        return None
    col = keys[0][2]
    names = [k[0] for k in keys]
    ranked = [i for i, _name in sorted(enumerate(names), key=_rank(order))]
    if ranked == list(range(len(names))):
        return None
    starts = [k[1] for k in keys]
    if any(c != col for _n, _l, c in keys) or starts != sorted(set(starts)):
        return None
    prefix = lines[starts[0]][:col]
    if dash and prefix.strip() != "-":
        return None
    if not dash and prefix.strip():
        return None
    for s in starts[1:]:
        if lines[s][:col].strip():
            return None
    blocks: list[list[str]] = []
    leading: list[list[str]] = [[]]
    bounds = starts + [end]
    for i in range(len(starts)):
        block = lines[bounds[i]:bounds[i + 1]]
        tail: list[str] = []
        while len(block) > 1 and _movable(block[-1], col):
            tail.insert(0, block.pop())
        blocks.append(block)
        leading.append(tail)
    footer = leading.pop()  # comments after the last key stay at the end
    out = list(lines[start:starts[0]])
    for position, index in enumerate(ranked):
        block = list(blocks[index])
        block[0] = (prefix if position == 0 else " " * col) + block[0][col:]
        out.extend(leading[index])
        out.extend(block)
    return out + footer


def reorder_text(text: str, order: Sequence[str]) -> str:
    """Front-matter text with top-level and list-item block mappings in canonical order."""
    yaml = YAML(typ="rt")
    root = yaml.compose(text)
    if not isinstance(root, MappingNode) or root.flow_style:
        return text
    lines = text.split("\n")
    # Items first: each reorder keeps its line count, so the top-level bounds stay valid.
    for key, value in root.value:
        item_order = ITEM_ORDERS.get(str(key.value))
        if item_order is None or not isinstance(value, SequenceNode) or value.flow_style:
            continue
        items = value.value
        for i, item in enumerate(items):
            if isinstance(item, MappingNode) and not item.flow_style:
                start = item.start_mark.line
                end = items[i + 1].start_mark.line if i + 1 < len(items) else _end_line(value)
                new = _reorder(lines, item, start, end, item_order, dash=True)
                if new is not None and len(new) == end - start:
                    lines[start:end] = new
    end = len(lines) - (1 if lines and lines[-1] == "" else 0)
    new = _reorder(lines, root, 0, end, order, dash=False)
    if new is not None and len(new) == end:
        lines[:end] = new
    return "\n".join(lines)


# -- step 4: layout ---------------------------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100_000
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_duplicate_keys = False
    return yaml


def _order_flow(data: Any, order: Sequence[str]) -> None:
    """Order the keys of a flow-style mapping without comments (block ones are done as text)."""
    if not isinstance(data, CommentedMap) or not data.fa.flow_style() or data.ca.items:
        return
    names = list(data)
    for _i, name in sorted(enumerate(names), key=_rank(order)):
        data.move_to_end(name)


def layout(text: str, order: Sequence[str]) -> str:
    yaml = _yaml()
    data = yaml.load(text)
    if data is None:
        return text
    _order_flow(data, order)
    if isinstance(data, CommentedMap):
        for key, item_order in ITEM_ORDERS.items():
            items = data.get(key)
            if isinstance(items, CommentedSeq):
                for item in items:
                    _order_flow(item, item_order)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


# -- step 5: the safety check -----------------------------------------------------------------


def _canon(value: Any) -> Any:
    """Data compared exactly: a Decimal keeps its digits, a dict ignores key order."""
    if isinstance(value, dict):
        return {str(k): _canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, dt.date)):
        return (type(value).__name__, str(value))
    return value


# -- the front door ---------------------------------------------------------------------------


def kind_of(path: Path, data: Any = None) -> str:
    """`proposal` or `theme`: by folder, else by the keys present."""
    parent = path.parent.name
    if parent == PROPOSALS_DIR:
        return "proposal"
    if parent == THEMES_DIR:
        return "theme"
    if isinstance(data, dict) and "number" in data and "economy" not in data:
        return "theme"
    return "proposal"


def format_bytes(raw: bytes, path: Path | str = "forslag.md") -> bytes:
    """The formatted file; FormatError (Danish, located) when it cannot be formatted safely."""
    path = Path(path)
    try:
        bom, newline, fm_lines, rest = _split(raw)
        yaml_text = "\n".join(fm_lines) + "\n"
        before = parse_yaml(yaml_text, str(path), line_offset=1).data
    except SourceError as exc:
        raise FormatError(exc.message, exc.line, exc.col, exc.code) from None
    if before is None:
        return raw
    if not isinstance(before, dict):
        raise FormatError("front matter skal være en samling af nøgler og værdier", 2, 1)
    order = PROPOSAL_ORDER if kind_of(path, before) == "proposal" else THEME_ORDER
    try:
        result = layout(reorder_text(yaml_text, order), order)
        after = parse_yaml(result, str(path), line_offset=1).data
    except SourceError as exc:  # pragma: no cover - the safety net below says what happened
        raise FormatError(f"formateringen gav ugyldig YAML ({exc.message}); filen er uændret") from None
    except Exception as exc:  # noqa: BLE001 - ruamel quirks must not end in a traceback
        raise FormatError(f"filen kan ikke formateres ({type(exc).__name__}); filen er uændret") from None
    if _canon(after) != _canon(before):
        raise FormatError("formateringen ville ændre indholdet; filen er uændret (ret den i hånden)")
    out_lines = result.split("\n")
    if out_lines and out_lines[-1] == "":
        out_lines.pop()
    front = "".join(line + newline for line in ["---", *out_lines])
    return (bom + front + rest).encode("utf-8")


def _targets(paths: Iterable[Path | str]) -> list[tuple[Path, OSError | None]]:
    """Every `.md` file to format, with the reason it is refused (None: format it).

    A folder means its `proposals/` and `themes/` (or its own files when it has neither),
    listed by the policy of `katalog check` (`folder.refusal`): a symlink, a FIFO, a folder
    named `x.md` or a hidden `.x.md` is reported, never followed, read or skipped in silence.
    A file named on the command line is formatted when it is a regular file."""
    found: dict[Path, OSError | None] = {}
    for p in map(Path, paths):
        if not p.is_dir():
            if p.suffix == ".md":
                found.setdefault(p, _linked_folder(p))
            continue
        subs = [(p / sub, sub, _kind(p / sub)) for sub in (PROPOSALS_DIR, THEMES_DIR)]
        subs = [s for s in subs if s[2] is not None]
        if not subs:
            subs = [(p, p.name, "dir")]
        for folder, rel, kind in subs:
            if kind != "dir":
                found.setdefault(folder, refusal(rel if rel in FOLDERS else PROPOSALS_DIR,
                                                 kind or "other"))
                continue
            try:
                listing = list_folder(folder)
            except OSError as exc:
                found.setdefault(folder, exc)
                continue
            for name, kind_ in listing:
                if name.endswith(".md"):
                    found.setdefault(folder / name, refusal(f"{rel}/{name}", kind_))
    return list(found.items())


def _linked_folder(path: Path) -> OSError | None:
    """A file named on the command line is not written through a symlinked `proposals/` or
    `themes/` folder (its own folder being a link), as `check` never reads through one."""
    parent = path.parent
    if parent.name in FOLDERS and _kind(parent) == "link":
        return refusal(parent.name, "link")
    return None


def _kind(path: Path) -> Kind | None:
    try:
        return kind_of_mode(os.lstat(path).st_mode)
    except OSError:
        return None


def collect(paths: Iterable[Path | str]) -> list[Path]:
    """The `.md` files `format_paths` looks at (refused ones included: they are reported)."""
    return [path for path, _refused in _targets(paths)]


def skipped(paths: Iterable[Path | str]) -> list[Path]:
    """Files named explicitly that fmt leaves alone (only `.md` front matter is formatted)."""
    return [Path(p) for p in paths if not Path(p).is_dir() and Path(p).suffix != ".md"]


def format_file(path: Path, refused: OSError | None = None) -> FileResult:
    """One file formatted (nothing written); a file that cannot be read is an error result."""
    shown = os.fspath(path)
    try:
        if refused is not None:
            raise refused
        raw = read_regular(path, MAX_FILE_BYTES)
    except OSError as exc:
        return FileResult(path, b"", None, Issue(shown, 1, 1, Severity.ERROR, "read",
                                                 f"filen kan ikke læses ({reason(exc)})"))
    try:
        return FileResult(path, raw, format_bytes(raw, path))
    except FormatError as exc:
        return FileResult(path, raw, None, exc.issue(shown))


def format_paths(paths: Iterable[Path | str], write: bool = True) -> list[FileResult]:
    """Format every file; with `write`, changed files are written back (never a broken one).

    A file that cannot be written (read-only content, a full disk) is left as it was and
    becomes an error result with a Danish reason."""
    results = [format_file(path, refused) for path, refused in _targets(paths)]
    if not write:
        return results
    done: list[FileResult] = []
    for r in results:
        if r.changed and r.formatted is not None:
            try:
                write_atomic(r.path, r.formatted)  # never through a symlink or a planted name
            except OSError as exc:
                message = f"filen kan ikke skrives ({reason(exc)}); den er uændret"
                r = replace(r, formatted=None,
                            error=Issue(os.fspath(r.path), 1, 1, Severity.ERROR, "write", message))
        done.append(r)
    return done
