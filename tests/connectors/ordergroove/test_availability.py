"""`live` from a variant's availability, as the reference decides it, plus the strict option."""

import pytest

from ctbridge.connectors.ordergroove.availability import StockRule, is_live

IN = {"isOnStock": True, "availableQuantity": 5}
OUT = {"isOnStock": False, "availableQuantity": 0}

CASES = [
    ("no inventory tracked is live", None, StockRule(), True),
    ("empty availability is live", {}, StockRule(), True),
    ("channel-less entry in stock", {"isOnStock": True}, StockRule(), True),
    ("channel-less entry out of stock", {"isOnStock": False}, StockRule(), False),
    ("channel-less entry without flag counts as live", {"availableQuantity": 3}, StockRule(), True),
    (
        "configured channel present decides even if others in stock",
        {"channels": {"wh": OUT, "other": IN}},
        StockRule("wh"),
        False,
    ),
    (
        "configured channel in stock is live",
        {"channels": {"wh": IN, "other": OUT}},
        StockRule("wh"),
        True,
    ),
    (
        "configured channel absent falls back to any channel (preference, not filter)",
        {"channels": {"other": IN}},
        StockRule("wh"),
        True,
    ),
    (
        "no configured channel: any channel in stock",
        {"channels": {"a": OUT, "b": IN}},
        StockRule(),
        True,
    ),
    (
        "no configured channel: the channel-less entry in stock",
        {"isOnStock": True, "channels": {"a": OUT}},
        StockRule(),
        True,
    ),
    (
        "all channels out and no channel-less entry",
        {"channels": {"a": OUT, "b": OUT}},
        StockRule(),
        False,
    ),
    (
        "strict: configured channel absent means not live",
        {"channels": {"other": IN}},
        StockRule("wh", strict=True),
        False,
    ),
    (
        "strict: configured channel present decides",
        {"channels": {"wh": IN}},
        StockRule("wh", strict=True),
        True,
    ),
    (
        "strict: channel-less entry does not count",
        {"isOnStock": True},
        StockRule("wh", strict=True),
        False,
    ),
    ("strict: untracked variant stays live", None, StockRule("wh", strict=True), True),
]


@pytest.mark.parametrize(
    ("availability", "rule", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_live_follows_the_stock_rule(availability, rule, expected):
    assert is_live(availability, rule) is expected
