"""Fresh processes and what the operating system says they cost (used by every benchmark).

`run_command` runs a program to the end and reads its figures from `wait4`, the kernel's own
accounting of the finished process: wall time (measured around it), CPU time (user + system)
and peak resident memory. Both include the children it waited for — katalog's pool workers,
pandoc's WeasyPrint — so CPU is the whole tree's, and peak memory is the largest single
process of the tree (as `/usr/bin/time -v` reports it), not a sum.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
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


def run_command(args: list[str], cwd: Path | None = None, timeout: float = TIMEOUT,
                env: dict[str, str] | None = None) -> Run:
    """Run `args` to the end (killed after `timeout` s); its figures come from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=cwd, env=env)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss, proc.returncode, stdout, stderr)


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
