"""benchmarks/: the harness's logic on tiny inputs (which commands run, in which state, how the
figures are summarised and written). Nothing here asserts a time."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import cmarkgfm
import pytest
from bs4 import BeautifulSoup

from katalog.build import RENDERERS
from katalog.pipeline import check

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if name in sys.modules and getattr(sys.modules[name], "__file__", "").startswith(str(BENCH)):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("generate")
procs = _load("procs")
report = _load("report")
scenarios = _load("scenarios")
pandoc_input = _load("pandoc_input")
run = _load("run")


def R(seconds, cpu=1.0, rss=1024, code=0):  # noqa: N802 - a short name for a test Run
    return procs.Run(seconds, cpu, rss, code)


# -- one measured process --------------------------------------------------------------------


def test_peak_memory_is_the_commands_not_the_runners():
    """A child started by a big process begins as a copy of it; the small parent in
    measure.py keeps the runner's memory out of the command's peak."""
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page: resident
    small = procs.run_command([sys.executable, "-S", "-c", "pass"])
    assert small.code == 0 and 0 < small.rss_kib < 100 * 1024
    big = procs.run_command([sys.executable, "-S", "-c",
                             "b = bytearray(150 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"])
    assert big.rss_kib > 150 * 1024  # the command's own peak is seen
    del ballast


def test_exit_codes_output_and_timeout_of_a_measured_command(tmp_path):
    done = procs.run_command(["sh", "-c", "echo ud; echo fejl >&2; exit 3"], cwd=tmp_path)
    assert (done.code, done.stdout, done.stderr) == (3, "ud\n", "fejl\n")
    assert done.cpu >= 0 and done.seconds > 0
    missing = procs.run_command(["no-such-command-here"])
    assert missing.code == 127
    stopped = procs.run_command(["sh", "-c", "sleep 30 & wait"], timeout=1)
    assert stopped.code != 0 and "timeout" in stopped.stderr
    with pytest.raises(procs.CommandFailed, match="exited 3"):
        procs.checked(["sh", "-c", "exit 3"], "sh")


# -- the figures ------------------------------------------------------------------------------


def test_row_summarises_runs_and_pairs_ratios_round_by_round():
    row = report.Row("katalog build --format pdf", 200, "cold",
                     runs=[R(10, 18, 300 * 1024), R(12, 20, 310 * 1024), R(30, 22, 290 * 1024)],
                     pandoc=[R(20, 19, 900 * 1024), R(30, 20, 950 * 1024), R(33, 21, 800 * 1024)],
                     pages=100, pandoc_pages=80)
    assert row.median == 12 and row.cpu == 20 and row.rss_kib == 310 * 1024
    assert row.pandoc_median == 30 and row.pandoc_rss_kib == 950 * 1024
    # ratios pair by pair: 2.0, 2.5, 1.1 -> median 2.0 (not 30 / 12 = 2.5)
    assert row.ratio == pytest.approx(2.0)
    assert row.pages_per_second == pytest.approx(100 / 12)
    assert row.cpu_per_page == pytest.approx(0.2)
    assert row.pandoc_cpu_per_page == pytest.approx(20 / 80)
    assert report.spread(row.seconds()) == "12.00 (10.00–30.00)"
    assert report.spread([1.5]) == "1.50"


def test_tables_show_every_row_and_mark_what_is_missing():
    rows = [report.Row("katalog check", 50, "cold", runs=[R(0.5), R(0.7)]),
            report.Row("katalog build --format xlsx", 50, "cold", note=report.UNAVAILABLE),
            report.Row("katalog build --format pdf", 50, "cold", runs=[R(4.0, 8.0)], pages=40,
                       pandoc=[R(8.0, 6.0)], pandoc_pages=30,
                       pandoc_command="pandoc katalog.md -t html5")]
    table = report.main_rows(rows)
    assert table[0][:4] == ["katalog check", "50", "cold", "0.60 (0.50–0.70)"]
    assert table[1][-1] == report.UNAVAILABLE and table[1][3] == ""
    assert table[2][9] == "2.00×"
    pdf = report.pdf_rows(rows)
    assert pdf == [["katalog build --format pdf", "50", "cold", "40", "10.0", "0.200", "30",
                    "3.8", "0.200"]]
    assert report.legend(rows) == ["beside `katalog build --format pdf`: "
                                   "`pandoc katalog.md -t html5`"]


def test_targets_are_judged_on_the_whole_commands():
    def row(command, n, mode, secs, pandoc=None, pages=None, cpu=1.0, pandoc_cpu=1.0):
        return report.Row(command, n, mode, runs=[R(secs, cpu)],
                          pandoc=[R(pandoc, pandoc_cpu)] if pandoc else [], pages=pages,
                          pandoc_pages=pages)

    rows = [row("katalog build --format html", 200, "cold", 1.0, pandoc=6.0),
            row("katalog build --format docx", 1000, "cold", 10.0, pandoc=20.0),
            row("katalog build --format pdf", 200, "cold", 40.0, pandoc=75.0, pages=600,
                cpu=130.0, pandoc_cpu=78.0),
            row("katalog check", 1000, "warm", 0.7),
            row("katalog --help", None, "-", 0.2),
            row("katalog build", 500, "after edit", 4.0)]
    verdicts = {t.text: t.verdict for t in report.evaluate(rows)}
    assert verdicts["HTML ≥ 5.0× pandoc, cold, N = 200"] == "reached"
    assert verdicts["HTML ≥ 5.0× pandoc, cold, N = 1,000"] == "not measured"
    assert verdicts["DOCX ≥ 2.5× pandoc, cold, N = 1,000"] == "not reached"
    assert verdicts["PDF ≥ 2.0× pandoc, cold, N = 200"] == "not reached"
    assert verdicts["PDF CPU per page ≤ pandoc → WeasyPrint's (one pass), N = 200"] == \
        "not reached"
    assert verdicts["`katalog check` of 1,000 < 1 s warm"] == "reached"
    assert verdicts["`katalog --help` < 0.15 s"] == "not reached"
    assert verdicts["full cold build of 500, all formats < 90 s"] == "not measured"
    assert verdicts["one-proposal edit of 500, rebuild of all formats < 5 s"] == "reached"


def test_report_is_written_between_the_markers(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nHand-written.\n\n{report.MARK[0]}\nold\n{report.MARK[1]}\n"
                   "\nMore.\n", encoding="utf-8")
    rows = [report.Row("katalog check", 50, "cold", runs=[R(0.5)])]
    info = report.machine()
    text = report.markdown_report(rows, report.evaluate(rows), info, "python run.py", 1.0)
    report.write_section(doc, report.MARK, text)
    written = doc.read_text(encoding="utf-8")
    assert "Hand-written." in written and "More." in written and "\nold\n" not in written
    assert "| katalog check | 50 | cold | 0.50 |" in written
    for key in ("Date", "Machine", report.LOAD, "Libraries"):
        assert f"**{key}:**" in written
    assert "katalog 0.1.0" in written or "katalog " in info["Libraries"]


# -- the plan ---------------------------------------------------------------------------------


def test_default_plan_covers_every_scenario_at_every_size():
    plan = run.plan_of(run.parser().parse_args([]))
    assert plan[0] == (None, "help", 10, 1)
    assert plan[-1] == (500, "all", 1, 0)  # the size of the full-build and edit targets
    plan = plan[:-1]
    sizes = {n for n, *_ in plan if n}
    assert sizes == {50, 200, 1000}
    for n in sizes:
        assert [s for m, s, *_ in plan if m == n] == [s for s in scenarios.SCENARIOS
                                                       if s != "help"]
    runs = {(n, s): (r, w) for n, s, r, w in plan}
    assert runs[(1000, "pdf")] == (1, 0) and runs[(200, "pdf")] == (2, 0)
    assert runs[(50, "html")] == (5, 1) and runs[(1000, "check")] == (3, 0)


def test_quick_plan_and_choices():
    args = run.parser().parse_args(["--sizes", "50", "--quick", "--only", "check,pdf"])
    assert run.plan_of(args) == [(50, "check", 1, 0), (50, "pdf", 1, 0)]
    args = run.parser().parse_args(["--sizes", "200,50", "--runs", "2", "--warmup", "0",
                                    "--only", "html"])
    assert run.plan_of(args) == [(50, "html", 2, 0), (200, "html", 2, 0)]
    args = run.parser().parse_args(["--only", "html"])  # no target names another size
    assert {n for n, *_ in run.plan_of(args)} == {50, 200, 1000}
    with pytest.raises(SystemExit):
        run.parser().parse_args(["--only", "htlm"])


# -- the scenarios, with a stand-in katalog that records what it saw --------------------------

FAKE = r'''
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
log = Path(os.environ["FAKE_LOG"])
entry = {"args": args, "cwd": os.getcwd()}
if args and args[0] == "build":
    content, out = Path(args[1]), Path(args[args.index("--out") + 1])
    cache = out.parent / ".katalog-cache"
    entry["cached"] = cache.is_dir()
    entry["previous"] = out.is_dir()
    entry["amounts"] = sorted(p.name + ":" + p.read_text(encoding="utf-8").split("amounts:")[1][:40]
                              for p in (content / "proposals").glob("*.md"))
    cache.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    if "pdf" in args or "--format" not in args:
        from pypdf import PdfWriter
        writer = PdfWriter()
        for _ in range(3):
            writer.add_blank_page(595, 842)
        with open(out / "katalog.pdf", "wb") as fh:
            writer.write(fh)
elif args and args[0] == "check":
    cache = Path(args[1]) / ".katalog-cache"
    entry["cached"] = cache.is_dir()
    cache.mkdir(exist_ok=True)
elif args and args[0] == "diff":
    import subprocess
    entry["stat"] = subprocess.run(["git", "diff", "--stat", "HEAD~1", "HEAD"],
                                   capture_output=True, text=True).stdout
    print(json.dumps({"changes": 1}))
with log.open("a") as fh:
    fh.write(json.dumps(entry) + "\n")
'''


@pytest.fixture
def bench(tmp_path, monkeypatch):
    script = tmp_path / "fake_katalog.py"
    script.write_text(FAKE, encoding="utf-8")
    log = tmp_path / "log.jsonl"
    monkeypatch.setattr(scenarios, "katalog_cmd", lambda *a: [sys.executable, str(script), *a])
    content = generate.generate(tmp_path / "catalogue", 4)
    env = {**procs.environment(tmp_path / "work"), "FAKE_LOG": str(log)}
    made = scenarios.Bench(tmp_path / "work", content, 4, runs=2, warmup=1, env=env,
                           formats=("totals", "html", "pdf", "docx"))
    made.work.mkdir()

    def entries():
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    return made, entries


def test_build_rounds_are_cold_warm_and_after_edit(bench):
    made, entries = bench
    original = {p.name: p.read_bytes() for p in (made.content / "proposals").glob("*.md")}
    rows = scenarios.run_scenario(made, "pdf")
    assert [r.mode for r in rows] == ["cold", "warm", "after edit"]
    assert all(len(r.runs) == 2 for r in rows)  # pdf is heavy: no warm-up round
    assert rows[0].pages == 3 and rows[0].command == "katalog build --format pdf"
    seen = entries()
    assert len(seen) == 6
    for cold, warm, edited in (seen[0:3], seen[3:6]):
        assert (cold["cached"], cold["previous"]) == (False, False)
        assert (warm["cached"], warm["previous"]) == (True, True)
        assert edited["cached"] and edited["previous"]
        assert sum(a != b for a, b in zip(cold["amounts"], edited["amounts"])) == 1
        assert cold["args"][-2:] == ["--format", "pdf"]
    assert seen[3]["amounts"] == seen[0]["amounts"]  # the edit was undone between rounds
    assert {p.name: p.read_bytes() for p in (made.content / "proposals").glob("*.md")} == original


def test_check_and_warm_up_rounds(bench):
    made, entries = bench
    rows = scenarios.run_scenario(made, "check")
    assert [(r.mode, len(r.runs)) for r in rows] == [("cold", 2), ("warm", 2)]
    assert [e["cached"] for e in entries()] == [False, True] * 3  # 1 warm-up + 2 counted


def test_every_format_build_has_no_format_option(bench):
    made, entries = bench
    made.runs, made.warmup = 1, 0
    rows = scenarios.run_scenario(made, "all")
    assert rows[0].command == "katalog build" and [r.mode for r in rows][-1] == "after edit"
    assert all("--format" not in e["args"] for e in entries())
    assert rows[0].pages is None  # CPU per page is a PDF-only figure


def test_word_builds_that_number_the_contents_with_libreoffice_say_so(bench, monkeypatch):
    """Up to 50 proposals katalog's Word contents get page numbers from LibreOffice (seconds
    pandoc's Word file does not spend): the rows say so."""
    from katalog.render.docx import toc

    made, _ = bench
    made.runs, made.warmup = 1, 0
    monkeypatch.setattr(toc, "find_soffice", lambda: "/usr/bin/soffice")
    assert {r.note for r in scenarios.run_scenario(made, "docx")} == {scenarios.WORD_PAGE_NUMBERS}
    assert {r.note for r in scenarios.run_scenario(made, "all")} == {scenarios.WORD_PAGE_NUMBERS}
    assert {r.note for r in scenarios.run_scenario(made, "html")} == {""}
    assert scenarios.word_page_numbers(51) is False
    monkeypatch.setattr(toc, "find_soffice", lambda: None)
    assert {r.note for r in scenarios.run_scenario(made, "docx")} == {""}


