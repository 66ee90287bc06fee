"""The countries a sandbox catalog can sell in: currency, VAT rates and whether prices include tax."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Market:
    """One country as commercetools sees it for pricing and taxes."""

    country: str
    currency: str
    locale: str
    standard_rate: int  # basis points: 1900 = 19 %
    reduced_rate: int
    tax_included_in_price: bool


MARKETS: dict[str, Market] = {
    market.country: market
    for market in (
        Market("DE", "EUR", "de-DE", 1900, 700, True),
        Market("AT", "EUR", "de-AT", 2000, 1000, True),
        Market("FR", "EUR", "en-FR", 2000, 550, True),
        Market("NL", "EUR", "en-NL", 2100, 900, True),
        Market("GB", "GBP", "en-GB", 2000, 0, True),
        Market("CH", "CHF", "de-CH", 810, 260, True),
        Market("US", "USD", "en-US", 725, 725, False),
        Market("JP", "JPY", "en-JP", 1000, 800, True),
        Market("KW", "KWD", "en-KW", 0, 0, True),
    )
}

DEFAULT_COUNTRIES: tuple[str, ...] = ("DE", "AT", "FR", "NL", "US", "JP", "KW")


def markets_for(countries: tuple[str, ...], currencies: tuple[str, ...]) -> tuple[Market, ...]:
    """The known markets among `countries` whose currency the catalog prices in, in given order."""
    unknown = [country for country in countries if country not in MARKETS]
    if unknown:
        raise ValueError(f"no market data for countries {unknown}")
    return tuple(MARKETS[c] for c in countries if MARKETS[c].currency in currencies)
