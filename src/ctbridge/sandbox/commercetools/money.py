"""Money drafts to the platform's typed money (`centPrecision`, with the currency's fraction digits)."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.errors import invalid_field, missing_field

# ISO 4217 minor units for currencies that do not use two.
_FRACTION_DIGITS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "BHD": 3, "KWD": 3, "TND": 3}


def fraction_digits(currency_code: str) -> int:
    return _FRACTION_DIGITS.get(currency_code, 2)


def typed_money(draft: Any, field: str = "value") -> dict[str, Any]:
    """A `Money` draft (`currencyCode`, `centAmount`) as `CentPrecisionMoney`."""
    if not isinstance(draft, dict):
        raise missing_field(field)
    currency = draft.get("currencyCode")
    cents = draft.get("centAmount")
    if not isinstance(currency, str) or len(currency) != 3:
        raise invalid_field(f"{field}.currencyCode", currency, "Invalid currency code.")
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise invalid_field(f"{field}.centAmount", cents, "centAmount must be an integer.")
    return {
        "type": draft.get("type", "centPrecision"),
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": draft.get("fractionDigits", fraction_digits(currency)),
    }


def times(money: dict[str, Any], quantity: int) -> dict[str, Any]:
    return {**money, "centAmount": money["centAmount"] * quantity}


def total(amounts: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    cents = sum(amount["centAmount"] for amount in amounts)
    return typed_money({"currencyCode": currency, "centAmount": cents})