def test_a_format_katalog_does_not_know_is_noted_not_run(bench):
    made, entries = bench
    rows = scenarios.run_scenario(made, "xlsx")
    assert [(r.command, r.note, r.runs) for r in rows] == [
        ("katalog build --format xlsx", report.UNAVAILABLE, [])]
    assert not (made.work / "log.jsonl").exists()


def test_diff_runs_between_two_commits_that_differ(bench, tmp_path):
    made, entries = bench
    made.revision = generate.generate(tmp_path / "rev1", 4, revision=1)
    made.runs, made.warmup = 1, 0
    rows = scenarios.run_scenario(made, "diff")
    assert [r.mode for r in rows] == ["cold", "warm"]
    seen = entries()
    assert seen[0]["args"][:3] == ["diff", "HEAD~1", "HEAD"]
    assert "proposals/" in seen[0]["stat"]  # the second commit really changed amounts


def test_revisions_repo_sees_a_change_of_the_same_size(tmp_path):
    """Same length, same copied mtime: git's index must still see the new bytes."""
    first = tmp_path / "a"
    (first / "proposals").mkdir(parents=True)
    (first / "proposals" / "X.md").write_text("amounts: -1375\n", encoding="utf-8")
    second = tmp_path / "b"
    (second / "proposals").mkdir(parents=True)
    (second / "proposals" / "X.md").write_text("amounts: -1238\n", encoding="utf-8")
    import os
    stamp = (first / "proposals" / "X.md").stat().st_mtime
    os.utime(second / "proposals" / "X.md", (stamp, stamp))
    repo = scenarios.revisions_repo(tmp_path / "repo", first, second)
    shown = subprocess.run(["git", "show", "HEAD:content/proposals/X.md"], cwd=repo,
                           capture_output=True, text=True, check=True).stdout
    assert shown == "amounts: -1238\n"


