"""Completing WeasyPrint's structure tree so the PDF meets PDF/UA-1 (pikepdf, after layout).

WeasyPrint 70 writes a tagged PDF, but leaves four things for katalog to finish:

- **margin boxes**: the running header and footer are drawn as marked content (`/Span
  <</MCID n>> BDC`) whose structure elements are built but never put in the tree, so a
  checker finds content that is neither tagged nor an artifact. Their marked content becomes
  `/Artifact <</Type /Pagination>> BDC` and their parent-tree entries are dropped;
- **tables**: a `TH` gets no `/Scope` (only `/ID`s that the `TD`s' `/Headers` point at); an
  absolutely positioned caption (`.visually-hidden`) sits in anonymous table boxes that become
  `/Table` elements inside the `/Table`, with no `TR` rows, and the `Caption` ends up between
  `THead` and `TBody`. Nested anonymous tables are dissolved, the caption moved first, and
  every `TH` gets `/Scope` (`/Column` in a header row, `/Row` for a row's header or a group
  row's header); a group row's header ("Varige ændringer") is added to the `/Headers` of the
  cells in its rows;
- **description lists**: `<dl>` with a `<div>` per term becomes `L > Div > LI LI`; each such
  `Div` becomes one `LI` whose term is the `Lbl` and whose description is the `LBody`;
- **language**: `/Lang` on the document catalogue, the `Document` element and its children
  (each part's top elements after the parts are merged).

Anything painted outside marked content (none in WeasyPrint 70's output, but a template or a
future version may) is wrapped in `/Artifact BMC … EMC`.

`complete(pdf)` works in place on an open `pikepdf.Pdf` (for the assembly, before it saves);
`complete_structure(data)` is the same on bytes. Both are idempotent and deterministic.
Page contents are scanned with regular expressions over the stream bytes; a page whose
content the fast scan cannot read safely (literal strings, inline images) or that has
unmarked painting is parsed with `pikepdf.parse_content_stream` instead.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

ARTIFACT = b"/Artifact <</Type /Pagination>>"
GROUPS = ("/THead", "/TBody", "/TFoot")


@dataclass
class Completed:
    """What `complete` changed (for tests and logs)."""

    scopes: int = 0  # TH given a /Scope
    tables: int = 0  # anonymous /Table elements dissolved
    captions: int = 0  # captions moved to the front of their table
    group_headers: int = 0  # cells given a group row's header
    list_items: int = 0  # description-list groups turned into LI (Lbl + LBody)
    artifacts: int = 0  # orphan marked-content sequences turned into artifacts
    wrapped: int = 0  # unmarked painting operators wrapped as artifacts
    languages: int = 0  # /Lang entries added


def complete_structure(data: bytes, lang: str | None = None) -> bytes:
    """`data` (a tagged PDF from WeasyPrint, or katalog's assembly of them) with its structure
    tree completed (see `complete`), saved reproducibly."""
    with Pdf.open(io.BytesIO(data)) as pdf:
        complete(pdf, lang)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def complete(pdf: Pdf, lang: str | None = None, pages: Iterable[int] | None = None) -> Completed:
    """Complete the structure tree of `pdf` in place. `lang` is the document's language
    (default: the catalogue's `/Lang`). With `pages` (indexes), only those pages and the
    structure elements on them are looked at: the pages a splice put in."""
    done = Completed()
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, Dictionary):
        return done
    chosen = range(len(pdf.pages)) if pages is None else sorted(set(pages))
    page_ids = None if pages is None else {pdf.pages[i].obj.objgen for i in chosen}
    reach = _Reach(root)
    parent_tree = _parent_tree(root)
    for i in chosen:
        _complete_page(pdf, pdf.pages[i], parent_tree, reach, done)
    tops = _top_elements(root, page_ids)
    tables, lists = _find(tops)
    for table in tables:
        _complete_table(table, done)
    for lst in lists:
        _complete_list(lst, done)
    _complete_lang(pdf, tops, lang, done)
    return done


# --- The tree --------------------------------------------------------------------------------

# Elements that hold no table or list: the walk looking for them does not go into these.
_LEAVES = frozenset({"/Span", "/Link", "/P", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6", "/H",
                     "/Caption", "/Lbl", "/TH", "/TD", "/Figure", "/Formula", "/Quote",
                     "/Code", "/Reference", "/Note", "/BibEntry", "/Annot"})


def _kids(e: Dictionary) -> list[Any]:
    k = e.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def _elements(e: Dictionary) -> list[Dictionary]:
    """The structure elements among `e`'s kids (not MCIDs, marked-content or object
    references)."""
    return [k for k in _kids(e) if isinstance(k, Dictionary) and "/S" in k]


def _top_elements(root: Dictionary, page_ids: set[tuple[int, int]] | None) -> list[Dictionary]:
    """The root's elements (WeasyPrint's one `Document`) and their children (each page's top
    elements); with `page_ids`, only the children on those pages."""
    tops = []
    for top in _elements(root):
        if page_ids is None:
            tops.append(top)
        for k in _elements(top):
            page = k.get("/Pg")
            if page_ids is None or page is not None and page.objgen in page_ids:
                tops.append(k)
    return tops


def _find(tops: list[Dictionary]) -> tuple[list[Dictionary], list[Dictionary]]:
    """The tables and lists under `tops`, in document order (not looking into elements that
    cannot hold them, nor into tables)."""
    tables, lists = [], []
    seen: set[tuple[int, int]] = set()
    stack = [(e, str(e.get("/S"))) for e in reversed(tops)]
    while stack:
        e, role = stack.pop()
        if e.objgen in seen:
            continue
        seen.add(e.objgen)
        if role == "/Table":
            tables.append(e)
            continue
        if role == "/L":
            lists.append(e)
        kids = []
        for k in _kids(e):
            if isinstance(k, Dictionary):
                kind = k.get("/S")
                if kind is not None and str(kind) not in _LEAVES:
                    kids.append((k, str(kind)))
        stack.extend(reversed(kids))
    return tables, lists


class _Reach:
    """Which marked-content elements are in the structure tree: following `/P` up,
    memoised, to one of the top elements (a `Document` or its children). WeasyPrint gives
    the margin boxes' elements a parent without putting them in its `/K`, so they never
    get there."""

    def __init__(self, root: Dictionary) -> None:
        documents = _elements(root)
        self.roots = {root.objgen} | {d.objgen for d in documents}
        self.tops = {d.objgen for d in documents} | {
            k.objgen for d in documents for k in _elements(d)}
        self.known: dict[tuple[int, int], bool] = dict.fromkeys(self.tops, True)

    def orphans(self, entry: Array) -> list[int]:
        """The MCIDs of a page's parent-tree `entry` whose elements are not in the tree.
        The margin boxes are the page's last stacking contexts, drawn after everything
        else, so their marked content has the page's last MCIDs: the entry is read from
        its end up to the first element in the tree."""
        out = []
        for mcid in range(len(entry) - 1, -1, -1):
            e = entry[mcid]
            if not isinstance(e, Dictionary):
                continue
            parent = e.get("/P")
            if isinstance(parent, Dictionary) and self._ancestor(parent) and (
                    parent.objgen not in self.roots or e.objgen in self.tops):
                break
            out.append(mcid)
        return out[::-1]

    def _ancestor(self, e: Dictionary) -> bool:
        """Is `e` in the tree? The roots and the top elements are; any other element is
        when its parent is and is not a root (WeasyPrint puts every element but the margin
        boxes' tops in its parent's `/K`)."""
        g = e.objgen
        if g in self.roots:
            return True
        known = self.known.get(g)
        if known is None:
            parent = e.get("/P")
            known = isinstance(parent, Dictionary) and (
                parent.objgen not in self.roots and self._ancestor(parent))
            self.known[g] = known
        return known


def _role(k: Any) -> str:
    """The structure type of `k`, or "" when it is not a structure element."""
    return str(k.get("/S", "")) if isinstance(k, Dictionary) else ""


def _set_kids(e: Dictionary, kids: list[Any]) -> None:
    e.K = Array(kids)
    for k in kids:
        if isinstance(k, Dictionary) and "/S" in k:
            k.P = e


def _parent_tree(root: Dictionary) -> dict[int, Any]:
    """The parent tree's entries by key (a number tree: `/Nums` at the leaves, `/Kids`)."""
    out: dict[int, Any] = {}
    tree = root.get("/ParentTree")
    stack: list[Any] = [tree] if isinstance(tree, Dictionary) else []
    while stack:
        node = stack.pop()
        flat = list(node.get("/Nums", Array()))
        out.update((int(flat[i]), flat[i + 1]) for i in range(0, len(flat) - 1, 2))
        stack.extend(node.get("/Kids", Array()))
    return out


