"""output: katalog replaces only a folder it wrote (its marker lists the files), carries
over listed regular files only, never follows a link, survives concurrent and killed builds,
and makes the folder like any other (issue 18)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from katalog.build import MARKER, OutputRefused, build


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_a_forged_marker_is_not_trusted(small, tmp_path):
    """An empty `.katalog-build` beside a user's file made katalog delete the file."""
    out = tmp_path / "site"
    (out / "html").mkdir(parents=True)
    (out / MARKER).write_text("")
    (out / "html" / "mypage.html").write_text("<p>min side</p>")
    with pytest.raises(OutputRefused):
        build(small, out, ["html"])
    assert (out / "html" / "mypage.html").read_text() == "<p>min side</p>"


def test_a_file_added_to_a_build_is_never_deleted(small, tmp_path):
    out = tmp_path / "build"
    build(small, out, ["totals", "html"])
    (out / "html" / "mypage.html").write_text("<p>min side</p>")
    with pytest.raises(OutputRefused, match="mypage.html"):
        build(small, out, ["totals"])
    assert (out / "html" / "mypage.html").exists()
    (out / "html" / "mypage.html").unlink()
    build(small, out, ["totals"])  # only katalog's files: replaced, html carried over
    assert (out / "html" / "index.html").is_file()


def test_carrying_over_never_follows_a_link(small, tmp_path):
    """A link to /etc (or a link loop) planted in the previous build was followed: 1,281 files
    copied, or a recursion. Now a folder with anything katalog did not write is refused."""
    out = tmp_path / "build"
    build(small, out, ["totals", "html"])
    (out / "html" / "etc").symlink_to("/etc")
    (out / "html" / "loop").symlink_to("..")
    with pytest.raises(OutputRefused, match="html/etc"):
        build(small, out, ["totals"])
    assert (out / "html" / "etc").is_symlink() and (out / "totals.json").is_file()


def test_carry_over_takes_only_listed_regular_files(tmp_path):
    from katalog.output import carry_over, write_marker

    old, new = tmp_path / "old", tmp_path / "new"
    (old / "html").mkdir(parents=True)
    (old / "html" / "a.html").write_text("a")
    (old / "html" / "b.html").write_text("b")
    write_marker(old)
    (old / "html" / "b.html").unlink()
    (old / "html" / "b.html").symlink_to("/etc/passwd")  # swapped for a link afterwards
    (old / "html" / "c.html").write_text("not listed")
    new.mkdir()
    carry_over(old, new, ["html"])
    assert sorted(p.relative_to(new).as_posix() for p in new.rglob("*")) == ["html", "html/a.html"]


def test_the_output_folder_follows_the_umask(small, tmp_path):
    out = tmp_path / "build"
    build(small, out, ["totals"])
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask


def test_an_out_link_keeps_pointing_at_the_build(small, tmp_path):
    """An --out symlink to an empty folder was replaced by a real folder, with a dangling
    `.old` link left beside it."""
    target_dir = tmp_path / "real"
    target_dir.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target_dir)
    build(small, link, ["totals"])
    build(small, link, ["totals"])
    assert link.is_symlink() and (target_dir / "totals.json").is_file()
    assert _leftovers(tmp_path, "link") == _leftovers(tmp_path, "real") == []


@pytest.mark.parametrize("out", [".", "/dev/null/x", "/"])
def test_an_impossible_out_is_a_usage_error(small, tmp_path, monkeypatch, out):
    from katalog.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", str(small), "--out", out, "--format", "totals"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Fejl:" in result.output


