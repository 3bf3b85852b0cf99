"""cli: exit codes, output formats, Danish messages, through click and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner

from katalog.cli import main
from katalog.pipeline import check


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_check_valid(small):
    result = run("check", str(small))
    assert result.exit_code == 0, result.output
    assert "Kataloget er gyldigt" in result.output


def test_check_reports_every_problem_sorted_and_exits_1(small):
    (small / "proposals/A2.md").write_text(
        "---\nid: A2\ntitle: x\ntheme: adm\ndepartment: SOF\nsummary: s\n"
        "economy:\n  - {text: a, area: service, group: varig, amounts: {2026: -6.000}}\n---\n",
        encoding="utf-8",
    )
    (small / "proposals/A1.md").write_text("---\nid: [\n---\n", encoding="utf-8")
    result = run("check", str(small))
    assert result.exit_code == 1
    lines = [l for l in result.output.splitlines() if ": fejl: " in l]
    paths = [l.split(":")[0] for l in lines]
    assert paths == sorted(paths)
    assert any(l.startswith(f"{small}/proposals/A2.md:4:8: fejl: ukendt tema 'adm'") for l in lines)
    assert any("A2.md:8:" in l and "mente du -6000?" in l for l in lines)
    assert any(l.startswith(f"{small}/proposals/A1.md:") and "ugyldig YAML" in l for l in lines)
    assert "Traceback" not in result.output


def test_missing_content_folder_is_usage_error(tmp_path):
    result = run("check", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "findes ikke" in result.output


def test_totals_json_matches_spec_shape(small):
    result = run("totals", str(small), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output, parse_float=D)
    assert data["unit"] == 1000 and data["savings_sign"] == "negative"
    assert data["years"] == [2026, 2027, 2028]
    assert data["total"] == {"2026": -251, "2028": -8500}
    assert data["total_unknown"] == ["2027"]
    themes = {t["id"]: t for t in data["themes"]}
    assert themes["administration"]["amounts"] == {"2026": 750, "2028": -8500}
    assert themes["administration"]["complete"] is False
    assert themes["administration"]["unknown"] == ["2027"]
    assert themes["gammelt"]["merged_into"] == "administration"
    assert themes["gammelt"]["amounts"] == {}
    assert themes["it"]["amounts"] == {"2026": -1001, "2027": 0}
    props = {p["id"]: p for p in data["proposals"]}
    assert props["I2"]["counted"] is False
    assert props["A1"]["by_group"] == {
        "varig": {"2026": -3000, "2027": -6000, "2028": -6000},
        "engang": {"2026": 5000, "2027": 500},
    }
    assert data["target"]["2026"] == -10000
    assert data["difference"] == {"2026": -9749, "2028": -1500}


def test_totals_json_exact_decimals(small):
    p = small / "proposals/I1.md"
    p.write_text(p.read_text(encoding="utf-8").replace("-1001", "-1000.25"), encoding="utf-8")
    data = json.loads(run("totals", str(small), "--format", "json").output, parse_float=D)
    assert data["themes"][1]["amounts"]["2026"] == D("-1000.25")


def test_totals_other_formats(small):
    md = run("totals", str(small), "--format", "markdown")
    assert md.exit_code == 0
    assert "| **I alt** | **-251** | **-5.500 + ?** | **-8.500** |" in md.output
    csv = run("totals", str(small), "--format", "csv")
    assert "i_alt;;I alt;;;;-251;?;-8500" in csv.output
    table = run("totals", str(small))
    assert "-8.500" in table.output and "I alt" in table.output


def test_totals_invalid_exits_1(small):
    (small / "catalogue.yaml").write_text("title: x\n", encoding="utf-8")
    result = run("totals", str(small), "--format", "json")
    assert result.exit_code == 1
    assert "catalogue.yaml" in result.output


def test_unknown_format_is_usage_error(small, tmp_path):
    result = run("build", str(small), "--out", str(tmp_path / "out"), "--format", "odt")
    assert result.exit_code == 2
    assert "ukendt format" in result.output


def test_library_and_cli_agree(small):
    checked = check(small)
    data = json.loads(run("totals", str(small), "--format", "json").output, parse_float=D)
    assert {int(k): v for k, v in data["total"].items()} == dict(checked.totals.total.values)


def test_subprocess_console_script(small):
    exe = Path(sys.executable).parent / "katalog"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "katalog"]
    ok = subprocess.run([*cmd, "totals", str(small), "--format", "json"],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["total"]["2028"] == -8500
    (small / "themes/02-it.md").write_bytes(b"---\nid: it\ntitle: \xff\xfe\n---\n")
    bad = subprocess.run([*cmd, "check", str(small)], capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "themes/02-it.md:3:" in bad.stdout and "UTF-8" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr
    usage = subprocess.run([*cmd, "totals", "--format", "xml"], capture_output=True, text=True,
                           check=False)
    assert usage.returncode == 2
