"""Build orchestration: check the content, plan every format, execute the plans into a fresh
folder, then swap it into place in one step. Nothing is written when the content is invalid
or a template lacks what katalog needs, and a failed build leaves the previous output
untouched. See docs/build.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from . import parallel
from .cache import Store, caching_enabled
from .content_cache import DocumentCache
from .issues import Report
from .model import Catalogue
from .output import (
    GITIGNORE,
    MARKER,
    Building,
    OutputRefused,
    carry_over,
    ensure_replaceable,
    locked,
    remove_abandoned,
    target,
    write_marker,
)
from .pipeline import check
from .render.plan import Options, Plan, Planner, combine
from .render.totals_files import FILES as TOTALS_FILES
from .render.totals_files import plan_totals

if TYPE_CHECKING:
    from .compute import Totals

__all__ = ["DEFAULT_FORMATS", "MARKER", "RENDERERS", "BuildError", "BuildResult", "Options",
           "OutputRefused", "build", "document_date", "ensure_replaceable", "parse_formats"]

CATALOGUE_PDF = "katalog.pdf"  # render.pdf's files (the module is imported only when used)
PROPOSALS_PDF = "pdf"


# The budget year's documents (SPEC §8) are part of the html, pdf and docx formats: each
# planner below combines the catalogue's plan with the budget documents' plan (which is empty
# until the council has decided).
BUDGET_DOCUMENTS = ("budgetaftale", "opfoelgning")  # render.budget_docs.AGREEMENT, FOLLOW_UP


def _plan_html(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    from .render.budget_html import plan_budget_html
    from .render.html import plan_html

    return combine(plan_html(cat, totals, opts), plan_budget_html(cat, totals, opts))


def _plan_pdf(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    from .render.budget_pdf import plan_budget_pdf
    from .render.pdf import plan_pdf  # WeasyPrint is slow to import: only when used

    return combine(plan_pdf(cat, totals, opts), plan_budget_pdf(cat, totals, opts))


def _plan_docx(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    from .render.docx import plan_docx  # python-docx is slow to import: only when used
    from .render.docx.budget import plan_budget_docx

    return combine(plan_docx(cat, totals, opts), plan_budget_docx(cat, totals, opts))


def _plan_xlsx(cat: Catalogue, totals: Totals, opts: Options) -> Plan:
    from .render.xlsx import plan_xlsx  # XlsxWriter only when the workbook is made

    return plan_xlsx(cat, totals, opts)


# what each format's planning and executing import (besides the executor and the templates),
# imported while the content is parsed in the pool (`_import_renderers`)
MODULES: dict[str, tuple[str, ...]] = {
    "totals": ("katalog.render.totals",),
    "html": ("katalog.render.html", "katalog.render.budget_html", "katalog.render.chart_draw"),
    "pdf": ("katalog.render.pdf", "katalog.render.budget_pdf", "katalog.render.chart_draw"),
    "docx": ("katalog.render.docx", "katalog.render.docx.budget"),
    "xlsx": ("katalog.render.xlsx",),
}

# name → (planner, the paths in the output folder its files are under)
RENDERERS: dict[str, tuple[Planner, tuple[str, ...]]] = {
    "totals": (plan_totals, TOTALS_FILES),
    "html": (_plan_html, ("html",)),
    "pdf": (_plan_pdf, (CATALOGUE_PDF, PROPOSALS_PDF, *(f"{d}.pdf" for d in BUDGET_DOCUMENTS))),
    "docx": (_plan_docx, ("katalog.docx", "docx", *(f"{d}.docx" for d in BUDGET_DOCUMENTS))),
    "xlsx": (_plan_xlsx, ("katalog.xlsx",)),
}
DEFAULT_FORMATS: tuple[str, ...] = tuple(RENDERERS)


def document_date(settings_date: dt.date | None, content: Path) -> dt.date:
    """The date the documents carry: `date` in catalogue.yaml, else SOURCE_DATE_EPOCH, else
    the content's last git commit, else today. Fixed dates keep builds reproducible."""
    if settings_date:
        return settings_date
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "--", "."],
            cwd=content, capture_output=True, text=True, timeout=10, check=False,
        )
        if out.returncode == 0 and out.stdout.strip():
            return dt.date.fromisoformat(out.stdout.strip())
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    return dt.date.today()


class BuildError(Exception):
    """The content is invalid; `report` says why. Nothing was written."""

    def __init__(self, report: Report) -> None:
        super().__init__("indholdet er ugyldigt")
        self.report = report


