"""Every content field, declared once: the table that loading, validation messages, the JSON
Schema, the `katalog new` scaffold, the diff's labels and `docs/format.md` all derive from.

A `Record` is one kind of mapping in the content (catalogue.yaml, a theme's or a proposal's
front matter, and the mappings nested in them: an economy line, a department, a hearing
comment, ...). Each `Field` says what its key holds (`Kind`), whether it is required, its
default, its Danish label (messages, the diff, documents) and help text (editors, the
scaffold), an English line for the developer docs, and the Danish words writers type instead
of the key (`aliases`, for "mente du ...?").

Adding a field is one declaration here plus, when it needs new data, one attribute on the
model class the record builds (`Record.model`). A field of a new `Kind` also needs a reader in
`load.READERS` and a schema in `schema.KIND_SCHEMAS`; a nested record (`Kind.RECORD`,
`Kind.RECORDS`) needs neither: it is read, checked and documented field by field.
See docs/format.md ("Declaring a field") for the worked example of SPEC §8's `decision`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterator

from .model import (
    AREAS,
    DEFAULT_COUNTED,
    GROUPS,
    KINDS,
    LIGHTS,
    OUTCOMES,
    PAGE_BREAKS,
    PERCENT_SIGNS,
    SAVINGS_SIGNS,
    STATUSES,
    TARGET_BASES,
    UNITS,
    Consulted,
    Decision,
    Department,
    FollowUp,
    Hearing,
    Line,
    Look,
    Realisation,
)


class Kind(str, Enum):
    """What a field's value is; each kind has one reader (load) and one schema (schema)."""

    TEXT = "text"  # one line of plain text
    MARKDOWN = "markdown"  # Markdown text (paragraphs, bold, lists) kept as written
    ID = "id"  # a short code: letters, digits, '.', '-', '_' (see `id_problem`)
    REF = "ref"  # the id/code of another thing (`Field.ref`: theme, department, proposal)
    INTEGER = "integer"
    NUMBER = "number"  # an exact decimal number (never a float)
    CHOICE = "choice"  # one of `Field.choices`
    CHOICES = "choices"  # a list of `Field.choices`
    BOOL = "bool"  # true/false (or ja/nej)
    DATE = "date"  # 2026-08-07
    TEXT_LIST = "text_list"  # a list of short texts (or one text)
    YEARS = "years"  # the catalogue's year columns: ascending integers
    YEAR_MAP = "year_map"  # {year: number}
    AMOUNTS = "amounts"  # {year: number | "?" | {low, high}}
    FTE = "fte"  # "?" or {year: number | "?"}
    ALLOCATION = "allocation"  # "nøgle" | {CODE: percent} | `Field.record` (shares, amounts, from)
    SHARES = "shares"  # "nøgle" | {CODE: percent}
    DEPARTMENT_AMOUNTS = "department_amounts"  # {CODE: number} | {CODE: {year: number}}
    LABELS = "labels"  # {label key: Danish text}
    COLOUR = "colour"  # "#7a1f3d"
    PATH = "path"  # a file relative to the content folder
    RECORD = "record"  # a nested mapping of `Field.record`
    RECORDS = "records"  # a list of `Field.record` mappings


@dataclass(frozen=True)
class Field:
    """One key of a record."""

    key: str
    kind: Kind
    label: str  # Danish, short: "Forvaltning"
    help: str  # Danish, one or two sentences: editors' hover text and scaffold comments
    doc: str  # English, for docs/format.md
    required: bool = False
    default: Any = None
    choices: tuple[Any, ...] = ()
    choice_labels: tuple[str, ...] = ()  # how the choices are named in messages, if not as-is
    code: str = "unknown-choice"  # the problem code for a value not among `choices`
    ref: str = ""  # for Kind.REF: "theme", "department" or "proposal"
    record: "Record | None" = None  # for Kind.RECORD / Kind.RECORDS
    aliases: tuple[str, ...] = ()  # Danish or mistyped keys writers use for this one
    value_aliases: tuple[tuple[str, str], ...] = ()  # for CHOICE: (word writers type, choice)
    attr: str = ""  # the model attribute, when it is not `key`
    minimum: int | None = None  # for INTEGER/NUMBER: smallest allowed value
    maximum: int | None = None  # for INTEGER/NUMBER: largest allowed value
    positive: bool = False  # for NUMBER: must be > 0
    hint: str = ""  # Danish, added to "missing" messages: "skriv [] hvis der ingen er"
    example: str = ""  # YAML value shown in docs and the scaffold
    diff: bool = True  # `katalog diff` lists a changed value as a field change

    @property
    def name(self) -> str:
        """The model attribute that holds the value."""
        return self.attr or self.key

    @property
    def choice_aliases(self) -> dict[str, str]:
        """Word writers type (casefolded) → the choice it means, for "mente du ...?"."""
        return {word.casefold(): choice for word, choice in self.value_aliases}

    @property
    def options_text(self) -> str:
        """The choices as a Danish list: 'a', 'b' eller 'c'."""
        return one_of([str(c) for c in self.choices], self.choice_labels)


