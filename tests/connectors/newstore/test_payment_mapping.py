"""commercetools payments → NewStore payments, from successful transactions only."""

from decimal import Decimal

import pytest
from tests.connectors.newstore.ct_orders import payment

from ctbridge.connectors.newstore.config import PaymentMethodRule
from ctbridge.connectors.newstore.errors import OrderMappingError
from ctbridge.connectors.newstore.order_rules import OrderRules
from ctbridge.connectors.newstore.payment_mapping import map_payment

RULES = OrderRules(
    shop="s",
    payment_methods={
        "STRIPE": PaymentMethodRule(processor="stripe", method="credit_card"),
        "giftcard": PaymentMethodRule(processor="gift_card", method="gift_card", wallet="egc"),
    },
)
ORDER = {"totalPrice": {"centAmount": 1000, "currencyCode": "EUR", "fractionDigits": 2}}


@pytest.mark.parametrize(
    ("transactions", "expected"),
    [
        ([("Charge", 1000, "Success")], [("captured", "10.00")]),
        ([("Authorization", 1000, "Success")], [("authorized", "10.00")]),
        ([("Charge", 1000, "Initial")], []),
        ([("Charge", 1000, "Pending")], []),
        ([("Charge", 1000, "Failure")], []),
        (
            [("Authorization", 1000, "Success"), ("Charge", 400, "Success")],
            [("captured", "4.00"), ("authorized", "6.00")],
        ),
        ([("Charge", 1000, "Success"), ("Refund", 250, "Success")], [("captured", "7.50")]),
        ([("Authorization", 1000, "Success"), ("CancelAuthorization", 1000, "Success")], []),
        ([("Charge", 1000, "Success"), ("Refund", 1000, "Success")], []),
    ],
)
def test_type_and_amount_come_from_successful_transactions(transactions, expected):
    entries = map_payment(payment("p1", transactions), ORDER, RULES)
    assert [(e["type"], str(e["amount"])) for e in entries] == expected


def test_reference_and_time_come_from_the_latest_successful_transaction():
    entry = map_payment(
        payment("p1", [("Charge", 500, "Success"), ("Charge", 500, "Success")]), ORDER, RULES
    )[0]
    assert entry["amount"] == Decimal("10.00")
    assert entry["correlation_ref"] == "psp-p1-1"
    assert entry["processed_at"] == "2026-11-20T10:01:00.000Z"


@pytest.mark.parametrize(
    ("interface", "method", "expected"),
    [
        ("STRIPE", "card", ("stripe", "credit_card", None)),
        ("giftcard", None, ("gift_card", "gift_card", "egc")),
        ("Adyen", "paypal", ("adyen", "paypal", None)),
        ("Adyen", None, ("adyen", "credit_card", None)),
    ],
)
def test_processor_and_method_follow_the_table_else_the_payment_interface(
    interface, method, expected
):
    p = payment("p1", [("Charge", 1000, "Success")], interface=interface, method=method)
    entry = map_payment(p, ORDER, RULES)[0]
    assert (entry["processor"], entry["method"], entry.get("wallet")) == expected


def test_a_star_rule_covers_payments_without_an_interface():
    rules = OrderRules(shop="s", payment_methods={"*": PaymentMethodRule(processor="offline")})
    p = payment("p1", [("Charge", 1000, "Success")], interface=None)
    assert map_payment(p, ORDER, rules)[0]["processor"] == "offline"


def test_a_payment_without_interface_or_rule_is_refused_rather_than_sent_with_empty_processor():
    p = payment("p1", [("Charge", 1000, "Success")], interface=None)
    with pytest.raises(OrderMappingError, match="paymentInterface"):
        map_payment(p, ORDER, RULES)


def test_amounts_use_the_payment_currency_fraction_digits():
    p = payment("p1", [("Charge", 1500, "Success")], currency="JPY", digits=0)
    assert str(map_payment(p, ORDER, RULES)[0]["amount"]) == "1500"


def test_amounts_take_the_order_currency_digits_even_when_the_payment_money_omits_them():
    yen_order = {"totalPrice": {"centAmount": 1500, "currencyCode": "JPY", "fractionDigits": 0}}
    yen = payment("p1", [("Charge", 1500, "Success")], currency="JPY", digits=0)
    for money in (yen["amountPlanned"], *(t["amount"] for t in yen["transactions"])):
        del money["fractionDigits"]
    [entry] = map_payment(yen, yen_order, RULES)
    assert str(entry["amount"]) == "1500"