def test_pandoc_runs_beside_katalog_in_the_same_rounds(bench, tmp_path, monkeypatch):
    made, entries = bench
    made.runs, made.warmup = 2, 0
    made.markdown = pandoc_input.write_inputs(made.content, tmp_path / "pandoc")
    made.pandoc = scenarios.Pandoc("pandoc", "/opt/x/bin/weasyprint",
                                   made.markdown.parent / "pandoc.css")
    log = tmp_path / "pandoc.log"

    def fake_command(self, fmt, md, out):
        return [sys.executable, "-c", f"open({str(log)!r}, 'a').write({fmt!r} + '\\n')"]

    monkeypatch.setattr(scenarios.Pandoc, "command", fake_command)
    rows = scenarios.run_scenario(made, "html")
    assert [len(r.pandoc) for r in rows] == [2, 2]
    assert log.read_text().split() == ["html", "html"]  # one pandoc run per round
    assert [e["args"][0] for e in entries()] == ["build"] * 4
    assert rows[0].ratio is not None


def test_pandoc_command_lines(tmp_path):
    css = tmp_path / "pandoc.css"
    tool = scenarios.Pandoc("/x/pandoc", "/venv/bin/weasyprint", css)
    pdf = tool.command("pdf", tmp_path / "katalog.md", tmp_path / "out.pdf")
    assert "--pdf-engine=/venv/bin/weasyprint" in pdf and "--css" in pdf
    assert pdf[pdf.index("--css") + 1] == str(css)
    assert "--pdf-engine-opt=--pdf-variant=pdf/ua-1" in pdf  # tagged, as katalog's PDF
    assert tool.command("docx", tmp_path / "k.md", tmp_path / "o.docx")[-2:] == ["-t", "docx"]
    label = tool.label("pdf")
    assert label.startswith("pandoc katalog.md") and "/venv" not in label
    assert str(tmp_path) not in label and "--pdf-engine=weasyprint" in label
    assert not scenarios.Pandoc("p", None, css).can("pdf")


