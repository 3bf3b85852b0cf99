"""Every fixed Danish label the documents show, by key, and the catalogue's own wording.

`LABELS` maps a label key to its Danish default; `labels:` in catalogue.yaml overrides any of
them (`labels: {difference: "Difference der skal fordeles efter administrativ nøgle"}`).
`labels_for(settings)` gives the labels of one catalogue: the defaults (the difference's and
the partial note's wording follow the sign convention), with the catalogue's overrides on top.
Renderers and `render.view` take their wording from it, so HTML, PDF and Word say the same.
The keys are listed in docs/format.md.

Also here: the accent colour's syntax and its WCAG contrast with white (`look.accent`).
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext
from typing import Any, Iterator, Mapping

# key → Danish default. Grouped as the documents use them.
LABELS: dict[str, str] = {
    # document structure
    "contents": "Indhold",
    "intro": "Indledning",
    "overview": "Oversigt over temaer",
    "themes": "Temaer",
    "theme": "Tema",
    "proposal": "Forslag",
    "proposals": "Forslag",
    "proposals_in_theme": "Forslag i temaet",
    "proposals_in": "Forslag i tema",
    "whole_catalogue": "Hele kataloget",
    "search": "Søg i forslag",
    "search_field": "Søg i titel, resumé og tekst",
    "all_themes": "Alle temaer",
    "all_departments": "Alle forvaltninger",
    "all_statuses": "Alle statusser",
    "all_proposals": "Alle forslag",
    "skip_link": "Spring til indholdet",
    "breadcrumb": "Brødkrumme",
    "attachment_to": "Bilag til",
    "page": "Side",
    "page_of": "af",
    "front_page": "Oversigt",
    "main_menu": "Hovedmenu",
    "cover": "Forside",
    "found": "{n} forslag fundet.",
    "chart": "Besparelser pr. tema og år",
    # cover and facts of the catalogue
    "organisation": "Organisation",
    "budget_year": "Budgetår",
    "forecast_years": "Overslagsår",
    "amounts_in": "Beløb",
    "date": "Dato",
    "price_level": "p/l",
    "scope": "{proposals} forslag i {themes} temaer",
    "scope_one": "{proposals} forslag i ét tema",
    # a proposal
    "summary": "Kort resumé",
    "department": "Forvaltning",
    "status": "Status",
    "kind": "Type",
    "tags": "Emner",
    "status_udkast": "Udkast",
    "status_forslag": "Forslag",
    "status_vedtaget": "Vedtaget",
    "status_forkastet": "Forkastet",
    "status_trukket": "Trukket",
    "kind_effektivisering": "Effektivisering",
    "kind_serviceforringelse": "Serviceforringelse",
    "kind_investering": "Investering",
    "kind_strukturændring": "Strukturændring",
    "kind_omprioritering": "Omprioritering",
    "kind_indtægt": "Indtægt",
    "kind_andet": "Andet",
    "area_service": "Service",
    "area_anlæg": "Anlæg",
    "area_overførsler": "Overførsler",
    "area_finansiering": "Finansiering",
    "economy": "Økonomiske konsekvenser",
    "economy_table": "Forslagets samlede økonomiske konsekvenser",
    "table": "Tabel",
    "line": "Linje",
    "area": "Styringsområde",
    "group_varig": "Varige ændringer",
    "group_engang": "Engangsudgifter/implementering",
    "total_varig": "Samlet varig ændring",
    "total_engang": "Samlede engangsudgifter",
    "proposal_total": "Samlet økonomisk påvirkning",
    "fte": "Årsværk (varige ændringer)",
    "payback": "Tilbagebetalingstid (totaløkonomi)",
    "years_unit": "år",
    "note": "Note",
    "not_counted": "indgår ikke i totalerne",
    "not_counted_short": "tæller ikke med",
    "unknown_amount": "ukendt beløb",
    "uncounted_note": "Forslag med status {statuses} indgår ikke i temaets total.",
    # alternatives
    "alternatives": "Alternativer",
    "alternative_to": "Alternativ til",
    "chosen": "valgt",
    "alternative_not_counted": "alternativ, tæller ikke med",
    "alternatives_note": "Kun ét af alternativerne tæller med i totalerne.",
    # consultation, hearing, follow-up
    "consulted": "Hvem er hørt?",
    "consulted_caption": "Hørte parter",
    "party": "Part",
    "approved": "Godkendt",
    "remark": "Bemærkning",
    "yes": "Ja",
    "no": "Nej",
    "hearing": "Bemærkninger fra MED-systemet",
    "followup": "Implementering og opfølgning",
    "followup_caption": "Opfølgningsmål",
    "goal": "Opfølgningsmål",
    "measure": "Hvordan måles det?",
    "responsible": "Ansvarlig",
    "when": "Hvornår",
    # overview and theme tables
    "theme_head": "Tema",
    "proposal_head": "Forslag",
    "total": "I alt",
    "theme_total": "I alt, tema",
    "target": "Mål",
    "target_basis_varig": "Heraf varige ændringer (målgrundlag)",
    "difference": "",  # default by sign convention, see `labels_for`
    "merged_with": "slået sammen med",
    "merged_notice": "Temaet er slået sammen med",
    "merged_no_proposals": "og har ingen forslag af egne",
    # allocation
    "allocation": "Fordeling på forvaltninger",
    "allocation_head": "Forvaltning",
    "allocated_by_department": "Fordeling på forvaltninger",
    "own_department": "forslagets egen forvaltning",
    "target_allocation": "Difference til mål fordelt efter fordelingsnøglen",
    "allocation_key": "Fordeling efter fordelingsnøglen",
    "allocation_from_note": "Fra {year}; årene før ligger hos {department}.",
    # the budget year: decisions (SPEC §8)
    "budget_agreement": "Budgetaftale",
    "decisions": "Byrådets afgørelser",
    "decision": "Afgørelse",
    "decision_date": "Dato for afgørelsen",
    "reference": "Reference",
    "outcome_vedtaget": "Vedtaget",
    "outcome_changed": "Vedtaget med ændring",
    "outcome_forkastet": "Forkastet",
    "outcome_udskudt": "Udskudt",
    "outcome_ingen": "Ikke behandlet",
    "adopted_proposals": "Vedtagne forslag",
    "adopted_overview": "Vedtaget pr. tema",
    "adopted_in": "Vedtagne forslag i tema",
    "proposed": "Foreslået",
    "adopted": "Vedtaget",
    "council_change": "Byrådets ændring",
    "council_changes": "Byrådets ændringer af forslagene",
    "adopted_total": "Vedtaget i alt",
    "proposed_total": "Foreslået i alt",
    "adopted_by_department": "Vedtaget fordelt på forvaltninger",
    "changed_note": "Byrådets ændring = vedtaget − foreslået for de forslag, byrådet vedtog med "
                    "ændring; de øvrige er vedtaget som foreslået.",
    # the budget year: follow-up at each budget revision (SPEC §8)
    "realisation_status": "Status på realisering",
    "realisation_summary": "Sammenfatning",
    "realisation_overview": "Forventet realisering pr. tema",
    "realisation_in": "Realisering i tema",
    "revision": "Budgetopfølgning",
    "realisation_light": "Status",
    "comment": "Kommentar",
    "expected": "Forventet",
    "expected_total": "Forventet i alt",
    "gap": "Afvigelse (forventet − vedtaget)",
    "gap_total": "Afvigelse i alt",
    "expected_share": "Andel af den varige besparelse, der forventes realiseret",
    "share_note": "Andelen regnes af de varige ændringer (uden engangsudgifter og "
                  "-indtægter), som er det, der skal realiseres.",
    "expected_by_department": "Forventet fordelt på forvaltninger",
    "gap_by_department": "Afvigelse fordelt på forvaltninger",
    "gap_by_theme": "Afvigelse pr. tema",
    "light_grøn": "Grøn",
    "light_gul": "Gul",
    "light_rød": "Rød",
    "light_ingen": "Ikke vurderet",
    "light_grøn_text": "forventes realiseret som vedtaget",
    "light_gul_text": "realiseringen er usikker",
    "light_rød_text": "forventes ikke realiseret som vedtaget",
    "light_ingen_text": "endnu ikke vurderet ved en budgetopfølgning; regnes som vedtaget",
    "proposals_count": "forslag",
    "expected_difference": "",  # default by sign convention
    "gap_note": "",  # default by sign convention
    # notes under tables
    "sign_note": "",  # default by sign convention
    "unknown_note": "? = beløbet er endnu ikke kendt. En total med ? er ufuldstændig: "
                    "\"{example} + ?\" betyder, at de kendte beløb giver {example}, og at "
                    "resten endnu ikke er opgjort.",
    "difference_partial_note": "",  # default by sign convention
    "range_note": "Et interval som 3,5–5,5 er et lavt og et højt skøn; en total med et "
                  "interval er også et interval.",
    "rounded_note": "Beløbene er afrundet til {decimals} decimal(er); totalerne er beregnet af "
                    "de præcise beløb.",
    "fte_unknown_note": "Årsværk med ? er endnu ikke opgjort (for alle forslag).",
    "shares_rounded_note": "Andelene er regnet om, så de giver 100 %.",
}

_SIGNED = {
    "negative": {
        "difference": "Difference til mål (positiv = målet er mere end nået)",
        "sign_note": "Besparelser er angivet med negativt fortegn (-), merudgifter med "
                     "positivt.",
        "difference_partial_note": "Differencen med ? bygger på de kendte beløb: de ukendte "
                                   "beløb (?) trækkes fra, så ukendte besparelser vil gøre "
                                   "den større.",
        "expected_difference": "Difference til mål efter forventet realisering (positiv = "
                               "målet er mere end nået)",
        "gap_note": "Afvigelse = forventet − vedtaget: en positiv afvigelse er en besparelse, "
                    "der ikke forventes realiseret; en negativ er en større besparelse end "
                    "vedtaget.",
    },
    "positive": {
        "difference": "Difference til mål (positiv = mangler for at nå målet)",
        "sign_note": "Besparelser er angivet med positivt fortegn, merudgifter med negativt "
                     "(-).",
        "difference_partial_note": "Differencen med ? bygger på de kendte beløb: de ukendte "
                                   "beløb (?) trækkes fra, så ukendte besparelser vil gøre "
                                   "den mindre.",
        "expected_difference": "Difference til mål efter forventet realisering (positiv = "
                               "mangler for at nå målet)",
        "gap_note": "Afvigelse = forventet − vedtaget: en negativ afvigelse er en besparelse, "
                    "der ikke forventes realiseret; en positiv er en større besparelse end "
                    "vedtaget.",
    },
}


class Labels(Mapping[str, str]):
    """One catalogue's labels: `labels["total"]`, defaults with its overrides applied."""

    def __init__(self, savings_sign: str = "negative",
                 overrides: Mapping[str, str] | None = None) -> None:
        self._values = dict(LABELS) | _SIGNED.get(savings_sign, _SIGNED["negative"])
        self._values |= {k: v for k, v in (overrides or {}).items() if k in LABELS}

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, key: str) -> str:  # `labels.total` in templates
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None


