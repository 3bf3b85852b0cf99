"""source.py: bytes → text → front matter → plain data with exact positions, safely."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from helpers import ERR, flat_cols, load, minimal, p, with_files
from katalog import source
from katalog.source import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    Document,
    SourceError,
    decode,
    parse_yaml,
    read_document,
    split_front_matter,
)


def fail(raw: bytes, front_matter: bool = True) -> SourceError:
    with pytest.raises(SourceError) as info:
        read_document(raw, "x.md", front_matter)
    return info.value


def where(raw: bytes, front_matter: bool = True) -> tuple[str, int, int]:
    err = fail(raw, front_matter)
    return err.code, err.line, err.col


# -- encoding ---------------------------------------------------------------------------------


def test_plain_utf8() -> None:
    doc = read_document("---\ntitle: Økonomi og løn\n---\nBrødtekst.\n".encode(), "x.md", True)
    assert doc.data == {"title": "Økonomi og løn"}
    assert doc.positions[("title",)] == (2, 8)
    assert doc.body == "Brødtekst.\n"
    assert doc.body_line == 4


def test_utf8_bom_is_accepted_and_does_not_shift_columns() -> None:
    doc = read_document(b"\xef\xbb\xbf---\nid: TV13\n---\n", "x.md", True)
    assert doc.data == {"id": "TV13"}
    assert doc.positions[("id",)] == (2, 5)


def test_bom_in_plain_yaml_file() -> None:
    doc = read_document(b"\xef\xbb\xbftitle: K\nyears: [2026]\n", "catalogue.yaml", False)
    assert doc.data == {"title": "K", "years": [2026]}
    assert doc.positions[("title",)] == (1, 8)


def test_crlf_line_ends_keep_line_numbers() -> None:
    raw = b"---\r\nid: A\r\neconomy:\r\n  - text: x\r\n    amounts: {2026: 5}\r\n---\r\nBody\r\nmore\r\n"
    doc = read_document(raw, "x.md", True)
    assert doc.data["economy"][0]["amounts"] == {2026: 5}
    assert doc.positions[("economy", 0, "amounts", 2026)] == (5, 21)
    assert doc.key_positions[("economy", 0, "amounts")] == (5, 5)
    assert doc.body == "Body\nmore\n"
    assert "\r" not in doc.body
    assert doc.body_line == 7


def test_crlf_error_line_is_right() -> None:
    raw = b"---\r\nid: A\r\nid: B\r\n---\r\n"
    assert where(raw) == ("duplicate-key", 3, 1)


def test_old_mac_cr_line_ends() -> None:
    doc = read_document(b"---\rid: A\rtitle: T\r---\r", "x.md", True)
    assert doc.positions[("title",)] == (3, 8)


def test_non_utf8_byte_reports_line_and_column() -> None:
    raw = "---\nid: A\ntitle: Løn\n---\n".encode("cp1252")  # ø is 0xf8 in Windows-1252
    err = fail(raw)
    assert (err.code, err.line, err.col) == ("encoding", 3, 9)
    assert "UTF-8" in err.message
    assert "0xf8" in err.message


def test_non_utf8_column_counts_characters_not_bytes() -> None:
    raw = "---\ntitle: æøå".encode() + b"\xff\n---\n"
    assert where(raw) == ("encoding", 2, 11)


def test_non_utf8_after_crlf_and_bom() -> None:
    raw = b"\xef\xbb\xbf---\r\nid: A\r\ntitle: \xe6\r\n---\r\n"
    assert where(raw) == ("encoding", 3, 8)


def test_utf16_file_is_refused_as_not_utf8() -> None:
    raw = "---\nid: A\n---\n".encode("utf-16")
    code, line, _ = where(raw)
    assert (code, line) == ("encoding", 1)


def test_nul_byte_is_refused_with_its_line() -> None:
    assert where(b"---\nid: A\nx: \x00\n---\n")[:2] == ("encoding", 3)


@pytest.mark.parametrize("raw, line, col", [
    (b"---\nid: A\n---\nTekst \x1b[2J her.\n", 4, 7),  # in the body
    (b"---\nid: A\ntitle: a\x0bb\n---\n", 3, 9),  # raw in a value
    (b"---\nid: A\n---\n\x0c\n", 4, 1),  # form feed
    ("---\nid: A\n---\nx\ufffe\n".encode(), 4, 2),
])
def test_a_control_character_in_the_text_is_refused_where_it_is(raw: bytes, line: int, col: int) -> None:
    """No format can hold it (Word: XML 1.0), and it could drive a terminal."""
    assert where(raw) == ("control-char", line, col)
    assert "styretegn" in fail(raw).message


@pytest.mark.parametrize("escaped", ["\\0", "\\x1b[31m", "\\a", "\\x0b", "\\uFFFF", "\\ud800",
                                     "\\e]0;x\\a"])
def test_a_control_character_from_a_yaml_escape_is_refused_at_its_value(escaped: str) -> None:
    """`title: "A\\0B"` once passed check and broke the Word build."""
    raw = f'---\nid: A\ntitle: "Titel {escaped}"\nx: 1\n---\n'.encode()
    assert where(raw) == ("control-char", 3, 8)
    key = f'---\nid: A\n"k{escaped}": 1\n---\n'.encode()
    assert where(key)[:2] == ("control-char", 3)


def test_tabs_newlines_and_visible_unicode_are_kept() -> None:
    raw = '---\nid: A\ntitle: "a\\tb\\nc \\u0085 \\u202e ø 😀"\n---\nTekst\tmed tab.\n'.encode()
    doc = read_document(raw, "x.md", front_matter=True)
    assert doc.data["title"] == "a\tb\nc \u0085 \u202e ø 😀"


def test_empty_file() -> None:
    assert where(b"") == ("empty-file", 1, 1)
    assert fail(b"").message == "filen er tom"


def test_whitespace_only_file_is_empty() -> None:
    assert where(b"  \n\r\n\t\n", front_matter=False) == ("empty-file", 1, 1)


def test_bom_only_file_is_empty() -> None:
    assert where(b"\xef\xbb\xbf") == ("empty-file", 1, 1)


def test_file_too_large() -> None:
    raw = b"---\n" + b"x" * MAX_FILE_BYTES + b"\n---\n"
    err = fail(raw)
    assert (err.code, err.line, err.col) == ("file-too-large", 1, 1)
    assert "for stor" in err.message
    assert "1.048.576" in err.message


def test_file_of_exactly_the_limit_is_read() -> None:
    head = b"---\nid: A\n---\n"
    raw = head + b"x" * (MAX_FILE_BYTES - len(head))
    assert len(raw) == MAX_FILE_BYTES
    assert read_document(raw, "x.md", True).data == {"id": "A"}


def test_decode_normalises_line_ends() -> None:
    assert decode(b"a\r\nb\rc\n") == "a\nb\nc\n"


# -- front matter ----------------------------------------------------------------------------


def test_front_matter_missing() -> None:
    err = fail(b"id: A\ntitle: T\n")
    assert (err.code, err.line, err.col) == ("front-matter", 1, 1)
    assert "---" in err.message


def test_front_matter_not_on_first_line() -> None:
    assert where(b"\n---\nid: A\n---\n")[:2] == ("front-matter", 1)


def test_front_matter_unterminated() -> None:
    err = fail(b"---\nid: A\ntitle: T\n")
    assert (err.code, err.line) == ("front-matter", 1)
    assert "afsluttet" in err.message


def test_front_matter_may_end_with_dots_and_trailing_spaces() -> None:
    doc = read_document(b"--- \nid: A\n...  \nBody\n", "x.md", True)
    assert doc.data == {"id": "A"}
    assert doc.body == "Body\n"
    assert doc.body_line == 4


def test_body_may_contain_a_horizontal_rule() -> None:
    doc = read_document(b"---\nid: A\n---\nx\n\n---\n\ny\n", "x.md", True)
    assert doc.data == {"id": "A"}
    assert doc.body == "x\n\n---\n\ny\n"


def test_empty_front_matter_gives_no_data() -> None:
    doc = read_document(b"---\n---\nBody\n", "x.md", True)
    assert doc.data is None
    assert doc.body_line == 3


def test_split_front_matter_body_line() -> None:
    yaml, body, line = split_front_matter("---\na: 1\nb: 2\n---\nhej\n")
    assert yaml == "a: 1\nb: 2\n"
    assert body == "hej\n"
    assert line == 5


# -- YAML syntax ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line", "col", "words"),
    [
        # a colon inside an unquoted value
        (b"---\nid: A\ntitle: Husleje: besparelse\n---\n", 3, 15, "kolon"),
        # unclosed quote: reported where the file runs out (the closing --- line)
        (b"---\nid: A\ntitle: 'Husleje\n---\n", 4, 1, "anførselstegn"),
        # a tab in the indentation
        (b"---\neconomy:\n\t- text: x\n---\n", 3, 1, "tabulator"),
        # bad indentation
        (b"---\neconomy:\n  - text: x\n - text: y\n---\n", 4, 2, "indrykningen"),
        # unclosed flow sequence / mapping
        (b"---\nyears: [2026, 2027\nid: A\n---\n", 3, 3, "]"),
        (b"---\namounts: {2026: 1\nid: A\n---\n", 3, 3, "}"),
        # a character that cannot start a value
        (b"---\nid: A\ntitle: @hjem\n---\n", 3, 8, "anførselstegn"),
    ],
)
def test_yaml_syntax_errors_are_located_and_danish(
    raw: bytes, line: int, col: int, words: str
) -> None:
    err = fail(raw)
    assert (err.code, err.line, err.col) == ("yaml-syntax", line, col)
    assert err.message.startswith("ugyldig YAML")
    assert words in err.message
    for english in ("expected", "found", "while", "scanning", "mapping values"):
        assert english not in err.message


def test_yaml_syntax_in_catalogue_has_no_front_matter_offset() -> None:
    err = fail(b"title: K\norganisation: a: b\n", front_matter=False)
    assert (err.code, err.line, err.col) == ("yaml-syntax", 2, 16)


def test_two_documents_in_catalogue_yaml() -> None:
    err = fail(b"title: K\n---\ntitle: L\n", front_matter=False)
    assert (err.code, err.line) == ("yaml-syntax", 2)
    assert "ét YAML-dokument" in err.message


def test_text_after_a_quoted_value() -> None:
    err = fail('---\ntitle: "Løn" og mere\n---\n'.encode())
    assert (err.code, err.line, err.col) == ("yaml-syntax", 2, 14)
    assert "expected" not in err.message


def test_yaml_error_reaches_the_report_with_path_line_column() -> None:
    files = with_files(minimal(), {"proposals/P1.md": b"---\nid: P1\ntitle: a: b\n---\n"})
    _, report = load(files)
    assert flat_cols(report) == [(p("proposals/P1.md"), 3, 9, ERR, "yaml-syntax")]


# -- duplicate keys ---------------------------------------------------------------------------


def test_duplicate_key_reports_the_second_key() -> None:
    err = fail(b"---\nid: A\ntitle: T\nid: B\n---\n")
    assert (err.code, err.line, err.col) == ("duplicate-key", 4, 1)
    assert "'id'" in err.message
    assert "linje 2" in err.message


def test_duplicate_nested_key() -> None:
    raw = b"---\neconomy:\n  - text: a\n    area: service\n    text: b\n---\n"
    assert where(raw) == ("duplicate-key", 5, 5)


def test_duplicate_year_key_in_flow_mapping() -> None:
    raw = b"---\namounts: {2026: 1, 2027: 2, 2026: 3}\n---\n"
    err = fail(raw)
    assert (err.code, err.line, err.col) == ("duplicate-key", 2, 29)
    assert "2026" in err.message


def test_same_key_in_different_mappings_is_fine() -> None:
    doc = read_document(b"---\na: {x: 1}\nb: {x: 2}\n---\n", "x.md", True)
    assert doc.data == {"a": {"x": 1}, "b": {"x": 2}}


# -- aliases, anchors, tags, merge keys ----------------------------------------------------------


def test_alias_is_refused() -> None:
    err = fail(b"---\nid: A\nx: &v 5\ny: *v\n---\n")
    assert (err.code, err.line, err.col) == ("yaml-alias", 3, 4)
    assert "aliaser" in err.message


def test_anchor_alone_is_refused() -> None:
    err = fail(b"---\nid: A\neconomy:\n  - &linje\n    text: x\n---\n")
    assert (err.code, err.line) == ("yaml-alias", 4)
    assert "&navn" in err.message


def test_undefined_alias_is_a_syntax_error() -> None:
    err = fail(b"---\nid: A\nx: *ukendt\n---\n")
    assert (err.code, err.line, err.col) == ("yaml-syntax", 3, 4)
    assert "alias" in err.message


def _billion_laughs(levels: int = 9) -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        refs = ",".join(f"*a{i - 1}" for _ in range(9))
        lines.append(f"a{i}: &a{i} [{refs}]")
    return ("---\n" + "\n".join(lines) + "\n---\n").encode()


def test_billion_laughs_is_refused_quickly() -> None:
    raw = _billion_laughs()
    start = time.perf_counter()
    err = fail(raw)
    elapsed = time.perf_counter() - start
    assert (err.code, err.line) == ("yaml-alias", 2)
    assert elapsed < 1.0


def test_billion_laughs_through_load_files_is_one_error() -> None:
    files = with_files(minimal(), {"proposals/P1.md": _billion_laughs(12)})
    start = time.perf_counter()
    _, report = load(files)
    assert time.perf_counter() - start < 2.0
    assert flat_cols(report) == [(p("proposals/P1.md"), 2, 5, ERR, "yaml-alias")]


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object:os.system",
        "!!python/object/apply:os.system",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!binary",
        "!!set",
        "!!omap",
        "!custom",
        "!<tag:example.com,2000:x>",
    ],
)
def test_tags_are_refused(tag: str) -> None:
    raw = f"---\nid: A\nx: {tag} ['echo hacked']\n---\n".encode()
    err = fail(raw)
    assert (err.code, err.line, err.col) == ("yaml-tag", 3, 4)
    assert "ikke tilladt" in err.message


def test_python_object_is_never_constructed(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    marker = tmp_path / "pwned"
    calls: list[object] = []
    monkeypatch.setattr("os.system", lambda *a: calls.append(a))
    raw = (
        f"---\nid: A\nx: !!python/object/apply:os.system ['touch {marker}']\n"
        f"y: !!python/object/new:builtins.print ['hej']\n---\n"
    ).encode()
    err = fail(raw)
    assert err.code == "yaml-tag"
    assert calls == []
    assert not marker.exists()


def test_tag_on_a_key_is_refused() -> None:
    assert where(b"---\n!!python/str id: A\n---\n")[:2] in {("yaml-tag", 2), ("yaml-key", 2)}


def test_explicit_standard_tags_are_allowed() -> None:
    doc = read_document(b"---\na: !!str 2026\nb: !!int '7'\n---\n", "x.md", True)
    assert doc.data == {"a": "2026", "b": 7}


def test_merge_key_is_refused() -> None:
    raw = b"---\nid: A\nline:\n  <<: {area: service}\n  text: x\n---\n"
    err = fail(raw)
    assert (err.code, err.line, err.col) == ("yaml-alias", 4, 3)
    assert "<<" in err.message


def test_merge_key_with_alias_is_refused_at_the_anchor() -> None:
    raw = b"---\nbase: &b {area: service}\nline:\n  <<: *b\n---\n"
    assert where(raw)[:2] == ("yaml-alias", 2)


def test_quoted_merge_key_is_plain_text() -> None:
    doc = read_document(b"---\n'<<': 1\n---\n", "x.md", True)
    assert doc.data == {"<<": 1}


def test_complex_key_is_refused() -> None:
    assert where(b"---\n? [a, b]\n: 1\n---\n") == ("yaml-key", 2, 3)
    assert where(b"---\n{a: 1}: 2\n---\n") == ("yaml-key", 2, 1)


# -- nesting ----------------------------------------------------------------------------------


def test_deep_block_nesting_is_refused() -> None:
    body = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5))
    err = fail(f"---\n{body}---\n".encode())
    assert err.code == "yaml-depth"
    assert err.line == MAX_DEPTH + 3
    assert "dybt" in err.message


def test_very_deep_flow_nesting_does_not_crash() -> None:
    raw = b"---\nx: " + b"[" * 20000 + b"]" * 20000 + b"\n---\n"
    err = fail(raw)
    assert err.code == "yaml-depth"
    assert err.line == 2


def test_nesting_up_to_the_limit_is_fine() -> None:
    raw = b"---\nx: " + b"[" * (MAX_DEPTH - 1) + b"1" + b"]" * (MAX_DEPTH - 1) + b"\n---\n"
    value = read_document(raw, "x.md", True).data["x"]
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == 1


# -- scalar values ----------------------------------------------------------------------------


def scalars(yaml: str) -> dict:
    return parse_yaml(yaml, "x").data


def test_integers_are_int() -> None:
    data = scalars("a: -6000\nb: 0\nc: +7\nd: 1_000\n")
    assert data == {"a": -6000, "b": 0, "c": 7, "d": 1000}
    assert all(type(v) is int for v in data.values())


def test_decimals_are_exact_never_float() -> None:
    data = scalars("a: 1.25\nb: 1.2500\nc: 12.5\nd: -0.1\ne: 1e3\nf: 0.1\n")
    for value in data.values():
        assert isinstance(value, Decimal)
        assert not isinstance(value, float)
    assert data["a"] == Decimal("1.25")
    assert str(data["b"]) == "1.2500"
    assert data["d"] == Decimal("-0.1")
    assert data["e"] == 1000
    assert data["f"] + data["f"] + data["f"] == Decimal("0.3")


def test_thousands_dot_number_keeps_exponent_minus_three() -> None:
    value = scalars("a: -6.000\n")["a"]
    assert isinstance(value, Decimal)
    assert value == Decimal(-6)
    assert value.as_tuple().exponent == -3
    assert str(value) == "-6.000"


def test_no_float_anywhere_in_nested_data() -> None:
    data = scalars("economy:\n  - amounts: {2026: -6.5, 2027: 1.25, 2028: 3}\n")

    def walk(value: object) -> None:
        assert not isinstance(value, float)
        if isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)


def test_infinity_and_nan_stay_text() -> None:
    assert scalars("a: .inf\nb: -.inf\nc: .nan\n") == {"a": ".inf", "b": "-.inf", "c": ".nan"}


def test_null_bool_date_and_strings() -> None:
    data = scalars("a: null\nb: ~\nc:\nd: true\ne: false\nf: 2026-08-07\ng: '?'\nh: '-6.000'\n")
    assert data == {
        "a": None,
        "b": None,
        "c": None,
        "d": True,
        "e": False,
        "f": dt.date(2026, 8, 7),
        "g": "?",
        "h": "-6.000",
    }


def test_year_keys_are_ints_and_quoted_year_keys_are_text() -> None:
    data = scalars("amounts: {2026: 1, '2027': 2}\n")
    assert list(data["amounts"]) == [2026, "2027"]


def test_decimal_and_bool_keys_keep_their_text() -> None:
    data = scalars("1.5: a\ntrue: b\nnull: c\n")
    assert data == {"1.5": "a", "true": "b", "null": "c"}


# -- positions --------------------------------------------------------------------------------

NESTED = """\
---
id: TV13
economy:
  - text: Første
    area: service
    group: varig
    amounts: {2026: -6000}
  - text: Anden
    area: anlæg
    group: engang
    amounts:
      2026: 1800
      2027: 750
