"""The catalogue as immutable data: settings, themes, proposals and their economic lines.

Amounts are exact `Decimal`s; `UNKNOWN` stands for the writer's `"?"` (not yet known).
A year that has no amount is simply absent from an amounts mapping.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Mapping, Union


class _Unknown:
    """The amount `"?"`: not yet known. Marks every total it flows into as incomplete."""

    _instance: "_Unknown | None" = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __str__(self) -> str:
        return "?"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
Amount = Union[Decimal, _Unknown]
Amounts = Mapping[int, Amount]

STATUSES: Final = ("udkast", "forslag", "vedtaget", "forkastet", "trukket")
AREAS: Final = ("service", "anlæg", "overførsler", "finansiering")
GROUPS: Final = ("varig", "engang")
KINDS: Final = (
    "effektivisering",
    "serviceforringelse",
    "investering",
    "strukturændring",
    "omprioritering",
    "indtægt",
    "andet",
)
SAVINGS_SIGNS: Final = ("negative", "positive")
TARGET_BASES: Final = ("alle", "varig")
UNITS: Final = (1, 1000, 1000000)
PERCENT_SIGNS: Final = ("%", "pct.")
DEFAULT_COUNTED: Final = ("forslag", "vedtaget")
ALLOCATION_KEY: Final = "nøgle"

ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9ÆØÅæøåÄÖÜäöüÉé._-]{1,40}$")


@dataclass(frozen=True)
class Loc:
    """Where a value stands: file path and 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    share: Decimal | None = None


@dataclass(frozen=True)
class Settings:
    """`catalogue.yaml`."""

    title: str
    organisation: str
    years: tuple[int, ...]
    price_level: int
    unit: int = 1000
    savings_sign: str = "negative"
    average_salary: Decimal | None = None
    targets: Mapping[int, Decimal] = field(default_factory=dict)
    target_basis: str = "alle"
    counted_statuses: tuple[str, ...] = DEFAULT_COUNTED
    departments: tuple[Department, ...] = ()
    declared_totals: Mapping[int, Decimal] = field(default_factory=dict)
    subtitle: str = ""
    date: dt.date | None = None
    percent_sign: str = "%"
    path: str = "catalogue.yaml"
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)

    @property
    def allocation_key(self) -> dict[str, Decimal]:
        """Department code → share in percent, for departments that have a share."""
        return {d.code: d.share for d in self.departments if d.share is not None}


@dataclass(frozen=True)
class Theme:
    id: str
    number: int
    title: str
    merged_into: str | None = None
    body: str = ""
    declared_totals: Mapping[int, Decimal] = field(default_factory=dict)
    path: str = ""
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)

    @property
    def merged(self) -> bool:
        return self.merged_into is not None


@dataclass(frozen=True)
class Line:
    """One economic line: its text, styringsområde, group and amounts per year."""

    text: str
    area: str
    group: str
    amounts: Amounts
    loc: Loc = field(default=Loc(""), compare=False)


@dataclass(frozen=True)
class Consulted:
    party: str
    approved: bool | None = None
    date: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class Hearing:
    body: str
    comment: str


@dataclass(frozen=True)
class FollowUp:
    goal: str
    measure: str = ""
    responsible: str = ""
    when: str = ""


@dataclass(frozen=True)
class Proposal:
    id: str
    title: str
    theme: str
    department: str
    summary: str
    lines: tuple[Line, ...] = ()
    status: str = "forslag"
    kind: str | None = None
    price_level: int | None = None
    fte: Mapping[int, Decimal] | None = None
    allocation: Mapping[str, Decimal] | str | None = None
    declared_totals: Mapping[int, Decimal] = field(default_factory=dict)
    consulted: tuple[Consulted, ...] = ()
    hearing: tuple[Hearing, ...] = ()
    followup: tuple[FollowUp, ...] = ()
    tags: tuple[str, ...] = ()
    body: str = ""
    path: str = ""
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Catalogue:
    """Everything in one content folder, themes by number and proposals by id."""

    settings: Settings
    themes: tuple[Theme, ...]
    proposals: tuple[Proposal, ...]

    def theme(self, theme_id: str) -> Theme | None:
        return next((t for t in self.themes if t.id == theme_id), None)

    def proposals_in(self, theme_id: str) -> tuple[Proposal, ...]:
        return tuple(p for p in self.proposals if p.theme == theme_id)

    def department_name(self, code: str) -> str:
        return next((d.name for d in self.settings.departments if d.code == code), code)


def natural_key(text: str) -> tuple[object, ...]:
    """Sort key that orders `ADM-2` before `ADM-10`."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", text))
