"""Rules across files and fields: unique ids, references between proposals, themes and
departments, merged themes, alternatives, price level, allocation keys, and the budget year
(status against the council's decision, follow-up only on adopted proposals, in date order).
Each rule reports at the line that is wrong, with the catalogue's problem code
(`issues.PROBLEMS`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from .issues import Report
from .model import OUTCOME_STATUSES, Catalogue, Loc, Proposal, Theme
from .reader import did_you_mean

Rule = Callable[[Catalogue, Report], None]

SHARES_SLACK = Decimal(1)  # shares adding up to 99–101 are a warning (rounded as printed)


def _at(report: Report, loc: Loc | None, path: str, code: str, **values: Any) -> None:
    loc = loc or Loc(path, 1, 1)
    report.problem(code, loc.path, loc.line, loc.col, **values)


def unique_ids(cat: Catalogue, report: Report) -> None:
    """Proposal ids, theme ids and theme numbers are unique; ids differ in more than case
    (their files would collide on Windows and macOS)."""
    _unique(report, sorted(cat.proposals, key=lambda p: p.path), "forslags")
    themes = sorted(cat.themes, key=lambda t: t.path)
    _unique(report, themes, "tema")
    numbers: dict[int, Theme] = {}
    for t in themes:
        if "number" not in t.locs:
            continue
        if t.number in numbers:
            _at(report, t.locs.get("number"), t.path, "duplicate-number", number=t.number,
                other_id=numbers[t.number].id, other=numbers[t.number].path)
        else:
            numbers[t.number] = t


def _unique(report: Report, items: list[Any], what: str) -> None:
    seen: dict[str, Any] = {}
    folded: dict[str, Any] = {}
    for item in items:
        loc = item.locs.get("id")
        if item.id in seen:
            _at(report, loc, item.path, "duplicate-id", what=what, value=item.id,
                other=seen[item.id].path)
            continue
        seen[item.id] = item
        first = folded.setdefault(item.id.casefold(), item)
        if first is not item:
            _at(report, loc, item.path, "duplicate-id-case", what=what, value=item.id,
                other_id=first.id, other=first.path)


def merged_themes(cat: Catalogue, report: Report) -> None:
    """`merged_into` names a theme that is not itself merged, and never the theme itself."""
    by_id = {t.id: t for t in cat.themes}
    for t in cat.themes:
        if t.merged_into is None:
            continue
        loc = t.locs.get("merged_into")
        target = by_id.get(t.merged_into)
        if t.merged_into == t.id:
            _at(report, loc, t.path, "merged-self", value=t.id)
        elif target is None:
            _at(report, loc, t.path, "unknown-theme", value=t.merged_into,
                hint=did_you_mean(t.merged_into, by_id, {}))
        elif target.merged_into is not None:
            seen = {t.id}
            node: Theme | None = target
            while node is not None and node.merged_into is not None and node.id not in seen:
                seen.add(node.id)
                node = by_id.get(node.merged_into)
            if node is not None and node.id in seen:
                _at(report, loc, t.path, "merged-cycle",
                    chain=f"{t.id} → {t.merged_into} → …")
            else:
                _at(report, loc, t.path, "merged-chain", value=t.merged_into,
                    target=target.merged_into)


def proposal_references(cat: Catalogue, report: Report) -> None:
    """Each proposal's theme exists and is not merged; its department is known."""
    by_id = {t.id: t for t in cat.themes}
    codes = [d.code for d in cat.settings.departments]
    for p in cat.proposals:
        theme = by_id.get(p.theme)
        if p.theme and theme is None:
            _at(report, p.locs.get("theme"), p.path, "unknown-theme", value=p.theme,
                hint=did_you_mean(p.theme, by_id, {}))
        elif theme is not None and theme.merged_into is not None:
            _at(report, p.locs.get("theme"), p.path, "merged-theme", value=p.theme,
                target=theme.merged_into)
        if codes and p.department and p.department not in codes:
            _at(report, p.locs.get("department"), p.path, "unknown-department",
                value=p.department, hint=did_you_mean(p.department, codes, {}),
                known=", ".join(codes))


