"""Splicing parts into a long catalogue as an incremental update (PDF 32000-1 §7.5.6).

`pdf_merge.splice` used to open the previous `katalog.pdf` with pikepdf, change it and save
it whole: at 1,500 pages (≈ 287,000 objects) qpdf took ≈ 0.5 s to resolve the structure
elements it walked, ≈ 1.2 s to make the first new object (qpdf counts every object of the
file first) and ≈ 1.2 s to write everything again. Here the previous file is only *read*
(a few dozen of its objects are resolved), everything new is made in a small scratch PDF,
and the new and changed objects are appended to the previous bytes with a cross-reference
stream whose `/Prev` points at the previous one: the same document as a whole rewrite
(the same objects, `tests/test_pdf_merge.py`), in ≈ 0.45 s.

What the update holds: the new parts' pages, their resources, structure elements and
parent-tree entries (with each page's old stamp drawn over it), and new versions of the
old objects that change: the page tree's root (its `/Kids`), the `Document` element (its
`/K`), the parent tree's leaves that hold the new parts' keys (`pdf_merge._parent_tree`
keeps the tree in leaves of 64 keys for this), the named destinations and the outline (all
its items, since they point at pages): ≈ 220 KB at 500 proposals. The old parts' objects stay in the file, unreferenced, until the next
whole write (`growth`, `pdf_merge.GROWTH`). Anything this does not expect (a page tree
that is not flat, a new part with another number of parent-tree keys than the old one, a
filter qpdf would re-encode) raises `Unsupported`, and the caller writes the file whole.

New objects are serialized with qpdf's own `unparse`, their references renumbered with
one regular expression that skips strings (qpdf escapes every parenthesis in a literal
string, so a string is `(` … `)` with no unescaped parenthesis inside); streams without a
filter are compressed with zlib as qpdf's `compress_streams` does.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from typing import Any, Sequence

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

from . import pdf_tags

Ref = tuple[int, int]


class Unsupported(Exception):
    """The previous file or a part is not as `splice` expects: write the file whole."""


_TOKENS = re.compile(rb"\((?:[^\\()]|\\.)*\)|(\d+) (\d+) R", re.S)
_REFS = re.compile(rb"(\d+) (\d+) R")
_HOLE = re.compile(rb"/KatalogHole(\d+)")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*\Z")
_PREV = re.compile(rb"/Prev (\d+)")
_OBJ = re.compile(rb"(\d+) (\d+) obj\s*<<")
_KEEP_FILTERS = frozenset({"/FlateDecode", "/DCTDecode", "/JPXDecode", "/CCITTFaxDecode",
                           "/JBIG2Decode"})
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
PER_STREAM = 100  # objects per object stream, as qpdf makes them


def growth(data: bytes) -> float:
    """How much `data` has grown by incremental updates since it was last written whole
    (0.0 for a file without any; a large number for one this cannot read)."""
    base = _base_size(data)
    return len(data) / base - 1 if base else float("inf")


def _base_size(data: bytes) -> int:
    """The size of the file before its first incremental update (0: unreadable)."""
    m = _STARTXREF.search(data, max(0, len(data) - 64))
    if m is None:
        return 0
    offset = int(m[1])
    for _ in range(10_000):
        head = data[offset:offset + 2048]
        end = head.find(b"stream")
        prev = _PREV.search(head, 0, end if end >= 0 else len(head))
        if prev is None:
            eof = data.find(b"%%EOF", offset)
            if eof < 0:
                return 0
            end = eof + 5
            while end < len(data) and data[end] in b"\r\n":
                end += 1
            return end
        offset = int(prev[1])
    return 0


def _refs(text: bytes) -> list[Ref]:
    return [(int(m[1]), int(m[2])) for m in _REFS.finditer(text)]


class _Update:
    """The objects of one incremental update: new versions of old objects (by their number
    in the previous file) and new objects made in `patch`, numbered from the previous
    file's `/Size` on when something refers to them."""

    def __init__(self, out: Pdf, previous: bytes) -> None:
        self.out = out
        self.previous = previous
        self.patch = Pdf.new()
        self.size = int(out.trailer.Size)
        self.stand_ins: dict[Ref, Ref] = {}  # patch object → the old object it stands for
        self._stand_in_of: dict[Ref, Any] = {}
        self.numbers: dict[Ref, int] = {}  # patch object → its number in the file
        self.queue: list[Ref] = []
        self.holes: list[bytes] = []
        self.old_objects: dict[int, bytes] = {}  # number → new text of an old object

    def old(self, objgen: Ref) -> Any:
        """A stand-in in `patch` for the previous file's object `objgen`."""
        if objgen[1] != 0:
            raise Unsupported("an object of generation other than 0")
        made = self._stand_in_of.get(objgen)
        if made is None:
            made = self.patch.make_indirect(Dictionary(KatalogStandIn=objgen[0]))
            self._stand_in_of[objgen] = made
            self.stand_ins[made.objgen] = objgen
        return made

    def hole(self, text: bytes) -> Name:
        """A name to put where `text` goes in an old object (filled in when written)."""
        self.holes.append(text)
        return Name(f"/KatalogHole{len(self.holes) - 1}")

    def text(self, text: bytes) -> bytes:
        """`text` (unparsed from `patch`) with its references renumbered for the file."""
        return _TOKENS.sub(self._renumber, text)

    def _renumber(self, m: re.Match[bytes]) -> bytes:
        if m[1] is None:
            return m[0]
        objgen = (int(m[1]), int(m[2]))
        old = self.stand_ins.get(objgen)
        if old is not None:
            return b"%d %d R" % old
        number = self.numbers.get(objgen)
        if number is None:
            number = self.size + len(self.numbers)
            self.numbers[objgen] = number
            self.queue.append(objgen)
        return b"%d 0 R" % number

    def replace(self, obj: Any) -> None:
        """Write `obj`, an old object changed in place (holes filled), under its number."""
        if obj.objgen[1] != 0:
            raise Unsupported("an object of generation other than 0")
        text = _HOLE.sub(lambda m: self.holes[int(m[1])], obj.unparse(resolved=True))
        self.old_objects[obj.objgen[0]] = text

    def write(self) -> bytes:
        """The previous file with this update appended."""
        objects: dict[int, bytes] = dict(self.old_objects)
        streams: list[tuple[int, bytes, bytes]] = []
        done = 0
        while done < len(self.queue):
            objgen = self.queue[done]
            done += 1
            obj = self.patch.get_object(objgen)
            number = self.numbers[objgen]
            if isinstance(obj, pikepdf.Stream):
                streams.append((number, *self._stream(obj)))
            else:
                objects[number] = self.text(obj.unparse(resolved=True))
        buf = io.BytesIO()
        buf.write(self.previous)
        if not self.previous.endswith(b"\n"):
            buf.write(b"\n")
        entries: dict[int, tuple[int, int, int]] = {}  # number → (type, field 2, field 3)
        for number, head, raw in streams:
            entries[number] = (1, buf.tell(), 0)
            buf.write(b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (number, head, raw))
        next_number = self.size + len(self.numbers)
        numbers = sorted(objects)
        for start in range(0, len(numbers), PER_STREAM):
            chunk = numbers[start:start + PER_STREAM]
            stream_number = next_number
            next_number += 1
            offsets, body = [], io.BytesIO()
            for index, number in enumerate(chunk):
                offsets.append(b"%d %d" % (number, body.tell()))
                body.write(objects[number])
                body.write(b"\n")
                entries[number] = (2, stream_number, index)
            header = b" ".join(offsets) + b"\n"
            data = zlib.compress(header + body.getvalue())
            entries[stream_number] = (1, buf.tell(), 0)
            buf.write(b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode "
                      b"/Length %d >>\nstream\n%s\nendstream\nendobj\n"
                      % (stream_number, len(chunk), len(header), len(data), data))
        xref_number = next_number
        xref_offset = buf.tell()
        entries[xref_number] = (1, xref_offset, 0)
        self._xref(buf, entries, xref_number, xref_offset)
        return buf.getvalue()

    def _stream(self, obj: Any) -> tuple[bytes, bytes]:
        """A new stream's dictionary and data, compressed as qpdf's `compress_streams`
        would (a stream without filters gets `/FlateDecode`; metadata stays plain)."""
        raw = obj.read_raw_bytes()
        filters = obj.get("/Filter")
        names = [str(f) for f in (filters if isinstance(filters, Array) else
                                  [filters] if filters is not None else [])]
        if any(n not in _KEEP_FILTERS for n in names):
            raise Unsupported(f"a stream filtered with {names}")
        d = obj.stream_dict
        if not names and d.get("/Type") != Name.Metadata:
            raw = zlib.compress(raw)
            d.Filter = Name.FlateDecode
            if "/DecodeParms" in d:
                del d["/DecodeParms"]
        d.Length = len(raw)
        return self.text(d.unparse()), raw

    def _xref(self, buf: io.BytesIO, entries: dict[int, tuple[int, int, int]],
              xref_number: int, xref_offset: int) -> None:
        trailer = self.out.trailer
        numbers = sorted(entries)
        index: list[int] = []
        for number in numbers:
            if index and index[-2] + index[-1] == number:
                index[-1] += 1
            else:
                index += [number, 1]
        width = max(4, (xref_offset.bit_length() + 7) // 8)
        rows = b"".join(bytes([kind]) + a.to_bytes(width, "big") + b.to_bytes(2, "big")
                        for kind, a, b in (entries[n] for n in numbers))
        data = zlib.compress(rows)
        prev = _STARTXREF.search(self.previous, max(0, len(self.previous) - 64))
        assert prev is not None  # checked by `growth` before
        keys = [b"/Type /XRef", b"/Size %d" % (xref_number + 1),
                b"/Index [ %s ]" % b" ".join(b"%d" % i for i in index),
                b"/W [ 1 %d 2 ]" % width, b"/Prev %s" % prev[1],
                b"/Root %d %d R" % trailer.Root.objgen]
        if "/Info" in trailer:
            keys.append(b"/Info %d %d R" % trailer.Info.objgen)
        ids = trailer.get("/ID")
        if isinstance(ids, Array) and len(ids) == 2:
            update = hashlib.md5(buf.getbuffer()[len(self.previous):]).hexdigest()
            keys.append(b"/ID [ <%s> <%s> ]" % (bytes(ids[0]).hex().encode(), update.encode()))
        keys += [b"/Filter /FlateDecode", b"/Length %d" % len(data)]
        buf.write(b"%d 0 obj\n<< %s >>\nstream\n%s\nendstream\nendobj\n"
                  % (xref_number, b" ".join(keys), data))
        buf.write(b"startxref\n%d\n%%%%EOF\n" % xref_offset)


def splice(previous: bytes, replacements: Sequence[tuple[int, Any]],
           bookmarks: Sequence[Any]) -> bytes:
    """`pdf_merge.splice` as an incremental update of `previous` (see the module's text)."""
    from .pdf_merge import STAMP, _dests, _draw_stamp, _nums, _open, _renumber

    out = _open(previous)
    up = _Update(out, previous)
    root = out.Root
    pages_root = root.Pages
    page_kids = pages_root.Kids
    page_refs = _refs(page_kids.unparse())
    if len(page_refs) != len(out.pages) or len(page_refs) != len(page_kids):
        raise Unsupported("a page tree that is not flat")
    page_index = {r: i for i, r in enumerate(page_refs)}
    struct = root.StructTreeRoot
    if not isinstance(struct.K, Array) or len(struct.K) != 1:
        raise Unsupported("not one Document element")
    document = struct.K[0]
    kid_refs = _refs(document.K.unparse())
    nodes = _tree_nodes(out, struct.ParentTree)
    lang = str(root.get("/Lang", "")) or None
    names = root.get("/Names")
    if names is None or "/Dests" not in names or "/Kids" in names.Dests \
            or "/Outlines" not in root or not root.Outlines.is_indirect:
        raise Unsupported("no flat named destinations or no outline")
    if set(root.Outlines.keys()) - {"/Type", "/First", "/Last", "/Count"}:
        raise Unsupported("an outline with other entries")

    gone: set[Ref] = set()
    new_pages: dict[int, Any] = {}  # page index → the new page (in patch)
    kid_spans: list[tuple[int, int, list[Any]]] = []
    num_spans: list[tuple[int, int, list[tuple[int, Any]]]] = []
    new_dests: list[tuple[str, Any]] = []
    document_stand_in = up.old(document.objgen)
    pages_stand_in = up.old(pages_root.objgen)
    for first, source in replacements:
        count = source.pages
        olds = [out.pages[first + i].obj for i in range(count)]
        if [o.objgen for o in olds] != page_refs[first:first + count]:
            raise Unsupported("pages out of step with the page tree")
        gone.update(o.objgen for o in olds)
        forms = [o.Resources.XObject[STAMP].objgen for o in olds]
        keys = sorted(int(x[f]) for o in olds for x, f in
                      [(o, "/StructParents")] + [(a, "/StructParent") for a in
                                                 o.get("/Annots", Array())] if f in x)
        k0 = keys[0] if keys else 0
        if keys != list(range(k0, k0 + len(keys))):
            raise Unsupported("the old pages' parent-tree keys are not consecutive")

        pdf = _open(source.data)
        if any(k in pdf.Root.Pages for k in _INHERITED):
            raise Unsupported("a part whose pages inherit attributes")
        pages = [pdf.pages[i] for i in range(count)]
        # The old stamps drawn first (a stand-in form each) and then the structure completed,
        # in the order `assemble` does it, so a page whose content `complete` parses again
        # comes out the same.
        stamps = []
        for page in pages:
            stamps.append(pikepdf.Stream(pdf, b""))
            _draw_stamp(pdf, page, stamps[-1])
        pdf_tags.complete(pdf, lang, pages=range(count))
        src_nums = _nums(pdf)
        kept = {p.objgen for p in pages}
        tops = [k for k in pdf.Root.StructTreeRoot.K[0].K if "/Pg" in k and k.Pg.objgen in kept]
        for top in tops:
            del top["/P"]
        entries: list[tuple[int, Any]] = []
        key = k0
        for page in pages:
            key = _renumber(page, src_nums, entries, key)
        if key - k0 != len(keys):
            raise Unsupported("the new part has another number of parent-tree keys")
        named = [(n, d) for n, d in _dests(pdf) if d[0].objgen in kept]
        at = len(up.patch.pages)
        for page in pages:
            up.patch.pages.append(page)
        bundle = pdf.make_indirect(Array([Array(tops), Array([v for _, v in entries]),
                                          Array([d for _, d in named])]))
        copied = up.patch.copy_foreign(bundle)
        for i in range(count):
            page = up.patch.pages[at + i]
            page.obj.Parent = pages_stand_in
            stamp = page.obj.Resources.XObject[STAMP]
            if forms[i][1] != 0 or stamp.objgen in up.stand_ins:
                raise Unsupported("stamps not as assembled")
            up.stand_ins[stamp.objgen] = forms[i]
            new_pages[first + i] = page.obj
        for c in copied[0]:
            c.P = document_stand_in
        lo, hi = _kid_span(out, kid_refs, page_index, first, count)
        kid_spans.append((lo, hi, list(copied[0])))
        num_spans.append((k0, k0 + len(keys), [(k, v) for (k, _), v in
                                                zip(entries, copied[1])]))
        new_dests.extend((n, d) for (n, _), d in zip(named, copied[2]))

    _dedupe_new_fonts(up, list(new_pages.values()))

    # The page tree's root: the new pages in place of the old ones.
    for index, page in new_pages.items():
        page_kids[index] = up.hole(up.text(page.unparse()))
    up.replace(pages_root)
    # The Document element: the new parts' top elements in place of the old ones'.
    kids = document.K
    for lo, hi, tops in sorted(kid_spans, key=lambda s: s[0], reverse=True):
        del kids[lo:hi]
        kids.insert(lo, up.hole(b" ".join(up.text(t.unparse()) for t in tops)))
    up.replace(document)
    # The parent tree: the new entries in place of the old ones (the same keys), in the
    # nodes that hold those keys.
    _replace_entries(up, nodes, num_spans)
    # The named destinations: the old parts' out, the new parts' in, sorted by name.
    dests: list[tuple[bytes, bytes]] = []
    for n, d in _dests(out):
        if d[0].objgen not in gone:
            dests.append((n.encode("utf-8"), pikepdf.String(n).unparse() + b" " + d.unparse()))
    for n, d in new_dests:
        dests.append((n.encode("utf-8"),
                      pikepdf.String(n).unparse() + b" " + up.text(d.unparse())))
    dests.sort(key=lambda nd: nd[0])
    dests_obj = names.Dests
    if dests_obj.objgen[1] != 0 or not dests_obj.is_indirect:
        raise Unsupported("named destinations not in an object of their own")
    up.old_objects[dests_obj.objgen[0]] = b"<< /Names [ %s ] >>" % b" ".join(t for _, t in dests)
    # The outline, made again (its items point at pages).
    _outline(up, root.Outlines, bookmarks, page_refs, new_pages)
    return up.write()


def _tree_nodes(out: Pdf, tree: Any) -> list[tuple[Any, int]]:
    """The parent tree's nodes that hold entries, each with the chunk of keys it holds
    (`pdf_merge._parent_tree`: -1 for a tree of one node, else key // `LEAF`)."""
    from .pdf_merge import LEAF

    if "/Kids" not in tree:
        if "/Nums" not in tree:
            raise Unsupported("a parent tree without entries")
        return [(tree, -1)]
    nodes = []
    for ref in _refs(tree.Kids.unparse()):
        leaf = out.get_object(ref)
        limits = leaf.get("/Limits")
        if "/Kids" in leaf or "/Nums" not in leaf or not isinstance(limits, Array) \
                or int(limits[0]) // LEAF != int(limits[1]) // LEAF:
            raise Unsupported("a parent tree not as assembled")
        nodes.append((leaf, int(limits[0]) // LEAF))
    return nodes


def _replace_entries(up: _Update, nodes: list[tuple[Any, int]],
                     spans: list[tuple[int, int, list[tuple[int, Any]]]]) -> None:
    """Write the parent-tree nodes that hold keys of `spans` (from, to, new entries) again,
    with the new entries in place of the old ones."""
    from .pdf_merge import LEAF

    for node, chunk in nodes:
        def mine(key: int, chunk: int = chunk) -> bool:
            return chunk < 0 or key // LEAF == chunk

        if not any(mine(k) for k0, k1, _ in spans for k in range(k0, k1)):
            continue
        flat = node.Nums
        kept = []
        for i in range(0, len(flat), 2):
            key = int(flat[i])
            if not any(k0 <= key < k1 for k0, k1, _ in spans):
                kept.append((key, flat[i + 1].unparse()))
        new = [(k, up.text(v.unparse())) for _, _, entries in spans for k, v in entries
               if mine(k)]
        entries = sorted(kept + new, key=lambda kv: kv[0])
        if not entries:
            raise Unsupported("a leaf of the parent tree left empty")
        text = b" ".join(b"%d %s" % kv for kv in entries)
        if node.objgen[1] != 0 or set(node.keys()) - {"/Limits", "/Nums"}:
            raise Unsupported("a parent-tree node not as assembled")
        limits = b"/Limits [ %d %d ] " % (entries[0][0], entries[-1][0]) if chunk >= 0 else b""
        up.old_objects[node.objgen[0]] = b"<< %s/Nums [ %s ] >>" % (limits, text)
    covered = {chunk for _, chunk in nodes}
    for _, _, entries in spans:
        if any(-1 not in covered and k // LEAF not in covered for k, _ in entries):
            raise Unsupported("a new entry where the parent tree has no leaf")


def _kid_span(out: Pdf, kid_refs: list[Ref], page_index: dict[Ref, int], first: int,
              count: int) -> tuple[int, int]:
    """The `Document` element's kids on pages `first` to `first + count - 1`: kids are in
    page order (`assemble` puts each part's top elements after the last part's), so two
    binary searches find them, resolving a few kids instead of all."""
    memo: dict[int, int] = {}

    def page_of(i: int) -> int:
        if i not in memo:
            kid = out.get_object(kid_refs[i])
            pg = kid.get("/Pg") if isinstance(kid, Dictionary) else None
            if pg is None or pg.objgen not in page_index:
                raise Unsupported("a top structure element without its page")
            memo[i] = page_index[pg.objgen]
        return memo[i]

    def search(page: int) -> int:
        lo, hi = 0, len(kid_refs)
        while lo < hi:
            mid = (lo + hi) // 2
            if page_of(mid) < page:
                lo = mid + 1
            else:
                hi = mid
        return lo

    lo, hi = search(first), search(first + count)
    if any(not first <= page_of(i) < first + count for i in range(lo, hi)) \
            or lo > 0 and page_of(lo - 1) >= first \
            or hi < len(kid_refs) and page_of(hi) < first + count:
        raise Unsupported("top structure elements out of page order")
    return lo, hi


def _dedupe_new_fonts(up: _Update, pages: list[Any]) -> None:
    """Let the new pages' embedded font programs be one object when they are the same
    (`pdf_merge._dedupe_fonts`), and an old one when the previous file has the same
    program: its stream objects of the same length are found in its bytes and compared."""
    from .pdf_merge import font_programs

    first: dict[bytes, Any] = {}
    uses: list[tuple[Any, str, bytes]] = []
    lengths: dict[bytes, int] = {}
    for descriptor, field, program in font_programs(pages):
        raw = program.read_raw_bytes()
        digest = hashlib.sha256(raw).digest()
        lengths[digest] = len(raw)
        uses.append((descriptor, field, digest))
        first.setdefault(digest, program)
    if not uses:
        return
    olds = _old_programs(up, lengths)
    for descriptor, field, digest in uses:
        descriptor[field] = olds[digest] if digest in olds else first[digest]


def _old_programs(up: _Update, lengths: dict[bytes, int]) -> dict[bytes, Any]:
    """Stand-ins for the previous file's streams whose data is one of the programs of
    `lengths` (digest → raw length)."""
    wanted = {length for length in lengths.values()}
    pattern = re.compile(rb"/Length (%s)[\s/>]" % b"|".join(b"%d" % n for n in sorted(wanted)))
    found: dict[bytes, Any] = {}
    data = up.previous
    for m in pattern.finditer(data):
        start = data.rfind(b"obj", max(0, m.start() - 512), m.start())
        head = data.rfind(b"\n", max(0, start - 32), start) + 1 if start >= 0 else -1
        o = _OBJ.match(data, head) if head >= 0 else None
        if o is None:
            continue
        objgen = (int(o[1]), int(o[2]))
        try:
            obj = up.out.get_object(objgen)
        except Exception:  # noqa: BLE001 - not an object after all
            continue
        if not isinstance(obj, pikepdf.Stream):
            continue
        digest = hashlib.sha256(obj.read_raw_bytes()).digest()
        if digest in lengths and digest not in found:
            found[digest] = up.old(objgen)
    return found


def _outline(up: _Update, outlines: Any, bookmarks: Sequence[Any], page_refs: list[Ref],
             new_pages: dict[int, Any]) -> None:
    """The outline made again in `patch` (as `pdf_merge._outline` makes it), written in
    place of the old one."""
    patch = up.patch
    mine = patch.make_indirect(Dictionary(Type=Name.Outlines) if "/Type" in outlines
                               else Dictionary())
    patch.Root.Outlines = mine
    up.stand_ins[mine.objgen] = outlines.objgen
    with patch.open_outline() as outline:
        stack: list[tuple[int, Any]] = []
        for b in bookmarks:
            page = new_pages.get(b.page)
            if page is None:
                page = up.old(page_refs[b.page])
            item = pikepdf.OutlineItem(b.title, Array([page, Name.XYZ, b.x, b.y, 0]))
            while stack and stack[-1][0] >= b.level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((b.level, item))
    if outlines.objgen[1] != 0:
        raise Unsupported("an outline of generation other than 0")
    up.old_objects[outlines.objgen[0]] = up.text(mine.unparse(resolved=True))
