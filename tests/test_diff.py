"""diff: two revisions of the content in real temporary git repositories → the changes per
line, proposal, theme, total and target; formats; folder mode; the git textconv driver.

Expected values are worked out by hand from the `small` catalogue (conftest.SMALL):

  A1 (administration, counted)  Lønbesparelse 2026 -3000, 2027 -6000, 2028 -6000 (varig)
                                Implementering 2026 4000, 2027 500 (engang)
                                Lokaler 2026 1000 (engang)     → A1 total 2000 / -5500 / -6000
  A2 (administration, counted)  Mødetid 2026 -1250, 2027 "?", 2028 -2500
  I1 (it, counted)              Automatisering 2026 -1001, 2027 0
  I2 (it, trukket: not counted) Noget 2026 -99999
  administration 750 / ? / -8500;  it -1001 / 0 / -;  total -251 / ? / -8500
  targets -10000 each year → difference (target − total) -9749 / ? / -1500
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SMALL, require_program, write_tree
from katalog import gitsource
from katalog.cli import main
from katalog.diff import Changes, ProposalChange, diff_folders, diff_revisions, word_diff
from katalog.model import UNKNOWN
from katalog.render import diff as render

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(repo.parent)}
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (old, text)
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the small catalogue in content/ committed as `base`."""
    require_program("git")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_tree(root / "content", SMALL)
    (root / "README.md").write_text("repo\n", encoding="utf-8")
    commit(root, "base")
    git(root, "tag", "base")
    return root


def changes_of(repo: Path, base: str = "base", head: str | None = "HEAD", **kw) -> Changes:
    result = diff_revisions(base, head, cwd=str(repo), **kw)
    assert result.ok, [i.format() for i in result.head.errors + result.base.errors]
    assert result.changes is not None
    return result.changes


def year(delta, y):
    """(before, after, change) of one year of a Delta."""
    item = next(x for x in delta.years if x.year == y)
    return item.before, item.after, item.change


def proposal(changes: Changes, pid: str) -> ProposalChange:
    return next(p for p in changes.proposals if p.id == pid)


def theme(changes: Changes, tid: str):
    return next(t for t in changes.themes if t.id == tid)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


# -- the comparison ---------------------------------------------------------------------------


def test_amount_edit_flows_to_line_proposal_theme_total_and_target(repo):
    edit(repo / "content/proposals/A1.md", "{2026: -3000, 2027: -6000", "{2026: -3600, 2027: -6000")
    commit(repo, "A1 saves more in 2026")
    c = changes_of(repo)
    assert [p.id for p in c.proposals] == ["A1"]
    a1 = proposal(c, "A1")
    assert a1.kind == "changed" and not a1.renamed and not a1.moved and not a1.status_changed
    changed = [line for line in a1.lines if line.kind != "unchanged"]
    assert [(line.kind, line.text) for line in changed] == [("changed", "Lønbesparelse")]
    assert year(changed[0].amounts, 2026) == (D(-3000), D(-3600), D(-600))
    assert year(changed[0].amounts, 2027) == (D(-6000), D(-6000), D(0))
    assert year(a1.total, 2026) == (D(2000), D(1400), D(-600))
    assert year(theme(c, "administration").total, 2026) == (D(750), D(150), D(-600))
    assert not theme(c, "it").total.changed
    assert year(c.total, 2026) == (D(-251), D(-851), D(-600))
    # 2027 rests on the same "?" (A2) before and after: the change is exactly 0.
    assert year(c.total, 2027) == (UNKNOWN, UNKNOWN, D(0))
    assert not c.total.years[1].changed and c.total.years[1].before_known == D(-5500)
    assert not c.target.changed
    # difference = target − total: -10000 − (-851) = -9149, i.e. +600 more beyond the target
    assert year(c.difference, 2026) == (D(-9749), D(-9149), D(600))
    assert year(c.difference, 2028) == (D(-1500), D(-1500), D(0))


def test_withdrawn_and_reinstated_proposals_change_what_counts(repo):
    edit(repo / "content/proposals/A2.md", "department: BUF\n", "department: BUF\nstatus: trukket\n")
    edit(repo / "content/proposals/I2.md", "status: trukket", "status: forslag")
    commit(repo, "A2 withdrawn, I2 back")
    c = changes_of(repo)
    a2, i2 = proposal(c, "A2"), proposal(c, "I2")
    assert (a2.status_before, a2.status_after, a2.counted_before, a2.counted_after) == (
        "forslag", "trukket", True, False)
    assert (i2.status_before, i2.status_after, i2.counted_before, i2.counted_after) == (
        "trukket", "forslag", False, True)
    # The proposals' own amounts did not change, what they contribute did.
    assert not a2.total.changed and not any(line.kind != "unchanged" for line in a2.lines)
    assert year(a2.counted_total, 2028) == (D(-2500), None, D(2500))
    # administration is now A1 alone: 2000 / -5500 / -6000 (2027 is no longer unknown)
    adm = theme(c, "administration").total
    assert year(adm, 2026) == (D(750), D(2000), D(1250))
    assert year(adm, 2027) == (UNKNOWN, D(-5500), UNKNOWN)
    assert year(adm, 2028) == (D(-8500), D(-6000), D(2500))
    # it gains I2: -1001 − 99999 = -101000
    assert year(theme(c, "it").total, 2026) == (D(-1001), D(-101000), D(-99999))
    # total 2026: 2000 − 101000 = -99000; 2027: -5500 + 0
    assert year(c.total, 2026) == (D(-251), D(-99000), D(-98749))
    assert year(c.total, 2027)[1] == D(-5500)
    assert year(c.difference, 2026) == (D(-9749), D(89000), D(98749))
    assert year(c.difference, 2027) == (UNKNOWN, D(-4500), UNKNOWN)
    assert year(c.difference, 2028) == (D(-1500), D(-4000), D(-2500))
    text = render.to_text(diff_revisions("base", "HEAD", cwd=str(repo)))
    assert "Status: forslag → trukket (tæller ikke længere med i totalerne)" in text
    assert "Status: trukket → forslag (tæller nu med i totalerne)" in text


