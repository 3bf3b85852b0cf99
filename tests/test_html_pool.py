"""render.html: proposal pages rendered in the process pool give exactly the serial bytes,
and the page cache (one pack file) still re-renders only what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from katalog import parallel
from katalog.build import build
from katalog.cache import FOLDER, PageCache
from katalog.render import html


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pool for any number of proposals, on 2 workers; the number of pools started."""
    if not parallel.starts_cheaply():
        pytest.skip("the pool starts by fork only on Linux with one thread running")
    started: list[int] = []
    real = parallel.ProcessPoolExecutor

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Counted)
    monkeypatch.setattr(html, "PARALLEL_MIN_PROPOSALS", 2)
    monkeypatch.setenv("KATALOG_WORKERS", "2")
    return started


def test_pool_and_serial_give_the_same_bytes(example: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             pool: list[int]) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(example, tmp_path / "pool", ["html"], cache=False)
    assert pool == [1]
    build(example, tmp_path / "cached/out", ["html"])  # pool, writing the cache
    build(example, tmp_path / "cached/out", ["html"])  # pool, every page from the cache
    monkeypatch.setenv("KATALOG_WORKERS", "1")
    build(example, tmp_path / "serial", ["html"], cache=False)
    assert len(pool) == 3
    serial = files(tmp_path / "serial")
    assert len(serial) > 20 and any(rel.startswith("html/forslag/") for rel in serial)
    assert files(tmp_path / "pool") == serial == files(tmp_path / "cached/out")


def test_pool_rebuild_renders_only_changed_pages(small: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 pool: list[int]) -> None:
    out = tmp_path / "out"
    first = PageCache.beside(out)
    build(small, out, ["html"], cache=first)
    assert pool and first.rendered and not first.reused
    assert sorted(p.name for p in (tmp_path / FOLDER).iterdir()) == ["documents.pack", "html.pack"]

    unchanged = PageCache.beside(out)
    build(small, out, ["html"], cache=unchanged)
    assert unchanged.rendered == [] and sorted(unchanged.reused) == sorted(first.rendered)
    monkeypatch.setenv("KATALOG_WORKERS", "1")  # the serial path makes the same keys
    serial = PageCache.beside(out)
    build(small, out, ["html"], cache=serial)
    assert serial.rendered == [] and len(pool) == 2
    monkeypatch.setenv("KATALOG_WORKERS", "2")

    i1 = small / "proposals/I1.md"
    i1.write_text(i1.read_text(encoding="utf-8") + "Ny tekst i brødteksten.\n", encoding="utf-8")
    body_only = PageCache.beside(out)
    build(small, out, ["html"], cache=body_only)
    assert sorted(body_only.rendered) == ["forslag/I1.html", "hele-kataloget.html"]
    assert "Ny tekst" in (out / "html/forslag/I1.html").read_text(encoding="utf-8")
    assert "Ny tekst" in (out / "html/assets/search-index.js").read_text(encoding="utf-8")

    build(small, tmp_path / "fresh", ["html"], cache=False)
    assert files(out / "html") == files(tmp_path / "fresh/html")


def test_a_failing_worker_leaves_the_previous_build(small: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    pool: list[int]) -> None:
    out = tmp_path / "out"
    build(small, out, ["html"])
    before = files(out)
    real = html._proposal_page

    def failing(job, i):  # type: ignore[no-untyped-def]
        if i == 1:
            raise RuntimeError("worker failed")
        return real(job, i)

    monkeypatch.setattr(html, "_proposal_page", failing)
    i1 = small / "proposals/I1.md"
    i1.write_text(i1.read_text(encoding="utf-8") + "Ny tekst.\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="worker failed"):
        build(small, out, ["html"])
    assert len(pool) == 2 and files(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
