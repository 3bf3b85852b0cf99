"""The catalogue PDF laid out in parts and assembled: the proposals' own PDFs are the
catalogue's pages, the merged structure tree is consistent, page numbers are pagination
artifacts, links jump to the right pages, and editing one proposal lays out only its part."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from conftest import EXAMPLE, pdf_pages_text, write_tree
from katalog.build import build
from katalog.cache import Store
from katalog.pipeline import check
from katalog.render import pdf_merge, pdf_parts

pages_text = pdf_pages_text


def objects(path: Path) -> list[str]:
    """Every object of a PDF, in the order a traversal from its trailer meets them (qpdf's
    QDF form), without their numbers in the file they were read from."""
    import io

    buf = io.BytesIO()
    with pikepdf.open(path) as pdf:
        pdf.save(buf, qdf=True, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none, deterministic_id=True)
    text = buf.getvalue().decode("latin-1")
    return [line for line in text[:text.rindex("\nxref\n")].splitlines()
            if not line.startswith("%% Original object ID")]


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a content file as a writer would: `old` → `new` (which must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def without_page_number(page: str) -> list[str]:
    """A page's words, without "Side X af Y"."""
    return re.sub(r"Side \d+ af \d+", "", page).split()


@pytest.fixture(scope="module")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parts") / "build"
    build(EXAMPLE, out, formats=["pdf"], cache=False)
    return out


def test_each_proposal_pdf_is_its_pages_of_the_catalogue(example_build: Path) -> None:
    catalogue = [without_page_number(p) for p in pages_text(example_build / "katalog.pdf")]
    cat = check(EXAMPLE).catalogue
    assert cat is not None
    for p in cat.proposals:
        own = pages_text(example_build / "pdf" / f"{p.id}.pdf")
        assert f"Side 1 af {len(own)}" in own[0] and f"Side {len(own)} af {len(own)}" in own[-1]
        words = [without_page_number(page) for page in own]
        start = catalogue.index(words[0])
        assert catalogue[start:start + len(words)] == words, p.id


def _elements(document: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found, stack = [], list(document.K)
    while stack:
        e = stack.pop()
        found.append(e)
        kids = e.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k)
    return found


def test_merged_structure_tree_is_one_consistent_document(example_build: Path) -> None:
    with pikepdf.open(example_build / "katalog.pdf") as doc:
        root = doc.Root.StructTreeRoot
        assert len(root.K) == 1 and root.K[0].S == "/Document"
        document = root.K[0]
        pages = {p.objgen: i for i, p in enumerate(doc.pages)}
        elements = _elements(document)
        assert all(e.Pg.objgen in pages for e in elements if "/Pg" in e)
        assert all(e.P.objgen == document.objgen for e in document.K)
        nums = pdf_merge._nums(doc)  # one node, or leaves of 64 keys under /Kids
        assert sorted(nums) == list(range(int(root.ParentTreeNextKey)))
        for leaf in root.ParentTree.get("/Kids", []):
            flat = list(leaf.Nums)
            keys = [int(flat[i]) for i in range(0, len(flat), 2)]
            assert [int(x) for x in leaf.Limits] == [keys[0], keys[-1]]
            assert keys == sorted(keys) and keys[0] // 64 == keys[-1] // 64
        for page in doc.pages:  # each page's marked content maps to elements on that page
            mapped = nums[int(page.obj.StructParents)]
            assert all(e.Pg.objgen == page.objgen for e in mapped if "/Pg" in e)
        annots = [a for page in doc.pages for a in page.obj.get("/Annots", [])]
        assert annots and all(nums[int(a.StructParent)].S == "/Link" for a in annots)
        headings = [str(e.S) for e in elements if re.fullmatch(r"/H\d", str(e.S))]
        assert headings.count("/H1") == 1  # the cover's title; themes H2, proposals H3
        assert headings.count("/H3") == len(check(EXAMPLE).catalogue.proposals)
        assert doc.Root.Lang == "da" and doc.Root.MarkInfo.Marked
        assert doc.Root.ViewerPreferences.DisplayDocTitle


def test_page_numbers_are_pagination_artifacts(example_build: Path) -> None:
    for path in (example_build / "katalog.pdf", example_build / "pdf" / "ADM-01.pdf"):
        with pikepdf.open(path) as doc:
            for page in doc.pages:
                content = page.obj.Contents
                streams = list(content) if isinstance(content, pikepdf.Array) else [content]
                last = streams[-1].read_bytes()
                assert b"/Artifact <</Type /Pagination>> BDC" in last
                name = re.search(rb"(/\w+) Do EMC", last).group(1).decode()
                assert page.obj.Resources.XObject[name].Subtype == "/Form"