def test_edit_changes_one_amount_and_the_catalogue_stays_valid(tmp_path):
    content = generate.generate(tmp_path / "c", 12)
    before = check(content, cache=False)
    edited, original = scenarios.edit_one_proposal(content)
    after = check(content, cache=False)
    assert before.ok and after.ok
    changed = [p for p in before.totals.proposals
               if before.totals.proposals[p] != after.totals.proposals[p]]
    assert changed == [edited.stem]
    edited.write_bytes(original)
    assert check(content, cache=False).totals.total == before.totals.total


def test_pandoc_input_carries_what_the_catalogue_shows(tmp_path):
    """pandoc gets the same information katalog's catalogue shows: the overview, each
    theme's tables, each proposal's facts, economy and allocation tables, body, consulted,
    MED remarks and follow-up, with katalog's own formatted cells."""
    from katalog.render import view

    content = generate.generate(tmp_path / "c", 20)
    checked = check(content, cache=False)
    md = pandoc_input.write_inputs(content, tmp_path / "p")
    assert (md.parent / "pandoc.css").is_file()
    text = md.read_text(encoding="utf-8")
    soup = BeautifulSoup(cmarkgfm.markdown_to_html_with_extensions(text, extensions=["table"]),
                         "html.parser")
    cat, totals = checked.catalogue, checked.totals
    assert [h.get_text() for h in soup.find_all("h1")] == ["Oversigt over temaer"] + [
        f"Tema {t.number}. {t.title}" for t in cat.themes]
    assert [h.get_text() for h in soup.find_all("h2")] == [
        f"{p.id} {p.title}" for t in cat.themes for p in cat.proposals_in(t.id)]
    assert "###" not in soup.get_text()  # every body heading is a heading, not text
    overview = soup.find("h1").find_next("table")
    assert "I alt" in overview.get_text() and "Mål" in overview.get_text()

    def section(h2):  # the elements of one proposal, up to the next proposal or theme
        out = []
        for el in h2.find_next_siblings():
            if el.name in ("h1", "h2"):
                break
            out.append(el)
        return out

    seen = {"consulted": 0, "hearing": 0, "followup": 0, "allocation": 0}
    for h2, p in zip(soup.find_all("h2"), [p for t in cat.themes for p in cat.proposals_in(t.id)]):
        els = section(h2)
        tables = [el for el in els if el.name == "table"]
        headings = [el.get_text() for el in els if el.name == "h3"]
        facts = [tr.find_all("td")[0].get_text() for tr in tables[0].find("tbody").find_all("tr")]
        assert facts == [label for label, _ in view.facts(p, cat, totals)]
        assert headings[0] == "Økonomiske konsekvenser"
        economy = view.economy_table(p, totals.proposals[p.id], cat.settings)
        total = [tr for tr in tables[1].find_all("tr")
                 if "Samlet økonomisk påvirkning" in tr.get_text()][0]
        expected = [c or "-" for c in view.cells(totals.proposals[p.id].total,
                                                 cat.settings.years)]
        assert [td.get_text() for td in total.find_all("td")][2:] == expected
        assert len(tables[1].find("tbody").find_all("tr")) == len(economy.rows)
        if view.allocation_table(p, totals.proposals[p.id], cat) is not None:
            seen["allocation"] += 1
            assert "Fordeling" in tables[2].find_previous("p").get_text()
        for key, label in (("consulted", "Hvem er hørt?"),
                           ("hearing", "Bemærkninger fra MED-systemet"),
                           ("followup", "Implementering og opfølgning")):
            assert (label in headings) == bool(getattr(p, key))
            seen[key] += label in headings
    assert all(seen.values()), seen  # the generated catalogue has each of them


