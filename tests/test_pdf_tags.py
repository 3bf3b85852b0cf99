"""`render.pdf_tags`: the structure tree completed after WeasyPrint, read back.

The example catalogue is built once with the assembly's call of `pdf_tags.complete` switched
off (`katalog.pdf` and `pdf/<id>.pdf` as WeasyPrint leaves them); `complete_structure` is
applied here. A real build completes them (`test_a_build_writes_completed_pdfs`). Two checkers read the result: the
`pdfua` package (its 12 checks, 16 of PDF/UA-1's 106 machine-checkable rules) and
`pdfua_rules`, a pikepdf walk of the stricter rules katalog's PDFs must meet. Both must find
something in WeasyPrint's output as it is, and nothing after `complete_structure`.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from bs4 import BeautifulSoup
from pikepdf import Array, Dictionary, Name

from katalog.build import build
from katalog.render import pdf_tags
from katalog.render.pdf_tags import complete, complete_structure

from conftest import EXAMPLE, require_program
from pdfua_rules import problems

PROPOSAL = "ADM-01"  # an economy table with two groups, a body table, consultations, follow-up


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf-tags") / "build"
    with pytest.MonkeyPatch.context() as mp:  # before the pool forks: its workers inherit it
        mp.setattr(pdf_tags, "complete", lambda *a, **k: pdf_tags.Completed())
        build(EXAMPLE, out, ["pdf", "html"], cache=False)
    return out


@pytest.fixture(scope="module")
def raw(example: Path) -> dict[str, bytes]:
    """The PDFs as WeasyPrint and the assembly leave them, before `complete`."""
    return {"katalog": (example / "katalog.pdf").read_bytes(),
            "proposal": (example / "pdf" / f"{PROPOSAL}.pdf").read_bytes()}


@pytest.fixture(scope="module")
def completed(raw: dict[str, bytes]) -> dict[str, bytes]:
    return {name: complete_structure(data) for name, data in raw.items()}


def open_pdf(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def kinds(found: list[str]) -> Counter[str]:
    return Counter(re.sub(r"\d+", "N", p) for p in found)


# --- The checkers ----------------------------------------------------------------------------

def pdfua_report(data: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The `pdfua` package's report. Its `as_integer` asks a pikepdf Array for an attribute,
    which raises instead of answering "no", so its empty-heading check (UA-14-001) is skipped
    on every heading whose /K is an array; the same test without that crash runs it."""
    import pdfua
    import pdfua.rules.structure

    def as_integer(value: object) -> int | None:
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

    monkeypatch.setattr(pdfua.rules.structure, "as_integer", as_integer)
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    return pdfua.validate(str(path))