def alternatives(cat: Catalogue, report: Report) -> None:
    """`alternative_to` names another proposal (not itself an alternative) in the same theme;
    one group has at most one `chosen`; `chosen` alone is a warning."""
    by_id = {p.id: p for p in cat.proposals}
    roots = {p.alternative_to for p in cat.proposals if p.alternative_to}
    chosen: dict[str, Proposal] = {}
    for p in cat.proposals:
        loc = p.locs.get("alternative_to")
        target = by_id.get(p.alternative_to or "")
        if p.alternative_to is None:
            pass
        elif p.alternative_to == p.id:
            _at(report, loc, p.path, "alternative-self")
        elif target is None:
            _at(report, loc, p.path, "alternative-unknown", value=p.alternative_to,
                hint=did_you_mean(p.alternative_to, by_id, {}))
        elif target.alternative_to is not None:
            _at(report, loc, p.path, "alternative-chain", value=target.id,
                target=target.alternative_to)
        elif target.theme != p.theme:
            _at(report, loc, p.path, "alternative-theme", value=target.id, theme=target.theme)
        if not p.chosen:
            continue
        group = p.alternative_to or (p.id if p.id in roots else None)
        if group is None:
            _at(report, p.locs.get("chosen"), p.path, "chosen-alone")
        elif group in chosen:
            _at(report, p.locs.get("chosen"), p.path, "alternative-chosen",
                other_id=chosen[group].id)
        else:
            chosen[group] = p


def price_levels(cat: Catalogue, report: Report) -> None:
    """A proposal's own `price_level` equals the catalogue's."""
    level = cat.settings.price_level
    for p in cat.proposals:
        if p.price_level is not None and level and p.price_level != level:
            _at(report, p.locs.get("price_level"), p.path, "price-level", level=p.price_level,
                catalogue=level)


def _shares_total(report: Report, loc: Loc | None, path: str, shares: list[Decimal],
                  what: str) -> None:
    """Shares add up to 100; 99–101 is a warning (normalised when computing)."""
    total = sum(shares, Decimal(0))
    if not shares or total == 100:
        return
    code = "shares-rounded" if abs(total - 100) <= SHARES_SLACK else "shares-sum"
    _at(report, loc, path, code, what=what, sum=_pct(total))


def departments(cat: Catalogue, report: Report) -> None:
    """Shares, when given, add up to 100 (duplicate codes are caught, at their line, by load)."""
    s = cat.settings
    loc = s.locs.get("departments")
    shares = [d.share for d in s.departments if d.share is not None]
    if shares and len(shares) != len(s.departments):
        _at(report, loc, s.path, "shares-incomplete")
    else:
        _shares_total(report, loc, s.path, shares, "forvaltningernes andele ('share')")


def allocations(cat: Catalogue, report: Report) -> None:
    """A proposal's `allocation` names known departments and its shares add up to 100."""
    codes = [d.code for d in cat.settings.departments]
    for p in cat.proposals:
        a = p.allocation
        if a is None:
            continue
        loc = p.locs.get("allocation")
        if a.key:
            if not cat.settings.allocation_key:
                _at(report, loc, p.path, "allocation-key")
            continue
        parts = a.shares if a.shares is not None else a.amounts or {}
        for code in parts:
            if codes and code not in codes:
                where = (p.locs.get(f"allocation.{code}") or p.locs.get(f"allocation.shares.{code}")
                         or p.locs.get(f"allocation.amounts.{code}") or loc)
                _at(report, where, p.path, "unknown-department", value=code,
                    hint=did_you_mean(code, codes, {}), known=", ".join(codes))
        if a.shares:
            _shares_total(report, loc, p.path, list(a.shares.values()),
                          "andelene i 'allocation'")


_STATUS_FIX = {
    "vedtaget": "skriv status: vedtaget",
    "forkastet": "skriv status: forkastet",
    "udskudt": "et udskudt forslag har status forslag (eller udkast)",
}


