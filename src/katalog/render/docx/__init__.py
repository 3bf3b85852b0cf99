"""The catalogue as Word documents: `katalog.docx` and one `docx/<id>.docx` per proposal.

`katalog.docx` is made from the Word template (`templates/word/katalog.docx`, or the
municipality's own), keeping its styles, headers, footers and page setup (`template`), with
the catalogue's `look` (accent colour, font) applied to its styles and its logo on the cover
(`look`). The attachments `docx/<id>.docx` are the municipality's proposal form
(`templates/word/forslag.docx`) filled in with docxtpl (`form`): their own form when their
templates folder has one; else, when they have their own katalog.docx, the default form made
in its look (`form_default`); else the packaged default form.

`plan_docx` is a planner (see `render.plan`):
- the attachments are made in jobs of `CHUNK` proposals (in the process pool when there are
  many), each returning its files, its proposals' content for the catalogue as fragments
  (`fragment`) and the style warnings it met;
- the overview chart (`render.chart.overview_png`) is drawn once, in the pool, and cached;
- the catalogue's job, in the build's process, fills in each fragment as soon as its job is
  done; its contents lists every heading with a PAGEREF field (`toc.contents_elements`);
- for a small catalogue (`page_numbers`), one more job has LibreOffice lay the document out
  and stores the contents' page numbers (`toc.finish_contents`), in the pool;
- the next stage reports the warnings and which contents was made, as notices.
The files are the same whatever the number of processes, and reproducible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Sequence

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
from . import toc
from .compose import Pictures, catalogue_body, proposal_parts
from .context import Context
from .form import FORM, Form, FormError
from .form_fields import Shared
from .fragment import Agreement, Fragment, record
from .look import Image, ImageError, read_image
from .ooxml import Element
from .template import TemplateError, WordTemplate

TEMPLATE = "word/katalog.docx"
TEMPLATES = (TEMPLATE, "word/katalog.dotx")  # a Word template (.dotx) works as well
PARALLEL_MIN_PROPOSALS = 40  # fewer: everything in this process (a pool costs ≈ 0.3 s)
CHUNK = 25  # attachments per job
OUT = "docx"
PAGE_NUMBERS_AUTO_MAX = 50  # proposals: up to this, `auto` stores the contents' page numbers
PAGE_NUMBERS_ENV = "KATALOG_SIDETAL"  # auto | ja | nej (until the lead adds a setting)
LOGO_MAX_BYTES = 5 * 1024 * 1024
# Notice codes. The contents' status and a logo Word cannot show should get codes of their
# own (docx-contents as information, docx-logo as a warning) once katalog.issues has them;
# until then they are reported under the documented docx-template.
CONTENTS_CODE = "docx-template"
LOGO_CODE = "docx-template"

STATUS_TOO_BIG = ("indholdsfortegnelse uden sidetal i Word: kataloget har {n} forslag, og "
                  "over {limit} beregnes sidetallene ikke automatisk (det tager LibreOffice "
                  "ca. {seconds} sekunder; vælg det med {env}=ja). LibreOffice viser "
                  "sidetallene, Word efter F9")
STATUS_TURNED_OFF = ("indholdsfortegnelse uden sidetal i Word: fravalgt ({env}=nej); "
                     "LibreOffice viser sidetallene, Word efter F9")

__all__ = ["plan_docx", "TemplateError", "FormError", "TEMPLATE", "page_numbers"]


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
    form: bytes | None  # None: the default form in the template's look
    form_name: str
    date: dt.date | None
    logo: Image | None = None


_LOADED: dict[tuple[bytes, str, str], tuple[Any, list[str]]] = {}  # per process


def _prepared(build: _Build, kind: str) -> tuple[Any, list[str]]:
    """The template (`kind` "template") or form ("form") prepared once per process (forked
    workers inherit the build process's), and the warnings it has given so far."""
    look = build.cat.settings.look
    data = build.template if kind == "template" else (build.form or b"")
    key = (hashlib.sha256(data).digest() + hashlib.sha256(build.template).digest(),
           f"{look.accent}|{look.font}|{build.template_path}|{build.form_name}", kind)
    if key not in _LOADED:
        for old in [k for k in _LOADED if k[2] == kind]:
            del _LOADED[old]
        messages: list[str] = []
        if kind == "template":
            made: Any = WordTemplate.load(build.template, build.template_path, messages.append,
                                          look.accent, look.font)
        else:
            from .form_default import default_form

            form = build.form if build.form is not None else default_form(build.template)
            made = Form.load(form, build.form_name, messages.append, look.accent, look.font)
        _LOADED[key] = (made, messages)
    return _LOADED[key]


def page_numbers(cat: Catalogue, opts: Options) -> tuple[bool, str]:
    """Whether to store the contents' page numbers with LibreOffice, and if not, why (the
    status for the build's summary). `auto` (default) does it up to PAGE_NUMBERS_AUTO_MAX
    proposals: LibreOffice costs ≈ 0.15–0.25 CPU-s per proposal besides its start."""
    choice = str(getattr(opts, "page_numbers", None) or os.environ.get(PAGE_NUMBERS_ENV)
                 or "auto").strip().lower()
    if choice in ("nej", "no", "false", "0", "fra"):
        return False, STATUS_TURNED_OFF.format(env=PAGE_NUMBERS_ENV)
    n = len(cat.proposals)
    if choice not in ("ja", "yes", "true", "1", "til") and n > PAGE_NUMBERS_AUTO_MAX:
        return False, STATUS_TOO_BIG.format(n=n, limit=PAGE_NUMBERS_AUTO_MAX,
                                            seconds=max(5, round(n * 0.2)),
                                            env=PAGE_NUMBERS_ENV)
    if toc.find_soffice() is None:
        return False, toc.STATUS_NO_LIBREOFFICE
    return True, ""


def plan_docx(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    """`katalog.docx` and `docx/<id>.docx`; template problems and the contents as notices."""
    path = _find_template(opts.templates)
    template = path.read_bytes()
    form, form_name = _find_form(opts.templates, path, template)
    logo, logo_notices = _logo(cat, opts)
    build = _Build(cat, totals, template, path, form, form_name, opts.date, logo)
    # a broken template or form fails here, before anything is made
    first = list(_prepared(build, "template")[1]) + list(_prepared(build, "form")[1])
    # in the catalogue's order, so the catalogue's job can use each chunk as soon as it is done
    index = {p.id: i for i, p in enumerate(cat.proposals)}
    order = list(dict.fromkeys([index[p.id] for t in cat.themes for p in cat.proposals_in(t.id)]
                               + list(range(len(cat.proposals)))))
    where = Where.POOL if len(order) >= PARALLEL_MIN_PROPOSALS else Where.HERE
    chunks = [tuple(order[i:i + CHUNK]) for i in range(0, len(order), CHUNK)]
    keys = _Keys(build)
    jobs = [Job(_attachments, (build, chunk), key=keys.chunk(chunk),
                label=f"docx {k + 1}/{len(chunks)}", where=where)
            for k, chunk in enumerate(chunks)]
    chart = _chart_job(cat, totals)
    where_is = {i: (k, j) for k, chunk in enumerate(chunks) for j, i in enumerate(chunk)}
    # the chart first: it is the longest job, and the catalogue needs it near its start
    catalogue = Job(_catalogue, (build, where_is, chart is not None),
                    key=keys.catalogue(where_is, chart is not None),
                    deps=(*([chart] if chart else []), *jobs), label="katalog.docx")
    numbered, status = page_numbers(cat, opts)
    final = catalogue
    if numbered:
        final = Job(_finish, (), deps=(catalogue,), label="katalog.docx sidetal",
                    where=Where.POOL, previous="katalog.docx sidetal")
    files = [Artifact("katalog.docx", final, part=0)]
    for i, p in enumerate(cat.proposals):
        k, j = where_is[i]
        files.append(Artifact(f"{OUT}/{p.id}.docx", jobs[k], part=j))
    sizes = [len(c) for c in chunks]
    return Plan(tuple(files), Then((catalogue, final, *jobs), partial(
        _notices, str(path), first, sizes, status)), notices=tuple(logo_notices))


class _Keys:
    """Key material of the Word jobs (see `render.plan.Job.key`): what their bytes depend on.

    An attachment chunk depends on the template, the form and the logo (by digest), the
    document date, the settings and themes (labels, departments, look, theme titles), the
    totals every proposal's facts read (decimals, alternative groups, whether the budget
    year is followed up) and, for each of its proposals, the proposal, its totals and its
    budget-year figures: editing one proposal makes its chunk (and the catalogue) anew, the
    other chunks come from the cache. The catalogue depends on all of the catalogue and its
    totals besides. (The executor fingerprints it with one memo per build, so a proposal is
    walked once for its chunk's key and the catalogue's.)"""

    def __init__(self, build: _Build) -> None:
        self.build = build
        cat, totals = build.cat, build.totals
        budget = totals.budget
        self.shared = (
            "docx", hashlib.sha256(build.template).hexdigest(), str(build.template_path),
            hashlib.sha256(build.form).hexdigest() if build.form is not None else None,
            build.form_name, build.date, build.logo, cat.settings, cat.themes,
            totals.decimals, totals.alternative_groups,
            budget.followed_up if budget is not None else None)

    def chunk(self, chunk: Sequence[int]) -> tuple[Any, ...]:
        cat, totals = self.build.cat, self.build.totals
        budget = totals.budget
        proposals = [cat.proposals[i] for i in chunk]
        return (self.shared, [
            (p, totals.proposals[p.id],
             budget.proposals.get(p.id) if budget is not None else None) for p in proposals])

    def catalogue(self, where_is: dict[int, tuple[int, int]],
                  has_chart: bool) -> tuple[Any, ...]:
        return (self.shared, self.build.cat, self.build.totals, sorted(where_is.items()),
                has_chart)


def _find_template(templates: TemplateSet) -> Path:
    path = next((d / name for d in templates.dirs for name in TEMPLATES
                 if (d / name).is_file()), None)
    if path is None:
        raise TemplateError(f"Word-skabelonen {TEMPLATE} findes ikke")
    return path


def _find_form(templates: TemplateSet, template: Path, data: bytes) -> tuple[bytes | None, str]:
    """The form's bytes and name: the first templates folder's form, unless the Word template
    comes from a folder before it (the municipality's own katalog.docx without a form): then
    None, the default form made in that template's look."""
    dirs = list(templates.dirs)
    at = next(i for i, d in enumerate(dirs) if template.parent.parent == d)
    form = next(((i, d / FORM) for i, d in enumerate(dirs) if (d / FORM).is_file()), None)
    if form is not None and form[0] <= at:
        return form[1].read_bytes(), str(form[1])
    return None, f"standardformularen i udseendet fra {template}"


def _logo(cat: Catalogue, opts: Options) -> tuple[Image | None, list[Notice]]:
    """The look's logo, read from the content folder (`opts.content`); a logo that cannot be
    shown is a notice, never a failed build."""
    name = cat.settings.look.logo
    folder = getattr(opts, "content", None)
    if not name or folder is None:
        return None, []
    from ...safefs import read_regular

    try:
        return read_image(read_regular(Path(folder) / name, LOGO_MAX_BYTES), name), []
    except (OSError, ImageError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return None, [Notice(LOGO_CODE, f"logoet {name} kan ikke vises i Word: {reason}",
                             "catalogue.yaml")]


def _chart_job(cat: Catalogue, totals: Totals) -> Job | None:
    """The overview chart as a PNG (Pillow, ≈ 50 ms), drawn once per build in the pool and
    cached; None when it would be empty."""
    from ..chart import overview_data

    data = overview_data(cat, totals)
    if not data.stacks:
        return None
    accent = cat.settings.look.accent
    return Job(_chart, (cat, totals, accent), key=("overview.png", data, accent),
               label="docx oversigtsdiagram", where=Where.POOL)


def _chart(cat: Catalogue, totals: Totals, accent: str | None) -> bytes:
    from ..chart import overview_png

    return overview_png(cat, totals, accent)


def _attachments(build: _Build, chunk: Sequence[int]) -> bytes:
    """The attachments of the proposals at `chunk` (indexes in cat.proposals): each filled
    into the form, and its content for the catalogue as a fragment; one bundle of the files,
    then each fragment's text (WordprocessingML, as it is), then the fragments' operations
    and the warnings met (JSON)."""
    template, messages = _prepared(build, "template")
    form, form_messages = _prepared(build, "form")
    start, form_start = len(messages), len(form_messages)
    files: list[bytes] = []
    fragments: list[Fragment] = []
    scratch = template.scratch()
    # the catalogue's recording of each proposal keeps its pieces, and the form fills them
    # in where its styles agree with the template's: each proposal's Markdown and tables are
    # made once (the same text as making them again for the form)
    agrees = Agreement(template.styles, template.attachment.lists, template.width,
                       form.styles, form.lists, form.width)
    agreement = agrees if agrees.possible else None
    for p in (build.cat.proposals[i] for i in chunk):
        kept: dict[str, Any] = {}
        fragments.append(record(scratch, partial(proposal_parts, p=p, cat=build.cat,
                                                 totals=build.totals, level=2),
                                kept if agreement is not None else None))
        files.append(form.fill(build.cat, build.totals, p, build.date,
                               Shared(kept, agreement) if agreement is not None else None))
    ops = json.dumps([f.ops for f in fragments], ensure_ascii=False).encode("utf-8")
    met = messages[start:] + form_messages[form_start:]
    notes = json.dumps(met, ensure_ascii=False).encode("utf-8")
    return bundle([*files, *(f.text.encode("utf-8") for f in fragments), ops, notes])


def _catalogue(build: _Build, where_is: dict[int, tuple[int, int]], has_chart: bool,
               inputs: Sequence[bytes] = ()) -> bytes:
    """`katalog.docx`, each proposal's fragment taken from its job's output when needed
    (no inputs: no proposals and no chart)."""
    template, messages = _prepared(build, "template")
    start = len(messages)
    cat, date = build.cat, build.date
    index = {p.id: i for i, p in enumerate(cat.proposals)}
    unpacked: dict[int, list[Fragment]] = {}
    first = 1 if has_chart else 0  # inputs: [the chart], then the chunks in order

    def filled(ctx: Context, p: Proposal, level: int) -> list[Element]:
        k, j = where_is[index[p.id]]
        if k not in unpacked:
            parts = unbundle(inputs[k + first])  # [files…, fragments' texts…, operations, warnings]
            n = (len(parts) - 2) // 2
            ops = json.loads(parts[-2])
            unpacked[k] = [Fragment(parts[n + i].decode("utf-8"), [tuple(op) for op in ops[i]])
                           for i in range(n)]
        return [unpacked[k][j].fill(ctx, level - 2)]

    s = cat.settings
    data = template.render(
        template.catalogue,
        lambda ctx: catalogue_body(ctx, cat, build.totals, date, filled,
                                   _pictures(build, inputs[0] if has_chart else None)),
        {"titel": s.title, "undertitel": s.subtitle, "organisation": s.organisation,
         "dato": danish_date(date)},
        {"title": s.title, "author": s.organisation, "subject": s.subtitle}, _when(date))
    return bundle([data, json.dumps(messages[start:], ensure_ascii=False).encode("utf-8")])


def _pictures(build: _Build, chart: bytes | None) -> Pictures:
    from ..chart import overview_alt
    from .look import png_size

    cat = build.cat
    logo_alt = f"{cat.settings.organisation}s logo" if cat.settings.organisation else "Logo"
    if chart is None:
        return Pictures(build.logo, logo_alt)
    return Pictures(build.logo, logo_alt, Image(chart, "png", *png_size(chart)),
                    overview_alt(cat, build.totals))


def _finish(inputs: Inputs) -> bytes:
    """katalog.docx with the contents' page numbers stored (LibreOffice), and the status.
    When the catalogue is the one the last build numbered (same key) and LibreOffice gave
    the numbers then, that result is used again: LibreOffice takes seconds. A result
    without numbers (LibreOffice missing or failed) is never reused: it is tried again."""
    last = inputs.previous
    if (last is not None and inputs.keys and None not in inputs.keys
            and tuple(last.keys) == tuple(inputs.keys)
            and piece(last.output, 1).decode("utf-8") == toc.STATUS_NUMBERS):
        return last.output
    finished, status = toc.finish_contents(piece(inputs[0], 0))
    return bundle([finished, status.encode("utf-8")])


def _notices(path: str, first: list[str], sizes: list[int], status: str,
             outputs: Sequence[bytes]) -> Plan:
    """The template and form warnings, each once, in the order one process would meet them,
    and which contents katalog.docx got."""
    catalogue, final, chunks = outputs[0], outputs[1], outputs[2:]
    found = list(first) + json.loads(piece(catalogue, 1))
    for size, out in zip(sizes, chunks):
        found += json.loads(piece(out, 2 * size + 1))
    notices = [Notice("docx-template", m, path) for m in dict.fromkeys(found)]
    said = status or piece(final, 1).decode("utf-8")
    if said != toc.STATUS_NUMBERS:  # a contents without page numbers in Word: say why
        notices.append(Notice(CONTENTS_CODE, said, "katalog.docx"))
    return Plan(notices=tuple(notices))
