"""Make the default proposal form `forslag.docx` (run once; the result is committed).

    .venv/bin/python templates/word/make_form.py

The form is `katalog.docx` (its styles, page setup, header and footer) with the structure of
a municipal proposal form written in Jinja fields (see docs/word-form.md). The generator is
`katalog.render.docx.form_default.default_form`, so the file is the same bytes every time;
tests/test_docx_form.py checks that the committed file is what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "src"))

from katalog.render.docx.form_default import default_form  # noqa: E402


def make(target: Path) -> None:
    target.write_bytes(default_form((HERE / "katalog.docx").read_bytes()))


if __name__ == "__main__":
    make(HERE / "forslag.docx")
    print(f"skrev {HERE / 'forslag.docx'}")
