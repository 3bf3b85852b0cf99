"""`katalog` on the command line: a thin layer over the library that prints and exits.

Exit codes: 0 success, 1 invalid content or a failure, 2 wrong usage.

Start-up is part of the interface (`katalog --help` answers at once, issue 14): this module
imports only click and the CLI's Danish words, and every command imports the library parts
it needs inside itself — nothing of the pipeline, the cache, rich, Jinja2, WeasyPrint or
python-docx is loaded before a command needs it (tests/test_cli.py checks it in a fresh
process).

Nothing ends in a traceback: click's own words are Danish (`cli_da`), OS errors become Danish
messages (exit 2 when they are about a path the user gave, else 1), and any other exception
is one Danish line, exit 1; KATALOG_DEBUG=1 shows the traceback instead.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import TYPE_CHECKING, Any, Iterable, NoReturn

import click

from . import __version__, cli_da, textsafe

cli_da.install()  # before the commands below are declared (see cli_da.install)

if TYPE_CHECKING:
    from pathlib import Path  # imported where used: pathlib alone is ~10 ms of start-up

    from .issues import Issue, Report

CONTEXT = {"help_option_names": ["-h", "--help"]}
OPTIONS_METAVAR = "[TILVALG]"
MAX_MESSAGE = 500  # an exception's text shown on one line is cut here
TEXTCONV_LIMIT = 16 * 1024 * 1024


# -- the one way out for text -----------------------------------------------------------------


def printable(text: str, newlines: bool = True) -> str:
    """Text derived from content (paths, titles, issues, exception messages) as it may reach
    the terminal: every control character shown as a visible escape (`textsafe.printable`),
    so a title or file name cannot move the cursor, recolour or rewrite the terminal. Every
    line below is printed through `say` or raised through `usage_error`, both of which call
    this."""
    return textsafe.printable(text, newlines)


def say(text: str, *, err: bool = True, nl: bool = True) -> None:
    """Print a message (standard error by default) or output (`err=False`)."""
    click.echo(printable(text), err=err, nl=nl)


def terminal(stderr: bool = False) -> Any:
    """A rich console for tables and the diff that neither reads markup in content (`[bold]`,
    `[link=…]` in a title stay text) nor lets a control character from content reach the
    terminal: every text segment passes `printable`; rich's own styles are added after."""
    from rich.console import Console

    class SafeConsole(Console):
        def _render_buffer(self, buffer: Any) -> str:
            from rich.segment import Segment

            return str(super()._render_buffer(
                Segment(seg.text if seg.control else printable(seg.text), seg.style, seg.control)
                for seg in buffer))

    return SafeConsole(stderr=stderr, highlight=False, markup=False, emoji=False)


def usage_error(message: str) -> click.UsageError:
    """A usage error (exit 2) whose message may carry content-derived text."""
    return click.UsageError(printable(message))


def _debug() -> bool:
    return bool(os.environ.get("KATALOG_DEBUG"))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + " …"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _unexpected(exc: Exception, note: str = "") -> NoReturn:
    """The last resort: one Danish line and exit 1 (callers re-raise under KATALOG_DEBUG)."""
    extra = f"; {note}" if note else ""
    say(f"katalog fejlede uventet: {_one_line(exc)}{extra}; "
        "kør med KATALOG_DEBUG=1 for detaljer")
    sys.exit(1)


# -- click's classes, set to katalog's words and rules ---------------------------------------