@dataclass(frozen=True)
class Record:
    """One kind of mapping: its fields in their canonical order (`katalog fmt`'s order)."""

    name: str
    where: str  # Danish, for "ukendt felt 'x' i {where}"
    title: str  # English heading in docs/format.md
    fields: tuple[Field, ...]
    model: type | None = None  # the model class a nested record becomes
    describe: str = ""  # Danish, the schema's description of the record
    one: str = ""  # Danish: what one item of a list of these is ("en økonomilinje med ...")

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __getitem__(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(f.key == key for f in self.fields)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.required)

    @property
    def aliases(self) -> dict[str, str]:
        """Alias (casefolded) → key, for "mente du ...?"."""
        return {a.casefold(): f.key for f in self.fields for a in f.aliases}


def one_of(options: list[str], labels: tuple[str, ...] = ()) -> str:
    """`'a', 'b' eller 'c'` (or the given labels, unquoted)."""
    shown = list(labels) if labels else [f"'{o}'" for o in options]
    if not shown:
        return ""
    return ", ".join(shown[:-1]) + f" eller {shown[-1]}" if len(shown) > 1 else shown[0]


# -- ids --------------------------------------------------------------------------------------

ID_CHARS = re.compile(r"^[A-Za-z0-9ÆØÅæøåÄÖÜäöüÉé._-]{1,40}$")
# Names Windows reserves for devices, in any case and with any extension ("con.md" too).
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
    + ["com¹", "com²", "com³", "lpt¹", "lpt²", "lpt³"]
)


def id_problem(value: str) -> tuple[str, str] | None:
    """Why `value` cannot be an id (it becomes a file name and an anchor): `(code, reason)`
    with a Danish reason, or None when it is fine."""
    if not ID_CHARS.match(value):
        return ("id-syntax", "brug kun bogstaver, tal, '.', '-' og '_' (ingen mellemrum, "
                             "højst 40 tegn)")
    if value[0] in ".-":
        return ("id-start", "et id må ikke begynde med '.' eller '-' (filen ville blive skjult "
                            "eller læst som en kommandolinjeindstilling)")
    if value.split(".")[0].casefold() in RESERVED_NAMES:
        return ("id-reserved", f"'{value.split('.')[0]}' er et navn, Windows reserverer til "
                               "enheder, så filen kan ikke oprettes der")
    return None


# -- nested records ---------------------------------------------------------------------------

LINE = Record("line", "en økonomilinje", "Each economy line", (
    Field("text", Kind.TEXT, "Tekst", "Linjens tekst, fx 'Færre administrative ledere'.",
          "the line's text", required=True, aliases=("tekst",)),
    Field("area", Kind.CHOICE, "Styringsområde", "Styringsområde.",
          "`service`, `anlæg`, `overførsler` or `finansiering` (styringsområde)",
          required=True, choices=AREAS, code="unknown-area",
          aliases=("område", "styringsområde"), hint="service, anlæg, overførsler eller "
          "finansiering"),
    Field("group", Kind.CHOICE, "Gruppe", "varig: varig ændring; engang: engangsudgift eller "
          "-indtægt (fx implementering).",
          "`varig` (permanent change) or `engang` (one-off / implementation cost)",
          required=True, choices=GROUPS, code="unknown-group", aliases=("gruppe",),
          hint="varig eller engang"),
    Field("amounts", Kind.AMOUNTS, "Beløb", "Beløb pr. år, fx {2027: -500, 2028: -1000}; "
          "\"?\" hvis beløbet endnu ikke kendes, {low: 3.5, high: 5.5} for et interval; skriv "
          "{} hvis der ingen beløb er.",
          "`{year: amount}`; an amount is a number, `\"?\"` (not yet known) or a range "
          "`{low: 3.5, high: 5.5}`; may be `{}`", required=True, aliases=("beløb",),
          hint="skriv {} hvis der ingen er", example="{2027: -500, 2028: -1000}"),
), model=Line, one="en økonomilinje med text, area, group og amounts",
    describe="En økonomilinje.")

