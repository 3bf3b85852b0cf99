"""The same catalogue as one Markdown document, for timing pandoc on comparable content.

Each proposal contributes its heading, summary, its economic table ("Tabel 1", the same
formatted cells katalog shows, from `katalog.render.view`) as a Markdown pipe table, and its
Markdown body with the headings moved down one level. Themes contribute their heading and
introduction. Building this text is not timed; only pandoc's conversion of it is.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from katalog.compute import Totals
from katalog.model import Catalogue
from katalog.render import view


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|")


def table_markdown(table: view.Table) -> str:
    """A `view.Table` as a pipe table with its caption, unit and notes."""
    head = ["Linje", "Område", *table.head] if table.area_column else ["", *table.head]
    align = ["---", "---"] if table.area_column else ["---"]
    align += ["---:"] * len(table.years)
    rows = []
    for row in table.rows:
        label = f"**{row.label}**" if row.kind in ("subtotal", "total", "group") else row.label
        cells = [_escape(label)] + ([row.area] if table.area_column else [])
        cells += [_escape(c) or "-" for c in row.cells]
        rows.append("| " + " | ".join(cells) + " |")
    lines = [f"*{table.caption}* ({table.unit})", "",
             "| " + " | ".join(head) + " |", "|" + "|".join(align) + "|", *rows, ""]
    lines += [f"{note}  " for note in table.notes]
    return "\n".join(lines) + "\n"  # a blank line: what follows is a new block


def _shift(body: str, levels: int) -> str:
    return re.sub(r"^(#{1,6}) ", lambda m: "#" * min(6, len(m.group(1)) + levels) + " ",
                  body, flags=re.M)


def catalogue_markdown(cat: Catalogue, totals: Totals) -> str:
    """The whole catalogue as Markdown (pandoc's `markdown` reader; pipe tables)."""
    s = cat.settings
    parts = [f"% {s.title}\n% {s.organisation}\n"]
    for theme in cat.themes:
        parts.append(f"# Tema {theme.number}. {theme.title}\n\n{theme.body.strip()}\n")
        for p in cat.proposals_in(theme.id):
            pt = totals.proposals[p.id]
            parts.append(f"## {p.id} {p.title}\n")
            parts.append(f"**Kort resumé.** {p.summary}\n")
            parts.append(table_markdown(view.economy_table(p, pt, s)))
            parts.append(_shift(p.body.strip(), 1) + "\n")
    return "\n".join(parts)


def write_inputs(content: Path, folder: Path) -> Path:
    """Write the catalogue as `folder/katalog.md` and the PDF stylesheet beside it (not timed);
    returns the Markdown file."""
    from katalog.pipeline import check

    checked = check(content, cache=False)
    if not checked.ok or checked.catalogue is None or checked.totals is None:
        raise RuntimeError(f"{content}: invalid content")
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / "katalog.md"
    md.write_text(catalogue_markdown(checked.catalogue, checked.totals), encoding="utf-8")
    shutil.copyfile(Path(__file__).with_name("pandoc.css"), folder / "pandoc.css")
    return md
