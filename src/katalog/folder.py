"""A content folder → its files as relative POSIX path → bytes (or the error reading it).

The layout of a catalogue project (SPEC §1): `catalogue.yaml`, `themes/*.md`,
`proposals/*.md`. Everything that reads a content folder from disk goes through
`read_folder`; `load.load_files` turns the mapping into the model (a git revision gives the
same mapping, see `gitsource`).
"""

from __future__ import annotations

from pathlib import Path

CATALOGUE_FILE = "catalogue.yaml"
THEMES_DIR = "themes"
PROPOSALS_DIR = "proposals"


def read_folder(content: Path) -> dict[str, bytes | OSError]:
    """The catalogue's files under `content`, keyed by relative POSIX path."""
    files: dict[str, bytes | OSError] = {}
    wanted = [content / CATALOGUE_FILE]
    for sub in (THEMES_DIR, PROPOSALS_DIR):
        folder = content / sub
        if folder.is_dir():
            wanted.extend(sorted(p for p in folder.iterdir() if not p.name.startswith(".")))
    for path in wanted:
        rel = path.relative_to(content).as_posix()
        if not path.exists() and rel == CATALOGUE_FILE:
            continue
        if path.is_dir():
            continue
        try:
            files[rel] = path.read_bytes()
        except OSError as exc:
            files[rel] = exc
    return files
