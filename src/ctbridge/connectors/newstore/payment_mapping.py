"""commercetools Payment → NewStore payments, from successful transactions only.

The default mapper; an extension replaces it with `registry.set_mapper("newstore.payment", f)`
where `f(payment, order, rules) -> list[dict]`.
"""

from __future__ import annotations

from typing import Any

from ctbridge.commercetools.money import fraction_digits, minor_units, to_decimal
from ctbridge.connectors.newstore.errors import OrderMappingError
from ctbridge.connectors.newstore.order_rules import OrderRules

DEFAULT_METHOD = "credit_card"


def _successful(payment: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        t
        for t in payment.get("transactions") or []
        if t.get("type") == kind and t.get("state") == "Success"
    ]


def _total(transactions: list[dict[str, Any]]) -> int:
    return sum(minor_units(t.get("amount")) for t in transactions)


def map_payment(
    payment: dict[str, Any], order: dict[str, Any], rules: OrderRules
) -> list[dict[str, Any]]:
    """Captured = successful charges less refunds; authorized = successful authorizations not
    yet charged or cancelled. Zero amounts are left out; a payment with neither yields []."""
    charges = _successful(payment, "Charge")
    authorizations = _successful(payment, "Authorization")
    captured = max(0, _total(charges) - _total(_successful(payment, "Refund")))
    authorized = max(
        0,
        _total(authorizations)
        - _total(charges)
        - _total(_successful(payment, "CancelAuthorization")),
    )
    # The payment's own digits; the order's when its money omits them (a draft-shaped payment).
    planned = payment.get("amountPlanned") or {}
    digits = fraction_digits(planned if "fractionDigits" in planned else order.get("totalPrice"))
    info = payment.get("paymentMethodInfo") or {}
    interface = str(info.get("paymentInterface") or "")
    rule = rules.payment_methods.get(interface) or rules.payment_methods.get("*")
    if rule is not None:
        processor, method, wallet = rule.processor, rule.method, rule.wallet
    elif interface:
        processor, method, wallet = interface.lower()[:32], None, None
    else:
        raise OrderMappingError(
            f"payment {payment.get('id')} has no paymentInterface and NEW_STORE_PAYMENT_METHODS "
            "has no '*' entry"
        )
    method = (method or str(info.get("method") or "") or DEFAULT_METHOD)[:64]
    entries = []
    for kind, amount, transactions in (
        ("captured", captured, charges),
        ("authorized", authorized, authorizations),
    ):
        if amount <= 0:
            continue
        latest = max(transactions, key=lambda t: (t.get("timestamp") or "", t.get("id") or ""))
        entry: dict[str, Any] = {
            "type": kind,
            "amount": to_decimal(amount, digits),
            "method": method,
            "processor": processor,
            "processed_at": latest.get("timestamp") or payment.get("createdAt") or "",
            "correlation_ref": str(
                latest.get("interactionId") or payment.get("interfaceId") or payment["id"]
            )[:128],
        }
        if wallet:
            entry["wallet"] = wallet
        entries.append(entry)
    return entries
