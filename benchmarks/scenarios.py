"""What the benchmark times: the commands users run, each in a fresh process, beside pandoc.

Every scenario works on its own copy of the generated catalogue and runs rounds: a warm-up
round first (not counted) when asked, then `runs` counted rounds. One round of a build is

    cold        caches and the previous output removed, then `katalog build …`
    warm        the same command again at once (cache and previous output kept)
    after edit  one amount of one proposal changed, the same command again (pdf and all
                formats only; the edit is undone before the next round)
    pandoc      the same content as one Markdown file, converted by pandoc

so katalog's and pandoc's runs alternate and each round's ratio is taken pair by pair
(a machine whose speed drifts during the run shifts both sides of a pair alike).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from procs import Run, checked, katalog_cmd
from report import UNAVAILABLE, Row

SCENARIOS = ("help", "check", "html", "docx", "pdf", "xlsx", "all", "diff")
BUILD_FORMATS = ("html", "docx", "pdf", "xlsx")
EDITED = ("pdf", "all")  # the rebuild after a one-proposal edit is timed for these
HEAVY = ("pdf", "all")  # minutes per round at 1,000 proposals
HELP_RUNS = 10
CACHE_NAMES = (".katalog-cache", ".cache/katalog")


@dataclass
class Pandoc:
    """How pandoc converts the catalogue's Markdown (benchmarks/pandoc_input.py)."""

    exe: str
    weasyprint: str | None
    css: Path

    def command(self, fmt: str, md: Path, out: Path) -> list[str]:
        args = [self.exe, str(md), "-f", "markdown", "-s", "--toc", "--toc-depth=2",
                "--metadata", "lang=da", "-o", str(out)]
        if fmt == "html":
            return [*args, "-t", "html5", "--css", self.css.name]
        if fmt == "docx":
            return [*args, "-t", "docx"]
        if fmt == "pdf" and self.weasyprint:
            return [*args, "-t", "html5", f"--pdf-engine={self.weasyprint}",
                    "--pdf-engine-opt=--pdf-variant=pdf/ua-1", "--pdf-engine-opt=--pdf-tags",
                    "--css", str(self.css)]
        raise ValueError(f"pandoc has no {fmt} here")

    def can(self, fmt: str) -> bool:
        return fmt in ("html", "docx") or (fmt == "pdf" and self.weasyprint is not None)

    def label(self, fmt: str) -> str:
        """The command line as a reader can repeat it (no local paths)."""
        args = self.command(fmt, Path("katalog.md"), Path(f"pandoc.{fmt}"))
        shown = ["pandoc"] + [a.replace(str(self.css), self.css.name)
                              .replace(f"={self.weasyprint}", "=weasyprint") for a in args[1:]]
        return " ".join(shown)


@dataclass
class Bench:
    """One size's setting: where to work, what to run, how often."""

    work: Path
    content: Path  # the generated catalogue (scenarios copy it, never edit it)
    n: int
    runs: int
    warmup: int
    env: dict[str, str]
    formats: tuple[str, ...]  # the formats the installed katalog knows
    pandoc: Pandoc | None = None
    markdown: Path | None = None  # the catalogue as one Markdown file, for pandoc
    revision: Path | None = None  # the second revision (diff)
    log: Callable[[str], None] = print

    def folder(self, name: str) -> Path:
        return fresh(self.work / name)

    def copy(self, name: str) -> Path:
        """A private copy of the catalogue in a fresh folder `name` (returns the copy)."""
        target = self.folder(name) / "content"
        shutil.copytree(self.content, target)
        return target

    def katalog(self, *args: str, cwd: Path, what: str, ok: tuple[int, ...] = (0,)) -> Run:
        return checked(katalog_cmd(*args), what, ok, cwd=cwd, env=self.env)


def fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def clear_caches(*places: Path) -> None:
    """Cold means cold: no katalog cache wherever katalog keeps one (in or beside the content
    or output folder, the working folder, or the cache home `procs.environment` sets)."""
    for place in places:
        for name in CACHE_NAMES:
            if (place / name).is_dir():
                shutil.rmtree(place / name)