def test_moved_and_renamed_proposal(repo):
    git(repo, "mv", "content/proposals/A2.md", "content/proposals/IT-A2.md")
    edit(repo / "content/proposals/IT-A2.md", "theme: administration", "theme: it")
    commit(repo, "A2 moves to it")
    c = changes_of(repo)
    a2 = proposal(c, "A2")
    assert a2.renamed and a2.moved
    assert (a2.path_before, a2.path_after) == ("proposals/A2.md", "proposals/IT-A2.md")
    assert (a2.theme_before, a2.theme_after) == ("administration", "it")
    assert not a2.total.changed
    assert year(theme(c, "administration").total, 2026) == (D(750), D(2000), D(1250))
    assert year(theme(c, "it").total, 2026) == (D(-1001), D(-2251), D(-1250))
    assert year(theme(c, "it").total, 2028) == (None, D(-2500), D(-2500))
    assert not c.total.changed and not c.difference.changed
    md = render.to_markdown(diff_revisions("base", "HEAD", cwd=str(repo)))
    assert "Fil omdøbt: proposals/A2.md → proposals/IT-A2.md" in md
    assert "Flyttet fra tema 1. Administration til tema 2. Digitalisering" in md


def test_added_and_removed_proposals_and_lines(repo):
    (repo / "content/proposals/I1.md").unlink()
    write_tree(repo / "content", {"proposals/A3.md": """
        ---
        id: A3
        title: Nyt forslag
        theme: administration
        department: SOF
        summary: Nyt.
        economy:
          - {text: Porto, area: service, group: varig, amounts: {2026: -300, 2028: -400}}
        ---
        """})
    a1 = repo / "content/proposals/A1.md"
    # line 2 is removed, line 3 renamed in place (matched by position), a new line appended
    edit(a1, "  - text: Implementering\n    area: service\n    group: engang\n"
             "    amounts: {2026: 4000, 2027: 500}\n", "")
    edit(a1, "text: Lokaler", "text: Lokaler og flytning")
    edit(a1, "amounts: {2026: 1000}", "amounts: {2026: 1200}\n  - {text: Kursus, area: service, "
                                      "group: engang, amounts: {2027: 50}}")
    commit(repo, "add A3, remove I1, rework A1")
    c = changes_of(repo)
    kinds = {p.id: p.kind for p in c.proposals}
    assert kinds == {"A1": "changed", "A3": "added", "I1": "removed"}
    lines = [(line.kind, line.text, line.text_before) for line in proposal(c, "A1").lines]
    # new order, each removed line after the line that stood before it
    assert lines == [("unchanged", "Lønbesparelse", None),
                     ("changed", "Lokaler og flytning", "Lokaler"),
                     ("removed", "Implementering", None), ("added", "Kursus", None)]
    # "Lokaler og flytning" is "Lokaler" reworded (similar text), not a new line
    by_text = {line.text: line for line in proposal(c, "A1").lines}
    assert by_text["Lokaler og flytning"].kind == "changed"
    assert by_text["Lokaler og flytning"].text_before == "Lokaler"
    assert year(by_text["Lokaler og flytning"].amounts, 2026) == (D(1000), D(1200), D(200))
    removed = by_text["Implementering"]
    assert year(removed.amounts, 2026) == (D(4000), None, D(-4000))
    # A1: -3000 + 1200 = -1800 / -6000 + 50 = -5950 / -6000
    assert year(proposal(c, "A1").total, 2026) == (D(2000), D(-1800), D(-3800))
    assert year(proposal(c, "A1").total, 2027) == (D(-5500), D(-5950), D(-450))
    a3 = proposal(c, "A3")
    assert a3.counted_after and year(a3.total, 2028) == (None, D(-400), D(-400))
    # administration 2026: -1800 − 1250 − 300 = -3350; 2028: -6000 − 2500 − 400 = -8900
    assert year(theme(c, "administration").total, 2026) == (D(750), D(-3350), D(-4100))
    assert year(theme(c, "administration").total, 2028) == (D(-8500), D(-8900), D(-400))
    # it: I1 gone, I2 does not count → no amounts at all
    assert year(theme(c, "it").total, 2026) == (D(-1001), None, D(1001))
    assert year(c.total, 2026) == (D(-251), D(-3350), D(-3099))
    assert year(c.difference, 2026) == (D(-9749), D(-6650), D(3099))


