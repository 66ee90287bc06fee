"""Successful commercetools payment transactions as Fluent financial transactions."""

from __future__ import annotations

from typing import Any

from ctbridge.commercetools.money import amount, currency, fraction_digits

TRANSACTION_TYPES = {
    "Authorization": "AUTHORIZATION",
    "CancelAuthorization": "CANCEL_AUTHORIZATION",
    "Charge": "PAYMENT",
    "Refund": "REFUND",
    "Chargeback": "CHARGEBACK",
}


def financial_transactions(
    payments: list[dict[str, Any]], default_method: str = "UNKNOWN"
) -> list[dict[str, Any]]:
    """Every `Success` transaction of every payment, in order, with its own id as ref.

    `paymentMethod` is required by Fluent but optional in commercetools: the payment's method,
    else its payment interface, else `default_method`.
    """
    mapped: list[dict[str, Any]] = []
    for payment in payments:
        info = payment.get("paymentMethodInfo") or {}
        method = info.get("method") or info.get("paymentInterface") or default_method
        for transaction in payment.get("transactions") or []:
            if transaction.get("state") != "Success":
                continue
            money = transaction.get("amount") or {}
            fields = {
                "ref": transaction["id"],
                "type": TRANSACTION_TYPES.get(transaction.get("type", ""), "PAYMENT"),
                "amount": amount(money),
                "scale": fraction_digits(money),
                "unscaledValue": int(amount(money).scaleb(fraction_digits(money))),
                "currency": currency(money),
                "paymentMethod": str(method),
                "paymentProvider": info.get("paymentInterface"),
                "externalTransactionId": transaction.get("interactionId"),
                "externalTransactionCode": payment.get("interfaceId"),
            }
            mapped.append({k: v for k, v in fields.items() if v is not None})
    return mapped
