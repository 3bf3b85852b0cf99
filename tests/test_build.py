"""build: nothing written on invalid content, atomic replace, foreign folders refused."""

from __future__ import annotations

import json

import pytest

from katalog.build import MARKER, BuildError, OutputRefused, build
from katalog.cache import FOLDER


def test_build_writes_totals(small, tmp_path):
    out = tmp_path / "build"
    result = build(small, out)
    assert (out / MARKER).exists()
    data = json.loads((out / "totals.json").read_text(encoding="utf-8"))
    assert data["total"]["2028"] == -8500
    assert {p.name for p in result.files} >= {"totals.json", "totals.md", "totals.csv"}


def test_invalid_content_writes_nothing_and_keeps_previous(small, tmp_path):
    out = tmp_path / "build"
    build(small, out)
    before = (out / "totals.json").read_bytes()
    (small / "proposals/A1.md").write_text("---\nid: A1\n---\n", encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build(small, out)
    assert err.value.report.has_errors
    assert (out / "totals.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [FOLDER, "build", "content"]  # no temp left


def test_invalid_content_into_new_folder_creates_nothing(small, tmp_path):
    (small / "catalogue.yaml").write_text("years: [2026]\n", encoding="utf-8")
    with pytest.raises(BuildError):
        build(small, tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_failed_render_keeps_previous(small, tmp_path, monkeypatch):
    out = tmp_path / "build"
    build(small, out)
    before = (out / "totals.json").read_bytes()
    from katalog import build as build_mod

    def boom(*_args):
        raise RuntimeError("render failed")

    monkeypatch.setitem(build_mod.RENDERERS, "totals", (boom, ("totals.json",)))
    with pytest.raises(RuntimeError):
        build(small, out)
    assert (out / "totals.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [FOLDER, "build", "content"]


def test_foreign_folder_is_refused(small, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "important.docx").write_text("x")
    with pytest.raises(OutputRefused):
        build(small, out)
    assert (out / "important.docx").exists()


def test_empty_folder_is_accepted(small, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    build(small, out)
    assert (out / "totals.json").exists()


def test_rebuild_is_byte_identical(small, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    build(small, a)
    build(small, b)
    for name in ("totals.json", "totals.md", "totals.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_html_pdf_and_docx_carry_the_budget_documents(example, small):
    """The budget year's documents are part of the html, pdf and docx formats (planned beside
    the catalogue's files) once the council has decided, and absent before that."""
    from katalog.build import BUDGET_DOCUMENTS, RENDERERS, document_date
    from katalog.pipeline import check
    from katalog.render.budget_docs import AGREEMENT, FOLLOW_UP
    from katalog.render.plan import Options
    from katalog.render.templates import TemplateSet

    assert BUDGET_DOCUMENTS == (AGREEMENT, FOLLOW_UP)
    suffix = {"html": "html/{}.html", "pdf": "{}.pdf", "docx": "{}.docx"}
    for folder, expected in ((example, set(BUDGET_DOCUMENTS)), (small, set())):
        checked = check(folder)
        opts = Options(TemplateSet.create(), document_date(checked.catalogue.settings.date, folder))
        for name, pattern in suffix.items():
            planner, under = RENDERERS[name]
            paths = {a.path for a in planner(checked.catalogue, checked.totals, opts).artifacts}
            assert {d for d in BUDGET_DOCUMENTS if pattern.format(d) in paths} == expected, name
            assert all(p.split("/")[0] in under for p in paths if p.startswith(BUDGET_DOCUMENTS))


def test_a_catalogue_without_proposals_builds_every_format(tmp_path):
    """A new catalogue, themes written but no proposal yet: every format is made (jobs that
    wait for the proposals' jobs and the chart then have nothing to wait for)."""
    from conftest import write_tree

    content = write_tree(tmp_path / "content", {
        "catalogue.yaml": """
            title: Tomt katalog
            organisation: Testby Kommune
            years: [2028, 2029]
            price_level: 2028
            unit: 1
            departments: [{code: SOF, name: Socialforvaltningen}]
            """,
        "themes/t1.md": "---\nid: t1\nnumber: 1\ntitle: Et tema\n---\n",
    })
    (content / "proposals").mkdir()
    result = build(content, tmp_path / "out")
    names = {p.relative_to(result.out).as_posix() for p in result.files}
    assert {"katalog.pdf", "katalog.docx", "katalog.xlsx", "totals.json",
            "html/hele-kataloget.html"} <= names
    assert "no-proposals" in [i.code for i in result.report.sorted()]


def test_the_modules_a_build_imports_ahead_are_katalogs(monkeypatch):
    """While the content is parsed in the pool, a build imports what its formats will use
    (`build.MODULES`): every name there is a module, and importing them ahead changes no
    byte of the output (test_rebuild_is_byte_identical builds with it)."""
    import importlib

    from katalog import build as build_module

    assert set(build_module.MODULES) == set(build_module.RENDERERS)
    for names in build_module.MODULES.values():
        for name in names:
            importlib.import_module(name)
    build_module._import_renderers(list(build_module.RENDERERS))
