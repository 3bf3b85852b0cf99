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
from .build import BuildError, OutputRefused, build, parse_formats
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
def check_cmd(content: str) -> None:
    """Kontrollér kataloget og vis alle fejl og advarsler med fil og linje."""
    checked = check(_content(content))
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
def totals(content: str, fmt: str) -> None:
    """Vis de beregnede totaler pr. tema, forslag og år, med mål og difference."""
    checked = check(_content(content))
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
def build_cmd(content: str, out: str, fmt: str | None, templates: str | None) -> None:
    """Byg dokumenterne til uddatamappen (kun hvis indholdet er gyldigt)."""
    folder = _content(content)
    try:
        formats = parse_formats(fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    console = Console(stderr=True, highlight=False)
    try:
        with console.status("Bygger …") as status:
            result = build(folder, out, formats, progress=lambda msg: status.update(msg + " …"),
                           templates=templates)
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