RANGE = Record("range", "et interval", "A range amount", (
    Field("low", Kind.NUMBER, "Lav", "Det lave skøn.", "the low estimate", required=True,
          aliases=("lav", "fra", "min")),
    Field("high", Kind.NUMBER, "Høj", "Det høje skøn.", "the high estimate", required=True,
          aliases=("høj", "til", "max")),
), describe="Et beløb givet som et interval: {low: 3.5, high: 5.5}.")

DEPARTMENT = Record("department", "en forvaltning", "Each department", (
    Field("code", Kind.TEXT, "Kode", "Forvaltningens kode, fx SOF.",
          "the department's code, used by proposals", required=True, aliases=("kode",)),
    Field("name", Kind.TEXT, "Navn", "Forvaltningens navn.", "its name (default: the code)",
          aliases=("navn",)),
    Field("share", Kind.NUMBER, "Andel", "Andel i procent (fordelingsnøgle); alle andele skal "
          "give 100 (99–101 accepteres med en advarsel, når andelene er afrundede).",
          "its share of the allocation key, in percent; all shares add up to 100 (99–101 "
          "is a warning: the parts are computed from the shares normalised to 100)",
          minimum=0, maximum=100, aliases=("andel", "procent", "pct")),
    Field("average_salary", Kind.NUMBER, "Gennemsnitsløn",
          "Forvaltningens gennemsnitsløn i katalogets enhed (til årsværk).",
          "average salary for its proposals' FTE (when their theme gives none)",
          positive=True, aliases=("gennemsnitsløn", "løn")),
), model=Department, one="en forvaltning med code og name", describe="En forvaltning.")

LOOK = Record("look", "'look'", "look: the documents' look", (
    Field("accent", Kind.COLOUR, "Accentfarve", "Accentfarven til overskrifter og "
          "tabelhoveder, fx \"#7a1f3d\"; kontrasten til hvid skal være mindst 4,5:1.",
          "accent colour `#rrggbb` (or `#rgb`) for headings and table headers; white on it "
          "(and it on white) must have a contrast of at least 4.5:1", aliases=("farve",),
          example='"#7a1f3d"'),
    Field("logo", Kind.PATH, "Logo", "Logoets fil i indholdsmappen (SVG, PNG eller JPEG), fx "
          "logo.svg.", "logo file relative to the content folder, inside it: SVG, PNG or JPEG",
          example="logo.svg"),
    Field("font", Kind.TEXT, "Skrift", "Skriftens navn, fx \"Source Sans 3\" (skal være "
          "installeret eller ligge i skabelonerne).",
          "font family name for the documents (renderers fall back to the default)",
          aliases=("skrift", "skrifttype")),
    Field("page_break", Kind.CHOICE, "Sideskift", "Sideskift i PDF og Word: auto (efter "
          "katalogets størrelse), proposal (ny side for hvert forslag) eller flow (løbende).",
          "`auto`, `proposal` (each proposal on a new page) or `flow` (proposals follow each "
          "other, kept together where they fit)", default="auto", choices=PAGE_BREAKS,
          aliases=("sideskift",)),
), model=Look, describe="Dokumenternes udseende.")

CONSULTED = Record("consulted", "'consulted'", "Each `consulted` entry", (
    Field("party", Kind.TEXT, "Part", "Hvem er hørt, fx 'Økonomiforvaltningen'.",
          "who was consulted", required=True, aliases=("part",)),
    Field("approved", Kind.BOOL, "Godkendt", "Godkendt: true/false (eller ja/nej).",
          "`true`/`false` (or `ja`/`nej`)", aliases=("godkendt",)),
    Field("date", Kind.DATE, "Dato", "Dato som 2026-08-07.", "when (`2026-08-07`)",
          aliases=("dato",)),
    Field("note", Kind.TEXT, "Bemærkning", "Bemærkning.", "a remark",
          aliases=("bemærkning", "kommentar")),
), model=Consulted, one="en part med party (og evt. approved, date, note)", describe="En hørt part.")

