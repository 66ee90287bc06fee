"""Small server-side SVG charts for the admin page: bars per bucket, no script, every label escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 180
HEIGHT = 40


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bars(
    name: str,
    values: Sequence[float | None],
    *,
    title: str,
    tone: str = "good",
    unit: str = "",
    bucket_minutes: int = 5,
) -> str:
    """A bar per bucket, oldest on the left; each bar's tooltip says its value and when.

    The scale starts at zero and ends at the largest value, so an empty hour is a flat line,
    never a bar chart of noise.
    """
    count = len(values)
    peak = max((v for v in values if v is not None), default=0) or 0
    gap = 2
    slot = WIDTH / max(count, 1)
    shapes = [f'<line x1="0" y1="{HEIGHT - 0.5}" x2="{WIDTH}" y2="{HEIGHT - 0.5}" class="axis"/>']
    for index, value in enumerate(values):
        minutes_ago = (count - index) * bucket_minutes
        label = "–" if value is None else f"{_number(value)}{unit}"
        height = 0.0 if not value or not peak else max(1.0, (HEIGHT - 2) * value / peak)
        shapes.append(
            f'<rect x="{index * slot + gap / 2:.1f}" y="{HEIGHT - height:.1f}" '
            f'width="{slot - gap:.1f}" height="{height:.1f}" class="bar {escape(tone)}">'
            f"<title>{escape(label)} · {minutes_ago - bucket_minutes}–{minutes_ago} min ago"
            "</title></rect>"
        )
    latest = values[-1] if values else None
    caption = f"{escape(title)}: {'–' if latest is None else escape(_number(latest) + unit)}"
    return (
        f'<figure class="chart" data-chart="{escape(name)}">'
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{caption}, peak {escape(_number(peak) + unit)}">'
        + "".join(shapes)
        + f"</svg><figcaption>{caption} <span>(peak {escape(_number(peak) + unit)})</span>"
        "</figcaption></figure>"
    )


def eta_seconds(done: int, total: int | None, elapsed: float) -> float | None:
    """Seconds left at the run's average pace so far; None when it cannot be told yet."""
    if not total or done <= 0 or elapsed <= 0 or done >= total:
        return None
    return (total - done) * elapsed / done
