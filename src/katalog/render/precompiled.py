"""The default templates, compiled when katalog is installed (as Python compiles its modules).

Jinja compiles every template it loads to Python code: for the site's pages that is ≈ 0.1 s
of a first build (a tenth of a cold HTML build of 200 proposals), paid again by every build
that starts without a cache, such as a municipality's CI. `make install` (and `make test`,
`make catalogue`) runs `python -m katalog.render.precompiled`, which compiles each default
template with each environment katalog renders it in and writes the code, marshalled for
this Python, to `katalog/_precompiled/` (ignored by git, like `__pycache__`). A build never
writes there.

`SafeLoader` asks `code_for` before compiling: the code is used only when the template's
source, its name, the environment's compile settings (Jinja's version included) and the
names of its filters and tests are those it was compiled with, so an override, an edited
template, another Jinja or another Python compiles as before (and is then kept in the
build's cache, `template_cache`). The code is katalog's own, written by the install, and
trusted as its modules are; a catalogue's templates folder never reaches it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any, Callable, Iterable

from jinja2 import Environment

FOLDER = Path(__file__).resolve().parent.parent / "_precompiled"
PLACEHOLDER = "<katalog-precompiled>"  # the code's file name until it is loaded
FORMAT = b"katalog-templates-1\n"


def compile_settings(env: Environment, name: str) -> str:
    """What, besides the source, decides the code Jinja compiles template `name` to."""
    import jinja2

    autoescape: Any = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    return repr((
        jinja2.__version__, f"{type(env).__module__}.{type(env).__qualname__}", env.sandboxed,
        autoescape, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline,
        env.newline_sequence, env.optimized, env.is_async, sorted(env.extensions),
        env.block_start_string, env.block_end_string, env.variable_start_string,
        env.variable_end_string, env.comment_start_string, env.comment_end_string,
        env.line_statement_prefix, env.line_comment_prefix,
        f"{env.undefined.__module__}.{env.undefined.__qualname__}"))


def key(env: Environment, name: str, source: str) -> str:
    """What a compiled template is found by: the settings, the filters and tests a template
    may name (an unknown one is an error when compiling), the name and the source."""
    h = hashlib.sha256()
    for part in (compile_settings(env, name), repr(sorted(env.filters)),
                 repr(sorted(env.tests)), name, source):
        data = part.encode("utf-8")
        h.update(b"%d:" % len(data) + data)
    return h.hexdigest()


def _file() -> Path:
    """The compiled templates for this Python (marshalled code is per Python version)."""
    return FOLDER / f"templates.{sys.implementation.cache_tag}.marshal"


@lru_cache(maxsize=1)
def _table() -> dict[str, CodeType]:
    """key → code, as written by `generate` for this Python; {} when there is none."""
    try:
        data = _file().read_bytes()
    except OSError:
        return {}
    head = FORMAT + importlib.util.MAGIC_NUMBER
    if not data.startswith(head):
        return {}
    try:
        table = marshal.loads(data[len(head):])
    except (EOFError, ValueError, TypeError):
        return {}
    return table if isinstance(table, dict) else {}


def loaded() -> bool:
    """Read the compiled templates now (once per process); whether there are any."""
    return bool(_table())


def code_for(env: Environment, name: str, filename: str | None, source: str) -> CodeType | None:
    """The code compiled at install for this template, or None (Jinja compiles it)."""
    table = _table()
    if not table:
        return None
    code = table.get(key(env, name, source))
    return None if code is None else _named(code, filename or name)


def _named(code: CodeType, filename: str) -> CodeType:
    """`code` (and the functions in it) as if compiled from `filename`: the template's
    place in messages and tracebacks."""
    consts = tuple(_named(c, filename) if isinstance(c, CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


# -- made at install ------------------------------------------------------------------------

def environments() -> list[Environment]:
    """Every environment katalog renders its default templates in (`html`: the site; `pdf`:
    the PDF's parts, over the PDF's and the site's templates; the charts; a new proposal)."""
    from ..scaffold import environment as scaffold_environment
    from . import chart_draw, html, pdf
    from .templates import TemplateSet

    templates = TemplateSet.create()
    return [html.environment(templates), pdf.environment(templates),
            chart_draw.environment(), scaffold_environment(templates)]


def compile_all(envs: Iterable[Environment]) -> dict[str, CodeType]:
    """key → code of every template (`.html`, `.j2`) the environments' loaders list, each
    compiled as the environment would (one that does not compile there is left out: it is
    not one of that environment's templates)."""
    table: dict[str, CodeType] = {}
    for env in envs:
        assert env.loader is not None
        for name in env.loader.list_templates():
            if not name.endswith((".html", ".j2")):
                continue
            source, _filename, _ = env.loader.get_source(env, name)
            try:
                code = env.compile(source, name, PLACEHOLDER)
            except Exception:  # noqa: BLE001 - e.g. a filter only another environment has
                continue
            table[key(env, name, source)] = code
    return table


def generate(envs: Callable[[], list[Environment]] = environments) -> Path:
    """Compile the default templates and write them for this Python (atomically)."""
    table = compile_all(envs())
    FOLDER.mkdir(exist_ok=True)
    path = _file()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(FORMAT + importlib.util.MAGIC_NUMBER + marshal.dumps(table))
    os.replace(tmp, path)
    _table.cache_clear()
    return path


def main() -> int:
    """`python -m katalog.render.precompiled` (run by `make install`)."""
    try:
        made = generate()
    except OSError as exc:
        print(f"kunne ikke skrive de oversatte skabeloner til {FOLDER}: "
              f"{exc.strerror or exc} (katalog virker uden dem, blot lidt langsommere)",
              file=sys.stderr)
        return 1
    print(f"{len(_table())} skabeloner oversat til {made}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
