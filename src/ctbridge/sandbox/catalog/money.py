"""Money in integer minor units: currency precision, conversion, draft shapes and tax arithmetic."""

from __future__ import annotations

from dataclasses import dataclass

# ISO 4217 minor-unit digits; commercetools' centAmount counts these units (yen for JPY, fils for KWD).
FRACTION_DIGITS: dict[str, int] = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "JPY": 0, "KWD": 3}

# How many minor units of the currency one euro cent buys, as a (numerator, denominator) pair.
_PER_EURO_CENT: dict[str, tuple[int, int]] = {
    "EUR": (1, 1),
    "USD": (108, 100),
    "GBP": (85, 100),
    "CHF": (95, 100),
    "JPY": (16, 10),
    "KWD": (33, 10),
}

# Retail prices end on a round step per currency (…99 cents, whole tens of yen, 50 fils).
_PRICE_STEP: dict[str, int] = {"JPY": 10, "KWD": 50}


def fraction_digits(currency: str) -> int:
    """The number of minor-unit digits commercetools uses for `currency`."""
    try:
        return FRACTION_DIGITS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}") from None


def convert_from_euro_cents(euro_cents: int, currency: str) -> int:
    """An amount in euro cents expressed in minor units of `currency`, rounded half up."""
    fraction_digits(currency)
    numerator, denominator = _PER_EURO_CENT[currency]
    return (euro_cents * numerator * 2 + denominator) // (denominator * 2)


def retail_price(euro_cents: int, currency: str) -> int:
    """A shelf price in `currency` near `euro_cents`, ending the way shoppers expect."""
    amount = convert_from_euro_cents(euro_cents, currency)
    step = _PRICE_STEP.get(currency)
    if step is not None:
        return max(step, amount - amount % step)
    return max(99, amount - amount % 100 + 99 if amount % 100 else amount - 1)


def money(currency: str, cent_amount: int) -> dict:
    """A commercetools Money (used where the API takes plain Money: orders, payments, attributes)."""
    return {"currencyCode": currency, "centAmount": cent_amount}


def typed_money(currency: str, cent_amount: int) -> dict:
    """A CentPrecisionMoneyDraft stating its fraction digits (PriceDraft and tier values)."""
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cent_amount,
        "fractionDigits": fraction_digits(currency),
    }


@dataclass(frozen=True)
class TaxedAmount:
    """Net, gross and tax of one amount under one rate; always `gross - net == tax`."""

    net: int
    gross: int

    @property
    def tax(self) -> int:
        return self.gross - self.net


def _divide_half_up(numerator: int, denominator: int) -> int:
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def apply_tax(amount: int, rate_basis_points: int, *, included_in_price: bool) -> TaxedAmount:
    """Split `amount` into net and gross; the amount is gross when tax is included, net otherwise.

    Rounding is half up (away from zero), matching an order imported with taxRoundingMode HalfUp.
    """
    if included_in_price:
        net = _divide_half_up(amount * 10_000, 10_000 + rate_basis_points)
        return TaxedAmount(net=net, gross=amount)
    tax = _divide_half_up(amount * rate_basis_points, 10_000)
    return TaxedAmount(net=amount, gross=amount + tax)


def percentage_of(amount: int, percent: int) -> int:
    """`percent` % of `amount`, rounded down: what a percentage discount takes off."""
    return amount * percent // 100
