"""The catalogue as immutable data: settings, themes, proposals and their economic lines.

Amounts are exact `Decimal`s; `UNKNOWN` stands for the writer's `"?"` (not yet known).
A year that has no amount is simply absent from an amounts mapping.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Final, Mapping, Union


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


@dataclass(frozen=True)
class Range:
    """An amount given as two estimates, `{low: 3.5, high: 5.5}`: shown `3,5–5,5`.

    `low` and `high` are the low and the high estimate as the writer gave them (for savings
    entered as negative numbers, `low: -3.5, high: -5.5`); sums add lows to lows and highs to
    highs. A range never has `low == high`."""

    low: Decimal
    high: Decimal

    def map(self, fn: "Callable[[Decimal], Decimal]") -> "Range":
        return Range(fn(self.low), fn(self.high))


Amount = Union[Decimal, _Unknown, Range]
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
PAGE_BREAKS: Final = ("auto", "proposal", "flow")
DEFAULT_COUNTED: Final = ("forslag", "vedtaget")
OUTCOMES: Final = ("vedtaget", "forkastet", "udskudt")  # decision.outcome (SPEC §8)
LIGHTS: Final = ("grøn", "gul", "rød")  # realisation status: the traffic light (SPEC §8)
# The proposal statuses each council decision allows (a contradiction is an error naming both
# lines): a postponed proposal stays a proposal (or a draft) until it comes back.
OUTCOME_STATUSES: Final = {
    "vedtaget": ("vedtaget",),
    "forkastet": ("forkastet",),
    "udskudt": ("forslag", "udkast"),
}
ALLOCATION_KEY: Final = "nøgle"

ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9ÆØÅæøåÄÖÜäöüÉé._-]{1,40}$")  # see fields.id_problem


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
    average_salary: Decimal | None = None


@dataclass(frozen=True)
class Look:
    """`look:` in catalogue.yaml: the documents' accent colour, logo, font and page breaks."""

    accent: str | None = None  # "#7a1f3d" (checked: contrast with white ≥ 4.5:1)
    logo: str | None = None  # path relative to the content folder (checked: inside, a file)
    font: str | None = None
    page_break: str = "auto"  # auto | proposal | flow


@dataclass(frozen=True)
class Allocation:
    """A proposal's `allocation`: shares (its own, or the catalogue's key) or amounts per
    department, from a first year (`start`; earlier years stay with its own department).

    `amounts` is per department per year (a mapping given without years is repeated for
    every year). Exactly one of `key`, `shares`, `amounts` is set."""

    key: bool = False
    shares: Mapping[str, Decimal] | None = None
    amounts: Mapping[str, Mapping[int, Decimal] | Decimal] | None = None
    start: int | None = None

    def __eq__(self, other: object) -> bool:
        """Equal to another Allocation field by field; for code written before allocation
        was a dataclass, also to `"nøgle"` (the key, from the first year) and to a mapping
        of shares (those shares, from the first year)."""
        if isinstance(other, Allocation):
            return (self.key, self.shares, self.amounts, self.start) == (
                other.key, other.shares, other.amounts, other.start)
        if self.start is not None or self.amounts is not None:
            return False
        if isinstance(other, str):
            return self.key and other == ALLOCATION_KEY
        if isinstance(other, Mapping):
            return not self.key and dict(self.shares or {}) == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # holds mappings


@dataclass(frozen=True)
class Intro:
    """`content/intro.md`: the catalogue's introduction (Markdown) after the contents."""

    title: str
    body: str
    path: str = "intro.md"


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
    decimals: int | None = None  # as given; None: automatic (see `shown_decimals`)
    fte_decimals: int = 1
    labels: Mapping[str, str] = field(default_factory=dict)  # the catalogue's own wording
    look: Look = field(default_factory=Look)
    shown_decimals: int = 0  # decimals every amount is shown with (`decimals` or derived)
    path: str = "catalogue.yaml"
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)

    @property
    def allocation_key(self) -> dict[str, Decimal]:
        """Department code → share in percent, for departments that have a share."""
        return {d.code: d.share for d in self.departments if d.share is not None}

    def department(self, code: str) -> "Department | None":
        return next((d for d in self.departments if d.code == code), None)


