"""The Word contents, finished: page numbers filled in and no prompt to update fields.

Word asks the reader to update fields when settings.xml has `w:updateFields` or a field is
marked dirty, and LibreOffice shows a TOC field's entries exactly as they were written (so a
TOC field written by katalog has no page numbers there). So the contents katalog writes is
not a TOC field: each entry is a paragraph with a link to its heading's bookmark, a right tab
with a dotted leader and a `PAGEREF` field. LibreOffice computes PAGEREF fields whenever it
lays the document out (on screen, and when an agenda system converts the file to PDF), so
its numbers are always right; Word shows the result stored in the field.

`finish_contents` stores the numbers: it has LibreOffice headless convert the document to
PDF once (bookmarks exported as named destinations), reads the page of each bookmark, and
writes it as the result of the PAGEREF fields that point to it. Without LibreOffice the
results stay empty: still no prompt and no wrong number; LibreOffice shows the numbers, Word
after F9. It also turns an existing TOC field (as katalog wrote it until now, or as Word
writes it) into such entries, and removes `w:updateFields` and dirty flags.

`contents_elements` writes the entries directly while composing a document.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

from docx.opc.oxml import serialize_part_xml
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml

from .context import TEXT_WIDTH, Context
from .ooxml import Element, Node, el, node, paragraph, ppr, run
from .package import CONTENT_TYPES, Member, write_zip

DOCUMENT = "word/document.xml"
SETTINGS = "word/settings.xml"
STYLES = "word/styles.xml"
TIMEOUT = 1800.0  # seconds; LibreOffice lays out a 3,000-page catalogue in about 6 minutes

STATUS_NUMBERS = "indholdsfortegnelse med sidetal (LibreOffice)"
STATUS_NO_LIBREOFFICE = ("indholdsfortegnelse uden sidetal i Word: LibreOffice er ikke "
                         "installeret (LibreOffice viser sidetallene, Word efter F9)")
STATUS_SKIPPED = ("indholdsfortegnelse uden sidetal i Word: sidetallene blev ikke beregnet "
                  "(LibreOffice viser dem, Word efter F9)")
STATUS_FAILED = ("indholdsfortegnelse uden sidetal i Word: LibreOffice kunne ikke lægge "
                 "dokumentet op ({reason}); LibreOffice viser sidetallene, Word efter F9")
STATUS_SECTIONS = ("indholdsfortegnelse uden sidetal i Word: dokumentet har flere sektioner "
                   "med egen sidenummerering (LibreOffice viser sidetallene, Word efter F9)")
STATUS_NONE = "ingen indholdsfortegnelse"

_PAGEREF = re.compile(r"^\s*PAGEREF\s+(\S+)")
_TOC = re.compile(r"^\s*TOC\b")
_TOC_FIELD = re.compile(rb"<w:instrText[^>]*>\s*TOC\b")
# pPr children that come before w:tabs (ECMA-376 CT_PPrBase order)
_BEFORE_TABS = {qn(f"w:{t}") for t in ("pStyle", "keepNext", "keepLines", "pageBreakBefore",
                                       "framePr", "widowControl", "numPr",
                                       "suppressLineNumbers", "pBdr", "shd")}


# -- writing the entries ------------------------------------------------------------------


def pageref(anchor: str, number: str = "") -> list[Element]:
    """A `PAGEREF anchor \\h` field whose stored result is `number` (none when empty)."""
    result = [run(number)] if number else []
    return ['<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
            f'<w:r><w:instrText xml:space="preserve"> PAGEREF {anchor} \\h </w:instrText></w:r>',
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>', *result,
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>']


def _tabs(width: int) -> Element:
    return el("w:tabs", None, el("w:tab", {"w:val": "right", "w:leader": "dot",
                                           "w:pos": str(width)}))


def contents_elements(ctx: Context, entries: Sequence[tuple[int, str, str]],
                      title: str = "Indhold") -> list[Element]:
    """The contents as `compose` lists it, `(level, text, bookmark)` per entry: a heading
    ("TOC Heading", on a new page) and one "toc N" paragraph per entry with a link to the
    bookmark, a dotted right tab at the text width and a PAGEREF field (no TOC field)."""
    out = [paragraph(ppr(ctx.styles.para("TOC Heading"), page_break_before=True),
                     [run(title)])]
    tabs = _tabs(ctx.width)
    for level, text, name in entries:
        style = ctx.styles.para(f"toc {level}")
        props = el("w:pPr", None, *([el("w:pStyle", {"w:val": style})] if style else []), tabs)
        link = el("w:hyperlink", {"w:anchor": name, "w:history": "1"},
                  run(text), "<w:r><w:tab/></w:r>", *pageref(name))
        out.append(paragraph(props, [link]))
    return out


# -- reading and writing the package ------------------------------------------------------


@dataclass
class _Package:
    data: bytes
    when: datetime
    xml: bytes  # the document part as written
    settings: bytes | None
    styles: bytes | None
    _document: Node | None = None

    @classmethod
    def read(cls, data: bytes) -> "_Package":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            when = datetime(*z.infolist()[0].date_time, tzinfo=timezone.utc)
            return cls(data, when, z.read(DOCUMENT),
                       z.read(SETTINGS) if SETTINGS in names else None,
                       z.read(STYLES) if STYLES in names else None)

    @property
    def document(self) -> Node:
        """The document part, parsed when first needed (tens of MB for a big catalogue)."""
        if self._document is None:
            self._document = parse_xml(self.xml)
        return self._document

    def write(self, settings: bytes | None) -> bytes:
        """The package with the (parsed) document part and `settings` written anew; every
        other part's compressed bytes are copied as they are."""
        parts = {}
        if self._document is not None:
            parts[DOCUMENT] = serialize_part_xml(self._document)
        if settings is not None:
            parts[SETTINGS] = settings
        return write_zip(_members(self.data), parts, self.when)


