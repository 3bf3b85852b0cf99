"""A git textconv driver: a proposal file → its amounts as a readable table + the file.

With `git config diff.katalog.textconv "katalog textconv"` and `*.md diff=katalog` in
`.gitattributes`, a plain `git diff` shows which line's amount changed in which year, in
Danish number format, above the usual diff of the file itself. The file is read on its own
(no catalogue.yaml), so years are the ones the file uses. Anything that is not a readable
proposal is passed through unchanged: a textconv driver must never fail.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from .numbers import format_exact
from .safefs import read_regular
from .source import MAX_FILE_BYTES, SourceError, decode, read_document

# A file over check's size limit is passed through as text (git must still show a diff), up
# to this many bytes; beyond it textconv refuses rather than read without end.
PASS_THROUGH_LIMIT = 16 * MAX_FILE_BYTES
HEADER = "# katalog: økonomi (beløb pr. år)"
SEPARATOR = "# ---- filen ----"


def _years(lines: list[dict[str, Any]]) -> list[Any]:
    keys: set[Any] = set()
    for line in lines:
        amounts = line.get("amounts")
        if isinstance(amounts, dict):
            keys |= set(amounts)
    return sorted(keys, key=lambda k: (not isinstance(k, int), str(k)))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return format_exact(Decimal(value))
    return str(value)


def amounts_table(economy: list[Any]) -> list[str]:
    """Aligned rows: line text, group, area and one column per year, then the total."""
    lines = [line for line in economy if isinstance(line, dict)]
    years = _years(lines)
    rows = [["Linje", "Gruppe", "Område", *map(str, years)]]
    sums: dict[Any, Decimal | None] = {y: None for y in years}
    unknown: set[Any] = set()
    for line in lines:
        raw = line.get("amounts")
        amounts: dict[Any, Any] = raw if isinstance(raw, dict) else {}
        rows.append([str(line.get("text", "")), str(line.get("group", "")),
                     str(line.get("area", "")), *(_cell(amounts.get(y)) for y in years)])
        for y in years:
            v = amounts.get(y)
            if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
                sums[y] = (sums[y] or Decimal(0)) + Decimal(v)
            elif v is not None:
                unknown.add(y)
    rows.append(["I alt", "", "", *("?" if y in unknown else _cell(sums[y]) for y in years)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [c.ljust(widths[i]) if i < 3 else c.rjust(widths[i]) for i, c in enumerate(row)]
        out.append(" | ".join(cells).rstrip())
    return out


def textconv(raw: bytes, path: str = "") -> str:
    """The textconv output for one file's bytes."""
    try:
        text = decode(raw)
    except SourceError:
        return raw.decode("utf-8", "replace")
    try:
        doc = read_document(raw, path, front_matter=path.endswith(".md") or text.startswith("---"))
    except Exception:  # noqa: BLE001 - a textconv driver passes bad files through
        return text
    data = doc.data if isinstance(doc.data, dict) else {}
    economy = data.get("economy")
    if not isinstance(economy, list):
        return text
    title = " ".join(str(data.get(k, "")) for k in ("id", "title")).strip()
    head = [HEADER + (f": {title}" if title else ""), *amounts_table(economy), SEPARATOR]
    return "\n".join(head) + "\n" + text


def textconv_file(path: str | Path) -> str:
    """The textconv output for a file on disk, read with `safefs.read_regular`: a FIFO, a
    device, a folder or a symlink is refused at once (never a hang or an endless read).

    Raises `OSError` with a Danish reason (`safefs.reason`) when the file cannot be read."""
    raw = read_regular(path, PASS_THROUGH_LIMIT)
    return textconv(raw, str(path))
