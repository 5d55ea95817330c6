"""Names drawn in the report's charts stay text: HTML is escaped in the SVG, and $ never starts a formula."""

from __future__ import annotations

from erpflow.reports.charts import completion


def test_a_role_name_with_html_or_dollars_is_drawn_as_text():
    svg = completion({"<b>buyer</b>": (1, 2), "$x^2$ clerk": (2, 2), "$\\frac{": (0, 1)}, 0.9)
    assert "&lt;b&gt;buyer&lt;/b&gt;" in svg and "<b>" not in svg
    assert "$x^2$ clerk" in svg and "$\\frac{" in svg
