"""Processes and the measurements that run inside them (used by `run.py`).

`run_command` runs a program to the end and reads its own peak memory and CPU time from
`wait4`. `run.py --worker STAGE CONTENT OUT` runs one of `WORKERS` in a fresh process and writes
its JSON result to OUT/result.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

TIMEOUT = 3 * 3600


@dataclass
class Run:
    """One finished subprocess: wall seconds, CPU seconds (user + system, with the children it
    waited for), peak RSS in KiB, exit code, output."""

    seconds: float
    cpu: float
    rss_kib: int
    code: int
    stdout: str
    stderr: str


def run_command(args: list[str], cwd: Path | None = None, timeout: float = TIMEOUT,
                env: dict[str, str] | None = None) -> Run:
    """Run `args` to the end; its own peak memory comes from wait4 (not the whole session's)."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"katalog-bench-{os.getpid()}.out"
    err_path = out_path.with_suffix(".err")
    with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=cwd, env=env)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss, proc.returncode, stdout, stderr)


def katalog_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "katalog", *args]


def pandoc_path() -> str | None:
    try:
        import pypandoc  # type: ignore[import-untyped]

        return str(pypandoc.get_pandoc_path())
    except (ImportError, OSError):
        return shutil.which("pandoc")


def _checked(content: Path) -> Any:
    from katalog.pipeline import check

    checked = check(content)
    if not checked.ok:
        raise SystemExit(f"{content}: invalid content: {checked.report.sorted()[:3]}")
    return checked


def _pages(folder: Path) -> int:
    """The catalogue's pages (`katalog.pdf`) when there is one, else those of every PDF. The
    per-proposal PDFs repeat the catalogue's pages, so counting them too would credit katalog
    with pages the single-process baseline never makes."""
    from pypdf import PdfReader

    if (folder / "katalog.pdf").is_file():
        return len(PdfReader(folder / "katalog.pdf").pages)
    return sum(len(PdfReader(p).pages) for p in sorted(folder.rglob("*.pdf")))


def work_compute(content: Path, out: Path) -> dict[str, Any]:
    from katalog.compute import compute
    from katalog.load import load_files, read_folder
    from katalog.validate import validate

    cat, report = load_files(read_folder(content), str(content))
    validate(cat, report)
    t0 = time.perf_counter()
    compute(cat)
    return {"seconds": time.perf_counter() - t0}


def work_render(name: str) -> Callable[[Path, Path], dict[str, Any]]:
    def work(content: Path, out: Path) -> dict[str, Any]:
        from katalog.build import build

        t0 = time.perf_counter()
        build(content, out / "build", [name])
        seconds = time.perf_counter() - t0
        result: dict[str, Any] = {"seconds": seconds}
        if name == "pdf":
            result["pages"] = _pages(out / "build")
        return result

    return work


def work_weasyprint(content: Path, out: Path) -> dict[str, Any]:
    """The PDF baseline: one WeasyPrint process on the same HTML as `katalog.pdf` (the site's
    single page in the PDF template, same stylesheet and options: tagged PDF/UA-1), laid out
    as one document. Without katalog's PDF renderer: the single-page site as it is."""
    try:
        from katalog.render import pdf
    except ImportError:
        pdf = None
    if pdf is not None and hasattr(pdf, "catalogue_job"):
        from katalog.build import document_date
        from katalog.render.templates import TemplateSet

        checked = _checked(content)
        cat = checked.catalogue
        job = pdf.catalogue_job(cat, checked.totals, TemplateSet.create(),
                                document_date(cat.settings.date, content))
        t0 = time.perf_counter()
        data = pdf.render_job(job).data
        seconds = time.perf_counter() - t0
        out.mkdir(parents=True, exist_ok=True)
        (out / "weasyprint.pdf").write_bytes(data)
        from pypdf import PdfReader

        return {"seconds": seconds, "pages": len(PdfReader(out / "weasyprint.pdf").pages)}
    from weasyprint import HTML

    from katalog.build import build

    build(content, out / "build", ["html"])
    page = out / "build" / "html" / "hele-kataloget.html"
    t0 = time.perf_counter()
    HTML(filename=str(page)).write_pdf(out / "weasyprint.pdf")
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "pages": _pages(out)}


