"""Problems found in content, as data: one `Issue` each, collected in a `Report`.

Every problem has a documented code (`PROBLEMS`, listed in docs/errors.md): its severity, a
Danish message template and an English line on when it happens. Code emits problems through
`Report.problem(code, path, line, col, **values)`, which fills the template; `Report.error`
and `Report.warning` take a ready message for problems whose text is built elsewhere (source,
fmt, renderers) but their code must be in the catalogue too. Under pytest (or with
`KATALOG_STRICT_CODES=1`) an undocumented code raises `UndocumentedCode`, so a test fails the
moment code emits one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, Iterator


class Severity(str, Enum):
    """How bad a problem is; the value is the Danish word printed to users."""

    ERROR = "fejl"
    WARNING = "advarsel"


@dataclass(frozen=True)
class Problem:
    """One kind of problem: code, severity, Danish template, English description, stage."""

    code: str
    severity: Severity
    template: str
    doc: str
    stage: str

    def message(self, **values: Any) -> str:
        return self.template.format(**values)


STAGES = {
    "source": "Reading a file (source.py)",
    "load": "Fields and values (load.py, reader.py)",
    "validate": "Rules across files (validate.py)",
    "compute": "Totals against declared figures (reconcile.py)",
    "build": "Building documents (build.py, renderers)",
    "fmt": "katalog fmt",
}

E, W = Severity.ERROR, Severity.WARNING

_PROBLEMS = (
    # -- source: reading one file --------------------------------------------------------------
    Problem("file-too-large", E, "filen er for stor ({size} bytes; højst {limit})",
            "A file is larger than 1 MiB.", "source"),
    Problem("encoding", E, "filen er ikke gyldig UTF-8 (byte 0x{byte}); gem den som UTF-8",
            "A file is not UTF-8, or contains NUL characters.", "source"),
    Problem("empty-file", E, "filen er tom", "A file is empty or only whitespace.", "source"),
    Problem("front-matter", E, "filen skal begynde med front matter: første linje skal være ---",
            "A theme/proposal file does not start with `---` front matter, or it is not "
            "closed.", "source"),
    Problem("yaml-syntax", E, "ugyldig YAML ({detail})", "The YAML cannot be parsed.",
            "source"),
    Problem("yaml-depth", E, "YAML'en er indlejret for dybt", "The YAML nests too deeply.",
            "source"),
    Problem("yaml-alias", E, "YAML-ankre og -aliaser (&x, *x, <<) er ikke tilladt",
            "An anchor, alias or merge key.", "source"),
    Problem("yaml-tag", E, "YAML-tagget {tag} er ikke tilladt",
            "A YAML tag such as `!!python/object`.", "source"),
    Problem("yaml-key", E, "en nøgle skal være en simpel tekst",
            "A mapping key that is a list, a mapping or null.", "source"),
    Problem("duplicate-key", E, "nøglen '{key}' står to gange (første gang i linje {line})",
            "A key twice in one mapping (also a year written twice, as `2026` and "
            "`\"2026\"`).", "source"),
    Problem("control-char", E, "teksten indeholder tegnet {char} (et usynligt styretegn), som "
            "ikke kan stå i et dokument; slet det",
            "A control character (written directly or as a YAML escape such as `\\x1b`) that "
            "no document format can hold.", "source"),
    Problem("body-nesting", E, "teksten har lister og citater inden i hinanden i mere end "
            "{limit} niveauer; PDF og Word kan ikke vise det – gør strukturen fladere",
            "A Markdown text nests lists or quotes deeper than PDF and Word can lay out.",
            "load"),
    Problem("body-depth", E, "teksten har HTML-elementer inden i hinanden i mere end {limit} "
            "niveauer; PDF og Word kan ikke vise det – gør strukturen fladere",
            "Raw HTML in a Markdown text nests deeper than PDF and Word can lay out.", "load"),
    Problem("body-table", E, "en tabel har {columns} kolonner; Word kan højst vise {limit} – "
            "del tabellen op", "A Markdown table wider than Word allows.", "load"),
    Problem("read", E, "filen kan ikke læses ({reason})",
            "A file cannot be read (permissions, a symlink, a FIFO, ...).", "source"),
    Problem("internal", E, "filen kunne ikke læses ({detail})",
            "An unexpected failure while reading or computing, reported on the file instead "
            "of a traceback (a bug: please report it).", "source"),
    Problem("missing-file", E, "{file} mangler i indholdsmappen (titel, organisation, år og "
            "prisniveau)", "There is no `catalogue.yaml`.", "source"),
    Problem("ignored-file", W, "filen ignoreres: kun .md-filer læses her",
            "A file in `themes/` or `proposals/` that is not `.md`.", "source"),
    # -- load: one field's value ---------------------------------------------------------------
    Problem("unknown-field", W, "ukendt felt '{key}' i {where} ignoreres{hint}",
            "A key the record does not have (with a suggestion when one is close, also for "
            "Danish keys such as `titel`).", "load"),
    Problem("required", E, "{label} mangler: feltet '{key}' er påkrævet{hint}",
            "A required field is missing.", "load"),
    Problem("empty-required", E, "feltet '{key}' er tomt: {label} er påkrævet",
            "A required field is present but empty.", "load"),
    Problem("not-mapping", E, "{what} skal være en samling af nøgler og værdier, ikke {kind}",
            "Front matter, catalogue.yaml or a nested record is not a mapping.", "load"),
    Problem("not-text", E, "'{key}' skal være tekst, ikke {kind}",
            "A text field holds a list, a mapping or true/false.", "load"),
    Problem("not-integer", E, "'{key}' skal være et helt tal, ikke {kind}",
            "An integer field (number, price_level, ...) holds something else.", "load"),
    Problem("quoted-number", E, "{what} står i anførselstegn: skriv {text} uden anførselstegn",
            "A number written in quotes (`\"-6000\"`).", "load"),
    Problem("not-number", E, "{what} skal være et tal{unknown}, ikke {value}",
            "An amount or number field holds text, a list or true/false.", "load"),
    Problem("thousands-dot", E, "{text} {reading}: {rule} – mente du {meant}?",
            "A number with a dot and exactly three decimals (`-6.000` is -6 in YAML) in a "
            "catalogue whose unit is kr. or 1.000 kr.; in mio. kr. it is an ordinary "
            "decimal.", "load"),
    Problem("decimal-comma", E, "'{text}' er ikke et tal: brug punktum som decimaltegn – "
            "mente du {meant}?", "A decimal comma (`\"1,5\"`).", "load"),
    Problem("spaced-number", E, "'{text}' er ikke et tal: skriv tal uden mellemrum – "
            "mente du {meant}?", "A number with spaces between the thousands.", "load"),
    Problem("too-large", E, "{what} er urimeligt stort ({value}); beløb skrives i katalogets "
            "enhed ({unit})", "A number of 10^15 or more.", "load"),
    Problem("out-of-range", E, "'{key}' skal være {rule}, ikke {value}",
            "A number outside its allowed range (share 0–100, decimals 0–4, a salary ≤ 0, "
            "...).", "load"),
    Problem("unknown-choice", E, "ukendt {label} '{value}': skal være {options}{hint}",
            "A value that is not one of the field's choices.", "load"),
    Problem("not-choice", E, "{label} skal være {options}, ikke {kind}",
            "A choice field holds a number, a list or a mapping.", "load"),
    Problem("unknown-status", E, "ukendt status '{value}': skal være {options}{hint}",
            "`status` (or an entry of `counted_statuses`) is not a known status.", "load"),
    Problem("unknown-area", E, "ukendt styringsområde '{value}': skal være {options}{hint}",
            "An economy line's `area` is unknown.", "load"),
    Problem("unknown-group", E, "ukendt gruppe '{value}': skal være {options}{hint}",
            "An economy line's `group` is unknown.", "load"),
    Problem("unknown-kind", E, "ukendt forslagstype '{value}': skal være {options}{hint}",
            "A proposal's `kind` is unknown.", "load"),
    Problem("unknown-outcome", E, "ukendt afgørelse '{value}': skal være {options}{hint}",
            "`decision.outcome` is not `vedtaget`, `forkastet` or `udskudt` (with a "
            "suggestion for Danish synonyms such as `godkendt`, `afvist`, `udsat`).", "load"),
    Problem("unknown-light", E, "ukendt status '{value}' for realiseringen: skal være "
            "{options}{hint}", "A `realisation` entry's `status` is not `grøn`, `gul` or "
            "`rød` (with a suggestion for `groen`, `green`, `red`, ...).", "load"),
    Problem("unit", E, "'unit' skal være {options}, ikke {value}",
            "`unit` is not 1, 1000 or 1000000.", "load"),
    Problem("not-bool", E, "'{key}' skal være true/false (eller ja/nej)",
            "A yes/no field holds something else.", "load"),
    Problem("not-date", E, "'{key}' skal være en dato som 2026-08-07",
            "A date field holds something else (or an impossible date).", "load"),
    Problem("not-list", E, "'{key}' skal være en liste{example}",
            "A list field holds a single value of the wrong kind.", "load"),
    Problem("not-text-item", E, "hvert punkt i '{key}' skal være tekst, ikke {kind}",
            "A list of texts (`tags`) holds a list, a mapping or true/false.", "load"),
    Problem("not-record-list", E, "'{key}' skal være en liste, hvor hvert punkt er {what}, "
            "ikke {kind}",
            "`economy`, `departments`, `hearing`, ... is not a list.", "load"),
    Problem("not-record", E, "hvert punkt i '{key}' skal være {what}, ikke {kind}",
            "An item of such a list is not a mapping.", "load"),
    Problem("not-year-map", E, "'{key}' skal være en samling af år og beløb som "
            "{{{year}: {example}}}, ikke {kind}", "`amounts`, `totals`, `targets`, `fte` is "
            "not a mapping of years.", "load"),
    Problem("year", E, "'{value}' er ikke et årstal", "A key of a year mapping, or an entry "
            "of `years`, is not a year.", "load"),
    Problem("year-range", E, "året {year} ligger uden for katalogets år ({first}–{last})",
            "A year that is not one of `catalogue.years`.", "load"),
    Problem("not-year-list", E, "'years' skal være en liste af årstal som "
            "[2027, 2028, 2029, 2030]", "`years` is not a non-empty list.", "load"),
    Problem("years-order", E, "årene i 'years' skal stå i stigende orden uden gentagelser",
            "`years` is not strictly ascending.", "load"),
    Problem("range-form", E, "et interval skrives {{low: 3.5, high: 5.5}}: {reason}",
            "A range amount lacks `low` or `high`, or has other keys.", "load"),
    Problem("range-equal", E, "intervallets low og high er ens ({value}): skriv bare {value}",
            "A range whose two ends are equal.", "load"),
    Problem("unknown-in-known", E, "{what} kan ikke være \"?\" eller et interval: skriv et tal",
            "`\"?\"` or a range where only a known number makes sense (targets, declared "
            "totals, shares, salaries).", "load"),
    Problem("id-syntax", E, "id'et '{value}' er ugyldigt: {reason}",
            "An id with other characters than letters, digits, `.`, `-`, `_`, or over 40 "
            "characters.", "load"),
    Problem("id-start", E, "id'et '{value}' er ugyldigt: {reason}",
            "An id that starts with `.` (hidden file) or `-` (read as an option).", "load"),
    Problem("id-reserved", E, "id'et '{value}' er ugyldigt: {reason}",
            "An id that is a Windows device name (`con`, `nul`, `aux`, `com1`, ... in any "
            "case, with or without extension): its file cannot exist on Windows.", "load"),
    Problem("duplicate-department", E, "forvaltningskoden '{code}' står to gange (første "
            "gang i linje {line})", "Two departments with the same code.", "load"),
    Problem("allocation-form", E, "'allocation' skal være 'nøgle', andele som {{SOF: 60, "
            "BUF: 40}} eller {{shares: ..., amounts: ..., from: ...}}{detail}",
            "`allocation` has the wrong shape.", "load"),
    Problem("label-unknown", W, "ukendt betegnelse '{key}' i 'labels' ignoreres{hint}",
            "A key of `labels` that is not a label key (see docs/format.md).", "load"),
    Problem("colour", E, "'{key}' skal være en farve som \"#7a1f3d\" (eller \"#a13\"), ikke "
            "'{value}'", "`look.accent` is not a `#rrggbb` colour.", "load"),
    Problem("contrast", E, "accentfarven {value} har for lav kontrast til hvid ({ratio}:1; "
            "mindst 4,5:1): vælg en mørkere farve", "White text on the accent colour (and "
            "the accent on white) has a WCAG contrast below 4.5:1.", "load"),
    Problem("logo-path", E, "logoet '{value}' skal ligge i indholdsmappen: {reason}",
            "`look.logo` is absolute or points outside the content folder.", "load"),
    Problem("logo-missing", E, "logoet '{value}' findes ikke i indholdsmappen",
            "`look.logo` names a file that does not exist.", "load"),
    Problem("logo-file", E, "logoet '{value}' kan ikke bruges: {reason}",
            "`look.logo` is not a regular file (a folder, a symlink, ...) or cannot be read.",
            "load"),
    Problem("logo-type", E, "logoet '{value}' skal være SVG, PNG eller JPEG{detail}",
            "`look.logo` is not an SVG, PNG or JPEG file.", "load"),
    # -- validate: rules across files ------------------------------------------------------------
    Problem("duplicate-id", E, "{what}-id'et '{value}' er allerede brugt i {other}",
            "Two proposals (or two themes) with the same id.", "validate"),
    Problem("duplicate-id-case", E, "{what}-id'et '{value}' adskiller sig kun ved store og "
            "små bogstaver fra '{other_id}' i {other}: filerne ville støde sammen på Windows "
            "og macOS", "Two ids that differ only in case.", "validate"),
    Problem("duplicate-number", E, "temanummeret {number} er allerede brugt af '{other_id}' "
            "({other})", "Two themes with the same number.", "validate"),
    Problem("unknown-theme", E, "ukendt tema '{value}'{hint}",
            "A proposal's `theme` (or a theme's `merged_into`) names no theme.", "validate"),
    Problem("merged-theme", E, "temaet '{value}' er slået sammen med '{target}' og kan ikke "
            "have forslag: flyt forslaget til '{target}'", "A proposal in a merged theme.",
            "validate"),
    Problem("merged-self", E, "temaet '{value}' kan ikke slås sammen med sig selv",
            "`merged_into` names the theme itself.", "validate"),
    Problem("merged-cycle", E, "temaerne danner en ring af sammenlægninger ({chain})",
            "`merged_into` forms a cycle of themes.", "validate"),
    Problem("merged-chain", E, "'{value}' er selv slået sammen med '{target}': peg direkte "
            "på '{target}'", "`merged_into` names a theme that is itself merged.", "validate"),
    Problem("unknown-department", E, "ukendt forvaltning '{value}'{hint} (kendte: {known})",
            "A department code that is not in `catalogue.departments`.", "validate"),
    Problem("price-level", E, "forslaget er i {level} p/l, men kataloget er i {catalogue} "
            "p/l: omregn beløbene og ret 'price_level'",
            "A proposal's `price_level` differs from the catalogue's.", "validate"),
    Problem("shares-incomplete", E, "fordelingsnøglen er ufuldstændig: giv alle forvaltninger "
            "en 'share' eller ingen", "Some departments have a `share`, others not.",
            "validate"),
    Problem("shares-sum", E, "{what} giver {sum} %, ikke 100 %",
            "Shares (catalogue key or a proposal's) that add up to less than 99 or more "
            "than 101.", "validate"),
    Problem("shares-rounded", W, "{what} giver {sum} %, ikke 100 %: de regnes om, så de giver "
            "100 % (fx fordi kilden viser afrundede andele)",
            "Shares that add up to 99–101 (rounded shares as printed): the parts are "
            "computed from the shares normalised to 100.", "validate"),
    Problem("allocation-key", E, "'allocation: nøgle' kræver en fordelingsnøgle: 'share' på "
            "forvaltningerne i catalogue.yaml", "`nøgle` without shares in the catalogue.",
            "validate"),
    Problem("allocation-from", E, "'from: {year}' ligger uden for katalogets år "
            "({first}–{last})", "`allocation.from` is not one of the catalogue's years.",
            "validate"),
    Problem("allocation-amounts", E, "fordelingen med beløb giver {given} i {year}, men "
            "forslagets varige beløb er {total} (forskel {diff}): ret beløbene",
            "Allocation amounts that do not add up to the proposal's `varig` total in a "
            "year.", "compute"),
    Problem("allocation-range", E, "{year}: et interval kan ikke fordeles med beløb; brug "
            "andele ('shares')", "Allocation amounts for a year whose total is a range.",
            "compute"),
    Problem("alternative-unknown", E, "'alternative_to' peger på et ukendt forslag "
            "'{value}'{hint}", "`alternative_to` names no proposal.", "validate"),
    Problem("alternative-self", E, "et forslag kan ikke være alternativ til sig selv",
            "`alternative_to` names the proposal itself.", "validate"),
    Problem("alternative-chain", E, "'{value}' er selv et alternativ til '{target}': peg "
            "direkte på '{target}'", "`alternative_to` names a proposal that is itself an "
            "alternative.", "validate"),
    Problem("alternative-theme", E, "et alternativ skal stå i samme tema som '{value}' "
            "({theme})", "An alternative in another theme than the proposal it is an "
            "alternative to.", "validate"),
    Problem("alternative-chosen", E, "kun ét alternativ kan være valgt: '{other_id}' er "
            "også 'chosen: true'", "Two alternatives of one group have `chosen: true`.",
            "validate"),
    Problem("chosen-alone", W, "'chosen' har kun betydning for alternativer: forslaget har "
            "ingen", "`chosen` on a proposal that has no alternatives.", "validate"),
    Problem("decision-status", E, "status '{status}'{given} passer ikke med afgørelsen "
            "'{outcome}' i linje {line}: {fix}", "A proposal's `status` contradicts its "
            "`decision.outcome` (vedtaget needs status vedtaget, forkastet needs forkastet, "
            "udskudt needs forslag or udkast); reported at `status` (or at the outcome when "
            "`status` is not written), naming the other line.", "validate"),
    Problem("decision-amounts", E, "'amounts' i afgørelsen er de vedtagne beløb, men "
            "afgørelsen er '{outcome}': slet 'amounts' eller ret afgørelsen",
            "`decision.amounts` on a decision that is not `vedtaget`.", "validate"),
    Problem("realisation-not-adopted", E, "opfølgning på realiseringen ('realisation') "
            "gælder kun vedtagne forslag, men forslaget er {what}: slet 'realisation' eller "
            "ret afgørelsen", "A `realisation` entry on a proposal that is not adopted "
            "(adopted: `decision.outcome: vedtaget`, or `status: vedtaget` without a "
            "decision).", "validate"),
    Problem("realisation-duplicate", E, "budgetopfølgningen '{revision}' står allerede i "
            "linje {line}: giv hver opfølgning sit eget navn (fx 'BO2 2027')",
            "Two `realisation` entries of one proposal with the same `revision`.",
            "validate"),
    Problem("realisation-order", E, "budgetopfølgningen '{revision}' er dateret {date}, før "
            "'{previous}' ({previous_date}, linje {line}): posterne skal stå i datoorden med "
            "den nyeste sidst, for den sidste er den aktuelle forventning",
            "`realisation` entries whose dates are not in ascending order (the last entry is "
            "the current expectation).", "validate"),
    Problem("realisation-before-decision", W, "budgetopfølgningen '{revision}' er dateret "
            "{date}, før afgørelsen ({decision_date}, linje {line})",
            "A `realisation` entry dated before the proposal's `decision.date`.",
            "validate"),
    Problem("alternative-adopted", E, "kun ét alternativ kan være vedtaget: '{other_id}' i "
            "samme gruppe er også vedtaget", "Two proposals of one group of alternatives "
            "are both adopted (the budget would count the saving twice).", "validate"),
    Problem("no-proposals", W, "kataloget har ingen forslag (content/proposals/*.md)",
            "The catalogue has no proposals.", "validate"),
    # -- compute: declared figures ---------------------------------------------------------------
    Problem("declared-totals", E, "{what} for {year} er angivet til {declared}, men beregnes "
            "til {computed} (forskel {diff}): ret tallet eller linjerne",
            "A declared `totals` figure differs from the computed total.", "compute"),
    Problem("declared-unknown", E, "{what} for {year} kan ikke angives, fordi året "
            "indeholder et ukendt beløb (\"?\") eller et interval",
            "A declared total for a year whose lines contain `\"?\"` or a range.",
            "compute"),
    # -- build -----------------------------------------------------------------------------------
    Problem("docx-template", W, "Word-skabelonen: {detail}", "The Word template lacks a "
            "style katalog uses (a default is used).", "build"),
    Problem("write", E, "{path} kan ikke skrives ({reason})",
            "An output file cannot be written.", "build"),
    # -- fmt -------------------------------------------------------------------------------------
    Problem("fmt", E, "filen kan ikke formateres ({detail}); filen er uændret",
            "`katalog fmt` cannot format a file safely and leaves it as it is.", "fmt"),
)

PROBLEMS: dict[str, Problem] = {p.code: p for p in _PROBLEMS}


class UndocumentedCode(AssertionError):
    """Code emitted a problem code that is not in `PROBLEMS` (raised under tests only)."""


def _strict() -> bool:
    return bool(os.environ.get("PYTEST_CURRENT_TEST") or os.environ.get("KATALOG_STRICT_CODES"))


def check_code(code: str) -> None:
    """Raise `UndocumentedCode` for a code missing from the catalogue (tests only)."""
    if code not in PROBLEMS and _strict():
        raise UndocumentedCode(f"problem code '{code}' is not in katalog.issues.PROBLEMS "
                               "(document it there and in docs/errors.md)")


@dataclass(frozen=True)
class Issue:
    """One problem in one file, at a 1-based line and column (0 when unknown)."""

    path: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    def __post_init__(self) -> None:
        check_code(self.code)

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

    def problem(self, code: str, path: str, line: int = 0, col: int = 0, /,
                **values: Any) -> Issue:
        """Add the catalogue's problem `code` with its template filled from `values`."""
        check_code(code)
        kind = PROBLEMS.get(code)
        if kind is None:  # not reached under tests (check_code raises)
            return self.add(code, f"{code}: {values}", path, line, col)
        return self.add(code, kind.message(**values), path, line, col, kind.severity)

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