def test_line_renamed_in_place_is_matched_by_position(repo):
    edit(repo / "content/proposals/I1.md", "text: Automatisering", "text: Robotter i lønkontoret")
    edit(repo / "content/proposals/I1.md", "{2026: -1001, 2027: 0}", "{2026: -1001, 2027: -10}")
    commit(repo, "rename I1's line")
    lines = proposal(changes_of(repo), "I1").lines
    assert len(lines) == 1
    line = lines[0]
    assert (line.kind, line.text, line.text_before) == ("changed", "Robotter i lønkontoret",
                                                        "Automatisering")
    assert year(line.amounts, 2027) == (D(0), D(-10), D(-10))


def test_summary_and_body_word_diff_and_settings(repo):
    edit(repo / "content/proposals/A1.md", "summary: Administrationen samles.",
         "summary: Administrationen samles i ét hus.")
    edit(repo / "content/proposals/A1.md", "Tekst.", "Ny tekst.")
    edit(repo / "content/catalogue.yaml", "targets: {2026: -10000,", "targets: {2026: -12000,")
    commit(repo, "words and target")
    c = changes_of(repo)
    a1 = proposal(c, "A1")
    assert a1.summary is not None
    assert a1.summary.pieces == (("=", "Administrationen samles"), ("+", " i ét hus"),
                                 ("=", "."))
    assert a1.body is not None and a1.body.pieces == (("-", "Tekst"), ("+", "Ny tekst"), ("=", "."))
    md = render.to_markdown(diff_revisions("base", "HEAD", cwd=str(repo)))
    assert "Resumé: Administrationen samles **i ét hus**." in md
    assert "[-Tekst-] {+Ny tekst+}." in render.to_text(diff_revisions("base", "HEAD", cwd=str(repo)))
    assert [f.key for f in c.settings] == ["targets"]
    assert c.settings[0].before["2026"] == D(-10000) and c.settings[0].after["2026"] == D(-12000)
    assert year(c.target, 2026) == (D(-10000), D(-12000), D(-2000))
    assert year(c.difference, 2026) == (D(-9749), D(-11749), D(-2000))
    assert not c.total.changed


def test_word_diff_shortens_unchanged_stretches():
    before = " ".join(f"ord{i}" for i in range(40))
    after = before.replace("ord20", "ændret")
    wd = word_diff(before, after, context=3)
    assert wd.pieces == (("…", "…"), ("=", " ord17 ord18 ord19"), ("-", " ord20"),
                         ("+", " ændret"), ("=", " ord21 ord22 ord23"), ("…", " …"))
    assert "".join(text for op, text in wd.pieces if op != "+") == (
        "… ord17 ord18 ord19 ord20 ord21 ord22 ord23 …")


def test_no_changes(repo):
    result = diff_revisions("base", "HEAD", cwd=str(repo))
    assert result.ok and result.changes is not None and result.changes.empty
    assert "Ingen ændringer i kataloget." in render.to_text(result)
    assert "Ingen ændringer i kataloget." in render.to_markdown(result)


# -- revisions: working tree, subdirectories, errors ------------------------------------------


def test_dirty_working_tree_is_the_default_head(repo, monkeypatch):
    edit(repo / "content/proposals/I1.md", "{2026: -1001, 2027: 0}", "{2026: -2001, 2027: 0}")
    (repo / "scratch.txt").write_text("untracked\n", encoding="utf-8")
    sub = repo / "content" / "themes"
    monkeypatch.chdir(sub)  # anywhere inside the repository; --content is from the top
    result = run("diff", "HEAD", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output, parse_float=D)
    assert data["head"]["label"] == "arbejdskopien"
    it = next(t for t in data["changes"]["themes"] if t["id"] == "it")
    assert it["total"] == {"before": {"2026": -1001, "2027": 0}, "after": {"2026": -2001, "2027": 0},
                           "change": {"2026": -1000}}
    assert data["changes"]["total"]["change"] == {"2026": -1000}
    assert data["changes"]["difference"]["change"] == {"2026": 1000}
    # the working tree was only read: nothing was checked out or changed
    assert git(repo, "status", "--porcelain") == "M content/proposals/I1.md\n?? scratch.txt".strip()


def test_broken_revision_is_reported_with_file_and_line(repo, monkeypatch):
    edit(repo / "content/proposals/A1.md", "theme: administration", "theme: admin")
    bad = commit(repo, "broken")
    monkeypatch.chdir(repo)
    result = run("diff", "base", bad)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{bad} er ikke gyldig" in result.output
    assert "content/proposals/A1.md:4:8: fejl: ukendt tema 'admin'" in result.output
    md = run("diff", "base", bad, "--format", "markdown")
    assert md.exit_code == 1 and "er ikke gyldig" in md.output and "content/proposals/A1.md:4:" in md.output
    data = json.loads(run("diff", "base", bad, "--format", "json").output)
    assert data["valid"] is False and data["changes"] is None
    assert data["base"]["valid"] is True and data["head"]["valid"] is False
    assert data["head"]["problems"][0]["path"] == "content/proposals/A1.md"
    assert data["head"]["problems"][0]["line"] == 4


def test_usage_errors_exit_2(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo)
    unknown = run("diff", "no-such-branch")
    assert unknown.exit_code == 2 and "ukendt revision 'no-such-branch'" in unknown.output
    missing = run("diff", "base", "--content", "nowhere")
    assert missing.exit_code == 2 and "nowhere" in missing.output
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert run("diff", "HEAD").exit_code == 2