# --- Page content: orphan marked content → artifacts; unmarked painting wrapped ---------------

_END = rb"(?=[\s/\[<(%]|\Z)"  # a token ends at white space, a delimiter or the end
# one marked-content sequence with none inside (bytes other than B and E run possessively)
_INNERMOST = re.compile(rb"(?:BDC|BMC)\s(?:[^BE]++|B(?!DC\s|MC\s)|E(?!MC\s))*+EMC" + _END)
_MARK = re.compile(rb"(?:BDC|BMC|EMC)" + _END)
_PAINT = re.compile(rb"[\s>\]](?:S|s|f\*?|F|B\*?|b\*?|Tj|TJ|'|\"|Do|sh)" + _END)
_INLINE_IMAGE = re.compile(rb"(?<!\S)BI(?!\S)")
_TAG = re.compile(rb"/[^\s\[\]()<>{}/%]+\s*\Z")
_BDC = re.compile(rb"\s*BDC" + _END)
_PATH_START = frozenset({"m", "re"})
_PATH_PAINT = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"})
_TEXT_SHOW = frozenset({"Tj", "TJ", "'", '"'})


def _complete_page(pdf: Pdf, page: Any, parent_tree: dict[int, Any], reach: _Reach,
                   done: Completed) -> None:
    """Turn the page's marked content whose element is not in the tree into pagination
    artifacts, drop it from the parent tree, and wrap unmarked painting."""
    orphans: list[int] = []
    key = page.obj.get("/StructParents")
    entry = parent_tree.get(int(key)) if key is not None else None
    if isinstance(entry, Array):
        orphans = reach.orphans(entry)
        for mcid in orphans:
            entry[mcid] = None
        while len(entry) and entry[len(entry) - 1] is None:
            del entry[len(entry) - 1]
    streams = _streams(page)
    parts = [s.read_bytes() for s in streams]
    data = b"\n".join(parts)
    if not _plain(data) or _has_unmarked_painting(data) \
            or orphans and not _rewrite_fast(streams, parts, orphans):
        _rewrite_parsed(pdf, page, set(orphans), done)
        return
    done.artifacts += len(orphans)


