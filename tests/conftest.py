"""Shared fixtures: the example catalogue and small catalogues written by the test."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "content"


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write `relative path → text` (dedented) under `root`; returns `root`."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


SMALL = {
    "catalogue.yaml": """
        title: Budgetkatalog 2026
        organisation: Testby Kommune
        years: [2026, 2027, 2028]
        price_level: 2026
        unit: 1000
        average_salary: 500
        targets: {2026: -10000, 2027: -10000, 2028: -10000}
        departments:
          - {code: SOF, name: Socialforvaltningen, share: 62.5}
          - {code: BUF, name: Børne- og Ungdomsforvaltningen, share: 37.5}
        """,
    "themes/01-adm.md": """
        ---
        id: administration
        number: 1
        title: Administration
        ---
        Færre og enklere arbejdsgange.
        """,
    "themes/02-it.md": """
        ---
        id: it
        number: 2
        title: Digitalisering
        ---
        """,
    "themes/03-old.md": """
        ---
        id: gammelt
        number: 3
        title: Indkøb
        merged_into: administration
        ---
        """,
    "proposals/A1.md": """
        ---
        id: A1
        title: Samling af administration
        theme: administration
        department: SOF
        summary: Administrationen samles.
        economy:
          - text: Lønbesparelse
            area: service
            group: varig
            amounts: {2026: -3000, 2027: -6000, 2028: -6000}
          - text: Implementering
            area: service
            group: engang
            amounts: {2026: 4000, 2027: 500}
          - text: Lokaler
            area: anlæg
            group: engang
            amounts: {2026: 1000}
        ---
        Tekst.
        """,
    "proposals/A2.md": """
        ---
        id: A2
        title: Færre møder
        theme: administration
        department: BUF
        summary: Kortere møder.
        economy:
          - text: Mødetid
            area: service
            group: varig
            amounts: {2026: -1250, 2027: "?", 2028: -2500}
        ---
        """,
    "proposals/I1.md": """
        ---
        id: I1
        title: Robotter
        theme: it
        department: BUF
        summary: Automatisering.
        allocation: nøgle
        economy:
          - text: Automatisering
            area: service
            group: varig
            amounts: {2026: -1001, 2027: 0}
        ---
        """,
    "proposals/I2.md": """
        ---
        id: I2
        title: Trukket forslag
        theme: it
        department: SOF
        status: trukket
        summary: Trukket.
        economy:
          - text: Noget
            area: service
            group: varig
            amounts: {2026: -99999}
        ---
        """,
}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A small, valid catalogue whose totals are checked by hand in the tests."""
    return write_tree(tmp_path / "content", SMALL)


@pytest.fixture
def example() -> Path:
    return EXAMPLE


# -- external programs ------------------------------------------------------------------------

import os
import shutil

REQUIRE_EXTERNALS = os.environ.get("KATALOG_REQUIRE_EXTERNALS") == "1"


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`, relative path → bytes (to compare two builds)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def record_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles in this process from now on (every part
    and page made here: KATALOG_WORKERS=1)."""
    import jinja2

    names: list[str] = []
    original = jinja2.Environment.compile

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        names.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", compile)
    monkeypatch.setenv("KATALOG_WORKERS", "1")
    return names


def require_program(*names: str) -> str:
    """Path of the first program found among `names`.

    Skips the test when none is installed (say which), except under
    KATALOG_REQUIRE_EXTERNALS=1 (set by .ci/run), where a missing program is a failure:
    CI must never pass by skipping what it was meant to check.
    """
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    message = f"needs {' or '.join(names)} (not installed; .ci/run installs it)"
    if REQUIRE_EXTERNALS:
        pytest.fail(message)
    pytest.skip(message)


def pdf_pages_text(path: Path) -> list[str]:
    """The text of every page of a PDF (pdftotext -layout), in page order."""
    import subprocess

    exe = require_program("pdftotext")
    out = subprocess.run([exe, "-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return out.split("\f")[:-1]


def require_file(path: Path, what: str) -> Path:
    """Like `require_program`, for a file that .ci/run fetches (e.g. axe-core)."""
    if path.is_file():
        return path
    message = f"needs {what} at {path} (.ci/run installs it)"
    if REQUIRE_EXTERNALS:
        pytest.fail(message)
    pytest.skip(message)


def shown(series, year: int, sign: str = "+") -> str:
    """What every document shows for a computed series in one year: the Danish amount, `-`
    for none, and for an incomplete year its known part and `+ ?` (or `?` alone); `sign`
    "-" for a difference, whose unknown rest is subtracted (`-4.500 − ?`)."""
    from katalog.numbers import format_exact, format_partial

    if year in series.unknown:
        return format_partial(series.known(year), sign=sign)
    return format_exact(series.get(year))