def test_content_option_and_history(repo):
    # The content moves into budget/ in a later commit: --content names it, from any folder.
    git(repo, "mv", "content", "budget")
    edit(repo / "budget/proposals/I1.md", "{2026: -1001, 2027: 0}", "{2026: -1001, 2027: -7}")
    moved = commit(repo, "content lives in budget/")
    clean = diff_revisions("HEAD", None, content="budget", cwd=str(repo / "budget" / "themes"))
    assert clean.ok and clean.changes is not None and clean.changes.empty
    edit(repo / "budget/proposals/I1.md", "2027: -7}", "2027: -9}")
    c = changes_of(repo, moved, None, content="budget")
    assert year(c.total, 2027)[1:] == (UNKNOWN, D(-2))  # same "?" (A2) on both sides
    assert year(proposal(c, "I1").total, 2027) == (D(-7), D(-9), D(-2))
    with pytest.raises(gitsource.GitError, match="findes ikke i revisionen"):
        diff_revisions("base", "HEAD", content="budget", cwd=str(repo))


def test_read_revision_uses_one_cat_file_process(repo, monkeypatch):
    for i in range(30):
        write_tree(repo / "content", {f"proposals/X{i}.md": f"""
            ---
            id: X{i}
            title: Forslag {i}
            theme: it
            department: SOF
            summary: Nr. {i}.
            economy: []
            ---
            Tekst {i}.
            """})
    (repo / "content/proposals/.hidden.md").write_text("skip\n", encoding="utf-8")
    (repo / "content/proposals/sub").mkdir()
    (repo / "content/proposals/sub/nested.md").write_text("skip\n", encoding="utf-8")
    commit(repo, "many")
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(args, *a, **kw):
        calls.append(list(args))
        return real(args, *a, **kw)

    monkeypatch.setattr(gitsource.subprocess, "run", counting)
    files = gitsource.read_revision(repo, "HEAD", "content")
    assert [c[1] for c in calls] == ["rev-parse", "ls-tree", "cat-file"]
    assert len(files) == 1 + 3 + 4 + 30 + 2  # + the hidden .md and the folder, as on disk
    assert files["proposals/X7.md"] == (repo / "content/proposals/X7.md").read_bytes()
    assert files["catalogue.yaml"] == (repo / "content/catalogue.yaml").read_bytes()
    assert isinstance(files["proposals/.hidden.md"], OSError)
    assert isinstance(files["proposals/sub"], OSError)
    assert not any("nested" in k for k in files)


# -- folder mode ------------------------------------------------------------------------------


def test_folder_mode(tmp_path, monkeypatch):
    old = write_tree(tmp_path / "old", SMALL)
    new = write_tree(tmp_path / "new", SMALL)
    edit(new / "proposals/A2.md", "{2026: -1250, 2027: \"?\", 2028: -2500}",
         "{2026: -1250, 2027: -2000, 2028: -2500}")
    monkeypatch.chdir(tmp_path)  # not a git repository: folder mode needs none
    result = run("diff", "old", "new", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output, parse_float=D)
    (a2,) = data["changes"]["proposals"]
    (line,) = a2["lines"]
    assert line["amounts"]["before"] == {"2026": -1250, "2028": -2500}
    assert line["amounts"]["before_unknown"] == ["2027"]
    assert line["amounts"]["after"] == {"2026": -1250, "2027": -2000, "2028": -2500}
    assert "2027" not in line["amounts"]["change"]
    # total 2027: A1 -5500, A2 -2000, I1 0 → -7500; difference -10000 − (-7500) = -2500
    assert data["changes"]["total"]["after"]["2027"] == -7500
    assert data["changes"]["total"]["before_unknown"] == ["2027"]
    assert data["changes"]["difference"]["after"]["2027"] == -2500
    assert a2["path"] == {"before": "proposals/A2.md", "after": "proposals/A2.md"}
    assert a2["renamed"] is False
    direct = diff_folders(str(old), str(new))
    assert direct.ok and [p.id for p in direct.changes.proposals] == ["A2"]


# -- formats ----------------------------------------------------------------------------------


@pytest.fixture
def edited(repo):
    edit(repo / "content/proposals/A1.md", "{2026: -3000, 2027: -6000", "{2026: -3600, 2027: -6000")
    edit(repo / "content/proposals/I2.md", "status: trukket", "status: forslag")
    commit(repo, "edit")
    return diff_revisions("base", "HEAD", cwd=str(repo))


def test_text_format(edited):
    text = render.to_text(edited, width=160)
    assert "katalog diff: base → HEAD" in text
    assert "Økonomisk virkning" in text
    assert "-3.000 → -3.600 (-600)" in text  # the line
    assert "2.000 → 1.400 (-600)" in text  # A1's total
    assert "-101.000" in text and "-99.999" in text  # theme it after, and its change
    assert "Forslag: 2 ændrede." in text