def _streams(page: Any) -> list[Any]:
    contents = page.obj.get("/Contents")
    if contents is None:
        return []
    return list(contents) if isinstance(contents, Array) else [contents]


def _plain(data: bytes) -> bool:
    """Can the fast scan read `data`: no literal strings (whose text could look like an
    operator) and no inline images (binary data)?"""
    return b"(" not in data and (b"BI" not in data or not _INLINE_IMAGE.search(data))


def _has_unmarked_painting(data: bytes) -> bool:
    """Is anything painted outside marked content (or are its marked-content operators out
    of balance)? The innermost sequences are cut out until none is left, and what is left
    is searched for painting operators. (`data` is `_plain`.)"""
    while True:
        rest = _INNERMOST.sub(b" ", data)
        if len(rest) == len(data):
            break
        data = rest
    return _MARK.search(data) is not None or _PAINT.search(b"\n" + data) is not None


def _rewrite_fast(streams: list[Any], parts: list[bytes], orphans: list[int]) -> bool:
    """Replace the orphans' `/Tag <</MCID n>> BDC` in the bytes `parts` of `streams` (as
    WeasyPrint writes it); False, with nothing changed, unless each is found exactly once."""
    parts = list(parts)
    changed: set[int] = set()
    for mcid in orphans:
        needle = b"<</MCID %d>>" % mcid
        hits = [i for i, data in enumerate(parts) if needle in data]
        if len(hits) != 1 or parts[hits[0]].count(needle) != 1:
            return False
        data = parts[hits[0]]
        at = data.index(needle)
        tag = _TAG.search(data, max(0, at - 128), at)
        if tag is None or _BDC.match(data, at + len(needle)) is None:
            return False
        parts[hits[0]] = data[:tag.start()] + ARTIFACT + data[at + len(needle):]
        changed.add(hits[0])
    for i in changed:
        streams[i].write(parts[i])
    return True


