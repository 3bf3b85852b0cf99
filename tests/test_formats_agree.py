"""Issue 19.1: the three documents say the same thing in the same words. The example (with
two of its labels in the municipality's own wording) is built to HTML, PDF and Word, and
what each file shows is read back — HTML with BeautifulSoup, the PDF with pdftotext, Word
with python-docx — and compared with the others: the cover's facts, every heading, the
amount tables' captions and the labels.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import docx
import pytest
from bs4 import BeautifulSoup

from katalog.build import build
from katalog.numbers import unit_label
from katalog.pipeline import check
from katalog.render import view

from conftest import EXAMPLE, pdf_pages_text

OWN_LABELS = {"economy": "Økonomi i forslaget", "consulted": "Hørte parter i sagen"}


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("agree")
    content = root / "content"
    shutil.copytree(EXAMPLE, content)
    with (content / "catalogue.yaml").open("a", encoding="utf-8") as f:
        f.write("labels:\n" + "".join(f"  {k}: {v}\n" for k, v in OWN_LABELS.items()))
    build(content, root / "out", ["html", "pdf", "docx"], cache=False)
    checked = check(content)
    assert checked.catalogue is not None
    out = root / "out"
    page = BeautifulSoup((out / "html/hele-kataloget.html").read_text(encoding="utf-8"),
                         "html.parser")
    front = BeautifulSoup((out / "html/index.html").read_text(encoding="utf-8"), "html.parser")
    return {"cat": checked.catalogue, "page": page, "front": front,
            "pdf": pdf_pages_text(out / "katalog.pdf"), "word": docx.Document(out / "katalog.docx")}


# -- read back --------------------------------------------------------------------------------


def html_facts(soup: BeautifulSoup) -> list[tuple[str, str]]:
    dl = soup.find("dl", class_="cover-facts")
    return [(words(d.dt.get_text()), words(d.dd.get_text())) for d in dl.find_all("div")]


def pdf_facts(cover: str) -> list[tuple[str, str]]:
    """The cover page's two-column lines ("Budgetår      2027"): label, value."""
    pairs = []
    for line in cover.splitlines():
        found = re.fullmatch(r"\s*(\S.*?)\s{2,}(\S.*?)\s*", line)
        if found:
            pairs.append((found[1], words(found[2])))
    return pairs


def word_facts(document: Any) -> list[tuple[str, str]]:
    """The cover's paragraphs that start with a bold "Label: " run."""
    pairs = []
    for paragraph in document.paragraphs:
        if paragraph.style.name.startswith(("Heading", "TOC")):
            break  # the cover ends where the contents begin
        runs = paragraph.runs
        if runs and runs[0].bold and runs[0].text.endswith(": "):
            pairs.append((runs[0].text[:-2], words("".join(r.text for r in runs[1:]))))
    return pairs


def html_headings(soup: BeautifulSoup) -> Counter[str]:
    return Counter(words(h.get_text(" ")) for h in soup.find_all(re.compile(r"^h[1-6]$")))


def word_headings(document: Any) -> Counter[str]:
    return Counter(words(p.text) for p in document.paragraphs
                   if p.style.name.startswith(("Heading", "Title", "TOC Heading")))


def html_amount_captions(soup: BeautifulSoup, unit: str) -> Counter[str]:
    """Captions of the amount tables (those that name the unit)."""
    return Counter(words(c.get_text(" ")) for c in soup.find_all("caption")
                   if f"({unit})" in words(c.get_text(" ")))


def word_amount_captions(document: Any, unit: str) -> Counter[str]:
    return Counter(words(p.text) for p in document.paragraphs
                   if p.style.name == "Tabeltitel" and f"({unit})" in words(p.text))


# -- the comparisons --------------------------------------------------------------------------


def test_the_cover_facts_are_one_list_in_every_format(made):
    expected = [(label, words(value)) for label, value in view.cover_facts(
        made["cat"], made["cat"].settings.date)]
    assert [label for label, _ in expected][:3] == ["Budgetår", "Overslagsår", "Beløb"]
    assert html_facts(made["front"]) == expected  # the site's front page
    assert html_facts(made["page"]) == expected  # the single page's cover
    assert pdf_facts(made["pdf"][0]) == expected
    assert word_facts(made["word"]) == expected
    # the organisation stands above the title, once, on every cover
    organisation = made["cat"].settings.organisation
    assert words(made["page"].find(class_="cover-org").get_text()) == organisation
    assert made["word"].paragraphs[0].text == organisation
    assert made["pdf"][0].count(organisation) == 1


def test_every_heading_is_the_same_in_html_word_and_pdf(made):
    html, word = html_headings(made["page"]), word_headings(made["word"])
    assert html == word
    assert sum(html.values()) > 200  # themes, proposals, their sections and their bodies
    pdf_text = words(" ".join(made["pdf"]))
    missing = [h for h in html if h not in pdf_text]
    assert missing == []


def test_the_amount_tables_have_the_same_captions_everywhere(made):
    s = made["cat"].settings
    unit = words(unit_label(s.unit, s.price_level))
    html = html_amount_captions(made["page"], unit)
    assert html == word_amount_captions(made["word"], unit)
    assert html[f"Tabel 1. Forslagets samlede økonomiske konsekvenser ({unit})"] == len(
        made["cat"].proposals)
    pdf_text = words(" ".join(made["pdf"]))
    assert [c for c in html if c not in pdf_text] == []


@pytest.mark.parametrize("key", sorted(OWN_LABELS))
def test_the_catalogues_own_labels_reach_every_format(made, key):
    from katalog.labels import LABELS

    own, default = OWN_LABELS[key], LABELS[key]
    assert own in html_headings(made["page"])
    assert own in word_headings(made["word"])
    assert own in words(" ".join(made["pdf"]))
    for where in (words(made["page"].get_text(" ")), words(" ".join(made["pdf"])),
                  " ".join(p.text for p in made["word"].paragraphs)):
        assert re.search(rf"(^|[^\w]){re.escape(default)}($|[^\w])", where) is None, key
