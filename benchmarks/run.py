"""katalog's benchmark runner (issue 8): time each stage on synthetic catalogues, next to pandoc.

    python benchmarks/run.py [--sizes 50,200,500,1000] [--stages check,html] [--repeat 3]
                             [--plan html=200,1000 --plan pdf=50] [--no-write] [--no-pandoc]
                             [--profile]

Without --sizes/--stages/--plan it runs `DEFAULT_PLAN`: each stage at the sizes its issue-8
target names, plus a smaller size to show how it grows. --sizes and --stages measure every
stage at every size; --plan STAGE=SIZES (repeatable) names exactly what to measure.

Stages: check (load + validate + compute = `pipeline.check`; cold is the whole `katalog check`
command in a fresh process, warm a second call in the same process), compute (alone), html,
pdf, docx (each `build(content, out, [format])` in-process: check + render + write), diff
(`katalog diff OLD NEW --format json` between two revisions, ~5 % of amounts edited) and build
(`katalog check` + `katalog build`, all formats: the cold `make catalogue`) and edit (`katalog
build --format pdf` after one amount of one proposal changed, the previous build and its cache
kept: what the budget office waits for between two edits). Renderers are taken
from `katalog.build.RENDERERS` at run time and diff is timed only when `katalog diff --help`
works; a missing stage is shown as "ikke tilgængelig".

Every measurement runs in a fresh subprocess; its peak memory is the process's ru_maxrss
(from wait4, so it includes children it waited for, as the largest single process). pandoc
(from the `pypandoc-binary` wheel) converts the same proposals' Markdown (see
`pandoc_input.py`) to HTML and DOCX, and to PDF through WeasyPrint. Results go to the terminal
and, unless --no-write, into docs/performance.md between markers (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from report import (  # noqa: E402
    MARK,
    PROFILE_MARK,
    UNAVAILABLE,
    Result,
    _fmt_mib,
    _note,
    evaluate,
    machine,
    markdown_report,
    print_table,
    profile_markdown,
    write_section,
)
from workers import Run, katalog_cmd, pandoc_path, run_command, worker_main  # noqa: E402

STAGES = ("check", "compute", "html", "pdf", "docx", "diff", "build", "edit")
RENDER_STAGES = ("html", "pdf", "docx")
DEFAULT_SIZES = (50, 200, 500, 1000)
DEFAULT_PLAN: dict[str, tuple[int, ...]] = {
    "check": (200, 1000), "compute": (1000,), "html": (200, 1000), "docx": (200, 1000),
    "pdf": (50, 200), "diff": (500,), "build": (500,), "edit": (500,),
}
PROFILE_SIZES = (200, 1000)
DOC = ROOT / "docs" / "performance.md"
__all__ = ["MARK", "PROFILE_MARK", "UNAVAILABLE", "Result", "evaluate", "katalog_cmd", "main",
           "run_command"]


def available_stages() -> dict[str, bool]:
    """Which stages exist in this katalog: renderers by name, diff by its help."""
    from katalog.build import RENDERERS

    have = {s: True for s in ("check", "compute", "build", "edit")}
    for name in RENDER_STAGES:
        have[name] = name in RENDERERS
    have["diff"] = run_command(katalog_cmd("diff", "--help"), timeout=120).code == 0
    return have


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _env(work: Path) -> dict[str, str]:
    """The measured processes' environment: a cache home of their own under `work`."""
    return {**os.environ, "XDG_CACHE_HOME": str(work / "xdg-cache")}


def _clear_caches(content: Path, work: Path, *more: Path) -> None:
    """Cold means cold: no katalog cache left from an earlier run, wherever katalog keeps it
    (`.katalog-cache/` in the content folder, its parent, the working folder, or the
    XDG cache home that `_env` points into `work`)."""
    places = [content, content.parent, work, *more]
    caches = [p / name for p in places for name in (".katalog-cache", ".cache/katalog")]
    for cache in [*caches, work / "xdg-cache"]:
        if cache.is_dir():
            shutil.rmtree(cache)


