"""precompiled: the default templates compiled at install. A build with them compiles no
default template and makes the same bytes as one without; an edited or overriding template,
another Python's table or a damaged one is compiled as before; messages still name the
template's file; and the table `make install` wrote covers every default template."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jinja2
import pytest

from katalog.build import build
from katalog.render import precompiled
from katalog.render.templates import default_templates

from conftest import EXAMPLE, read_tree, record_compiles

FORMATS = ["html", "pdf"]  # every environment of a build (the PDF's parts, charts, budget)


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default templates compiled into a folder of the test's own."""
    monkeypatch.setattr(precompiled, "FOLDER", tmp_path / "precompiled")
    precompiled._table.cache_clear()
    made = precompiled.generate()
    yield made
    precompiled._table.cache_clear()


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles in this process."""
    return record_compiles(monkeypatch)


def test_a_build_compiles_no_default_template_and_makes_the_same_bytes(
        table: Path, compiled: list[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with_table = tmp_path / "with"
    build(EXAMPLE, with_table, FORMATS, cache=False)
    assert compiled == []
    monkeypatch.setattr(precompiled, "code_for", lambda *_args: None)
    without = tmp_path / "without"
    build(EXAMPLE, without, FORMATS, cache=False)
    assert "all.html" in compiled and "proposal.html" in compiled and "del.html" in compiled
    assert read_tree(with_table) == read_tree(without)


def test_an_edited_template_is_compiled_and_an_unchanged_copy_is_not(
        table: Path, compiled: list[str], tmp_path: Path) -> None:
    own = tmp_path / "mine" / "html"
    own.mkdir(parents=True)
    theme = (default_templates() / "html" / "theme.html").read_text(encoding="utf-8")
    (own / "theme.html").write_text(theme, encoding="utf-8")  # the default's own bytes
    (own / "proposal.html").write_text(
        (default_templates() / "html" / "proposal.html").read_text(encoding="utf-8")
        .replace("{% block main %}", "{% block main %}<p>Lokal</p>", 1), encoding="utf-8")
    build(EXAMPLE, tmp_path / "out", ["html"], templates=own.parent, cache=False)
    assert compiled == ["proposal.html"]
    page = next((tmp_path / "out" / "html" / "forslag").glob("*.html"))
    assert "<p>Lokal</p>" in page.read_text("utf-8")


def test_the_code_names_the_template_file(table: Path) -> None:
    env = precompiled.environments()[0]
    template = env.get_template("theme.html")
    place = str(default_templates().resolve() / "html" / "theme.html")
    assert template.filename == place
    with pytest.raises(jinja2.UndefinedError) as caught:
        template.render()  # no context: a strict undefined, raised in the template
    frames = [tb.tb_frame.f_code.co_filename for tb in _walk(caught.value.__traceback__)]
    assert place in frames and precompiled.PLACEHOLDER not in frames


def _walk(tb):  # type: ignore[no-untyped-def]
    while tb is not None:
        yield tb
        tb = tb.tb_next


@pytest.mark.parametrize("damage", ["another python", "cut short", "not katalog's"])
def test_a_table_of_another_python_or_a_damaged_one_is_not_used(
        table: Path, damage: str, compiled: list[str]) -> None:
    data = table.read_bytes()
    head = precompiled.FORMAT + importlib.util.MAGIC_NUMBER
    table.write_bytes({"another python": precompiled.FORMAT + b"\0\0\r\n" + data[len(head):],
                       "cut short": data[:len(data) // 2],
                       "not katalog's": b"x" + data}[damage])
    precompiled._table.cache_clear()
    assert precompiled._table() == {}
    env = precompiled.environments()[0]
    env.get_template("theme.html")
    assert "theme.html" in compiled


def test_the_installed_table_covers_every_default_template() -> None:
    """`make install` (and `make test`) compiles the templates again whenever a template or
    katalog's code changed; a stale table only costs time, but this says so."""
    precompiled._table.cache_clear()
    installed = precompiled._table()
    assert installed, (f"{precompiled._file()} is missing: run `make install` "
                       "(python -m katalog.render.precompiled)")
    wanted = precompiled.compile_all(precompiled.environments())
    stale = sorted(set(wanted) - set(installed))
    assert not stale, "the compiled templates are stale: run `make install`"
    assert len(wanted) >= 20  # the site's, the PDF's, the chart's and the new proposal's


def test_a_folder_that_cannot_be_written_is_said_in_danish(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "fil"
    blocker.write_text("ikke en mappe", encoding="utf-8")
    monkeypatch.setattr(precompiled, "FOLDER", blocker / "precompiled")
    assert precompiled.main() == 1
    err = capsys.readouterr().err
    assert "kunne ikke skrive de oversatte skabeloner" in err and "Traceback" not in err
    precompiled._table.cache_clear()