def _members(data: bytes) -> list[Member]:
    """The package's entries with their compressed bytes as stored (deflated entries are
    copied, others compressed as katalog does), `[Content_Types].xml` first."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
                out.append(Member.of(info.filename, z.read(info.filename)))
                continue
            start = info.header_offset
            name_len, extra_len = struct.unpack("<HH", data[start + 26:start + 30])
            begin = start + 30 + name_len + extra_len
            out.append(Member(info.filename, info.CRC, info.file_size,
                              data[begin:begin + info.compress_size]))
    out.sort(key=lambda m: m.name != CONTENT_TYPES)
    return out


def _quiet_settings(blob: bytes | None) -> bytes | None:
    """settings.xml without `w:updateFields` (None when there is nothing to change)."""
    if blob is None or b"updateFields" not in blob:
        return None
    root = parse_xml(blob)
    for flag in root.findall(qn("w:updateFields")):
        root.remove(flag)
    return serialize_part_xml(root)


# -- fields ---------------------------------------------------------------------------------


@dataclass
class _Field:
    begin: Node  # the run holding fldChar begin
    instr: str
    instr_runs: list[Node]
    separate: Node | None = None
    end: Node | None = None


def _fields(root: Node) -> Iterator[_Field]:
    """Every complete complex field of the body, outer fields after the ones they hold."""
    stack: list[_Field] = []
    for item in root.iter(qn("w:fldChar"), qn("w:instrText")):
        r = item.getparent()
        if item.tag == qn("w:instrText"):
            if stack and stack[-1].separate is None:
                stack[-1].instr += item.text or ""
                stack[-1].instr_runs.append(r)
            continue
        kind = item.get(qn("w:fldCharType"))
        if kind == "begin":
            stack.append(_Field(r, "", []))
        elif kind == "separate" and stack:
            stack[-1].separate = r
        elif kind == "end" and stack:
            done = stack.pop()
            done.end = r
            yield done


def _undirty(root: Node) -> bool:
    """Drop every `w:dirty` flag (Word updates such a field on opening); whether any was."""
    found = False
    for item in root.iter(qn("w:fldChar"), qn("w:fldSimple")):
        if item.attrib.pop(qn("w:dirty"), None) is not None:
            found = True
    return found


def _remove_run(r: Node) -> None:
    """Remove a field character's run (or only the character, when the run holds more)."""
    parent = r.getparent()
    if r.tag != qn("w:r"):
        return
    content = [c for c in r if c.tag != qn("w:rPr")]
    if len(content) == 1 and parent is not None:
        parent.remove(r)
    else:
        for c in content:
            if c.tag in (qn("w:fldChar"), qn("w:instrText")):
                r.remove(c)