class KatalogCommand(click.Command):
    """A command whose usage line reads `[TILVALG]` (click hard-codes "[OPTIONS]")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)


class KatalogGroup(click.Group):
    """The `katalog` group: Danish usage words, and no command ends in a traceback."""

    command_class = KatalogCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", "KOMMANDO [ARGUMENTER]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            if exc.errno == errno.EPIPE or _debug():
                raise  # click itself ends a broken pipe (`katalog totals | head`) quietly
            say(f"katalog stoppede: {cli_da.describe(exc)}")
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - the catch-all the module docstring promises
            if _debug():
                raise
            _unexpected(exc)


# -- helpers shared by the commands -----------------------------------------------------------


def _content(path: str) -> Path:
    from pathlib import Path

    folder = Path(path)
    if not folder.is_dir():
        raise usage_error(f"indholdsmappen '{path}' findes ikke (angiv fx ./content)")
    return folder


def _print_issues(issues: Iterable[Issue], err: bool = False) -> None:
    for issue in issues:  # one issue, one line: a newline in a file name cannot fake another
        click.echo(printable(issue.format(), newlines=False), err=err)


def _summary(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    return f"{errors} fejl, {warnings} {'advarsel' if warnings == 1 else 'advarsler'}"


def _cache_option(func: Any) -> Any:
    return click.option("--no-cache", "no_cache", is_flag=True,
                        help="Brug ikke mellemlageret; læs og beregn alt forfra.")(func)


@click.group(cls=KatalogGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", message="katalog %(version)s")
def main() -> None:
    """katalog: budget- og sparekataloger fra YAML/Markdown til Word, PDF og HTML.

    Alle totaler beregnes, og alle tal vises i dansk format.
    """


# -- check and totals -------------------------------------------------------------------------


@main.command(name="check")
@click.argument("content", default="content", metavar="[INDHOLD]")
@_cache_option
def check_cmd(content: str, no_cache: bool) -> None:
    """Kontrollér kataloget og vis alle fejl og advarsler med fil og linje."""
    from .pipeline import check_report

    checked = check_report(_content(content), cache=not no_cache)
    _print_issues(checked.report.sorted())
    if checked.report.has_errors:
        say(f"Kataloget er ikke gyldigt: {_summary(checked.report)}.")
        sys.exit(1)
    say(f"Kataloget er gyldigt: {checked.themes} temaer, {checked.proposals} forslag "
        f"({_summary(checked.report)}).")


@main.command(name="totals")
@click.argument("content", default="content", metavar="[INDHOLD]")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "markdown"]),
              default="table", show_default=True, help="Uddataformat.")
@_cache_option
def totals_cmd(content: str, fmt: str, no_cache: bool) -> None:
    """Vis de beregnede totaler pr. tema, forslag og år, med mål og difference."""
    from .issues import Severity
    from .pipeline import check

    checked = check(_content(content), cache=not no_cache)
    if checked.totals is None:
        _print_issues((i for i in checked.report.sorted() if i.severity is Severity.ERROR),
                      err=True)
        say(f"Totalerne kan ikke beregnes: {_summary(checked.report)}.")
        sys.exit(1)
    from .render import totals as totals_render

    cat, t = checked.catalogue, checked.totals
    if fmt == "table":
        terminal().print(totals_render.to_table(cat, t))
        return
    render = {"json": totals_render.to_json, "csv": totals_render.to_csv,
              "markdown": totals_render.to_markdown}[fmt]
    say(render(cat, t), err=False, nl=False)


# -- build ------------------------------------------------------------------------------------


def _output_folder(out: str) -> Path:
    """`--out` as a path, refused (exit 2) before any work when it can never be a folder:
    the nearest existing part of it is not a folder (`--out /dev/null/x`, `--out file/x`)."""
    from pathlib import Path

    path = Path(out)
    for part in (path, *path.parents):
        try:
            if part.exists() or part.is_symlink():
                if part is not path and not part.is_dir():
                    raise usage_error(f"uddatamappen '{out}' kan ikke oprettes: '{part}' er "
                                      "ikke en mappe")
                break
        except OSError as exc:
            raise usage_error(f"uddatamappen '{out}' kan ikke bruges: "
                              f"{cli_da.describe(exc)}") from None
    return path


def _about_output(exc: OSError, out: Path) -> bool:
    """Whether an OS error concerns the output folder: the folder, a folder above it, its
    build-in-progress sibling (`.<name>.tmp-*`) or anything in them."""
    from pathlib import Path

    target = Path(os.path.abspath(out))
    for name in (exc.filename, exc.filename2):
        if not isinstance(name, (str, bytes, os.PathLike)):
            continue
        path = Path(os.path.abspath(os.fsdecode(name)))
        if path == target or path in target.parents or target in path.parents:
            return True
        sibling = path.relative_to(target.parent) if target.parent in path.parents else None
        if sibling is not None and sibling.parts[0].startswith(f".{target.name}.tmp-"):
            return True
    return False


def _run_build(folder: Path, out: str, formats: list[str], templates: str | None,
               cache: bool) -> Any:
    """`build.build` with a status line on standard error when it is a terminal (else no
    status, and rich is not even imported: CI and scripts save its start-up). The line is
    redrawn at each step, not by a refresh thread: with no other thread running, the process
    pool can start its workers by `fork` (katalog.parallel)."""
    from .build import build

    if not _is_terminal(sys.stderr):
        return build(folder, out, formats, progress=lambda _msg: None, templates=templates,
                     cache=cache)
    from rich.console import Console
    from rich.live import Live
    from rich.spinner import Spinner

    status = Spinner("dots", text="Bygger …")
    console = Console(stderr=True, highlight=False)
    with Live(status, console=console, auto_refresh=False, transient=True) as live:

        def progress(msg: str) -> None:
            status.update(text=msg + " …")
            live.refresh()

        return build(folder, out, formats, progress=progress, templates=templates, cache=cache)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


@main.command(name="build")
@click.argument("content", default="content", metavar="[INDHOLD]")
@click.option("--out", "out", default="build", show_default=True, metavar="MAPPE",
              help="Uddatamappe; erstattes kun hvis den er tom eller skrevet af katalog.")
@click.option("--format", "fmt", default=None, metavar="FORMATER",
              help="Kommasepareret liste af formater (standard: alle).")
@click.option("--templates", "templates", default=None, metavar="MAPPE",
              type=click.Path(file_okay=False),
              help="Egen skabelonmappe, der søges i før standardskabelonerne "
                   "(standard: templates/ ved siden af indholdsmappen, hvis den findes).")
@_cache_option
def build_cmd(content: str, out: str, fmt: str | None, templates: str | None,
              no_cache: bool) -> None:
    """Byg dokumenterne til uddatamappen (kun hvis indholdet er gyldigt)."""
    from .build import BuildError, OutputRefused, parse_formats

    folder = _content(content)
    try:
        formats = parse_formats(fmt)
    except ValueError as exc:
        raise usage_error(str(exc)) from None
    out_path = _output_folder(out)
    try:
        result = _run_build(folder, out, formats, templates, not no_cache)
    except OutputRefused as exc:
        raise usage_error(str(exc)) from None
    except BuildError as exc:
        _print_issues(exc.report.sorted(), err=True)
        say(f"Intet er skrevet: kataloget er ikke gyldigt ({_summary(exc.report)}).")
        sys.exit(1)
    except OSError as exc:
        if _debug() or exc.errno == errno.EPIPE:
            raise
        if _about_output(exc, out_path) and exc.errno not in cli_da.DISK_FULL:
            raise usage_error(f"der kan ikke skrives i uddatamappen '{out}' "
                              f"({cli_da.describe(exc)})") from None
        say(f"Bygningen stoppede: {cli_da.describe(exc)}; {out}/ er uændret.")
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - a renderer bug must not end in a traceback
        if _debug():
            raise
        _unexpected(exc, f"{out}/ er uændret")
    _print_issues(result.report.sorted(), err=True)
    say(f"Skrev {len(result.files)} filer til {result.out}/ ({', '.join(result.formats)}).")


# -- writers' tools ---------------------------------------------------------------------------


@main.command(name="new")
@click.argument("proposal_id", metavar="ID")
@click.option("--theme", "theme", required=True, metavar="TEMA", help="Temaets id.")
@click.option("--department", "department", required=True, metavar="FORVALTNING",
              help="Den ansvarlige forvaltnings kode.")
@click.option("--title", "title", default=None, metavar="TITEL", help="Forslagets titel.")
@click.option("--content", "content", default="content", show_default=True, metavar="MAPPE",
              help="Indholdsmappen.")
def new_cmd(proposal_id: str, theme: str, department: str, title: str | None,
            content: str) -> None:
    """Opret et nyt forslag (proposals/ID.md) med alle felter forklaret."""
    from .scaffold import NewProposal, ScaffoldError, new_proposal

    folder = _content(content)
    req = NewProposal(proposal_id, theme, department, title or "")
    try:
        path = new_proposal(folder, req)
    except ScaffoldError as exc:
        say(f"Forslaget er ikke oprettet: {exc}")
        sys.exit(1)
    except OSError as exc:
        if _debug():
            raise
        say(f"Forslaget er ikke oprettet: {cli_da.describe(exc)}")
        sys.exit(1)
    say(f"Oprettede {path}. Udfyld felterne, og kør 'katalog check {content}'.")


@main.command(name="fmt")
@click.argument("paths", nargs=-1, metavar="[STIER]...")
@click.option("--check", "check_only", is_flag=True,
              help="Skriv intet; list filer, der ville blive ændret, og afslut med 1.")
def fmt_cmd(paths: tuple[str, ...], check_only: bool) -> None:
    """Ensret front matter i forslag og temaer (nøglernes rækkefølge og layout).

    Kommentarer, anførselstegn og Markdown-teksten bevares. STIER er filer eller mapper
    (standard: content).
    """
    from .fmt import format_paths, skipped

    targets = list(paths) or ["content"]
    for target in targets:
        if not os.path.lexists(target):
            raise usage_error(f"'{target}' findes ikke")
    for path in skipped(targets):
        say(f"springes over: {path} (kun front matter i .md-filer formateres)")
    try:
        results = format_paths(targets, write=not check_only)
    except OSError as exc:
        if _debug():
            raise
        say(f"Formateringen stoppede: {cli_da.describe(exc)}.")
        sys.exit(1)
    errors = [r.error for r in results if r.error is not None]
    changed = [r for r in results if r.changed]
    _print_issues(errors, err=True)
    for r in changed:
        say(f"{'ville blive ændret' if check_only else 'formateret'}: {r.path}", err=False)
    say(f"{len(results)} filer gennemgået: {len(changed)} "
        f"{'skal formateres' if check_only else 'formateret'}, {len(errors)} med fejl.")
    if errors or (check_only and changed):
        sys.exit(1)


@main.command(name="schema")
@click.argument("name", required=False, type=click.Choice(["catalogue", "theme", "proposal"]))
@click.option("--content", "content", default=None, metavar="MAPPE",
              help="Tilpas skemaet til et katalog (temaer, forvaltninger og år som valgmuligheder).")
@click.option("--out", "out", default=None, metavar="MAPPE",
              help="Skriv skemaerne som <navn>.schema.json i MAPPE i stedet for at udskrive dem.")
def schema_cmd(name: str | None, content: str | None, out: str | None) -> None:
    """Udskriv JSON Schema for catalogue.yaml, temaer eller forslag (til editorer)."""
    if out is None and name is None:
        raise usage_error("angiv catalogue, theme eller proposal (eller --out MAPPE)")
    if out is not None and (os.path.lexists(out) and not os.path.isdir(out)):
        raise usage_error(f"--out skal være en mappe, men '{out}' er en fil")
    folder = _content(content) if content else None
    from .load import load
    from .schema import NAMES, SchemaOutError, to_json, write_schemas

    cat = load(folder)[0] if folder else None
    if out is None:
        assert name is not None
        say(to_json(name, cat), err=False, nl=False)
        return
    try:
        written = write_schemas(out, (name,) if name else NAMES, cat)
    except SchemaOutError as exc:  # a symlink, or a file katalog did not write: never replaced
        raise usage_error(str(exc)) from None
    except OSError as exc:
        if _debug():
            raise
        raise usage_error(f"skemaerne kan ikke skrives i '{out}' ({cli_da.describe(exc)})"
                          ) from None
    for path in written:
        say(f"Skrev {path}")


@main.command(name="serve")
@click.argument("content", default="content", metavar="[INDHOLD]")
@click.option("--port", "port", default=8000, show_default=True, metavar="PORT",
              type=click.IntRange(0, 65535), help="Porten på 127.0.0.1.")
@click.option("--templates", "templates", default=None, metavar="MAPPE",
              type=click.Path(file_okay=False), help="Egen skabelonmappe (som ved build).")
def serve_cmd(content: str, port: int, templates: str | None) -> None:
    """Vis kataloget i browseren, og opdatér siden, hver gang en fil gemmes.

    Fejl i indholdet vises på siden med fil og linje. Stop med Ctrl+C.
    """
    import signal
    import time

    from .serve import Preview

    preview = Preview(_content(content), templates=templates, log=say)
    try:
        url = preview.start(port)
    except OSError as exc:
        preview.stop()
        raise usage_error(f"kan ikke lytte på 127.0.0.1:{port} ({cli_da.reason(exc)}); "
                          "prøv en anden --port") from None
    say(f"Forhåndsvisning på {url}  (stop med Ctrl+C)")
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))  # clean up on kill, too
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        say("Stopper.")
    finally:
        preview.stop()


# -- reviewers' tools -------------------------------------------------------------------------


@main.command(name="diff")
@click.argument("base", metavar="FØR")
@click.argument("head", required=False, metavar="[EFTER]")
@click.option("--content", "content", default="content", show_default=True, metavar="STI",
              help="Indholdsmappen i repositoriet.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True, help="Uddataformat.")
def diff_cmd(base: str, head: str | None, content: str, fmt: str) -> None:
    """Vis hvad der er ændret mellem to git-revisioner af kataloget.

    FØR og EFTER er git-revisioner (gren, tag, commit); uden EFTER sammenlignes med
    arbejdskopien. Er både FØR og EFTER mapper, sammenlignes de to indholdsmapper direkte.
    Afslutningskode 0: ingen fejl (med eller uden ændringer), 1: en revision er ugyldig.
    """
    from pathlib import Path

    from .diff import diff_folders, diff_revisions
    from .gitsource import GitError

    if head is None and Path(base).is_dir() and Path(base, "catalogue.yaml").is_file():
        raise usage_error(f"'{base}' er en mappe: angiv to mapper for at sammenligne "
                          "mapper (katalog diff GAMMEL NY)")
    try:
        if head is not None and Path(base).is_dir() and Path(head).is_dir():
            result = diff_folders(base, head)
        else:
            result = diff_revisions(base, head, content)
    except GitError as exc:
        raise usage_error(str(exc)) from None
    from .render import diff as diff_render

    if fmt == "json":
        say(diff_render.to_json(result), err=False, nl=False)
    elif fmt == "markdown":
        say(diff_render.to_markdown(result), err=False, nl=False)
    else:
        diff_render.print_text(result, terminal())
    if not result.ok:
        sys.exit(1)


@main.command(name="textconv")
@click.argument("file", type=click.Path(dir_okay=False), metavar="FIL")
def textconv_cmd(file: str) -> None:
    """Vis en forslagsfil med beløbene som tabel (git textconv-driver til git diff)."""
    from .safefs import read_regular
    from .textconv import textconv

    try:
        raw = read_regular(file, TEXTCONV_LIMIT)  # never a FIFO, a device or a symlink
    except OSError as exc:  # bad input (a FIFO, a link, unreadable), not wrong usage: exit 1
        say(f"{file}: filen kan ikke læses: {cli_da.describe(exc)}")
        sys.exit(1)
    say(textconv(raw, file), err=False, nl=False)


# -- the program ------------------------------------------------------------------------------


def run() -> NoReturn:
    """The `katalog` program (console script and `python -m katalog`): `main`, then out at once.

    A build leaves a large heap behind (the model, compiled templates, WeasyPrint's and the
    pool's state) that the interpreter would take apart object by object on the way out:
    about 0.1 s of a 1.1 s HTML build of 200 proposals (issue 14). By the time `main` ends,
    katalog has closed everything it wrote; what must still happen is done here: threads
    that are not daemons are joined, the exit handlers run (the pool's, logging's,
    temporary folders'), the standard streams are flushed, and then the process ends with
    `os._exit`. Only the program does this: tests and other Python code call `main`, which
    exits normally."""
    try:
        main()  # click's standalone mode ends in SystemExit
        status = 0
    except SystemExit as exc:
        status = _status(exc.code)
    _leave(status)


def _status(code: object) -> int:
    """The exit status of `sys.exit(code)`, as the interpreter makes it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _leave(status: int) -> NoReturn:
    import atexit
    import threading

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`katalog totals | head`): end quietly
            pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