def test_markdown_format_has_money_table_first_then_details(edited):
    md = render.to_markdown(edited)
    table_at, details_at = md.index("| | | 2026 | 2027 | 2028 |"), md.index("<details>")
    assert table_at < details_at
    rows = [line for line in md.splitlines() if line.startswith("|")]
    i = next(n for n, r in enumerate(rows) if r.startswith("| Tema 1. Administration"))
    assert rows[i] == "| Tema 1. Administration | Før | 750 | -5.500 + ? | -8.500 |"
    assert rows[i + 1] == "| | Efter | 150 | -5.500 + ? | -8.500 |"
    assert rows[i + 2] == "| | Ændring | **-600** | 0 | 0 |"
    j = next(n for n, r in enumerate(rows) if r.startswith("| **I alt**"))
    # total 2026: -251 − 600 − 99999 = -100850
    assert rows[j] == "| **I alt** | Før | -251 | -5.500 + ? | -8.500 |"
    assert rows[j + 1] == "| | Efter | -100.850 | -5.500 + ? | -8.500 |"
    assert rows[j + 2] == "| | Ændring | **-100.599** | 0 | 0 |"
    k = next(n for n, r in enumerate(rows) if r.startswith("| **Difference til mål"))
    assert rows[k + 1] == "| | Efter | 90.850 | -4.500 − ? | -1.500 |"
    assert rows[k + 2] == "| | Ændring | **+100.599** | 0 | 0 |"
    assert "| ~ Lønbesparelse (varig, service) | -3.000 → -3.600 (-600) | -6.000 | -6.000 |" in md
    assert md.rstrip().endswith("</details>")


def test_json_format_is_exact_and_stable(edited):
    data = json.loads(render.to_json(edited), parse_float=D)
    assert data["schema_version"] == 1 and data["valid"] is True
    assert data["years"] == [2026, 2027, 2028] and data["unit"] == 1000
    c = data["changes"]
    a1 = next(p for p in c["proposals"] if p["id"] == "A1")
    (line,) = a1["lines"]
    assert line == {"change": "changed", "text": "Lønbesparelse", "text_before": None,
                    "group": "varig", "area": "service", "fields": [],
                    "amounts": {"before": {"2026": -3000, "2027": -6000, "2028": -6000},
                                "after": {"2026": -3600, "2027": -6000, "2028": -6000},
                                "change": {"2026": -600}}}
    i2 = next(p for p in c["proposals"] if p["id"] == "I2")
    assert i2["counted"] == {"before": False, "after": True}
    assert i2["counted_total"]["change"] == {"2026": -99999}
    assert c["total"]["change"] == {"2026": -100599}
    assert c["total"]["before_unknown"] == ["2027"]
    assert c["target"]["change"] == {}


def test_decimal_amounts_stay_exact(repo):
    edit(repo / "content/proposals/I1.md", "{2026: -1001, 2027: 0}", "{2026: -1001.25, 2027: 0.1}")
    commit(repo, "decimals")
    data = json.loads(render.to_json(diff_revisions("base", "HEAD", cwd=str(repo))),
                      parse_float=D)
    # 2027 has A2's "?" on both sides, so its change is still exact
    assert data["changes"]["total"]["change"] == {"2026": D("-0.25"), "2027": D("0.1")}
    assert data["changes"]["total"]["after_partial"] == {"2027": D("-5499.9")}
    i1 = next(p for p in data["changes"]["proposals"] if p["id"] == "I1")
    assert i1["total"]["change"] == {"2026": D("-0.25"), "2027": D("0.1")}
    assert "-0,25" in render.to_text(diff_revisions("base", "HEAD", cwd=str(repo)))


# -- git textconv driver ----------------------------------------------------------------------


def test_textconv_output():
    raw = SMALL["proposals/A1.md"]
    from textwrap import dedent

    from katalog.textconv import textconv
    out = textconv(dedent(raw).lstrip("\n").encode(), "proposals/A1.md")
    lines = out.splitlines()
    assert lines[0] == "# katalog: økonomi (beløb pr. år): A1 Samling af administration"
    assert lines[1].split() == ["Linje", "|", "Gruppe", "|", "Område", "|", "2026", "|", "2027",
                                "|", "2028"]
    assert lines[2].split(" | ")[3:] == ["-3.000", "-6.000", "-6.000"]
    assert [c.strip() for c in lines[5].split("|")] == ["I alt", "", "", "2.000", "-5.500", "-6.000"]
    assert "id: A1" in out  # the rest of the file follows
    assert textconv(b"not: [yaml", "x.md") == "not: [yaml"  # passed through, never fails
    assert textconv(b"\xff\xfe", "x.md")


def test_git_diff_with_textconv_driver_shows_the_table(repo):
    git(repo, "config", "diff.katalog.textconv", f"'{sys.executable}' -m katalog textconv")
    (repo / ".gitattributes").write_text("content/proposals/*.md diff=katalog\n", encoding="utf-8")
    commit(repo, "driver")
    edit(repo / "content/proposals/A1.md", "{2026: -3000, 2027: -6000", "{2026: -3600, 2027: -6000")
    out = git(repo, "diff", "content/proposals/A1.md")
    assert "-Lønbesparelse  | varig  | service | -3.000 | -6.000 | -6.000" in out
    assert "+Lønbesparelse  | varig  | service | -3.600 | -6.000 | -6.000" in out
    assert "-I alt" in out and "2.000" in out and "+I alt" in out and "1.400" in out


def test_files_both_revisions_share_are_parsed_once(repo, monkeypatch):
    from katalog import source

    edit(repo / "content/proposals/I1.md", "{2026: -1001, 2027: 0}", "{2026: -1001, 2027: -1}")
    parsed: list[str] = []
    real = source.read_document

    def counting(raw, path, front_matter):
        parsed.append(path)
        return real(raw, path, front_matter)

    monkeypatch.setattr(source, "read_document", counting)
    c = changes_of(repo, "base", None)
    assert [p.id for p in c.proposals] == ["I1"]
    # 8 files (catalogue.yaml, 3 themes, 4 proposals): 7 shared + I1 in two versions
    assert len(parsed) == 9 and parsed.count("content/proposals/I1.md") == 2