# -- turning a TOC field into entries -----------------------------------------------------


def _right_tab_styles(styles: bytes | None) -> set[str]:
    """Ids of paragraph styles that have (or inherit) a right tab stop."""
    if styles is None:
        return set()
    root = parse_xml(styles)
    based: dict[str, str] = {}
    own: set[str] = set()
    for style in root.findall(qn("w:style")):
        sid = style.get(qn("w:styleId"), "")
        base = style.find(qn("w:basedOn"))
        if base is not None:
            based[sid] = base.get(qn("w:val"), "")
        if any(t.get(qn("w:val")) == "right" for t in style.iter(qn("w:tab"))):
            own.add(sid)
    found = set()
    for sid in based.keys() | own:
        seen, cur = set(), sid
        while cur and cur not in seen:
            if cur in own:
                found.add(sid)
                break
            seen.add(cur)
            cur = based.get(cur, "")
    return found


def _text_width(root: Node) -> int:
    """Page width less the margins of the final section (twips)."""
    sect = root.find(f"{qn('w:body')}/{qn('w:sectPr')}")
    size = sect.find(qn("w:pgSz")) if sect is not None else None
    margins = sect.find(qn("w:pgMar")) if sect is not None else None
    if size is None or margins is None:
        return TEXT_WIDTH
    try:
        return (int(size.get(qn("w:w"), "")) - int(margins.get(qn("w:left"), ""))
                - int(margins.get(qn("w:right"), "")) - int(margins.get(qn("w:gutter"), "0")))
    except ValueError:
        return TEXT_WIDTH


def _add_tab(p: Node, width: int, tabbed: set[str]) -> None:
    """A right tab with dotted leader at the text width, unless the style has one."""
    props = p.find(qn("w:pPr"))
    if props is None:
        props = node("w:pPr")
        p.insert(0, props)
    style = props.find(qn("w:pStyle"))
    if props.find(qn("w:tabs")) is not None or \
            (style is not None and style.get(qn("w:val")) in tabbed):
        return
    index = 0
    for i, child in enumerate(props):
        if child.tag in _BEFORE_TABS:
            index = i + 1
    props.insert(index, node("w:tabs", None, node("w:tab", {
        "w:val": "right", "w:leader": "dot", "w:pos": str(width)})))


def _run_of(child: Node) -> Node:
    return node("w:r", None, child)


def _entry_runs(link: Node) -> None:
    """Give a hyperlinked entry a tab and a PAGEREF field, unless it has a field already."""
    if any(f for f in link.iter(qn("w:instrText")) if _PAGEREF.match(f.text or "")):
        return
    for tab in list(link.iter(qn("w:tab"))):  # an old tab without a number: drop it
        r = tab.getparent()
        r.getparent().remove(r)
    instr = node("w:instrText", {"xml:space": "preserve"})
    instr.text = f" PAGEREF {link.get(qn('w:anchor'), '')} \\h "
    for child in (node("w:tab"), node("w:fldChar", {"w:fldCharType": "begin"}), instr,
                  node("w:fldChar", {"w:fldCharType": "separate"}),
                  node("w:fldChar", {"w:fldCharType": "end"})):
        link.append(_run_of(child))


