"""The fields of the proposal form (`form`): a proposal and its catalogue as Jinja values
with Danish names, documented in docs/word-form.md.

Plain values (titles, amounts as Danish text, dates) are strings, escaped by Jinja's
autoescape when the form is filled. Tables and Markdown text are `Block`s: ready
WordprocessingML made by katalog's own builders (`tables`, `htmlwalk` over the sanitised
HTML of the one Markdown parse), so every character of the content is escaped by them. A
block goes in a paragraph of its own, `{{p forslag.tekst }}`; a block with rows can also be
looped over (`{%tr for r in forslag.opfølgning %}`) to lay out a table in the form itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Iterator, Mapping, Sequence

import lxml.html

from ...compute import Series, Totals
from ...labels import Labels, labels_for
from ...markdown import plain_text
from ...markdown import render as render_markdown
from ...model import Catalogue, Proposal
from ...numbers import sign_note, unit_label
from .. import view
from ..view import AREA_LABELS, GROUP_LABELS, KIND_LABELS, STATUS_LABELS
from .compose import danish_date
from .context import Context
from .fragment import Agreement, Outline, Piece, Segment
from .htmlwalk import HtmlWriter
from .ooxml import paragraph, ppr, run
from .tables import amount_table, text_table

SECTION_TOP = 2  # the body's own section headings, as the form's sections (Heading 2)
_MARK = "<!--katalog-felt:{}-->"  # before each block's XML, to name it in an error
END = "<!--katalog-felt:-->"  # after it (so the form's check can set the block aside)
MARK = re.compile(r"<!--katalog-felt:([^>]*)-->")  # either


class Block:
    """Block-level WordprocessingML (paragraphs, tables) for `{{p … }}`.

    False when empty (so `{%p if forslag.høring %}` works); iterating gives its rows. Given
    `make` instead of `xml`, the XML is made when the form first uses the block.
    """

    def __init__(self, name: str, xml: str = "", rows: Sequence[Mapping[str, Any]] = (),
                 make: Callable[[], str] | None = None) -> None:
        self.name = name
        self._xml = xml
        self._make = make
        self.rows = list(rows)

    @property
    def xml(self) -> str:
        if self._make is not None:
            self._xml, self._make = self._make(), None
        return self._xml

    def __html__(self) -> str:  # Jinja's autoescape inserts it as it is
        return _MARK.format(self.name) + self.xml + END if self.xml else ""

    def __str__(self) -> str:
        return _MARK.format(self.name) + self.xml if self.xml else ""

    def __bool__(self) -> bool:
        return bool(self.xml)

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class Shared:
    """What the catalogue's recording of a proposal kept (`fragment.keep`, `outline`), for
    the fields to fill in instead of converting the same content again: a piece is used
    when the recording was made at the form's section level and `agreement` covers it (the
    form's styles give the same ids); else the field is made as before."""

    def __init__(self, kept: Mapping[str, Any], agreement: Agreement) -> None:
        self._kept = kept if kept.get("level") == SECTION_TOP else {}
        self._agreement = agreement

    def piece(self, name: str) -> Piece | None:
        found = self._kept.get(name)
        return found if isinstance(found, Piece) and self._agreement.covers(found) else None

    def value(self, name: str) -> Any:
        """A value the recording kept besides its pieces (e.g. the economy's `view.Table`)."""
        return self._kept.get(name)

    def outline(self) -> Outline | None:
        found = self._kept.get("tekst")
        return found if isinstance(found, Outline) and self._agreement.covers(found.whole) \
            else None


def _filled(ctx: Context, outline: Outline, segments: Sequence[Segment], shift: int) -> str:
    """`segments` of `outline` filled into `ctx`'s document as one conversion of their HTML
    would make them: the paragraph style looked up first, unless the HTML is blank."""
    if len(segments) == 1 and segments[0].blank:
        return ""
    outline.style.fill(ctx)
    return "".join(e for s in segments for e in s.piece.fill(ctx, shift))


class Sections:
    """The body by its own section headings: `forslag.afsnit['Økonomi']` (any case; a
    section the proposal lacks is an empty block), or a loop over (overskrift, indhold)."""

    def __init__(self, sections: Sequence[tuple[str, Block]]) -> None:
        self._list = list(sections)
        self._by_name: dict[str, Block] = {}
        for title, block in self._list:
            self._by_name.setdefault(title.casefold(), block)

    def __getitem__(self, name: str) -> Block:
        return self._by_name.get(str(name).strip().casefold(),
                                 Block(f"forslag.afsnit['{name}']", ""))

    def __getattr__(self, name: str) -> Block:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __contains__(self, name: object) -> bool:
        return str(name).strip().casefold() in self._by_name

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter([{"overskrift": t, "indhold": b} for t, b in self._list])

    def __len__(self) -> int:
        return len(self._list)


