"""Rules across files: unique ids, references between proposals, themes and departments,
merged themes, price level and allocation keys. Each rule reports at the line that is wrong."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

from .fields import did_you_mean
from .issues import Report
from .model import ALLOCATION_KEY, Catalogue, Loc, Proposal, Theme

Rule = Callable[[Catalogue, Report], None]


def _at(report: Report, loc: Loc | None, path: str, code: str, message: str, warning: bool = False) -> None:
    loc = loc or Loc(path, 1, 1)
    add = report.warning if warning else report.error
    add(code, message, loc.path, loc.line, loc.col)


def unique_ids(cat: Catalogue, report: Report) -> None:
    """Proposal ids, theme ids and theme numbers are unique."""
    seen: dict[str, Proposal] = {}
    for p in sorted(cat.proposals, key=lambda p: p.path):
        if p.id in seen:
            _at(report, p.locs.get("id"), p.path, "duplicate-id",
                f"forslags-id'et '{p.id}' er allerede brugt i {seen[p.id].path}")
        else:
            seen[p.id] = p
    themes: dict[str, Theme] = {}
    numbers: dict[int, Theme] = {}
    for t in sorted(cat.themes, key=lambda t: t.path):
        if t.id in themes:
            _at(report, t.locs.get("id"), t.path, "duplicate-id",
                f"tema-id'et '{t.id}' er allerede brugt i {themes[t.id].path}")
        else:
            themes[t.id] = t
        if "number" in t.locs:
            if t.number in numbers:
                _at(report, t.locs.get("number"), t.path, "duplicate-number",
                    f"temanummeret {t.number} er allerede brugt af '{numbers[t.number].id}' "
                    f"({numbers[t.number].path})")
            else:
                numbers[t.number] = t


def merged_themes(cat: Catalogue, report: Report) -> None:
    """`merged_into` names a theme that is not itself merged, and never the theme itself."""
    by_id = {t.id: t for t in cat.themes}
    for t in cat.themes:
        if t.merged_into is None:
            continue
        loc = t.locs.get("merged_into")
        target = by_id.get(t.merged_into)
        if t.merged_into == t.id:
            _at(report, loc, t.path, "merged-cycle", f"temaet '{t.id}' kan ikke slås sammen med sig selv")
        elif target is None:
            _at(report, loc, t.path, "unknown-theme",
                f"'merged_into' peger på et ukendt tema '{t.merged_into}'{did_you_mean(t.merged_into, by_id)}")
        elif target.merged_into is not None:
            seen = {t.id}
            node: Theme | None = target
            while node is not None and node.merged_into is not None and node.id not in seen:
                seen.add(node.id)
                node = by_id.get(node.merged_into)
            if node is not None and node.id in seen:
                _at(report, loc, t.path, "merged-cycle",
                    f"temaerne danner en ring af sammenlægninger ({t.id} → {t.merged_into} → …)")
            else:
                _at(report, loc, t.path, "merged-chain",
                    f"'{t.merged_into}' er selv slået sammen med '{target.merged_into}': "
                    f"peg direkte på '{target.merged_into}'")


def proposal_references(cat: Catalogue, report: Report) -> None:
    """Each proposal's theme exists and is not merged; its department is known."""
    by_id = {t.id: t for t in cat.themes}
    codes = [d.code for d in cat.settings.departments]
    for p in cat.proposals:
        theme = by_id.get(p.theme)
        if p.theme and theme is None:
            _at(report, p.locs.get("theme"), p.path, "unknown-theme",
                f"ukendt tema '{p.theme}'{did_you_mean(p.theme, by_id)}")
        elif theme is not None and theme.merged_into is not None:
            _at(report, p.locs.get("theme"), p.path, "merged-theme",
                f"temaet '{p.theme}' er slået sammen med '{theme.merged_into}' og kan ikke have "
                f"forslag: flyt forslaget til '{theme.merged_into}'")
        if codes and p.department and p.department not in codes:
            _at(report, p.locs.get("department"), p.path, "unknown-department",
                f"ukendt forvaltning '{p.department}'{did_you_mean(p.department, codes)} "
                f"(kendte: {', '.join(codes)})")


def price_levels(cat: Catalogue, report: Report) -> None:
    """A proposal's own `price_level` equals the catalogue's."""
    level = cat.settings.price_level
    for p in cat.proposals:
        if p.price_level is not None and level and p.price_level != level:
            _at(report, p.locs.get("price_level"), p.path, "price-level",
                f"forslaget er i {p.price_level} p/l, men kataloget er i {level} p/l: "
                "omregn beløbene og ret 'price_level'")


def departments(cat: Catalogue, report: Report) -> None:
    """Shares, when given, add up to 100 (duplicate codes are caught, at their line, by load)."""
    s = cat.settings
    loc = s.locs.get("departments")
    shares = [d.share for d in s.departments if d.share is not None]
    if shares and len(shares) != len(s.departments):
        _at(report, loc, s.path, "shares",
            "fordelingsnøglen er ufuldstændig: giv alle forvaltninger en 'share' eller ingen")
    elif shares and sum(shares, Decimal(0)) != 100:
        _at(report, loc, s.path, "shares",
            f"forvaltningernes andele ('share') giver {_pct(sum(shares, Decimal(0)))} %, ikke 100 %")


def allocations(cat: Catalogue, report: Report) -> None:
    """A proposal's `allocation` names known departments and adds up to 100."""
    codes = [d.code for d in cat.settings.departments]
    for p in cat.proposals:
        loc = p.locs.get("allocation")
        if p.allocation == ALLOCATION_KEY:
            if not cat.settings.allocation_key:
                _at(report, loc, p.path, "allocation",
                    "'allocation: nøgle' kræver en fordelingsnøgle: 'share' på forvaltningerne i catalogue.yaml")
            continue
        if not isinstance(p.allocation, dict):
            continue
        for code in p.allocation:
            if codes and code not in codes:
                _at(report, p.locs.get(f"allocation.{code}", loc), p.path, "unknown-department",
                    f"ukendt forvaltning '{code}' i 'allocation'{did_you_mean(code, codes)}")
        total = sum(p.allocation.values(), Decimal(0))
        if p.allocation and total != 100:
            _at(report, loc, p.path, "allocation",
                f"andelene i 'allocation' giver {_pct(total)} %, ikke 100 %")


def no_proposals(cat: Catalogue, report: Report) -> None:
    """A catalogue without proposals is allowed but probably a mistake."""
    if not cat.proposals and cat.settings.title:
        _at(report, Loc(cat.settings.path, 1, 1), cat.settings.path, "no-proposals",
            "kataloget har ingen forslag (content/proposals/*.md)", warning=True)


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


RULES: tuple[Rule, ...] = (
    unique_ids,
    merged_themes,
    proposal_references,
    price_levels,
    departments,
    allocations,
    no_proposals,
)


def validate(cat: Catalogue, report: Report) -> Report:
    """Run every cross-file rule, adding to `report`."""
    for rule in RULES:
        rule(cat, report)
    return report
