"""A deterministic synthetic catalogue for the benchmarks (issue 8).

`generate(out, n)` writes a content folder with `n` proposals: 12 themes (one merged into
another), 7 departments whose shares add up to 100, and proposals of about 430 words each with
headings, lists and a Markdown table, and 4–10 economic lines (the content issue 14 measures). The economy uses every line kind (varig/engang;
service/anlæg/overførsler/finansiering), some "?" amounts, declared totals, every status,
consulted/hearing/followup lists, FTE and allocations. The same `n` and `seed` always give the
same bytes; `revision=1` gives the "second revision" of the same catalogue with about 5 % of the
amounts changed (for timing `katalog diff`).

    python benchmarks/generate.py OUT_FOLDER --n 200 [--revision 1] [--seed 2027]
"""

from __future__ import annotations

import argparse
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

YEARS = (2027, 2028, 2029, 2030)
EDIT_SHARE = 0.05

DEPARTMENTS = (
    ("BUF", "Børne- og Ungdomsforvaltningen", "27.9"),
    ("SOF", "Socialforvaltningen", "24.5"),
    ("SUF", "Sundheds- og Omsorgsforvaltningen", "18.6"),
    ("KFF", "Kultur- og Fritidsforvaltningen", "6.8"),
    ("TMF", "Teknik- og Miljøforvaltningen", "8.1"),
    ("BIF", "Beskæftigelses- og Integrationsforvaltningen", "9.4"),
    ("ØKF", "Økonomiforvaltningen", "4.7"),
)

# (id, prefix, title, the thing the proposals work on) — the second theme is merged.
THEMES = (
    ("administration", "ADM", "Administrative forenklinger", "administrationen"),
    ("kun-en-gang", "KEG", "Opgaver løses kun én gang", "registreringen af oplysninger"),
    ("digitalisering", "DIG", "Digitalisering og automatisering", "de digitale arbejdsgange"),
    ("indkob", "IND", "Indkøb og udbud", "indkøbsområdet"),
    ("ledelse", "LED", "Ledelse og organisering", "ledelsesstrukturen"),
    ("bygninger", "BYG", "Bygninger og arealer", "bygningsmassen"),
    ("kommunikation", "KOM", "Kommunikation og borgerkontakt", "borgerservice"),
    ("transport", "TRA", "Kørsel og transport", "kørselsordningerne"),
    ("energi", "ENE", "Energi og klima", "energiforbruget"),
    ("dagtilbud", "DAG", "Dagtilbud og skole", "dagtilbuds- og skoleområdet"),
    ("omsorg", "OMS", "Ældre og sundhed", "hjemmeplejen og sundhedsindsatserne"),
    ("fritid", "FRI", "Kultur og fritid", "kultur- og fritidstilbuddene"),
)
MERGED = {"kun-en-gang": "administration"}
ACTIVE = [t for t in THEMES if t[0] not in MERGED]

# Status by position in every block of 20 proposals, so even N=20 has every status.
STATUS_AT = {3: "vedtaget", 5: "udkast", 9: "vedtaget", 11: "trukket", 14: "vedtaget",
             16: "forkastet"}
KINDS = ("effektivisering", "serviceforringelse", "investering", "strukturændring",
         "omprioritering", "indtægt", "andet")
ACTIONS = (
    "Samling af", "Effektivisering af", "Ny organisering af", "Digital understøttelse af",
    "Færre opgaver i", "Udbud af", "Harmonisering af", "Reduceret serviceniveau i",
    "Fælles drift af", "Forenkling af",
)
LINE_TEXTS = {
    "varig": (
        "Lønbesparelse ved færre årsværk", "Lavere udgifter til licenser", "Reduceret husleje",
        "Lavere driftsudgifter", "Færre eksterne konsulenter", "Mindre kørsel",
        "Lavere energiforbrug", "Højere brugerbetaling", "Ændret tilskud til foreninger",
    ),
    "engang": (
        "Implementering og projektledelse", "Kompetenceudvikling", "Indkøb af it-løsning",
        "Flytning og klargøring af lokaler", "Frikøb af medarbejdere",
        "Fratrædelsesomkostninger",
    ),
}
PARTIES = ("Økonomiforvaltningen", "HovedMED", "IT-kredsen", "Juridisk kontor",
           "Ejendomsfaglig vurdering", "Handicaprådet", "Ældrerådet", "Indkøbsfunktionen")