def rounds(bench: Bench, heavy: bool = False) -> list[bool]:
    """One flag per round: counted or warm-up (heavy scenarios never warm up)."""
    warm = 0 if heavy else bench.warmup
    return [False] * warm + [True] * bench.runs


# --------------------------------------------------------------------------- scenarios


def scenario_help(bench: Bench) -> list[Row]:
    row = Row("katalog --help", None, "-")
    for counted in [False] * max(1, bench.warmup) + [True] * max(bench.runs, HELP_RUNS):
        run = bench.katalog("--help", cwd=bench.work, what="katalog --help")
        if counted:
            row.runs.append(run)
    return [row]


def scenario_check(bench: Bench) -> list[Row]:
    content = bench.copy("check")
    cold, warm = Row("katalog check", bench.n, "cold"), Row("katalog check", bench.n, "warm")
    for counted in rounds(bench):
        clear_caches(content, content.parent, bench.work / "xdg-cache")
        first = bench.katalog("check", str(content), cwd=content.parent, what="katalog check")
        again = bench.katalog("check", str(content), cwd=content.parent, what="katalog check")
        if counted:
            cold.runs.append(first)
            warm.runs.append(again)
    return [cold, warm]


def scenario_build(bench: Bench, fmt: str) -> list[Row]:
    """`katalog build --format FMT` (FMT "all": plain `katalog build`, every format)."""
    command = "katalog build" if fmt == "all" else f"katalog build --format {fmt}"
    if fmt != "all" and fmt not in bench.formats:
        return [Row(command, bench.n, "cold", note=UNAVAILABLE)]
    content = bench.copy(fmt)
    out = content.parent / "build"
    args = ["build", str(content), "--out", str(out)] + ([] if fmt == "all" else ["--format", fmt])
    rows = [Row(command, bench.n, mode) for mode in ("cold", "warm")]
    if fmt in EDITED:
        rows.append(Row(command, bench.n, "after edit"))
    if fmt in ("docx", "all") and word_page_numbers(bench.n):
        for row in rows:
            row.note = WORD_PAGE_NUMBERS
    pandoc = bench.pandoc if bench.pandoc and bench.pandoc.can(fmt) else None
    for counted in rounds(bench, heavy=fmt in HEAVY):
        runs = build_round(bench, args, content, out, fmt in EDITED)
        theirs = pandoc_round(bench, fmt) if pandoc else None
        if not counted:
            continue
        for row, run in zip(rows, runs):
            row.runs.append(run)
            if theirs is not None:
                row.pandoc.append(theirs)
        if fmt == "pdf" and rows[0].pages is None:
            pages = pdf_pages(out / "katalog.pdf")  # the catalogue; proposals' PDFs repeat it
            for row in rows:
                row.pages = pages
    if pandoc:
        for row in rows:
            row.pandoc_command = pandoc.label(fmt)
        if fmt == "pdf":
            pages = pdf_pages(bench.work / "pandoc" / "pandoc.pdf")
            for row in rows:
                row.pandoc_pages = pages
    return rows


WORD_PAGE_NUMBERS = "Word contents with page numbers (LibreOffice, ≈ 3–4 s); pandoc's has none"


def word_page_numbers(n: int) -> bool:
    """Whether a Word build of `n` proposals has LibreOffice store the contents' page
    numbers: katalog's default up to `PAGE_NUMBERS_AUTO_MAX` proposals, when LibreOffice is
    installed (the measured processes never set KATALOG_SIDETAL: `procs.environment`)."""
    from katalog.render.docx import PAGE_NUMBERS_AUTO_MAX
    from katalog.render.docx.toc import find_soffice

    return n <= PAGE_NUMBERS_AUTO_MAX and find_soffice() is not None