@dataclass(frozen=True)
class Theme:
    id: str
    number: int
    title: str
    merged_into: str | None = None
    body: str = ""
    declared_totals: Mapping[int, Decimal] = field(default_factory=dict)
    average_salary: Decimal | None = None
    note: str = ""  # Markdown, shown under the theme's table
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
class Decision:
    """`decision`: the council's decision on a proposal (SPEC §8).

    `amounts` is what the council adopted per year where it changed the proposal: a year it
    names replaces the proposal's total for that year, a year it leaves out is adopted as
    proposed (`{}`: adopted as proposed)."""

    outcome: str  # vedtaget | forkastet | udskudt
    date: dt.date | None = None
    reference: str = ""  # "Byrådet 8.10.2026, pkt. 12"
    amounts: Amounts = field(default_factory=dict)
    note: str = ""  # Markdown

    @property
    def changed(self) -> bool:
        """Adopted with a change: the council gave its own amounts."""
        return self.outcome == "vedtaget" and bool(self.amounts)


@dataclass(frozen=True)
class Realisation:
    """One entry of `realisation`: the expectation at one budget revision (SPEC §8).

    `expected` is the expected amount per year; a year it leaves out is expected as adopted.
    The last entry of a proposal's list is its current expectation. `locs` holds where each
    key stands (`revision`, `date`, `expected.2027`, ...) for messages across entries."""

    revision: str  # "BO1 2027"
    status: str  # grøn | gul | rød
    date: dt.date | None = None
    expected: Amounts = field(default_factory=dict)
    comment: str = ""  # Markdown
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)


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
    fte: Mapping[int, Decimal | _Unknown] | None = None  # as given; UNKNOWN for "?"
    allocation: Allocation | None = None
    declared_totals: Mapping[int, Decimal] = field(default_factory=dict)
    alternative_to: str | None = None
    chosen: bool | None = None
    note: str = ""  # Markdown, shown right under the economic table
    consulted: tuple[Consulted, ...] = ()
    hearing: tuple[Hearing, ...] = ()
    followup: tuple[FollowUp, ...] = ()
    tags: tuple[str, ...] = ()
    decision: Decision | None = None
    realisation: tuple[Realisation, ...] = ()
    body: str = ""
    path: str = ""
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)

    @property
    def adopted(self) -> bool:
        """Adopted by the council: `decision.outcome: vedtaget`, or, without a decision,
        `status: vedtaget` (adopted as proposed)."""
        if self.decision is not None:
            return self.decision.outcome == "vedtaget"
        return self.status == "vedtaget"

    @property
    def current(self) -> Realisation | None:
        """The current expectation: the last `realisation` entry (None before the first)."""
        return self.realisation[-1] if self.realisation else None


@dataclass(frozen=True)
class Catalogue:
    """Everything in one content folder, themes by number and proposals by id."""

    settings: Settings
    themes: tuple[Theme, ...]
    proposals: tuple[Proposal, ...]
    intro: Intro | None = None

    def theme(self, theme_id: str) -> Theme | None:
        return next((t for t in self.themes if t.id == theme_id), None)

    def proposals_in(self, theme_id: str) -> tuple[Proposal, ...]:
        return tuple(p for p in self.proposals if p.theme == theme_id)

    def department_name(self, code: str) -> str:
        return next((d.name for d in self.settings.departments if d.code == code), code)

    @property
    def budget_year(self) -> bool:
        """Whether the catalogue has gone on into the budget year: some proposal has a
        `decision` or a `realisation` entry (then the budget agreement and the follow-up
        are computed and shown)."""
        return any(p.decision is not None or p.realisation for p in self.proposals)

    @property
    def followed_up(self) -> bool:
        """Whether some proposal has a `realisation` entry."""
        return any(p.realisation for p in self.proposals)

    def alternative_groups(self) -> dict[str, tuple[str, ...]]:
        """Alternatives: group id (its first member by id) → member ids in id order. A group
        is a proposal and every proposal whose `alternative_to` names it."""
        groups: dict[str, list[str]] = {}
        for p in self.proposals:
            if p.alternative_to:
                groups.setdefault(p.alternative_to, [p.alternative_to]).append(p.id)
        return {min(ids, key=natural_key): tuple(sorted(ids, key=natural_key))
                for ids in groups.values()}


def natural_key(text: str) -> tuple[object, ...]:
    """Sort key that orders `ADM-2` before `ADM-10`."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", text))