def labels_for(settings: Any) -> Labels:
    """The labels of a catalogue (`Settings`): defaults, sign wording, its overrides."""
    return Labels(getattr(settings, "savings_sign", "negative"),
                  getattr(settings, "labels", None))


def default_label(key: str, savings_sign: str = "negative") -> str:
    return Labels(savings_sign)[key]


def fill(text: str, **values: str) -> str:
    """A label with its `{placeholders}` filled; a catalogue's own wording that has other
    braces (or none) is used as written."""
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


# -- colour ------------------------------------------------------------------------------------

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_colour(text: str) -> str | None:
    """`#7a1f3d` or `#a13` → lowercase `#rrggbb`; None when it is not such a colour."""
    text = text.strip()
    if not _HEX.match(text):
        return None
    digits = text[1:].lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _linear(channel: int) -> Decimal:
    """WCAG 2.x relative luminance of one sRGB channel (0–255)."""
    c = Decimal(channel) / 255
    if c <= Decimal("0.04045"):
        return c / Decimal("12.92")
    return ((c + Decimal("0.055")) / Decimal("1.055")) ** Decimal("2.4")


def luminance(colour: str) -> Decimal:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    with localcontext() as ctx:
        ctx.prec = 28
        return (Decimal("0.2126") * _linear(r) + Decimal("0.7152") * _linear(g)
                + Decimal("0.0722") * _linear(b))


def contrast_with_white(colour: str) -> Decimal:
    """The WCAG contrast ratio of `#rrggbb` and white: (1 + 0.05) / (L + 0.05). The same
    ratio holds for white text on the colour and for the colour on a white page."""
    return (Decimal("1.05") / (luminance(colour) + Decimal("0.05")))


__all__ = ["LABELS", "Labels", "labels_for", "default_label", "fill", "parse_colour",
           "contrast_with_white", "luminance"]
