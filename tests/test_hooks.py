"""The pre-commit hooks run real katalog commands on the files pre-commit would pass."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner
from ruamel.yaml import YAML

from katalog.cli import main

ROOT = Path(__file__).resolve().parent.parent


def hooks() -> dict[str, dict]:
    data = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {h["id"]: h for h in data}


def run_hook(hook: dict, repo: Path, files: list[str]):
    argv = shlex.split(hook["entry"])
    assert argv[0] == "katalog"
    args = argv[1:] + ([] if hook.get("pass_filenames") is False else files)
    return CliRunner().invoke(main, args)


def test_hooks_run_check_and_fmt_check(tmp_path, example, monkeypatch):
    found = hooks()
    assert {"katalog-check", "katalog-fmt-check", "katalog-fmt"} <= set(found)
    repo = tmp_path / "repo"
    shutil.copytree(example, repo / "content")
    monkeypatch.chdir(repo)
    files = sorted(p.relative_to(repo).as_posix() for p in (repo / "content").rglob("*")
                   if p.is_file())
    for hook in found.values():
        assert hook["language"] == "python"
        matched = [f for f in files if re.search(hook["files"], f)]
        assert "content/proposals/ADM-01.md" in matched
        result = run_hook(hook, repo, matched)
        assert result.exit_code == 0, (hook["id"], result.output)

    adm = repo / "content/proposals/ADM-01.md"
    adm.write_text(adm.read_text(encoding="utf-8").replace(
        "id: ADM-01\ntitle:", "title:", 1).replace("theme:", "id: ADM-01\ntheme:", 1), encoding="utf-8")
    result = run_hook(found["katalog-fmt-check"], repo, ["content/proposals/ADM-01.md"])
    assert result.exit_code == 1 and "ADM-01.md" in result.output
    assert run_hook(found["katalog-fmt"], repo, ["content/proposals/ADM-01.md"]).exit_code == 0
    assert adm.read_bytes() == (example / "proposals/ADM-01.md").read_bytes()

    adm.write_text(adm.read_text(encoding="utf-8").replace("group: varig", "group: varigt", 1),
                   encoding="utf-8")
    result = run_hook(found["katalog-check"], repo, [])
    assert result.exit_code == 1 and "ADM-01.md" in result.output
