"""katalog's benchmark runner (issue 8): time each stage on synthetic catalogues, next to pandoc.

    python benchmarks/run.py [--sizes 50,200,500,1000] [--stages check,html] [--repeat 3]
                             [--no-write] [--no-pandoc] [--profile]

Stages: check (load + validate + compute = `pipeline.check`; cold is the whole `katalog check`
command in a fresh process, warm a second call in the same process), compute (alone), html,
pdf, docx (each `build(content, out, [format])` in-process: check + render + write), diff
(`katalog diff OLD NEW --format json` between two revisions, ~5 % of amounts edited) and build
(`katalog check` + `katalog build`, all formats: the cold `make catalogue`). Renderers are taken
from `katalog.build.RENDERERS` at run time and diff is timed only when `katalog diff --help`
works; a missing stage is shown as "ikke tilgængelig".

Every measurement runs in a fresh subprocess; its peak memory is the process's ru_maxrss
(from wait4, so it includes children it waited for, as the largest single process). pandoc
(from the `pypandoc-binary` wheel) converts the same proposals' Markdown (see
`pandoc_input.py`) to HTML and DOCX, and to PDF through WeasyPrint. Results go to the terminal
and, unless --no-write, into docs/performance.md between markers (the rest of the file is kept).
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()  # before any katalog import: the start of a "cold" worker

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

STAGES = ("check", "compute", "html", "pdf", "docx", "diff", "build")
RENDER_STAGES = ("html", "pdf", "docx")
DEFAULT_SIZES = (50, 200, 500, 1000)
PROFILE_SIZES = (200, 1000)
DOC = ROOT / "docs" / "performance.md"
MARK = ("<!-- bench:start -->", "<!-- bench:end -->")
PROFILE_MARK = ("<!-- profile:start -->", "<!-- profile:end -->")
UNAVAILABLE = "ikke tilgængelig"
TIMEOUT = 3 * 3600
GIB = 1024 * 1024  # KiB


# --------------------------------------------------------------------------- processes


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


def run_command(args: list[str], cwd: Path | None = None, timeout: float = TIMEOUT) -> Run:
    """Run `args` to the end; its own peak memory comes from wait4 (not the whole session's)."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"katalog-bench-{os.getpid()}.out"
    err_path = out_path.with_suffix(".err")
    with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=cwd)
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


# --------------------------------------------------------------------------- workers
# `run.py --worker STAGE CONTENT OUT` runs one measurement in this fresh process and writes
# a JSON object to OUT/result.json. Times are taken here; the parent adds ru_maxrss.


def _checked(content: Path) -> Any:
    from katalog.pipeline import check

    checked = check(content)
    if not checked.ok:
        raise SystemExit(f"{content}: invalid content: {checked.report.sorted()[:3]}")
    return checked


def _pages(folder: Path) -> int:
    from pypdf import PdfReader

    return sum(len(PdfReader(p).pages) for p in sorted(folder.rglob("*.pdf")))


