"""The site's proposal pages in the cache (render/html `_page_key`): a second build takes every
proposal's page from the cache with the same bytes; editing one proposal makes its page
anew (and shows the edit) and no other; a change every page shows (a theme's title, a
label, a template) makes them all anew; the result is always the bytes of a build without
the cache. No timings here."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from katalog.build import build

from conftest import EXAMPLE, ROOT


def _pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted((out / "html").rglob("*")) if p.is_file()}


def _made(result_made: list[str]) -> set[str]:
    return {label for label in result_made if label.startswith("forslag/")}


@pytest.fixture()
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KATALOG_NO_CACHE", raising=False)
    folder = tmp_path / "content"
    shutil.copytree(EXAMPLE, folder)
    return folder


def _edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    edited, n = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert n == 1, pattern
    path.write_text(edited, encoding="utf-8")


def _uncached(content: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    return _pages(build(content, tmp_path / name, ["html"], cache=False).out)


def test_a_warm_build_reuses_every_proposal_page(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(content, out, ["html"])
    proposals = _made(first.made)
    assert len(proposals) >= 10
    cold = _pages(out)
    second = build(content, out, ["html"])
    assert _made(second.made) == set()
    assert proposals <= set(second.reused)
    assert _pages(out) == cold == _uncached(content, tmp_path, "plain")


def test_an_edit_makes_that_proposals_page_only(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(content, out, ["html"])
    path = sorted((content / "proposals").rglob("*.md"))[0]
    ident = re.search(r"(?m)^id: *(\S+)", path.read_text(encoding="utf-8"))
    assert ident is not None
    _edit(path, r"^title: .*$", "title: Et helt nyt navn til forslaget")
    again = build(content, out, ["html"])
    assert len(_made(again.made)) == 1 and ident.group(1) in next(iter(_made(again.made)))
    pages = _pages(out)
    assert pages == _uncached(content, tmp_path, "plain")
    assert b"Et helt nyt navn til forslaget" in pages["html/hele-kataloget.html"]


@pytest.mark.parametrize("change", ["theme", "label", "template"])
def test_what_every_page_shows_makes_every_page_anew(content: Path, tmp_path: Path,
                                                     change: str) -> None:
    out = tmp_path / "out"
    first = build(content, out, ["html"])
    if change == "theme":
        theme = sorted((content / "themes").glob("*.md"))[0]
        _edit(theme, r"^title: .*$", "title: Et omdøbt tema")
    elif change == "label":
        _edit(content / "catalogue.yaml", r"^title: .*$",
              "title: Budgetkatalog med nyt navn\nlabels:\n  breadcrumb: Sti til siden")
    else:
        override = content.parent / "templates" / "html"
        override.mkdir(parents=True)
        macros = (ROOT / "templates/html/_macros.html").read_text(encoding="utf-8")
        (override / "_macros.html").write_text(macros + "\n{# en lokal ændring #}\n",
                                               encoding="utf-8")
    again = build(content, out, ["html"])
    assert _made(again.made) == _made(first.made)
    assert _pages(out) == _uncached(content, tmp_path, "plain")
