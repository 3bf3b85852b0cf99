"""Build orchestration: check the content, render each format into a fresh folder, then swap
it into place in one step. Nothing is written when the content is invalid, and a failed build
leaves the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .cache import DocumentCache, PageCache, caching_enabled
from .compute import Totals
from .issues import Report
from .model import Catalogue
from .pipeline import check
from .render import totals as totals_render
from .render.html import render_html
from .render.pdf import CATALOGUE_FILE, PROPOSALS_DIR, render_pdf
from .render.templates import TemplateSet

MARKER = ".katalog-build"


@dataclass(frozen=True)
class Options:
    """What renderers need besides the model: the look and the document date."""

    templates: TemplateSet
    date: dt.date | None = None
    cache: PageCache | None = None  # rendered pages by key (katalog.cache); None = no cache
    report: Report | None = None  # renderers add warnings here (e.g. a template's missing style)


Renderer = Callable[[Catalogue, Totals, Path, Options], None]


def _write_totals(cat: Catalogue, totals: Totals, out: Path, _opts: Options) -> None:
    (out / "totals.json").write_text(totals_render.to_json(cat, totals), encoding="utf-8")
    (out / "totals.md").write_text(totals_render.to_markdown(cat, totals), encoding="utf-8")
    (out / "totals.csv").write_text(totals_render.to_csv(cat, totals), encoding="utf-8-sig")


def _write_html(cat: Catalogue, totals: Totals, out: Path, opts: Options) -> None:
    render_html(cat, totals, out / "html", opts.templates, opts.date, opts.cache)


def _write_docx(cat: Catalogue, totals: Totals, out: Path, opts: Options) -> None:
    report = opts.report

    def warn(path: str, message: str) -> None:
        if report is not None:
            report.warning("docx-template", message, path)

    from .render.docx import render_docx  # python-docx is slow to import: only when used

    render_docx(cat, totals, out, opts.templates, opts.date, warn)


def _write_pdf(cat: Catalogue, totals: Totals, out: Path, opts: Options) -> None:
    render_pdf(cat, totals, out, opts.templates, opts.date, cache=opts.cache)


# name → (renderer, the paths in the output folder it owns)
RENDERERS: dict[str, tuple[Renderer, tuple[str, ...]]] = {
    "totals": (_write_totals, ("totals.json", "totals.md", "totals.csv")),
    "html": (_write_html, ("html",)),
    "pdf": (_write_pdf, (CATALOGUE_FILE, PROPOSALS_DIR)),
    "docx": (_write_docx, ("katalog.docx", "docx")),
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


class OutputRefused(Exception):
    """The output folder exists and was not written by katalog: it is never replaced."""


@dataclass
class BuildResult:
    out: Path
    formats: list[str]
    report: Report
    files: list[Path] = field(default_factory=list)


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


def ensure_replaceable(out: Path) -> None:
    """Refuse an existing folder that is neither empty nor written by katalog."""
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputRefused(f"{out} findes og er ikke en mappe")
    if (out / MARKER).exists() or not any(out.iterdir()):
        return
    raise OutputRefused(
        f"{out} findes allerede og er ikke skrevet af katalog; vælg en anden mappe med --out "
        "eller tøm den (katalog sletter aldrig andre filer)"
    )


def build(
    content: Path | str,
    out: Path | str = "build",
    formats: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    templates: Path | str | None = None,
    cache: PageCache | bool = True,
) -> BuildResult:
    """Check `content` and write the chosen formats to `out`, replacing it atomically.

    Outputs of formats not built this time are carried over from the previous build.
    `templates` overrides the default look; by default a `templates/` folder beside the
    content folder is used when there is one. `cache` (default: `.katalog-cache/` beside
    `out`, unless KATALOG_NO_CACHE is set) keeps parsed content files and lets renderers
    skip pages whose inputs did not change; `False` renders everything.
    """
    out = Path(out)
    content = Path(content)
    formats = list(formats or DEFAULT_FORMATS)
    ensure_replaceable(out)
    say = progress or (lambda _msg: None)
    say("Læser og kontrollerer indholdet")
    if cache is True and not caching_enabled():
        cache = False
    page_cache = cache if isinstance(cache, PageCache) else PageCache.beside(out) if cache else None
    checked = check(content, DocumentCache(page_cache) if page_cache is not None else None)
    if not checked.ok or checked.totals is None:
        raise BuildError(checked.report)
    if templates is None and (content.resolve().parent / "templates").is_dir():
        templates = content.resolve().parent / "templates"
    opts = Options(TemplateSet.create(templates),
                   document_date(checked.catalogue.settings.date, content),
                   page_cache, report=checked.report)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        (tmp / MARKER).write_text("Denne mappe er skrevet af katalog og erstattes ved næste build.\n",
                                  encoding="utf-8")
        _carry_over(out, tmp, formats)
        for name in formats:
            say(f"Skriver {name}")
            RENDERERS[name][0](checked.catalogue, checked.totals, tmp, opts)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != MARKER)
    return BuildResult(out, formats, checked.report, files)


def _carry_over(old: Path, new: Path, formats: Sequence[str]) -> None:
    """Hard-link (or copy) the previous build's outputs of formats not being rebuilt."""
    if not (old / MARKER).exists():
        return
    rebuilt = {rel for name in formats for rel in RENDERERS[name][1]}
    for entry in sorted(old.iterdir()):
        if entry.name == MARKER or entry.name in rebuilt:
            continue
        target = new / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, target)


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _swap(new: Path, out: Path) -> None:
    """Put `new` where `out` is, with the old folder out of the way for the shortest time."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.replace(out, old)
    try:
        os.replace(new, out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