def _rewrite_parsed(pdf: Pdf, page: Any, orphans: set[int], done: Completed) -> None:
    """The same with pikepdf's content-stream parser: orphans become artifacts, and each
    painting operator outside marked content is wrapped (a path from its first construction
    operator on, since nothing may come between a path's construction and its painting)."""
    out: list[Any] = []
    depth, path_start = 0, -1
    for inst in pikepdf.parse_content_stream(page):
        if isinstance(inst, pikepdf.ContentStreamInlineImage):
            if depth == 0:
                out.extend([_bmc(), inst, _emc()])
                done.wrapped += 1
            else:
                out.append(inst)
            continue
        op = str(inst.operator)
        operands = list(inst.operands)
        if op == "BDC" and isinstance(operands[-1], Dictionary) \
                and int(operands[-1].get("/MCID", -1)) in orphans:
            inst = pikepdf.ContentStreamInstruction(
                [Name.Artifact, Dictionary(Type=Name.Pagination)], pikepdf.Operator("BDC"))
            done.artifacts += 1
        depth += 1 if op in ("BDC", "BMC") else -1 if op == "EMC" else 0
        if depth == 0 and op in _PATH_START and path_start < 0:
            path_start = len(out)
        if depth == 0 and op in _PATH_PAINT:
            if op != "n":
                at = path_start if path_start >= 0 else len(out)
                out[at:at] = [_bmc()]
                out.extend([inst, _emc()])
                done.wrapped += 1
            else:
                out.append(inst)
            path_start = -1
            continue
        if depth == 0 and (op in _TEXT_SHOW or op in ("Do", "sh")):
            out.extend([_bmc(), inst, _emc()])
            done.wrapped += 1
            continue
        out.append(inst)
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def _bmc() -> Any:
    return pikepdf.ContentStreamInstruction([Name.Artifact], pikepdf.Operator("BMC"))


def _emc() -> Any:
    return pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC"))


# --- Tables ------------------------------------------------------------------------------------

def _complete_table(table: Dictionary, done: Completed) -> None:
    """Dissolve anonymous `/Table`s inside `table`, put its caption first, give every `TH` a
    `/Scope` and every cell of a group row's rows that row's header. A table whose first
    header cell has a `/Scope` was completed before and is left as it is."""
    kids = _kids(table)
    roles = [_role(k) for k in kids]
    if "/Table" in roles:
        kids = _dissolve(kids, roles, done)
        roles = [_role(k) for k in kids]
        _set_kids(table, kids)
    if "/Caption" in roles[1:]:
        first = [k for k, r in zip(kids, roles) if r == "/Caption"]
        _set_kids(table, first + [k for k, r in zip(kids, roles) if r != "/Caption"])
        done.captions += 1
    rows = _rows(kids, roles)
    group_header: Any = None
    first_header = True
    for number, (group, cells) in enumerate(rows):
        cell_roles = [_role(c) for c in cells]
        headers = [_table_attributes(c) for c, r in zip(cells, cell_roles) if r == "/TH"]
        if first_header and headers:
            if "/Scope" in headers[0]:
                return  # completed before
            first_header = False
        scope = _scope(group, number, cell_roles)
        for header in headers:
            header.Scope = scope
        done.scopes += len(headers)
        if group != "/THead" and cell_roles == ["/TH"]:
            group_header = cells[0].get("/ID")
        elif group_header is not None:
            for cell, role in zip(cells, cell_roles):
                if role == "/TD":
                    _add_header(_table_attributes(cell), group_header)
                    done.group_headers += 1