MED = ("HovedMED", "SektorMED Social", "LokalMED Administration", "FællesMED Teknik")

# Body text: sentences written for this generator. {x} is the area the theme works on,
# {d} the department's name, {n} a number, {y} a year.
INTRO = (
    "I dag løses opgaverne i {x} forskelligt fra enhed til enhed, og det koster tid.",
    "En gennemgang af {x} viser, at der er flere dobbeltfunktioner end forventet.",
    "{d} har i de seneste år oplevet et stigende pres på både økonomi og personale.",
    "Mange medarbejdere bruger en stor del af dagen på manuelle registreringer.",
    "Der er i dag {n} forskellige arbejdsgange for den samme type opgave.",
    "Erfaringerne fra nabokommunerne viser, at der kan hentes en gevinst ved at samle opgaverne.",
    "Forslaget bygger videre på den analyse, som blev gennemført i foråret {y}.",
    "Borgerne oplever i dag lange svartider og skiftende kontaktpersoner.",
    "Udgifterne på området er steget hurtigere end i sammenlignelige kommuner.",
    "Opgaven er vokset gennem mange år uden en samlet plan for, hvordan den skal løses.",
    "Lederne efterspørger bedre ledelsesinformation og færre systemer at holde styr på.",
    "Forslaget tager udgangspunkt i de ønsker, som medarbejderne selv har peget på.",
)
ECONOMY = (
    "Besparelsen er beregnet ud fra de faktiske lønudgifter i {y}.",
    "Beløbene er skønnet på baggrund af erfaringer fra lignende omlægninger.",
    "Der er regnet med en gennemsnitsløn inklusive pension og feriepenge.",
    "Investeringen bruges i de første to år, hvorefter besparelsen er fuldt indfaset.",
    "Den varige besparelse forudsætter, at {n} stillinger ikke genbesættes.",
    "Huslejebesparelsen afhænger af, om lejemålene kan opsiges til tiden.",
    "Engangsudgifterne dækker projektledelse, uddannelse og tilpasning af systemer.",
    "Beløbet for det sidste år er usikkert og opgøres endeligt ved budgetopfølgningen.",
    "Der er ikke indregnet mulige gevinster på andre områder end det, forslaget omfatter.",
    "Forslaget er tilbagebetalt, når den samlede besparelse overstiger investeringen.",
)
IMPLEMENTATION = (
    "Forslaget kan gennemføres fra 1. januar {y}, hvis det vedtages med budgettet.",
    "Der nedsættes en arbejdsgruppe med ledere og medarbejdere fra de berørte enheder.",
    "Implementeringen sker i tre faser, så erfaringerne fra den første fase kan bruges.",
    "Ændringerne drøftes i MED-systemet, inden de træder i kraft.",
    "De nye arbejdsgange afprøves først i to enheder og udbredes derefter til resten.",
    "{d} har ansvaret for implementeringen og rapporterer til udvalget hvert halve år.",
    "Leverandøren skal vælges efter et udbud, som forventes afsluttet i {y}.",
    "Medarbejderne tilbydes kurser i de nye systemer, før de tages i brug.",
)
CONSEQUENCES = (
    "For borgerne betyder forslaget kortere ventetid og færre henvendelser.",
    "Nogle borgere vil opleve, at der er længere til det nærmeste tilbud.",
    "Forslaget berører omkring {n} medarbejdere, som får nye opgaver eller skifter arbejdssted.",
    "Reduktionen håndteres så vidt muligt ved naturlig afgang og omplacering.",
    "Der kan blive tale om afskedigelser, hvis den naturlige afgang ikke er stor nok.",
    "Servicen ændres ikke for de borgere, der har det største behov.",
    "Arbejdsmiljøet forventes at blive bedre, fordi opgaverne bliver mere ensartede.",
    "Foreningerne får færre midler, men også færre krav til ansøgninger og regnskaber.",
)
RISK = (
    "Risikoen vurderes som lav, fordi besparelsen hentes på lønbudgettet.",
    "Risikoen vurderes som middel, da gevinsten afhænger af et nyt it-system.",
    "Der er risiko for, at omstillingen tager længere tid end forudsat.",
    "Hvis udbuddet ikke giver de forventede priser, bliver besparelsen mindre.",
    "Forslaget følges tæt, så der kan rettes op i tide, hvis gevinsten udebliver.",
    "Den største usikkerhed er, om borgerne tager de digitale løsninger til sig.",
)
BULLETS = (
    "færre overdragelser mellem enhederne",
    "ensartede skabeloner og standarder",
    "automatisk kontrol af fakturaer",
    "fælles kalender og bookingsystem",
    "færre møder og kortere beslutningsveje",
    "samlet indkøb af materialer",
    "digitale blanketter i stedet for papir",
    "bedre brug af de eksisterende lokaler",
    "tydeligere ansvar for den enkelte opgave",
    "fast opfølgning på forbrug og aktivitet",
)
STEPS = (
    "Analyse af de nuværende arbejdsgange",
    "Beslutning om den nye organisering",
    "Information til medarbejdere og borgere",
    "Udbud eller tilpasning af systemer",
    "Uddannelse af medarbejderne",
    "Idriftsættelse og første opfølgning",
)


