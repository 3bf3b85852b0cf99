"""`katalog new`: write a new proposal file from `templates/new/proposal.md.j2`.

The new file names every field with a short Danish comment and passes `katalog check` as
written: it starts as `status: udkast` (not counted in totals) with `"?"` amounts for every
catalogue year, so an unfinished proposal never changes the totals by accident.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, StrictUndefined, Template, TemplateSyntaxError, UndefinedError

from . import fields as F
from .fields import id_problem, one_of
from .folder import PROPOSALS_DIR
from .load import load
from .model import AREAS, DEFAULT_COUNTED, KINDS, STATUSES, Catalogue
from .numbers import unit_label
from .reader import THOUSANDS_DOT_UNIT, did_you_mean
from .render.templates import TemplateSet, sandboxed
from .safefs import create_exclusive

TEMPLATE = "new/proposal.md.j2"
DEFAULT_TITLE = "Titel på forslaget"


class ScaffoldError(Exception):
    """The proposal cannot be created; the message is Danish and says why."""


@dataclass(frozen=True)
class NewProposal:
    id: str
    theme: str
    department: str
    title: str = DEFAULT_TITLE


def yaml_scalar(text: str) -> str:
    """A YAML scalar for `text`: plain when it is safe, otherwise double-quoted."""
    plain_ok = (
        text.strip() == text
        and text != ""
        and not any(c in text for c in ":#{}[],&*!|>'\"%@`\\")
        and text[0] not in "-?"
        and text.casefold() not in ("true", "false", "null", "yes", "no", "~", "y", "n", "on", "off")
    )
    if plain_ok:
        try:
            float(text.replace("_", ""))
        except ValueError:
            return text
    return json.dumps(text, ensure_ascii=False)


def _check_request(req: NewProposal, cat: Catalogue, content: Path) -> None:
    problem = id_problem(req.id)
    if problem:
        raise ScaffoldError(f"id'et '{req.id}' er ugyldigt: {problem[1]}; fx ADM-04")
    target = content / PROPOSALS_DIR / f"{req.id}.md"
    if os.path.lexists(target):
        what = " (et symbolsk link)" if os.path.islink(target) else ""
        raise ScaffoldError(f"{target} findes allerede{what}: vælg et andet id (eller ret den "
                            "fil)")
    used = next((p for p in cat.proposals if p.id.casefold() == req.id.casefold()), None)
    if used is not None:
        same = "" if used.id == req.id else f" som '{used.id}' (kun store/små bogstaver er " \
            "forskellige, og filerne ville støde sammen på Windows og macOS)"
        raise ScaffoldError(f"id'et '{req.id}' er allerede brugt{same} i {used.path}: vælg "
                            "et andet id")
    themes = [t.id for t in cat.themes if not t.merged]
    merged = next((t for t in cat.themes if t.id == req.theme and t.merged), None)
    if merged is not None:
        raise ScaffoldError(
            f"temaet '{req.theme}' er slået sammen med '{merged.merged_into}': "
            f"brug --theme {merged.merged_into}"
        )
    if req.theme not in themes:
        known = f" (kendte temaer: {', '.join(themes)})" if themes else " (der er ingen temaer endnu)"
        raise ScaffoldError(f"ukendt tema '{req.theme}'{did_you_mean(req.theme, themes)}{known}")
    codes = [d.code for d in cat.settings.departments]
    if codes and req.department not in codes:
        raise ScaffoldError(
            f"ukendt forvaltning '{req.department}'{did_you_mean(req.department, codes)} "
            f"(kendte: {', '.join(codes)})"
        )
    if not req.department.strip():
        raise ScaffoldError("forvaltningen mangler: angiv --department")
    if not cat.settings.years:
        raise ScaffoldError("catalogue.yaml mangler 'years' (eller kan ikke læses): ret den først")


def environment(templates: TemplateSet) -> Environment:
    """The new proposal's template environment: a templates folder may come with a pull
    request, so it is read safely and rendered in the sandbox."""
    env = sandboxed(templates.loader(""), undefined=StrictUndefined, trim_blocks=True,
                    keep_trailing_newline=True, autoescape=False)
    env.filters["yaml"] = yaml_scalar
    return env


def render_proposal(req: NewProposal, cat: Catalogue, templates: TemplateSet | None = None) -> str:
    """The new proposal file's text."""
    env = environment(templates or TemplateSet.create())
    try:
        template = env.get_template(TEMPLATE)
    except TemplateSyntaxError as exc:
        raise ScaffoldError(f"{exc.filename}:{exc.lineno}: skabelonen kan ikke læses: "
                            f"{exc.message}") from None
    try:
        return _render(template, req, cat)
    except UndefinedError as exc:
        raise ScaffoldError(f"skabelonen {template.filename} bruger noget, der ikke findes: "
                            f"{exc.message}") from None


