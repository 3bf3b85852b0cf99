"""PDF layout speed for a catalogue (default: the example): pages/s of `katalog.pdf` laid out
as one document in one WeasyPrint process (the baseline: same HTML, same options), then of
katalog's PDF build (the catalogue in parts in the process pool, plus every proposal's own
PDF, no cache).

    .venv/bin/python benchmarks/pdf_pages_per_second.py [CONTENT] [--workers N]

Pages counted are the catalogue's only (the proposals' own PDFs repeat them). Not a test: it
prints figures, it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from katalog import markdown
from katalog.build import convert_markdown, document_date
from katalog.pipeline import check
from katalog.render import pdf
from katalog.render.templates import TemplateSet


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", nargs="?", default=str(Path(__file__).parent.parent / "content"))
    parser.add_argument("--workers", type=int, default=pdf.default_workers())
    args = parser.parse_args()
    checked = check(args.content)
    if not checked.ok or checked.catalogue is None or checked.totals is None:
        print("indholdet er ugyldigt; kør katalog check", file=sys.stderr)
        return 1
    cat, totals = checked.catalogue, checked.totals
    date = document_date(cat.settings.date, Path(args.content))
    templates = TemplateSet.create()
    with markdown.primed(convert_markdown(cat)):
        job = pdf.catalogue_job(cat, totals, templates, date)
        start, cpu = time.perf_counter(), _cpu()
        one = pdf.render_job(job)
        base = time.perf_counter() - start
        print(f"{'1 process':>14}: {one.pages} pages in {base:6.2f} s (CPU {_cpu() - cpu:6.2f} s)"
              f" = {one.pages / base:5.1f} pages/s")
        with tempfile.TemporaryDirectory() as tmp:
            start, cpu = time.perf_counter(), _cpu()
            pdf.render_pdf(cat, totals, Path(tmp), templates, date, args.workers)
            seconds = time.perf_counter() - start
            from pypdf import PdfReader

            pages = len(PdfReader(Path(tmp) / pdf.CATALOGUE_FILE).pages)
        print(f"{f'build, pool {args.workers}':>14}: {pages} pages in {seconds:6.2f} s "
              f"(CPU {_cpu() - cpu:6.2f} s) = {pages / seconds:5.1f} pages/s "
              f"= {base / seconds * pages / one.pages:4.2f}× (+ {len(cat.proposals)} proposal PDFs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
