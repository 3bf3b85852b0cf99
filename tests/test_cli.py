"""cli: exit codes, output formats, Danish messages, through click and as a real process."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from katalog.cli import main
from katalog.pipeline import check

ROOT = Path(__file__).resolve().parent.parent


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
    lines = [line for line in result.output.splitlines() if ": fejl: " in line]
    paths = [line.split(":")[0] for line in lines]
    assert paths == sorted(paths)
    assert any(line.startswith(f"{small}/proposals/A2.md:4:8: fejl: ukendt tema 'adm'")
               for line in lines)
    assert any("A2.md:8:" in line and "mente du -6000?" in line for line in lines)
    assert any(line.startswith(f"{small}/proposals/A1.md:") and "ugyldig YAML" in line
               for line in lines)
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
    assert "i_alt;;I alt;;;;-251;-5500+?;-8500" in csv.output  # the known part is kept (SPEC §7)
    assert csv.output.startswith("Beløb i 1.000 kr., 2026 p/l;")
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


def _program(small: Path, *argv: str, before: str = "") -> subprocess.CompletedProcess[str]:
    """`katalog.cli.run` (the console script's function) in a fresh process."""
    code = ("import sys\n" + before +
            "from katalog.cli import run\n"
            f"sys.argv = ['katalog', *{list(argv)!r}]\n"
            "run()\n"
            "print('not reached')\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=small)


def test_program_ends_at_once_but_finishes_what_is_pending(small):
    """`run` leaves with os._exit: exit handlers and threads that are not daemons still
    finish, unflushed output is written, and the exit status is click's."""
    before = ("import atexit, threading, time\n"
              "atexit.register(lambda: sys.stdout.write('exit handler ran\\n'))\n"
              "def late():\n"
              "    time.sleep(0.3)\n"
              "    sys.stdout.write('thread finished\\n')\n"
              "threading.Thread(target=late).start()\n"
              "class Heap:\n"  # stands for the heap a build leaves: never taken apart
              "    def __del__(self):\n"
              "        sys.stdout.write('taken apart\\n')\n"
              "heap = Heap()\n")
    ok = _program(small, "totals", ".", "--format", "json", before=before)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.split("thread finished")[0])["total"]["2028"] == -8500
    assert ok.stdout.endswith("thread finished\nexit handler ran\n")
    assert "not reached" not in ok.stdout and "taken apart" not in ok.stdout
    (small / "catalogue.yaml").write_text("title: x\n", encoding="utf-8")
    bad = _program(small, "check", ".", before=before)
    assert bad.returncode == 1 and "catalogue.yaml" in bad.stdout
    assert bad.stdout.endswith("exit handler ran\n")
    assert _program(small, "totals", "--format", "xml").returncode == 2


def test_program_exit_status_of_a_message():
    from katalog.cli import _status

    assert (_status(None), _status(0), _status(3)) == (0, 0, 3)
    assert _status("stop") == 1


def test_build_runs_no_other_thread_so_the_pool_can_fork(
        small: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The build's status line is redrawn at each step, not by a thread: with a thread
    running, the process pool would start new interpreters (forkserver) instead of forking."""
    import threading

    import katalog.build
    import katalog.cli
    from katalog import parallel

    seen = []
    real = katalog.build.build

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((threading.active_count(), parallel.start_method()))
        kwargs["progress"]("Skriver totals")
        return real(*args, **kwargs)

    monkeypatch.setattr(katalog.build, "build", spy)
    monkeypatch.setattr(katalog.cli, "_is_terminal", lambda _stream: True)  # the status line
    result = run("build", str(small), "--out", str(tmp_path / "out"), "--format", "totals")
    assert result.exit_code == 0, result.output
    if sys.platform.startswith("linux"):
        assert seen == [(1, "fork")]
    assert (tmp_path / "out" / "totals.json").is_file()


# -- start-up: `katalog --help` imports nothing heavy (issue 14) -------------------------------

HEAVY = ("katalog.pipeline", "katalog.cache", "katalog.build", "katalog.load", "katalog.render",
         "katalog.parallel", "katalog.compute", "rich", "jinja2", "weasyprint", "docx",
         "pikepdf", "pypdf", "babel", "ruamel", "cmarkgfm", "nh3", "lxml")


def _modules_after(*argv: str) -> set[str]:
    """The modules loaded in a fresh interpreter after `katalog ARGV` ran (click exits it)."""
    code = ("import sys\n"
            "from katalog.cli import main\n"
            "try:\n"
            f"    main({list(argv)!r}, prog_name='katalog')\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return set(done.stderr.split())


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_help_imports_no_heavy_module():
    from katalog.cli import main as group

    loaded = _modules_after("--help")
    assert "click" in loaded and "katalog.cli" in loaded  # the probe really ran
    assert _heavy(loaded) == []
    for name in group.commands:
        assert _heavy(_modules_after(name, "--help")) == [], name


def test_plain_check_leaves_the_renderers_and_rich_unloaded(small):
    loaded = _modules_after("check", str(small))
    assert "katalog.pipeline" in loaded
    assert [m for m in _heavy(loaded)
            if m.split(".")[0] in ("rich", "jinja2", "weasyprint", "docx", "pikepdf")
            or m.startswith(("katalog.build", "katalog.render"))] == []


def test_a_build_for_a_script_or_ci_leaves_rich_unloaded(small, tmp_path):
    """No terminal on standard error (CI, scripts, the benchmark): no status line, and rich
    is not imported for it."""
    loaded = _modules_after("build", str(small), "--out", str(tmp_path / "out"),
                            "--format", "html")
    assert "katalog.build" in loaded and (tmp_path / "out" / "html" / "index.html").is_file()
    assert [m for m in loaded if m.split(".")[0] == "rich"] == []


# -- Danish: click's own words (issue 19) -------------------------------------------------------

# `_(extra["required"])` in click.core translates a word it sets elsewhere in the same file.
DYNAMIC_MSGIDS = ("required",)


def click_msgids() -> tuple[set[str], set[tuple[str, str]]]:
    """Every text click passes to `_()` / `ngettext()`, read from the installed click's source."""
    import ast

    import click

    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    for source in sorted(Path(click.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            texts = [a.value for a in node.args
                     if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id == "_" and texts:
                singles.add(texts[0])
            elif node.func.id == "ngettext" and len(texts) >= 2:
                plurals.add((texts[0], texts[1]))
    return singles | set(DYNAMIC_MSGIDS), plurals


def test_every_click_text_has_a_danish_translation():
    from katalog import cli_da

    singles, plurals = click_msgids()
    assert len(singles) > 50 and len(plurals) > 5  # the reader found click's texts
    assert sorted(singles - cli_da.MESSAGES.keys()) == []
    assert sorted(plurals - cli_da.PLURALS.keys()) == []


def _english_phrases() -> list[str]:
    """Fragments of click's English (between placeholders) that Danish output never holds,
    plus the words click writes without gettext."""
    import re

    from katalog import cli_da

    singles, plurals = click_msgids()
    texts = [m for m in singles if cli_da.MESSAGES.get(m) != m]
    texts += [t for pair in plurals for t in pair]
    phrases = {"[OPTIONS]", "COMMAND [ARGS]", "INTEGER", "TEXT", "PATH", "DIRECTORY", "BOOLEAN"}
    for text in texts:
        for part in re.split(r"\{[^}]*\}|%\([a-z]+\)s|\n|\t", text):
            part = part.strip(" .,:;!?()'\"")
            if len(part) >= 4:
                phrases.add(part)
    return sorted(phrases)


def _assert_danish(output: str) -> None:
    import re

    english = [p for p in _english_phrases()
               if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", output)]
    assert english == [], output
    assert "Traceback" not in output


USAGE_ERRORS = (
    (),  # no command: the help, exit 2
    ("chek",),  # no such command, with a suggestion
    ("check", "--nope"),  # no such option
    ("check", "content", "extra"),  # unexpected extra argument
    ("new",),  # missing argument
    ("new", "X1"),  # missing option
    ("new", "X1", "--theme"),  # option requires a value
    ("totals", "--format", "xml"),  # invalid choice
    ("serve", "--port", "abc"),  # not a number
    ("serve", "--port", "99999"),  # out of range
    ("build", "--templates", "pyproject.toml"),  # a file where a folder is wanted
    ("textconv", "src"),  # a folder where a file is wanted
    ("check", "--no-cache=1"),  # a flag given a value
    ("schema", "nope"),
)


def test_help_and_usage_errors_are_danish(tmp_path):
    from katalog.cli import main as group

    runner = CliRunner()
    pages = [runner.invoke(group, ["--help"], prog_name="katalog")]
    pages += [runner.invoke(group, [name, "--help"], prog_name="katalog")
              for name in group.commands]
    for page in pages:
        assert page.exit_code == 0, page.output
        _assert_danish(page.output)
        assert page.output.startswith("Brug: katalog")
        assert "Tilvalg:" in page.output and "Vis denne hjælp og afslut." in page.output
    assert "Kommandoer:" in pages[0].output and "[standard: build]" in pages[1 + list(
        group.commands).index("build")].output
    paths = {"pyproject.toml": str(ROOT / "pyproject.toml"), "src": str(ROOT / "src")}
    for argv in USAGE_ERRORS:
        result = runner.invoke(group, [paths.get(a, a) for a in argv], prog_name="katalog")
        assert result.exit_code == 2, (argv, result.output)
        _assert_danish(result.output)
        if argv:
            assert "Fejl: " in result.output, (argv, result.output)
        if "Brug: " in result.output and argv:
            assert "--help' for at få hjælp." in result.output
    version = runner.invoke(group, ["--version"], prog_name="katalog")
    assert version.output.strip().startswith("katalog ") and version.exit_code == 0


def test_danish_words_under_any_locale(small):
    """The CLI is Danish whatever the locale says (CI runs C.UTF-8)."""
    exe = [sys.executable, "-m", "katalog"]
    for lang in ("C.UTF-8", "en_US.UTF-8", "da_DK.UTF-8"):
        env = {**os.environ, "LANG": lang, "LC_ALL": lang, "LANGUAGE": lang.split(".")[0]}
        done = subprocess.run([*exe, "totals", str(small), "--format", "xml"], env=env,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 2
        assert "Fejl: Ugyldig værdi for '--format'" in done.stderr, done.stderr
        _assert_danish(done.stderr)


def test_danish_plurals_follow_the_count():
    from katalog.cli_da import ngettext

    one = ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})")
    assert ngettext(*one, 1) == "Uventet ekstra argument ({args})"
    assert ngettext(*one, 2) == "Uventede ekstra argumenter ({args})"


# -- no traceback, whatever goes wrong (issue 18) --------------------------------------------


def test_schema_out_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "skema.json"
    target.write_text("keep\n", encoding="utf-8")
    result = run("schema", "--out", str(target))
    assert result.exit_code == 2, result.output
    assert "--out skal være en mappe" in result.output
    assert target.read_text(encoding="utf-8") == "keep\n"
    _assert_danish(result.output)


def test_schema_out_inside_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "fil").write_text("x", encoding="utf-8")
    result = run("schema", "--out", str(tmp_path / "fil" / "skemaer"))
    assert result.exit_code == 2, result.output
    assert "skemaerne kan ikke skrives" in result.output
    assert "en del af stien er ikke en mappe" in result.output
    _assert_danish(result.output)


def test_build_out_dot_is_a_usage_error(small, tmp_path, monkeypatch):
    monkeypatch.chdir(small)
    result = run("build", ".", "--out", ".", "--format", "totals")
    assert result.exit_code == 2, result.output
    assert "kan ikke være uddatamappe" in result.output
    _assert_danish(result.output)


def test_build_out_under_a_file_is_refused_before_any_work(small, monkeypatch):
    import katalog.build

    monkeypatch.setattr(katalog.build, "build", lambda *a, **k: pytest.fail("built anyway"))
    for out in ("/dev/null/x", str(small / "catalogue.yaml" / "ud")):
        result = run("build", str(small), "--out", out)
        assert result.exit_code == 2, result.output
        assert f"uddatamappen '{out}' kan ikke oprettes" in result.output
        _assert_danish(result.output)


def test_os_errors_about_the_output_folder_are_usage_errors(small, tmp_path, monkeypatch):
    """Whatever OSError the build library raises about `--out` (the folder, its parent, its
    in-progress sibling) is a Danish usage error; a full disk is a failure (exit 1)."""
    import katalog.build

    out = tmp_path / "ud"
    cases = [(errno.EACCES, tmp_path / ".ud.tmp-abc", 2, "ingen adgang"),
             (errno.EROFS, out, 2, "skrivebeskyttet"),
             (errno.ENOSPC, out / "html" / "a.html", 1, "ikke mere plads"),
             (errno.EACCES, small / "proposals" / "A1.md", 1, "ingen adgang")]
    for code, where, exit_code, words in cases:
        def fail(*_a, code=code, where=where, **_k):
            raise OSError(code, os.strerror(code), str(where))

        monkeypatch.setattr(katalog.build, "build", fail)
        result = run("build", str(small), "--out", str(out))
        assert result.exit_code == exit_code, (where, result.output)
        assert words in result.output and str(where) in result.output
        _assert_danish(result.output)


def test_new_where_nothing_can_be_written_is_a_danish_error(small):
    """A real OSError: `proposals` is a file, so the new proposal's folder cannot be made."""
    import shutil

    shutil.rmtree(small / "proposals")
    (small / "proposals").write_text("", encoding="utf-8")
    result = run("new", "N1", "--theme", "it", "--department", "SOF", "--content", str(small))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Forslaget er ikke oprettet: ")
    _assert_danish(result.output)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes to read-only folders")
def test_read_only_content_for_new_and_fmt(small):
    _swap_two_keys(small / "proposals" / "A1.md")
    for folder in (small, small / "proposals"):
        folder.chmod(0o555)
    try:
        made = run("new", "N1", "--theme", "it", "--department", "SOF", "--content", str(small))
        assert made.exit_code == 1 and "ingen adgang" in made.output, made.output
        _assert_danish(made.output)
        tidied = run("fmt", str(small))
        assert tidied.exit_code == 1 and "ingen adgang" in tidied.output, tidied.output
        _assert_danish(tidied.output)
    finally:
        for folder in (small, small / "proposals"):
            folder.chmod(0o755)


def _swap_two_keys(target: Path) -> None:
    """Put two front-matter keys out of order, so `katalog fmt` wants to rewrite the file."""
    lines = target.read_text(encoding="utf-8").split("\n")
    lines[1], lines[2] = lines[2], lines[1]
    target.write_text("\n".join(lines), encoding="utf-8")


def test_fmt_that_cannot_write_is_a_danish_error(small, monkeypatch):
    import katalog.fmt

    _swap_two_keys(small / "proposals" / "A1.md")

    def read_only(path, *_a, **_k):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(katalog.fmt, "write_atomic", read_only)
    result = run("fmt", str(small))
    assert result.exit_code == 1, result.output  # reported per file; the others still done
    assert "kan ikke skrives" in result.output and "ingen adgang" in result.output
    assert "A1.md:1:1: fejl" in result.output
    _assert_danish(result.output)


def _boom(*_args, **_kwargs):
    raise RuntimeError("noget\ngik galt")


def test_unexpected_exception_is_one_danish_line(small, monkeypatch):
    import katalog.pipeline

    monkeypatch.setattr(katalog.pipeline, "check_report", _boom)
    result = run("check", str(small))
    assert result.exit_code == 1
    assert result.output == ("katalog fejlede uventet: RuntimeError: noget gik galt; "
                             "kør med KATALOG_DEBUG=1 for detaljer\n")
    monkeypatch.setenv("KATALOG_DEBUG", "1")
    debug = run("check", str(small))
    assert isinstance(debug.exception, RuntimeError)


def test_unexpected_exception_in_a_real_process_has_no_traceback(small):
    code = ("import sys, katalog.pipeline\n"
            "def boom(*a, **k):\n"
            "    raise KeyError('x' * 5000)\n"
            "katalog.pipeline.check_report = boom\n"
            "from katalog.cli import main\n"
            f"main(['check', {str(small)!r}], prog_name='katalog')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, env={k: v for k, v in os.environ.items()
                                            if k != "KATALOG_DEBUG"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("katalog fejlede uventet: KeyError: ")
    assert len(lines[0]) < 700  # a huge message is cut


def test_os_error_in_any_command_is_a_danish_line(small, monkeypatch):
    import katalog.pipeline

    def denied(*_a, **_k):
        raise PermissionError(errno.EACCES, "Permission denied", str(small / "catalogue.yaml"))

    monkeypatch.setattr(katalog.pipeline, "check", denied)
    result = run("totals", str(small))
    assert result.exit_code == 1
    assert result.output == (f"katalog stoppede: {small / 'catalogue.yaml'}: ingen adgang: "
                             "filens eller mappens rettigheder tillader det ikke\n")


def test_textconv_refuses_a_fifo_without_hanging(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    # a real process with a bound: reading a FIFO with no writer would block for ever
    done = subprocess.run([sys.executable, "-m", "katalog", "textconv", str(fifo)],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 1  # bad input, not wrong usage
    assert "FIFO" in done.stderr
    _assert_danish(done.stderr)


def test_content_derived_text_goes_through_printable(small, monkeypatch):
    """Issues, paths in messages and usage errors all pass the one hook."""
    import katalog.cli

    seen: list[str] = []

    def spy(text: str, newlines: bool = True) -> str:
        seen.append(text)
        return text.replace("\x1b", "␛")

    monkeypatch.setattr(katalog.cli, "printable", spy)
    (small / "proposals/A1.md").write_text("---\nid: [\n---\n", encoding="utf-8")
    result = run("check", str(small))
    assert result.exit_code == 1 and any("A1.md" in s for s in seen)
    missing = run("check", str(small / "mangler\x1b[31m"))
    assert missing.exit_code == 2 and "\x1b" not in missing.output and "␛[31m" in missing.output


def test_schema_out_never_replaces_a_file_it_did_not_write(tmp_path):
    mine = tmp_path / "proposal.schema.json"
    mine.write_text("mine egne noter\n", encoding="utf-8")
    result = run("schema", "--out", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert mine.read_text(encoding="utf-8") == "mine egne noter\n"


def test_totals_as_json_leaves_rich_unloaded(small):
    """Only the terminal table needs rich (a script asking for JSON should not pay for it)."""
    loaded = _modules_after("totals", str(small), "--format", "json")
    assert "katalog.render.totals" in loaded
    assert [m for m in loaded if m.split(".")[0] == "rich"] == []


def test_the_terminal_table_shows_content_as_text_not_markup_or_controls(small):
    """A theme title holding rich markup or an 8-bit control character (CSI, U+009B; C0
    controls are refused by check) is printed as text, never interpreted."""
    theme = next((small / "themes").glob("*.md"))
    raw = theme.read_text(encoding="utf-8")
    title = next(line for line in raw.splitlines() if line.startswith("title:"))
    theme.write_text(raw.replace(title, 'title: "[bold red]Rød[/] \\u009b31m tekst"'),
                     encoding="utf-8")
    result = run("totals", str(small))
    assert result.exit_code == 0, result.output
    assert "[bold red]Rød[/]" in result.output
    assert "\x9b" not in result.output and "\\x9b31m" in result.output