def _untoc(root: Node, styles: bytes | None) -> bool:
    """Turn TOC fields into plain entries with PAGEREF fields; whether there was one."""
    tocs = [f for f in _fields(root) if _TOC.match(f.instr)]
    if not tocs:
        return False
    width = _text_width(root)
    tabbed = _right_tab_styles(styles)
    for toc in tocs:
        first = toc.begin.getparent()
        last = toc.end.getparent() if toc.end is not None else first
        while first.tag != qn("w:p"):
            first = first.getparent()
        while last.tag != qn("w:p"):
            last = last.getparent()
        paragraphs = [first]
        while paragraphs[-1] is not last and paragraphs[-1].getnext() is not None:
            paragraphs.append(paragraphs[-1].getnext())
        for r in [toc.begin, *toc.instr_runs, toc.separate, toc.end]:
            if r is not None:
                _remove_run(r)
        for p in paragraphs:
            links = [h for h in p.iter(qn("w:hyperlink")) if h.get(qn("w:anchor"))]
            for link in links:
                _entry_runs(link)
            if links:
                _add_tab(p, width, tabbed)
            elif p.tag == qn("w:p") and not any(True for _ in p.iter(qn("w:t"))) \
                    and p.find(qn("w:r")) is None and p.getparent() is not None:
                p.getparent().remove(p)  # held only the field's characters
    return True


# -- page numbers ---------------------------------------------------------------------------


def _pagerefs(root: Node) -> list[tuple[str, _Field]]:
    out = []
    for f in _fields(root):
        m = _PAGEREF.match(f.instr)
        if m and f.separate is not None and f.end is not None \
                and f.separate.getparent() is f.end.getparent():
            out.append((m.group(1), f))
    return out


def _set_result(f: _Field, number: str) -> None:
    assert f.separate is not None and f.end is not None
    parent = f.separate.getparent()
    start, stop = parent.index(f.separate), parent.index(f.end)
    for old in list(parent)[start + 1:stop]:
        parent.remove(old)
    if number:
        text = node("w:t")
        text.text = number
        f.separate.addnext(_run_of(text))


def _first_page(root: Node) -> int | None:
    """The number of the first page (1, or the section's restart); None when the body has
    several sections and one of them restarts the numbering (not supported)."""
    body = root.find(qn("w:body"))
    if body is None:
        return 1
    sections = list(body.iter(qn("w:sectPr")))
    starts = [s.find(qn("w:pgNumType")) for s in sections]
    starts = [s.get(qn("w:start")) for s in starts if s is not None and s.get(qn("w:start"))]
    if len(sections) > 1 and starts:
        return None
    try:
        return int(starts[0]) if starts else 1
    except ValueError:
        return 1


def dest_name(bookmark: str) -> str:
    """A bookmark's name as LibreOffice writes it as a PDF named destination (letters,
    digits and `-` as they are, every other character as hex digits of its UTF-16 code)."""
    out = []
    for ch in bookmark:
        if ch.isascii() and (ch.isalnum() or ch == "-"):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"{code >> 8:02X}{code & 0xFF:02X}" if code > 0xFF else f"{code:02X}")
    return "".join(out)


class LayoutError(Exception):
    """LibreOffice did not lay the document out (the message says why, in Danish)."""


def libreoffice_pages(docx: bytes, bookmarks: Sequence[str], soffice: str,
                      timeout: float = TIMEOUT) -> dict[str, int]:
    """The physical page (1 = first) of each bookmark when LibreOffice lays `docx` out."""
    with tempfile.TemporaryDirectory(prefix="katalog-indhold-") as tmp:
        folder = Path(tmp)
        source = folder / "dokument.docx"
        source.write_bytes(docx)
        options = '{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
        command = [soffice, f"-env:UserInstallation={(folder / 'profil').as_uri()}",
                   "--headless", "--norestore", "--convert-to",
                   f"pdf:writer_pdf_Export:{options}", "--outdir", str(folder), str(source)]
        _run(command, folder, timeout)
        pdf = folder / "dokument.pdf"
        if not pdf.is_file():
            raise LayoutError("LibreOffice skrev ingen PDF")
        import pypdf  # ~0.1 s to import: only when the numbers are really computed

        try:
            return _pages_of(pypdf.PdfReader(pdf), bookmarks)
        except pypdf.errors.PyPdfError as exc:
            raise LayoutError(str(exc) or type(exc).__name__) from None