def decisions(cat: Catalogue, report: Report) -> None:
    """`status` agrees with `decision.outcome` (the error stands at `status` and names the
    decision's line); `decision.amounts` only on an adopted proposal."""
    for p in cat.proposals:
        d = p.decision
        if d is None:
            continue
        outcome_loc = p.locs.get("decision.outcome") or p.locs.get("decision")
        if p.status not in OUTCOME_STATUSES[d.outcome]:
            status_loc = p.locs.get("status")
            _at(report, status_loc or outcome_loc, p.path, "decision-status", status=p.status,
                given="" if status_loc else " (når status ikke er skrevet)",
                outcome=d.outcome, line=outcome_loc.line if outcome_loc else 1,
                fix=_STATUS_FIX[d.outcome])
        if d.amounts and d.outcome != "vedtaget":
            _at(report, p.locs.get("decision.amounts") or outcome_loc, p.path,
                "decision-amounts", outcome=d.outcome)


def _not_adopted(p: Proposal) -> str:
    """Why a proposal is not adopted, in Danish, naming the line that says so."""
    if p.decision is not None:
        loc = p.locs.get("decision.outcome") or p.locs.get("decision")
        return f"{p.decision.outcome} (afgørelsen i linje {loc.line if loc else 1})"
    return f"ikke vedtaget (status '{p.status}' og ingen afgørelse)"


def realisations(cat: Catalogue, report: Report) -> None:
    """Follow-up only on adopted proposals; each revision named once; entries in date order
    (the last is the current expectation); none dated before the decision (a warning)."""
    for p in cat.proposals:
        if not p.realisation:
            continue
        unreadable = p.decision is None and "decision" in p.locs  # reported by load
        if not p.adopted and not unreadable:
            _at(report, p.locs.get("realisation"), p.path, "realisation-not-adopted",
                what=_not_adopted(p))
        names: dict[str, Loc] = {}
        previous = None
        for entry in p.realisation:
            here = entry.locs.get("revision") or entry.locs.get("") or Loc(p.path)
            if entry.revision in names:
                _at(report, here, p.path, "realisation-duplicate", revision=entry.revision,
                    line=names[entry.revision].line)
            else:
                names[entry.revision] = here
            if entry.date is None:
                continue
            at = entry.locs.get("date") or here
            if previous is not None and previous.date is not None and entry.date < previous.date:
                before = previous.locs.get("date") or previous.locs.get("") or here
                _at(report, at, p.path, "realisation-order", revision=entry.revision,
                    date=entry.date.isoformat(), previous=previous.revision,
                    previous_date=previous.date.isoformat(), line=before.line)
            decided = p.decision.date if p.decision is not None else None
            if decided is not None and entry.date < decided:
                loc = p.locs.get("decision.date")
                _at(report, at, p.path, "realisation-before-decision",
                    revision=entry.revision, date=entry.date.isoformat(),
                    decision_date=decided.isoformat(), line=loc.line if loc else 1)
            previous = entry


def adopted_alternatives(cat: Catalogue, report: Report) -> None:
    """At most one member of a group of alternatives is adopted."""
    by_id = {p.id: p for p in cat.proposals}
    for members in cat.alternative_groups().values():
        adopted = [by_id[m] for m in members if m in by_id and by_id[m].adopted]
        for p in adopted[1:]:
            loc = p.locs.get("decision.outcome") or p.locs.get("status")
            _at(report, loc, p.path, "alternative-adopted", other_id=adopted[0].id)


def no_proposals(cat: Catalogue, report: Report) -> None:
    """A catalogue without proposals is allowed but probably a mistake."""
    if not cat.proposals and cat.settings.title:
        _at(report, Loc(cat.settings.path, 1, 1), cat.settings.path, "no-proposals")


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


RULES: tuple[Rule, ...] = (
    unique_ids,
    merged_themes,
    proposal_references,
    alternatives,
    price_levels,
    departments,
    allocations,
    decisions,
    realisations,
    adopted_alternatives,
    no_proposals,
)


def validate(cat: Catalogue, report: Report) -> Report:
    """Run every cross-file rule, adding to `report`."""
    for rule in RULES:
        rule(cat, report)
    return report


__all__ = ["validate", "RULES"]
