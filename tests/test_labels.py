"""labels: every fixed Danish label by key, the catalogue's own wording, the accent colour."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from katalog.labels import LABELS, Labels, contrast_with_white, fill, labels_for, parse_colour
from katalog.model import Settings

ROOT = Path(__file__).resolve().parent.parent


def settings(**kw) -> Settings:
    return Settings(title="K", organisation="O", years=(2026,), price_level=2026, **kw)


def test_defaults_follow_the_sign_convention():
    neg, pos = labels_for(settings()), labels_for(settings(savings_sign="positive"))
    assert neg["difference"] == "Difference til mål (positiv = målet er mere end nået)"
    assert pos["difference"] == "Difference til mål (positiv = mangler for at nå målet)"
    assert "negativt fortegn" in neg["sign_note"] and "positivt fortegn" in pos["sign_note"]
    assert "større" in neg["difference_partial_note"] and "mindre" in pos["difference_partial_note"]
    assert all(neg[k] for k in LABELS)  # no empty label


def test_overrides_win_and_unknown_keys_are_ignored():
    labels = labels_for(settings(labels={"difference": "Rest", "total": "Samlet"}))
    assert (labels["difference"], labels["total"], labels.total) == ("Rest", "Samlet", "Samlet")
    assert labels["target"] == "Mål"
    assert "bogus" not in Labels(overrides={"bogus": "x"})


def test_fill_keeps_own_wording_with_braces():
    assert fill("Afrundet til {decimals} decimal", decimals="1") == "Afrundet til 1 decimal"
    assert fill("Tekst med {krøllet} parentes", decimals="1") == "Tekst med {krøllet} parentes"
    assert fill("Ingen pladsholder") == "Ingen pladsholder"


def test_the_fixed_labels_of_the_view_are_keys():
    """render/view.py takes its wording from the labels: every key it asks for exists."""
    source = (ROOT / "src" / "katalog" / "render" / "view.py").read_text(encoding="utf-8")
    used = set(re.findall(r"labels\[['\"](\w+)['\"]\]", source))
    used |= {f"group_{g}" for g in ("varig", "engang")} | {f"total_{g}" for g in ("varig", "engang")}
    assert used and used <= set(LABELS), used - set(LABELS)


def test_the_docs_list_every_label_key():
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    for key in LABELS:
        assert f"| `{key}` |" in text, key


@pytest.mark.parametrize(("text", "expected"), [("#7A1F3D", "#7a1f3d"), ("#a13", "#aa1133"),
                                                 (" #000000 ", "#000000")])
def test_parse_colour(text, expected):
    assert parse_colour(text) == expected


@pytest.mark.parametrize("text", ["rød", "#12345", "#gggggg", "7a1f3d", "rgb(0,0,0)"])
def test_parse_colour_refuses(text):
    assert parse_colour(text) is None


@pytest.mark.parametrize(("colour", "ratio"), [
    # WebAIM's contrast checker: #767676 is the lightest grey that passes AA on white
    ("#000000", "21.00"), ("#ffffff", "1.00"), ("#767676", "4.54"), ("#777777", "4.48"),
])
def test_wcag_contrast_with_white(colour, ratio):
    assert contrast_with_white(colour).quantize(D("0.01")) == D(ratio)


@pytest.mark.parametrize("colour", ["#7a1f3d", "#0b5394", "#ffcc00", "#1a6b3c", "#c00000"])
def test_contrast_matches_the_wcag_formula(colour):
    def channel(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    assert abs(float(contrast_with_white(colour)) - 1.05 / (lum + 0.05)) < 1e-9