def worker(
    stage: str, content: Path, work: Path, profile: bool = False
) -> tuple[dict[str, Any], Run]:
    """Run one worker in a fresh process; its JSON result and the process's Run."""
    out = _fresh(work / f"out-{stage}")
    _clear_caches(content, work, out)
    args = [sys.executable, str(Path(__file__).resolve()), "--worker", stage,
            str(content), str(out)]
    if profile:
        args.append("--profile")
    run = run_command(args, cwd=out, env=_env(work))
    result_file = out / "result.json"
    if run.code or not result_file.exists():
        tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{stage} failed: " + " | ".join(tail))
    return json.loads(result_file.read_text(encoding="utf-8")), run


def measure(stage: str, n: int, content: Path, revision: Path, work: Path, repeat: int,
            pandoc: bool) -> Result:
    """Median seconds over `repeat` runs; peak memory is the largest of them."""
    work.mkdir(parents=True, exist_ok=True)
    res = Result(stage, n)
    secs: list[float] = []
    rss: list[int] = []
    cpu: list[float] = []
    extra: dict[str, list[Any]] = {}

    def keep(key: str, value: Any) -> None:
        extra.setdefault(key, []).append(value)

    for _ in range(repeat):
        if stage == "check":
            # cold: no cache anywhere; warm: the same command again, whatever it cached kept
            _clear_caches(content, work)
            run, warm = (run_command(katalog_cmd("check", str(content)), cwd=work, env=_env(work))
                         for _ in range(2))
            if run.code or warm.code:
                raise RuntimeError(f"katalog check failed: {run.stderr.strip()[-300:]}")
            secs.append(run.seconds)
            rss.append(run.rss_kib)
            cpu.append(run.cpu)
            keep("warm", warm.seconds)
        elif stage == "diff":
            _clear_caches(content, work)
            run = run_command(katalog_cmd("diff", str(content), str(revision), "--format", "json"),
                              cwd=work, env=_env(work))
            if run.code not in (0, 1) or not run.stdout.strip():
                raise RuntimeError(f"katalog diff failed ({run.code}): {run.stderr.strip()[-300:]}")
            secs.append(run.seconds)
            rss.append(run.rss_kib)
            cpu.append(run.cpu)
        elif stage == "build":
            out = _fresh(work / "out-build") / "build"
            _clear_caches(content, work)
            first = run_command(katalog_cmd("check", str(content)), cwd=work, env=_env(work))
            second = run_command(katalog_cmd("build", str(content), "--out", str(out)),
                                 cwd=work, env=_env(work))
            if first.code or second.code:
                raise RuntimeError(f"katalog build failed: {second.stderr.strip()[-300:]}")
            secs.append(first.seconds + second.seconds)
            rss.append(max(first.rss_kib, second.rss_kib))
            cpu.append(first.cpu + second.cpu)
            res.extra["formats"] = formats_built(out)
        elif stage == "edit":
            run, first = edit_rebuild(content, work)
            secs.append(run.seconds)
            rss.append(run.rss_kib)
            cpu.append(run.cpu)
            keep("first_build", first.seconds)
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


EDIT_FORMAT = "pdf"
_AMOUNT = re.compile(r"^(    amounts: \{\d{4}: )(-?\d+)", re.MULTILINE)