def test_a_killed_build_leaves_nothing_behind(small, tmp_path):
    """`kill -9` left `.<out>.tmp-*` folders that no later build removed."""
    out = tmp_path / "build"
    proc = subprocess.Popen([sys.executable, "-m", "katalog", "build", str(small), "--out",
                             str(out), "--format", "pdf", "--no-cache"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _leftovers(tmp_path, "build") and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert any(".tmp-" in n for n in _leftovers(tmp_path, "build"))
    live = tmp_path / ".build.tmp-live"  # a build running now keeps its folder
    live.mkdir()
    import fcntl

    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        build(small, out, ["totals"])
        assert _leftovers(tmp_path, "build") == [".build.tmp-live"]
    finally:
        os.close(fd)


def test_concurrent_builds_into_one_folder(small, tmp_path, monkeypatch):
    """Two builds swapping into one --out at the same time: one moved the folder away while
    the other looked for it (a raw FileNotFoundError, or a rename onto a full folder)."""
    out = tmp_path / "build"
    build(small, out, ["totals"])
    real = os.replace
    moving = threading.Event()

    def slow_replace(src, dst, *args, **kwargs):
        real(src, dst, *args, **kwargs)
        if Path(src) == out and threading.current_thread().name == "first":
            moving.set()
            time.sleep(1.0)  # the old folder is out of the way, the new one not yet in

    monkeypatch.setattr(os, "replace", slow_replace)
    errors = []

    def run():
        try:
            build(small, out, ["totals", "html"], cache=False)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    first = threading.Thread(target=run, name="first")
    first.start()
    assert moving.wait(60)
    second = threading.Thread(target=run, name="second")
    second.start()
    first.join()
    second.join()
    assert errors == []
    assert (out / "totals.json").is_file() and (out / "html" / "index.html").is_file()
    assert _leftovers(tmp_path, "build") == []


def test_a_failed_build_leaves_the_previous_one_and_no_temporary_file(small, tmp_path,
                                                                      monkeypatch):
    """A job failing halfway (after others were made and cached): the previous build stays
    as it was, and neither the output's parent nor the cache holds a temporary file."""
    from katalog.cache import FOLDER
    from katalog.render import pdf_layout

    monkeypatch.setenv("KATALOG_WORKERS", "1")
    out = tmp_path / "build"
    build(small, out, ["totals"])
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    real, calls = pdf_layout.layout, []

    def failing(job):
        calls.append(job.name)
        if len(calls) == 4:
            raise RuntimeError("layout failed")
        return real(job)

    monkeypatch.setattr(pdf_layout, "layout", failing)
    with pytest.raises(RuntimeError, match="layout failed"):
        build(small, out, ["pdf"])
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert _leftovers(tmp_path, "build") == []
    assert any((tmp_path / FOLDER / "pdf").rglob("*"))  # what was made before is kept
    assert [p for p in (tmp_path / FOLDER).rglob("*") if p.name.startswith(".tmp-")] == []


def test_a_build_never_shows_in_git_status(small, tmp_path):
    """Nothing katalog writes appears in the writer's `git status`: the build folder ignores
    itself (and the cache beside it ignores itself too)."""
    import subprocess

    repo = small.parent
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    build(small, repo / "build", ["totals", "html"])
    status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    assert [line for line in status.splitlines() if "build/" in line or "katalog" in line] == []
    assert "content/" in status  # the writer's own files do show
    build(small, repo / "build", ["totals"])  # the ignore file does not stop a rebuild


def test_a_pool_worker_that_outlives_a_killed_build_does_not_keep_its_folder(tmp_path):
    """A forked child (a pool worker) closes its copy of the build folder's lock, so when the
    build's own process is killed its folder is abandoned at once, even while the worker
    still runs (under load, workers outlived the build and the next build kept the folder)."""
    from katalog.output import _abandoned

    script = textwrap.dedent(f"""
        import os, signal, sys, time
        from pathlib import Path
        from katalog.output import Building
        b = Building(Path({str(tmp_path / 'build')!r}))
        child = os.fork()
        if child == 0:
            time.sleep(60)
            os._exit(0)
        print(b.path, child, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    path, child = proc.stdout.readline().split()
    assert proc.wait(timeout=60) == -signal.SIGKILL
    try:
        os.kill(int(child), 0)  # the worker still runs
        assert _abandoned(path)
    finally:
        os.kill(int(child), signal.SIGKILL)
        proc.stdout.close()