def _render(template: Template, req: NewProposal, cat: Catalogue) -> str:
    s = cat.settings
    theme = cat.theme(req.theme)
    counted = s.counted_statuses or DEFAULT_COUNTED
    example = example_amount(s.unit)
    saving = example if s.savings_sign == "positive" else -example
    return template.render(
        help={f.key: f.help for f in F.PROPOSAL},
        line={f.key: f.help for f in F.LINE},
        example=_plain(saving),
        number_rule=number_rule(s.unit),
        id=req.id,
        title=req.title.strip() or DEFAULT_TITLE,
        theme=req.theme,
        theme_title=theme.title if theme else "",
        department=req.department,
        department_name=next((d.name for d in s.departments if d.code == req.department), ""),
        statuses=", ".join(STATUSES),
        counted=one_of(list(counted)),
        kinds=", ".join(KINDS),
        areas=", ".join(AREAS),
        price_level=s.price_level,
        years=list(s.years),
        unit=unit_label(s.unit).replace("\u00a0", " "),
        sign_rule=sign_rule(s.savings_sign, s.unit),
    )


def example_amount(unit: int) -> Decimal:
    """A typical amount in the catalogue's unit (500.000 kr.)."""
    return Decimal(500000) / unit


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def sign_rule(savings_sign: str, unit: int) -> str:
    """How savings and extra costs are written, with an amount in the catalogue's unit."""
    amount = _plain(example_amount(unit))
    if savings_sign == "negative":
        return f"Besparelser skrives med minus (-{amount}), merudgifter med plus ({amount})"
    return f"Besparelser skrives med plus ({amount}), merudgifter med minus (-{amount})"


def number_rule(unit: int) -> str:
    """How numbers are written in the catalogue's unit (the thousands-dot pitfall only
    where a dot and three digits can mean thousands)."""
    if unit <= THOUSANDS_DOT_UNIT:
        big = _plain(Decimal(6000000) / unit)
        dotted = f"{int(big):,}".replace(",", ".")
        return f"Skriv tal uden tusindtalspunktum ({big}, ikke {dotted})"
    return "Skriv decimaler med punktum (0.5 eller 0.125, ikke 0,5)"


def new_proposal(content: Path | str, req: NewProposal, templates: Path | str | None = None) -> Path:
    """Write `proposals/<id>.md` in `content`; ScaffoldError (Danish) when it cannot."""
    content = Path(content)
    cat, _report = load(content)
    _check_request(req, cat, content)
    if templates is None and (content.resolve().parent / "templates").is_dir():
        templates = content.resolve().parent / "templates"
    text = render_proposal(req, cat, TemplateSet.create(templates))
    target = content / PROPOSALS_DIR / f"{req.id}.md"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        create_exclusive(target, text.encode("utf-8"))
    except FileExistsError:
        raise ScaffoldError(f"{target} findes allerede: vælg et andet id") from None
    except OSError as exc:
        raise ScaffoldError(f"{target} kan ikke skrives ({exc.strerror or exc}): har du "
                            "skriveadgang til indholdsmappen?") from None
    return target
