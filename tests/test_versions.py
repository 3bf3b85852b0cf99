"""versions: the installed libraries' versions, read from the names of their folders, are
what importlib.metadata gives, the first one on sys.path winning."""

from __future__ import annotations

from importlib import metadata

import pytest

from katalog import versions
from katalog.fingerprint import LIBRARIES

from conftest import write_tree


def test_the_versions_are_those_importlib_metadata_gives() -> None:
    found = versions.installed_versions()
    for name in LIBRARIES:  # every library katalog parses and renders with
        assert found[versions._normalised(name)] == metadata.version(name)
        assert versions.library_version(name) == metadata.version(name)
    assert versions.library_version("ikke-installeret-pakke") is None


def test_the_first_folder_on_the_path_wins(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write_tree(tmp_path / "first", {"Jinja2-99.1.dist-info/METADATA": "",
                                            "ruamel.yaml-0.1.egg-info/PKG-INFO": "",
                                            "not-a-dist.txt": "", "x.dist-info/METADATA": ""})
    monkeypatch.setattr(versions.sys, "path", [str(first), str(tmp_path / "gone"),
                                               *versions.sys.path])
    versions.installed_versions.cache_clear()
    try:
        found = versions.installed_versions()
        assert found["jinja2"] == "99.1" and found["ruamel_yaml"] == "0.1"
        assert "x" not in found and "not_a_dist" not in found
    finally:
        monkeypatch.undo()
        versions.installed_versions.cache_clear()
