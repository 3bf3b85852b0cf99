"""The same catalogue as one Markdown document, for timing pandoc on comparable content.

The document carries what katalog's catalogue shows, in the same order, with the same
formatted cells (from `katalog.render.view`) as Markdown pipe tables: the overview (themes ×
years, the allocation by department and the target's allocation); each theme's heading,
introduction, table of proposals, alternatives and allocation; each proposal's heading,
summary, facts, economic table ("Tabel 1"), allocation table ("Tabel 2"), its Markdown body
with the headings moved down one level, who was consulted, the MED committees' remarks and
the follow-up. (Until 2026-12-04 it carried only the headings, introductions, summaries,
economic tables and bodies, and pandoc's PDF had a quarter fewer pages than katalog's for
the same catalogue.) Not carried: the cover's facts, the chart and the contents' page
numbers, which pandoc does not make. Building this text is not timed; only pandoc's
conversion of it is.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from katalog.compute import Totals
from katalog.labels import Labels, labels_for
from katalog.model import Catalogue, Proposal
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


def _pairs(rows: list[tuple[str, str]]) -> str:
    """Label-value rows (a proposal's facts) as a two-column pipe table."""
    lines = ["| | |", "|---|---|"]
    lines += [f"| {_escape(label)} | {_escape(value)} |" for label, value in rows]
    return "\n".join(lines) + "\n"


def _grid(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(_escape(c) or "-" for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _proposal(p: Proposal, cat: Catalogue, totals: Totals, labels: Labels) -> list[str]:
    pt = totals.proposals[p.id]
    parts = [f"## {p.id} {p.title}\n", f"**{labels['summary']}.** {p.summary}\n",
             _pairs(view.facts(p, cat, totals)),
             f"### {labels['economy']}\n", table_markdown(view.economy_table(p, pt, cat.settings))]
    allocation = view.allocation_table(p, pt, cat)
    if allocation is not None:
        parts.append(table_markdown(allocation))
    parts.append(_shift(p.body.strip(), 1) + "\n")
    if p.consulted:
        parts.append(f"### {labels['consulted']}\n")
        parts.append(_grid(
            [labels["party"], labels["approved"], labels["date"], labels["remark"]],
            [[c.party, "" if c.approved is None else labels["yes" if c.approved else "no"],
              c.date.isoformat() if c.date else "", c.note] for c in p.consulted]))
    if p.hearing:
        parts.append(f"### {labels['hearing']}\n")
        parts += [f"#### {h.body}\n\n{h.comment.strip()}\n" for h in p.hearing]
    if p.followup:
        parts.append(f"### {labels['followup']}\n")
        parts.append(_grid(
            [labels["goal"], labels["measure"], labels["responsible"], labels["when"]],
            [[f.goal, f.measure, f.responsible, f.when] for f in p.followup]))
    return parts


def catalogue_markdown(cat: Catalogue, totals: Totals) -> str:
    """The whole catalogue as Markdown (pandoc's `markdown` reader; pipe tables)."""
    s = cat.settings
    labels = labels_for(s)
    parts = [f"% {s.title}\n% {s.organisation}\n", f"# {labels['overview']}\n",
             table_markdown(view.overview_table(cat, totals))]
    parts += [table_markdown(t) for t in (view.allocated_table(cat, totals),
                                          view.target_allocation_table(cat, totals))
              if t is not None]
    for theme in cat.themes:
        parts.append(f"# Tema {theme.number}. {theme.title}\n\n{theme.body.strip()}\n")
        if not theme.merged_into:
            parts.append(table_markdown(view.theme_table(theme, cat, totals)))
        parts += [table_markdown(view.alternatives_table(g, cat, totals))
                  for g in view.alternative_groups_in(theme, cat, totals)]
        allocated = None if theme.merged_into else view.allocated_table(cat, totals, theme)
        if allocated is not None:
            parts.append(table_markdown(allocated))
        for p in cat.proposals_in(theme.id):
            parts += _proposal(p, cat, totals, labels)
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
