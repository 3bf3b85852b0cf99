"""Where the look comes from: the default `templates/` folder, optionally overridden.

A municipality points katalog at its own templates folder (`--templates`, or a `templates/`
folder beside its content). Every file there is used in place of the default with the same
relative path; everything else falls back to the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def default_templates() -> Path:
    """The default templates: packaged with katalog, or the repository's `templates/`."""
    packaged = _PACKAGE_DIR / "templates"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent.parent / "templates"


@dataclass(frozen=True)
class TemplateSet:
    """The folders searched for templates, overrides first."""

    dirs: tuple[Path, ...]

    @classmethod
    def create(cls, override: Path | str | None = None) -> "TemplateSet":
        default = default_templates()
        dirs = [Path(override).resolve()] if override else []
        if default.resolve() not in dirs:
            dirs.append(default.resolve())
        return cls(tuple(d for d in dirs if d.is_dir()))

    def search_path(self, sub: str) -> list[Path]:
        return [d / sub for d in self.dirs if (d / sub).is_dir()]

    def find(self, rel: str) -> Path | None:
        """The first existing file at `rel` (e.g. `word/katalog.docx`)."""
        for d in self.dirs:
            if (d / rel).is_file():
                return d / rel
        return None

    def files(self, sub: str) -> dict[str, Path]:
        """All files under `sub`, relative path → file, overrides winning."""
        found: dict[str, Path] = {}
        for d in reversed(self.dirs):
            base = d / sub
            if base.is_dir():
                for path in sorted(base.rglob("*")):
                    if path.is_file():
                        found[path.relative_to(base).as_posix()] = path
        return dict(sorted(found.items()))