HEARING = Record("hearing", "'hearing'", "Each `hearing` entry", (
    Field("body", Kind.TEXT, "Udvalg", "Udvalget, fx 'HovedMED Socialforvaltningen'; vises som "
          "overskrift over bemærkningen.", "the committee; shown as the comment's heading",
          required=True, aliases=("udvalg",)),
    Field("comment", Kind.MARKDOWN, "Bemærkning", "Udvalgets bemærkning i Markdown (afsnit, "
          "**fed**, lister); skriv den som en blok med | for flere afsnit.",
          "the comment, Markdown (paragraphs, bold, lists; use a `|` block for several "
          "paragraphs)", required=True, aliases=("bemærkning", "kommentar")),
), model=Hearing, one="et høringssvar med body og comment", describe="Et høringssvar fra MED-systemet.")

FOLLOWUP = Record("followup", "'followup'", "Each `followup` entry", (
    Field("goal", Kind.TEXT, "Opfølgningsmål", "Opfølgningsmål.", "the follow-up goal",
          required=True, aliases=("mål",)),
    Field("measure", Kind.TEXT, "Måling", "Hvordan det måles.", "how it is measured",
          aliases=("måling",)),
    Field("responsible", Kind.TEXT, "Ansvarlig", "Hvem der er ansvarlig.", "who is responsible",
          aliases=("ansvarlig",)),
    Field("when", Kind.TEXT, "Hvornår", "Hvornår, fx '2027' eller 'Årligt'.", "when",
          aliases=("hvornår",)),
), model=FollowUp, one="et opfølgningsmål med goal", describe="Et punkt i opfølgningsplanen.")

ALLOCATION = Record("allocation", "'allocation'", "`allocation` as a mapping", (
    Field("shares", Kind.SHARES, "Andele", "Andele i procent pr. forvaltning, fx {SOF: "
          "60, BUF: 40}, eller 'nøgle' for katalogets fordelingsnøgle.",
          "shares per department in percent (`{SOF: 60, BUF: 40}`, adding up to 100; "
          "99–101 is a warning and the shares are normalised) or `nøgle` for the catalogue's "
          "allocation key", aliases=("andele", "nøgle")),
    Field("amounts", Kind.DEPARTMENT_AMOUNTS, "Beløb", "Beløb pr. forvaltning, fx {BA: 270, MTM: 70} "
          "(hvert år) eller {BA: {2027: 270}} (pr. år); de skal give forslagets varige beløb.",
          "amounts per department (`{BA: 270, MTM: 70}` every year, or per year "
          "`{BA: {2027: 270, 2028: 300}}`); per year they add up to the proposal's `varig` "
          "total; the one-off (`engang`) part stays with the proposal's department",
          aliases=("beløb",)),
    Field("from", Kind.INTEGER, "Fra år", "Første år, der fordeles; tidligere år bliver hos "
          "forslagets forvaltning.", "first year allocated; earlier years stay with the "
          "proposal's own department", aliases=("fra", "fra_år"), attr="start"),
), describe="Fordeling på forvaltninger.")

DECISION = Record("decision", "'decision'", "`decision`: the council's decision", (
    Field("outcome", Kind.CHOICE, "Afgørelse", "Byrådets afgørelse: vedtaget, forkastet eller "
          "udskudt; forslagets status skal passe (vedtaget, forkastet, eller forslag/udkast "
          "når det er udskudt).", "`vedtaget`, `forkastet` or `udskudt`; the proposal's "
          "`status` must agree (`vedtaget`, `forkastet`, or `forslag`/`udkast` when "
          "postponed)", required=True, choices=OUTCOMES, code="unknown-outcome",
          aliases=("resultat", "udfald"), hint="vedtaget, forkastet eller udskudt",
          value_aliases=(("godkendt", "vedtaget"), ("vedtage", "vedtaget"),
                         ("adopted", "vedtaget"), ("afvist", "forkastet"),
                         ("forkast", "forkastet"), ("rejected", "forkastet"),
                         ("udsat", "udskudt"), ("udskyd", "udskudt"),
                         ("postponed", "udskudt"))),
    Field("date", Kind.DATE, "Dato", "Mødedato, fx 2026-10-08.",
          "date of the meeting (`2026-10-08`)", aliases=("dato", "mødedato")),
    Field("reference", Kind.TEXT, "Reference", "Hvor afgørelsen er truffet, fx 'Byrådet "
          "8.10.2026, pkt. 12'.", "where it was decided (meeting, item)",
          aliases=("henvisning", "punkt", "ref")),
    Field("amounts", Kind.AMOUNTS, "Vedtagne beløb", "Kun når byrådet ændrede forslaget: det "
          "vedtagne beløb pr. år, fx {2027: -2000}; år, der ikke nævnes, er vedtaget som "
          "foreslået.", "only when the council changed the proposal: the adopted amount per "
          "year (replacing the proposal's total for that year; a year not named is adopted "
          "as proposed; `0` adopts nothing that year); `\"?\"` and ranges as elsewhere",
          aliases=("beløb", "vedtaget"), example="{2027: -2000}"),
    Field("note", Kind.MARKDOWN, "Note", "Bemærkning i Markdown, fx hvad byrådet ændrede.",
          "Markdown remark (what the council changed and why)", aliases=("bemærkning",)),
), model=Decision, describe="Byrådets afgørelse.")

