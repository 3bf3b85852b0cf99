"""Where the look comes from: the default `templates/` folder, optionally overridden.

A municipality points katalog at its own templates folder (`--templates`, or a `templates/`
folder beside its content). Every file there is used in place of the default with the same
relative path; everything else falls back to the defaults.

A templates folder beside the content arrives by pull request like the content, so it is read
the way content is (`katalog.safefs`): only regular files, never through a symlink (at the
file or at any folder below the templates folder), never blocking on a FIFO, at most
`TEMPLATE_LIMIT` bytes; and templates run in Jinja's immutable sandbox (`sandboxed`), so a
template can show data but never reach Python's internals (`cycler.__init__.__globals__`).

`macros_of` takes the macros a page template defines (checking that an override still has
those katalog needs), and `render_with` renders a page with some of its names replaced.
"""

from __future__ import annotations

import builtins
import hashlib
import os
import stat
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, MutableMapping, Sequence

from jinja2 import BaseLoader, BytecodeCache, Environment, Template, TemplateNotFound
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.runtime import Context, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..safefs import UnsafeFile, not_regular, read_regular

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_LIMIT = 20 * 1024 * 1024  # bytes: a template, stylesheet, font or image


def default_templates() -> Path:
    """The default templates: packaged with katalog, or the repository's `templates/`."""
    packaged = _PACKAGE_DIR / "templates"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent.parent / "templates"


@dataclass(frozen=True)
class TemplateSet:
    """The folders searched for templates, overrides first; `bytecode` (given by the
    build: `template_cache.TemplateBytecode`) keeps the templates compiled between builds
    for every environment made from `loader`."""

    dirs: tuple[Path, ...]
    bytecode: BytecodeCache | None = field(default=None, compare=False, repr=False)

    @classmethod
    def create(cls, override: Path | str | None = None,
               bytecode: BytecodeCache | None = None) -> "TemplateSet":
        default = default_templates()
        dirs = [Path(override).resolve()] if override else []
        if default.resolve() not in dirs:
            dirs.append(default.resolve())
        return cls(tuple(d for d in dirs if d.is_dir()), bytecode)

    def search_path(self, sub: str) -> list[Path]:
        return [d / sub for d in self.dirs if (d / sub).is_dir()]

    def find(self, rel: str) -> Path | None:
        """The first thing at `rel` (e.g. `word/katalog.docx`), whatever it is: read it
        with `read` (or `safefs.read_regular`), which refuses what is not a regular file."""
        for d in self.dirs:
            if os.path.lexists(d / rel):
                return d / rel
        return None

    def read(self, rel: str, limit: int = TEMPLATE_LIMIT) -> bytes:
        """The bytes of the first file at `rel`, read safely: `UnsafeFile` when it is not a
        regular file reached without a symlink below its templates folder; `OSError`."""
        for d in self.dirs:
            if os.path.lexists(d / rel):
                check_inside(d, rel)
                return read_regular(d / rel, limit)
        raise FileNotFoundError(2, "filen findes ikke", rel)

    def files(self, sub: str) -> dict[str, Path]:
        """All regular files under `sub`, relative path → file, overrides winning. Symlinks
        (to files or folders) and anything else that is not a regular file are left out:
        see `refused`."""
        found: dict[str, Path] = {}
        for d in reversed(self.dirs):
            for rel, path in _walk(d, sub)[0].items():
                found[rel] = path
        return dict(sorted(found.items()))

    def digest(self, *subs: str) -> str:
        """A digest of the files under `subs` (names and contents, overrides winning): what
        a cached output made from these templates is keyed by."""
        h = hashlib.sha256()
        for sub in subs:
            for rel, path in self.files(sub).items():
                h.update(f"{sub}/{rel}\0".encode("utf-8"))
                h.update(hashlib.sha256(read_regular(path, TEMPLATE_LIMIT)).digest())
        return h.hexdigest()

    def refused(self, sub: str) -> list[Path]:
        """What `files(sub)` leaves out: symlinks, FIFOs, devices (for a warning)."""
        return sorted(p for d in self.dirs for p in _walk(d, sub)[1])

    def loader(self, *subs: str) -> "SafeLoader":
        """A Jinja loader over these folders' `subs` (e.g. "pdf", "html"), in that order."""
        return SafeLoader([d / sub for sub in subs for d in self.dirs], self.bytecode)


def check_inside(root: Path, rel: str) -> os.stat_result:
    """`lstat` of `root/rel` when every folder below `root` on the way and the file itself
    are real (no symlink) and the file is regular; else `UnsafeFile`."""
    path = root
    parts = Path(rel).parts
    for i, part in enumerate(parts):
        if part in ("..", "") or os.path.isabs(part):
            raise UnsafeFile("stien peger ud af skabelonmappen", root / rel)
        path = path / part
        st = os.lstat(path)
        last = i == len(parts) - 1
        if stat.S_ISLNK(st.st_mode) or (last and not stat.S_ISREG(st.st_mode)):
            raise not_regular(st.st_mode, path)
        if not last and not stat.S_ISDIR(st.st_mode):
            raise UnsafeFile("en del af stien er ikke en mappe", path)
    return st


def _walk(root: Path, sub: str) -> tuple[dict[str, Path], list[Path]]:
    """The regular files under `root/sub` (relative path → file) reached without a symlink,
    and the entries left out (symlinks, FIFOs, devices, sockets)."""
    try:
        check_folder(root, sub)
    except OSError:
        return {}, []
    base = root / sub
    found: dict[str, Path] = {}
    refused: list[Path] = []
    for folder, dirs, names in os.walk(base, followlinks=False):
        here = Path(folder)
        for name in sorted(dirs):
            if os.path.islink(here / name):
                refused.append(here / name)
        for name in sorted(names):
            path = here / name
            mode = os.lstat(path).st_mode
            if stat.S_ISREG(mode):
                found[path.relative_to(base).as_posix()] = path
            else:
                refused.append(path)
    return found, refused


