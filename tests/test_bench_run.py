"""benchmarks/run.py and pandoc_input.py: the runner measures what exists, marks what does not,
and keeps the hand-written parts of docs/performance.md. No timings are asserted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import markdown
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
    soup = BeautifulSoup(markdown.markdown(text, extensions=["tables"]), "html.parser")
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