REALISATION = Record("realisation", "'realisation'", "Each `realisation` entry", (
    Field("revision", Kind.TEXT, "Budgetopfølgning", "Budgetopfølgningens navn, fx 'BO1 "
          "2027'; hvert navn kun én gang.", "the budget revision's name (`BO1 2027`), once "
          "per proposal", required=True,
          aliases=("budgetopfølgning", "bo", "opfølgningsrunde")),
    Field("date", Kind.DATE, "Dato", "Opfølgningens dato, fx 2027-04-30; posterne står i "
          "datoorden.", "the revision's date (`2027-04-30`); entries are in date order",
          aliases=("dato",)),
    Field("expected", Kind.AMOUNTS, "Forventet", "Forventet beløb pr. år, fx {2027: -1500}; "
          "år, der ikke nævnes, forventes som vedtaget; \"?\" hvis det ikke kan vurderes.",
          "expected amount per year (a year not named is expected as adopted); `\"?\"` and "
          "ranges as elsewhere", aliases=("forventet", "forventning"),
          example="{2027: -1500}"),
    Field("status", Kind.CHOICE, "Status", "grøn (realiseres som vedtaget), gul (usikkert) "
          "eller rød (realiseres ikke som vedtaget).", "`grøn` (on track), `gul` (at risk) or "
          "`rød` (will not be realised as adopted)", required=True, choices=LIGHTS,
          code="unknown-light", aliases=("farve", "trafiklys", "vurdering"),
          hint="grøn, gul eller rød",
          value_aliases=(("groen", "grøn"), ("gron", "grøn"), ("green", "grøn"),
                         ("grønt", "grøn"), ("yellow", "gul"), ("gult", "gul"),
                         ("amber", "gul"), ("red", "rød"), ("roed", "rød"), ("rod", "rød"),
                         ("rødt", "rød"))),
    Field("comment", Kind.MARKDOWN, "Kommentar", "Forklaring i Markdown: hvad går som "
          "planlagt, hvad gør ikke, og hvad gøres der ved det.", "Markdown: what is on "
          "track, what is not, and what is being done", aliases=("kommentar", "bemærkning")),
), model=Realisation, one="en budgetopfølgning med revision og status",
    describe="Forventningen ved én budgetopfølgning.")

INTRO = Record("intro", "indledningen", "content/intro.md", (
    Field("title", Kind.TEXT, "Titel", "Indledningens overskrift (standard: Indledning).",
          "the introduction's heading (default \"Indledning\")", aliases=("titel",)),
), describe="Front matter i content/intro.md (valgfri).")


# -- the three files --------------------------------------------------------------------------

