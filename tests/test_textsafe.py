"""textsafe.printable: content quoted in a message can never drive the terminal."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from katalog.textsafe import printable


@pytest.mark.parametrize("hostile, shown", [
    ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # clear the screen
    ("\x1b]0;ejet\x07", "\\x1b]0;ejet\\x07"),  # window title
    ("\x1b]8;;https://ondt.example\x1b\\link\x1b]8;;\x1b\\", "\\x1b]8;;https://ondt.example\\x1b\\link\\x1b]8;;\\x1b\\"),
    ("OK\rFEJL", "OK\\x0dFEJL"),  # a carriage return overwrites the line
    ("\x9b31m", "\\x9b31m"),  # a one-byte CSI (C1)
    ("a\x00b\x7fc\x08d", "a\\x00b\\x7fc\\x08d"),
    ("fil\u202emd.exe", "fil\\u202emd.exe"),  # right-to-left override
    ("bad\udcff.md", "bad\\xff.md"),  # an undecodable byte of a file name
])
def test_control_characters_become_visible_escapes(hostile: str, shown: str) -> None:
    assert printable(hostile) == shown


def test_ordinary_text_is_unchanged() -> None:
    text = ("content/proposals/ÆØÅ-01.md:12:5: fejl: ukendt tema 'økonomi'\n\tmente du 'økonomi'?"
            " – “citat” 😀 שלום مرحبا e\u0301")
    assert printable(text) == text


@given(st.text())
def test_nothing_a_terminal_acts_on_survives(text: str) -> None:
    out = printable(text)
    assert all(c in "\n\t" or (0x20 <= ord(c) < 0x7F) or ord(c) > 0x9F for c in out)
    assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in out)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in out)
    out.encode("utf-8")  # always printable to a UTF-8 terminal


def test_printable_output_can_be_written_to_a_utf8_stream() -> None:
    """A file name with a byte that is not UTF-8 must not crash the output."""
    code = ("import sys; from katalog.textsafe import printable;"
            "sys.stdout.write(printable('proposals/bad\\udcff.md: fejl') + '\\n')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          env={"PYTHONIOENCODING": "utf-8", "PATH": ""}, check=True)
    assert proc.stdout == b"proposals/bad\\xff.md: fejl\n"


def test_one_line_stays_one_line() -> None:
    """A file named "x.md\\nREADME.md:1:1: fejl: ..." must not print a second problem line."""
    name = "x.md\nREADME.md:1:1: fejl: falsk\tfejl\u2028"
    assert printable(name, newlines=False) == "x.md\\x0aREADME.md:1:1: fejl: falsk\\x09fejl\\u2028"
    assert "\n" in printable(name)
