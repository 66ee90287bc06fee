"""Tax categories of the sandbox project and the TaxRate an order line carries in each market."""

from __future__ import annotations

from ctbridge.sandbox.catalog.identifiers import REDUCED_TAX_KEY, STANDARD_TAX_KEY
from ctbridge.sandbox.catalog.markets import Market


def rate_amount(basis_points: int) -> float:
    """commercetools states a tax rate as a number between 0 and 1 (a ratio, not money)."""
    return basis_points / 10_000


def basis_points(tax_category_key: str, market: Market) -> int:
    if tax_category_key == REDUCED_TAX_KEY:
        return market.reduced_rate
    return market.standard_rate


def tax_rate(tax_category_key: str, market: Market) -> dict:
    """The TaxRate of one tax category in one market, as imported on line items and shipping."""
    points = basis_points(tax_category_key, market)
    return {
        "name": f"{market.country} {'reduced' if tax_category_key == REDUCED_TAX_KEY else 'standard'}",
        "amount": rate_amount(points),
        "includedInPrice": market.tax_included_in_price,
        "country": market.country,
    }


def tax_category_drafts(markets: tuple[Market, ...]) -> tuple[dict, ...]:
    """TaxCategoryDrafts with one rate per market: standard VAT and the reduced rate."""
    return tuple(
        {
            "key": key,
            "name": name,
            "description": f"{name} VAT",
            "rates": [tax_rate(key, market) for market in markets],
        }
        for key, name in ((STANDARD_TAX_KEY, "Standard"), (REDUCED_TAX_KEY, "Reduced"))
    )