CATALOGUE = Record("catalogue", "catalogue.yaml", "content/catalogue.yaml", (
    Field("title", Kind.TEXT, "Titel", "Katalogets titel.", "the catalogue's title",
          required=True, aliases=("titel", "overskrift")),
    Field("organisation", Kind.TEXT, "Organisation", "Kommunens navn.",
          "the municipality (used as document author)", required=True,
          aliases=("organization", "kommune", "organisation_navn")),
    Field("years", Kind.YEARS, "År", "Årene, i stigende orden, fx [2027, 2028, 2029, 2030].",
          "the year columns, strictly ascending integers", required=True,
          aliases=("år", "aar"), example="[2027, 2028, 2029, 2030]"),
    Field("price_level", Kind.INTEGER, "Prisniveau", "Prisniveau (år), vist som '2027 p/l'.",
          "integer year, shown as \"2026 p/l\"", required=True, aliases=("prisniveau",),
          hint="fx 2027"),
    Field("unit", Kind.CHOICE, "Enhed", "Beløbenes enhed: 1 (kr.), 1000 (1.000 kr.) eller "
          "1000000 (mio. kr.).", "`1`, `1000` or `1000000`: amounts are in kr., 1.000 kr. or "
          "mio. kr.", default=1000, choices=UNITS,
          choice_labels=("1 (kr.)", "1000 (1.000 kr.)", "1000000 (mio. kr.)"), code="unit",
          aliases=("enhed",)),
    Field("savings_sign", Kind.CHOICE, "Fortegn for besparelser", "Hvordan besparelser "
          "skrives og vises: negative (med minus) eller positive.",
          "`negative` or `positive`: how savings are entered and shown", default="negative",
          choices=SAVINGS_SIGNS, aliases=("fortegn",)),
    Field("average_salary", Kind.NUMBER, "Gennemsnitsløn", "Gennemsnitsløn i enheden; "
          "årsværk = varigt beløb / gennemsnitsløn (et tema eller en forvaltning kan have sin "
          "egen).", "average annual salary in units; FTE (årsværk) = varig amount / "
          "average_salary (a theme's or a department's own wins)", positive=True,
          aliases=("gennemsnitsløn", "løn")),
    Field("targets", Kind.YEAR_MAP, "Mål", "Måltal pr. år, samme fortegn som beløbene.",
          "måltal per year, same sign convention as the amounts",
          aliases=("mål", "maal", "måltal"), example="{2027: -23000, 2028: -23000}"),
    Field("target_basis", Kind.CHOICE, "Målgrundlag", "Hvilke linjer der tæller mod målet: "
          "alle eller kun varige.", "`alle` or `varig`: which lines count against the target",
          default="alle", choices=TARGET_BASES, aliases=("målgrundlag",)),
    Field("counted_statuses", Kind.CHOICES, "Statusser der tæller med", "De statusser, der "
          "tæller med i totalerne.", "statuses whose proposals count in totals",
          default=DEFAULT_COUNTED, choices=STATUSES, code="unknown-status"),
    Field("departments", Kind.RECORDS, "Forvaltninger", "Forvaltningerne.",
          "list of departments (below); when given, every proposal's department must be one "
          "of the codes", record=DEPARTMENT, aliases=("forvaltninger", "afdelinger")),
    Field("totals", Kind.YEAR_MAP, "Angivne totaler", "Angivne totaler for hele kataloget; "
          "bygningen fejler, hvis de ikke passer.", "declared grand totals per year: checked "
          "against the computed grand total", attr="declared_totals",
          aliases=("total", "i_alt")),
    Field("subtitle", Kind.TEXT, "Undertitel", "Undertitel på forsiden.",
          "a line under the title on the cover", aliases=("undertitel",)),
    Field("date", Kind.DATE, "Dato", "Dokumentets dato, fx 2026-09-01.",
          "the document date (`2026-09-01`); otherwise the build date", aliases=("dato",)),
    Field("percent_sign", Kind.CHOICE, "Procenttegn", "Hvordan procent vises.",
          "`%` or `pct.`: how percentages are shown", default="%", choices=PERCENT_SIGNS),
    Field("decimals", Kind.INTEGER, "Decimaler", "Antal decimaler på alle beløb (0–4); "
          "udelades, så vises så få, at alle beløb står præcist.",
          "decimals every amount is shown with (0–4), half-up; default: the fewest that "
          "show every amount of the catalogue exactly", minimum=0, maximum=4,
          aliases=("decimaler",)),
    Field("fte_decimals", Kind.INTEGER, "Decimaler på årsværk", "Antal decimaler på årsværk "
          "(0–4, standard 1).", "decimals of FTE (0–4); each proposal's FTE is rounded to "
          "them, half-up", default=1, minimum=0, maximum=4),
    Field("labels", Kind.LABELS, "Betegnelser", "Egne betegnelser for faste tekster, fx "
          "{difference: \"Difference der skal fordeles\"} (nøglerne står i docs/format.md).",
          "your own wording for any fixed Danish label, by key (see the list of label keys)",
          aliases=("betegnelser", "tekster")),
    Field("look", Kind.RECORD, "Udseende", "Dokumenternes udseende: accentfarve, logo, skrift "
          "og sideskift.", "the documents' look (below)", record=LOOK,
          aliases=("udseende",)),
), describe="Katalogets indstillinger (content/catalogue.yaml).")

