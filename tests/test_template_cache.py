"""template_cache: Jinja's compiled templates kept in the store. A second build compiles
nothing and makes the same bytes; a changed template is compiled anew; a record katalog did
not write (bytecode is code) is never loaded; environments that compile differently never
share a record."""

from __future__ import annotations

import hashlib
import io
import marshal
import pickle
import shutil
from pathlib import Path

import pytest
from jinja2 import DictLoader, select_autoescape
from jinja2.bccache import bc_magic

from katalog.build import build
from katalog.cache import FOLDER, FORMAT, Store
from katalog.render.templates import TemplateSet, sandboxed
from katalog.template_cache import NAMESPACE, TemplateBytecode

from conftest import EXAMPLE, read_tree, record_compiles

KEY = b"k" * 32


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles in this process (without the default
    templates compiled at install, `render.precompiled`: as for an override, or a katalog
    installed without them)."""
    from katalog.render import precompiled

    monkeypatch.setattr(precompiled, "code_for", lambda *_args: None)
    return record_compiles(monkeypatch)


def test_a_second_build_compiles_nothing_and_makes_the_same_bytes(
        tmp_path: Path, compiled: list[str]) -> None:
    out = tmp_path / "build"
    build(EXAMPLE, out, ["html"])
    assert "proposal.html" in compiled and "all.html" in compiled
    first = read_tree(out)
    records = list((tmp_path / FOLDER / NAMESPACE).rglob("*"))
    assert [r for r in records if r.is_file()]
    compiled.clear()
    build(EXAMPLE, out, ["html"])
    assert compiled == []
    assert read_tree(out) == first


def test_a_changed_template_is_compiled_anew(tmp_path: Path, compiled: list[str]) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "build"
    build(content, out, ["html"])
    override = tmp_path / "templates" / "html"  # beside the content: used by default
    override.mkdir(parents=True)
    theme = (Path(__file__).resolve().parent.parent / "templates/html/theme.html").read_text(
        encoding="utf-8")
    (override / "theme.html").write_text(
        theme.replace("{% block main %}", "{% block main %}<p>Lokal skabelon</p>", 1),
        encoding="utf-8")
    compiled.clear()
    build(content, out, ["html"])
    assert compiled == ["theme.html"]
    assert "Lokal skabelon" in next((out / "html/tema").glob("*.html")).read_text("utf-8")


def test_a_planted_record_is_never_loaded(tmp_path: Path, compiled: list[str]) -> None:
    """Bytecode is code: a record with a sound checksum but not this user's key (what a pull
    request could plant) must not run; the template is compiled and the page is right."""
    out = tmp_path / "build"
    build(EXAMPLE, out, ["html"])
    first = read_tree(out)
    witness = tmp_path / "ran"
    evil = compile(f"open({str(witness)!r}, 'w').write('x')", "<planted>", "exec")
    records = [r for r in (tmp_path / FOLDER / NAMESPACE).rglob("*") if r.is_file()]
    for record in records:
        payload = io.BytesIO(record.read_bytes()[len(FORMAT) + 32:])
        assert payload.read(len(bc_magic)) == bc_magic
        checksum = pickle.load(payload)  # the real source's: Jinja would accept the code
        planted = bc_magic + pickle.dumps(checksum, 2) + marshal.dumps(evil)
        record.write_bytes(FORMAT + hashlib.sha256(planted).digest() + planted)
    compiled.clear()
    build(EXAMPLE, out, ["html"])
    assert not witness.exists()
    assert "index.html" in compiled and "all.html" in compiled
    assert read_tree(out) == first


def test_environments_that_compile_differently_keep_apart(tmp_path: Path) -> None:
    """The same template source under two autoescape settings compiles to different code:
    each environment gets its own record, so neither gets the other's escaping."""
    store = Store(tmp_path / FOLDER, KEY)
    source = {"page.html": "{{ x }}", "page.txt": "{{ x }}"}
    loader = DictLoader(source)

    def render(autoescape: bool) -> str:
        env = sandboxed(loader, autoescape=autoescape, bytecode_cache=TemplateBytecode(store))
        return env.get_template("page.html").render(x="<b>")

    assert render(True) == "&lt;b&gt;"
    assert render(False) == "<b>"
    assert render(True) == "&lt;b&gt;"  # both from records now
    entries = [r for r in (tmp_path / FOLDER / NAMESPACE).rglob("*") if r.is_file()]
    assert len(entries) == 2
    by_name = sandboxed(loader, autoescape=select_autoescape(["html"]),
                        bytecode_cache=TemplateBytecode(store))
    assert by_name.get_template("page.txt").render(x="<b>") == "<b>"


def test_the_template_set_gives_its_cache_to_every_environment(tmp_path: Path) -> None:
    bytecode = TemplateBytecode(Store(tmp_path / FOLDER, KEY))
    env = sandboxed(TemplateSet.create(None, bytecode).loader("html"))
    assert env.bytecode_cache is bytecode
    assert sandboxed(TemplateSet.create().loader("html")).bytecode_cache is None
    assert TemplateSet.create(None, bytecode) == TemplateSet.create()  # not part of its identity