@pytest.mark.parametrize("name", ["katalog", "proposal"])
def test_both_checkers_find_faults_in_weasyprints_output(
        raw: dict[str, bytes], name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = pdfua_report(raw[name], tmp_path, monkeypatch)
    assert report.skipped == ()
    messages = [f.message for f in report.findings]
    assert any("no /TR rows" in m for m in messages), messages
    assert any("none carry /Scope" in m for m in messages), messages
    found = kinds(problems(open_pdf(raw[name])))
    for fault in ("table [N.N]: a /TH has no /Scope",
                  "table [N.N]: a /Table holds no /TR rows",
                  "nesting [N.N]: /Table inside /Table",
                  "nesting [N.N]: /Div inside /L",
                  "parent tree [N.N]: MCID N on page N is not in the tree"):
        assert found[fault] > 0, (fault, found)


@pytest.mark.parametrize("name", ["katalog", "proposal"])
def test_pdfua_reports_nothing_after_completion(
        completed: dict[str, bytes], name: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    report = pdfua_report(completed[name], tmp_path, monkeypatch)
    assert report.skipped == ()  # every check ran: none is silenced
    assert len(report.outcomes) == 12
    assert [(f.rule_id, f.severity.name, f.message) for f in report.findings] == []


@pytest.mark.parametrize("name", ["katalog", "proposal"])
def test_structure_rules_hold_after_completion(completed: dict[str, bytes], name: str) -> None:
    assert problems(open_pdf(completed[name])) == []


@pytest.mark.parametrize("name", ["katalog", "proposal"])
def test_text_and_pages_are_unchanged(raw: dict[str, bytes], completed: dict[str, bytes],
                                      name: str, tmp_path: Path) -> None:
    exe = require_program("pdftotext")

    def text(data: bytes) -> str:
        path = tmp_path / "text.pdf"
        path.write_bytes(data)
        return subprocess.run([exe, "-layout", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout

    before, after = text(raw[name]), text(completed[name])
    assert after == before
    assert len(open_pdf(completed[name]).pages) == len(open_pdf(raw[name]).pages)
    assert before.count("\f") == len(open_pdf(raw[name]).pages)
    assert "Eksempel Kommune" in after  # the running footer: still drawn, now an artifact


# --- What was completed, read back -----------------------------------------------------------

def elements(pdf: pikepdf.Pdf, role: str) -> list[Dictionary]:
    """The structure elements of type `role`, in document order."""
    out = []
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        e = stack.pop()
        if e.get("/S") == Name(role):
            out.append(e)
        k = e.get("/K")
        kids = list(k) if isinstance(k, Array) else [k] if k is not None else []
        stack.extend(reversed([x for x in kids if isinstance(x, Dictionary) and "/S" in x]))
    return out


def kids(e: Dictionary, role: str | None = None) -> list[Dictionary]:
    k = e.get("/K")
    found = list(k) if isinstance(k, Array) else [k] if k is not None else []
    return [x for x in found if isinstance(x, Dictionary) and "/S" in x
            and (role is None or x.S == Name(role))]


def rows(table: Dictionary) -> list[Dictionary]:
    return [r for k in kids(table) for r in ([k] if k.S == Name.TR else kids(k, "/TR"))]


def scope(cell: Dictionary) -> str:
    a = cell.get("/A")
    found = [d for d in (a if isinstance(a, Array) else [a])
             if isinstance(d, Dictionary) and d.get("/O") == Name.Table and "/Scope" in d]
    return str(found[0].Scope) if found else ""


def html_scopes(table: Any) -> list[str]:
    """What each `th` of an HTML table is a header of, in the PDF's words: `scope="col"` (or
    any `th` in `thead`) a column, `scope="row"` and `scope="rowgroup"` rows."""
    out = []
    for th in table.find_all("th"):
        kind = th.get("scope") or ("col" if th.find_parent("thead") else "row")
        out.append("/Column" if kind == "col" else "/Row")
    return out


def test_header_cells_have_the_scope_the_html_gives_them(
        example: Path, completed: dict[str, bytes]) -> None:
    page = BeautifulSoup((example / "html" / "forslag" / f"{PROPOSAL}.html").read_text("utf-8"),
                         "html.parser")
    html_tables = page.select("article table")
    pdf = open_pdf(completed["proposal"])  # kept open while its objects are read
    pdf_tables = elements(pdf, "/Table")
    assert len(pdf_tables) == len(html_tables) >= 4  # no table split over two pages
    for html, table in zip(html_tables, pdf_tables):
        assert [scope(c) for r in rows(table) for c in kids(r, "/TH")] == html_scopes(html)


def test_cells_of_a_group_know_their_group_header(completed: dict[str, bytes]) -> None:
    pdf = open_pdf(completed["proposal"])
    table = elements(pdf, "/Table")[0]  # the economy table
    group = None
    checked = 0
    for row in rows(table)[1:]:
        cells = kids(row)
        if [str(c.S) for c in cells] == ["/TH"]:
            group = str(cells[0].ID)
            continue
        row_header = str(kids(row, "/TH")[0].ID)
        for cell in kids(row, "/TD"):
            headers = [str(h) for h in cell.A.Headers]
            assert headers[:2] == [group, row_header], headers
            checked += 1
    assert group is not None and checked >= 10


def test_tables_hold_their_caption_first_and_rows(completed: dict[str, bytes]) -> None:
    pdf = open_pdf(completed["katalog"])
    tables = elements(pdf, "/Table")
    assert len(tables) > 20
    for table in tables:
        roles = [str(k.S) for k in kids(table)]
        assert set(roles) <= {"/Caption", "/THead", "/TBody", "/TFoot", "/TR"}, roles
        assert "/Caption" not in roles[1:], roles
        assert rows(table)
    assert sum(kids(t)[0].S == Name.Caption for t in tables) >= 20


def test_facts_are_list_items_with_a_label_and_a_body(
        example: Path, completed: dict[str, bytes]) -> None:
    page = BeautifulSoup((example / "html" / "forslag" / f"{PROPOSAL}.html").read_text("utf-8"),
                         "html.parser")
    terms = [dt.get_text() for dt in page.select("article dl.facts dt")]
    pdf = open_pdf(completed["proposal"])
    facts = next(lst for lst in elements(pdf, "/L")
                 if kids(lst, "/LI") and kids(kids(lst, "/LI")[0], "/Lbl"))
    items = kids(facts)
    assert [str(i.S) for i in items] == ["/LI"] * len(terms)
    assert all([str(k.S) for k in kids(i)] == ["/Lbl", "/LBody"] for i in items)
    assert all(e.P.S != Name.L for e in elements(pdf, "/Div"))


def test_language_on_the_document_and_every_part(completed: dict[str, bytes]) -> None:
    pdf = open_pdf(completed["katalog"])
    assert str(pdf.Root.Lang) == "da"
    document = pdf.Root.StructTreeRoot.K[0]
    assert str(document.Lang) == "da"
    assert len(kids(document)) > 30
    assert all(str(part.Lang) == "da" for part in kids(document))


def artifacts(data: bytes) -> list[int]:
    """How many pagination artifacts each page shows."""
    pdf = open_pdf(data)
    return [sum(1 for op in pikepdf.parse_content_stream(page)
                if str(op.operator) == "BDC" and op.operands[0] == Name.Artifact
                and op.operands[1].get("/Type") == Name.Pagination)
            for page in pdf.pages]


def test_running_header_and_footer_become_pagination_artifacts(
        raw: dict[str, bytes], completed: dict[str, bytes]) -> None:
    before = problems(open_pdf(raw["proposal"]))
    untagged = Counter(int(m.group(1)) for p in before
                       if (m := re.search(r"MCID \d+ on page (\d+) is not in the tree", p)))
    pages = len(open_pdf(raw["proposal"]).pages)
    assert sorted(untagged) == list(range(1, pages + 1))  # every page has a running header
    gained = [a - b for a, b in zip(artifacts(completed["proposal"]), artifacts(raw["proposal"]))]
    assert gained == [untagged[n] for n in range(1, pages + 1)]


# --- Behaviour -------------------------------------------------------------------------------

def test_idempotent_and_reproducible(completed: dict[str, bytes], raw: dict[str, bytes]) -> None:
    assert complete_structure(raw["proposal"]) == completed["proposal"]  # same bytes again
    for data in completed.values():  # a second pass finds nothing left to do
        assert complete(open_pdf(data)) == pdf_tags.Completed()


def test_a_splice_completes_only_the_pages_it_is_given(raw: dict[str, bytes]) -> None:
    pdf = open_pdf(raw["katalog"])
    n = len(pdf.pages)
    first = complete(pdf, pages=range(0, n // 2))
    assert first.scopes and first.artifacts
    assert problems(pdf)  # the other half is not done yet
    second = complete(pdf, pages=range(n // 2, n))
    assert second.scopes and second.artifacts
    rest = complete(pdf)  # the whole: only the Document element's language was left
    assert rest == pdf_tags.Completed(languages=1)
    assert problems(pdf) == []


def test_the_parser_path_gives_the_same_document(
        raw: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages the regular-expression scan cannot read are parsed with pikepdf: the result
    passes the same rules and shows the same text."""
    fast = open_pdf(raw["proposal"])
    fast_done = complete(fast)
    monkeypatch.setattr(pdf_tags, "_plain", lambda data: False)
    parsed = open_pdf(raw["proposal"])
    parsed_done = complete(parsed)
    assert parsed_done == fast_done
    assert problems(parsed) == []
    for a, b in zip(fast.pages, parsed.pages):
        assert pikepdf.unparse_content_stream(pikepdf.parse_content_stream(a)) \
            == pikepdf.unparse_content_stream(pikepdf.parse_content_stream(b))


def tiny(content: bytes, orphan: bool = False) -> pikepdf.Pdf:
    """A one-page tagged PDF: a P element marking MCID 0 and, with `orphan`, an element of
    MCID 1 whose parent does not list it (as WeasyPrint's margin boxes)."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    page.obj.Contents = pdf.make_stream(content)
    page.obj.StructParents = 0
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root))
    p = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.P, P=document,
                                     Pg=page.obj, K=Array([0])))
    document.K = Array([p])
    entry = [p]
    if orphan:
        entry.append(pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Span,
                                                  P=document, Pg=page.obj, K=Array([1]))))
    root.K = Array([document])
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=Array([0, Array(entry)])))
    pdf.Root.StructTreeRoot = root
    pdf.Root.Lang = pikepdf.String("da")
    return pdf


def marked(pdf: pikepdf.Pdf) -> list[tuple[str, str]]:
    """Each operator with the marked content it is in ("" for none, else the tag)."""
    out, stack = [], []
    for inst in pikepdf.parse_content_stream(pdf.pages[0]):
        op = str(inst.operator)
        if op in ("BDC", "BMC"):
            stack.append(str(inst.operands[0]))
        elif op == "EMC":
            stack.pop()
        else:
            out.append((op, stack[0] if stack else ""))
    return out


def test_unmarked_painting_is_wrapped_as_artifacts() -> None:
    pdf = tiny(b"q 1 0 0 1 0 0 cm 0 0 m 10 10 l S Q\n"
               b"0 0 10 10 re W n\n"
               b"/P <</MCID 0>> BDC BT /F1 12 Tf <0041> Tj ET EMC\n"
               b"BT /F1 12 Tf <0042> Tj ET")
    done = complete(pdf)
    assert done.wrapped == 2
    ops = marked(pdf)
    assert ("S", "/Artifact") in ops and ("l", "/Artifact") in ops and ("m", "/Artifact") in ops
    assert [tag for op, tag in ops if op == "Tj"] == ["/P", "/Artifact"]
    assert ("n", "") in ops and ("re", "") in ops  # a clipping path paints nothing
    assert [p for p in problems(pdf) if p.startswith(("content", "parent"))] == []


@pytest.mark.parametrize("text", [b"<0042> Tj", b"(margin) Tj"])  # fast scan / parser
def test_marked_content_outside_the_tree_becomes_an_artifact(text: bytes) -> None:
    pdf = tiny(b"/P <</MCID 0>> BDC BT /F1 12 Tf <0041> Tj ET EMC\n"
               b"/Span <</MCID 1>> BDC BT /F1 12 Tf " + text + b" ET EMC", orphan=True)
    done = complete(pdf)
    assert done.artifacts == 1 and done.wrapped == 0
    assert [tag for op, tag in marked(pdf) if op == "Tj"] == ["/P", "/Artifact"]
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    assert len(nums[1]) == 1  # the orphan's entry is gone
    assert [p for p in problems(pdf) if p.startswith(("content", "parent"))] == []


def test_a_build_writes_completed_pdfs(tmp_path: Path, completed: dict[str, bytes]) -> None:
    """The assembly completes every PDF it writes: a build's files pass both checkers and
    equal the separately completed ones in what the rules read."""
    out = tmp_path / "build"
    build(EXAMPLE, out, ["pdf"], cache=False)
    for data in ((out / "katalog.pdf").read_bytes(),
                 (out / "pdf" / f"{PROPOSAL}.pdf").read_bytes()):
        assert problems(open_pdf(data)) == []
        assert complete(open_pdf(data)) == pdf_tags.Completed()  # nothing left to do
