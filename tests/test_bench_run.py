"""benchmarks/run.py and pandoc_input.py: the runner measures what exists, marks what does not,
and keeps the hand-written parts of docs/performance.md. No timings are asserted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import cmarkgfm
from bs4 import BeautifulSoup

from katalog.build import RENDERERS
from katalog.pipeline import check

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("generate")
pandoc_input = _load("pandoc_input")
run = _load("run")


def test_pandoc_input_has_every_proposal_with_its_economy_table(tmp_path):
    content = generate.generate(tmp_path / "c", 20)
    checked = check(content)
    text = pandoc_input.catalogue_markdown(checked.catalogue, checked.totals)
    soup = BeautifulSoup(cmarkgfm.markdown_to_html_with_extensions(text, extensions=["table"]),
                         "html.parser")
    proposals = checked.catalogue.proposals
    titles = [h.get_text() for h in soup.find_all("h2")]
    assert titles == [f"{p.id} {p.title}" for t in checked.catalogue.themes
                      for p in checked.catalogue.proposals_in(t.id)]
    # economy table + the body's two tables, for every proposal
    assert len(soup.find_all("table")) == 3 * len(proposals)
    first = soup.find("table")
    total_row = [tr for tr in first.find_all("tr")
                 if "Samlet økonomisk påvirkning" in tr.get_text()]
    p = checked.catalogue.proposals_in(checked.catalogue.themes[0].id)[0]
    expected = run_cells(checked, p)
    assert [td.get_text() for td in total_row[0].find_all("td")][2:] == expected


def run_cells(checked, p):
    from katalog.render import view

    return [c or "-" for c in view.cells(checked.totals.proposals[p.id].total,
                                          checked.catalogue.settings.years)]


def test_runner_measures_existing_stages_and_marks_missing_ones(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nHand-written analysis.\n\n"
                   f"{run.MARK[0]}\nold table\n{run.MARK[1]}\n\nMore text.\n", encoding="utf-8")
    code = run.main(["--sizes", "20", "--stages", "check,compute,html,pdf,diff", "--no-pandoc",
                     "--work", str(tmp_path / "work"), "--doc", str(doc)])
    assert code == 0
    text = doc.read_text(encoding="utf-8")
    assert "Hand-written analysis." in text and "More text." in text
    assert "old table" not in text
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in text.splitlines() if line.startswith("| ") and "|---" not in line}
    for stage in ("check", "compute", "html"):
        assert rows[stage][0] == "20"
        assert float(rows[stage][1]) >= 0 and float(rows[stage][2]) > 0 and int(rows[stage][3]) > 0
    assert "warm" in rows["check"][-1]
    if "pdf" not in RENDERERS:
        assert rows["pdf"][1] == run.UNAVAILABLE
    if run.run_command(run.katalog_cmd("diff", "--help")).code != 0:
        assert rows["diff"][1] == run.UNAVAILABLE
    assert "Cores" in text and "Python" in text
    assert "| `katalog check` 1,000 proposals < 3 s cold |  | not measured |" in text


def test_no_write_leaves_the_document_alone(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("unchanged\n", encoding="utf-8")
    run.main(["--sizes", "20", "--stages", "compute", "--no-pandoc", "--no-write",
              "--work", str(tmp_path / "work"), "--doc", str(doc)])
    assert doc.read_text(encoding="utf-8") == "unchanged\n"


def test_targets_are_judged_from_the_results():
    results = [
        run.Result("check", 1000, 2.5, 100, extra={"warm": 1.5}),
        run.Result("html", 1000, 4.0, 100, pandoc_seconds=30.0),
        run.Result("docx", 200, 2.0, 100),
        run.Result("docx", 1000, 12.0, 100),
        run.Result("build", 500, 60.0, 500 * 1024, extra={"formats": "totals,html"}),
    ]
    verdicts = {t.text: t.verdict for t in run.evaluate(results)}
    assert verdicts["`katalog check` 1,000 proposals < 3 s cold"] == "reached"
    assert verdicts["`katalog check` 1,000 proposals < 1 s warm"] == "not reached"
    assert verdicts["HTML ≥ 5× faster than pandoc (1,000)"] == "reached"
    assert verdicts["DOCX 1,000 proposals < 10 s"] == "not reached"
    assert verdicts["DOCX linear: 200 → 1,000 grows ≤ 5.5×"] == "not reached"
    assert verdicts["`katalog diff` of two 500-proposal revisions < 2 s"] == "not measured"
    # A build without PDF and Word is not "all formats": the verdict says so.
    build = verdicts["Full cold `make catalogue`, 500 proposals, all formats < 120 s"]
    assert build == "reached (without pdf, docx: not in this katalog)"


def _fake_renderer(write):
    """A stand-in planner: `write(cat, folder)` makes its files in a scratch folder, and the
    plan hands their bytes to the executor (a renderer never writes the build itself)."""
    import tempfile
    from pathlib import Path

    from katalog.render.plan import Artifact, Plan, constant

    def plan(cat, totals, opts):
        with tempfile.TemporaryDirectory() as tmp:
            write(cat, Path(tmp))
            files = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
            return Plan(tuple(Artifact(p.relative_to(tmp).as_posix(), constant(p.read_bytes()))
                              for p in files))
    return plan


def test_pdf_and_docx_stages_measure_whatever_renderer_is_registered(tmp_path, monkeypatch):
    """The real PDF and Word renderers come from other branches: a stand-in registered under
    the same names must be found and measured (pages counted from the PDFs written)."""
    import docx
    import workers
    from pypdf import PdfWriter

    import katalog.build as kb

    def write_pdf(cat, out):
        writer = PdfWriter()
        for _ in range(len(cat.proposals)):
            writer.add_blank_page(595, 842)
        (out / "pdf").mkdir()
        with open(out / "pdf" / "katalog.pdf", "wb") as fh:
            writer.write(fh)

    def write_docx(cat, out):
        document = docx.Document()
        for p in cat.proposals:
            document.add_heading(f"{p.id} {p.title}", 2)
        document.save(out / "katalog.docx")

    monkeypatch.setitem(kb.RENDERERS, "pdf", (_fake_renderer(write_pdf), ("pdf",)))
    monkeypatch.setitem(kb.RENDERERS, "docx", (_fake_renderer(write_docx), ("katalog.docx",)))
    assert run.available_stages()["pdf"] and run.available_stages()["docx"]
    content = generate.generate(tmp_path / "c", 4)
    pdf = workers.work_render("pdf")(content, tmp_path / "o1")
    assert pdf["pages"] == 4 and pdf["seconds"] > 0
    word = workers.work_render("docx")(content, tmp_path / "o2")
    assert word["seconds"] > 0 and "pages" not in word
    assert (tmp_path / "o2" / "build" / "katalog.docx").is_file()
    assert run.formats_built(tmp_path / "o2" / "build") == "docx"


def test_weasyprint_baseline_renders_the_single_page_site(tmp_path):
    import workers

    content = generate.generate(tmp_path / "c", 2)
    data = workers.work_weasyprint(content, tmp_path / "o")
    assert data["pages"] >= 2 and data["seconds"] > 0
    assert (tmp_path / "o" / "weasyprint.pdf").read_bytes().startswith(b"%PDF")


def test_pdf_target_compares_pages_per_second():
    def pdf(ours_pages, ours_s, base_pages, base_s):
        extra = {"pages": ours_pages, "weasyprint_pages": base_pages,
                 "weasyprint_seconds": base_s}
        return run.Result("pdf", 200, ours_s, 100, extra=extra)

    text = "PDF ≥ 1.8× the pages/s of one WeasyPrint process (200 proposals)"
    assert {t.text: t.verdict for t in run.evaluate([pdf(600, 30, 600, 60)])}[text] == "reached"
    assert {t.text: t.verdict for t in run.evaluate([pdf(600, 40, 600, 60)])}[text] == "not reached"


def test_diff_stage_times_the_command_when_it_exists(tmp_path, monkeypatch):
    """`katalog diff` comes from another branch: a stand-in command that answers --help and
    prints JSON is found and timed; its arguments are the two revisions."""
    seen = []

    def fake_cmd(*args):
        seen.append(args)
        return [sys.executable, "-c", "import json; print(json.dumps({'changed': 1}))"]

    monkeypatch.setattr(run, "katalog_cmd", fake_cmd)
    assert run.available_stages()["diff"]
    old = generate.generate(tmp_path / "old", 3)
    new = generate.generate(tmp_path / "new", 3, revision=1)
    result = run.measure("diff", 3, old, new, tmp_path / "work", 2, pandoc=False)
    assert result.seconds > 0 and result.rss_kib > 0 and result.cpu is not None
    assert seen[-1] == ("diff", str(old), str(new), "--format", "json")


def test_edit_changes_one_amount_and_the_catalogue_stays_valid(tmp_path):
    content = generate.generate(tmp_path / "c", 12)
    before = check(content)
    edited = run.edit_one_proposal(content)
    after = check(content)
    assert before.ok and after.ok
    pid = edited.stem
    old, new = before.totals.proposals[pid], after.totals.proposals[pid]
    assert old != new
    changed = [p for p in before.totals.proposals
               if before.totals.proposals[p] != after.totals.proposals[p]]
    assert changed == [pid]
    assert after.totals.total != before.totals.total


def test_edit_stage_times_the_rebuild_after_the_edit(tmp_path, monkeypatch):
    """The same build command runs twice on a copy of the content, with the edit between; the
    second run is the figure, the first is kept as context. The original is not touched."""
    seen = []
    log = tmp_path / "runs.log"

    def fake_cmd(*args):
        seen.append(args)
        return [sys.executable, "-c", f"open({str(log)!r}, 'a').write('run\\n')"]

    monkeypatch.setattr(run, "katalog_cmd", fake_cmd)
    content = generate.generate(tmp_path / "c", 4)
    original = {p.name: p.read_bytes() for p in (content / "proposals").glob("*.md")}
    result = run.measure("edit", 4, content, content, tmp_path / "work", 1, pandoc=False)
    assert result.seconds > 0 and "first_build" in result.extra
    assert log.read_text().splitlines() == ["run", "run"]
    assert seen[0][:1] == ("build",) and seen[0][-2:] == ("--format", "pdf")
    copy = Path(seen[0][1])
    assert copy != content and copy.is_dir()
    assert {p.name: p.read_bytes() for p in (content / "proposals").glob("*.md")} == original
    assert sum(p.read_bytes() != original[p.name]
               for p in (copy / "proposals").glob("*.md")) == 1


def _args(*argv):
    import argparse

    ns = argparse.Namespace(sizes=None, stages=None, plan=None)
    for key, value in argv:
        setattr(ns, key, value)
    return ns


def test_plan_default_measures_each_target_at_its_size():
    pairs = run.plan_of(_args())
    assert (1000, "check") in pairs and (1000, "html") in pairs and (1000, "docx") in pairs
    assert (500, "build") in pairs and (500, "diff") in pairs and (500, "edit") in pairs
    assert (1000, "pdf") not in pairs  # pages/s is a ratio; 50 and 200 show it
    assert pairs == sorted(pairs, key=lambda p: (p[0], run.STAGES.index(p[1])))


def test_plan_from_sizes_and_stages_is_the_cross_product():
    pairs = run.plan_of(_args(("sizes", [20, 10]), ("stages", ["html", "check"])))
    assert pairs == [(10, "check"), (10, "html"), (20, "check"), (20, "html")]


def test_plan_option_names_exactly_what_to_measure():
    parsed = run._plan_item("pdf=50,200")
    assert parsed == ("pdf", [50, 200])
    pairs = run.plan_of(_args(("plan", [parsed, run._plan_item("pdf=50")]),
                              ("sizes", [1000])))
    assert pairs == [(50, "pdf"), (200, "pdf")]
    import argparse

    import pytest

    with pytest.raises(argparse.ArgumentTypeError):
        run._plan_item("pfd=50")
