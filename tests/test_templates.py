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
    # the default templates compiled by `make install` travel along (render.precompiled)
    compiled = {f"katalog/_precompiled/{p.name}"
                for p in (ROOT / "src/katalog/_precompiled").glob("*.marshal")}
    assert compiled and compiled <= names


# -- pieces of a template: macros_of, render_with, render_block -------------------------------

def _env(files: dict[str, str]):  # type: ignore[no-untyped-def]
    from jinja2 import DictLoader, Environment, StrictUndefined

    return Environment(loader=DictLoader(files), undefined=StrictUndefined, autoescape=True)


PAGE = {
    "base.html": "<title>{{ s }}</title>{% block main %}{% endblock %}",
    "page.html": (
        '{% extends "base.html" %}'
        "{% macro item(p) %}<i>{{ p }}{{ s }}</i>{% endmacro %}"
        "{% macro box(t, size=1) %}[{{ t }}:{{ size }}{{ caller() }}]{% endmacro %}"
        "{% block main %}{% for p in ps %}{{ item(p) }}{% endfor %}"
        "{% call box('b') %}{{ item(0) }}{% endcall %}{% endblock %}"),
}


def test_macros_of_gives_the_macros_without_rendering_the_page() -> None:
    from katalog.render.templates import MacroNeed, macros_of

    macros = macros_of(_env(PAGE), "page.html", {"s": "!"},
                       [MacroNeed("item", 1), MacroNeed("box", 1, ("size",), caller=True)])
    assert str(macros["item"](3)) == "<i>3!</i>"  # the page's variables, no `ps` needed
    assert str(macros["box"]("x", size=2, caller=lambda: "c")) == "[x:2c]"


@pytest.mark.parametrize("need, words", [
    (("missing", 0, (), False), "mangler makroen 'missing'"),
    (("item", 2, (), False), "'item' skal tage 2 argumenter"),
    (("item", 1, ("pages",), False), "argumentet 'pages'"),
    (("item", 1, (), True), "caller()"),
])  # fmt: skip
def test_macros_of_names_what_an_override_lacks(need: tuple, words: str) -> None:  # type: ignore[type-arg]
    from katalog.render.templates import MacroNeed, TemplateProblem, macros_of

    with pytest.raises(TemplateProblem) as err:
        macros_of(_env(PAGE), "page.html", {"s": "!"}, [MacroNeed(*need)])
    assert words in str(err.value) and "page.html" in str(err.value)


def test_render_with_replaces_a_name_in_the_main_block() -> None:
    from markupsafe import Markup

    from katalog.render.templates import render_block, render_with

    env = _env(PAGE)
    context = {"s": "!", "ps": [1, 2]}
    plain = env.get_template("page.html").render(**context)
    assert plain == "<title>!</title><i>1!</i><i>2!</i>[b:1<i>0!</i>]"
    assert render_with(env, "page.html", context, {}) == plain
    made = render_with(env, "page.html", context, {"item": lambda p: Markup(f"<b>{p}</b>")})
    assert made == "<title>!</title><b>1</b><b>2</b>[b:1<b>0</b>]"
    assert render_block(env, "page.html", "main", context) == plain[len("<title>!</title>"):]


# -- a templates folder from a pull request (issue 18) ----------------------------------------

from katalog.build import build  # noqa: E402
from katalog.render.templates import TemplateRefused  # noqa: E402
from katalog.safefs import UnsafeFile  # noqa: E402

from conftest import write_tree  # noqa: E402

HOSTILE = {
    "internals": "{{ cycler.__init__.__globals__.os.getcwd() }}",
    "a list changed": "{% set x = [] %}{{ x.append(1) }}",
    "a dict changed": "{% set d = {} %}{{ d.update(a=1) }}",
}


def _with_main_block(extra: str) -> str:
    text = (default_templates() / "html" / "theme.html").read_text(encoding="utf-8")
    assert "{% block main %}" in text
    return text.replace("{% block main %}", "{% block main %}\n\n" + extra, 1)


@pytest.mark.parametrize("what", sorted(HOSTILE))
def test_a_template_cannot_reach_python_or_change_data(small, tmp_path, what):
    """Templates run in the immutable sandbox; what it refuses stops the build with a
    Danish message naming the template and its line, and nothing is written."""
    own = write_tree(tmp_path / "mine", {"html/theme.html": _with_main_block(HOSTILE[what])})
    with pytest.raises(TemplateRefused) as caught:
        build(small, tmp_path / "out", ["html"], templates=own, cache=False)
    place = f"{own.resolve() / 'html' / 'theme.html'}:"
    assert str(caught.value).startswith(place), str(caught.value)
    line = int(str(caught.value)[len(place):].split(":")[0])
    assert line == _with_main_block(HOSTILE[what]).splitlines().index(HOSTILE[what]) + 1
    assert "skabelonen må ikke" in str(caught.value)
    assert not (tmp_path / "out" / "html").exists()


