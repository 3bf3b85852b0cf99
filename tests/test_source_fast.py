"""source: the C (libyaml) fast path gives exactly what the pure parser gives — the same data,
value and key positions, and the same located errors — and falls back where it would differ."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from unittest import mock

import pytest

from katalog import source
from katalog.folder import read_folder
from katalog.source import MAX_DEPTH

ROOT = Path(__file__).resolve().parent.parent


def _parse(text: str, fast: bool) -> tuple[object, ...]:
    patch = mock.patch.object(source, "CParser", source.CParser if fast else None)
    with patch:
        try:
            doc = source.parse_yaml(text, "x.yaml", line_offset=1)
        except source.SourceError as err:
            return ("error", err.code, err.message, err.line, err.col)
    return (doc.data, doc.positions, doc.key_positions)


def _same(text: str) -> tuple[object, ...]:
    pure = _parse(text, fast=False)
    assert _parse(text, fast=True) == pure
    return pure


def _generated(tmp_path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks/generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.generate(tmp_path / "gen", 12)


def test_c_parser_is_installed():
    # The fast path needs ruamel.yaml's C extension (dependency ruamel.yaml.clib).
    assert source.CParser is not None


def test_every_content_file_reads_the_same(tmp_path):
    files = {**read_folder(ROOT / "content"), **read_folder(_generated(tmp_path))}
    for rel, raw in files.items():
        text = source.decode(raw)
        yaml_text = source.split_front_matter(text)[0] if rel.endswith(".md") else text
        data = _same(yaml_text)
        assert data[0] != "error", rel


@pytest.mark.parametrize("text", [
    "a: yes\nb: 012\nc: 0o17\nd: 1_000\ne: 6.000\nf: .inf\ng: 2026-01-01\nh: ~\n",
    "ø: {æøå: 1, b: [x, '😀', 2]}\nt: \"æ\\tø\"\n",
    "a:\n  - {text: Ærø, amounts: {2026: -1}}\n  - text: Å\n    amounts: {2027: \"?\"}\n",
    "a: &x 1\n",                      # an anchor alone: the C parser would drop it
    "a: &x 1\nb: *x\n",               # an alias
    "%YAML 1.1\n---\na: yes\n",       # a directive changes what `yes` means
    "a: \u0085x\n",                   # NEL: the C parser refuses it, the pure one reads it
    "a: !!python/object:os.system x\n",
    "<<: {a: 1}\n",
    "a: 1\na: 2\n",
    "a:\n\t- 1\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "a: \"\\q\"\n",
    "a: \x07\n",
    "a: 1\n---\nb: 2\n",
    "? [a]\n: 1\n",
    "[" * 60 + "]" * 60 + "\n",
    # the fast converter's own steps: text keys and values taken as they are, escapes
    "a: \"x\\x1by\"\nb: 'x''y'\nc: |\n  z\\x1b\n",  # only "..." can make a control character
    "\"k\\x1b\": 1\n",
    "\"a\": 1\n'a': 2\n",             # the same key, quoted two ways
    "\"<<\": 1\n'<<': 2\n",
    "!!str 5: x\n5: y\n2026: [1, 2]\ntrue: 1\n~: 2\n",
    "a: !!str [1]\nb: !!str {c: 1}\n",
    "2026: 1\n0x7EA: 2\n",                # the same number as a key, written two ways
    "1_000: a\n!!int 7: b\n? " + "9" * 5000 + "\n: c\n",  # the last beyond int's digits
    "".join("  " * i + f"k{i}:\n" for i in range(45)) + "  " * 45 + "v: 1\n",  # deep blocks
    "a:\n" + "".join("  " * i + "- \n" for i in range(1, 44)),
])
def test_fast_path_matches_pure_parser(text):
    _same(text)


@pytest.mark.parametrize("fast", [True, False])
def test_explicit_and_verbatim_tags(fast):
    assert _parse("a: !!str 5\nb: !<tag:yaml.org,2002:str> 6\nc: !!int '7'\n", fast)[0] == {
        "a": "5", "b": "6", "c": 7}
    assert _parse("a: !<tag:yaml.org,2002:python%2Fobject> x\n", fast)[:2] == ("error", "yaml-tag")
    assert _parse("a: !!python/name:os.system x\n", fast)[:2] == ("error", "yaml-tag")


def test_anchor_alone_is_still_refused_after_many_fast_reads():
    for _ in range(3):
        _parse("a: 1\n", fast=True)
    assert _parse("a: &x 1\n", fast=True)[:2] == ("error", "yaml-alias")


def test_directive_does_not_leak_into_the_next_file():
    assert _parse("%YAML 1.1\n---\na: yes\n", fast=True)[0] == {"a": False}
    assert _parse("a: yes\n", fast=True)[0] == {"a": "yes"}


def test_a_loader_per_text_keeps_no_state_per_file():
    for i in range(50):
        assert _parse(f"a: {i}\n", fast=True)[0] == {"a": i}
    assert source._fast_compose("a: [1\n") == (False, None)  # the pure parser reports it
    ok, node = source._fast_compose("a: 1\nb: ja\n")
    assert ok and node is not None and [v.value for _, v in node.value] == ["1", "ja"]
    assert source._c_loader() is source._c_loader()  # its class is made once (per thread)


def test_deep_flow_nesting_is_left_to_the_pure_parser():
    # Half a million `[` fit in 1 MiB: only the pure parser's recursion is guarded.
    deep = "a: " + "[" * (source.MAX_DEPTH + 1) + "]" * (source.MAX_DEPTH + 1)
    assert source._fast_compose(deep) == (False, None)
    assert _same(deep)[:2] == ("error", "yaml-depth")
    assert source._fast_compose("id: A1\namounts: {2026: -100}\n")[0] is (source.CParser is not None)


@pytest.mark.parametrize(("text", "code"), [
    ("a: &x 1\n", "yaml-alias"),
    ("a: !!python/object:os.system 1\n", "yaml-tag"),
    ("a: [1\n", "yaml-syntax"),
    ("a: 1\na: 2\n", "duplicate-key"),
])
def test_refusals_are_the_same_on_both_parsers(text, code):
    assert _same(text)[:2] == ("error", code)


def test_flow_depth_is_an_upper_bound_and_sees_deep_nesting() -> None:
    assert source._flow_depth("a: {2027: [1, 2]}\nb: {x: 1}\n") in (2, 3)
    deep = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert source._flow_depth(deep) == MAX_DEPTH + 5
    wide = "\n".join(f"k{i}: [{i}]" for i in range(3 * MAX_DEPTH)) + "\n"
    assert source._flow_depth(wide) == 1  # many flat collections are not deep


def test_flow_depth_is_an_upper_bound_counted_only_when_needed():
    assert source._flow_depth("a: [1, 2]\nb: {c: [3]}\n") >= 2  # few openers: their count
    flat = "a: [" + "[1], " * (source.MAX_DEPTH + 10) + "]\n"  # many openers, depth 2
    assert source._flow_depth(flat) == 2
    assert source._fast_compose(flat)[0] is (source.CParser is not None)
    assert _same(flat)[0] == {"a": [[1]] * (source.MAX_DEPTH + 10)}
