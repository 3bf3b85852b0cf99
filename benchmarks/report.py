"""Results of the benchmark runner and how they are shown: figures per row (median, min, max,
pairwise ratios, pages/s, CPU-s per page), the tables for the terminal and for
docs/performance.md (between markers), the machine description and issue 14's targets."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from procs import Run, pandoc_path

MARK = ("<!-- bench:start -->", "<!-- bench:end -->")
STAGES_MARK = ("<!-- stages:start -->", "<!-- stages:end -->")
PROFILE_MARK = ("<!-- profile:start -->", "<!-- profile:end -->")
UNAVAILABLE = "not in this katalog"
LOAD = "Load average at start (1/5/15 min)"
LIBRARIES = ("katalog", "click", "ruamel.yaml", "ruamel.yaml.clib", "cmarkgfm", "nh3", "jinja2",
             "babel", "rich", "weasyprint", "pydyf", "tinycss2", "python-docx", "docxtpl",
             "lxml", "pillow", "xlsxwriter", "pikepdf", "pypdf", "pypandoc-binary")


@dataclass
class Row:
    """One command at one size in one mode ("cold", "warm", "after edit"), with the pandoc
    runs made beside it (run i of each belongs to the same round, for pairwise ratios)."""

    command: str
    n: int | None
    mode: str
    runs: list[Run] = field(default_factory=list)
    pandoc: list[Run] = field(default_factory=list)
    pandoc_command: str = ""
    pages: int | None = None
    pandoc_pages: int | None = None
    note: str = ""

    @property
    def measured(self) -> bool:
        return bool(self.runs)

    def seconds(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds())

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_kib(self) -> int:
        return max(r.rss_kib for r in self.runs)

    @property
    def pandoc_median(self) -> float | None:
        return statistics.median(r.seconds for r in self.pandoc) if self.pandoc else None

    @property
    def pandoc_cpu(self) -> float | None:
        return statistics.median(r.cpu for r in self.pandoc) if self.pandoc else None

    @property
    def pandoc_rss_kib(self) -> int | None:
        return max(r.rss_kib for r in self.pandoc) if self.pandoc else None

    @property
    def ratio(self) -> float | None:
        """pandoc ÷ katalog, the median of the ratios round by round (> 1: katalog faster)."""
        pairs = [p.seconds / k.seconds for k, p in zip(self.runs, self.pandoc) if k.seconds]
        return statistics.median(pairs) if pairs else None

    @property
    def pages_per_second(self) -> float | None:
        return self.pages / self.median if self.pages and self.runs else None

    @property
    def cpu_per_page(self) -> float | None:
        return self.cpu / self.pages if self.pages and self.runs else None

    @property
    def pandoc_pages_per_second(self) -> float | None:
        med = self.pandoc_median
        return self.pandoc_pages / med if self.pandoc_pages and med else None

    @property
    def pandoc_cpu_per_page(self) -> float | None:
        cpu = self.pandoc_cpu
        return cpu / self.pandoc_pages if self.pandoc_pages and cpu is not None else None


# --------------------------------------------------------------------------- formatting


def spread(values: list[float]) -> str:
    """`median (min–max)` in seconds; one value alone."""
    if not values:
        return ""
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.2f}"
    return f"{med:.2f} ({min(values):.2f}–{max(values):.2f})"


def _mib(kib: int | None) -> str:
    return "" if kib is None else f"{kib / 1024:.0f}"


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


MAIN_HEAD = ["command", "N", "run", "katalog s: median (min–max)", "CPU s", "peak MiB",
             "pandoc s: median (min–max)", "pandoc CPU s", "pandoc peak MiB", "pandoc ÷ katalog",
             "runs", "note"]
PDF_HEAD = ["command", "N", "run", "pages", "pages/s", "CPU s/page", "pandoc pages",
            "pandoc pages/s", "pandoc CPU s/page"]


def main_rows(rows: list[Row]) -> list[list[str]]:
    out = []
    for r in rows:
        n = "" if r.n is None else f"{r.n:,}"
        if not r.measured:
            out.append([r.command, n, r.mode, "", "", "", "", "", "", "", "0", r.note])
            continue
        ratio = f"{r.ratio:.2f}×" if r.ratio else ""
        out.append([r.command, n, r.mode, spread(r.seconds()), _num(r.cpu), _mib(r.rss_kib),
                    spread([p.seconds for p in r.pandoc]), _num(r.pandoc_cpu),
                    _mib(r.pandoc_rss_kib), ratio, str(len(r.runs)), r.note])
    return out


def pdf_rows(rows: list[Row]) -> list[list[str]]:
    out = []
    for r in rows:
        if not r.measured or not r.pages:
            continue
        out.append([r.command, f"{r.n:,}" if r.n else "", r.mode, str(r.pages),
                    _num(r.pages_per_second, 1), _num(r.cpu_per_page, 3),
                    str(r.pandoc_pages or ""), _num(r.pandoc_pages_per_second, 1),
                    _num(r.pandoc_cpu_per_page, 3)])
    return out


def markdown_table(head: list[str], rows: list[list[str]], left: int = 3) -> list[str]:
    """A pipe table; the first `left` columns and the last (a note) left-aligned."""
    align = ["---" if i < left or (i == len(head) - 1 and head[i] == "note") else "---:"
             for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def print_tables(rows: list[Row], targets: list[Target]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(200, console_width()))
    for title, head, body in (("Whole commands, fresh processes", MAIN_HEAD, main_rows(rows)),
                              ("PDF pages", PDF_HEAD, pdf_rows(rows))):
        if not body:
            continue
        table = Table(title=title)
        for i, h in enumerate(head):
            table.add_column(h, justify="left" if i < 3 or h == "note" else "right")
        for row in body:
            table.add_row(*row)
        console.print(table)
    for line in legend(rows):
        console.print(line, highlight=False)
    if targets:
        goals = Table(title="Issue 14's targets (this run)")
        for h in ("target", "measured", "status"):
            goals.add_column(h)
        for t in targets:
            goals.add_row(t.text, t.measured, t.verdict)
        console.print(goals)


def legend(rows: list[Row]) -> list[str]:
    """The pandoc command beside each katalog command (one line each)."""
    seen = dict.fromkeys((r.command, r.pandoc_command) for r in rows if r.pandoc_command)
    return [f"beside `{ours}`: `{theirs}`" for ours, theirs in seen]


def console_width() -> int:
    import shutil

    return shutil.get_terminal_size().columns


# --------------------------------------------------------------------------- targets


@dataclass
class Target:
    text: str
    verdict: str  # "reached", "not reached", "not measured"
    measured: str = ""


def find(rows: list[Row], command: str, n: int | None, mode: str) -> Row | None:
    return next((r for r in rows if r.command == command and r.n == n and r.mode == mode
                 and r.measured), None)


def _judge(text: str, row: Row | None, value: float | None, ok: bool | None,
           shown: str) -> Target:
    if row is None or value is None or ok is None:
        return Target(text, "not measured")
    return Target(text, "reached" if ok else "not reached", shown)


def evaluate(rows: list[Row]) -> list[Target]:
    """Issue 14's targets on the whole commands, from whatever this run measured."""
    targets = []
    for fmt, goal in (("html", 5.0), ("docx", 2.5), ("pdf", 2.0)):
        for n in (200, 1000):
            r = find(rows, f"katalog build --format {fmt}", n, "cold")
            ratio = r.ratio if r else None
            targets.append(_judge(f"{fmt.upper()} ≥ {goal}× pandoc, cold, N = {n:,}", r, ratio,
                                  ratio >= goal if ratio else None,
                                  f"{ratio:.2f}×" if ratio else ""))
    r = find(rows, "katalog check", 1000, "warm")
    targets.append(_judge("`katalog check` of 1,000 < 1 s warm", r, r and r.median,
                          r.median < 1 if r else None, f"{r.median:.2f} s" if r else ""))
    r = find(rows, "katalog --help", None, "-")
    targets.append(_judge("`katalog --help` < 0.15 s", r, r and r.median,
                          r.median < 0.15 if r else None, f"{r.median:.3f} s" if r else ""))
    for n in (200, 1000):
        r = find(rows, "katalog build --format pdf", n, "cold")
        ours, theirs = (r.cpu_per_page, r.pandoc_cpu_per_page) if r else (None, None)
        targets.append(_judge(
            f"PDF CPU per page ≤ pandoc → WeasyPrint's (one pass), N = {n:,}", r, ours,
            ours <= theirs if ours and theirs else None,
            f"{ours:.3f} vs {theirs:.3f} CPU s/page" if ours and theirs else ""))
    r = find(rows, "katalog build", 500, "cold")
    targets.append(_judge("full cold build of 500, all formats < 90 s", r, r and r.median,
                          r.median < 90 if r else None, f"{r.median:.1f} s" if r else ""))
    r = find(rows, "katalog build", 500, "after edit")
    targets.append(_judge("one-proposal edit of 500, rebuild of all formats < 5 s", r,
                          r and r.median, r.median < 5 if r else None,
                          f"{r.median:.2f} s" if r else ""))
    return targets


