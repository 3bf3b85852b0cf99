"""Writing .docx packages reproducibly and fast: same content → same bytes.

Every file is a zip of the template's parts (as python-docx serialises them) in python-docx's
part order with `[Content_Types].xml` first, every entry deflated at level 6 and dated with
the document date. Parts that are the same in every file (styles, theme, fonts, …) are
compressed once per build (`Member`) and their compressed bytes copied into each file; only
the parts that differ (the document, its relationships, numbering, headers and footers,
core properties) are compressed per file. The bytes are exactly what `zipfile` writes
(`normalise_zip`, kept for reference and tests).
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from docx.document import Document
from docx.opc.coreprops import CoreProperties

CONTENT_TYPES = "[Content_Types].xml"
LEVEL = 6
_ZIP: Any = zipfile  # its header layouts (`structFileHeader`, …) are not in the stubs
_VERSION = 20  # zipfile's version for a deflated entry (needed to extract, made by)
_ATTR = 0o644 << 16
_UTF8 = 0x800


@dataclass(frozen=True)
class Member:
    """One zip entry, compressed: its name, CRC-32, size and deflated bytes."""

    name: str
    crc: int
    size: int
    data: bytes

    @classmethod
    def of(cls, name: str, blob: bytes) -> "Member":
        data = zlib.compress(blob, LEVEL, wbits=-15)  # as zipfile's compressobj(LEVEL, …, -15)
        return cls(name, zlib.crc32(blob), len(blob), data)


def stamp(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """The zip entries' date: `when` (at least 1980), as zip stores it."""
    day = max(when.replace(tzinfo=None), dt.datetime(1980, 1, 1))
    return day.year, day.month, day.day, day.hour, day.minute, day.second


def write_zip(members: Sequence[Member], overrides: Mapping[str, bytes],
              when: dt.datetime) -> bytes:
    """The package of `members` in order, each replaced by `overrides[name]` when given;
    byte for byte what `normalise_zip` makes of the same parts."""
    entries = [Member.of(m.name, overrides[m.name]) if m.name in overrides else m
               for m in members]
    if any(m.size * 1.05 > zipfile.ZIP64_LIMIT or len(m.data) > zipfile.ZIP64_LIMIT
           for m in entries):  # a giant document: let zipfile write its Zip64 records
        return _zipfile_write([(m.name, zlib.decompress(m.data, -15)) for m in entries], when)
    year, month, day, hour, minute, second = stamp(when)
    dosdate = (year - 1980) << 9 | month << 5 | day
    dostime = hour << 11 | minute << 5 | second // 2
    out = io.BytesIO()
    central = []
    for m in entries:
        try:
            name, flags = m.name.encode("ascii"), 0
        except UnicodeEncodeError:
            name, flags = m.name.encode("utf-8"), _UTF8
        offset = out.tell()
        out.write(struct.pack(_ZIP.structFileHeader, _ZIP.stringFileHeader, _VERSION, 0,
                              flags, zipfile.ZIP_DEFLATED, dostime, dosdate, m.crc,
                              len(m.data), m.size, len(name), 0))
        out.write(name)
        out.write(m.data)
        central.append(struct.pack(_ZIP.structCentralDir, _ZIP.stringCentralDir,
                                   _VERSION, 0, _VERSION, 0, flags, zipfile.ZIP_DEFLATED,
                                   dostime, dosdate, m.crc, len(m.data), m.size, len(name),
                                   0, 0, 0, 0, _ATTR, offset) + name)
    start = out.tell()
    for record in central:
        out.write(record)
    size = out.tell() - start
    if start > zipfile.ZIP64_LIMIT or size > zipfile.ZIP64_LIMIT:
        return _zipfile_write([(m.name, zlib.decompress(m.data, -15)) for m in entries], when)
    out.write(struct.pack(_ZIP.structEndArchive, _ZIP.stringEndArchive, 0, 0,
                          len(entries), len(entries), size, start, 0))
    return out.getvalue()


def members_of(package: bytes) -> list[Member]:
    """The entries of a package python-docx saved, `[Content_Types].xml` first (else in
    python-docx's order), each compressed as katalog writes it (a large part that another
    package of this process already had, such as the form's styles, which are the Word
    template's, is compressed once)."""
    with zipfile.ZipFile(io.BytesIO(package)) as src:
        names = src.namelist()
        names.sort(key=lambda n: n != CONTENT_TYPES)  # stable: keeps python-docx's order
        return [_member(name, src.read(name)) for name in names]


_MEMBERS: dict[tuple[str, bytes], Member] = {}  # large parts of the packages prepared so far
_LARGE = 64 * 1024


def _member(name: str, blob: bytes) -> Member:
    if len(blob) < _LARGE:
        return Member.of(name, blob)
    key = (name, blob)
    found = _MEMBERS.get(key)
    if found is None:
        if len(_MEMBERS) >= 16:  # a few templates and forms per build: keep it small
            _MEMBERS.clear()
        found = _MEMBERS[key] = Member.of(name, blob)
    return found


def set_properties(props: CoreProperties, title: str, author: str, when: dt.datetime,
                   subject: str = "", keywords: str = "") -> None:
    """Title, author (the organisation), language and fixed dates in docProps/core.xml.
    Texts longer than a core property may hold (`PROPERTY_MAX` characters) are cut short
    with "…": a long title is valid content, and the document shows it whole."""
    props.title = fit_property(title)
    props.subject = fit_property(subject)
    props.author = fit_property(author)
    props.last_modified_by = fit_property(author)
    props.language = "da-DK"
    props.keywords = fit_property(keywords)
    props.comments = ""
    props.category = ""
    props.created = when
    props.modified = when
    props.revision = 1


PROPERTY_MAX = 255  # characters in a core property (python-docx refuses more)


def fit_property(text: str) -> str:
    """`text`, cut to `PROPERTY_MAX` characters (ending in "…") when longer."""
    return text if len(text) <= PROPERTY_MAX else text[:PROPERTY_MAX - 1] + "…"


def save_reproducible(doc: Document, path: Path, when: dt.datetime) -> None:
    """Write a python-docx document to `path` with every zip entry dated `when`."""
    raw = io.BytesIO()
    doc.save(raw)
    path.write_bytes(normalise_zip(raw.getvalue(), when))


def normalise_zip(data: bytes, when: dt.datetime) -> bytes:
    """A package with every entry dated `when`, `[Content_Types].xml` first (via zipfile)."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
        names.sort(key=lambda n: n != CONTENT_TYPES)
        return _zipfile_write([(name, src.read(name)) for name in names], when)


def _zipfile_write(parts: Sequence[tuple[str, bytes]], when: dt.datetime) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, blob in parts:
            info = zipfile.ZipInfo(name, date_time=stamp(when))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = _ATTR
            info.create_system = 0
            dst.writestr(info, blob, compresslevel=LEVEL)
    return out.getvalue()
