"""PaymentDrafts with the PSP transactions an order's payment went through."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ctbridge.sandbox.catalog.references import key_ref
from ctbridge.sandbox.catalog.spec import timestamp

PAYMENT_METHODS: tuple[tuple[str, str, str], ...] = (
    ("CREDIT_CARD", "Credit card", "Kreditkarte"),
    ("PAYPAL", "PayPal", "PayPal"),
    ("INVOICE", "Invoice", "Rechnung"),
    ("KLARNA", "Klarna", "Klarna"),
)

# What a payment went through at the PSP: (transaction type, state) in order.
PAID = (("Authorization", "Success"), ("Charge", "Success"))
AUTHORIZED = (("Authorization", "Success"),)
PENDING = (("Authorization", "Pending"),)
DECLINED = (("Authorization", "Failure"),)


def payment_draft(
    rng: random.Random,
    *,
    key: str,
    customer_key: str | None,
    amount: dict,
    steps: tuple[tuple[str, str], ...],
    at: datetime,
) -> dict:
    """A PaymentDraft for `amount` whose transactions follow `steps`, a minute apart."""
    method, name_en, name_de = rng.choice(PAYMENT_METHODS)
    final_state = steps[-1][1]
    draft: dict = {"key": key}
    if customer_key is not None:
        draft["customer"] = key_ref("customer", customer_key)
    draft |= {
        "interfaceId": f"psp-{key.lower()}",
        "amountPlanned": dict(amount),
        "paymentMethodInfo": {
            "paymentInterface": "sandbox-psp",
            "method": method,
            "name": {"en": name_en, "de": name_de},
        },
        "paymentStatus": {
            "interfaceCode": {"Success": "00", "Pending": "10", "Failure": "51"}[final_state],
            "interfaceText": {"Success": "approved", "Pending": "pending", "Failure": "declined"}[
                final_state
            ],
        },
        "transactions": [
            {
                "timestamp": timestamp(at + timedelta(minutes=step)),
                "type": kind,
                "amount": dict(amount),
                "interactionId": f"psp-{key.lower()}-{step + 1}",
                "state": state,
            }
            for step, (kind, state) in enumerate(steps)
        ],
    }
    return draft