# -- the whole runner, for real, on a tiny catalogue ------------------------------------------


def test_runner_measures_real_commands_and_writes_the_table(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nKept.\n\n{report.MARK[0]}\nold\n{report.MARK[1]}\n",
                   encoding="utf-8")
    code = run.main(["--sizes", "3", "--quick", "--only", "check,xlsx,diff", "--no-pandoc",
                     "--work", str(tmp_path / "work"), "--doc", str(doc)])
    assert code == 0
    text = doc.read_text(encoding="utf-8")
    assert "Kept." in text and "\nold\n" not in text
    rows = [[c.strip() for c in line.split("|")[1:-1]] for line in text.splitlines()
            if line.startswith("| katalog")]
    by_key = {(r[0], r[2]): r for r in rows}
    for key in (("katalog check", "cold"), ("katalog check", "warm"),
                ("katalog diff HEAD~1 HEAD", "cold"), ("katalog diff HEAD~1 HEAD", "warm")):
        assert float(by_key[key][3]) > 0 and int(by_key[key][5]) > 0, key
    xlsx = by_key[("katalog build --format xlsx", "cold")]
    if "xlsx" in RENDERERS:
        assert float(xlsx[3]) > 0
    else:
        assert xlsx[-1] == report.UNAVAILABLE
    assert not list((tmp_path / "work").rglob("*.tmp-*"))
