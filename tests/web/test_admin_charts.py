"""The admin page's charts and progress: bars scaled to the peak, escaped labels, honest ETAs."""

from __future__ import annotations

import re

import pytest

from ctbridge.web.admin_charts import bars, eta_seconds
from ctbridge.web.admin_view import progress, render_history


def heights(svg: str) -> list[float]:
    return [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)]


def test_bars_are_scaled_to_the_peak_and_an_empty_hour_is_flat() -> None:
    assert heights(bars("x", [0, 5, 10], title="finished")) == [0.0, 19.0, 38.0]
    assert heights(bars("x", [0, 0, 0], title="finished")) == [0.0, 0.0, 0.0]
    assert heights(bars("x", [None, 1], title="age")) == [0.0, 38.0]


def test_labels_are_escaped_and_say_the_latest_value_and_the_peak() -> None:
    svg = bars('<script>"', [3, 7, 2], title="finished")
    assert "<script>" not in svg
    assert 'data-chart="&lt;script&gt;&quot;"' in svg
    assert "finished: 2 <span>(peak 7)</span>" in svg
    assert "<title>7 · 5–10 min ago</title>" in svg


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "eta"),
    [(50, 100, 60.0, 60.0), (0, 100, 60.0, None), (100, 100, 60.0, None), (5, None, 9.0, None)],
)
def test_the_eta_is_the_time_left_at_the_pace_so_far(done, total, elapsed, eta) -> None:
    assert eta_seconds(done, total, elapsed) == eta


def test_progress_shows_the_time_left_once_known() -> None:
    assert "about 2 min left" in progress(25, 100, 40.0)
    assert "left" not in progress(0, 100, 40.0)


def test_every_connector_gets_four_charts() -> None:
    flow = {"finished": [1] * 12, "dead": [0] * 12, "depth": [2] * 12, "oldest_age": [None] * 12}
    html = render_history({"og": flow, "fluent": flow}, 5)
    assert len(re.findall(r'data-chart="og-', html)) == 4
    assert len(re.findall(r'data-chart="fluent-', html)) == 4
    assert "No work in the last hour." in render_history({}, 5)