THEME = Record("theme", "et tema", "content/themes/*.md", (
    Field("id", Kind.ID, "Id", "Temaets id (bogstaver, tal, '.', '-', '_'; højst 40 tegn).",
          "unique slug (letters incl. ÆØÅ, digits, `.`, `-`, `_`; at most 40 characters; not "
          "starting with `.` or `-`; no Windows device name such as `con`)", required=True,
          diff=False),
    Field("number", Kind.INTEGER, "Nummer", "Temaets nummer: rækkefølge og 'Tema 3'.",
          "integer, unique: ordering and \"Tema 3\"", required=True, aliases=("nummer", "nr")),
    Field("title", Kind.TEXT, "Titel", "Temaets titel.", "the theme's title", required=True,
          aliases=("titel", "overskrift")),
    Field("merged_into", Kind.REF, "Lagt sammen med", "Id på det tema, dette tema er slået "
          "sammen med.", "id of another theme: this theme is shown as merged and has no "
          "proposals", ref="theme", aliases=("sammenlagt_med", "slået_sammen_med")),
    Field("totals", Kind.YEAR_MAP, "Angivne totaler", "Angivne totaler pr. år for temaet.",
          "declared theme totals per year: checked against the computed ones",
          attr="declared_totals", aliases=("total", "i_alt")),
    Field("average_salary", Kind.NUMBER, "Gennemsnitsløn", "Temaets gennemsnitsløn i "
          "katalogets enhed (til årsværk); går forud for forvaltningens og katalogets.",
          "average salary for the FTE of the theme's proposals (before the department's and "
          "the catalogue's)", positive=True, aliases=("gennemsnitsløn", "løn")),
    Field("note", Kind.MARKDOWN, "Note", "Note i Markdown, vist under temaets tabel.",
          "Markdown note shown right under the theme's table", aliases=("bemærkning",)),
), describe="Front matter i et tema (content/themes/*.md).")

