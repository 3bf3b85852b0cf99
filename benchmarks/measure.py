"""Run one command and write what the kernel says it cost: a small, fresh parent process.

    python -S -I benchmarks/measure.py RESULT.json COMMAND [ARG ...]

Why a parent of its own: a process's peak memory (`ru_maxrss`) counts the memory it had
before it started the program, and a child of the benchmark runner starts as a copy of the
runner (tens of MiB once it has loaded katalog and rich). Started from this bare interpreter
(no site, standard library only), the command begins from a few MiB, as from a shell.
Wall time is taken around the command alone, not this interpreter's start. CPU time and peak
memory come from `wait4` and include the children the command waited for (the whole tree's
CPU; the largest single process's memory, as `/usr/bin/time -v` reports it).
"""

import json
import os
import sys
import time


def main() -> int:
    result, args = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    try:
        pid = os.posix_spawnp(args[0], args, os.environ)
    except OSError as exc:
        print(f"measure: cannot start {args[0]}: {exc}", file=sys.stderr)
        code, usage = 127, None
    else:
        _pid, status, usage = os.wait4(pid, 0)
        code = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    figures = {"seconds": seconds, "code": code,
               "cpu": usage.ru_utime + usage.ru_stime if usage else 0.0,
               "rss_kib": usage.ru_maxrss if usage else 0}
    with open(result, "w", encoding="utf-8") as fh:
        json.dump(figures, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