---
Tekst
"""


def test_positions_of_nested_values() -> None:
    doc = read_document(NESTED.encode(), "x.md", True)
    assert doc.pos(("id",)) == (2, 5)
    assert doc.pos(("economy",)) == (4, 3)
    assert doc.pos(("economy", 0)) == (4, 5)
    assert doc.pos(("economy", 0, "amounts", 2026)) == (7, 21)
    assert doc.pos(("economy", 1)) == (8, 5)
    assert doc.pos(("economy", 1, "area")) == (9, 11)
    assert doc.pos(("economy", 1, "amounts", 2027)) == (13, 13)
    assert doc.key_pos(("economy", 1, "amounts", 2027)) == (13, 7)
    assert doc.key_pos(("economy", 1, "amounts")) == (11, 5)
    assert doc.body_line == 15


def test_position_falls_back_to_nearest_ancestor() -> None:
    doc = read_document(NESTED.encode(), "x.md", True)
    assert doc.pos(("economy", 1, "amounts", 2099)) == (12, 7)
    assert doc.pos(("economy", 7)) == (4, 3)
    assert doc.pos(("nothing",)) == (2, 1)
    assert doc.key_pos(("nothing",)) == (2, 1)


def test_positions_of_empty_document() -> None:
    doc = Document(path="x", data=None)
    assert doc.pos(("a", 1)) == (1, 1)


def test_positions_in_plain_yaml_file() -> None:
    doc = read_document(b"title: K\nyears:\n  - 2026\n  - 2027\n", "catalogue.yaml", False)
    assert doc.pos(("years", 1)) == (4, 5)
    assert doc.key_pos(("years",)) == (2, 1)


def test_source_never_imports_a_constructor() -> None:
    # The module composes nodes and converts them itself; it must not use a loader.
    with open(source.__file__, encoding="utf-8") as handle:
        text = handle.read()
    assert ".load(" not in text
    assert "unsafe" not in text


def test_reused_anchor_gives_no_python_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        err = fail(b"---\na: &x 1\nb: &x 2\n---\n")
    assert (err.code, err.line, err.col) == ("yaml-alias", 2, 4)


@pytest.mark.parametrize(
    ("yaml", "words"),
    [
        ("a: !<x\n", "YAML-tag"),
        ('a: !"x\n', "YAML-tag"),
        ("a: *\n", "YAML-alias"),
        ("a: &\n", "YAML-anker"),
        ("a: |x\n  b\n", "blok-tekst"),
        ('a: "\\q"\n', "anførselstegn"),
    ],
)
def test_more_yaml_errors_in_danish(yaml: str, words: str) -> None:
    err = fail(yaml.encode(), front_matter=False)
    assert (err.code, err.line) == ("yaml-syntax", 1)
    assert words in err.message
    assert "expected" not in err.message and "found" not in err.message


# -- the memoised resolver of the C fast path ---------------------------------------------------


@pytest.mark.skipif(source.CParser is None, reason="ruamel.yaml.clib (libyaml) is not installed")
def test_memoised_resolver_keeps_plain_and_quoted_scalars_apart() -> None:
    """The same text plain and quoted resolves differently, also on the second file."""
    text = "a: 2027\nb: '2027'\nc: ja\nd: true\ne: 'true'\nf: 0.5\ng: null\nh: ''\n"
    expected = {"a": 2027, "b": "2027", "c": "ja", "d": True, "e": "true",
                "f": Decimal("0.5"), "g": None, "h": ""}
    source._MemoResolver._memo.clear()
    for _ in range(2):  # the second parse is served from the memo
        assert parse_yaml(text, "x.yaml").data == expected
    assert ("2027", False) in source._MemoResolver._memo
    assert all(isinstance(k[0], str) for k in source._MemoResolver._memo)


@pytest.mark.skipif(source.CParser is None, reason="ruamel.yaml.clib (libyaml) is not installed")
def test_memoised_resolver_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source._MemoResolver, "MEMO_LIMIT", 5)
    source._MemoResolver._memo.clear()
    doc = parse_yaml("\n".join(f"k{i}: {i}" for i in range(20)) + "\n", "x.yaml")
    assert doc.data == {f"k{i}": i for i in range(20)}
    assert len(source._MemoResolver._memo) <= 5