def test_proposal_pdf_starts_with_h1_and_lists_its_sections(example_build: Path) -> None:
    with pikepdf.open(example_build / "pdf" / "ADM-01.pdf") as doc:
        headings = [str(e.S) for e in _elements(doc.Root.StructTreeRoot.K[0])
                    if re.fullmatch(r"/H\d", str(e.S))]
        assert "/H1" in headings and "/H3" not in headings[:1]
        assert headings.count("/H1") == 1


def test_table_of_contents_links_jump_to_the_proposals(example_build: Path) -> None:
    reader = PdfReader(example_build / "katalog.pdf")
    pages = pages_text(example_build / "katalog.pdf")
    dests = reader.named_destinations
    cat = check(EXAMPLE).catalogue
    links = [a.get_object() for a in reader.pages[1]["/Annots"]]
    assert links
    for p in cat.proposals:
        link = next((a for a in links if str(a["/Contents"]) == f"{p.id} {p.title}"), None)
        if link is None:  # on the next page of the table of contents
            continue
        target = reader.get_destination_page_number(dests[str(link["/Dest"])])
        assert pages[target].split("\n", 1)[1].strip().startswith(p.id), p.id


def test_editing_one_proposal_lays_out_only_its_part(small: Path, tmp_path: Path) -> None:
    cold_run = build(small, tmp_path / "a", formats=["pdf"], cache=Store(tmp_path / "cache"))
    assert "pdf/A1.pdf" in cold_run.made and "pdf/I1.pdf" in cold_run.made
    replace_in(small / "proposals" / "I1.md", "title: Robotter", "title: Flere robotter")
    warm = build(small, tmp_path / "b", formats=["pdf"], cache=Store(tmp_path / "cache"))
    laid_out = {label for label in warm.made if label.startswith("pdf/")}
    assert laid_out == {"pdf/I1.pdf"}  # the part, and then its own finished PDF
    assert "pdf/A1.pdf" in warm.reused
    cold = tmp_path / "cold"
    build(small, cold, formats=["pdf"], cache=False)
    for rel in ("katalog.pdf", "pdf/A1.pdf", "pdf/I1.pdf"):
        assert (tmp_path / "b" / rel).read_bytes() == (cold / rel).read_bytes(), rel
    assert "I1 Flere robotter" in " ".join(pages_text(tmp_path / "b" / "katalog.pdf")[1].split())


def test_amount_edit_lays_out_the_part_and_the_overview_not_the_contents(
        small: Path, tmp_path: Path) -> None:
    """The overview is a part of its own: an amount edit changes it and the proposal, while
    the cover and table of contents (titles and page numbers only) come from the cache."""
    build(small, tmp_path / "a", formats=["pdf"], cache=Store(tmp_path / "cache"))
    replace_in(small / "proposals" / "A1.md", "2027: -6000, 2028: -6000",
               "2027: -6125, 2028: -6000")
    warm = build(small, tmp_path / "b", formats=["pdf"], cache=Store(tmp_path / "cache"))
    laid_out = {label for label in warm.made if not label.startswith("sidetal")}
    # the proposal, its theme (the theme total), the overview and its chart; then the
    # catalogue (the small catalogue's proposals flow: the themes are one part)
    assert laid_out == {"pdf/A1.pdf", "tema/tema-administration", "forside/oversigt-afsnit",
                        "oversigtsdiagram", "katalog.pdf"}
    assert {"forside", "forside (prøve)"} <= set(warm.reused)
    assert any("-6.125" in page for page in pages_text(tmp_path / "b" / "katalog.pdf"))
    cold = tmp_path / "cold"
    build(small, cold, formats=["pdf"], cache=False)
    assert (tmp_path / "b" / "katalog.pdf").read_bytes() == (cold / "katalog.pdf").read_bytes()


