"""In-process stage timings, for profiling only (run.py --stages / --profile).

`run.py --worker STAGE CONTENT OUT` runs one of `WORKERS` in a fresh process and writes its
JSON result to OUT/result.json: the seconds one library call took (no interpreter start, no
imports, no command line). No target is judged on these figures; they show where the time of
the whole commands goes.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

from procs import Run, run_command


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
        from katalog.render.pdf_layout import render_job

        data = render_job(job).data
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


WORKERS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "compute": work_compute,
    "html": work_render("html"),
    "pdf": work_render("pdf"),
    "docx": work_render("docx"),
    "weasyprint": work_weasyprint,
}


def worker(stage: str, content: Path, out: Path, env: dict[str, str],
           profile: bool = False) -> tuple[dict[str, Any], Run]:
    """Run one worker in a fresh process; its JSON result and the process's Run."""
    args = [sys.executable, str(Path(__file__).with_name("run.py")), "--worker", stage,
            str(content), str(out)]
    if profile:
        args.append("--profile")
    run = run_command(args, cwd=out, env=env)
    result_file = out / "result.json"
    if run.code or not result_file.exists():
        tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{stage} failed: " + " | ".join(tail))
    return json.loads(result_file.read_text(encoding="utf-8")), run


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
