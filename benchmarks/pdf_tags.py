"""What completing the structure tree (`katalog.render.pdf_tags`) costs on a built PDF.

    python benchmarks/pdf_tags.py build/katalog.pdf [build/pdf/*.pdf ...]

For each file: its pages, the CPU seconds of `complete()` on the open document with every
object already loaded (as in the assembly, which has just copied the parts in), of a save,
and of `complete_structure()` on the bytes (open, complete, save). A catalogue of 500
generated proposals (`benchmarks/generate.py --n 500`, about 1,530 pages) is the size to
look at.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import pikepdf

from katalog.render.pdf_tags import complete, complete_structure


def measure(path: Path) -> dict[str, float]:
    data = path.read_bytes()
    pdf = pikepdf.open(io.BytesIO(data))
    len(pdf.objects)  # load every object first, as after the assembly's copying
    start = time.process_time()
    done = complete(pdf)
    in_place = time.process_time() - start
    start = time.process_time()
    pdf.save(io.BytesIO(), deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    save = time.process_time() - start
    start = time.process_time()
    complete_structure(data)
    on_bytes = time.process_time() - start
    return {"pages": len(pdf.pages), "complete": in_place, "save": save,
            "complete_structure": on_bytes, "scopes": done.scopes, "artifacts": done.artifacts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdfs", type=Path, nargs="+")
    args = parser.parse_args()
    total: dict[str, float] = {}
    for path in args.pdfs:
        row = measure(path)
        for key, value in row.items():
            total[key] = total.get(key, 0) + value
    print(f"{len(args.pdfs)} file(s), {total['pages']:.0f} pages: complete() "
          f"{total['complete']:.2f} CPU-s ({1000 * total['complete'] / total['pages']:.2f} ms a "
          f"page), save {total['save']:.2f} s, complete_structure() on bytes "
          f"{total['complete_structure']:.2f} s; {total['scopes']:.0f} TH scoped, "
          f"{total['artifacts']:.0f} margin-box sequences made artifacts")


if __name__ == "__main__":
    main()
