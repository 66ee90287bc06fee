"""Taxes of an order's units: each line's tax, reconciled with the order's total tax, per unit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ctbridge.commercetools.money import minor_units, to_decimal
from ctbridge.connectors.newstore.apportion import apportion
from ctbridge.connectors.newstore.errors import OrderMappingError
from ctbridge.connectors.newstore.order_units import Unit
from ctbridge.connectors.newstore.shipping_mapping import shipping_tax

RATE_SCALE = 1_000_000
MAX_TAX_NAME = 64


def taxed_total(taxed: dict[str, Any] | None) -> int:
    if not taxed:
        return 0
    if taxed.get("totalTax") is not None:
        return minor_units(taxed["totalTax"])
    return minor_units(taxed.get("totalGross")) - minor_units(taxed.get("totalNet"))


def line_tax(line: dict[str, Any]) -> int:
    return taxed_total(line.get("taxedPrice"))


def price_method(lines: Sequence[dict[str, Any]]) -> str:
    """`tax_included` when every rate is included in the price (NewStore's F11nTaxMethod)."""
    included = {
        bool(line["taxRate"].get("includedInPrice")) for line in lines if line.get("taxRate")
    }
    if len(included) > 1:
        raise OrderMappingError("the order mixes tax-included and tax-excluded prices")
    return "tax_included" if included == {True} else "tax_excluded"


def apportion_taxes(
    order: dict[str, Any],
    lines: Sequence[tuple[dict[str, Any], list[Unit]]],
    shipping_infos: Sequence[dict[str, Any] | None],
    reported: Sequence[dict[str, Any]],
) -> None:
    """Sets each unit's tax. Lines carry the difference between their taxes and the order's
    (what order discounts and negative custom line items took off) by their tax, else by their
    price, else evenly; a line's tax is split over its units by what each paid."""
    line_taxes = [line_tax(line) for line, _ in lines]
    taxed = order.get("taxedPrice")
    if taxed:
        target = (
            taxed_total(taxed)
            - sum(shipping_tax(info) for info in shipping_infos)
            - sum(line_tax(line) for line in reported)
        )
        taxable = [
            bool(line.get("taxRate")) or tax > 0
            for (line, _), tax in zip(lines, line_taxes, strict=True)
        ]
        if not any(taxable):
            taxable = [True] * len(lines)
        weights: list[int] = []
        for candidate in (
            line_taxes,
            [sum(u.paid for u in units) for _, units in lines],
            [1] * len(lines),
        ):
            weights = [w if t else 0 for w, t in zip(candidate, taxable, strict=True)]
            if any(weights):
                break
        for index, delta in enumerate(apportion(target - sum(line_taxes), weights)):
            line_taxes[index] += delta
    for (_, units), tax in zip(lines, line_taxes, strict=True):
        for unit, share in zip(units, apportion(tax, [u.paid for u in units]), strict=True):
            unit.tax = share


def tax_lines(unit: Unit, digits: int) -> list[dict[str, Any]]:
    """One tax line per commercetools sub-rate (or the rate), summing to the unit's tax."""
    rate = unit.line.get("taxRate")
    if not rate:
        if not unit.tax:
            return []
        return [{"amount": to_decimal(unit.tax, digits), "rate": 0, "name": "tax"}]
    sub_rates = rate.get("subRates") or [rate]
    weights = [round(float(r.get("amount", 0)) * RATE_SCALE) for r in sub_rates]
    lines = []
    for sub_rate, amount in zip(sub_rates, apportion(unit.tax, weights), strict=True):
        tax_line: dict[str, Any] = {
            "amount": to_decimal(amount, digits),
            "rate": sub_rate.get("amount", 0),
            "name": str(sub_rate.get("name") or rate.get("name") or "tax")[:MAX_TAX_NAME],
        }
        if rate.get("country"):
            tax_line["country_code"] = str(rate["country"])[:2]
        lines.append(tax_line)
    return lines
