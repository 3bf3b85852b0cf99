"""Text from content made safe for a terminal.

Messages quote content: a title, an id, a file name. A commit can put terminal control
sequences there (`ESC [2J` clears the screen, `ESC ]8;;…` makes a link, `ESC ]0;…` sets the
window title, a carriage return overwrites the line with something else, bidirectional
overrides show a file name reversed). `printable` makes every such character visible as an
escape (`\\x1b`, `\\u202e`) before a message reaches a terminal; newline and tab stay.
A file name that is not valid UTF-8 (held by Python as lone surrogates) is shown with its
bytes (`\\xff`) instead of crashing the output with a UnicodeEncodeError.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI on some
# terminals), bidirectional embeddings/overrides/isolates, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte of an undecodable file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str, newlines: bool = True) -> str:
    """`text` with every terminal control character (all C0 and C1 controls except newline
    and tab, DEL, bidirectional controls, lone surrogates) replaced by a visible escape.

    With `newlines=False` newline and tab are escaped too (and U+2028/U+2029): for a line
    that must stay one line, such as `path:line:col: message`, where a file name holding a
    newline could otherwise print a fake problem line for a CI problem matcher."""
    return (_UNSAFE if newlines else _UNSAFE_LINE).sub(_escape, text)