def test_a_second_diff_parses_only_what_no_diff_or_check_has_parsed(repo, monkeypatch):
    """The content cache beside the content folder (the one `katalog check` uses) serves a
    diff too: run again, a diff parses nothing and says the same; after an edit, only the
    edited file is parsed; without the cache every file is parsed, with the same result."""
    from katalog import source

    edit(repo / "content/proposals/I1.md", "{2026: -1001, 2027: 0}", "{2026: -1001, 2027: -1}")
    parsed: list[str] = []
    real = source.read_document

    def counting(raw, path, front_matter):
        parsed.append(path)
        return real(raw, path, front_matter)

    monkeypatch.setattr(source, "read_document", counting)
    first = changes_of(repo, "base", None)
    assert len(parsed) == 9
    parsed.clear()
    assert changes_of(repo, "base", None) == first and parsed == []
    edit(repo / "content/proposals/I1.md", "{2026: -1001, 2027: -1}", "{2026: -1001, 2027: -2}")
    third = changes_of(repo, "base", None)
    assert parsed == ["content/proposals/I1.md"]
    assert year(proposal(third, "I1").total, 2027)[2] == -2
    monkeypatch.setenv("KATALOG_NO_CACHE", "1")
    parsed.clear()
    assert changes_of(repo, "base", None) == third and len(parsed) == 9


def test_cli_text_output_and_one_folder_is_a_usage_error(repo, monkeypatch):
    edit(repo / "content/proposals/I1.md", "{2026: -1001, 2027: 0}", "{2026: -1201, 2027: 0}")
    monkeypatch.chdir(repo)
    result = run("diff", "base")
    assert result.exit_code == 0, result.output
    assert "katalog diff: base → arbejdskopien" in result.output
    assert "-1.001 → -1.201 (-200)" in result.output
    one = run("diff", "content")
    assert one.exit_code == 2 and "angiv to mapper" in one.output


def test_counted_statuses_setting_changes_what_counts(repo):
    edit(repo / "content/catalogue.yaml", "targets:", "counted_statuses: [forslag, vedtaget, trukket]\ntargets:")
    commit(repo, "withdrawn proposals count too")
    c = changes_of(repo)
    assert [f.key for f in c.settings] == ["counted_statuses"]
    assert c.settings[0].before == ["forslag", "vedtaget"]
    i2 = proposal(c, "I2")
    assert not i2.status_changed and (i2.counted_before, i2.counted_after) == (False, True)
    assert year(theme(c, "it").total, 2026) == (D(-1001), D(-101000), D(-99999))
    assert year(c.difference, 2026) == (D(-9749), D(90250), D(99999))
    text = render.to_text(diff_revisions("base", "HEAD", cwd=str(repo)), width=160)
    assert "Statusser der tæller med: forslag, vedtaget → forslag, vedtaget, trukket" in text
    assert "Tæller nu med i totalerne (statusserne der tæller med er ændret)" in text


def test_a_changed_unknown_leaves_the_change_unknown(repo):
    # A2's "?" becomes a number, and A1 gets a new "?" line: the unknown parts differ.
    edit(repo / "content/proposals/A2.md", '2027: "?"', "2027: -700")
    commit(repo, "A2 known")
    c = changes_of(repo)
    assert year(c.total, 2027) == (UNKNOWN, D(-6200), UNKNOWN)
    assert year(theme(c, "administration").total, 2027)[2] is UNKNOWN
    assert c.total.years[1].changed
    edit(repo / "content/proposals/A2.md", "2027: -700", '2027: "?"')
    edit(repo / "content/proposals/A1.md", "{2026: -3000, 2027: -6000", '{2026: -3000, 2027: "?"')
    commit(repo, "A1 unknown instead")
    c = changes_of(repo)  # base: A2's "?"; now: A2's and A1's — both sides unknown, differently
    before, after, change = year(c.total, 2027)
    assert (before, after, change) == (UNKNOWN, UNKNOWN, UNKNOWN)
    assert c.total.years[1].changed


# -- the money fields of SPEC §7: ranges, alternatives, allocation ---------------------------


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    old = write_tree(tmp_path / "old", SMALL)
    new = write_tree(tmp_path / "new", SMALL)
    return old, new


def test_a_range_amount_shows_before_after_and_its_change(tmp_path):
    old, new = _folders(tmp_path)
    edit(new / "proposals" / "A1.md", "amounts: {2026: -3000, 2027: -6000, 2028: -6000}",
         "amounts: {2026: {low: -3000, high: -3500}, 2027: -6000, 2028: -6000}")
    d = diff_folders(str(old), str(new))
    assert d.ok
    (p,) = d.changes.proposals
    (line,) = [x for x in p.lines if x.kind != "unchanged"]
    cell = render.year_cell(line.amounts.years[0])
    assert cell == "-3.000 → -3.000\u00a0– -3.500 (0–-500)"
    total = next(r for r in render.money_rows(d.changes) if r.kind == "total")
    assert total.after[0] == "-251\u00a0– -751"
    data = render.diff_data(d)
    assert data["changes"]["total"]["after_ranges"] == {"2026": {"low": -251, "high": -751}}
    assert data["changes"]["total"]["change_ranges"] == {"2026": {"low": 0, "high": -500}}
    assert "2026" not in data["changes"]["total"]["after"]