@dataclass
class Line:
    text: str
    area: str
    group: str
    amounts: dict[int, int | str] = field(default_factory=dict)


@dataclass
class Plan:
    """One proposal as the generator sees it, before it is written out."""

    index: int
    id: str
    theme: str
    theme_area: str
    department: str
    status: str
    kind: str
    title: str
    lines: list[Line]
    declare_totals: bool
    allocation: str | dict[str, int] | None
    fte: bool


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random("-".join(str(p) for p in (seed, *parts)))


def plan(n: int, seed: int = 2027) -> list[Plan]:
    """The proposals of a catalogue with `n` proposals (revision 0)."""
    plans = []
    for i in range(n):
        r = _rng(seed, "proposal", i)
        theme_id, prefix, _title, area = ACTIVE[i % len(ACTIVE)]
        number = i // len(ACTIVE) + 1
        dept = DEPARTMENTS[r.randrange(len(DEPARTMENTS))][0]
        lines = []
        scale = r.choice((100, 250, 500, 1000))
        for _ in range(r.randint(2, 6)):
            area_kind = r.choices(("service", "overførsler", "finansiering"), (8, 2, 1))[0]
            start = r.randint(1, 4) * scale
            amounts: dict[int, int | str] = {}
            first = r.randrange(2)
            for k, year in enumerate(YEARS[first:]):
                amounts[year] = -(start + k * r.randint(0, 2) * scale // 2)
            lines.append(Line(r.choice(LINE_TEXTS["varig"]), area_kind, "varig", amounts))
        for _ in range(r.randint(2, 4)):
            area_kind = r.choice(("service", "anlæg"))
            amounts = {YEARS[0]: r.randint(1, 6) * scale}
            if r.random() < 0.5:
                amounts[YEARS[1]] = r.randint(1, 3) * scale
            lines.append(Line(r.choice(LINE_TEXTS["engang"]), area_kind, "engang", amounts))
        has_unknown = i % 17 == 6  # about 6 % of the proposals have a "?" amount
        if has_unknown:
            lines[-1].amounts[YEARS[-1]] = "?"
        allocation: str | dict[str, int] | None = None
        if i % 10 == 2:
            allocation = "nøgle"
        elif i % 10 == 7:
            a, b = r.sample([d[0] for d in DEPARTMENTS], 2)
            share = r.choice((25, 40, 50, 60, 75))
            allocation = {a: share, b: 100 - share}
        plans.append(Plan(
            index=i,
            id=f"{prefix}-{number:03d}",
            theme=theme_id,
            theme_area=area,
            department=dept,
            status=STATUS_AT.get(i % 20, "forslag"),
            kind=r.choice(KINDS),
            title=f"{r.choice(ACTIONS)} {area} ({dept}, nr. {number})",
            lines=lines,
            declare_totals=not has_unknown and r.random() < 0.5,
            allocation=allocation,
            fte=i % 10 == 4,
        ))
    return plans


def revise(plans: list[Plan], seed: int = 2027) -> list[Plan]:
    """The second revision: about `EDIT_SHARE` of all known amounts changed (in place)."""
    r = _rng(seed, "revision")
    cells = [(line, year) for p in plans for line in p.lines
             for year, value in line.amounts.items() if value != "?"]
    for line, year in r.sample(cells, max(1, round(len(cells) * EDIT_SHARE))):
        value = line.amounts[year]
        assert isinstance(value, int)
        step = max(50, abs(value) // 10)
        line.amounts[year] = value + (step if r.random() < 0.5 else -step)
    return plans


def _totals(p: Plan) -> dict[int, int]:
    out: dict[int, int] = {}
    for line in p.lines:
        for year, value in line.amounts.items():
            assert isinstance(value, int)
            out[year] = out.get(year, 0) + value
    return out


def _flow_map(values: dict[object, object]) -> str:
    def show(v: object) -> str:
        return '"?"' if v == "?" else str(v)
    return "{" + ", ".join(f"{k}: {show(v)}" for k, v in values.items()) + "}"


def _q(text: str) -> str:
    """A YAML double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def front_matter(p: Plan, r: random.Random) -> str:
    dept_name = dict((c, nm) for c, nm, _s in DEPARTMENTS)[p.department]
    out = [
        "---",
        f"id: {p.id}",
        f"title: {_q(p.title)}",
        f"theme: {p.theme}",
        f"department: {p.department}",
        f"status: {p.status}",
        f"kind: {p.kind}",
        f"price_level: {YEARS[0]}",
        "summary: >-",
        f"  {dept_name} foreslår at ændre {p.theme_area}, så opgaverne løses mere enkelt.",
        "  Forslaget giver en varig besparelse og kræver en mindre investering i de første år.",
        "economy:",
    ]
    for line in p.lines:
        out += [
            f"  - text: {_q(line.text)}",
            f"    area: {line.area}",
            f"    group: {line.group}",
            f"    amounts: {_flow_map(dict(line.amounts))}",
        ]
    if p.declare_totals:
        out.append(f"totals: {_flow_map(dict(_totals(p)))}")
    if p.fte:
        out.append(f"fte: {_flow_map({y: -(k + 1) for k, y in enumerate(YEARS)})}")
    if p.allocation == "nøgle":
        out.append("allocation: nøgle")
    elif isinstance(p.allocation, dict):
        out.append(f"allocation: {_flow_map(dict(p.allocation))}")
    out.append("consulted:")
    for party in r.sample(PARTIES, r.randint(1, 3)):
        out += [
            f"  - party: {party}",
            f"    approved: {'true' if r.random() < 0.8 else 'false'}",
            f"    date: {YEARS[0] - 1}-{r.randint(3, 8):02d}-{r.randint(1, 28):02d}",
        ]
        if r.random() < 0.5:
            out.append("    note: Forslaget er gennemgået uden bemærkninger.")
    if r.random() < 0.7:
        out.append("hearing:")
        for body in r.sample(MED, r.randint(1, 2)):
            out += [
                f"  - body: {body}",
                "    comment: >-",
                "      Udvalget kan støtte forslaget, men ønsker at blive inddraget i",
                "      implementeringen og at følge konsekvenserne for arbejdsmiljøet.",
            ]
    if r.random() < 0.6:
        out += [
            "followup:",
            "  - goal: De nye arbejdsgange er indført i alle enheder",
            "    measure: Status på implementeringen hvert kvartal",
            f"    responsible: {dept_name}",
            f'    when: "{YEARS[0]}"',
            "  - goal: Besparelsen er realiseret som forudsat",
            "    measure: Opfølgning på forbruget ved budgetopfølgningerne",
            "    responsible: Økonomiforvaltningen",
            f"    when: Årligt indtil {YEARS[-1]}",
        ]
    out.append(f"tags: [{p.theme}, {p.kind}, {p.department.lower()}]")
    out.append("---")
    return "\n".join(out) + "\n"


def _para(r: random.Random, pool: tuple[str, ...], k: int, p: Plan) -> str:
    dept_name = dict((c, nm) for c, nm, _s in DEPARTMENTS)[p.department]
    chosen = r.sample(pool, min(k, len(pool)))
    text = " ".join(s.format(x=p.theme_area, d=dept_name, n=r.randint(3, 40),
                             y=r.choice(YEARS)) for s in chosen)
    return text[0].upper() + text[1:]


def body(p: Plan, r: random.Random) -> str:
    """About 430 words of Markdown: headings, lists and a table."""
    activity = [(f"Enhed {chr(65 + k)}", r.randint(200, 4000), r.randint(5, 60)) for k in range(4)]
    parts = [
        "## Baggrund",
        _para(r, INTRO, 3, p),
        _para(r, INTRO, 3, p),
        "Forslaget indebærer blandt andet",
        "\n".join(f"- {b}," for b in r.sample(BULLETS, 4)) + "\n- " + r.choice(BULLETS) + ".",
        "Tabellen viser aktiviteten i de enheder, der er omfattet:",
        "| Enhed | Sager pr. år | Årsværk | Forventet reduktion |\n|---|---:|---:|---:|\n"
        + "\n".join(f"| {name} | {cases} | {fte} | {r.randint(5, 25)} pct. |"
                    for name, cases, fte in activity),
        "## Økonomi",
        _para(r, ECONOMY, 4, p),
        _para(r, ECONOMY, 3, p),
        "## Implementering",
        _para(r, IMPLEMENTATION, 4, p),
        "\n".join(f"{k + 1}. {s}" for k, s in enumerate(r.sample(STEPS, 4))),
        "## Konsekvenser for borgere og medarbejdere",
        _para(r, CONSEQUENCES, 3, p),
        _para(r, CONSEQUENCES, 2, p),
        "## Risikovurdering",
        _para(r, RISK, 3, p),
        _para(r, RISK, 2, p),
    ]
    return "\n\n".join(parts) + "\n"


def proposal_file(p: Plan, seed: int) -> str:
    # The text does not depend on the revision: only amounts change between revisions.
    r = _rng(seed, "text", p.index)
    return front_matter(p, r) + body(p, r)


def catalogue_file(n: int, plans: list[Plan]) -> str:
    counted = [p for p in plans if p.status in ("forslag", "vedtaget")]
    per_year = {y: 0 for y in YEARS}
    for p in counted:
        for line in p.lines:
            for year, value in line.amounts.items():
                if isinstance(value, int):
                    per_year[year] += value
    # Targets a little beyond the generated savings (rounded to whole millions).
    targets = {y: round(v * 1.1 / 1000) * 1000 for y, v in per_year.items()}
    out = [
        f"# Syntetisk benchmarkkatalog med {n} forslag (benchmarks/generate.py).",
        f"title: Benchmarkkatalog med {n} forslag",
        "subtitle: Syntetiske forslag til måling af katalogs hastighed",
        "organisation: Benchmark Kommune",
        f"date: {YEARS[0] - 1}-09-01",
        f"years: [{', '.join(str(y) for y in YEARS)}]",
        f"price_level: {YEARS[0]}",
        "unit: 1000",
        "savings_sign: negative",
        "average_salary: 575",
        f"targets: {_flow_map(dict(targets))}",
        "target_basis: alle",
        "counted_statuses: [forslag, vedtaget]",
        "departments:",
    ]
    out += [f"  - {{code: {c}, name: {nm}, share: {s}}}" for c, nm, s in DEPARTMENTS]
    return "\n".join(out) + "\n"


def theme_file(number: int, theme: tuple[str, str, str, str]) -> str:
    ident, _prefix, title, area = theme
    lines = ["---", f"id: {ident}", f"number: {number}", f"title: {title}"]
    if ident in MERGED:
        lines.append(f"merged_into: {MERGED[ident]}")
    lines.append("---")
    text = (f"Temaet samler forslag, der ændrer {area}. Forslagene er udarbejdet af "
            "forvaltningerne i fællesskab og drøftet i MED-systemet.\n")
    if ident in MERGED:
        text = (f"Temaet skulle afdække {area}, men er slået sammen med tema 1, og der "
                "fremlægges ikke selvstændige forslag under det.\n")
    return "\n".join(lines) + "\n" + text


def generate(out: Path | str, n: int, seed: int = 2027, revision: int = 0) -> Path:
    """Write the catalogue with `n` proposals to `out` (replaced if it exists)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "themes").mkdir(parents=True)
    (out / "proposals").mkdir()
    plans = plan(n, seed)
    if revision:
        revise(plans, seed)
    (out / "catalogue.yaml").write_text(catalogue_file(n, plan(n, seed)), encoding="utf-8")
    for number, theme in enumerate(THEMES, start=1):
        (out / "themes" / f"{number:02d}-{theme[0]}.md").write_text(
            theme_file(number, theme), encoding="utf-8")
    for p in plans:
        (out / "proposals" / f"{p.id}.md").write_text(proposal_file(p, seed), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--revision", type=int, default=0, choices=(0, 1))
    args = parser.parse_args(argv)
    generate(args.out, args.n, args.seed, args.revision)
    print(f"{args.out}: {args.n} forslag")


if __name__ == "__main__":
    main()
