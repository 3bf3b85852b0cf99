"""issues: a documented catalogue of problem codes; no code emits an undocumented one."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from katalog.issues import PROBLEMS, STAGES, Issue, Report, Severity, UndocumentedCode, check_code
from katalog.reference import fill, names_in

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "katalog"
ERRORS = ROOT / "docs" / "errors.md"


def test_docs_errors_lists_every_code_and_is_current():
    text = ERRORS.read_text(encoding="utf-8")
    assert set(names_in(text)) == {f"problems-{s}" for s in STAGES}
    assert fill(text) == text, "docs/errors.md is stale: run `python -m katalog.reference`"
    for code in PROBLEMS:
        assert f"| `{code}` |" in text, code


def test_every_problem_is_complete():
    for p in PROBLEMS.values():
        assert p.code and p.template and p.doc and p.stage in STAGES, p.code
        assert p.code == p.code.lower() and "_" not in p.code, p.code
        # a template is a valid format string
        list(string.Formatter().parse(p.template))


def test_undocumented_code_fails_under_tests():
    with pytest.raises(UndocumentedCode):
        Report().error("no-such-code", "x", "f")
    with pytest.raises(UndocumentedCode):
        Issue("f", 1, 1, Severity.ERROR, "type", "the old catch-all code")
    check_code("required")  # documented: fine


def test_problem_fills_the_template_and_takes_the_severity():
    report = Report()
    issue = report.problem("shares-rounded", "c.yaml", 3, 5, what="andelene", sum="99")
    assert issue.severity is Severity.WARNING
    assert issue.message.startswith("andelene giver 99 %, ikke 100 %")
    issue = report.problem("duplicate-key", "x.md", 1, 1, key="2026", line=4)
    assert issue.message == "nøglen '2026' står to gange (første gang i linje 4)"


def _emitted_codes() -> dict[str, list[str]]:
    """String literals passed as a problem code anywhere in src/katalog: the first argument
    of `.problem(`, `.error(`, `.warning(`, `SourceError(`; `code=` keywords; `Issue(`'s
    fifth argument; and `Reader.problem(path, CODE, ...)`."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            candidates: list[ast.AST] = []
            if name in ("error", "warning", "SourceError") and node.args:
                candidates.append(node.args[0])
            if name == "problem" and node.args:
                candidates.append(node.args[0])
                if len(node.args) > 1:
                    candidates.append(node.args[1])
            if name == "_at" and len(node.args) > 3:
                candidates.append(node.args[3])
            if name == "Issue" and len(node.args) > 4:
                candidates.append(node.args[4])
            candidates += [k.value for k in node.keywords if k.arg == "code"]
            for c in candidates:
                if isinstance(c, ast.Constant) and isinstance(c.value, str) \
                        and c.value.replace("-", "").isalpha() and c.value.islower():
                    found.setdefault(c.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_code_in_the_source_is_documented():
    found = _emitted_codes()
    assert len(found) > 40  # the scan sees the codes
    missing = {code: where for code, where in found.items() if code not in PROBLEMS}
    assert missing == {}


def test_no_code_is_built_on_the_fly():
    """Codes are literals: no f-string as a code (the old `unknown-{field}`)."""
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for k in node.keywords:
                    if k.arg == "code":
                        assert not isinstance(k.value, ast.JoinedStr), (path, node.lineno)
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if name in ("error", "warning", "problem") and node.args:
                    assert not isinstance(node.args[0], ast.JoinedStr), (path, node.lineno)


def test_the_old_catch_all_type_code_is_gone():
    assert "type" not in PROBLEMS
    assert "type" not in _emitted_codes()
