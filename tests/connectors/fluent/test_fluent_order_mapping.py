"""Orders map to one CreateOrderInput: HD or CC, unit and paid prices, shipping, billing, payments."""

from decimal import Decimal

import pytest
from tests.connectors.fluent.ct_fixtures import address, order, payment, transaction

from ctbridge.connectors.fluent.to_fluent.customer_mapping import create_customer_input
from ctbridge.connectors.fluent.to_fluent.order_mapping import (
    Fulfilment,
    OrderNotMappable,
    OrderRules,
    fulfilment,
    order_input,
    order_ref,
)
from ctbridge.connectors.fluent.to_fluent.payment_mapping import financial_transactions

RULES = OrderRules(
    retailer_id="1",
    catalogue_ref="PC:MASTER:1",
    cc_shipping_methods={"pickup": None, "store-1": "LOC_1"},
)


def test_home_delivery_order_has_totals_items_shipping_price_and_both_addresses():
    fields = order_input(order(), RULES, customer_id="77", plan=Fulfilment("HD"))
    assert fields["ref"] == "HD_order-1" and fields["type"] == "HD"
    assert fields["retailer"] == {"id": 1} and fields["customer"] == {"id": "77"}
    assert fields["totalPrice"] == Decimal("129.00") and fields["totalTaxPrice"] == Decimal("20.60")
    choice = fields["fulfilmentChoice"]
    assert choice["fulfilmentPrice"] == Decimal("4.00") and choice["fulfilmentTaxPrice"] == Decimal(
        "0.64"
    )
    assert choice["deliveryAddress"]["name"] == "Ada Lovelace"
    assert choice["deliveryAddress"]["street"] == "Main Street 12"
    assert (choice["deliveryFirstName"], choice["deliveryLastName"]) == ("Ada", "Lovelace")
    assert fields["billingAddress"]["street"] == "Bill Road 12"


def test_items_keep_unit_price_paid_price_after_discounts_and_tax_and_are_unique_per_line():
    items = order_input(order(), RULES, customer_id="1", plan=Fulfilment("HD"))["items"]
    assert [i["ref"] for i in items] == ["li-1", "li-2"]
    first = items[0]
    assert first["productRef"] == "SKU-1" and first["productCatalogueRef"] == "PC:MASTER:1"
    assert first["price"] == Decimal("50.00")
    assert first["paidPrice"] == Decimal("42.02")  # 84.03 net after discounts / 2
    assert first["taxPrice"] == Decimal("7.99")  # 15.97 / 2, half up
    assert first["totalTaxPrice"] == Decimal("15.97") and first["totalPrice"] == Decimal("100.00")


@pytest.mark.parametrize(
    ("changes", "method_key", "expected"),
    [
        ({}, None, Fulfilment("HD")),
        ({"custom": {"fields": {"pickupLocationRef": "LOC_9"}}}, None, Fulfilment("CC", "LOC_9")),
        ({}, "store-1", Fulfilment("CC", "LOC_1")),
        (
            {"custom": {"fields": {"pickupLocationRef": "LOC_9"}}},
            "pickup",
            Fulfilment("CC", "LOC_9"),
        ),
    ],
)
def test_click_and_collect_comes_from_the_custom_field_or_the_shipping_method(
    changes, method_key, expected
):
    assert fulfilment(order(**changes), RULES, method_key) == expected


def test_a_click_and_collect_method_without_location_is_not_mappable():
    with pytest.raises(OrderNotMappable):
        fulfilment(order(), RULES, "pickup")


def test_cc_order_sends_pickup_location_and_no_delivery_address():
    fields = order_input(order(), RULES, customer_id="1", plan=Fulfilment("CC", "LOC_1"))
    assert fields["ref"] == "CC_order-1" and fields["type"] == "CC"
    assert fields["fulfilmentChoice"]["pickupLocationRef"] == "LOC_1"
    assert fields["fulfilmentChoice"]["fulfilmentType"] == "CC_PFS"
    assert "deliveryAddress" not in fields["fulfilmentChoice"]


def test_order_ref_format_is_configurable():
    rules = OrderRules(retailer_id="1", catalogue_ref="c", hd_ref_format="CT-{orderNumber}")
    assert order_ref(order(), "HD", rules) == "CT-1001"


def test_every_successful_transaction_of_every_payment_becomes_a_financial_transaction():
    payments = [
        payment(
            "pay-1", transaction("t1", "Authorization", 12900), transaction("t2", "Charge", 12900)
        ),
        payment(
            "pay-2",
            transaction("t3", "Charge", 500, state="Failure"),
            transaction("t4", "Refund", 100),
            method=None,
        ),
    ]
    mapped = financial_transactions(payments)
    assert [(t["ref"], t["type"]) for t in mapped] == [
        ("t1", "AUTHORIZATION"),
        ("t2", "PAYMENT"),
        ("t4", "REFUND"),
    ]
    assert (
        mapped[1]["amount"] == Decimal("129.00")
        and mapped[1]["unscaledValue"] == 12900
        and mapped[1]["scale"] == 2
    )
    assert mapped[0]["paymentMethod"] == "CREDIT_CARD" and mapped[2]["paymentMethod"] == "adyen"


def test_guest_customer_takes_names_from_the_billing_address_kept_apart_and_no_forced_opt_in():
    fields = create_customer_input(
        "ada@example.com", "1", None, [address(firstName="Ada", lastName="King")]
    )
    assert fields["username"] == fields["primaryEmail"] == "ada@example.com"
    assert (fields["firstName"], fields["lastName"]) == ("Ada", "King")
    assert fields["promotionOptIn"] is False and fields["retailer"] == {"id": 1}
    assert fields["primaryPhone"] == "+49301234"


def test_registered_customer_fields_win_over_addresses_and_respect_fluent_lengths():
    customer = {
        "id": "c1",
        "email": "x@y.z",
        "firstName": "F" * 80,
        "lastName": "L",
        "addresses": [],
    }
    fields = create_customer_input("x@y.z", "1", customer, [address()])
    assert fields["firstName"] == "F" * 50 and fields["lastName"] == "L"
    assert fields["attributes"] == [
        {"name": "commercetoolsCustomerId", "type": "STRING", "value": "c1"}
    ]