# --------------------------------------------------------------------------- the record


def machine() -> dict[str, str]:
    """Date, machine, load at the start, system, Python and library versions."""
    info = {"Date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "?"
    try:
        mem = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1]) / 1024 / 1024
        ram = f"{mem:.1f} GiB"
    except (OSError, IndexError, ValueError):
        ram = "? GiB"
    info["Machine"] = f"{os.cpu_count()} cores, {ram} RAM, {cpu}"
    try:
        info[LOAD] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    info["System"] = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    versions = []
    for dist in LIBRARIES:
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    pandoc = pandoc_path()
    if pandoc:
        run = subprocess.run([pandoc, "--version"], capture_output=True, text=True, check=False)
        versions.append(run.stdout.splitlines()[0] if run.stdout else "pandoc ?")
    info["Libraries"] = ", ".join(versions)
    # WeasyPrint embeds fonts with HarfBuzz's subsetter when the system has it, else with
    # fontTools (about twice the CPU per PDF page for katalog's parts): say which ran
    from ctypes.util import find_library

    subsetter = find_library("harfbuzz-subset")
    info["Font subsetter (WeasyPrint)"] = (f"HarfBuzz ({subsetter})" if subsetter
                                           else "fontTools (libharfbuzz-subset not found)")
    return info


def markdown_report(rows: list[Row], targets: list[Target], info: dict[str, str],
                    command: str, minutes: float) -> str:
    lines = [MARK[0], "", "## Latest measurement", ""]
    lines += [f"- **{k}:** {v}" for k, v in info.items()]
    lines.append(f"- **Command:** `{command}` ({minutes:.0f} min)")
    lines += ["", "### Whole commands, fresh processes", ""]
    lines += markdown_table(MAIN_HEAD, main_rows(rows))
    if legend(rows):
        lines += ["", "pandoc, on the same content as one Markdown file "
                  "(benchmarks/pandoc_input.py, benchmarks/pandoc.css):", ""]
        lines += [f"- {line}" for line in legend(rows)]
    pdf = pdf_rows(rows)
    if pdf:
        lines += ["", "### PDF pages (katalog: `katalog.pdf` only; pandoc: its one PDF)", ""]
        lines += markdown_table(PDF_HEAD, pdf)
    lines += ["", "### Issue 14's targets in this run", "", "| target | measured | status |",
              "|---|---:|---|"]
    lines += [f"| {t.text} | {t.measured} | {t.verdict} |" for t in targets]
    lines += ["", MARK[1]]
    return "\n".join(lines)


def write_section(doc: Path, marks: tuple[str, str], text: str) -> None:
    """Replace the text between `marks` in `doc` (append it when the marks are missing)."""
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    start, end = current.find(marks[0]), current.find(marks[1])
    if start >= 0 and end > start:
        current = current[:start] + text + current[end + len(marks[1]):]
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(current, encoding="utf-8")
