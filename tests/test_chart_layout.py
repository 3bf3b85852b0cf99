"""The charts' layout (`render.chart_layout`) on hand-made bars: the legend fits the width
whatever the labels, bars stand on the 0 line, and the same bars give the same geometry."""

from __future__ import annotations

from decimal import Decimal

from katalog.render.chart_layout import Bars, Part, Rect, Text, layout, text_width


def bars(labels: list[str], values: list[int]) -> Bars:
    parts = tuple(Part(label, "#1b4b72", "///" if i % 2 else "", "#ffffff", "#1b4b72",
                       (Decimal(v), Decimal(v)))
                  for i, (label, v) in enumerate(zip(labels, values)))
    return Bars((2027, 2028), parts, (Decimal(150), None), ("100", "100"), (None, None),
                "Mål", "I alt", ("En note uden symbol",), "Besparelse (kr.)", 0.12, 266.4,
                576.0)


def test_a_legend_of_long_words_is_wrapped_to_fit_the_width() -> None:
    """Two columns of 44 wide characters would be ≈ 860 points: the labels are wrapped
    narrower until both columns fit."""
    labels = ["W" * 60, "Wolframværksmedarbejderuddannelse " * 3, "M" * 44, "W" * 50]
    geometry = layout(bars(labels, [50, 30, 20, 10]))
    texts = [s for s in geometry.shapes if isinstance(s, Text) and s.y > 266.4]
    assert {"Mål", "En note uden symbol"} <= {t.text for t in texts}
    assert "".join(t.text for t in texts).count("W") == 60 + 3 + 50
    for text in texts:
        assert 0 <= text.x and text.x + text_width(text.text) <= geometry.width
    assert max(t.y for t in texts) < geometry.height


def test_bars_stand_on_zero_and_stack_in_order() -> None:
    geometry = layout(bars(["a", "b", "c"], [50, -30, 20]))
    rects = [s for s in geometry.shapes if isinstance(s, Rect) and s.y + s.h < 266.4]
    first = sorted((r for r in rects if r.x < 288), key=lambda r: r.y)
    assert len(first) == 3
    up_c, up_a, down_b = first  # c on top of a, b below 0
    assert up_c.y + up_c.h == up_a.y and up_a.y + up_a.h == down_b.y
    assert abs(up_a.h - 50 / 30 * down_b.h) < 1e-9 and abs(up_c.h - 20 / 30 * down_b.h) < 1e-9


def test_the_same_bars_give_the_same_geometry() -> None:
    one = layout(bars(["a", "b"], [1, 2]))
    assert layout(bars(["a", "b"], [1, 2])) == one
