"""Fresh processes and what the operating system says they cost (used by every benchmark).

`run_command` runs a program to the end in a small parent of its own (`measure.py`) and takes
its figures from `wait4`, the kernel's own accounting of the finished process: wall time
(measured around it), CPU time (user + system) and peak resident memory. Both include the
children it waited for — katalog's pool workers, pandoc's WeasyPrint — so CPU is the whole
tree's, and peak memory is the largest single process of the tree (as `/usr/bin/time -v`
reports it), not a sum.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 3 * 3600


@dataclass
class Run:
    """One finished process: wall seconds, CPU seconds, peak RSS in KiB, exit code, output."""

    seconds: float
    cpu: float
    rss_kib: int
    code: int
    stdout: str = ""
    stderr: str = ""


class CommandFailed(RuntimeError):
    """A measured command exited with an unexpected code; the message has its last words."""

    def __init__(self, what: str, run: Run) -> None:
        tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
        super().__init__(f"{what} exited {run.code}: " + " | ".join(tail))
        self.run = run


MEASURE = Path(__file__).with_name("measure.py")


def run_command(args: list[str], cwd: Path | None = None, timeout: float = TIMEOUT,
                env: dict[str, str] | None = None) -> Run:
    """Run `args` to the end (its process group killed after `timeout` s) under
    `measure.py`, which reports the kernel's figures for it alone."""
    with tempfile.TemporaryDirectory(prefix="katalog-bench-") as tmp, \
            open(Path(tmp) / "out", "w+b") as out, open(Path(tmp) / "err", "w+b") as err:
        figures = Path(tmp) / "figures.json"
        wrapper = [sys.executable, "-S", "-I", str(MEASURE), str(figures), *args]
        proc = subprocess.Popen(wrapper, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=cwd, env=env, start_new_session=True)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        if not figures.exists():
            return Run(float(timeout), 0.0, 0, -9, stdout, stderr + "\n(killed: timeout)")
        data = json.loads(figures.read_text(encoding="utf-8"))
    return Run(data["seconds"], data["cpu"], data["rss_kib"], data["code"], stdout, stderr)


def checked(args: list[str], what: str, ok: tuple[int, ...] = (0,), **kwargs: object) -> Run:
    """`run_command`, raising `CommandFailed` unless the exit code is in `ok`."""
    run = run_command(args, **kwargs)  # type: ignore[arg-type]
    if run.code not in ok:
        raise CommandFailed(what, run)
    return run


def katalog_cmd(*args: str) -> list[str]:
    """The `katalog` console script of this interpreter's environment (what users run)."""
    script = Path(sys.executable).with_name("katalog")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "katalog", *args]


def pandoc_path() -> str | None:
    """pandoc from the `pypandoc-binary` wheel (the `bench` extra), else one on PATH."""
    try:
        import pypandoc  # type: ignore[import-untyped]

        return str(pypandoc.get_pandoc_path())
    except (ImportError, OSError):
        return shutil.which("pandoc")


def weasyprint_path() -> str | None:
    """The `weasyprint` command of this environment (pandoc's PDF engine)."""
    script = Path(sys.executable).with_name("weasyprint")
    return str(script) if script.exists() else shutil.which("weasyprint")


def environment(work: Path) -> dict[str, str]:
    """The measured processes' environment: this one, less anything that changes katalog's
    behaviour (KATALOG_*), with a cache home of their own under `work` and byte-compiled
    modules allowed (an installed katalog has them)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KATALOG_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["XDG_CACHE_HOME"] = str(work / "xdg-cache")
    return env


def compile_katalog() -> None:
    """Byte-compile katalog as an installed wheel would be (an editable install run with
    PYTHONDONTWRITEBYTECODE would otherwise compile every module in every process)."""
    import compileall

    import katalog

    for folder in katalog.__path__:
        compileall.compile_dir(folder, quiet=1)