def check_folder(root: Path, sub: str) -> None:
    """`root/sub` is a folder reached without a symlink below `root` (else `OSError`)."""
    path = root
    for part in Path(sub).parts:
        path = path / part
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            raise NotADirectoryError(20, "ikke en mappe", str(path))


class SafeLoader(BaseLoader):
    """Jinja's FileSystemLoader, reading the way katalog reads content: the first folder
    that has the template wins; a template there that is a symlink, sits in a symlinked
    folder, is a FIFO or is too big stops the build with a Danish `UnsafeFile`."""

    def __init__(self, folders: Sequence[Path], bytecode: BytecodeCache | None = None) -> None:
        self.folders = [Path(f) for f in folders]
        self.bytecode = bytecode  # the environments made by `sandboxed` use it

    def get_source(self, environment: Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        parts = split_template_path(template)  # refuses ".." (TemplateNotFound)
        rel = "/".join(parts)
        for folder in self.folders:
            try:
                check_folder(folder.parent, folder.name)
            except OSError:
                continue
            path = folder / rel
            if not os.path.lexists(path):
                continue
            st = check_inside(folder, rel)
            data = read_regular(path, TEMPLATE_LIMIT)
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError:
                raise UnsafeFile("skabelonen er ikke UTF-8-tekst", path) from None
            mtime = st.st_mtime_ns
            return source, str(path), lambda: _unchanged(path, mtime)
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for folder in self.folders:
            names |= set(_walk(folder.parent, folder.name)[0])
        return sorted(names)

    def load(self, environment: Environment, name: str,
             globals: MutableMapping[str, Any] | None = None) -> Template:
        """Jinja's `BaseLoader.load`, first asking for the code compiled at install
        (`precompiled`: a default template, unchanged); then the bytecode cache; then
        compiling."""
        from .precompiled import code_for

        source, filename, uptodate = self.get_source(environment, name)
        code = code_for(environment, name, filename, source)
        if code is None:
            bcc = environment.bytecode_cache
            bucket = bcc.get_bucket(environment, name, filename, source) if bcc else None
            code = bucket.code if bucket is not None else None
            if code is None:
                code = environment.compile(source, name, filename)
                if bcc is not None and bucket is not None:
                    bucket.code = code
                    bcc.set_bucket(bucket)
        return environment.template_class.from_code(
            environment, code, globals if globals is not None else {}, uptodate)


def _unchanged(path: Path, mtime: int) -> bool:
    try:
        return os.lstat(path).st_mtime_ns == mtime
    except OSError:
        return False


class TemplateRefused(UnsafeFile):
    """A template reached for what the sandbox forbids; `filename` is "template:line"."""

    def __reduce__(self) -> tuple[Any, ...]:  # crosses the process pool whole
        return (TemplateRefused, (self.strerror, self.filename))


def _template_place() -> str | None:
    """"file:line" of the template being rendered (the innermost Jinja frame)."""
    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return f"{template.filename}:{template.get_corresponding_lineno(frame.f_lineno)}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


_SAFE: dict[tuple[type, str], bool] = {}  # (type, attribute) → the sandbox's verdict
_DICT_ATTRIBUTES = frozenset(dir(dict))  # what `getattr` finds on a plain dict
_METHODS = (types.MethodType, types.BuiltinMethodType)  # str.format is wrapped: Jinja's way


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, stopping at once with a Danish message naming the template
    and line (instead of Jinja's English SecurityError when the value is used)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Jinja's `getattr` (`t.rows`, `p.title`), with its answer for the two commonest
        cases worked out directly: a key of a plain dict that is not one of dict's own
        attributes (Jinja tries the attribute first, fails, then takes the key), and an
        attribute already found safe on objects of the same type whose value is not a
        method (Jinja would ask `is_safe_attribute` and look for `str.format` again). A
        page reads several hundred of these; anything else is Jinja's own path."""
        if type(obj) is dict:
            if attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
        elif _SAFE.get((type(obj), attribute)):
            try:
                value = builtins.getattr(obj, attribute)
            except AttributeError:
                pass
            else:
                if not isinstance(value, _METHODS):
                    return value
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's answer, worked out once per type and attribute name: it depends on
        nothing else (the name, and `isinstance` checks of the object against fixed
        types), and asking it for every attribute a page reads is a fifth of rendering."""
        key = (type(obj), attr)
        safe = _SAFE.get(key)
        if safe is None:
            safe = _SAFE[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        raise TemplateRefused(
            f"skabelonen må ikke bruge '{attribute}' på {type(obj).__name__} "
            "(skabeloner kan vise data, men ikke ændre dem eller nå Pythons indre)",
            _template_place())

    def call(self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().call(__context, __obj, *args, **kwargs)
        except SecurityError as exc:
            raise TemplateRefused(f"skabelonen må ikke kalde dette ({exc})",
                                  _template_place()) from None


def sandboxed(loader: BaseLoader, **options: Any) -> Environment:
    """A Jinja environment in the immutable sandbox: templates from a pull request may show
    data, never call into Python's internals or change the data they are given (either
    stops the build with `TemplateRefused`). A `SafeLoader` with a bytecode cache gives
    it to the environment."""
    options.setdefault("bytecode_cache", getattr(loader, "bytecode", None))
    return _Sandbox(loader=loader, **options)


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
