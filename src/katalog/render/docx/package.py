"""Saving a python-docx document reproducibly: same content → same bytes.

python-docx stamps every zip entry with the current time; here the package is written to
memory and copied into a new zip with one fixed timestamp, in python-docx's (deterministic)
part order with `[Content_Types].xml` first. Core properties are set from the document date.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx.document import Document

CONTENT_TYPES = "[Content_Types].xml"


def set_properties(doc: Document, title: str, author: str, when: dt.datetime,
                   subject: str = "", keywords: str = "") -> None:
    """Title, author (the organisation), language and fixed dates in docProps/core.xml."""
    props = doc.core_properties
    props.title = title
    props.subject = subject
    props.author = author
    props.last_modified_by = author
    props.language = "da-DK"
    props.keywords = keywords
    props.comments = ""
    props.category = ""
    props.created = when
    props.modified = when
    props.revision = 1


def save_reproducible(doc: Document, path: Path, when: dt.datetime) -> None:
    """Write `doc` to `path` with every zip entry dated `when` (at least 1980)."""
    raw = io.BytesIO()
    doc.save(raw)
    path.write_bytes(normalise_zip(raw.getvalue(), when))


def normalise_zip(data: bytes, when: dt.datetime) -> bytes:
    stamp = max(when.replace(tzinfo=None), dt.datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        names.sort(key=lambda n: n != CONTENT_TYPES)  # stable: keeps python-docx's order
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            dst.writestr(info, src.read(name), compresslevel=6)
    return out.getvalue()
