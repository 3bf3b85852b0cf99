"""Results, targets and reports of the benchmark runner: the rich table, the Markdown for
docs/performance.md (written between markers), the machine description and the profiles."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from workers import pandoc_path

MARK = ("<!-- bench:start -->", "<!-- bench:end -->")
PROFILE_MARK = ("<!-- profile:start -->", "<!-- profile:end -->")
UNAVAILABLE = "ikke tilgængelig"
LOAD = "Load average at start (1/5/15 min)"
PDF_TARGET = "PDF ≥ 1.8× the pages/s of one WeasyPrint process"
GIB = 1024 * 1024  # KiB


@dataclass
class Result:
    stage: str
    n: int
    seconds: float | None = None
    rss_kib: int | None = None
    cpu: float | None = None  # CPU seconds of the whole measuring process (less noisy than wall)
    pandoc_seconds: float | None = None
    pandoc_rss_kib: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.seconds and self.pandoc_seconds:
            return self.pandoc_seconds / self.seconds
        return None


def _note(r: Result) -> str:
    if r.note:
        return r.note
    parts = []
    if "formats" in r.extra:
        parts.append(f"formats: {r.extra['formats']}")
    if "pandoc_cpu" in r.extra:
        parts.append(f"pandoc CPU {r.extra['pandoc_cpu']:.2f} s")
    if "first_build" in r.extra:
        parts.append(f"after a first build of {r.extra['first_build']:.1f} s")
    if "warm" in r.extra:
        parts.append(f"warm {r.extra['warm']:.2f} s")
    if "pages" in r.extra and r.seconds:
        parts.append(f"{r.extra['pages']} pages, {r.extra['pages'] / r.seconds:.1f} pages/s")
    if "weasyprint_seconds" in r.extra:
        wp = r.extra["weasyprint_pages"] / r.extra["weasyprint_seconds"]
        parts.append(f"one WeasyPrint process {wp:.1f} pages/s")
    return "; ".join(parts)


# --------------------------------------------------------------------------- targets


@dataclass
class Target:
    text: str
    verdict: str  # "reached", "not reached", "not measured"
    measured: str = ""


def _find(results: list[Result], stage: str, n: int) -> Result | None:
    return next((r for r in results
                 if r.stage == stage and r.n == n and r.seconds is not None), None)


def evaluate(results: list[Result]) -> list[Target]:
    def verdict(ok: bool) -> str:
        return "reached" if ok else "not reached"

    targets = []
    r = _find(results, "check", 1000)
    targets.append(Target("`katalog check` 1,000 proposals < 3 s cold",
                          verdict(r.seconds < 3) if r else "not measured",
                          f"{r.seconds:.2f} s (CPU {r.cpu:.2f} s)" if r and r.cpu else ""))
    targets.append(Target("`katalog check` 1,000 proposals < 1 s warm",
                          verdict(r.extra["warm"] < 1) if r else "not measured",
                          f"{r.extra['warm']:.2f} s" if r else ""))
    r = _find(results, "html", 1000)
    targets.append(Target("HTML site 1,000 proposals < 5 s",
                          verdict(r.seconds < 5) if r else "not measured",
                          f"{r.seconds:.2f} s" if r else ""))
    targets.append(Target("HTML ≥ 5× faster than pandoc (1,000)",
                          verdict(r.ratio >= 5) if r and r.ratio else "not measured",
                          f"{r.ratio:.1f}×" if r and r.ratio else ""))
    r, small = _find(results, "docx", 1000), _find(results, "docx", 200)
    targets.append(Target("DOCX 1,000 proposals < 10 s",
                          verdict(r.seconds < 10) if r else "not measured",
                          f"{r.seconds:.2f} s" if r else ""))
    growth = r.seconds / small.seconds if r and small and small.seconds else None
    targets.append(Target("DOCX linear: 200 → 1,000 grows ≤ 5.5×",
                          verdict(growth <= 5.5) if growth else "not measured",
                          f"{growth:.2f}×" if growth else ""))
    pdfs = [x for x in results
            if x.stage == "pdf" and x.seconds and "weasyprint_seconds" in x.extra]
    if pdfs:
        x = max(pdfs, key=lambda x: x.n)
        ours = x.extra["pages"] / x.seconds
        base = x.extra["weasyprint_pages"] / x.extra["weasyprint_seconds"]
        targets.append(Target(f"{PDF_TARGET} ({x.n} proposals)",
                              verdict(ours >= 1.8 * base), f"{ours / base:.2f}×"))
    else:
        targets.append(Target(PDF_TARGET, "not measured"))
    r = _find(results, "build", 500)
    missing = [f for f in ("html", "pdf", "docx")
               if r and f not in str(r.extra.get("formats", "")).split(",")]
    partial = f" (without {', '.join(missing)}: not in this katalog)" if missing else ""
    targets.append(Target("Full cold `make catalogue`, 500 proposals, all formats < 120 s",
                          verdict(r.seconds < 120) + partial if r else "not measured",
                          f"{r.seconds:.1f} s" if r else ""))
    targets.append(Target("… peak memory (largest process) < 2 GiB",
                          verdict(r.rss_kib < 2 * GIB) + partial if r and r.rss_kib
                          else "not measured",
                          f"{r.rss_kib / 1024:.0f} MiB" if r and r.rss_kib else ""))
    r = _find(results, "edit", 500)
    targets.append(Target("PDF rebuild after editing one proposal of 500 < 10 s",
                          verdict(r.seconds < 10) if r else "not measured",
                          f"{r.seconds:.1f} s (first build {r.extra['first_build']:.0f} s)"
                          if r else ""))
    r = _find(results, "diff", 500)
    targets.append(Target("`katalog diff` of two 500-proposal revisions < 2 s",
                          verdict(r.seconds < 2) if r else "not measured",
                          f"{r.seconds:.2f} s" if r else ""))
    return targets


# --------------------------------------------------------------------------- reporting


def _fmt_s(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _fmt_mib(kib: int | None) -> str:
    return "" if kib is None else f"{kib / 1024:.0f}"


def rows(results: list[Result]) -> list[list[str]]:
    out = []
    for r in results:
        ratio = f"{r.ratio:.1f}×" if r.ratio else ""
        if r.seconds is None:
            out.append([r.stage, str(r.n), r.note or UNAVAILABLE, "", "", "", "", "", ""])
        else:
            out.append([r.stage, str(r.n), _fmt_s(r.seconds), _fmt_s(r.cpu), _fmt_mib(r.rss_kib),
                        _fmt_s(r.pandoc_seconds), _fmt_mib(r.pandoc_rss_kib), ratio, _note(r)])
    return out


HEAD = ["stage", "proposals", "katalog s", "process CPU s", "katalog MiB", "pandoc s", "pandoc MiB",
        "pandoc ÷ katalog", "note"]


def print_table(results: list[Result], targets: list[Target]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="katalog benchmark")
    for i, h in enumerate(HEAD):
        table.add_column(h, justify="right" if 1 <= i <= 7 else "left")
    for row in rows(results):
        table.add_row(*row)
    console = Console(width=max(140, shutil.get_terminal_size().columns))
    console.print(table)
    goals = Table(title="Targets (2 cores)")
    for h in ("target", "measured", "status"):
        goals.add_column(h)
    for t in targets:
        goals.add_row(t.text, t.measured, t.verdict)
    console.print(goals)


def machine() -> dict[str, str]:
    """Cores, RAM, CPU, Python and library versions, for the record."""
    info = {"Date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    info["Cores"] = str(os.cpu_count())
    try:
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
        info["RAM"] = f"{int(mem) / GIB:.1f} GiB"
    except (OSError, IndexError, ValueError):
        info["RAM"] = "?"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo
                   if line.startswith("model name"))
        info["CPU"] = cpu
    except (OSError, StopIteration):
        info["CPU"] = platform.processor() or "?"
    try:
        info[LOAD] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    info["System"] = f"{platform.system()} {platform.release()}"
    info["Python"] = platform.python_version()
    versions = []
    for dist in ("katalog", "ruamel.yaml", "ruamel.yaml.clib", "cmarkgfm", "nh3", "jinja2",
                 "babel", "weasyprint", "python-docx", "pikepdf", "pypdf", "pypandoc-binary"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    pandoc = pandoc_path()
    if pandoc:
        run = subprocess.run([pandoc, "--version"], capture_output=True, text=True, check=False)
        versions.append(run.stdout.splitlines()[0] if run.stdout else "pandoc ?")
    info["Libraries"] = ", ".join(versions)
    return info


def markdown_report(results: list[Result], targets: list[Target], info: dict[str, str],
                    args: argparse.Namespace) -> str:
    lines = [MARK[0], "", "## Latest measurement", ""]
    lines += [f"- **{k}:** {v}" for k, v in info.items()]
    command = " ".join(["python benchmarks/run.py", *args.argv])
    lines.append(f"- **Command:** `{command}`")
    lines.append(f"- **Repeats:** {args.repeat} (median time, largest peak memory)")
    lines += ["", "| " + " | ".join(HEAD) + " |", "|" + "---|" * 2 + "---:|" * 6 + "---|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows(results)]
    lines += ["", "### Targets", "", "| target | measured | status |", "|---|---:|---|"]
    lines += [f"| {t.text} | {t.measured} | {t.verdict} |" for t in targets]
    lines += ["", MARK[1]]
    return "\n".join(lines)


def profile_markdown(profiles: list[tuple[str, int, dict[str, Any]]], info: dict[str, str]) -> str:
    lines = [PROFILE_MARK[0], "", f"Profiled {info['Date']} (cProfile, one run each; "
             f"{info['Cores']} cores, load average {info.get(LOAD, '?')}). "
             "Times under cProfile are higher than without it.", ""]
    for stage, n, data in profiles:
        lines += [f"#### {stage}, {n} proposals: {data['seconds']:.2f} s under cProfile", "",
                  "| function | calls | own s | cumulative s |", "|---|---:|---:|---:|"]
        lines += [f"| `{r['where']}` | {r['calls']} | {r['own']:.2f} | {r['cum']:.2f} |"
                  for r in data["top"]]
        lines.append("")
    lines.append(PROFILE_MARK[1])
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
