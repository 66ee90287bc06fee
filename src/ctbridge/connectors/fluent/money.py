"""commercetools money for the Fluent mappings: `ctbridge.commercetools.money`, re-exported here
so the Fluent modules keep one import while the package is regrouped."""

from __future__ import annotations

from ctbridge.commercetools.money import ZERO, amount, currency, divide, fraction_digits

__all__ = ["ZERO", "amount", "currency", "divide", "fraction_digits"]