@dataclass
class BuildResult:
    """What a build wrote (`files`, absolute), its report (warnings included), and the labels
    of the jobs made now (`made`) and taken from the cache (`reused`)."""

    out: Path
    formats: list[str]
    report: Report
    files: list[Path] = field(default_factory=list)
    made: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


def parse_formats(text: str | Sequence[str] | None) -> list[str]:
    """`"html,pdf"` → `["html", "pdf"]`; ValueError names an unknown format."""
    if text is None:
        return list(DEFAULT_FORMATS)
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = [f.strip().lower() for f in items if f.strip()]
    for f in formats:
        if f not in RENDERERS:
            raise ValueError(
                f"ukendt format '{f}': vælg blandt {', '.join(RENDERERS)}"
            )
    return list(dict.fromkeys(formats)) or list(DEFAULT_FORMATS)


def build(
    content: Path | str,
    out: Path | str = "build",
    formats: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    templates: Path | str | None = None,
    cache: Store | bool = True,
) -> BuildResult:
    """Check `content` and write the chosen formats to `out`, replacing it atomically.

    Outputs of formats not built this time are carried over from the previous build.
    `templates` overrides the default look; by default a `templates/` folder beside the
    content folder is used when there is one. `cache` (default: `.katalog-cache/` beside
    `out`, unless KATALOG_NO_CACHE is set; or a `cache.Store`) keeps parsed content files and
    made parts between builds; `False` makes everything anew. The result is the same.
    """
    out = target(out)
    content = Path(content)
    formats = list(formats or DEFAULT_FORMATS)
    ensure_replaceable(out)
    say = progress or (lambda _msg: None)
    say("Læser og kontrollerer indholdet")
    store = _store(cache, out)
    with parallel.meanwhile(functools.partial(_import_renderers, formats)):
        checked = check(content, DocumentCache(store) if store.enabled else None)
    if not checked.ok or checked.totals is None:
        raise BuildError(checked.report)
    from .execute import execute
    from .render.templates import TemplateSet
    from .template_cache import TemplateBytecode

    if templates is None and (content.resolve().parent / "templates").is_dir():
        templates = content.resolve().parent / "templates"
    bytecode = TemplateBytecode(store) if store.enabled else None
    opts = Options(TemplateSet.create(templates, bytecode),
                   document_date(checked.catalogue.settings.date, content))
    plans = {}
    for name in formats:
        say(f"Planlægger {name}")
        plans[name] = RENDERERS[name][0](checked.catalogue, checked.totals, opts)
    building = _start(out)
    try:
        outcome = execute(plans, building.path, store, progress=say)
        _finish(building, formats)
    except BaseException:
        building.discard()
        raise
    for notice in outcome.notices:
        checked.report.warning(notice.code, notice.message, notice.path)
    own = {out / MARKER, out / GITIGNORE}  # katalog's housekeeping, not outputs
    files = sorted(p for p in out.rglob("*") if p.is_file() and p not in own)
    return BuildResult(out, formats, checked.report, files, outcome.ran, outcome.reused)


def _import_renderers(formats: Sequence[str]) -> None:
    """Import what planning and executing `formats` will (the executor, Jinja and the
    precompiled templates, the formats' renderers): done while the pool parses the content
    (`parallel.meanwhile`), this costs a first build nothing but the other core's time."""
    names = ["katalog.execute", "katalog.render.templates", "katalog.template_cache"]
    names += [m for f in formats for m in MODULES.get(f, ())]
    for name in dict.fromkeys(names):
        importlib.import_module(name)
    from .render.precompiled import loaded

    loaded()


def _start(out: Path) -> Building:
    try:
        return Building(out)
    except OSError as exc:
        raise OutputRefused(f"{out} kan ikke oprettes ({exc.strerror or exc})") from None


def _finish(building: Building, formats: Sequence[str]) -> None:
    """Carry over the previous build's files of the formats not built now, list everything
    in the marker and swap the new folder in, all under the parent folder's lock (builds
    into the same folder wait for each other here, not for the whole build)."""
    out = building.out
    rebuilt = {rel for name in formats for rel in RENDERERS[name][1]}
    keep = [rel for _name, (_plan, rels) in RENDERERS.items() for rel in rels
            if rel not in rebuilt]
    with locked(out.parent):
        remove_abandoned(out)
        ensure_replaceable(out)  # again: another build may have changed it meanwhile
        carry_over(out, building.path, keep)
        write_marker(building.path)
        building.swap()


def _store(cache: Store | bool, out: Path) -> Store:
    if isinstance(cache, Store):
        return cache
    return Store.beside(out) if cache and caching_enabled() else Store(None)