def test_the_pdf_parts_refuse_the_same_in_the_pool(small, tmp_path):
    """The PDF's parts are laid out in worker processes: the refusal crosses the pool whole."""
    text = (default_templates() / "html" / "all.html").read_text(encoding="utf-8")
    text = text.replace('<section class="cover">',
                        '<section class="cover">{{ cycler.__init__.__globals__ }}', 1)
    own = write_tree(tmp_path / "mine", {"html/all.html": text})
    with pytest.raises(TemplateRefused, match="skabelonen må ikke bruge '__init__'"):
        build(small, tmp_path / "out", ["pdf"], templates=own, cache=False)


def test_a_template_symlink_out_of_the_folder_or_a_fifo_is_refused(small, tmp_path):
    import os

    secret = tmp_path / "secret.html"
    secret.write_text("{% extends 'base.html' %}hemmeligt", encoding="utf-8")
    own = tmp_path / "mine" / "html"
    own.mkdir(parents=True)
    (own / "theme.html").symlink_to(secret)
    with pytest.raises(UnsafeFile, match="symbolsk link"):
        build(small, tmp_path / "out", ["html"], templates=own.parent, cache=False)
    (own / "theme.html").unlink()
    os.mkfifo(own / "theme.html")  # never read: a FIFO would block the build for ever
    with pytest.raises(UnsafeFile, match="FIFO"):
        build(small, tmp_path / "out", ["html"], templates=own.parent, cache=False)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_sandbox_verdict_is_per_type_and_name():
    """The sandbox remembers its verdict per (type, attribute): a harmless `append` field of
    a katalog object never lets a list's `append` through, nor the other way round, and a
    function's internals stay refused however often they are asked for."""
    from dataclasses import dataclass

    from jinja2 import DictLoader

    @dataclass(frozen=True)
    class Row:
        append: str = "en kolonne"

    env = templates.sandboxed(DictLoader({
        "field.html": "{{ row.append }}",
        "mutate.html": "{{ rows.append(1) }}",
        "internals.html": "{{ fn.__globals__ }}",
    }))
    for _ in range(2):
        assert env.get_template("field.html").render(row=Row()) == "en kolonne"
        rows: list[int] = []
        with pytest.raises(TemplateRefused):
            env.get_template("mutate.html").render(rows=rows)
        assert rows == []
        with pytest.raises(TemplateRefused):
            env.get_template("internals.html").render(fn=test_the_sandbox_verdict_is_per_type_and_name)


def test_the_sandbox_reads_attributes_as_jinjas_own_sandbox_does():
    """`_Sandbox.getattr` answers a plain dict's keys and attributes found safe before
    directly: every answer is still the one Jinja's immutable sandbox gives (the value, an
    undefined of the same name, a refusal, a sandboxed `str.format`), asked twice so the
    second answer comes from what the first one learnt."""
    from dataclasses import dataclass

    from jinja2 import Undefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from markupsafe import Markup

    @dataclass(frozen=True)
    class Row:
        label: str = "Husleje"
        cells: tuple[str, ...] = ("1", "2")
        items: str = "en kolonne"

        def total(self) -> int:
            return 3

    plain = ImmutableSandboxedEnvironment()
    ours = templates.sandboxed(templates.SafeLoader([]))
    objects = [{"label": "a", "items": "b", "_x": 1, "get": "c"}, Row(), "tekst",
               Markup("<b>{}</b>"), [1, 2], {"a"}]
    names = ["label", "items", "_x", "get", "cells", "total", "missing", "format",
             "format_map", "upper", "append", "add", "__class__", "__init__"]

    def shown(value: object) -> object:
        if isinstance(value, Undefined):
            return ("undefined", value._undefined_name, type(value._undefined_exception))
        if callable(value) and getattr(value, "__name__", "") in ("format", "format_map"):
            return ("format", value("x") if value.__name__ == "format" else type(value))
        return value

    for _ in range(2):
        for obj in objects:
            for name in names:
                expected = plain.getattr(obj, name)
                try:
                    got = ours.getattr(obj, name)
                except TemplateRefused:
                    assert isinstance(expected, Undefined), (obj, name)
                    continue
                if isinstance(expected, Undefined) and not isinstance(got, Undefined):
                    raise AssertionError((obj, name, got))
                assert shown(got) == shown(expected), (obj, name)