def build_round(bench: Bench, args: list[str], content: Path, out: Path,
                edit: bool) -> list[Run]:
    """Cold, warm and (with `edit`) after-edit runs of one build command."""
    if out.exists():
        shutil.rmtree(out)
    clear_caches(content, content.parent, out, bench.work / "xdg-cache")
    what = "katalog " + " ".join(a for a in args if not a.startswith("/"))
    runs = [bench.katalog(*args, cwd=content.parent, what=what) for _ in range(2)]
    if edit:
        target, before = edit_one_proposal(content)
        try:
            runs.append(bench.katalog(*args, cwd=content.parent, what=what + " after an edit"))
        finally:
            target.write_bytes(before)
    return runs


def pandoc_round(bench: Bench, fmt: str) -> Run:
    assert bench.pandoc is not None and bench.markdown is not None
    folder = bench.markdown.parent
    target = folder / f"pandoc.{fmt}"
    target.unlink(missing_ok=True)
    return checked(bench.pandoc.command(fmt, bench.markdown, target), f"pandoc → {fmt}",
                   cwd=folder, env=bench.env)


def scenario_diff(bench: Bench) -> list[Row]:
    """`katalog diff HEAD~1 HEAD` in a git repository holding the two revisions."""
    assert bench.revision is not None
    repo = revisions_repo(bench.folder("diff") / "repo", bench.content, bench.revision)
    args = ("diff", "HEAD~1", "HEAD", "--content", "content", "--format", "json")
    cold, warm = (Row("katalog diff HEAD~1 HEAD", bench.n, mode) for mode in ("cold", "warm"))
    for counted in rounds(bench):
        clear_caches(repo, repo / "content", bench.work / "xdg-cache")
        first = bench.katalog(*args, cwd=repo, what="katalog diff")
        again = bench.katalog(*args, cwd=repo, what="katalog diff")
        if not first.stdout.strip():
            raise RuntimeError("katalog diff printed nothing")
        if counted:
            cold.runs.append(first)
            warm.runs.append(again)
    return [cold, warm]


def revisions_repo(repo: Path, first: Path, second: Path) -> Path:
    """A git repository whose last two commits hold `first` and then `second` as content/."""
    repo.mkdir(parents=True, exist_ok=True)
    env = {"GIT_AUTHOR_DATE": "2026-01-01T12:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T12:00:00Z",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
                        *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q")
    for message, source in (("første udgave", first), ("anden udgave", second)):
        if (repo / "content").exists():
            # a copied file of the same size and time would look unchanged to git's index
            git("rm", "-r", "-q", "--cached", "content")
            shutil.rmtree(repo / "content")
        shutil.copytree(source, repo / "content")
        git("add", "-A", "content")
        git("commit", "-q", "-m", message)
    return repo


# --------------------------------------------------------------------------- helpers

_AMOUNT = re.compile(r"^(    amounts: \{\d{4}: )(-?\d+)", re.MULTILINE)


def edit_one_proposal(content: Path) -> tuple[Path, bytes]:
    """Change one amount of the middle proposal that declares no totals (so the catalogue
    stays valid): the edit a writer makes between two builds. Returns the file and its
    bytes before the edit."""
    files = sorted((content / "proposals").glob("*.md"))
    free = [f for f in files if "\ntotals:" not in f.read_text(encoding="utf-8")]
    target = (free or files)[len(free or files) // 2]
    before = target.read_bytes()
    text = before.decode("utf-8")
    edited, count = _AMOUNT.subn(lambda m: f"{m.group(1)}{int(m.group(2)) - 125}", text, count=1)
    if not count:
        raise RuntimeError(f"no amount to edit in {target}")
    target.write_text(edited, encoding="utf-8")
    return target, before


def pdf_pages(path: Path) -> int | None:
    if not path.is_file():
        return None
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def run_scenario(bench: Bench, name: str) -> list[Row]:
    if name == "help":
        return scenario_help(bench)
    if name == "check":
        return scenario_check(bench)
    if name == "diff":
        return scenario_diff(bench)
    return scenario_build(bench, name)