def edit_one_proposal(content: Path) -> Path:
    """Change one amount of the middle proposal that declares no totals (so the edit stays
    valid): the edit a writer makes between two builds. Returns the edited file."""
    files = sorted((content / "proposals").glob("*.md"))
    free = [f for f in files if "\ntotals:" not in f.read_text(encoding="utf-8")]
    target = (free or files)[len(free or files) // 2]
    text = target.read_text(encoding="utf-8")
    edited, count = _AMOUNT.subn(lambda m: f"{m.group(1)}{int(m.group(2)) - 125}", text, count=1)
    if not count:
        raise RuntimeError(f"no amount to edit in {target}")
    target.write_text(edited, encoding="utf-8")
    return target


def edit_rebuild(content: Path, work: Path) -> tuple[Run, Run]:
    """A cold `katalog build --format pdf` of a copy of `content`, one proposal edited, and
    the same command again (timed): (the rebuild, the first build)."""
    copy = _fresh(work / "edit-content") / "content"
    shutil.copytree(content, copy)
    out = _fresh(work / "out-edit") / "build"
    _clear_caches(copy, work, out.parent)
    cmd = katalog_cmd("build", str(copy), "--out", str(out), "--format", EDIT_FORMAT)
    first = run_command(cmd, cwd=work, env=_env(work))
    if first.code:
        raise RuntimeError(f"katalog build failed: {first.stderr.strip()[-300:]}")
    edit_one_proposal(copy)
    second = run_command(cmd, cwd=work, env=_env(work))
    if second.code:
        raise RuntimeError(f"katalog build after the edit failed: {second.stderr.strip()[-300:]}")
    return second, first


def formats_built(out: Path) -> str:
    """Which formats `katalog build` wrote (from RENDERERS' owned paths)."""
    from katalog.build import RENDERERS

    return ",".join(name for name, (_f, paths) in RENDERERS.items()
                    if any((out / rel).exists() for rel in paths))


def _ints(text: str) -> list[int]:
    return [int(x.replace(".", "").replace("_", "")) for x in text.split(",") if x.strip()]


def _stages(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in STAGES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown stage: {', '.join(unknown)} (choose from {', '.join(STAGES)})")
    return chosen


def _plan_item(text: str) -> tuple[str, list[int]]:
    stage, _, sizes = text.partition("=")
    if stage not in STAGES or not sizes:
        raise argparse.ArgumentTypeError(
            f"expected STAGE=SIZES with a stage from {', '.join(STAGES)}, got {text!r}")
    return stage, _ints(sizes)


def plan_of(args: argparse.Namespace) -> list[tuple[int, str]]:
    """(size, stage) pairs to measure, by size, stages in `STAGES` order."""
    if args.plan:
        plan: dict[str, set[int]] = {}
        for stage, sizes in args.plan:
            plan.setdefault(stage, set()).update(sizes)
    elif args.sizes or args.stages:
        plan = {s: set(args.sizes or DEFAULT_SIZES) for s in (args.stages or STAGES)}
    else:
        plan = {s: set(v) for s, v in DEFAULT_PLAN.items()}
    pairs = [(n, s) for s in STAGES for n in plan.get(s, ())]
    return sorted(pairs, key=lambda p: (p[0], STAGES.index(p[1])))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        worker_main(argv[1], Path(argv[2]), Path(argv[3]), "--profile" in argv[4:])
        return 0
    parser = argparse.ArgumentParser(description="Time katalog's stages on synthetic catalogues.")
    parser.add_argument("--sizes", type=_ints, default=None,
                        help="numbers of proposals, comma-separated (default 50,200,500,1000)")
    parser.add_argument("--stages", type=_stages, default=None,
                        help=f"stages, comma-separated (all: {','.join(STAGES)})")
    parser.add_argument("--plan", type=_plan_item, action="append", default=None,
                        metavar="STAGE=SIZES", help="measure STAGE at SIZES (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="repeats; the median is shown")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/performance.md")
    parser.add_argument("--no-pandoc", action="store_true", help="skip the pandoc comparison")
    parser.add_argument("--profile", action="store_true",
                        help="instead: profile check and html once "
                             "(default 200 and 1000 proposals)")
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
    plan = plan_of(args)
    have = available_stages()
    pandoc = not args.no_pandoc and pandoc_path() is not None
    if not args.no_pandoc and not pandoc:
        print("pandoc not found: pip install -e '.[bench]'; measuring without pandoc",
              file=sys.stderr)
    results: list[Result] = []
    for n in sorted({n for n, _ in plan}):
        stages = [s for size, s in plan if size == n]
        content = generate.generate(work / f"katalog-{n}", n)
        revision = content
        if "diff" in stages:
            revision = generate.generate(work / f"katalog-{n}-rev1", n, revision=1)
        for stage in stages:
            if not have.get(stage):
                results.append(Result(stage, n, note=UNAVAILABLE))
                print(f"{stage:8} {n:5}: {UNAVAILABLE}", flush=True)
                continue
            try:
                r = measure(stage, n, content, revision, work, args.repeat, pandoc)
            except Exception as exc:  # noqa: BLE001 - report and go on with the next stage
                r = Result(stage, n, note=f"error: {exc}"[:200])
            results.append(r)
            shown = r.note
            if r.seconds is not None:
                shown = f"{r.seconds:.2f} s, {_fmt_mib(r.rss_kib)} MiB"
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