PROPOSAL = Record("proposal", "et forslag", "content/proposals/*.md", (
    Field("id", Kind.ID, "Id", "Forslagets kode, entydig i kataloget, fx ADM-04 (bogstaver, "
          "tal, '.', '-', '_'; højst 40 tegn).", "unique across the catalogue, e.g. `TV13`, "
          "`ADM-04` (same rules as theme ids; ids differing only in case are an error)",
          required=True, diff=False),
    Field("title", Kind.TEXT, "Titel", "Forslagets titel.", "the proposal's title",
          required=True, aliases=("titel", "overskrift")),
    Field("theme", Kind.REF, "Tema", "Temaets id (fra themes/*.md).",
          "a theme id (not a merged theme)", required=True, ref="theme", aliases=("tema",),
          diff=False),
    Field("department", Kind.REF, "Forvaltning", "Den ansvarlige forvaltnings kode, fx SOF.",
          "the responsible department (a code from `catalogue.departments` when given)",
          required=True, ref="department", aliases=("forvaltning", "afdeling")),
    Field("status", Kind.CHOICE, "Status", "Status; kun de statusser, kataloget tæller med "
          "(standard forslag og vedtaget), indgår i totalerne.",
          "`udkast`, `forslag`, `vedtaget`, `forkastet` or `trukket`", default="forslag",
          choices=STATUSES, code="unknown-status", aliases=("tilstand",), diff=False),
    Field("kind", Kind.CHOICE, "Type", "Forslagstype.", "`" + "`, `".join(KINDS[:-1])
          + f"` or `{KINDS[-1]}`", choices=KINDS, code="unknown-kind",
          aliases=("type", "forslagstype")),
    Field("price_level", Kind.INTEGER, "Prisniveau", "Prisniveau (år); skal være katalogets.",
          "must equal the catalogue's `price_level` when given", aliases=("prisniveau",),
          diff=False),
    Field("summary", Kind.TEXT, "Resumé", "Kort resumé i almindelig tekst.",
          "the short summary (\"Kort resumé\"), plain text", required=True,
          aliases=("resume", "resumé"), diff=False),
    Field("economy", Kind.RECORDS, "Økonomi", "Økonomilinjerne; skriv [] hvis der ingen er.",
          "list of economic lines (below; may be empty `[]`)", required=True, record=LINE,
          aliases=("økonomi", "linjer"), hint="en liste af linjer; skriv [] hvis der ingen er",
          attr="lines", diff=False),
    Field("totals", Kind.YEAR_MAP, "Angivne totaler", "Angivne totaler pr. år; bygningen "
          "fejler, hvis de ikke passer.", "declared totals per year: the build fails when "
          "they differ from the lines", attr="declared_totals", aliases=("total", "i_alt")),
    Field("fte", Kind.FTE, "Årsværk", "Årsværk pr. år (ellers beregnes de); \"?\" hvis de "
          "endnu ikke kendes.", "årsværk per year, overrides the computed FTE; `\"?\"` (or "
          "`\"?\"` for a year) when not yet known", aliases=("årsværk",),
          example="{2027: 1.5}"),
    Field("allocation", Kind.ALLOCATION, "Fordeling", "Fordeling på forvaltninger: 'nøgle', "
          "andele som {SOF: 60, BUF: 40} eller {amounts: {...}, from: 2028}.",
          "how the proposal's amounts are shared between departments: `nøgle`, shares "
          "`{KODE: percent}`, or a mapping with `shares`, `amounts` and `from` (below)",
          record=ALLOCATION, aliases=("fordeling",)),
    Field("alternative_to", Kind.REF, "Alternativ til", "Id på det forslag, dette er et "
          "alternativ til; kun ét forslag i en gruppe af alternativer tæller med.",
          "id of the proposal this one is an alternative to; a group of alternatives counts "
          "once", ref="proposal", aliases=("alternativ_til", "alternativ")),
    Field("chosen", Kind.BOOL, "Valgt", "true for det alternativ, der tæller med i "
          "totalerne (ellers det første efter id).", "`true` on the alternative that counts "
          "(default: the first of the group by id)", aliases=("valgt",)),
    Field("note", Kind.MARKDOWN, "Note", "Note i Markdown, vist lige under forslagets "
          "økonomiske tabel.", "Markdown note shown right under the economic table",
          aliases=("bemærkning",)),
    Field("consulted", Kind.RECORDS, "Hvem er hørt", "Hvem er hørt?",
          "who was consulted (\"Hvem er hørt?\")", record=CONSULTED, aliases=("hørt",)),
    Field("hearing", Kind.RECORDS, "Høringssvar", "Bemærkninger fra MED-systemet.",
          "works-council (MED) comments", record=HEARING, aliases=("høring", "høringssvar")),
    Field("followup", Kind.RECORDS, "Opfølgning", "Opfølgningsplan.", "follow-up plan",
          record=FOLLOWUP, aliases=("opfølgning", "follow_up")),
    Field("tags", Kind.TEXT_LIST, "Emneord", "Emneord.", "list of short words",
          aliases=("emner", "emneord")),
    Field("decision", Kind.RECORD, "Afgørelse", "Byrådets afgørelse, fx {outcome: vedtaget, "
          "date: 2026-10-08, reference: 'Byrådet 8.10.2026, pkt. 12'}.",
          "the council's decision (below)", record=DECISION,
          aliases=("afgørelse", "beslutning"), diff=False),
    Field("realisation", Kind.RECORDS, "Realisering", "Status på realiseringen, én post pr. "
          "budgetopfølgning (kun for vedtagne forslag); den sidste er den aktuelle "
          "forventning.", "the follow-up at each budget revision (below; only on adopted "
          "proposals); the last entry is the current expectation", record=REALISATION,
          aliases=("realisering", "budgetopfølgninger"), diff=False),
), describe="Front matter i et forslag (content/proposals/*.md).")

RECORDS: tuple[Record, ...] = (
    CATALOGUE, DEPARTMENT, LOOK, THEME, PROPOSAL, LINE, RANGE, ALLOCATION, CONSULTED, HEARING,
    FOLLOWUP, DECISION, REALISATION, INTRO,
)


def all_aliases() -> dict[str, str]:
    """Every alias of every record (casefolded) → key."""
    out: dict[str, str] = {}
    for record in RECORDS:
        out |= record.aliases
    return out


def order(record: Record) -> tuple[str, ...]:
    """A record's keys in canonical order (what `katalog fmt` writes)."""
    return record.keys


def item_orders(record: Record) -> dict[str, tuple[str, ...]]:
    """For each list-of-records field, the order of its items' keys (for `katalog fmt`)."""
    return {f.key: f.record.keys for f in record.fields
            if f.kind is Kind.RECORDS and f.record is not None}


__all__ = [
    "Kind", "Field", "Record", "RECORDS", "CATALOGUE", "THEME", "PROPOSAL", "LINE", "RANGE",
    "DEPARTMENT", "LOOK", "ALLOCATION", "CONSULTED", "HEARING", "FOLLOWUP", "DECISION",
    "REALISATION", "INTRO",
    "id_problem", "one_of", "order", "item_orders", "all_aliases",
]  # fmt: skip