def test_small_edit_is_spliced_into_the_previous_catalogue(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text edit that moves no page: the new part replaces the old one's pages in the last
    build's catalogue (no full assembly), and the result is object for object a cold
    build's (only the objects' numbering in the file may differ)."""
    import shutil

    from katalog.render import pdf_merge

    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    monkeypatch.setenv("KATALOG_WORKERS", "1")  # the spy below sees calls in this process
    build(content, tmp_path / "a", formats=["pdf"], cache=Store(tmp_path / "cache"))
    path = content / "proposals" / "ADM-02.md"
    replace_in(path, "22 skoler og 31 dagtilbud", "22 skoler og 32 dagtilbud")
    calls = []
    monkeypatch.setattr(pdf_merge, "splice",
                        lambda *a, real=pdf_merge.splice: calls.append(a) or real(*a))
    warm = build(content, tmp_path / "b", formats=["pdf"], cache=Store(tmp_path / "cache"))
    assert {label for label in warm.made if not label.startswith("sidetal")} == {
        "pdf/ADM-02.pdf", "katalog.pdf"}
    assert len(calls) == 1 and len(calls[0][1]) == 1  # one part spliced in
    cold = tmp_path / "cold"
    build(content, cold, formats=["pdf"], cache=False)
    assert objects(tmp_path / "b" / "katalog.pdf") == objects(cold / "katalog.pdf")
    assert objects(tmp_path / "a" / "katalog.pdf") != objects(cold / "katalog.pdf")
    assert "32 dagtilbud" in " ".join(" ".join(pages_text(cold / "katalog.pdf")).split())

    # A catalogue the splice cannot handle: everything is assembled again, as without a cache.
    replace_in(path, "22 skoler og 32 dagtilbud", "22 skoler og 33 dagtilbud")

    def broken(*_args: object) -> bytes:
        raise ValueError("ukendt struktur")

    monkeypatch.setattr(pdf_merge, "splice", broken)
    build(content, tmp_path / "c", formats=["pdf"], cache=Store(tmp_path / "cache"))
    build(content, cold, formats=["pdf"], cache=False)
    assert (tmp_path / "c" / "katalog.pdf").read_bytes() == (cold / "katalog.pdf").read_bytes()


def test_contents_number_every_entry_with_its_page(example_build: Path) -> None:
    """Every entry of the table of contents, the overview included, ends in the number of
    the page its heading is on."""
    pages = pages_text(example_build / "katalog.pdf")
    toc = pages[1]
    m = re.search(r"^\s*Oversigt over temaer\s+(\d+)\s*$", toc, re.M)
    assert m, toc[:300]
    overview = pages[int(m[1]) - 1].split("\n", 1)[1]
    assert overview.strip().startswith("Oversigt over temaer")
    assert "Oversigt over temaer" in pages[int(m[1]) - 1].split("\n", 1)[0]  # running header


def test_restyled_page_numbers_are_stamped_in_the_build(small: Path, tmp_path: Path) -> None:
    """A municipality's own page-number box (here "Blad N", bottom centre) is found in its
    stylesheet and drawn with the catalogue's numbering."""
    own = write_tree(tmp_path / "mine", {"pdf/katalog.css": """
        @page { size: A5; @bottom-center { content: "Blad " counter(page); }
                @top-center { content: string(section); } }
        @page cover { @bottom-center { content: none; } }
        .pdf-cover { page: cover; break-after: page; }
        .theme { break-before: page; }
        """})
    assert pdf_parts.counter_boxes((own / "pdf" / "katalog.css").read_text()) == {"bottom-center"}
    out = tmp_path / "out"
    build(small, out, formats=["pdf"], templates=own, cache=False)
    pages = pages_text(out / "katalog.pdf")
    assert "Blad" not in pages[0]
    for number, page in enumerate(pages[1:], start=2):
        assert page.count("Blad ") == 1 and f"Blad {number}" in page, number
    assert any("Administration" in p.splitlines()[0] for p in pages[1:] if p.strip())


# --- Each part keyed by the data it shows (render.pdf.PartKeys) ------------------------------

PARTS = {"forside/oversigt-afsnit", "tema/tema-administration", "tema/tema-it",
         "tema/tema-gammelt", "pdf/A1.pdf", "pdf/A2.pdf", "pdf/I1.pdf", "pdf/I2.pdf"}


def one_per_page(content: Path) -> Path:
    """The small catalogue with every theme and proposal a part of its own."""
    path = content / "catalogue.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "look:\n  page_break: proposal\n",
                    encoding="utf-8")
    return content


def laid_out(result: object) -> set[str]:
    """The parts a build laid out (not the stamps, the front matter, the chart or the
    finished files)."""
    return {label for label in getattr(result, "made") if label in PARTS}


def same_as_uncached(content: Path, out: Path, tmp_path: Path, templates: Path | None = None
                     ) -> None:
    """The build in `out` made the files an uncached build makes: the same bytes, but for a
    catalogue the edit was spliced into (the same objects, numbered in another order)."""
    cold = tmp_path / "uncached"
    build(content, cold, formats=["pdf"], templates=templates, cache=False)
    for rel in (f"pdf/{p}.pdf" for p in ("A1", "A2", "I1", "I2")):
        assert (out / rel).read_bytes() == (cold / rel).read_bytes(), rel
    assert objects(out / "katalog.pdf") == objects(cold / "katalog.pdf")