def _by_year(series: Series | None, years: tuple[int, ...],
             fmt: Callable[[Series, tuple[int, ...]], tuple[str, ...]] = view.cells,
             ) -> dict[int, str]:
    return dict(zip(years, fmt(series, years) if series is not None else ("",) * len(years)))


def _split(ctx: Context, html: str, name: str) -> tuple[Block, list[tuple[str, Block]]]:
    """The text before the first top heading, and each top-level section of `html`."""
    if not html.strip():
        return Block(f"{name}.indledning", ""), []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    level = min((int(c.tag[1]) for c in root if isinstance(c.tag, str)
                 and re.fullmatch("h[1-6]", c.tag)), default=0)
    groups: list[tuple[str, list[str]]] = [("", [root.text or ""])]
    for child in root:
        if child.tag == f"h{level}":
            groups.append((" ".join(child.text_content().split()), []))
            tail = child.tail or ""
            groups[-1][1].append(tail)
        else:
            groups[-1][1].append(lxml.html.tostring(child, encoding="unicode"))
    writer = HtmlWriter(ctx)

    def made(parts: list[str]) -> Callable[[], str]:  # each section converted when used
        return lambda: "".join(writer.convert("".join(parts)))

    intro = Block("forslag.indledning", make=made(groups[0][1]))
    return intro, [(t, Block(f"forslag.afsnit['{t}']", make=made(parts)))
                   for t, parts in groups[1:]]


class Body:
    """The proposal's Markdown body: whole, by section, and the sections a form leaves out;
    each converted when the form first asks for it (or filled from the catalogue's
    conversion, `outline`, which is the same text: see `Shared`)."""

    def __init__(self, ctx: Context, source: str, outline: Outline | None = None) -> None:
        self.ctx = ctx
        self.source = source
        self.outline = outline
        self._split: tuple[Block, Sections] | None = None

    def whole(self) -> Block:
        if self.outline is not None:  # the body one level below the form's sections
            return Block("forslag.tekst", _filled(self.ctx, self.outline,
                                                  self.outline.segments, 1)
                         if self.outline.segments else "")
        return Block("forslag.tekst", "".join(HtmlWriter(self.ctx).convert(
            render_markdown(self.source, SECTION_TOP + 1).html)))

    def split(self) -> tuple[Block, Sections]:
        if self._split is None:
            if self.outline is not None:
                self._split = self._split_outline(self.outline)
            else:
                intro, sections = _split(self.ctx,
                                         render_markdown(self.source, SECTION_TOP).html,
                                         "forslag")
                self._split = intro, Sections(sections)
        return self._split

    def _split_outline(self, outline: Outline) -> tuple[Block, Sections]:
        """As `_split`: the text before the first of the highest top-level headings, and
        each section under one of them (without its heading)."""
        segments = outline.segments
        if not segments:
            return Block("forslag.indledning", ""), Sections([])
        level = min((s.level for s in segments if s.level), default=0)
        groups: list[tuple[str, list[Segment]]] = [("", [])]
        for s in segments:
            if s.level and s.level == level:
                groups.append((s.title, []))
            else:
                groups[-1][1].append(s)
        ctx = self.ctx

        def made(parts: list[Segment]) -> Callable[[], str]:  # each filled when used
            return lambda: _filled(ctx, outline, parts, 0)

        intro = Block("forslag.indledning", make=made(groups[0][1]))
        return intro, Sections([(t, Block(f"forslag.afsnit['{t}']", make=made(parts)))
                                for t, parts in groups[1:]])

    def others(self, *names: str) -> Block:
        """`forslag.øvrige_afsnit('Beskrivelse', 'Økonomi')`: the text before the first
        heading and every section not named, with its heading one level below the form's."""
        skip = {str(n).strip().casefold() for n in names}
        if self.outline is not None:
            segments = self.outline.segments
            if not segments:
                return Block("forslag.øvrige_afsnit", "")
            keep, kept = True, []
            for s in segments:
                if s.level == SECTION_TOP:
                    keep = s.title.casefold() not in skip
                if keep:
                    kept.append(s)
            return Block("forslag.øvrige_afsnit", _filled(self.ctx, self.outline, kept, 1))
        html = render_markdown(self.source, SECTION_TOP + 1).html
        if not html.strip():
            return Block("forslag.øvrige_afsnit", "")
        root = lxml.html.fragment_fromstring(html, create_parent="div")
        top = f"h{SECTION_TOP + 1}"
        keep, parts = True, [root.text or ""]
        for child in root:
            if child.tag == top:
                keep = " ".join(child.text_content().split()).casefold() not in skip
            if keep:
                parts.append(lxml.html.tostring(child, encoding="unicode"))
        return Block("forslag.øvrige_afsnit", "".join(HtmlWriter(self.ctx).convert("".join(parts))))


