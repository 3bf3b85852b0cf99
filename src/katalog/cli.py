"""`katalog` on the command line: a thin layer over the library that prints and exits.

Exit codes: 0 success, 1 invalid content, 2 wrong usage.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable

import click
from rich.console import Console

from . import __version__
from .issues import Issue, Report, Severity
from .pipeline import check
from .render import totals as totals_render

CONTEXT = {"help_option_names": ["-h", "--help"]}


def _content(path: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise click.UsageError(f"indholdsmappen '{path}' findes ikke (angiv fx ./content)")
    return folder


def _print_issues(issues: Iterable[Issue], err: bool = False) -> None:
    for issue in issues:
        click.echo(issue.format(), err=err)


def _summary(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    parts = [f"{errors} {'fejl' if errors != 1 else 'fejl'}",
             f"{warnings} {'advarsler' if warnings != 1 else 'advarsel'}"]
    return ", ".join(parts)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", message="katalog %(version)s")
def main() -> None:
    """katalog: budget- og sparekataloger fra YAML/Markdown til Word, PDF og HTML.

    Alle totaler beregnes, og alle tal vises i dansk format.
    """


@main.command(context_settings=CONTEXT)
@click.argument("content", default="content", metavar="[INDHOLD]")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Brug ikke mellemlageret (.katalog-cache/); læs og beregn alt forfra.")
def check_cmd(content: str, no_cache: bool) -> None:
    """Kontrollér kataloget og vis alle fejl og advarsler med fil og linje."""
    checked = check(_content(content), cache=not no_cache)
    _print_issues(checked.report.sorted())
    if checked.report.has_errors:
        click.echo(f"Kataloget er ikke gyldigt: {_summary(checked.report)}.", err=True)
        sys.exit(1)
    cat = checked.catalogue
    click.echo(f"Kataloget er gyldigt: {len(cat.themes)} temaer, {len(cat.proposals)} forslag "
               f"({_summary(checked.report)}).", err=True)


check_cmd.name = "check"


@main.command(context_settings=CONTEXT)
@click.argument("content", default="content", metavar="[INDHOLD]")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "markdown"]),
              default="table", show_default=True, help="Uddataformat.")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Brug ikke mellemlageret (.katalog-cache/); læs og beregn alt forfra.")
def totals(content: str, fmt: str, no_cache: bool) -> None:
    """Vis de beregnede totaler pr. tema, forslag og år, med mål og difference."""
    checked = check(_content(content), cache=not no_cache)
    if checked.totals is None:
        _print_issues((i for i in checked.report.sorted() if i.severity is Severity.ERROR), err=True)
        click.echo(f"Totalerne kan ikke beregnes: {_summary(checked.report)}.", err=True)
        sys.exit(1)
    cat, t = checked.catalogue, checked.totals
    if fmt == "json":
        click.echo(totals_render.to_json(cat, t), nl=False)
    elif fmt == "csv":
        click.echo(totals_render.to_csv(cat, t), nl=False)
    elif fmt == "markdown":
        click.echo(totals_render.to_markdown(cat, t), nl=False)
    else:
        Console(highlight=False).print(totals_render.to_table(cat, t))


@main.command(name="build", context_settings=CONTEXT)
@click.argument("content", default="content", metavar="[INDHOLD]")
@click.option("--out", "out", default="build", show_default=True, metavar="MAPPE",
              help="Uddatamappe; erstattes kun hvis den er tom eller skrevet af katalog.")
@click.option("--format", "fmt", default=None, metavar="FORMATER",
              help="Kommasepareret liste af formater (standard: alle).")
@click.option("--templates", "templates", default=None, metavar="MAPPE",
              type=click.Path(file_okay=False),
              help="Egen skabelonmappe, der søges i før standardskabelonerne "
                   "(standard: templates/ ved siden af indholdsmappen, hvis den findes).")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Brug ikke mellemlageret (.katalog-cache/); læs og beregn alt forfra.")
def build_cmd(content: str, out: str, fmt: str | None, templates: str | None,
              no_cache: bool) -> None:
    """Byg dokumenterne til uddatamappen (kun hvis indholdet er gyldigt)."""
    # imported here: the renderers are slow to import, and check/totals do not need them
    from .build import BuildError, OutputRefused, build, parse_formats

    folder = _content(content)
    try:
        formats = parse_formats(fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    console = Console(stderr=True, highlight=False)
    try:
        with console.status("Bygger …") as status:
            result = build(folder, out, formats, progress=lambda msg: status.update(msg + " …"),
                           templates=templates, cache=not no_cache)
    except OutputRefused as exc:
        raise click.UsageError(str(exc)) from None
    except BuildError as exc:
        _print_issues(exc.report.sorted(), err=True)
        click.echo(f"Intet er skrevet: kataloget er ikke gyldigt ({_summary(exc.report)}).", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - a renderer bug must not end in a traceback
        if os.environ.get("KATALOG_DEBUG"):
            raise
        click.echo(f"Bygningen fejlede ({type(exc).__name__}: {exc}); {out}/ er uændret. "
                   "Sæt KATALOG_DEBUG=1 for detaljer.", err=True)
        sys.exit(1)
    _print_issues(result.report.sorted(), err=True)
    click.echo(f"Skrev {len(result.files)} filer til {result.out}/ ({', '.join(result.formats)}).",
               err=True)


@main.command(name="new", context_settings=CONTEXT)
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
        click.echo(f"Forslaget er ikke oprettet: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Oprettede {path}. Udfyld felterne, og kør 'katalog check {content}'.", err=True)


@main.command(name="fmt", context_settings=CONTEXT)
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
        if not Path(target).exists():
            raise click.UsageError(f"'{target}' findes ikke")
    for path in skipped(targets):
        click.echo(f"springes over: {path} (kun front matter i .md-filer formateres)", err=True)
    results = format_paths(targets, write=not check_only)
    errors = [r.error for r in results if r.error is not None]
    changed = [r for r in results if r.changed]
    _print_issues(errors, err=True)
    for r in changed:
        click.echo(f"{'ville blive ændret' if check_only else 'formateret'}: {r.path}")
    click.echo(f"{len(results)} filer gennemgået: {len(changed)} "
               f"{'skal formateres' if check_only else 'formateret'}, {len(errors)} med fejl.",
               err=True)
    if errors or (check_only and changed):
        sys.exit(1)


@main.command(name="schema", context_settings=CONTEXT)
@click.argument("name", required=False, type=click.Choice(["catalogue", "theme", "proposal"]))
@click.option("--content", "content", default=None, metavar="MAPPE",
              help="Tilpas skemaet til et katalog (temaer, forvaltninger og år som valgmuligheder).")
@click.option("--out", "out", default=None, metavar="MAPPE",
              help="Skriv skemaerne som <navn>.schema.json i MAPPE i stedet for at udskrive dem.")
def schema_cmd(name: str | None, content: str | None, out: str | None) -> None:
    """Udskriv JSON Schema for catalogue.yaml, temaer eller forslag (til editorer)."""
    from .load import load
    from .schema import NAMES, to_json, write_schemas

    cat = load(_content(content))[0] if content else None
    if out:
        for path in write_schemas(out, (name,) if name else NAMES, cat):
            click.echo(f"Skrev {path}", err=True)
        return
    if name is None:
        raise click.UsageError("angiv catalogue, theme eller proposal (eller --out MAPPE)")
    click.echo(to_json(name, cat), nl=False)


@main.command(name="serve", context_settings=CONTEXT)
@click.argument("content", default="content", metavar="[INDHOLD]")
@click.option("--port", "port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Porten på 127.0.0.1.")
@click.option("--templates", "templates", default=None, metavar="MAPPE",
              type=click.Path(file_okay=False), help="Egen skabelonmappe (som ved build).")
def serve_cmd(content: str, port: int, templates: str | None) -> None:
    """Vis kataloget i browseren, og opdatér siden, hver gang en fil gemmes.

    Fejl i indholdet vises på siden med fil og linje. Stop med Ctrl+C.
    """
    import signal
    import time

    from .serve import Preview

    preview = Preview(_content(content), templates=templates,
                      log=lambda msg: click.echo(msg, err=True))
    try:
        url = preview.start(port)
    except OSError as exc:
        preview.stop()
        raise click.UsageError(f"kan ikke lytte på 127.0.0.1:{port} ({exc.strerror or exc}); "
                               "prøv en anden --port") from None
    click.echo(f"Forhåndsvisning på {url}  (stop med Ctrl+C)", err=True)
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))  # clean up on kill, too
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("Stopper.", err=True)
    finally:
        preview.stop()

@main.command(name="diff", context_settings=CONTEXT)
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
    from .diff import diff_folders, diff_revisions
    from .gitsource import GitError
    from .render import diff as diff_render

    if head is None and Path(base).is_dir() and Path(base, "catalogue.yaml").is_file():
        raise click.UsageError(f"'{base}' er en mappe: angiv to mapper for at sammenligne "
                               "mapper (katalog diff GAMMEL NY)")
    try:
        if head is not None and Path(base).is_dir() and Path(head).is_dir():
            result = diff_folders(base, head)
        else:
            result = diff_revisions(base, head, content)
    except GitError as exc:
        raise click.UsageError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - a bug must not end in a traceback
        if os.environ.get("KATALOG_DEBUG"):
            raise
        click.echo(f"Sammenligningen fejlede ({type(exc).__name__}: {exc}). "
                   "Sæt KATALOG_DEBUG=1 for detaljer.", err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(diff_render.to_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(diff_render.to_markdown(result), nl=False)
    else:
        diff_render.print_text(result, Console(highlight=False))
    if not result.ok:
        sys.exit(1)


@main.command(name="textconv", context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False), metavar="FIL")
def textconv_cmd(file: str) -> None:
    """Vis en forslagsfil med beløbene som tabel (git textconv-driver til git diff)."""
    from .textconv import textconv

    try:
        raw = Path(file).read_bytes()
    except OSError as exc:
        raise click.UsageError(f"filen '{file}' kan ikke læses ({exc.strerror})") from None
    click.echo(textconv(raw, file), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
