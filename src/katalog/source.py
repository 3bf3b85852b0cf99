"""Read one content file safely: bytes → text → (front matter) → plain data with positions.

YAML is composed to a node tree with ruamel.yaml and converted here, so no YAML tag can ever
construct an object, aliases are refused before they can expand, duplicate keys are caught,
and every value keeps its line and column. Numbers become `int` or exact `Decimal`, never
`float`.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import warnings
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import ruamel.yaml.main
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 40

Path_ = tuple[Any, ...]
Pos = tuple[int, int]

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {
    _STD + name for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}
_FRONT_MATTER_END = re.compile(r"^(---|\.\.\.)[ \t]*$")
# Characters no document can hold (XML 1.0 forbids them, so Word cannot; they also drive a
# terminal): C0 controls but tab and newline, U+FFFE, U+FFFF and lone surrogates (which a YAML
# escape such as "\ud800" can make). Refused in the file's text and in every YAML value.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Texts the C parser would read differently from the pure one: anchors (it drops `&x` on a
# node that is never aliased, which must be refused) and directives (`%YAML 1.1` changes what
# `yes` means; a reused parser would carry it on to the next file).
_NEEDS_PURE = re.compile(r"&|^%", re.MULTILINE)
CParser = getattr(ruamel.yaml.main, "CParser", None)  # libyaml, from ruamel.yaml.clib
_local = threading.local()


class SourceError(Exception):
    """A problem that stops reading a file, at a 1-based line and column."""

    def __init__(self, code: str, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.col = col


@dataclass
class Document:
    """One file's data, the position of every value and key, and its Markdown body."""

    path: str
    data: Any
    positions: dict[Path_, Pos] = field(default_factory=dict)
    key_positions: dict[Path_, Pos] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1

    def pos(self, path: Path_) -> Pos:
        """Position of the value at `path`, or of its nearest located ancestor."""
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def key_pos(self, path: Path_) -> Pos:
        """Position of the key of `path` (falls back to the value's position)."""
        return self.key_positions.get(tuple(path)) or self.pos(path)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) → text with `\\n` line ends; SourceError otherwise."""
    if len(raw) > MAX_FILE_BYTES:
        raise SourceError(
            "file-too-large",
            f"filen er for stor ({len(raw):,} bytes; højst {MAX_FILE_BYTES:,})".replace(",", "."),
        )
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # so error offsets count from the raw text
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Position in characters (the prefix before the bad byte is valid UTF-8).
        before = raw[: exc.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        raise SourceError(
            "encoding",
            f"filen er ikke gyldig UTF-8 (byte 0x{raw[exc.start]:02x}); gem den som UTF-8",
            line,
            col,
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SourceError("encoding", "filen indeholder NUL-tegn og er ikke en tekstfil", line)
    bad = _UNWRITABLE.search(text)
    if bad:
        before = text[: bad.start()]
        raise SourceError("control-char", unwritable_message(bad.group()),
                          before.count("\n") + 1, bad.start() - before.rfind("\n"))
    if not text.strip():
        raise SourceError("empty-file", "filen er tom")
    return text


def unwritable_message(char: str) -> str:
    """The message for a character no document can hold."""
    return (f"teksten indeholder tegnet U+{ord(char):04X} (et usynligt styretegn), som ikke kan "
            "stå i et dokument; slet det")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split `---` front matter from the body: (yaml, body, body's first line)."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise SourceError(
            "front-matter",
            "filen skal begynde med front matter: første linje skal være ---",
        )
    for i in range(1, len(lines)):
        if _FRONT_MATTER_END.match(lines[i]):
            return "\n".join(lines[1:i]) + "\n", "\n".join(lines[i + 1 :]), i + 2
    raise SourceError(
        "front-matter", "front matter er ikke afsluttet: der mangler en linje med ---"
    )


def _flow_depth(text: str) -> int:
    """An upper bound of the flow-collection nesting ([ and {), quotes not considered."""
    opened = text.count("[") + text.count("{")
    if opened <= MAX_DEPTH:
        return opened  # cannot nest deeper than the brackets there are (no per-character walk)
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}" and depth:
            depth -= 1
    return deepest


class _Resolver(VersionedResolver):
    """ruamel's resolver with its implicit-tag table looked up once per document instead of
    twice per scalar (each lookup works out the YAML version through two caught
    AttributeErrors). Only for the C parser's path, which never sees a `%YAML` directive, so
    the version cannot change within a document."""

    @property
    def versioned_resolver(self) -> Any:
        table = self.__dict__.get("_katalog_table")
        if table is None:
            table = super().versioned_resolver
            self.__dict__["_katalog_table"] = table
        return table


class _MemoResolver(_Resolver):
    """The YAML 1.2 resolver, memoised for plain scalars.

    Resolving a plain scalar (is `2027` an int, `ja` a string?) runs the implicit-resolver
    regexes and was two thirds of composing a file; catalogues repeat the same keys, years and
    amounts in every file. Only the C fast path uses it, where no `%YAML` directive can change
    the version, so the answer depends on the value and the implicit flags alone.
    """

    _memo: dict[tuple[str, bool], Any] = {}
    MEMO_LIMIT = 100_000

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            key = (value, bool(implicit[1]))
            hit = self._memo.get(key)
            if hit is None:
                if len(self._memo) >= self.MEMO_LIMIT:
                    self._memo.clear()
                hit = self._memo[key] = super().resolve(kind, value, implicit)
            return hit
        if not self.yaml_path_resolvers:  # what ruamel's resolver gives them, at once
            if kind is ScalarNode:
                return self.DEFAULT_SCALAR_TAG
            if kind is MappingNode:
                return self.DEFAULT_MAPPING_TAG
            if kind is SequenceNode:
                return self.DEFAULT_SEQUENCE_TAG
        return super().resolve(kind, value, implicit)


def _c_loader() -> Any:
    """libyaml's parser and composer with katalog's resolver: the loader ruamel's
    `YAML(typ="safe", pure=False).compose` makes (less its constructor, which composing
    never uses), as a class made once: `compose` builds a new class, constructor and
    resolver for every text, a tenth of composing a content file. One per thread."""
    loader = getattr(_local, "loader", None)
    if loader is None:
        base: Any = CParser

        class _CLoader(base, _MemoResolver):  # type: ignore[misc]
            def __init__(self, text: str) -> None:
                base.__init__(self, text)
                self._parser = self._composer = self
                _MemoResolver.__init__(self, version=None, loadumper=self)

        loader = _local.loader = _CLoader
    return loader


def _fast_compose(text: str) -> tuple[bool, Node | None]:
    """Compose with libyaml's C parser (about 5x faster; the same nodes and marks):
    (True, node), or (False, None) when it is not installed, the text needs the pure parser,
    or the C parser fails; the pure parser then gives the exact located message."""
    if CParser is None or _NEEDS_PURE.search(text) or _flow_depth(text) > MAX_DEPTH:
        return False, None  # deep flow nesting: only the pure parser's recursion is checked
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loader = _c_loader()(text)  # a new one per text: no state carried over
            try:
                node = loader.get_single_node()
            finally:
                loader.dispose()
    except Exception:  # noqa: BLE001 - any problem: the pure parser reports it exactly
        return False, None
    return True, node


def parse_yaml(text: str, path: str, line_offset: int = 0) -> Document:
    """Compose YAML text and convert it to plain data with positions."""
    fast, node = _fast_compose(text)
    try:
        if not fast:
            with warnings.catch_warnings():
                # e.g. ReusedAnchorWarning: anchors are refused below with a located message
                warnings.simplefilter("ignore")
                node = YAML(typ="safe", pure=True).compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else 1 + line_offset
        col = mark.column + 1 if mark else 1
        raise SourceError("yaml-syntax", _yaml_message(exc), line, col) from None
    except YAMLError as exc:
        raise SourceError("yaml-syntax", f"ugyldig YAML ({_first_line(exc)})", 1 + line_offset)
    except RecursionError:
        raise SourceError("yaml-depth", "YAML'en er indlejret for dybt", 1 + line_offset) from None
    doc = Document(path=path, data=None)
    if node is None:
        return doc
    if fast:
        doc.data = _FastConverter(doc, line_offset, _UNWRITABLE.search(text) is None).convert(
            node, (), 0)
        return doc
    converter = _Converter(doc, line_offset)
    doc.data = converter.convert(node, (), 0)
    return doc


def read_document(raw: bytes, path: str, front_matter: bool) -> Document:
    """A whole file: decode, split front matter when asked, and parse the YAML."""
    text = decode(raw)
    if not front_matter:
        return parse_yaml(text, path)
    yaml_text, body, body_line = split_front_matter(text)
    doc = parse_yaml(yaml_text, path, line_offset=1)
    doc.body = body
    doc.body_line = body_line
    return doc


class _Converter:
    def __init__(self, doc: Document, line_offset: int) -> None:
        self.doc = doc
        self.offset = line_offset
        self.seen: set[int] = set()

    def _pos(self, node: Node) -> Pos:
        return (node.start_mark.line + 1 + self.offset, node.start_mark.column + 1)

    def convert(self, node: Node, path: Path_, depth: int) -> Any:
        line, col = self._pos(node)
        if getattr(node, "anchor", None) is not None or id(node) in self.seen:
            # An anchor always comes before its aliases, so refusing it refuses them too.
            raise SourceError(
                "yaml-alias",
                "YAML-ankre og -aliaser (&navn, *navn) er ikke tilladt; skriv værdien ud",
                line,
                col,
            )
        if depth > MAX_DEPTH:
            raise SourceError("yaml-depth", "YAML'en er indlejret for dybt", line, col)
        tag = _tag(node)
        if tag not in _ALLOWED_TAGS:
            raise SourceError(
                "yaml-tag",
                f"YAML-tagget {tag.replace(_STD, '!!')} er ikke tilladt; skriv en almindelig værdi",
                line,
                col,
            )
        self.seen.add(id(node))
        self.doc.positions[path] = (line, col)
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [self.convert(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        value = scalar_value(node, tag)
        if isinstance(value, str):
            _writable(value, line, col)
        return value

    def _mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            self._key(key_node, value_node, path, depth, result)
        return result

    def _duplicate(self, key: Any, here: Path_, line: int, col: int) -> SourceError:
        """The error for key `key` (at `here`) given again at `line`, `col`."""
        first = self.doc.key_positions[here][0]
        return SourceError("duplicate-key",
                           f"nøglen '{key}' står to gange (første gang i linje {first})",
                           line, col)

    def _key(self, key_node: Node, value_node: Node, path: Path_, depth: int,
             result: dict[Any, Any]) -> None:
        """One key of a mapping at `path` and its value, converted into `result`."""
        kline, kcol = self._pos(key_node)
        ktag = _tag(key_node)
        if ktag == _STD + "merge" or (
            isinstance(key_node, ScalarNode) and key_node.value == "<<" and ktag != _STD + "str"
        ):
            raise SourceError(
                "yaml-alias", "YAML-flettenøgler (<<) er ikke tilladt", kline, kcol
            )
        if not isinstance(key_node, ScalarNode) or ktag not in _ALLOWED_TAGS:
            raise SourceError("yaml-key", "en nøgle skal være en simpel tekst", kline, kcol)
        key = scalar_value(key_node, ktag)
        if isinstance(key, str):
            _writable(key, kline, kcol)
        if isinstance(key, (Decimal, bool, dt.date)) or key is None:
            key = key_node.value
        if key in result:
            raise self._duplicate(key, path + (key,), kline, kcol)
        self.doc.key_positions[path + (key,)] = (kline, kcol)
        result[key] = self.convert(value_node, path + (key,), depth + 1)


_STR = _STD + "str"
_INT = _STD + "int"
_MAP = _STD + "map"
_SEQ = _STD + "seq"


class _FastConverter(_Converter):
    """`_Converter` for the nodes of the C parser's fast path, with the same results and
    errors in fewer steps. That path never gives a node an anchor or gives a node twice (a
    text with `&` goes to the pure parser, an alias without an anchor fails), so neither is
    looked for; a node's tag is worked out once per tag object (the resolver shares them);
    a text key or value is taken as it is; and when the whole text holds no character a
    document cannot hold (`clean`), only a double-quoted scalar (whose escapes can make
    one) is searched for them."""

    def __init__(self, doc: Document, line_offset: int, clean: bool) -> None:
        super().__init__(doc, line_offset)
        self.clean = clean
        self.tags: dict[int, str] = {}  # id of a node's `ctag` → its tag (the nodes live on)

    def _tag_of(self, node: Node) -> str:
        ctag = node.ctag
        tag = self.tags.get(id(ctag))
        if tag is None:
            tag = self.tags[id(ctag)] = _tag(node)
        return tag

    def convert(self, node: Node, path: Path_, depth: int) -> Any:
        mark = node.start_mark
        line, col = mark.line + 1 + self.offset, mark.column + 1
        if depth > MAX_DEPTH:
            raise SourceError("yaml-depth", "YAML'en er indlejret for dybt", line, col)
        tag = self.tags.get(id(node.ctag)) or self._tag_of(node)
        if tag == _STR:
            if not isinstance(node, ScalarNode):
                return super().convert(node, path, depth)  # (a tagged collection: refused)
            self.doc.positions[path] = (line, col)
            text = node.value
            if not self.clean or node.style == '"':
                _writable(text, line, col)
            return text
        if tag not in _ALLOWED_TAGS:
            return super().convert(node, path, depth)  # refused as ever
        self.doc.positions[path] = (line, col)
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            depth += 1
            return [self.convert(item, path + (i,), depth) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        value = scalar_value(node, tag)
        if isinstance(value, str) and (not self.clean or node.style == '"'):
            _writable(value, line, col)
        return value

    def _mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        key_positions = self.doc.key_positions
        tags = self.tags
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                self._key(key_node, value_node, path, depth, result)  # the general way
                continue
            ktag = tags.get(id(key_node.ctag)) or self._tag_of(key_node)
            if ktag == _STR:
                key = key_node.value
            elif ktag == _INT and type(key := scalar_value(key_node, ktag)) is int:
                pass  # a year, say
            else:
                self._key(key_node, value_node, path, depth, result)
                continue
            mark = key_node.start_mark
            kline, kcol = mark.line + 1 + self.offset, mark.column + 1
            if type(key) is str and (not self.clean or key_node.style == '"'):
                _writable(key, kline, kcol)
            here = path + (key,)
            if key in result:
                raise self._duplicate(key, here, kline, kcol)
            key_positions[here] = (kline, kcol)
            result[key] = self.convert(value_node, here, depth + 1)
        return result


def _writable(text: str, line: int, col: int) -> None:
    """SourceError when a value (from a YAML escape such as "\\x1b") holds a character no
    document can hold."""
    bad = _UNWRITABLE.search(text)
    if bad:
        raise SourceError("control-char", unwritable_message(bad.group()), line, col)


def _tag(node: Node) -> str:
    """The node's resolved tag as text. A resolved tag (no handle such as `!!`, nothing
    %-escaped) is its suffix as is; anything else goes through ruamel's own conversion."""
    ctag = getattr(node, "ctag", None)
    suffix = getattr(ctag, "suffix", None)
    if getattr(ctag, "handle", "") is None and isinstance(suffix, str) and "%" not in suffix:
        return suffix
    tag = node.tag
    return str(getattr(tag, "value", tag))


def scalar_value(node: ScalarNode, tag: str) -> Any:
    """A scalar node's value: str, int, exact Decimal, bool, None or date."""
    text = node.value
    name = tag.removeprefix(_STD)
    if name == "null":
        return None
    if name == "bool":
        return text.lower() == "true"
    if name == "int":
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            try:  # beyond Python's int-digits limit: keep it exact, the field reader judges it
                return Decimal(text.replace("_", ""))
            except InvalidOperation:
                return text
    if name == "float":
        try:
            value = Decimal(text.replace("_", ""))
        except InvalidOperation:
            return text  # .inf / .nan: left as text so it fails as "not a number"
        return value if value.is_finite() else text
    if name == "timestamp":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


_YAML_PROBLEMS = {
    "mapping values are not allowed here": "kolon på et sted, hvor det ikke er tilladt "
    "(sæt teksten i anførselstegn)",
    "could not find expected ':'": "der mangler et kolon efter nøglen",
    "found character '\\t' that cannot start any token": "tabulatortegn er ikke tilladt i YAML; "
    "brug mellemrum",
    "expected <block end>, but found": "indrykningen passer ikke",
    "found undefined alias": "ukendt YAML-alias",
    "while scanning a quoted scalar": "anførselstegn er ikke lukket",
    "found unexpected end of stream": "uventet slutning på filen",
    "expected a single document": "filen må kun indeholde ét YAML-dokument",
    "found unhashable key": "en nøgle skal være en simpel tekst",
    "expected ',' or ']'": "en liste i [ ] er ikke afsluttet med ] (eller mangler et komma)",
    "expected ',' or '}'": "en samling i { } er ikke afsluttet med } (eller mangler et komma)",
    "that cannot start any token": "tegnet kan ikke stå først i en værdi "
    "(sæt teksten i anførselstegn)",
    "expected '<document start>'": "uventet tekst efter værdien",
    "found unknown escape character": "ukendt tegn efter \\ i tekst i dobbelte anførselstegn "
    "(brug enkelte anførselstegn)",
    "while scanning an alias": "ugyldigt YAML-alias (*navn)",
    "while scanning an anchor": "ugyldigt YAML-anker (&navn)",
    "while parsing a tag": "ugyldigt YAML-tag (!navn)",
    "while parsing an tag": "ugyldigt YAML-tag (!navn)",
    "while scanning a block scalar": "ugyldig blok-tekst efter | eller >",
}


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _yaml_message(exc: MarkedYAMLError) -> str:
    problem = f"{exc.context or ''} {exc.problem or ''}"
    for english, danish in _YAML_PROBLEMS.items():
        if english in problem:
            return f"ugyldig YAML: {danish}"
    detail = (exc.problem or exc.context or "").strip()
    return f"ugyldig YAML ({detail})" if detail else "ugyldig YAML"
