"""PDF layout speed for a catalogue (default: the example): pages/s rendering every PDF of a
build (katalog.pdf + one per proposal) in one process, then with the build's process pool.

    .venv/bin/python benchmarks/pdf_pages_per_second.py [CONTENT] [--workers N]

Not a test: it prints figures, it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from katalog.build import document_date
from katalog.pipeline import check
from katalog.render import pdf
from katalog.render.templates import TemplateSet


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", nargs="?", default=str(Path(__file__).parent.parent / "content"))
    parser.add_argument("--workers", type=int, default=pdf.default_workers())
    args = parser.parse_args()
    checked = check(args.content)
    if not checked.ok or checked.catalogue is None or checked.totals is None:
        print("indholdet er ugyldigt; kør katalog check", file=sys.stderr)
        return 1
    cat = checked.catalogue
    date = document_date(cat.settings.date, Path(args.content))
    jobs = pdf.jobs(cat, checked.totals, TemplateSet.create(), date)
    print(f"{len(jobs)} PDFs ({len(cat.proposals)} forslag + hele kataloget)")
    for label, workers in (("1 process", 1), (f"pool of {args.workers}", args.workers)):
        start = time.perf_counter()
        results = pdf.run_jobs(jobs, workers)
        seconds = time.perf_counter() - start
        pages = sum(r.pages for r in results)
        print(f"{label:>12}: {pages} pages in {seconds:6.2f} s = {pages / seconds:5.1f} pages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
