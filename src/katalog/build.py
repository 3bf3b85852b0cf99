"""Build orchestration: check the content, render each format into a fresh folder, then swap
it into place in one step. Nothing is written when the content is invalid, and a failed build
leaves the previous output untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .compute import Totals
from .issues import Report
from .model import Catalogue
from .pipeline import check
from .render import totals as totals_render

MARKER = ".katalog-build"

Renderer = Callable[[Catalogue, Totals, Path], None]


def _write_totals(cat: Catalogue, totals: Totals, out: Path) -> None:
    (out / "totals.json").write_text(totals_render.to_json(cat, totals), encoding="utf-8")
    (out / "totals.md").write_text(totals_render.to_markdown(cat, totals), encoding="utf-8")
    (out / "totals.csv").write_text(totals_render.to_csv(cat, totals), encoding="utf-8-sig")


RENDERERS: dict[str, Renderer] = {"totals": _write_totals}
DEFAULT_FORMATS: tuple[str, ...] = tuple(RENDERERS)


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
) -> BuildResult:
    """Check `content` and write the chosen formats to `out`, replacing it atomically."""
    out = Path(out)
    formats = list(formats or DEFAULT_FORMATS)
    ensure_replaceable(out)
    say = progress or (lambda _msg: None)
    say("Læser og kontrollerer indholdet")
    checked = check(content)
    if not checked.ok or checked.totals is None:
        raise BuildError(checked.report)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        (tmp / MARKER).write_text("Denne mappe er skrevet af katalog og erstattes ved næste build.\n",
                                  encoding="utf-8")
        for name in formats:
            say(f"Skriver {name}")
            RENDERERS[name](checked.catalogue, checked.totals, tmp)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != MARKER)
    return BuildResult(out, formats, checked.report, files)


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
