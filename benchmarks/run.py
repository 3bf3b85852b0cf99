"""katalog's benchmark (issue 14): the commands users run, timed as whole processes beside pandoc.

    python benchmarks/run.py [--sizes 50,200,1000] [--only check,html,...] [--runs N]
                             [--warmup N] [--quick] [--no-pandoc] [--no-write]
                             [--stages compute,html,docx,pdf,weasyprint] [--profile]

For each size N it generates a catalogue of N proposals (benchmarks/generate.py) and runs the
scenarios (benchmarks/scenarios.py): `katalog --help` (once), `katalog check`, `katalog build
--format html|docx|pdf|xlsx`, `katalog build` (every format), each cold and warm, the rebuild
after a one-proposal edit (pdf alone and every format), and `katalog diff HEAD~1 HEAD` between
two committed revisions — with pandoc on the same content in the same rounds (md → html,
md → docx, md → pdf through WeasyPrint). Every figure is a whole process's, from the
kernel's accounting (benchmarks/procs.py). A format the installed katalog does not know is
listed with a note instead of figures.

The method: a warm-up round that is not counted (except for the pdf and all-formats
scenarios, whose rounds take minutes at 1,000), then counted rounds in which katalog's and
pandoc's runs alternate; each figure is shown as median (min–max), the pandoc ÷ katalog ratio
as the median of the round-by-round ratios, peak memory as the largest process of the tree.

The default plan (`runs_for`) takes about 30–35 minutes on two quiet cores, most of it PDF
layout at 1,000 proposals; besides the three sizes it builds every format at 500 proposals
once, the size issue 14's full-build and edit targets name (`TARGET_SIZES`). Quick looks: `--sizes 50 --quick` (one round, no warm-up,
about 2 minutes), `--only check,html --sizes 200`. Results go to the terminal and, unless
--no-write, into docs/performance.md between markers (the rest of the file is kept).
`--stages` adds a second, in-process table (library calls without start-up) for profiling;
`--profile` rewrites the cProfile tables instead.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from procs import compile_katalog, environment, pandoc_path, weasyprint_path  # noqa: E402
from report import (  # noqa: E402
    MARK,
    PROFILE_MARK,
    STAGES_MARK,
    Row,
    evaluate,
    machine,
    markdown_report,
    markdown_table,
    print_tables,
    write_section,
)
from scenarios import HEAVY, SCENARIOS, Bench, Pandoc, fresh, run_scenario  # noqa: E402

DEFAULT_SIZES = (50, 200, 1000)
TARGET_SIZES = {"all": 500}  # issue 14's full build and edit: in the default plan too, last
DOC = ROOT / "docs" / "performance.md"
STAGES = ("compute", "html", "docx", "pdf", "weasyprint")
PROFILE_SIZES = (200, 1000)


def runs_for(scenario: str, n: int) -> int:
    """Counted rounds in the default plan: fewer where a round takes minutes."""
    if scenario in HEAVY:
        return 2 if n <= 200 else 1
    return 5 if n <= 200 else 3


def warmup_for(scenario: str, n: int) -> int:
    return 0 if scenario in HEAVY or n > 200 else 1


def _ints(text: str) -> list[int]:
    return [int(x.replace(".", "").replace("_", "")) for x in text.split(",") if x.strip()]


def _names(choices: tuple[str, ...]) -> Any:
    def parse(text: str) -> list[str]:
        chosen = [s.strip() for s in text.split(",") if s.strip()]
        unknown = [s for s in chosen if s not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown: {', '.join(unknown)} (choose from {', '.join(choices)})")
        return chosen

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Time katalog's commands beside pandoc.")
    p.add_argument("--sizes", type=_ints, default=list(DEFAULT_SIZES),
                   help="numbers of proposals, comma-separated (default 50,200,1000)")
    p.add_argument("--only", type=_names(SCENARIOS), default=list(SCENARIOS),
                   help=f"scenarios, comma-separated (default all: {','.join(SCENARIOS)})")
    p.add_argument("--runs", type=int, default=None,
                   help="counted rounds of every scenario (default: fewer for pdf/all at 1,000)")
    p.add_argument("--warmup", type=int, default=None, help="rounds not counted, first")
    p.add_argument("--quick", action="store_true", help="one round, no warm-up")
    p.add_argument("--no-pandoc", action="store_true", help="skip pandoc")
    p.add_argument("--no-write", action="store_true", help="do not touch docs/performance.md")
    p.add_argument("--stages", type=_names(STAGES), default=None,
                   help="also time library stages in-process (a profiling table)")
    p.add_argument("--profile", action="store_true",
                   help="instead: cProfile check and html (default 200 and 1000 proposals)")
    p.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench",
                   help="work folder for catalogues and outputs")
    p.add_argument("--doc", type=Path, default=DOC, help=argparse.SUPPRESS)
    return p


def plan_of(args: argparse.Namespace) -> list[tuple[int | None, str, int, int]]:
    """(size, scenario, counted rounds, warm-up rounds) in running order; `help` once."""
    plan: list[tuple[int | None, str, int, int]] = []
    if "help" in args.only:
        plan.append((None, "help", 1 if args.quick else 10, 0 if args.quick else 1))
    wanted = [(n, name) for n in sorted(set(args.sizes))
              for name in SCENARIOS if name in args.only and name != "help"]
    if args.sizes == list(DEFAULT_SIZES):  # the sizes the targets name besides
        wanted += [(n, name) for name, n in TARGET_SIZES.items()
                   if name in args.only and (n, name) not in wanted]
    for n, name in wanted:
        runs = 1 if args.quick else args.runs or runs_for(name, n)
        warm = 0 if args.quick else (args.warmup if args.warmup is not None
                                     else warmup_for(name, n))
        plan.append((n, name, runs, warm))
    return plan


def katalog_formats() -> tuple[str, ...]:
    from katalog.build import RENDERERS

    return tuple(RENDERERS)


def prepare(n: int, work: Path, args: argparse.Namespace, needs: set[str]) -> dict[str, Any]:
    """The size's catalogue, its second revision (diff) and pandoc's input (not timed)."""
    import generate
    import pandoc_input

    size = work / f"n{n}"
    size.mkdir(parents=True, exist_ok=True)
    parts: dict[str, Any] = {"content": generate.generate(size / "catalogue", n)}
    if "diff" in needs:
        parts["revision"] = generate.generate(size / "catalogue-rev1", n, revision=1)
    if not args.no_pandoc and needs & {"html", "docx", "pdf"} and pandoc_path():
        parts["markdown"] = pandoc_input.write_inputs(parts["content"], fresh(size / "pandoc"))
    return parts


def measure(args: argparse.Namespace, work: Path) -> list[Row]:
    plan = plan_of(args)
    env = environment(work)
    exe = None if args.no_pandoc else pandoc_path()
    if not args.no_pandoc and exe is None:
        print("pandoc not found: pip install -e '.[bench]'; measuring without it",
              file=sys.stderr)
    formats = katalog_formats()
    rows: list[Row] = []
    prepared: dict[int | None, dict[str, Any]] = {None: {"content": work}}
    for n, name, runs, warm in plan:
        if n not in prepared:
            prepared[n] = prepare(n, work, args, {s for m, s, _r, _w in plan if m == n})
        parts = prepared[n]
        md = parts.get("markdown")
        pandoc = Pandoc(exe, weasyprint_path(), md.parent / "pandoc.css") if exe and md else None
        bench = Bench(work / (f"n{n}" if n else "help"), parts["content"], n or 0, runs, warm,
                      env, formats, pandoc, md, parts.get("revision"))
        bench.work.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        try:
            found = run_scenario(bench, name)
        except Exception as exc:  # noqa: BLE001 - report it and go on with the next scenario
            found = [Row(name, n, "", note=f"error: {exc}"[:300])]
        rows += found
        for row in found:
            print(progress_line(row), flush=True)
        print(f"   ({name} at {n or '-'}: {time.perf_counter() - started:.0f} s)", flush=True)
    return rows


def progress_line(row: Row) -> str:
    size = "-" if row.n is None else str(row.n)
    if not row.measured:
        return f"{row.command:32} {size:>5} {row.mode:10} {row.note}"
    text = f"{row.command:32} {size:>5} {row.mode:10} {row.median:8.2f} s {row.rss_kib // 1024:5} MiB"
    if row.pandoc_median is not None and row.ratio is not None:
        text += f"   pandoc {row.pandoc_median:7.2f} s  ({row.ratio:.2f}×)"
    return text


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        from workers import worker_main

        worker_main(argv[1], Path(argv[2]), Path(argv[3]), "--profile" in argv[4:])
        return 0
    args = parser().parse_args(argv)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    info = machine()  # the load average before anything runs
    compile_katalog()
    if args.profile:
        return run_profile(args, work, info)
    started = time.perf_counter()
    rows = measure(args, work)
    if args.stages:
        stage_rows = run_stages(args, work)
    targets = evaluate(rows)
    print_tables(rows, targets)
    minutes = (time.perf_counter() - started) / 60
    print(f"{minutes:.1f} min")
    if not args.no_write:
        command = shlex.join(["python", "benchmarks/run.py", *argv])
        write_section(args.doc, MARK, markdown_report(rows, targets, info, command, minutes))
        if args.stages:
            write_section(args.doc, STAGES_MARK, stages_markdown(stage_rows, info))
        print(f"wrote {args.doc}")
    return 0


# --------------------------------------------------------------------------- profiling


def run_stages(args: argparse.Namespace, work: Path) -> list[list[str]]:
    """Library calls in a fresh process each, without start-up: where the time goes."""
    import generate
    from workers import worker

    out = []
    formats = katalog_formats()
    for n in sorted(set(args.sizes)):
        content = generate.generate(work / f"n{n}" / "catalogue", n)
        for stage in args.stages:
            if stage in ("html", "docx", "pdf") and stage not in formats:
                out.append([stage, f"{n:,}", "", "", "", "not in this katalog"])
                continue
            try:
                data, run = worker(stage, content, fresh(work / f"n{n}" / f"stage-{stage}"),
                                   environment(work))
            except RuntimeError as exc:
                out.append([stage, f"{n:,}", "", "", "", f"error: {exc}"[:200]])
                continue
            pages = data.get("pages")
            rate = f"{pages / data['seconds']:.1f}" if pages else ""
            out.append([stage, f"{n:,}", f"{data['seconds']:.2f}", str(pages or ""), rate,
                        f"process peak {run.rss_kib // 1024} MiB"])
            print(f"stage {stage:10} {n:5}: {data['seconds']:.2f} s", flush=True)
    return out


def stages_markdown(rows: list[list[str]], info: dict[str, str]) -> str:
    head = ["stage (in-process library call)", "N", "seconds", "pages", "pages/s", "note"]
    lines = [STAGES_MARK[0], "", f"Measured {info['Date']} (load at start "
             f"{info.get('Load average at start (1/5/15 min)', '?')}). For profiling only: "
             "no start-up, no imports, no command line; no target is judged on these.", ""]
    lines += markdown_table(head, rows, left=2)
    lines += ["", STAGES_MARK[1]]
    return "\n".join(lines)


def run_profile(args: argparse.Namespace, work: Path, info: dict[str, str]) -> int:
    import generate
    from workers import worker

    profiles = []
    for n in args.sizes if args.sizes != list(DEFAULT_SIZES) else PROFILE_SIZES:
        content = generate.generate(work / f"n{n}" / "catalogue", n)
        for stage in ("check", "html"):
            data, _ = worker(stage, content, fresh(work / f"n{n}" / f"profile-{stage}"),
                             environment(work), profile=True)
            profiles.append((stage, n, data))
            print(f"{stage} {n}: {data['seconds']:.2f} s under cProfile")
            for r in data["top"][:8]:
                print(f"   {r['own']:7.2f} {r['cum']:7.2f} {r['calls']:>8} {r['where']}")
    if not args.no_write:
        write_section(args.doc, PROFILE_MARK, profile_markdown(profiles, info))
        print(f"wrote {args.doc}")
    return 0


def profile_markdown(profiles: list[tuple[str, int, dict[str, Any]]], info: dict[str, str]) -> str:
    lines = [PROFILE_MARK[0], "", f"Profiled {info['Date']} (cProfile, one run each; "
             f"{info['Machine']}). Times under cProfile are higher than without it.", ""]
    for stage, n, data in profiles:
        lines += [f"#### {stage}, {n} proposals: {data['seconds']:.2f} s under cProfile", "",
                  "| function | calls | own s | cumulative s |", "|---|---:|---:|---:|"]
        lines += [f"| `{r['where']}` | {r['calls']} | {r['own']:.2f} | {r['cum']:.2f} |"
                  for r in data["top"]]
        lines.append("")
    lines.append(PROFILE_MARK[1])
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