def _add_header(attributes: Dictionary, header: Any) -> None:
    """Put the ID `header` first in the `/Headers` of a cell's `attributes`."""
    headers = attributes.get("/Headers")
    if isinstance(headers, Array):
        headers.insert(0, header)
    else:
        attributes.Headers = Array([header])


def _dissolve(kids: list[Any], roles: list[str], done: Completed) -> list[Any]:
    """`kids` with each `/Table` among them (an anonymous table box) replaced by its own
    kids, recursively."""
    out: list[Any] = []
    for k, role in zip(kids, roles):
        if role == "/Table":
            inner = _kids(k)
            out.extend(_dissolve(inner, [_role(i) for i in inner], done))
            done.tables += 1
        else:
            out.append(k)
    return out


def _scope(group: str, number: int, roles: list[str]) -> Name:
    """The `/Scope` of the header cells of row `number` of `group`: `/Column` in a header
    row (in `THead`, or the first row of a table without one, holding only `TH`s), `/Row`
    for a row's header (beside data cells) and for a group row's lone header."""
    if group == "/THead":
        return Name.Column
    if "/TD" in roles:
        return Name.Row
    lone = len(roles) == 1 and (group in ("/TBody", "/TFoot") or number > 0)
    return Name.Row if lone else Name.Column


def _rows(kids: list[Any], roles: list[str]) -> list[tuple[str, list[Any]]]:
    """A table's rows (from its kids and their roles) as (the group they are in: `/THead`,
    `/TBody`, `/TFoot` or "", their cells)."""
    out: list[tuple[str, list[Any]]] = []
    for k, role in zip(kids, roles):
        if role == "/TR":
            out.append(("", _kids(k)))
        elif role in GROUPS:
            out.extend((role, _kids(r)) for r in _kids(k) if _role(r) == "/TR")
    return out


def _table_attributes(cell: Dictionary) -> Dictionary:
    """The cell's attribute dictionary of owner `/Table` (made when it has none)."""
    a = cell.get("/A")
    if isinstance(a, Dictionary) and a.get("/O") == Name.Table:
        return a  # WeasyPrint's
    for d in (a if isinstance(a, Array) else []):
        if isinstance(d, Dictionary) and d.get("/O") == Name.Table:
            return d
    d = Dictionary(O=Name.Table)
    if a is None:
        cell.A = d
    else:
        cell.A = Array([*(a if isinstance(a, Array) else [a]), d])
    return d


# --- Lists --------------------------------------------------------------------------------

def _complete_list(lst: Dictionary, done: Completed) -> None:
    """`L > Div > LI(LBody term) LI(LBody description)` (a `<dl>` whose terms are grouped
    with their descriptions in `<div>`s) → `L > LI > Lbl(term) LBody(description)`."""
    for div in _elements(lst):
        if div.get("/S") != Name.Div:
            continue
        items = _elements(div)
        if not items or any(i.get("/S") != Name.LI for i in items) \
                or len(_kids(div)) != len(items):
            continue
        bodies = [b for i in items for b in _elements(i)]
        if len(bodies) not in (1, 2) or len(bodies) != sum(len(_kids(i)) for i in items) \
                or any(b.get("/S") != Name.LBody for b in bodies):
            continue  # not one term with (at most) one description
        div.S = Name.LI
        bodies[0].S = Name.Lbl
        _set_kids(div, bodies)
        done.list_items += 1


# --- Language -----------------------------------------------------------------------------

def _complete_lang(pdf: Pdf, tops: list[Dictionary], lang: str | None,
                   done: Completed) -> None:
    """`/Lang` on the catalogue (when missing), on the `Document` element and on each of its
    children (the parts' top elements) that has none."""
    language = lang or str(pdf.Root.get("/Lang", ""))
    if not language:
        return
    if not str(pdf.Root.get("/Lang", "")):
        pdf.Root.Lang = pikepdf.String(language)
        done.languages += 1
    for e in tops:
        if "/Lang" not in e:
            e.Lang = pikepdf.String(language)
            done.languages += 1
