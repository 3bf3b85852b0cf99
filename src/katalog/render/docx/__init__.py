"""The catalogue as Word documents: `katalog.docx` and one `docx/<id>.docx` per proposal.

Made from the Word template (`templates/word/katalog.docx`, or the municipality's own),
keeping its styles, headers, footers and page setup: the template is prepared once per
process (`template.WordTemplate`), bodies are written as WordprocessingML text (`compose`,
`ooxml`) and spliced into it, and the parts every file shares are compressed once
(`package`). Each proposal's content is written once (`fragment`) and used in both its
attachment and the catalogue.

`plan_docx` is a planner (see `render.plan`): the attachments are made in jobs of `CHUNK`
proposals (in the process pool when there are many), each returning its files, its
proposals' fragments and the template warnings it met; the catalogue's job, in the build's
process, fills in each fragment as soon as its job is done. The files are the same whatever
the number of processes, and reproducible (fixed zip timestamps, core properties from the
date).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Sequence

from ...compute import Totals
from ...model import Catalogue, Proposal
from ..html import danish_date
from ..plan import (
    Artifact,
    Inputs,
    Job,
    Notice,
    Options,
    Plan,
    Then,
    Where,
    bundle,
    piece,
    unbundle,
)
from ..templates import TemplateSet
from .compose import catalogue_body, proposal_body, proposal_parts
from .context import Context
from .fragment import Fragment, record
from .ooxml import Element
from .template import TemplateError, WordTemplate

TEMPLATE = "word/katalog.docx"
TEMPLATES = (TEMPLATE, "word/katalog.dotx")  # a Word template (.dotx) works as well
PARALLEL_MIN_PROPOSALS = 40  # fewer: everything in this process (a pool costs ≈ 0.3 s)
CHUNK = 25  # attachments per job
OUT = "docx"

__all__ = ["plan_docx", "TemplateError", "TEMPLATE"]


def _when(date: dt.date | None) -> dt.datetime:
    day = date or dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class _Build:
    """Everything a process needs to write any of the documents (one per build)."""

    cat: Catalogue
    totals: Totals
    template: bytes
    template_path: Path
    date: dt.date | None


_LOADED: dict[tuple[bytes, str], tuple[WordTemplate, list[str]]] = {}  # per process


def _template(build: _Build) -> tuple[WordTemplate, list[str]]:
    """The template prepared once per process (forked workers inherit the build process's),
    and the warnings it has given so far."""
    key = (hashlib.sha256(build.template).digest(), str(build.template_path))
    if key not in _LOADED:
        messages: list[str] = []
        _LOADED.clear()
        _LOADED[key] = (WordTemplate.load(build.template, build.template_path,
                                          messages.append), messages)
    return _LOADED[key]


def plan_docx(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """`katalog.docx` and `docx/<id>.docx`; template problems as notices."""
    path = _find_template(opts.templates)
    build = _Build(cat, totals, path.read_bytes(), path, opts.date)
    _, loaded = _template(build)  # a broken template fails here, before anything is made
    first = list(loaded)
    # in the catalogue's order, so the catalogue's job can use each chunk as soon as it is done
    index = {p.id: i for i, p in enumerate(cat.proposals)}
    order = list(dict.fromkeys([index[p.id] for t in cat.themes for p in cat.proposals_in(t.id)]
                               + list(range(len(cat.proposals)))))
    where = Where.POOL if len(order) >= PARALLEL_MIN_PROPOSALS else Where.HERE
    chunks = [tuple(order[i:i + CHUNK]) for i in range(0, len(order), CHUNK)]
    jobs = [Job(_attachments, (build, chunk), label=f"docx {k + 1}/{len(chunks)}", where=where)
            for k, chunk in enumerate(chunks)]
    where_is = {i: (k, j) for k, chunk in enumerate(chunks) for j, i in enumerate(chunk)}
    catalogue = Job(_catalogue, (build, where_is), deps=tuple(jobs), label="katalog.docx")
    files = [Artifact("katalog.docx", catalogue, part=0)]
    for i, p in enumerate(cat.proposals):
        k, j = where_is[i]
        files.append(Artifact(f"{OUT}/{p.id}.docx", jobs[k], part=j))
    sizes = [len(c) for c in chunks]
    return Plan(tuple(files), Then((catalogue, *jobs),
                                   partial(_warnings, str(path), first, sizes)))


def _find_template(templates: TemplateSet) -> Path:
    path = next((d / name for d in templates.dirs for name in TEMPLATES
                 if (d / name).is_file()), None)
    if path is None:
        raise TemplateError(f"Word-skabelonen {TEMPLATE} findes ikke")
    return path


def _attachments(build: _Build, chunk: Sequence[int]) -> bytes:
    """The attachments of the proposals at `chunk` (indexes in cat.proposals), their content
    as fragments for the catalogue, and the warnings met: one bundle of the files, then each
    fragment's text (WordprocessingML, as it is), then the fragments' operations and the
    warnings (JSON)."""
    template, messages = _template(build)
    start = len(messages)
    s = build.cat.settings
    when = _when(build.date)
    values = {"undertitel": s.subtitle, "organisation": s.organisation,
              "dato": danish_date(build.date)}
    props = {"author": s.organisation, "subject": s.subtitle}
    files: list[bytes] = []
    fragments: list[Fragment] = []
    scratch = template.scratch()
    for p in (build.cat.proposals[i] for i in chunk):
        fragment = record(scratch, partial(proposal_parts, p=p, cat=build.cat,
                                           totals=build.totals, level=2))
        title = f"{p.id} {p.title}"
        files.append(template.render(
            template.attachment,
            partial(proposal_body, p=p, cat=build.cat, totals=build.totals,
                    parts=partial(_fill, fragment)),
            {"titel": title, **values}, {"title": title, **props}, when))
        fragments.append(fragment)
    ops = json.dumps([f.ops for f in fragments], ensure_ascii=False).encode("utf-8")
    notes = json.dumps(messages[start:], ensure_ascii=False).encode("utf-8")
    return bundle([*files, *(f.text.encode("utf-8") for f in fragments), ops, notes])


def _fill(fragment: Fragment, ctx: Context, _p: Proposal, level: int) -> list[Element]:
    return [fragment.fill(ctx, level - 2)]


def _catalogue(build: _Build, where_is: dict[int, tuple[int, int]], inputs: Inputs) -> bytes:
    """`katalog.docx`, each proposal's fragment taken from its job's output when needed."""
    template, messages = _template(build)
    start = len(messages)
    cat, date = build.cat, build.date
    index = {p.id: i for i, p in enumerate(cat.proposals)}
    unpacked: dict[int, list[Fragment]] = {}

    def filled(ctx: Context, p: Proposal, level: int) -> list[Element]:
        k, j = where_is[index[p.id]]
        if k not in unpacked:
            parts = unbundle(inputs[k])  # [files…, fragments' texts…, operations, warnings]
            n = (len(parts) - 2) // 2
            ops = json.loads(parts[-2])
            unpacked[k] = [Fragment(parts[n + i].decode("utf-8"), [tuple(op) for op in ops[i]])
                           for i in range(n)]
        return [unpacked[k][j].fill(ctx, level - 2)]

    s = cat.settings
    data = template.render(
        template.catalogue, lambda ctx: catalogue_body(ctx, cat, build.totals, date, filled),
        {"titel": s.title, "undertitel": s.subtitle, "organisation": s.organisation,
         "dato": danish_date(date)},
        {"title": s.title, "author": s.organisation, "subject": s.subtitle}, _when(date))
    return bundle([data, json.dumps(messages[start:], ensure_ascii=False).encode("utf-8")])


def _warnings(path: str, first: list[str], sizes: list[int], outputs: Sequence[bytes]) -> Plan:
    """The template warnings, each once, in the order one process would meet them."""
    found = list(first) + json.loads(piece(outputs[0], 1))
    for size, out in zip(sizes, outputs[1:]):
        found += json.loads(piece(out, 2 * size + 1))
    unique = list(dict.fromkeys(found))
    return Plan(notices=tuple(Notice("docx-template", m, path) for m in unique))
