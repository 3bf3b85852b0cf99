"""render/templates.py and packaging: the default look ships inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from katalog.render import templates
from katalog.render.templates import TemplateSet, default_templates

ROOT = Path(__file__).resolve().parent.parent


def _template_files() -> set[str]:
    base = ROOT / "templates"
    return {
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_repository_templates_are_the_default_in_a_checkout() -> None:
    assert default_templates().resolve() == (ROOT / "templates").resolve()


def test_packaged_templates_are_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "katalog" / "templates" / "html").mkdir(parents=True)
    monkeypatch.setattr(templates, "_PACKAGE_DIR", tmp_path / "katalog")
    assert default_templates() == tmp_path / "katalog" / "templates"


def test_override_folder_comes_first(tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    ts = TemplateSet.create(tmp_path)
    assert ts.dirs[0] == tmp_path.resolve()
    assert ts.search_path("html")[0] == tmp_path.resolve() / "html"
    assert ts.search_path("pdf") == [default_templates().resolve() / "pdf"]


def test_wheel_contains_every_template_file(tmp_path: Path) -> None:
    """`pip install katalog` must bring the look along: HTML, PDF, fonts, Word template."""
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    (wheel,) = tmp_path.glob("katalog-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packaged = {n.removeprefix("katalog/templates/") for n in names
                if n.startswith("katalog/templates/")}
    assert packaged == _template_files()
    assert {"katalog/py.typed", "katalog/cli.py", "katalog/render/pdf.py"} <= names
    assert "templates/word/katalog.docx" not in names  # only inside the package
