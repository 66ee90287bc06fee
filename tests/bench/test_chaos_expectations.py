"""The chaos soak's own expectations for Ordergroove: documented price selection and `live`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from chaos_expectations import Scope, expected_live, expected_price, expected_products  # noqa: E402
from chaos_verdict import OrdergrooveWrites, Verdict, check_ordergroove  # noqa: E402

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SCOPE = Scope("en", "EUR", "DE", "web", "", False, False)


def price(cents: int, currency: str = "EUR", digits: int = 2, **scope: Any) -> dict[str, Any]:
    value = {"currencyCode": currency, "centAmount": cents, "fractionDigits": digits}
    return {"value": value, **scope}


CHANNEL = {"typeId": "channel", "id": "web"}


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        ([price(100, "USD")], None),
        ([price(100), price(90, country="DE")], Decimal("0.90")),
        ([price(100, country="DE"), price(80, channel=CHANNEL)], Decimal("0.80")),
        (
            [price(80, channel=CHANNEL), price(70, channel=CHANNEL, country="DE")],
            Decimal("0.70"),
        ),
        ([price(100), price(50, customerGroup={"typeId": "customer-group", "id": "b2b"})], 1),
        ([price(100), price(50, recurrencePolicy={"typeId": "recurrence-policy"})], 1),
        ([price(100), price(60, country="FR")], 1),
        (
            [price(100, country="DE"), price(75, country="DE", validFrom="2026-05-01T00:00:00Z")],
            Decimal("0.75"),
        ),
        (
            [price(100, country="DE"), price(75, country="DE", validUntil="2026-05-01T00:00:00Z")],
            1,
        ),
        ([price(1234, "KWD", 3)], None),
    ],
)
def test_prices_are_selected_as_commercetools_documents(
    prices: list[dict[str, Any]], expected: Decimal | int | None
) -> None:
    assert expected_price(prices, SCOPE, NOW) == expected


def test_amounts_keep_their_scale() -> None:
    kwd = Scope("en", "KWD", "", "", "", False, False)
    assert expected_price([price(1234, "KWD", 3)], kwd, NOW) == Decimal("1.234")


@pytest.mark.parametrize(
    ("availability", "supply", "strict", "live"),
    [
        (None, "", False, True),
        ({"isOnStock": False}, "", False, False),
        ({"channels": {"a": {"isOnStock": False}, "b": {"isOnStock": True}}}, "", False, True),
        ({"channels": {"a": {"isOnStock": False}, "b": {"isOnStock": True}}}, "a", False, False),
        ({"channels": {"b": {"isOnStock": True}}}, "a", True, False),
    ],
)
def test_live_follows_the_reference(
    availability: dict[str, Any] | None, supply: str, strict: bool, live: bool
) -> None:
    scope = Scope("en", "EUR", "", "", supply, strict, False)
    assert expected_live(availability, scope) is live


class NoEmulator:
    def _apply(self, endpoint: str, item: Any) -> dict[str, Any]:
        return {"status": 200, "product_id": item["product_id"]}


def test_a_wrong_price_at_the_target_is_lost_even_if_the_product_was_dead_lettered() -> None:
    projection = {
        "id": "p1",
        "name": {"en": "Shirt"},
        "masterVariant": {"sku": "S1", "prices": [price(1999)]},
        "variants": [{"sku": "S2", "prices": [price(2999)]}],
    }
    assert [p["product_id"] for p in expected_products(projection, SCOPE, NOW)] == ["S1", "S2"]
    held = {
        "S1": {"name": "Shirt", "price": 19.99, "live": True},
        "S2": {"name": "Shirt", "price": 19.99, "live": True},
    }
    verdict = Verdict()
    check_ordergroove(verdict, [projection], held, OrdergrooveWrites(NoEmulator()), SCOPE, {})
    assert [(f.kind, f.key) for f in verdict.findings] == [("lost", "S2")]
