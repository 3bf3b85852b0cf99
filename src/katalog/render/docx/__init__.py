"""The catalogue as Word documents: `katalog.docx` and one `docx/<id>.docx` per proposal.

Made from the Word template (`templates/word/katalog.docx`, or the municipality's own):
python-docx opens it, empties its body and fills in the catalogue, keeping its styles,
headers, footers and page setup. Bodies are built detached and spliced in once (linear time);
files are written reproducibly (fixed zip timestamps and core properties from the date).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from ...compute import Totals
from ...model import Catalogue
from ..html import danish_date
from ..templates import TemplateSet
from .compose import catalogue_body, proposal_body
from .context import Context
from .ooxml import Element
from .package import save_reproducible, set_properties
from .template import (
    TemplateError,
    clear_body,
    ensure_danish,
    fill_placeholders,
    open_template,
    splice,
    update_fields_on_open,
)

TEMPLATE = "word/katalog.docx"
TEMPLATES = (TEMPLATE, "word/katalog.dotx")  # a Word template (.dotx) works as well

__all__ = ["render_docx", "TemplateError", "TEMPLATE"]


def _when(date: dt.date | None) -> dt.datetime:
    day = date or dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def render_docx(
    cat: Catalogue,
    totals: Totals,
    out: Path,
    templates: TemplateSet,
    date: dt.date | None = None,
    warn: Callable[[str, str], None] | None = None,
) -> list[Path]:
    """Write `out/katalog.docx` and `out/docx/<id>.docx`; returns the files written.

    `warn(path, message)` receives template problems (missing styles), once each.
    """
    path = next((d / name for d in templates.dirs for name in TEMPLATES
                 if (d / name).is_file()), None)
    if path is None:
        raise TemplateError(f"Word-skabelonen {TEMPLATE} findes ikke")
    data = path.read_bytes()
    seen: set[str] = set()

    def on_warning(message: str) -> None:
        if message not in seen:
            seen.add(message)
            if warn is not None:
                warn(str(path), message)

    s = cat.settings
    when = _when(date)
    written: list[Path] = []

    def write(target: Path, title: str, build: Callable[[Context], list[Element]],
              has_toc: bool = False) -> None:
        doc = open_template(data, path)
        sect = clear_body(doc)
        ctx = Context.create(doc, on_warning)
        splice(sect, build(ctx))
        fill_placeholders(doc, {"titel": title, "undertitel": s.subtitle,
                                "organisation": s.organisation,
                                "dato": danish_date(date)})
        ensure_danish(doc)
        if has_toc:
            update_fields_on_open(doc)
        set_properties(doc, title, s.organisation, when, subject=s.subtitle)
        target.parent.mkdir(parents=True, exist_ok=True)
        save_reproducible(doc, target, when)
        written.append(target)

    write(out / "katalog.docx", s.title, lambda ctx: catalogue_body(ctx, cat, totals, date),
          has_toc=True)
    for p in cat.proposals:
        write(out / "docx" / f"{p.id}.docx", f"{p.id} {p.title}",
              lambda ctx, p=p: proposal_body(ctx, p, cat, totals))  # type: ignore[misc]
    return written