def test_an_edit_lays_out_the_parts_whose_data_changed(small: Path, tmp_path: Path) -> None:
    """A proposal's text: its part only. One of its amounts: its part, its theme's (the
    table of proposals) and the overview (with the chart). The others come from the cache,
    and the catalogue is the one an uncached build makes."""
    content = one_per_page(small)
    cache = Store(tmp_path / "cache")
    cold = build(content, tmp_path / "a", formats=["pdf"], cache=cache)
    assert laid_out(cold) == PARTS
    replace_in(content / "proposals" / "A1.md", "Tekst.", "Ny tekst.")
    text = build(content, tmp_path / "b", formats=["pdf"], cache=Store(tmp_path / "cache"))
    assert laid_out(text) == {"pdf/A1.pdf"}
    assert PARTS - {"pdf/A1.pdf"} <= set(text.reused)
    same_as_uncached(content, tmp_path / "b", tmp_path)
    assert "Ny tekst." in " ".join(pages_text(tmp_path / "b" / "pdf" / "A1.pdf"))

    replace_in(content / "themes" / "01-adm.md", "Færre og enklere", "Færre, enklere")
    theme = build(content, tmp_path / "t", formats=["pdf"], cache=Store(tmp_path / "cache"))
    assert laid_out(theme) == {"tema/tema-administration"}  # its proposals show no body of it

    replace_in(content / "proposals" / "A1.md", "2027: -6000, 2028: -6000",
               "2027: -6125, 2028: -6000")
    amount = build(content, tmp_path / "c", formats=["pdf"], cache=Store(tmp_path / "cache"))
    assert laid_out(amount) == {"pdf/A1.pdf", "tema/tema-administration",
                                "forside/oversigt-afsnit"}
    assert "oversigtsdiagram" in amount.made
    same_as_uncached(content, tmp_path / "c", tmp_path)
    assert any("-6.125" in page for page in pages_text(tmp_path / "c" / "katalog.pdf"))


def test_a_template_or_look_change_lays_out_every_part(small: Path, tmp_path: Path) -> None:
    """What every part is made with (a template of html/, the look in catalogue.yaml) is in
    every part's key."""
    content = one_per_page(small)
    own = tmp_path / "mine"
    macros = (Path(__file__).resolve().parents[1] / "templates" / "html" / "_macros.html")
    (own / "html").mkdir(parents=True)
    (own / "html" / "_macros.html").write_text(macros.read_text(encoding="utf-8"),
                                               encoding="utf-8")
    build(content, tmp_path / "a", formats=["pdf"], templates=own,
          cache=Store(tmp_path / "cache"))
    with (own / "html" / "_macros.html").open("a", encoding="utf-8") as f:
        f.write("{# a comment: the same pages, other templates #}\n")
    changed = build(content, tmp_path / "b", formats=["pdf"], templates=own,
                    cache=Store(tmp_path / "cache"))
    assert laid_out(changed) == PARTS
    same_as_uncached(content, tmp_path / "b", tmp_path, own)

    path = content / "catalogue.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "look:\n", "look:\n  accent: \"#7a1f3d\"\n"), encoding="utf-8")
    looked = build(content, tmp_path / "c", formats=["pdf"], templates=own,
                   cache=Store(tmp_path / "cache"))
    assert laid_out(looked) == PARTS
    same_as_uncached(content, tmp_path / "c", tmp_path, own)


def test_parts_sent_pickled_are_rendered_before_they_travel(
        small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool of new interpreters (where fork is not safe) cannot inherit the catalogue's
    templates: each part's HTML is rendered in the build's process and travels as its
    document. Same bytes as a forked pool's build. (`spawn`: its workers are children of the
    build, as `parallel._die_with_parent` expects; a fork server's are not.)"""
    from katalog import parallel
    from katalog.render import pdf, pdf_layout

    # forked workers inherit this process's parsed stylesheets (and their fonts) when an
    # earlier test laid a PDF out here, and then lay out differently than fresh workers do:
    # start as a fresh `katalog build` does
    monkeypatch.setattr(pdf_layout, "_PARSED", {})
    content = one_per_page(small)
    forked = tmp_path / "forked"
    build(content, forked, formats=["pdf"], cache=False)
    rendered: list[str] = []
    real = pdf.PartHtml.__reduce__

    def spy(self: pdf.PartHtml) -> tuple[object, ...]:
        reduced = real(self)
        rendered.append(reduced[1][0].name)
        return reduced

    monkeypatch.setattr(pdf.PartHtml, "__reduce__", spy)
    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    monkeypatch.setenv("KATALOG_WORKERS", "2")
    served = tmp_path / "served"
    build(content, served, formats=["pdf"], cache=False)
    assert sorted(rendered) == sorted(PARTS)  # each once: a job travels without its deps
    for rel in ["katalog.pdf", "pdf/A1.pdf", "pdf/I2.pdf"]:
        assert (served / rel).read_bytes() == (forked / rel).read_bytes(), rel