class Fields(Mapping[str, Any]):
    """Field values by name; those given as functions are computed when first read, so a
    form pays only for the tables and texts it shows (in the order it shows them)."""

    def __init__(self, values: dict[str, Any], lazy: dict[str, Callable[[], Any]],
                 names: Sequence[str] = ()) -> None:
        self._values = values
        self._lazy = lazy
        self._names = list(names) or [*values, *lazy]

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            if name not in self._lazy:
                raise KeyError(name)
            self._values[name] = self._lazy.pop(name)()
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _yesno(value: bool | None, labels: Labels) -> str:
    return "" if value is None else labels["yes"] if value else labels["no"]


def _table_of(ctx: Context, name: str, head: tuple[str, ...], items: list[dict[str, str]],
              shares: tuple[int, ...], kept: Piece | None = None) -> Block:
    if not items:
        return Block(name, "", [])
    if kept is not None:
        return Block(name, "".join(kept.fill(ctx)), items)
    return Block(name, text_table(ctx, head, [tuple(i.values()) for i in items], shares), items)


def _tables(ctx: Context, p: Proposal, cat: Catalogue, totals: Totals,
            shared: Shared | None = None) -> dict[str, Callable[[], Block]]:
    """The tables, each made when first asked for (or filled from `shared`)."""

    def piece(name: str) -> Piece | None:
        return shared.piece(name) if shared is not None else None

    pt = totals.proposals[p.id]
    years = cat.settings.years
    labels = labels_for(cat.settings)
    made: list[list[str]] = []
    tables: list[tuple[view.Table, list[dict[str, Any]]]] = []

    def economy_table() -> tuple[view.Table, list[dict[str, Any]]]:
        if not tables:
            found = shared.value("økonomitabel") if shared is not None else None
            table = found if isinstance(found, view.Table) \
                else view.economy_table(p, pt, cat.settings)
            tables.append((table, [{"tekst": r.label, "område": r.area, "type": r.kind,
                                    "beløb": dict(zip(years, r.cells))} for r in table.rows]))
        return tables[0]

    def economy() -> list[str]:
        if not made:
            kept = piece("økonomi")
            made.append(kept.fill(ctx) if kept is not None
                        else amount_table(ctx, economy_table()[0], labels))
        return made[0]

    def allocation() -> Block:
        kept = piece("fordeling")
        if kept is not None:
            return Block("forslag.fordeling", "".join(kept.fill(ctx)))
        allocated = view.allocation_table(p, pt, cat)
        return Block("forslag.fordeling",
                     "".join(amount_table(ctx, allocated, labels)) if allocated else "")

    def facts() -> Block:
        kept = piece("fakta")
        return Block("forslag.fakta", "".join(kept.fill(ctx)) if kept is not None
                     else text_table(ctx, None, view.facts(p, cat, totals), (1, 3)))

    followup = [{"mål": f.goal, "måling": f.measure, "ansvarlig": f.responsible,
                 "hvornår": f.when} for f in p.followup]
    consulted = [{"part": c.party, "godkendt": _yesno(c.approved, labels),
                  "dato": danish_date(c.date),
                  "bemærkning": c.note} for c in p.consulted]
    hearing = [{"part": h.body, "bemærkning": plain_text(render_markdown(h.comment).html)}
               for h in p.hearing]
    return {
        "økonomi": lambda: Block("forslag.økonomi", "".join(economy()), economy_table()[1]),
        "økonomitabel": lambda: Block("forslag.økonomitabel", next(
            e for e in economy() if e.startswith("<w:tbl>")), economy_table()[1]),
        "fordeling": allocation,
        "fakta": facts,
        "opfølgning": lambda: _table_of(
            ctx, "forslag.opfølgning",
            (labels["goal"], labels["measure"], labels["responsible"], labels["when"]), followup,
            (4, 4, 3, 3), piece("opfølgning")),
        "hørt": lambda: _table_of(
            ctx, "forslag.hørt",
            (labels["party"], labels["approved"], labels["date"], labels["remark"]),
            consulted, (4, 2, 3, 6), piece("hørt")),
        "høring": lambda: _hearing(ctx, p, hearing, piece("høring")),
    }


