"""What is installed: the versions of the libraries katalog renders with, read cheaply.

Cache keys (`fingerprint.code_fingerprint`, the charts' `chart_draw.version`) include the
versions of the libraries that parse and render, so an upgrade makes everything new. They
are read from the names of the installed `*.dist-info` folders: listing the folders costs a
millisecond, while importing `importlib.metadata` (email, zipfile, csv ...) and asking it
costs ≈ 25 ms, a tenth of a cold `katalog check` of 200 proposals.
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache


def library_version(name: str) -> str | None:
    """The installed version of distribution `name` (None when it is not installed)."""
    return installed_versions().get(_normalised(name)) or _version_by_metadata(name)


def _normalised(name: str) -> str:
    """A distribution's name as packaging compares names (PEP 503), `_` for the separator
    as in the names of installed `*.dist-info` folders."""
    return re.sub(r"[-_.]+", "_", name).lower()


@lru_cache(maxsize=1)
def installed_versions() -> dict[str, str]:
    """Normalised name → version of the distributions installed on `sys.path`, the first one
    found winning as in `importlib.metadata`, read from the names of their `*.dist-info`
    (and `*.egg-info`) folders: `name-version.dist-info`."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            stem, dot, kind = folder.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            name, dash, version = stem.partition("-")
            if dash and version:
                found.setdefault(_normalised(name), version.split("-")[0])
    return found


def _version_by_metadata(name: str) -> str | None:
    """`importlib.metadata`'s answer for a library the folder names did not give (an egg,
    a zip or another finder); None when it is not installed."""
    from importlib import metadata  # slow to import: only when needed

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


__all__ = ["installed_versions", "library_version"]