def test_choosing_another_alternative_moves_the_money_and_says_why(tmp_path):
    old, new = _folders(tmp_path)
    for folder in (old, new):
        (folder / "proposals" / "A3.md").write_text(
            "---\nid: A3\ntitle: Alternativ\ntheme: administration\ndepartment: SOF\n"
            "alternative_to: A2\nsummary: Anden model.\neconomy:\n"
            "  - {text: Mødetid, area: service, group: varig, amounts: {2026: -2000}}\n---\n",
            encoding="utf-8")
    edit(new / "proposals" / "A3.md", "alternative_to: A2\n", "alternative_to: A2\nchosen: true\n")
    d = diff_folders(str(old), str(new))
    changes = {p.id: p for p in d.changes.proposals}
    assert set(changes) == {"A2", "A3"}
    text = render.to_text(d)
    assert "Valgt: - → ja" in text
    assert "Tæller nu med i totalerne (valgt blandt alternativerne)" in text
    assert "Tæller ikke længere med i totalerne (et andet alternativ er valgt)" in text
    # administration 2026: 750 with A2 (-1250) → 750 + 1250 − 2000 = 0
    theme = next(t for t in d.changes.themes if t.id == "administration")
    assert theme.total.years[0].change == D(-750)


def test_an_allocation_change_names_the_field_and_the_departments_parts(tmp_path):
    old, new = _folders(tmp_path)
    edit(new / "proposals" / "I1.md", "allocation: nøgle", "allocation: {SOF: 50, BUF: 50}")
    d = diff_folders(str(old), str(new))
    (p,) = d.changes.proposals
    (field,) = p.fields
    assert (field.key, field.label, field.before, field.after) == (
        "allocation", "Fordeling", "nøgle", {"SOF": D(50), "BUF": D(50)})
    rows = {r.label: r for r in render.money_rows(d.changes) if r.kind == "department"}
    # I1 2026 -1001: key 62,5/37,5 → SOF -626, BUF -375; halves → -500 / -501 (largest rem.)
    assert set(rows) == {"Forvaltning Socialforvaltningen", "Forvaltning Børne- og Ungdomsforvaltningen"}
    data = render.diff_data(d)["changes"]["allocated_by_department"]
    assert sum(data[c]["change"]["2026"] for c in ("SOF", "BUF")) == 0
    assert "Fordeling: nøgle → SOF: 50, BUF: 50" in render.to_text(d)


def test_allocation_amounts_and_from_are_shown_as_written(tmp_path):
    old, new = _folders(tmp_path)
    edit(new / "proposals" / "I1.md", "allocation: nøgle",
         "allocation:\n  amounts: {SOF: {2026: -601}, BUF: {2026: -400}}\n  from: 2026")
    d = diff_folders(str(old), str(new))
    assert d.ok, [i.format() for i in d.head.errors]
    (p,) = d.changes.proposals
    assert p.fields[0].after == {"amounts": {"SOF": {"2026": D(-601)}, "BUF": {"2026": D(-400)}},
                                 "from": 2026}


# -- the budget year in git (SPEC §8): tag, decision, BO1, BO2 ---------------------------------


@pytest.fixture
def budget_repo(tmp_path: Path) -> Path:
    """A budget office's year in git: the catalogue as proposed (tag `katalog-2026`), the
    council's decision (tag `budget-2026`), then one branch per budget revision, merged."""
    from budget_fixture import budget_files, proposed_files

    require_program("git")
    root = tmp_path / "year"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_tree(root / "content", proposed_files())
    commit(root, "Katalog 2026 som foreslået")
    git(root, "tag", "katalog-2026")
    write_tree(root / "content", budget_files(0))
    commit(root, "Byrådets afgørelse 9.10.2025")
    git(root, "tag", "budget-2026")
    for n, name in ((1, "bo1"), (2, "bo2")):
        git(root, "checkout", "-q", "-b", name)
        write_tree(root / "content", budget_files(n))
        commit(root, f"BO{n} 2026")
        git(root, "checkout", "-q", "main")
        git(root, "merge", "-q", "--no-ff", "-m", f"Merge {name}", name)
    return root


def test_the_catalogue_as_proposed_stays_checkable_at_its_tag(budget_repo: Path) -> None:
    from katalog.pipeline import check_files

    old = check_files(gitsource.read_revision(budget_repo, "katalog-2026", "content"), "content")
    assert old.ok and old.totals.budget is None
    # as proposed A2 counts: total 2026 = 2000 - 1250 - 1001 - 300 - 500
    assert old.totals.total.values[2026] == D(-1051)


