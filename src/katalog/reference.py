"""Reference tables for the docs, generated from the field table (`fields`), the label keys
(`labels`) and the problem catalogue (`issues.PROBLEMS`).

`docs/format.md` and `docs/errors.md` hold the tables between markers
`<!-- generated: NAME -->` … `<!-- /generated: NAME -->`; `python -m katalog.reference`
rewrites them in place, and a test fails when a table in the docs is not current.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from . import fields as F
from .fields import Field, Kind, Record
from .issues import PROBLEMS, STAGES
from .labels import LABELS, Labels

DOCS = Path(__file__).resolve().parents[2] / "docs"
MARK = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated: "
                  r"(?P=name) -->)", re.DOTALL)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(f: Field) -> str:
    value = f.default
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _required(f: Field) -> str:
    if f.required:
        return "yes"
    default = _default(f)
    return f"no (`{default}`)" if default else "no"


def field_table(record: Record) -> str:
    """A record's fields: key, required (default), Danish label, meaning."""
    rows = ["| key | required | label (da) | meaning |", "|---|---|---|---|"]
    for f in record:
        meaning = f.doc
        if f.kind is Kind.CHOICE and f.choices and "`" not in meaning:
            meaning += ": " + ", ".join(f"`{c}`" for c in f.choices)
        rows.append(f"| `{f.key}` | {_required(f)} | {_cell(f.label)} | {_cell(meaning)} |")
    return "\n".join(rows) + "\n"


def label_table() -> str:
    """Every label key with its Danish default (sign-dependent ones for savings negative)."""
    negative, positive = Labels("negative"), Labels("positive")
    rows = ["| key | Danish default |", "|---|---|"]
    for key in LABELS:
        text = f"`{_cell(negative[key])}`"
        if negative[key] != positive[key]:
            text += f"; with `savings_sign: positive`: `{_cell(positive[key])}`"
        rows.append(f"| `{key}` | {text} |")
    return "\n".join(rows) + "\n"


def problem_table(stage: str) -> str:
    """The problems of one stage: code, severity, Danish message template, when."""
    rows = ["| code | severity | message (Danish template) | when |", "|---|---|---|---|"]
    for p in PROBLEMS.values():
        if p.stage == stage:
            rows.append(f"| `{p.code}` | {p.severity.value} | {_cell(p.template)} | "
                        f"{_cell(p.doc)} |")
    return "\n".join(rows) + "\n"


FORMAT_RECORDS: dict[str, Record] = {
    "catalogue": F.CATALOGUE, "department": F.DEPARTMENT, "look": F.LOOK, "intro": F.INTRO,
    "theme": F.THEME, "proposal": F.PROPOSAL, "line": F.LINE, "range": F.RANGE,
    "allocation": F.ALLOCATION, "consulted": F.CONSULTED, "hearing": F.HEARING,
    "followup": F.FOLLOWUP, "decision": F.DECISION, "realisation": F.REALISATION,
}


def sections() -> dict[str, str]:
    """Every generated section, by marker name."""
    out = {name: field_table(record) for name, record in FORMAT_RECORDS.items()}
    out["labels"] = label_table()
    out |= {f"problems-{stage}": problem_table(stage) for stage in STAGES}
    return out


def fill(text: str, tables: dict[str, Any] | None = None) -> str:
    """`text` with every generated section replaced by its current table."""
    tables = sections() if tables is None else tables

    def replace(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in tables:
            raise KeyError(f"unknown generated section '{name}'")
        return m.group(1) + tables[name] + m.group(4)

    return MARK.sub(replace, text)


def names_in(text: str) -> list[str]:
    return [m.group("name") for m in MARK.finditer(text)]


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated sections of docs/format.md and docs/errors.md (or the files
    given)."""
    from .safefs import write_atomic

    paths = [Path(a) for a in (argv or [])] or [DOCS / "format.md", DOCS / "errors.md"]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = fill(text)
        if new != text:
            write_atomic(path, new.encode("utf-8"))
            print(f"Opdaterede {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