def _hearing(ctx: Context, p: Proposal, rows: list[dict[str, str]],
             kept: Piece | None = None) -> Block:
    """The hearing comments: each committee a heading ("Heading 3") above its comment, the
    comment's Markdown (paragraphs, bold, lists) converted; as a loop, `part` and
    `bemærkning` (plain text)."""
    if not rows:
        return Block("forslag.høring", "", [])
    if kept is not None:
        return Block("forslag.høring", "".join(kept.fill(ctx)), rows)
    writer = HtmlWriter(ctx)
    style = ctx.styles.para(f"Heading {SECTION_TOP + 1}")
    xml = []
    for body, comment in view.hearing(p):
        xml.append(paragraph(ppr(style, keep_next=True), [run(body)]))
        xml += writer.convert(render_markdown(comment, SECTION_TOP + 2).html)
    return Block("forslag.høring", "".join(xml), rows)


def proposal_fields(ctx: Context, p: Proposal, cat: Catalogue, totals: Totals,
                    shared: Shared | None = None) -> Fields:
    """Everything under `forslag` (see docs/word-form.md); `shared`: what the catalogue's
    recording of the proposal kept, to fill in instead of making it again."""
    pt = totals.proposals[p.id]
    years = cat.settings.years
    theme = cat.theme(p.theme)
    body = Body(ctx, p.body, shared.outline() if shared is not None else None)
    values = {
        "id": p.id, "titel": p.title, "resume": p.summary,
        "forvaltning": cat.department_name(p.department), "forvaltning_kode": p.department,
        "tema": theme.title if theme else p.theme, "tema_nummer": theme.number if theme else "",
        "tema_id": p.theme,
        "status": STATUS_LABELS[p.status], "status_kode": p.status,
        "type": KIND_LABELS.get(p.kind, p.kind) if p.kind else "", "type_kode": p.kind or "",
        "emner": list(p.tags), "tæller_med": pt.counted,
        "prisniveau": p.price_level or cat.settings.price_level,
        "beløb": _by_year(pt.total, years),
        "varig": _by_year(pt.by_group.get("varig"), years),
        "engang": _by_year(pt.by_group.get("engang"), years),
        "årsværk": _by_year(pt.fte, years, view.fte_cells) if (pt.fte.values or pt.fte.unknown)
        else {y: "" for y in years},
        "tilbagebetalingstid": f"{pt.payback} år" if pt.payback is not None else "",
        "øvrige_afsnit": body.others,
    }
    lazy: dict[str, Callable[[], Any]] = {
        "linjer": lambda: [
            {"tekst": line.text, "område": AREA_LABELS[line.area],
             "gruppe": GROUP_LABELS[line.group],
             "beløb": dict(zip(years, view.cells(Series.of(line.amounts), years)))}
            for line in p.lines],
        "tekst": body.whole, "indledning": lambda: body.split()[0],
        "afsnit": lambda: body.split()[1], **_tables(ctx, p, cat, totals, shared)}
    names = [*values]
    names.insert(names.index("øvrige_afsnit"), "linjer")  # where it has always stood
    return Fields(values, lazy, [*names, *(n for n in lazy if n != "linjer")])


def catalogue_fields(cat: Catalogue, date: dt.date | None) -> dict[str, Any]:
    """Everything under `katalog`."""
    s = cat.settings
    return {
        "titel": s.title, "undertitel": s.subtitle, "organisation": s.organisation,
        "år": list(s.years), "prisniveau": s.price_level,
        "enhed": unit_label(s.unit), "enhed_og_prisniveau": unit_label(s.unit, s.price_level),
        "dato": danish_date(date), "fortegn": sign_note(s.savings_sign),
    }


def form_values(ctx: Context, p: Proposal, cat: Catalogue, totals: Totals,
                date: dt.date | None, shared: Shared | None = None) -> dict[str, Any]:
    """The Jinja context of one proposal's form; the top-level `titel`, `undertitel`,
    `organisation` and `dato` are those katalog.docx's header and footer use."""
    katalog = catalogue_fields(cat, date)
    return {"forslag": proposal_fields(ctx, p, cat, totals, shared), "katalog": katalog,
            "etiketter": labels_for(cat.settings),
            "titel": f"{p.id} {p.title}", "undertitel": katalog["undertitel"],
            "organisation": katalog["organisation"], "dato": katalog["dato"]}

