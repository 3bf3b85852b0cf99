"""Where the look comes from: the default `templates/` folder, optionally overridden.

A municipality points katalog at its own templates folder (`--templates`, or a `templates/`
folder beside its content). Every file there is used in place of the default with the same
relative path; everything else falls back to the defaults.

`macros_of` takes the macros a page template defines (checking that an override still has
those katalog needs), and `render_with` renders a page with some of its names replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from jinja2 import Environment, Template
from jinja2.runtime import Context, Macro
from markupsafe import Markup

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def default_templates() -> Path:
    """The default templates: packaged with katalog, or the repository's `templates/`."""
    packaged = _PACKAGE_DIR / "templates"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent.parent / "templates"


@dataclass(frozen=True)
class TemplateSet:
    """The folders searched for templates, overrides first."""

    dirs: tuple[Path, ...]

    @classmethod
    def create(cls, override: Path | str | None = None) -> "TemplateSet":
        default = default_templates()
        dirs = [Path(override).resolve()] if override else []
        if default.resolve() not in dirs:
            dirs.append(default.resolve())
        return cls(tuple(d for d in dirs if d.is_dir()))

    def search_path(self, sub: str) -> list[Path]:
        return [d / sub for d in self.dirs if (d / sub).is_dir()]

    def find(self, rel: str) -> Path | None:
        """The first existing file at `rel` (e.g. `word/katalog.docx`)."""
        for d in self.dirs:
            if (d / rel).is_file():
                return d / rel
        return None

    def files(self, sub: str) -> dict[str, Path]:
        """All files under `sub`, relative path → file, overrides winning."""
        found: dict[str, Path] = {}
        for d in reversed(self.dirs):
            base = d / sub
            if base.is_dir():
                for path in sorted(base.rglob("*")):
                    if path.is_file():
                        found[path.relative_to(base).as_posix()] = path
        return dict(sorted(found.items()))


# --- Rendering pieces of a template ----------------------------------------------------------

class TemplateProblem(ValueError):
    """A template override lacks something katalog needs (the message is Danish)."""


@dataclass(frozen=True)
class MacroNeed:
    """A macro a template must define: its name, how many arguments katalog passes by
    position, the ones it passes by name, and whether it calls it with a `call` block."""

    name: str
    positional: int = 0
    keywords: tuple[str, ...] = ()
    caller: bool = False

    def accepts(self, macro: Macro) -> bool:
        return (len(macro.arguments) >= self.positional + len(self.keywords)
                and all(k in macro.arguments for k in self.keywords)
                and (macro.caller or not self.caller))

    def shown(self) -> str:
        args = [f"{self.positional} argument" + ("er" if self.positional != 1 else "")]
        args += [f"argumentet '{k}'" for k in self.keywords]
        return " og ".join(args) + (" og vise sit call-indhold med caller()" if self.caller
                                    else "")


def _defined(env: Environment, name: str, context: Mapping[str, Any],
             block: str = "main") -> tuple[Template, Context]:
    """Template `name` and a context in which its top-level statements (imports, macro
    definitions) have run; `block` is left out (the rest of the page is rendered and
    dropped: the layout around the content is cheap)."""
    tmpl = env.get_template(name)
    ctx = tmpl.new_context(dict(context))
    if block in ctx.blocks:
        ctx.blocks[block] = [_nothing]
    for _ in tmpl.root_render_func(ctx):
        pass
    return tmpl, ctx


def render_block(env: Environment, name: str, block: str, context: Mapping[str, Any]) -> Markup:
    """One block of a template (e.g. `main` of `all.html`) rendered on its own."""
    tmpl, ctx = _defined(env, name, context, block)
    return Markup(env.concat(tmpl.blocks[block](ctx)))


def macros_of(env: Environment, name: str, context: Mapping[str, Any],
              needs: Sequence[MacroNeed] = ()) -> dict[str, Macro]:
    """The top-level macros of template `name`, defined in `context` (the variables they see
    besides their arguments); `TemplateProblem` names a needed one that is missing or takes
    other arguments. The template's `main` block is not rendered."""
    tmpl, ctx = _defined(env, name, context)
    found = {k: v for k, v in ctx.vars.items() if isinstance(v, Macro)}
    where = f"{name} ({tmpl.filename})" if tmpl.filename else name
    for need in needs:
        macro = found.get(need.name)
        if macro is None:
            raise TemplateProblem(
                f"skabelonen {where} mangler makroen '{need.name}', som katalog bruger til "
                "PDF'en og siden med hele kataloget; tag den med fra standardskabelonen")
        if not need.accepts(macro):
            raise TemplateProblem(
                f"skabelonen {where}: makroen '{need.name}' skal tage {need.shown()}")
    return found


def _nothing(_ctx: Any) -> Iterator[str]:
    return iter(())


def render_with(env: Environment, name: str, context: Mapping[str, Any],
                replace: Mapping[str, Any]) -> str:
    """Template `name` rendered with `context`, its `main` block seeing the names in `replace`
    in place of the template's own (e.g. a macro whose outputs were made elsewhere)."""
    tmpl = env.get_template(name)
    if not replace or "main" not in tmpl.blocks:
        return tmpl.render(**context)
    ctx = tmpl.new_context(dict(context))
    main = ctx.blocks["main"][0]

    def with_replacements(c: Any) -> Iterator[str]:
        c.vars.update(replace)
        return main(c)

    ctx.blocks["main"][0] = with_replacements
    try:
        return env.concat(tmpl.root_render_func(ctx))
    except Exception:  # noqa: BLE001 - as Template.render: the template's own traceback
        return env.handle_exception()
