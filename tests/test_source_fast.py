"""source: the C parser fast path gives exactly the pure parser's documents, and leaves
anchors, tags, errors and deep flow nesting to the pure parser."""

from __future__ import annotations

import textwrap

import pytest

from conftest import EXAMPLE, SMALL
from katalog import source
from katalog.source import SourceError, read_document


def both(raw: bytes, path: str, front_matter: bool, monkeypatch) -> tuple[object, object]:
    if not source.C_PARSER:
        pytest.skip("ruamel.yaml.clib is not installed (a dependency: pip install -e .)")
    fast = read_document(raw, path, front_matter)
    with monkeypatch.context() as m:
        m.setattr(source, "C_PARSER", False)
        pure = read_document(raw, path, front_matter)
    return fast, pure


def files() -> list[tuple[str, bytes]]:
    found = [(p.relative_to(EXAMPLE).as_posix(), p.read_bytes())
             for p in sorted(EXAMPLE.rglob("*")) if p.is_file()]
    found += [(rel, textwrap.dedent(text).lstrip("\n").encode()) for rel, text in SMALL.items()]
    return found


@pytest.mark.parametrize("rel,raw", files(), ids=[rel for rel, _ in files()])
def test_fast_path_equals_pure_parser(rel, raw, monkeypatch):
    fast, pure = both(raw, rel, rel.endswith(".md"), monkeypatch)
    assert fast.data == pure.data
    assert fast.positions == pure.positions
    assert fast.key_positions == pure.key_positions
    assert (fast.body, fast.body_line) == (pure.body, pure.body_line)


def test_fast_path_is_used_for_plain_files(monkeypatch):
    if not source.C_PARSER:
        pytest.skip("ruamel.yaml.clib is not installed")
    assert source._compose_fast("id: A1\namounts: {2026: -100}\n") is not None
    for text in ("a: &x 1\n", "a: !!str 1\n", "<<: {a: 1}\n", "a: [1\n",
                 "a: " + "[" * (source.MAX_DEPTH + 1) + "]" * (source.MAX_DEPTH + 1)):
        assert source._compose_fast(text) is None, text


@pytest.mark.parametrize("raw,code", [
    (b"---\na: &x 1\n---\n", "yaml-alias"),
    (b"---\na: !!python/object:os.system 1\n---\n", "yaml-tag"),
    (b"---\na: [1\n---\n", "yaml-syntax"),
    (b"---\na: 1\na: 2\n---\n", "duplicate-key"),
])
def test_refusals_are_the_same(raw, code, monkeypatch):
    errors = []
    for c_parser in (source.C_PARSER, False):
        monkeypatch.setattr(source, "C_PARSER", c_parser)
        with pytest.raises(SourceError) as exc:
            read_document(raw, "x.md", True)
        errors.append((exc.value.code, exc.value.line, exc.value.col, exc.value.message))
    assert errors[0] == errors[1] and errors[0][0] == code