def test_the_decision_commit(budget_repo: Path) -> None:
    d = diff_revisions("katalog-2026", "budget-2026", cwd=str(budget_repo))
    c = d.changes
    by_id = {p.id: p for p in c.proposals}
    a1 = by_id["A1"].decision
    assert (a1.kind, a1.outcome_before, a1.outcome_after) == ("added", "ingen", "vedtaget")
    assert a1.changed_after and a1.adopted.years[1].after == D(-4500)
    assert by_id["A2"].decision.outcome_after == "forkastet"
    assert by_id["A3"].decision.outcome_after == "udskudt"
    assert "I3" not in by_id  # adopted before the decision and still: no change
    # adopted: I3 before (-500 / -500 / ?), the three adopted after
    assert c.budget.adopted.years[0].before == D(-500)
    assert c.budget.adopted.years[0].after == D(499)
    text = render.to_text(d, width=200)
    assert "Vedtaget som foreslået (1): I1" in text
    assert "Forkastet (1): A2" in text and "Udskudt (1): A3" in text
    assert ("A1 vedtaget med ændring (9. oktober 2025, Byrådet 9.10.2025, pkt. 4): "
            "2027: -5.500 → -4.500") in text
    assert "Afgørelse: ny – vedtaget med ændring" in text


def test_the_first_budget_revision(budget_repo: Path) -> None:
    d = diff_revisions("budget-2026", "bo1", cwd=str(budget_repo))
    lines = render.followup_lines(d.changes)
    assert lines == ["BO1 2026: A1 2026 forventet 2.000 → 2.500, status ikke vurderet → gul",
                     "BO1 2026: 1 forslag vurderet grønne (som vedtaget)"]
    b = d.changes.budget
    assert b.expected.years[0].change == D(500) and b.gap.years[0].after == D(500)
    assert (b.counts_before, b.counts_after) == (
        {"grøn": 0, "gul": 0, "rød": 0, "ingen": 3}, {"grøn": 1, "gul": 1, "rød": 0, "ingen": 1})


def test_the_second_budget_revision_in_every_format(budget_repo: Path) -> None:
    d = diff_revisions("bo1", "bo2", cwd=str(budget_repo))
    assert render.followup_lines(d.changes) == [
        "BO2 2026: A1 2026 forventet 2.500 → 3.000, 2028 forventet -6.000 → -5.000, "
        "status gul → rød",
        "BO2 2026: I1 2026 forventet -1.001 → -900\u00a0– -700, status grøn → gul"]
    text = render.to_text(d, width=200)
    assert "Budgetopfølgning: BO1 2026 → BO2 2026, status gul → rød" in text
    assert "Kommentar (BO2 2026): Lejemålet kan først opsiges i 2028." in text
    md = render.to_markdown(d)
    assert "#### Budgetopfølgning" in md
    rows = [line for line in md.splitlines() if line.startswith("|")]
    g = next(n for n, r in enumerate(rows) if r.startswith("| Afvigelse i alt"))
    assert rows[g] == "| Afvigelse i alt | Før | 500 | 0 | 0 |"
    assert rows[g + 1] == "| | Efter | 1.101–1.301 | 0 | 1.000 |"
    assert rows[g + 2] == "| | Ændring | **+601–+801** | 0 | **+1.000** |"
    assert "| *Forventet (BO2 2026)* | 2.500 → 3.000 (+500) |" in md
    data = json.loads(render.to_json(d), parse_float=D)
    assert data["schema_version"] == 1
    c = data["changes"]
    a1 = next(p for p in c["proposals"] if p["id"] == "A1")
    assert a1["decision"] is None  # the decision did not change
    r = a1["realisation"]
    assert r["revision"] == {"before": "BO1 2026", "after": "BO2 2026"}
    assert r["status"] == {"before": "gul", "after": "rød"}
    assert r["expected"]["change"] == {"2026": 500, "2028": 1000}
    assert r["gap"]["after"] == {"2026": 1000, "2027": 0, "2028": 1000}
    assert r["entries_added"] == ["BO2 2026"] and r["entries_edited"] == []
    assert r["comment_new"] == "Lejemålet kan først opsiges i 2028."
    assert c["realisation_gap"]["change"] == {"2028": 1000}
    assert c["realisation_gap"]["change_ranges"] == {"2026": {"low": 601, "high": 801}}
    assert c["realisation_counts"]["after"] == {"grøn": 0, "gul": 1, "rød": 1, "ingen": 1}
    assert c["revision"] == {"before": "BO1 2026", "after": "BO2 2026"}
    assert "adopted_total" in c and c["adopted_total"]["change"] == {}


def test_a_correction_of_an_earlier_revision_is_flagged(budget_repo: Path) -> None:
    edit(budget_repo / "content/proposals/A1.md", "expected: {2026: 2500}",
         "expected: {2026: 2400}")
    commit(budget_repo, "Ret BO1")
    d = diff_revisions("HEAD~1", "HEAD", cwd=str(budget_repo))
    (a1,) = d.changes.proposals
    assert a1.realisation.edited == ("BO1 2026",)
    assert a1.realisation.revision_before == a1.realisation.revision_after == "BO2 2026"
    assert not a1.realisation.expected.changed  # BO2, the current one, is unchanged
    assert "Tidligere budgetopfølgning rettet: BO1 2026" in render.to_text(d, width=200)


def test_a_corrected_current_comment_is_a_word_diff(budget_repo: Path) -> None:
    edit(budget_repo / "content/proposals/A1.md", "Lejemålet kan først opsiges i 2028.",
         "Lejemålet kan først opsiges 1. marts 2028.")
    commit(budget_repo, "Ret kommentar")
    d = diff_revisions("HEAD~1", "HEAD", cwd=str(budget_repo))
    md = render.to_markdown(d)
    assert "Kommentar (BO2 2026): rettet: Lejemålet kan først opsiges ~~i~~ **1. marts** 2028." \
        in md
