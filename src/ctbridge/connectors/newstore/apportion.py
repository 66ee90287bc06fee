"""Splits an integer amount of minor units over weighted parts so the parts sum exactly."""

from __future__ import annotations

from collections.abc import Sequence


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Largest-remainder split of `total` proportional to `weights`.

    The parts always sum to `total`. Remainder units go to the largest fractional remainders,
    ties to the earlier part, so the result is deterministic. With no positive weight the
    amount is split evenly, remainder to the first parts. A negative total is split like its
    absolute value and negated.
    """
    if not weights:
        if total:
            raise ValueError(f"cannot apportion {total} over no parts")
        return []
    if total < 0:
        return [-part for part in apportion(-total, weights)]
    clean = [max(0, int(w)) for w in weights]
    whole = sum(clean)
    if whole == 0:
        clean = [1] * len(weights)
        whole = len(weights)
    parts = [total * w // whole for w in clean]
    remainders = [total * w % whole for w in clean]
    short = total - sum(parts)
    for index in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[:short]:
        parts[index] += 1
    return parts


def split_evenly(total: int, count: int) -> list[int]:
    """`total` over `count` equal parts; the first parts take the remainder."""
    return apportion(total, [1] * count)
