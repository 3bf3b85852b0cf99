"""fmt: canonical key order and layout; comments, quoting, body, CRLF and BOM preserved."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from katalog.cli import main
from katalog.fmt import PROPOSAL_ORDER, FormatError, format_bytes, format_paths
from katalog.source import read_document

MESSY = """\
---
# Forslag fra økonomi
title: 'Administrativ: samling'   # titel i enkelte anførselstegn
tags: [a, "b c"]
# kommentar om id'et
id: ADM-04

summary: >-
  Første linje
  anden linje.
hemmelig: behold mig
economy:
  - amounts: {2027: -6000, 2028: "?"}   # beløb
    group: varig
    text: "Linje \\"et\\""
    # kommentar om område
    area: service
    ukendt: x
  - {amounts: {2027: 3000}, area: anlæg, text: Lokaler, group: engang}
department: SOF
theme: administration
status: forslag
andet: [1, 2]
---
## Beskrivelse

Teksten   med  mellemrum\t og # ikke en kommentar
---
slut uden linjeskift"""


def fm_keys(raw: bytes) -> list[str]:
    return list(read_document(raw, "x.md", front_matter=True).data)


def body(raw: bytes) -> bytes:
    marker = b"## Beskrivelse"
    return raw[raw.index(marker):]


def test_messy_file_gets_canonical_order_and_keeps_everything():
    raw = MESSY.encode("utf-8")
    out = format_bytes(raw, Path("proposals/ADM-04.md"))
    text = out.decode("utf-8")
    keys = fm_keys(out)
    known = [k for k in keys if k in PROPOSAL_ORDER]
    assert known == [k for k in PROPOSAL_ORDER if k in keys]
    assert keys[len(known):] == ["hemmelig", "andet"]  # unknown keys last, in their order
    doc = read_document(out, "x.md", True).data
    assert list(doc["economy"][0]) == ["text", "area", "group", "amounts", "ukendt"]
    assert list(doc["economy"][1]) == ["text", "area", "group", "amounts"]
    # comments travel with their keys, quoting and block scalars are kept
    assert "# kommentar om id'et\nid: ADM-04\n" in text
    assert "title: 'Administrativ: samling'   # titel i enkelte anførselstegn\n" in text
    assert '"Linje \\"et\\""' in text
    assert "  # kommentar om område\n    area: service\n" in text.replace("    # kommentar", "  # kommentar")
    assert "summary: >-\n  Første linje\n  anden linje.\n" in text
    assert "amounts: {2027: -6000, 2028: \"?\"}   # beløb" in text or \
        "amounts: {2027: -6000, 2028: \"?\"}  # beløb" in text
    assert "- {text: Lokaler, area: anlæg, group: engang, amounts: {2027: 3000}}" in text
    assert text.startswith("---\n# Forslag fra økonomi\n")
    assert body(out) == body(raw)  # byte for byte, including the missing final newline
    # same data as before
    before = read_document(raw, "x.md", True).data
    assert read_document(out, "x.md", True).data == before
    assert format_bytes(out, Path("proposals/ADM-04.md")) == out  # idempotent


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_line_ends_and_bom_are_preserved(bom, newline):
    raw = bom + MESSY.encode("utf-8").replace(b"\n", newline)
    out = format_bytes(raw, Path("proposals/ADM-04.md"))
    assert out.startswith(bom + b"---" + newline)
    front = out[: out.index(b"## Beskrivelse")]
    if newline == b"\r\n":
        assert front.count(b"\n") == front.count(b"\r\n")
    else:
        assert b"\r" not in front
    assert body(out) == body(raw)
    assert format_bytes(out, Path("proposals/ADM-04.md")) == out
    lf = format_bytes(MESSY.encode("utf-8"), Path("proposals/ADM-04.md"))
    assert out.removeprefix(bom).replace(b"\r\n", b"\n") == lf


def test_mixed_line_ends_follow_the_first_line():
    raw = b"---\r\ntitle: T\nid: A\r\n---\nbody\r\n"
    out = format_bytes(raw, Path("proposals/A.md"))
    assert out == b"---\r\nid: A\r\ntitle: T\r\n---\nbody\r\n"


def test_layout_is_normalised_but_numbers_keep_their_digits():
    raw = (b"---\nid: A\neconomy:\n- text: x\n  area: service\n  group: varig\n"
           b"  amounts: {2027: -6.000, 2028: 1.50,   2029: null}\ntitle: T\n---\n")
    out = format_bytes(raw, Path("proposals/A.md")).decode()
    assert "economy:\n  - text: x\n    area: service\n" in out
    assert "-6.000" in out and "1.50" in out  # the thousands-dot mistake is not hidden
    assert out.index("title:") < out.index("economy:")


def test_theme_order():
    raw = b"---\ntitle: Tema\nnumber: 2\nid: t\n---\nIntro\n"
    out = format_bytes(raw, Path("themes/t.md"))
    assert out == b"---\nid: t\nnumber: 2\ntitle: Tema\n---\nIntro\n"


@pytest.mark.parametrize(
    "raw, line",
    [
        (b"---\nid: A\ntitle: [ikke lukket\n---\n", 4),
        (b"---\nid: A\nid: B\n---\n", 3),
        (b"---\nid: A\n  title: forkert indrykning\n---\n", 3),
        (b"ingen front matter\n", 1),
        (b"---\nid: A\n", 1),
        (b"---\nid: \xff\n---\n", 2),
    ],
)
def test_unparsable_files_are_reported_with_line(raw, line):
    with pytest.raises(FormatError) as info:
        format_bytes(raw, Path("proposals/A.md"))
    assert info.value.line == line
    assert info.value.message  # Danish, from the same reader as `katalog check`


def test_example_content_is_already_formatted(example):
    results = format_paths([example], write=False)
    assert len(results) > 30
    assert [str(r.path) for r in results if r.changed or r.error] == []


def test_cli_check_lists_changes_and_writes_nothing(tmp_path):
    folder = tmp_path / "content" / "proposals"
    folder.mkdir(parents=True)
    messy, clean, broken = folder / "ADM-04.md", folder / "ok.md", folder / "broken.md"
    messy.write_bytes(MESSY.encode())
    clean.write_bytes(b"---\nid: ok\ntitle: T\n---\n")
    broken.write_bytes(b"---\nid: [\n---\ntekst\n")
    runner = CliRunner()
    result = runner.invoke(main, ["fmt", "--check", str(tmp_path / "content")])
    assert result.exit_code == 1
    assert f"ville blive ændret: {messy}" in result.output
    assert str(clean) not in result.output.replace(f"{clean}:", "")
    assert f"{broken}:3:1: fejl:" in result.output
    assert messy.read_bytes() == MESSY.encode()

    result = runner.invoke(main, ["fmt", str(messy), str(clean), str(broken)])
    assert result.exit_code == 1  # the broken file is an error, and is left alone
    assert broken.read_bytes() == b"---\nid: [\n---\ntekst\n"
    assert messy.read_bytes() == format_bytes(MESSY.encode(), messy)
    result = runner.invoke(main, ["fmt", "--check", str(messy), str(clean)])
    assert result.exit_code == 0, result.output


def test_cli_default_path_and_missing_path(tmp_path, example, monkeypatch):
    shutil.copytree(example, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["fmt", "--check"])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(main, ["fmt", "nej"]).exit_code == 2


def shuffled(raw: bytes, seed: int) -> bytes:
    """The file with its top-level front-matter blocks shuffled and each economy line's
    `text` and `area` swapped (written independently of fmt's own reordering)."""
    import random

    text = raw.decode("utf-8")
    _, fm, body = text.split("---\n", 2)
    blocks: list[str] = []
    for line in fm.splitlines(keepends=True):
        if line[:1] not in (" ", "#", "\n") or not blocks:
            blocks.append(line)
        else:
            blocks[-1] += line
    random.Random(seed).shuffle(blocks)
    fm = "".join(blocks)
    fm = re.sub(r"(?m)^  - text: (.*)\n    area: (.*)\n", r"  - area: \2\n    text: \1\n", fm)
    return f"---\n{fm}---\n{body}".encode("utf-8")


def test_shuffled_example_proposals_are_restored_exactly(example):
    files = sorted((example / "proposals").glob("*.md")) + sorted((example / "themes").glob("*.md"))
    for seed, path in enumerate(files):
        raw = path.read_bytes()
        messy = shuffled(raw, seed)
        assert messy != raw or path.parent.name == "themes"
        assert format_bytes(messy, path) == raw, path


@pytest.mark.parametrize(
    "raw, expected",
    [
        # a comment after the last key stays at the end
        ("---\ntitle: T\nid: A\n# slut\n---\nx\n", "---\nid: A\ntitle: T\n# slut\n---\nx\n"),
        # a nested block mapping moves whole, with the comment above it; the file's
        # header comment (above the first key) stays on top
        ("---\n# hoved\ntags: []\n# fordeling\nallocation:\n  SOF: 60\n  BUF: 40\nid: A\n---\n",
         "---\n# hoved\nid: A\n# fordeling\nallocation:\n  SOF: 60\n  BUF: 40\ntags: []\n---\n"),
        # a literal block keeps its '#' lines (they are text, not comments)
        ("---\nsummary: |\n  # ikke en kommentar\n  linje\ntitle: T\nid: A\n---\n",
         "---\nid: A\ntitle: T\nsummary: |\n  # ikke en kommentar\n  linje\n---\n"),
        # `...` closes the front matter too
        ("---\ntitle: T\nid: A\n...\nx\n", "---\nid: A\ntitle: T\n...\nx\n"),
        # layout: a plain text over two lines becomes one line (same value)
        ("---\nid: A\ntitle: lang titel\n  fortsat\n---\n", "---\nid: A\ntitle: lang titel fortsat\n---\n"),
        # layout: list items are indented under their key
        ("---\nid: A\neconomy:\n- text: x\n  area: service\n  group: varig\n  amounts: {}\n---\n",
         "---\nid: A\neconomy:\n  - text: x\n    area: service\n    group: varig\n    amounts: {}\n---\n"),
        # long lines are never wrapped
        ("---\nid: A\ntitle: " + "ord " * 40 + "slut\n---\n", None),
        # an empty front matter is left alone
        ("---\n---\nx\n", None),
    ],
)
def test_layout_cases(raw, expected):
    out = format_bytes(raw.encode(), Path("proposals/A.md")).decode()
    assert out == (raw if expected is None else expected)
    assert format_bytes(out.encode(), Path("proposals/A.md")).decode() == out


def test_a_change_of_meaning_is_refused_not_written(tmp_path):
    # trailing blank lines belong to a `|+` text; moving them would change it
    path = tmp_path / "proposals" / "A.md"
    path.parent.mkdir()
    raw = b"---\nsummary: |+\n  linje\n\n\ntitle: T\nid: A\n---\n"
    path.write_bytes(raw)
    with pytest.raises(FormatError, match="ville ændre indholdet"):
        format_bytes(raw, path)
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1 and f"{path}:1:1: fejl:" in result.output
    assert path.read_bytes() == raw


# -- property: any key order, comments, line ends and BOM -------------------------------------

from hypothesis import given, settings
from hypothesis import strategies as st

BLOCKS = {
    "id": "id: A1",
    "title": "title: 'Titel: med kolon'",
    "theme": "theme: adm",
    "department": 'department: "SOF"',
    "status": "status: forslag",
    "summary": "summary: >-\n  første linje\n  anden linje",
    "totals": "totals: {2027: -100}",
    "tags": "tags: [a, b]",
    "ukendt": "ukendt: 1",
    "andet": "andet:\n  - x",
}
LINE = {"text": "text: Løn", "area": "area: service", "group": "group: varig",
        "amounts": "amounts: {2027: -100, 2028: \"?\"}"}


@st.composite
def proposals(draw):
    keys = draw(st.permutations(list(BLOCKS) + ["economy"]))
    line_keys = draw(st.permutations(list(LINE)))
    flow = draw(st.booleans())
    commented = draw(st.sets(st.sampled_from(keys)))
    if flow:
        economy = "economy:\n  - {" + ", ".join(LINE[k] for k in line_keys) + "}"
    else:
        line_comments = draw(st.sets(st.sampled_from(line_keys[1:])))
        parts = [(f"# om linje {k}\n    " if k in line_comments else "") + LINE[k]
                 for k in line_keys]
        economy = "economy:\n  - " + "\n    ".join(parts)
    lines = []
    for key in keys:
        if key in commented:
            lines.append(f"# om {key}")
        lines.append(economy if key == "economy" else BLOCKS[key])
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    text = "---\n" + "\n".join(lines) + "\n---\n## Tekst\r\n\nmed  # og ---\n"
    head, body = text.split("---\n## Tekst", 1)
    raw = (bom + head.replace("\n", newline) + "---" + newline + "## Tekst" + body).encode()
    return raw, keys, commented


@settings(max_examples=60, deadline=None)
@given(proposals())
def test_any_order_is_made_canonical_keeping_comments_and_body(case):
    raw, keys, commented = case
    out = format_bytes(raw, Path("proposals/A1.md"))
    assert format_bytes(out, Path("proposals/A1.md")) == out
    before, after = (read_document(x, "x.md", True).data for x in (raw, out))
    assert after == before
    order = list(after)
    assert order == [k for k in PROPOSAL_ORDER if k in order] + [k for k in keys if k in ("ukendt", "andet")]
    assert list(after["economy"][0]) == ["text", "area", "group", "amounts"]
    text = out.decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n")
    for key in commented:
        if key != keys[0]:  # a comment above the first key is the file's header and stays on top
            assert f"# om {key}\n{key}:" in text, key
        assert text.count(f"# om {key}\n") == 1
    out_lines = text.split("\n")
    for i, line in enumerate(out_lines):
        if line.strip().startswith("# om linje "):  # a line comment stays above its key
            assert f"{line.strip().removeprefix('# om linje ')}:" in out_lines[i + 1]
    assert text.count("# om linje") == raw.decode("utf-8").count("# om linje")
    assert out.endswith(raw[raw.index(b"## Tekst"):])
    assert out.startswith(b"\xef\xbb\xbf---" if raw.startswith(b"\xef\xbb\xbf") else b"---")


def test_a_planted_symlink_at_the_old_temporary_name_is_never_written_through(tmp_path):
    """A commit that plants `proposals/.X.md.katalog-fmt → ../../victim.sh` (dotfiles are not
    checked) used to make `katalog fmt` overwrite the victim, exec bit kept."""
    content = tmp_path / "repo" / "content"
    (content / "proposals").mkdir(parents=True)
    victim = tmp_path / "victim.sh"
    victim.write_text("#!/bin/sh\necho uskyldig\n", encoding="utf-8")
    victim.chmod(0o755)
    target = content / "proposals" / "ADM-04.md"
    target.write_text(MESSY, encoding="utf-8")
    (content / "proposals" / ".ADM-04.md.katalog-fmt").symlink_to(victim)
    results = format_paths([content])
    assert [r.changed for r in results] == [True]
    assert victim.read_text(encoding="utf-8") == "#!/bin/sh\necho uskyldig\n"
    assert not target.is_symlink() and fm_keys(target.read_bytes())[0] == "id"


def test_a_symlinked_proposal_is_reported_not_followed_or_written(tmp_path):
    content = tmp_path / "content"
    (content / "proposals").mkdir(parents=True)
    outside = tmp_path / "outside.md"
    outside.write_text(MESSY, encoding="utf-8")
    (content / "proposals" / "ADM-04.md").symlink_to(outside)
    [result] = format_paths([content])
    assert result.error is not None and "symbolsk link" in result.error.message
    assert outside.read_text(encoding="utf-8") == MESSY


# -- what a hostile commit or a careless writer leaves in the folder ------------------------


def fmt_in_thread(paths, write=True):
    """format_paths in a thread that must end (a FIFO once hung fmt for ever)."""
    import threading

    found: list = []
    thread = threading.Thread(target=lambda: found.append(format_paths(paths, write=write)),
                              daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "fmt hangs"
    return found[0]


def test_fifos_folders_and_hidden_md_are_reported_like_check_does(tmp_path):
    import os

    content = tmp_path / "content"
    proposals = content / "proposals"
    proposals.mkdir(parents=True)
    (proposals / "ADM-04.md").write_text(MESSY, encoding="utf-8")
    os.mkfifo(proposals / "fifo.md")
    (proposals / "mappe.md").mkdir()
    (proposals / ".skjult.md").write_text(MESSY, encoding="utf-8")
    (proposals / "nul.md").symlink_to("../../outside.md")
    (tmp_path / "outside.md").write_text(MESSY, encoding="utf-8")
    (proposals / ".gitkeep").write_text("", encoding="utf-8")
    results = {r.path.name: r for r in fmt_in_thread([content])}
    assert results["ADM-04.md"].changed
    reasons = {name: r.error.message for name, r in results.items() if r.error is not None}
    assert "FIFO" in reasons["fifo.md"] and "mappe" in reasons["mappe.md"]
    assert "punktum" in reasons[".skjult.md"] and "symbolsk link" in reasons["nul.md"]
    assert ".gitkeep" not in results
    assert (proposals / ".skjult.md").read_text(encoding="utf-8") == MESSY  # not written


def test_a_symlinked_proposals_folder_is_reported_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ADM-04.md").write_text(MESSY, encoding="utf-8")
    content = tmp_path / "content"
    content.mkdir()
    (content / "proposals").symlink_to(elsewhere)
    [result] = fmt_in_thread([content])
    assert result.error is not None and "symbolsk link" in result.error.message
    assert (elsewhere / "ADM-04.md").read_text(encoding="utf-8") == MESSY


def test_a_file_that_cannot_be_written_is_a_danish_error_not_a_traceback(tmp_path, monkeypatch):
    """Read-only content (or a full disk): the write fails with an OSError."""
    import errno

    import katalog.fmt as fmt

    target = tmp_path / "content" / "proposals" / "ADM-04.md"
    target.parent.mkdir(parents=True)
    target.write_text(MESSY, encoding="utf-8")

    def refuse(path, data, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(fmt, "write_atomic", refuse)
    result = CliRunner().invoke(main, ["fmt", str(tmp_path / "content")])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "ADM-04.md:1:1: fejl: filen kan ikke skrives (ingen adgang" in result.output
    assert "Permission denied" not in result.output and "Traceback" not in result.output
    assert target.read_text(encoding="utf-8") == MESSY


def test_read_only_content_on_disk(tmp_path):
    """The same on a real read-only folder (as root every folder is writable: then the
    monkeypatched test above stands in)."""
    import os

    if os.geteuid() == 0:
        pytest.skip("root can write into a read-only folder")
    proposals = tmp_path / "content" / "proposals"
    proposals.mkdir(parents=True)
    (proposals / "ADM-04.md").write_text(MESSY, encoding="utf-8")
    proposals.chmod(0o555)
    try:
        result = CliRunner().invoke(main, ["fmt", str(tmp_path / "content")])
    finally:
        proposals.chmod(0o755)
    assert result.exit_code == 1 and "filen kan ikke skrives" in result.output
    assert (proposals / "ADM-04.md").read_text(encoding="utf-8") == MESSY
    assert sorted(p.name for p in proposals.iterdir()) == ["ADM-04.md"]  # no temporary file


def test_a_file_named_through_a_symlinked_proposals_folder_is_not_written(tmp_path):
    """A pre-commit hook passes file names: `content/proposals/X.md` where `proposals` is a
    link to a folder elsewhere must not be written there."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ADM-04.md").write_text(MESSY, encoding="utf-8")
    content = tmp_path / "content"
    content.mkdir()
    (content / "proposals").symlink_to(elsewhere)
    [result] = fmt_in_thread([content / "proposals" / "ADM-04.md"])
    assert result.error is not None and "symbolsk link" in result.error.message
    assert (elsewhere / "ADM-04.md").read_text(encoding="utf-8") == MESSY
