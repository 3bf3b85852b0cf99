"""A pikepdf walk of the PDF/UA-1 rules katalog's PDFs must meet, stricter than the `pdfua`
package where that one only warns (every `TH` needs a `/Scope`, not just one per table) and
covering what it does not check (table and list nesting, the parent tree both ways, artifacts
inside tagged content, link elements, embedded fonts, heading levels).

`problems(pdf)` returns one line per violation, prefixed with the rule's name (the clause of
ISO 14289-1 / ISO 32000-1 it comes from in brackets); an empty list means the file passes.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

PAINTING = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "Tj", "TJ", "'", '"',
                      "Do", "sh", "EI"})
BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
# which structure types may hold which (PDF 1.7 §14.8.4, as PAC checks them)
CHILDREN = {
    "/Table": {"/THead", "/TBody", "/TFoot", "/TR", "/Caption"},
    "/THead": {"/TR"}, "/TBody": {"/TR"}, "/TFoot": {"/TR"},
    "/TR": {"/TH", "/TD"},
    "/L": {"/LI", "/L", "/Caption"},
    "/LI": {"/Lbl", "/LBody"},
}
PARENTS = {
    "/TR": {"/Table", "/THead", "/TBody", "/TFoot"},
    "/TH": {"/TR"}, "/TD": {"/TR"},
    "/THead": {"/Table"}, "/TBody": {"/Table"}, "/TFoot": {"/Table"},
    "/LI": {"/L"}, "/Lbl": {"/LI"}, "/LBody": {"/LI"},
}


def problems(pdf: Pdf) -> list[str]:
    """Every violation found in `pdf`, as text."""
    tree = _Tree(pdf)
    found = [*_document(pdf), *tree.problems, *_nesting(tree), *_scopes(tree),
             *_headings(tree), *_content_and_parent_tree(pdf, tree), *_annotations(pdf, tree),
             *_fonts(pdf)]
    return found


class _Tree:
    """The structure tree walked once: elements in document order with their parents."""

    def __init__(self, pdf: Pdf) -> None:
        self.elements: list[Dictionary] = []
        self.parent: dict[tuple[int, int], Dictionary | None] = {}
        self.problems: list[str] = []
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            self.problems.append("structure [7.1]: no /StructTreeRoot")
            return
        stack: list[tuple[Any, Dictionary]] = [(k, root) for k in reversed(_kids(root))]
        while stack:
            node, parent = stack.pop()
            if not isinstance(node, Dictionary) or node.get("/Type") in ("/MCR", "/OBJR"):
                continue
            if node.objgen in self.parent:
                self.problems.append(f"structure [7.1]: {node.get('/S')} is in the tree twice")
                continue
            self.parent[node.objgen] = parent
            self.elements.append(node)
            if node.get("/P") is None or node.P.objgen != parent.objgen:
                self.problems.append(f"structure [7.1]: {node.get('/S')}'s /P is not its parent")
            stack.extend((k, node) for k in reversed(_kids(node)))

    def role(self, e: Any) -> str:
        return str(e.get("/S", "")) if isinstance(e, Dictionary) else ""

    def children(self, e: Dictionary) -> list[Dictionary]:
        return [k for k in _kids(e) if isinstance(k, Dictionary)
                and k.get("/Type") not in ("/MCR", "/OBJR")]


def _kids(e: Dictionary) -> list[Any]:
    k = e.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def _document(pdf: Pdf) -> Iterator[str]:
    root = pdf.Root
    lang = str(root.get("/Lang", ""))
    if not BCP47.match(lang):
        yield f"language [7.2]: the catalogue's /Lang is {lang!r}"
    if not bool(root.get("/MarkInfo", Dictionary()).get("/Marked", False)):
        yield "marked [6.2]: /MarkInfo /Marked is not true"
    if not bool(root.get("/ViewerPreferences", Dictionary()).get("/DisplayDocTitle", False)):
        yield "title [7.1]: /ViewerPreferences /DisplayDocTitle is not true"
    info = pdf.trailer.get("/Info", Dictionary())
    if not str(info.get("/Title", "")).strip():
        yield "title [7.1]: no /Title in the document information"
    with pdf.open_metadata() as meta:
        if not str(meta.get("dc:title", "")).strip():
            yield "title [7.1]: no dc:title in the XMP metadata"
        if str(meta.get("pdfuaid:part", "")) != "1":
            yield "identifier [5]: no pdfuaid:part 1 in the XMP metadata"


def _nesting(tree: _Tree) -> Iterator[str]:
    for e in tree.elements:
        role = tree.role(e)
        parent = tree.parent[e.objgen]
        if role in PARENTS and tree.role(parent) not in PARENTS[role]:
            yield f"nesting [7.2]: {role} inside {tree.role(parent) or 'the root'}"
        kids = tree.children(e)
        allowed = CHILDREN.get(role)
        if allowed is not None:
            for k in kids:
                if tree.role(k) not in allowed:
                    yield f"nesting [7.2]: {tree.role(k)} inside {role}"
        if role == "/Table":
            rows = [r for k in kids for r in ([k] if tree.role(k) == "/TR"
                                              else tree.children(k))
                    if tree.role(r) == "/TR"]
            if not rows:
                yield "table [7.5]: a /Table holds no /TR rows"
            captions = [i for i, k in enumerate(kids) if tree.role(k) == "/Caption"]
            if any(i not in (0, len(kids) - 1) for i in captions) or len(captions) > 1:
                yield "table [7.5]: a /Table's /Caption is not its first or last child"


def _attributes(e: Dictionary) -> list[Dictionary]:
    a = e.get("/A")
    if a is None:
        return []
    return [x for x in (a if isinstance(a, Array) else [a]) if isinstance(x, Dictionary)]


def _scopes(tree: _Tree) -> Iterator[str]:
    for e in tree.elements:
        if tree.role(e) != "/TH":
            continue
        scopes = [str(a.Scope) for a in _attributes(e)
                  if a.get("/O") == Name.Table and "/Scope" in a]
        if not scopes:
            yield "table [7.5]: a /TH has no /Scope"
        elif scopes[0] not in ("/Row", "/Column", "/Both"):
            yield f"table [7.5]: a /TH has /Scope {scopes[0]}"


def _headings(tree: _Tree) -> Iterator[str]:
    previous = 0
    for e in tree.elements:
        role = tree.role(e)
        if re.fullmatch(r"/H[1-6]", role):
            level = int(role[2])
            if not _has_content(tree, e):
                yield f"heading [7.4]: {role} is empty"
            if level > previous + 1:
                yield f"heading [7.4.2]: {role} follows H{previous}" if previous else \
                    f"heading [7.4.2]: the first heading is {role}"
            previous = level


def _has_content(tree: _Tree, e: Dictionary) -> bool:
    for k in _kids(e):
        if isinstance(k, int) or isinstance(k, Dictionary) and k.get("/Type") == "/MCR":
            return True
        if isinstance(k, Dictionary) and k.get("/Type") != "/OBJR" and _has_content(tree, k):
            return True
    return False


def _content_and_parent_tree(pdf: Pdf, tree: _Tree) -> Iterator[str]:
    """Content: nothing painted outside marked content, no artifact inside tagged content and
    no tagged content inside an artifact, every MCID once and owned by an element of the tree
    that lists it; the parent tree and the elements' MCIDs agree both ways."""
    in_tree = set(tree.parent)
    nums = _nums(pdf)
    owned: dict[tuple[tuple[int, int], int], tuple[int, int]] = {}
    for e in tree.elements:  # (page, MCID) → element, from the elements' /K
        for k in _kids(e):
            page = e.get("/Pg")
            mcid = k if isinstance(k, int) else None
            if isinstance(k, Dictionary) and k.get("/Type") == "/MCR":
                mcid, page = int(k.MCID), k.get("/Pg", page)
            if mcid is not None:
                if page is None:
                    yield "parent tree [7.1]: an element marks content without /Pg"
                    continue
                owned[(page.objgen, int(mcid))] = e.objgen
    seen_pages: set[tuple[int, int]] = set()
    for number, page in enumerate(pdf.pages, 1):
        seen_pages.add(page.obj.objgen)
        mcids, painting = _page_content(page, number)
        yield from painting
        key = page.obj.get("/StructParents")
        if mcids and key is None:
            yield f"parent tree [7.1]: page {number} has marked content but no /StructParents"
            continue
        entry = nums.get(int(key)) if key is not None else None
        for mcid in mcids:
            target = entry[mcid] if isinstance(entry, Array) and mcid < len(entry) else None
            if not isinstance(target, Dictionary) or target.objgen not in in_tree:
                yield f"parent tree [7.1]: MCID {mcid} on page {number} is not in the tree"
            elif owned.get((page.obj.objgen, mcid)) != target.objgen:
                yield (f"parent tree [7.1]: MCID {mcid} on page {number}: the parent tree "
                       "and the element's /K disagree")
        for (pg, mcid), _e in owned.items():
            if pg == page.obj.objgen and mcid not in mcids:
                yield f"parent tree [7.1]: an element marks MCID {mcid} absent from page {number}"
    if any(pg not in seen_pages for pg, _ in owned):
        yield "parent tree [7.1]: an element marks content on a page that is not in the file"