def _pages_of(reader: Any, bookmarks: Sequence[str]) -> dict[str, int]:
    dests = {str(k).lstrip("/"): v for k, v in reader.named_destinations.items()}
    pages = {}
    for name in bookmarks:
        dest = dests.get(dest_name(name), dests.get(name))
        if dest is not None:
            page = reader.get_destination_page_number(dest)
            if page is not None and page >= 0:
                pages[name] = page + 1
    return pages


def _run(command: list[str], home: Path, timeout: float) -> None:
    env = {**os.environ, "HOME": str(home)}
    with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, start_new_session=True) as proc:
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # soffice runs soffice.bin as its child
            proc.communicate()
            raise LayoutError(f"tog mere end {timeout:.0f} sekunder") from None
    if proc.returncode != 0:
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise LayoutError(f"afsluttede med kode {proc.returncode} {last[0]}".strip())


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# -- the whole step -------------------------------------------------------------------------


def finish_contents(docx: bytes, *, libreoffice: bool = True, soffice: str | None = None,
                    timeout: float = TIMEOUT) -> tuple[bytes, str]:
    """`docx` with a finished contents, and a short Danish status for the build summary.

    `libreoffice=False` skips the layout (stored numbers are kept as they are; new entries
    get none); when LibreOffice is missing or fails, no number is stored (none is better than
    a stale one). `soffice` is the LibreOffice program (default: found on PATH). Never raises for a
    LibreOffice problem: the status says what happened. Same input → same bytes.
    """
    package = _Package.read(docx)
    settings = _quiet_settings(package.settings)
    if not _TOC_FIELD.search(package.xml) and b"w:dirty=" not in package.xml \
            and (not libreoffice or b"PAGEREF" not in package.xml):
        # nothing to turn into entries, no flags, no numbers to compute: no parsing
        status = STATUS_SKIPPED if b"PAGEREF" in package.xml else STATUS_NONE
        return (docx if settings is None else package.write(settings)), status
    root = package.document
    _untoc(root, package.styles)
    if b"w:dirty=" in package.xml:
        _undirty(root)
    refs = _pagerefs(root)
    if not refs:
        status = STATUS_NONE
    elif not libreoffice:
        status = STATUS_SKIPPED
    else:
        status = _numbers(package, settings, refs, soffice, timeout)
    return package.write(settings), status


def _numbers(package: _Package, settings: bytes | None, refs: list[tuple[str, _Field]],
             soffice: str | None, timeout: float) -> str:
    """Fill the PAGEREF results with LibreOffice's pages; the status."""
    for _, f in refs:  # no stored number that was not computed now (nor while laying out)
        _set_result(f, "")
    program = soffice or find_soffice()
    if program is None:
        return STATUS_NO_LIBREOFFICE
    first = _first_page(package.document)
    if first is None:
        return STATUS_SECTIONS
    names = list(dict.fromkeys(name for name, _ in refs))
    try:
        pages = libreoffice_pages(package.write(settings), names, program, timeout)
    except (LayoutError, OSError) as exc:
        return STATUS_FAILED.format(reason=str(exc) or type(exc).__name__)
    for name, f in refs:
        if name in pages:
            _set_result(f, str(pages[name] + first - 1))
    return STATUS_NUMBERS


__all__ = ["finish_contents", "contents_elements", "pageref", "libreoffice_pages",
           "dest_name", "LayoutError"]
