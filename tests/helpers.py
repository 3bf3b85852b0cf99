"""Small builders for content-in-memory tests: a valid minimal catalogue as `path → bytes`,
and a report flattened to comparable tuples.

Every text below starts at line 1 of its file, so tests can name exact lines:

catalogue.yaml            themes/adm.md          proposals/P1.md
 1 title                   1 ---                  1 ---
 2 organisation            2 id: adm              2 id: P1
 3 years                   3 number: 1            3 title
 4 price_level             4 title                4 theme: adm
                           5 ---                  5 department: SOF
                           6 body                 6 summary
                                                  7 economy:
                                                  8   - text
                                                  9     area
                                                 10     group
                                                 11     amounts {2026: -100, 2027: -200}
                                                 12 ---
                                                 13 body
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping

from katalog.issues import Issue, Report
from katalog.load import load_files
from katalog.model import Catalogue
from katalog.pipeline import Checked, check_files

LABEL = "c"

CATALOGUE = """\
title: Budgetkatalog 2026
organisation: Testby Kommune
years: [2026, 2027, 2028]
price_level: 2026
"""

THEME = """\
---
id: adm
number: 1
title: Administration
---
Intro.
"""

PROPOSAL = """\
---
id: P1
title: Forslag et
theme: adm
department: SOF
summary: Kort resumé.
economy:
  - text: Løn
    area: service
    group: varig
    amounts: {2026: -100, 2027: -200}
---
Tekst.
"""


def text(value: str) -> bytes:
    """Dedented UTF-8 bytes; a leading newline is dropped so line 1 is the first line."""
    return textwrap.dedent(value).lstrip("\n").encode("utf-8")


def front(yaml: str, body: str = "Tekst.\n") -> bytes:
    """A Markdown file: `---`, the (dedented) YAML from line 2, `---`, body."""
    inner = textwrap.dedent(yaml).strip("\n")
    return f"---\n{inner}\n---\n{body}".encode()


def minimal() -> dict[str, bytes]:
    """The valid minimal catalogue: catalogue.yaml, themes/adm.md and proposals/P1.md."""
    return {
        "catalogue.yaml": CATALOGUE.encode(),
        "themes/adm.md": THEME.encode(),
        "proposals/P1.md": PROPOSAL.encode(),
    }


def with_files(
    files: Mapping[str, bytes], changes: Mapping[str, bytes | str | None]
) -> dict[str, bytes]:
    """A copy of `files` with `changes` applied (str is dedented, None deletes)."""
    result = dict(files)
    for rel, value in changes.items():
        if value is None:
            result.pop(rel, None)
        elif isinstance(value, str):
            result[rel] = text(value)
        else:
            result[rel] = value
    return result


def replace(files: Mapping[str, bytes], rel: str, old: str, new: str) -> dict[str, bytes]:
    """A copy of `files` where `old` (which must occur exactly once) in `rel` becomes `new`."""
    content = files[rel].decode("utf-8")
    assert content.count(old) == 1, f"{old!r} occurs {content.count(old)} times in {rel}"
    return {**files, rel: content.replace(old, new).encode("utf-8")}


def p(rel: str) -> str:
    """The path a file is reported under (with the test label)."""
    return f"{LABEL}/{rel}"


def load(files: Mapping[str, bytes]) -> tuple[Catalogue, Report]:
    return load_files(files, label=LABEL)


def check(files: Mapping[str, bytes]) -> Checked:
    return check_files(files, label=LABEL)


def flat(report: Report | Iterable[Issue]) -> list[tuple[str, int, str, str]]:
    """Issues as sorted `(path, line, severity, code)` tuples."""
    issues = report.sorted() if isinstance(report, Report) else list(report)
    return sorted((i.path, i.line, i.severity.value, i.code) for i in issues)


def flat_cols(report: Report) -> list[tuple[str, int, int, str, str]]:
    """Issues as sorted `(path, line, column, severity, code)` tuples."""
    return sorted((i.path, i.line, i.col, i.severity.value, i.code) for i in report.sorted())


def only(report: Report) -> Issue:
    """The single issue of a report (fails with the whole list otherwise)."""
    issues = report.sorted()
    assert len(issues) == 1, [i.format() for i in issues]
    return issues[0]


def messages(report: Report) -> list[str]:
    return [i.format() for i in report.sorted()]


ERR = "fejl"
WARN = "advarsel"