def _nums(pdf: Pdf) -> dict[int, Any]:
    root = pdf.Root.get("/StructTreeRoot")
    if root is None or "/ParentTree" not in root:
        return {}
    out: dict[int, Any] = {}
    stack = [root.ParentTree]
    while stack:  # a number tree: /Nums at the leaves, /Kids above
        node = stack.pop()
        flat = list(node.get("/Nums", Array()))
        out.update((int(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2))
        stack.extend(node.get("/Kids", Array()))
    return out


def _page_content(page: Any, number: int) -> tuple[set[int], list[str]]:
    """The MCIDs marked on `page` and the content problems found there."""
    found: list[str] = []
    mcids: Counter[int] = Counter()
    stack: list[str] = []  # "artifact", "tagged" or "other" for each open sequence
    for inst in pikepdf.parse_content_stream(page):
        if isinstance(inst, pikepdf.ContentStreamInlineImage):
            if not stack:
                found.append(f"content [7.1]: an inline image on page {number} is not marked")
            continue
        op = str(inst.operator)
        if op in ("BDC", "BMC"):
            props = inst.operands[1] if op == "BDC" and len(inst.operands) > 1 else None
            if str(inst.operands[0]) == "/Artifact":
                if "tagged" in stack:
                    found.append(f"content [7.1]: an artifact inside tagged content on page {number}")
                stack.append("artifact")
            elif isinstance(props, Dictionary) and "/MCID" in props:
                if "artifact" in stack:
                    found.append(f"content [7.1]: tagged content inside an artifact on page {number}")
                mcids[int(props.MCID)] += 1
                stack.append("tagged")
            else:
                stack.append("other")
        elif op == "EMC":
            if not stack:
                found.append(f"content [7.1]: EMC without BDC on page {number}")
            else:
                stack.pop()
        elif op in PAINTING and not any(s in ("artifact", "tagged") for s in stack):
            found.append(f"content [7.1]: {op} on page {number} is neither tagged nor an artifact")
    if stack:
        found.append(f"content [7.1]: a marked-content sequence on page {number} is not closed")
    found.extend(f"content [7.1]: MCID {m} is used {n} times on page {number}"
                 for m, n in mcids.items() if n > 1)
    return set(mcids), found


def _annotations(pdf: Pdf, tree: _Tree) -> Iterator[str]:
    nums = _nums(pdf)
    in_tree = set(tree.parent)
    for number, page in enumerate(pdf.pages, 1):
        if len(page.obj.get("/Annots", Array())) and page.obj.get("/Tabs") != Name.S:
            yield f"annotation [7.18.3]: page {number} has annotations but no /Tabs /S"
        for annot in page.obj.get("/Annots", Array()):
            subtype = str(annot.get("/Subtype", ""))
            if subtype == "/Popup":
                continue
            if subtype == "/Link" and not str(annot.get("/Contents", "")).strip():
                yield f"annotation [7.18.5]: a link on page {number} has no /Contents"
            key = annot.get("/StructParent")
            element = nums.get(int(key)) if key is not None else None
            if not isinstance(element, Dictionary) or element.objgen not in in_tree:
                yield f"annotation [7.18.1]: a {subtype} on page {number} is not in the tree"
                continue
            refs = [k for k in _kids(element) if isinstance(k, Dictionary)
                    and k.get("/Type") == "/OBJR" and k.Obj.objgen == annot.objgen]
            if not refs:
                yield f"annotation [7.18.1]: a {subtype}'s element on page {number} has no /OBJR"
            if subtype == "/Link" and str(element.get("/S")) != "/Link":
                yield f"annotation [7.18.5]: a link on page {number} is in a {element.get('/S')}"


def _fonts(pdf: Pdf) -> Iterator[str]:
    seen: set[tuple[int, int]] = set()
    stack = [page.obj.get("/Resources", Dictionary()) for page in pdf.pages]
    while stack:
        resources = stack.pop()
        if resources.objgen != (0, 0):
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        for font in resources.get("/Font", Dictionary()).values():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            if font.get("/Subtype") == "/Type3":
                continue
            descendants = font.get("/DescendantFonts", Array([font]))
            descriptor = descendants[0].get("/FontDescriptor")
            if descriptor is None or not any(f in descriptor for f in
                                             ("/FontFile", "/FontFile2", "/FontFile3")):
                yield f"fonts [7.21.4]: {font.get('/BaseFont')} is not embedded"
        for xobject in resources.get("/XObject", Dictionary()).values():
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                stack.append(xobject.Resources)


def figures(pdf: Path) -> list[str]:
    """/Alt of every Figure in the structure tree of the PDF at `pdf`."""
    found: list[str] = []
    with pikepdf.open(pdf) as doc:
        def walk(node: pikepdf.Object) -> None:
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid)
            elif isinstance(node, pikepdf.Dictionary):
                if node.get("/S") == "/Figure":
                    found.append(str(node.get("/Alt", "")))
                if "/K" in node:
                    walk(node["/K"])
        walk(doc.Root.StructTreeRoot)
    return found