def _self_rss() -> int:
    import resource

    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def work_check(content: Path, out: Path) -> dict[str, Any]:
    _checked(content)  # the first call pays for imports and first use
    t0 = time.perf_counter()
    checked = _checked(content)
    return {"warm": time.perf_counter() - t0, "proposals": len(checked.catalogue.proposals)}


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
    """The PDF baseline: one WeasyPrint process on the HTML site's single-page catalogue."""
    from katalog.build import build
    from weasyprint import HTML

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
    "check": work_check,
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
    for (file, line, func), (_cc, calls, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
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


# --------------------------------------------------------------------------- measuring


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


def available_stages() -> dict[str, bool]:
    """Which stages exist in this katalog: renderers by name, diff by its help."""
    from katalog.build import RENDERERS

    have = {s: True for s in ("check", "compute", "build")}
    for name in RENDER_STAGES:
        have[name] = name in RENDERERS
    have["diff"] = run_command(katalog_cmd("diff", "--help"), timeout=120).code == 0
    return have


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _clear_caches(*folders: Path) -> None:
    """Cold means cold: no katalog cache left from an earlier run."""
    for folder in folders:
        for cache in (folder / ".katalog-cache", folder / ".cache" / "katalog"):
            if cache.is_dir():
                shutil.rmtree(cache)


def worker(stage: str, content: Path, work: Path, profile: bool = False) -> tuple[dict[str, Any], Run]:
    """Run one worker in a fresh process; its JSON result and the process's Run."""
    out = _fresh(work / f"out-{stage}")
    _clear_caches(content, out)
    args = [sys.executable, str(Path(__file__).resolve()), "--worker", stage, str(content), str(out)]
    if profile:
        args.append("--profile")
    run = run_command(args, cwd=out)
    result_file = out / "result.json"
    if run.code or not result_file.exists():
        tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{stage} failed: " + " | ".join(tail))
    return json.loads(result_file.read_text(encoding="utf-8")), run


def measure(stage: str, n: int, content: Path, revision: Path, work: Path, repeat: int,
            pandoc: bool) -> Result:
    """Median seconds over `repeat` runs; peak memory is the largest of them."""
    res = Result(stage, n)
    secs: list[float] = []
    rss: list[int] = []
    cpu: list[float] = []
    extra: dict[str, list[Any]] = {}

    def keep(key: str, value: Any) -> None:
        extra.setdefault(key, []).append(value)

    for _ in range(repeat):
        if stage == "check":
            run = run_command(katalog_cmd("check", str(content)), cwd=work)
            if run.code:
                raise RuntimeError(f"katalog check failed: {run.stderr.strip()[-300:]}")
            secs.append(run.seconds)
            rss.append(run.rss_kib)
            cpu.append(run.cpu)
            data, _ = worker("check", content, work)
            keep("warm", data["warm"])
        elif stage == "diff":
            run = run_command(katalog_cmd("diff", str(content), str(revision), "--format", "json"),
                              cwd=work)
            if run.code not in (0, 1) or not run.stdout.strip():
                raise RuntimeError(f"katalog diff failed ({run.code}): {run.stderr.strip()[-300:]}")
            secs.append(run.seconds)
            rss.append(run.rss_kib)
            cpu.append(run.cpu)
        elif stage == "build":
            out = _fresh(work / "out-build") / "build"
            _clear_caches(content, work)
            first = run_command(katalog_cmd("check", str(content)), cwd=work)
            second = run_command(katalog_cmd("build", str(content), "--out", str(out)), cwd=work)
            if first.code or second.code:
                raise RuntimeError(f"katalog build failed: {second.stderr.strip()[-300:]}")
            secs.append(first.seconds + second.seconds)
            rss.append(max(first.rss_kib, second.rss_kib))
            cpu.append(first.cpu + second.cpu)
            res.extra["formats"] = formats_built(out)
        else:
            data, run = worker(stage, content, work)
            secs.append(data["seconds"])
            rss.append(run.rss_kib)
            cpu.append(run.cpu)
            if "pages" in data:
                keep("pages", data["pages"])
            if stage == "pdf":
                base, _ = worker("weasyprint", content, work)
                keep("weasyprint_seconds", base["seconds"])
                keep("weasyprint_pages", base["pages"])
        if pandoc and stage in RENDER_STAGES:
            data, run = worker(f"pandoc-{stage}", content, work)
            keep("pandoc_seconds", data["seconds"])
            keep("pandoc_cpu", data["cpu"])
            keep("pandoc_rss", data.get("rss_kib", run.rss_kib))
    res.seconds = statistics.median(secs)
    res.rss_kib = max(rss)
    res.cpu = statistics.median(cpu)
    for key, values in extra.items():
        res.extra[key] = statistics.median(values) if key != "pandoc_rss" else max(values)
    if "pandoc_seconds" in res.extra:
        res.pandoc_seconds = res.extra.pop("pandoc_seconds")
        res.pandoc_rss_kib = int(res.extra.pop("pandoc_rss"))
    return res


def formats_built(out: Path) -> str:
    """Which formats `katalog build` wrote (from RENDERERS' owned paths)."""
    from katalog.build import RENDERERS

    return ",".join(name for name, (_f, paths) in RENDERERS.items()
                    if any((out / rel).exists() for rel in paths))


def _note(r: Result) -> str:
    if r.note:
        return r.note
    parts = []
    if "formats" in r.extra:
        parts.append(f"formats: {r.extra['formats']}")
    if "pandoc_cpu" in r.extra:
        parts.append(f"pandoc CPU {r.extra['pandoc_cpu']:.2f} s")
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
    return next((r for r in results if r.stage == stage and r.n == n and r.seconds is not None), None)


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
    pdfs = [x for x in results if x.stage == "pdf" and x.seconds and "weasyprint_seconds" in x.extra]
    if pdfs:
        x = max(pdfs, key=lambda x: x.n)
        ours = x.extra["pages"] / x.seconds
        base = x.extra["weasyprint_pages"] / x.extra["weasyprint_seconds"]
        targets.append(Target(f"PDF ≥ 1.8× the pages/s of one WeasyPrint process ({x.n} proposals)",
                              verdict(ours >= 1.8 * base), f"{ours / base:.2f}×"))
    else:
        targets.append(Target("PDF ≥ 1.8× the pages/s of one WeasyPrint process", "not measured"))
    r = _find(results, "build", 500)
    missing = [f for f in ("html", "pdf", "docx")
               if r and f not in str(r.extra.get("formats", "")).split(",")]
    partial = f" (without {', '.join(missing)}: not in this katalog)" if missing else ""
    targets.append(Target("Full cold `make catalogue`, 500 proposals, all formats < 120 s",
                          verdict(r.seconds < 120) + partial if r else "not measured",
                          f"{r.seconds:.1f} s" if r else ""))
    targets.append(Target("… peak memory (largest process) < 2 GiB",
                          verdict(r.rss_kib < 2 * GIB) + partial if r and r.rss_kib else "not measured",
                          f"{r.rss_kib / 1024:.0f} MiB" if r and r.rss_kib else ""))
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
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
        info["CPU"] = cpu
    except (OSError, StopIteration):
        info["CPU"] = platform.processor() or "?"
    try:
        info["Load average at start (1/5/15 min)"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    info["System"] = f"{platform.system()} {platform.release()}"
    info["Python"] = platform.python_version()
    versions = []
    for dist in ("katalog", "ruamel.yaml", "ruamel.yaml.clib", "markdown", "jinja2", "babel",
                 "weasyprint", "python-docx", "pypdf", "pypandoc-binary"):
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
    lines.append(f"- **Command:** `python benchmarks/run.py {' '.join(args.argv)}`".rstrip())
    lines.append(f"- **Repeats:** {args.repeat} (median time, largest peak memory)")
    lines += ["", "| " + " | ".join(HEAD) + " |", "|" + "---|" * 2 + "---:|" * 6 + "---|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows(results)]
    lines += ["", "### Targets", "", "| target | measured | status |", "|---|---:|---|"]
    lines += [f"| {t.text} | {t.measured} | {t.verdict} |" for t in targets]
    lines += ["", MARK[1]]
    return "\n".join(lines)


def profile_markdown(profiles: list[tuple[str, int, dict[str, Any]]], info: dict[str, str]) -> str:
    lines = [PROFILE_MARK[0], "", f"Profiled {info['Date']} (cProfile, one run each; "
             f"{info['Cores']} cores, load average {info.get('Load average at start (1/5/15 min)', '?')}). "
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


# --------------------------------------------------------------------------- main


def _ints(text: str) -> list[int]:
    return [int(x.replace(".", "").replace("_", "")) for x in text.split(",") if x.strip()]


def _stages(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in STAGES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown stage: {', '.join(unknown)} (choose from {', '.join(STAGES)})")
    return chosen


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        worker_main(argv[1], Path(argv[2]), Path(argv[3]), "--profile" in argv[4:])
        return 0
    parser = argparse.ArgumentParser(description="Time katalog's stages on synthetic catalogues.")
    parser.add_argument("--sizes", type=_ints, default=None,
                        help="numbers of proposals, comma-separated (default 50,200,500,1000)")
    parser.add_argument("--stages", type=_stages, default=list(STAGES),
                        help=f"stages, comma-separated (default: {','.join(STAGES)})")
    parser.add_argument("--repeat", type=int, default=1, help="repeats; the median is shown")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/performance.md")
    parser.add_argument("--no-pandoc", action="store_true", help="skip the pandoc comparison")
    parser.add_argument("--profile", action="store_true",
                        help="instead: profile check and html once (default 200 and 1000 proposals)")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench",
                        help="work folder for catalogues and outputs")
    parser.add_argument("--doc", type=Path, default=DOC, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.argv = argv
    import generate  # benchmarks/generate.py

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    info = machine()
    if args.profile:
        return run_profile(args, work, info, generate)
    sizes = args.sizes or list(DEFAULT_SIZES)
    have = available_stages()
    pandoc = not args.no_pandoc and pandoc_path() is not None
    if not args.no_pandoc and not pandoc:
        print("pandoc not found: pip install -e '.[bench]'; measuring without pandoc",
              file=sys.stderr)
    results: list[Result] = []
    for n in sizes:
        content = generate.generate(work / f"katalog-{n}", n)
        revision = generate.generate(work / f"katalog-{n}-rev1", n, revision=1) if "diff" in args.stages else content
        for stage in args.stages:
            if not have.get(stage):
                results.append(Result(stage, n, note=UNAVAILABLE))
                print(f"{stage:8} {n:5}: {UNAVAILABLE}", flush=True)
                continue
            try:
                r = measure(stage, n, content, revision, work, args.repeat, pandoc)
            except Exception as exc:  # noqa: BLE001 - report and go on with the next stage
                r = Result(stage, n, note=f"error: {exc}"[:200])
            results.append(r)
            shown = f"{r.seconds:.2f} s, {_fmt_mib(r.rss_kib)} MiB" if r.seconds is not None else r.note
            if r.pandoc_seconds is not None:
                shown += f"; pandoc {r.pandoc_seconds:.2f} s ({r.ratio:.1f}×)"
            print(f"{stage:8} {n:5}: {shown} {_note(r)}", flush=True)
    targets = evaluate(results)
    print_table(results, targets)
    if not args.no_write:
        write_section(args.doc, MARK, markdown_report(results, targets, info, args))
        print(f"wrote {args.doc}")
    return 0


def run_profile(args: argparse.Namespace, work: Path, info: dict[str, str], generate: Any) -> int:
    profiles = []
    for n in args.sizes or list(PROFILE_SIZES):
        content = generate.generate(work / f"katalog-{n}", n)
        for stage in ("check", "html"):
            data, _ = worker(stage, content, work, profile=True)
            profiles.append((stage, n, data))
            print(f"{stage} {n}: {data['seconds']:.2f} s under cProfile")
            for r in data["top"][:8]:
                print(f"   {r['own']:7.2f} {r['cum']:7.2f} {r['calls']:>8} {r['where']}")
    if not args.no_write:
        write_section(args.doc, PROFILE_MARK, profile_markdown(profiles, info))
        print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