def _pandoc_markdown(content: Path, out: Path) -> Path:
    from pandoc_input import catalogue_markdown

    checked = _checked(content)
    md = out / "katalog.md"
    md.write_text(catalogue_markdown(checked.catalogue, checked.totals), encoding="utf-8")
    return md


def _pandoc(md: Path, target: Path, fmt: str) -> Run:
    pandoc = pandoc_path()
    if not pandoc:
        raise SystemExit("pandoc not found (pip install -e '.[bench]')")
    run = run_command([pandoc, str(md), "-f", "markdown", "-t", fmt, "-s",
                       "--metadata", "lang=da", "-o", str(target)])
    if run.code:
        raise SystemExit(f"pandoc failed: {run.stderr[:500]}")
    return run


def work_pandoc(fmt: str) -> Callable[[Path, Path], dict[str, Any]]:
    def work(content: Path, out: Path) -> dict[str, Any]:
        md = _pandoc_markdown(content, out)
        run = _pandoc(md, out / f"pandoc.{fmt}", "html5" if fmt == "html" else fmt)
        return {"seconds": run.seconds, "cpu": run.cpu, "rss_kib": run.rss_kib}

    return work


def work_pandoc_pdf(content: Path, out: Path) -> dict[str, Any]:
    """pandoc → standalone HTML → WeasyPrint (in this process)."""
    import resource

    from weasyprint import HTML

    md = _pandoc_markdown(content, out)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = _pandoc(md, out / "pandoc.html", "html5")
    t0 = time.perf_counter()
    HTML(filename=str(out / "pandoc.html")).write_pdf(out / "pandoc.pdf")
    seconds = run.seconds + time.perf_counter() - t0
    rss = max(run.rss_kib, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = run.cpu + usage.ru_utime + usage.ru_stime  # includes this process's setup
    return {"seconds": seconds, "cpu": cpu, "rss_kib": rss, "pages": _pages(out),
            "rss_note": f"Python before WeasyPrint {rss_before // 1024} MiB"}


WORKERS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "compute": work_compute,
    "html": work_render("html"),
    "pdf": work_render("pdf"),
    "docx": work_render("docx"),
    "weasyprint": work_weasyprint,
    "pandoc-html": work_pandoc("html"),
    "pandoc-docx": work_pandoc("docx"),
    "pandoc-pdf": work_pandoc_pdf,
}


def worker_main(stage: str, content: Path, out: Path, profile: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if profile:
        result = profile_stage(stage, content, out)
    else:
        result = WORKERS[stage](content, out)
    (out / "result.json").write_text(json.dumps(result), encoding="utf-8")


def profile_stage(stage: str, content: Path, out: Path, top: int = 15) -> dict[str, Any]:
    """cProfile one run of `check` or `html`; the top functions by own time."""
    import cProfile
    import io
    import pstats

    from katalog.build import build
    from katalog.pipeline import check

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    if stage == "check":
        profiler.runcall(check, content)
    else:
        profiler.runcall(build, content, out / "build", [stage])
    seconds = time.perf_counter() - t0
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (file, line, func), (_cc, calls, tt, ct, _callers) in entries:
        rows.append({"where": _short(file, line, func), "calls": calls, "own": tt, "cum": ct})
    rows.sort(key=lambda r: r["own"], reverse=True)
    return {"seconds": seconds, "profiled_total": total, "top": rows[:top]}


def _short(file: str, line: int, func: str) -> str:
    if file == "~":
        return func  # a built-in
    parts = Path(file).parts
    for anchor in ("katalog", "site-packages"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            rel = "/".join(parts[i + (1 if anchor == "site-packages" else 0):])
            return f"{rel}:{line}({func})"
    return f"{Path(file).name}:{line}({func})"
