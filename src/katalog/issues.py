"""Problems found in content, as data: one `Issue` each, collected in a `Report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Iterator


class Severity(str, Enum):
    """How bad a problem is; the value is the Danish word printed to users."""

    ERROR = "fejl"
    WARNING = "advarsel"


@dataclass(frozen=True)
class Issue:
    """One problem in one file, at a 1-based line and column (0 when unknown)."""

    path: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)

    def format(self) -> str:
        """`path:line:column: fejl|advarsel: message`, the one format users see."""
        return f"{self.path}:{self.line}:{self.col}: {self.severity.value}: {self.message}"


@dataclass
class Report:
    """All problems found in one run, in the order found; `sorted()` for display."""

    issues: list[Issue] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        path: str,
        line: int = 0,
        col: int = 0,
        severity: Severity = Severity.ERROR,
    ) -> Issue:
        issue = Issue(str(path), line, col, severity, code, message)
        self.issues.append(issue)
        return issue

    def error(self, code: str, message: str, path: str, line: int = 0, col: int = 0) -> Issue:
        return self.add(code, message, path, line, col, Severity.ERROR)

    def warning(self, code: str, message: str, path: str, line: int = 0, col: int = 0) -> Issue:
        return self.add(code, message, path, line, col, Severity.WARNING)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def has_errors(self) -> bool:
        return any(i.severity is Severity.ERROR for i in self.issues)

    def sorted(self) -> list[Issue]:
        """Unique issues sorted by file, line and column."""
        return sorted(dict.fromkeys(self.issues), key=Issue.sort_key)

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.issues)
