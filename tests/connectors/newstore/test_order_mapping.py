"""commercetools order → NewStore order injection payload: every rule of the mapping."""

from decimal import Decimal

import pytest
from tests.connectors.newstore.ct_orders import (
    ADDRESS,
    line_item,
    order,
    payment,
    shipping_info,
    tax_rate,
)

from ctbridge.connectors.newstore import canonical_json
from ctbridge.connectors.newstore.config import PaymentMethodRule
from ctbridge.connectors.newstore.errors import OrderMappingError
from ctbridge.connectors.newstore.order_mapping import (
    OrderReferences,
    build_order,
    payments_balance,
    referenced_ids,
)
from ctbridge.connectors.newstore.order_rules import OrderRules
from ctbridge.connectors.newstore.shipping_mapping import map_shipping_option

RULES = OrderRules(shop="storefront", service_levels={"standard": "GROUND"})
METHODS = {"sm-standard": {"id": "sm-standard", "key": "standard"}}
REFS = OrderReferences(shipping_methods=METHODS)


def items(payload):
    return [item for shipment in payload["shipments"] for item in shipment["items"]]


def minor(value: Decimal, digits: int) -> int:
    return int(value.scaleb(digits))


def adjustments(entries):
    return sum((e["price_adjustment"] for e in entries or []), Decimal(0))


def paid(item):
    """What the customer paid for the item: its price less both levels of discounts."""
    price = item["price"]
    return (
        price["item_price"]
        - adjustments(price.get("item_discount_info"))
        - adjustments(price.get("item_order_discount_info"))
    )


def item_tax(item, digits):
    return sum(minor(line["amount"], digits) for line in item["price"]["item_tax_lines"])


def test_each_unit_becomes_one_item_with_list_and_paid_price_and_its_share_of_tax():
    o = order([line_item("l1", "SKU-1", 1000, 2, tax=319)], shipping=shipping_info(500, tax=80))
    payload = build_order(o, REFS, RULES)
    units = items(payload)
    assert [u["product_id"] for u in units] == ["SKU-1", "SKU-1"]
    assert [u["external_item_id"] for u in units] == ["l1", "l1"]
    assert [u["price"]["item_price"] for u in units] == [Decimal("10.00")] * 2
    assert [u["price"]["item_list_price"] for u in units] == [Decimal("10.00")] * 2
    assert [u["price"]["item_tax_lines"][0]["amount"] for u in units] == [
        Decimal("1.60"),
        Decimal("1.59"),
    ]
    assert units[0]["price"]["item_tax_lines"][0]["rate"] == 0.19
    assert units[0]["price"]["item_tax_lines"][0]["country_code"] == "DE"


def test_order_level_fields_come_from_the_order_and_the_settings():
    o = order([line_item("l1", "SKU-1", 1000, 1, tax=160)], shipping=shipping_info(0))
    o["store"] = {"typeId": "store", "key": "berlin"}
    payload = build_order(o, REFS, RULES)
    assert payload["external_id"] == "1001"
    assert payload["shop"] == "storefront"
    assert payload["channel_type"] == "web"
    assert payload["channel_name"] == "commercetools"
    assert payload["shop_locale"] == "de-DE"
    assert payload["customer_language"] == "de"
    assert payload["currency"] == "EUR"
    assert payload["placed_at"] == "2026-11-20T10:00:00.000Z"
    assert payload["customer_email"] == "ada@example.com"
    assert payload["customer_name"] == "Ada Lovelace"
    assert payload["external_customer_id"] == "customer-1"
    assert payload["price_method"] == "tax_included"
    assert payload["extended_attributes"] == [
        {"name": "ct_order_id", "value": "order-1"},
        {"name": "ct_order_number", "value": "1001"},
        {"name": "ct_store_key", "value": "berlin"},
    ]


@pytest.mark.parametrize(
    ("source", "order_number", "expected"),
    [
        ("order_number", "1001", "1001"),
        ("order_number", None, "order-1"),
        ("id", "1001", "order-1"),
    ],
)
def test_external_id_is_the_order_number_when_configured_and_present_else_the_id(
    source, order_number, expected
):
    o = order([line_item("l1", "S", 100, 1)], order_number=order_number, shipping=shipping_info(0))
    rules = OrderRules(shop="s", external_id_source=source, default_service_level="GROUND")
    assert build_order(o, REFS, rules)["external_id"] == expected


def test_an_external_id_longer_than_64_characters_is_refused():
    o = order([line_item("l1", "S", 100, 1)], order_number="x" * 65, shipping=shipping_info(0))
    with pytest.raises(OrderMappingError, match="longer than 64"):
        build_order(o, REFS, RULES)


def test_a_line_item_without_sku_is_a_permanent_mapping_error():
    o = order([line_item("l1", None, 100, 1)], shipping=shipping_info(0))
    with pytest.raises(OrderMappingError, match="has no sku"):
        build_order(o, REFS, RULES)


@pytest.mark.parametrize(
    ("included", "expected"), [(True, "tax_included"), (False, "tax_excluded")]
)
def test_price_method_follows_whether_the_tax_rate_is_included_in_the_price(included, expected):
    rate = tax_rate(0.2, included=included)
    o = order([line_item("l1", "S", 100, 1, rate=rate, tax=20)], shipping=shipping_info(0))
    assert build_order(o, REFS, RULES)["price_method"] == expected


def test_an_order_mixing_included_and_excluded_tax_is_refused():
    lines = [
        line_item("l1", "A", 100, 1, rate=tax_rate(0.2, included=True)),
        line_item("l2", "B", 100, 1, rate=tax_rate(0.2, included=False)),
    ]
    with pytest.raises(OrderMappingError, match="mixes"):
        build_order(order(lines, shipping=shipping_info(0)), REFS, RULES)


def test_product_and_cart_discounts_lower_the_paid_price_and_are_listed_with_coupon_codes():
    line = line_item(
        "l1",
        "SKU-1",
        2000,
        3,
        product_discount=("pd-1", 1800),
        cart_discounts=[(2, 1500, [("cd-coupon", 300)])],
        tax=770,
    )
    o = order([line], shipping=shipping_info(0), discount_codes=["dc-1"])
    refs = OrderReferences(
        shipping_methods=METHODS,
        discount_codes={
            "dc-1": {"id": "dc-1", "code": "SAVE3", "cartDiscounts": [{"id": "cd-coupon"}]}
        },
    )
    units = items(build_order(o, refs, RULES))
    assert [paid(u) for u in units] == [Decimal("15.00"), Decimal("15.00"), Decimal("18.00")]
    assert all(u["price"]["item_price"] == Decimal("20.00") for u in units)
    assert all(u["price"]["item_list_price"] == Decimal("20.00") for u in units)
    assert units[0]["price"]["item_discount_info"] == [
        {
            "discount_ref": "pd-1+cd-coupon",
            "type": "fixed",
            "original_value": Decimal("5.00"),
            "price_adjustment": Decimal("5.00"),
            "coupon_code": "SAVE3",
            "description": "product discount pd-1: 2.00; cart discount cd-coupon (code SAVE3): 3.00",
        }
    ]
    assert [d["discount_ref"] for d in units[2]["price"]["item_discount_info"]] == ["pd-1"]


def test_an_order_discount_is_shared_over_the_units_by_price_and_sums_exactly():
    lines = [line_item("l1", "A", 1000, 1, tax=160), line_item("l2", "B", 2000, 2, tax=639)]
    o = order(lines, shipping=shipping_info(0), on_total=[("cd-order", 1000)])
    payload = build_order(o, REFS, RULES)
    units = items(payload)
    shares = [u["price"]["item_order_discount_info"][0]["price_adjustment"] for u in units]
    assert shares == [Decimal("2.00"), Decimal("4.00"), Decimal("4.00")]
    assert [paid(u) for u in units] == [Decimal("8.00"), Decimal("16.00"), Decimal("16.00")]
    assert units[0]["price"]["item_order_discount_info"][0]["original_value"] == Decimal("10.00")


def test_the_tax_the_order_discount_removes_is_taken_off_the_items_so_tax_sums_to_the_order():
    lines = [line_item("l1", "A", 1190, 3, tax=570)]
    o = order(lines, shipping=shipping_info(0), on_total=[("cd-order", 357)], total_tax=513)
    units = items(build_order(o, REFS, RULES))
    assert sum(item_tax(u, 2) for u in units) == 513


@pytest.mark.parametrize(
    ("currency", "digits", "unit", "expected_price"),
    [
        ("JPY", 0, 1200, Decimal("1200")),
        ("EUR", 2, 1200, Decimal("12.00")),
        ("KWD", 3, 1234, Decimal("1.234")),
    ],
)
def test_amounts_carry_exactly_the_currency_fraction_digits(currency, digits, unit, expected_price):
    line = line_item("l1", "S", unit, 1, currency=currency, digits=digits, tax=100)
    o = order(
        [line],
        currency=currency,
        digits=digits,
        shipping=shipping_info(0, currency=currency, digits=digits),
    )
    payload = build_order(o, REFS, RULES)
    price = items(payload)[0]["price"]
    assert price["item_price"] == expected_price
    assert str(price["item_price"]) == str(expected_price)
    assert payload["currency"] == currency
    assert str(payload["shipments"][0]["shipping_option"]["price"]) == str(
        Decimal(0).scaleb(-digits)
    )


def test_sub_rates_become_one_tax_line_each_summing_to_the_unit_tax():
    rate = tax_rate(0.0875, included=False, sub_rates=[("state", 0.0625), ("county", 0.025)])
    o = order([line_item("l1", "S", 1000, 1, rate=rate, tax=88)], shipping=shipping_info(0))
    lines = items(build_order(o, REFS, RULES))[0]["price"]["item_tax_lines"]
    assert [(t["name"], t["amount"]) for t in lines] == [
        ("state", Decimal("0.63")),
        ("county", Decimal("0.25")),
    ]


def test_the_shipping_option_has_the_price_before_discounts_its_discount_and_tax():
    o = order(
        [line_item("l1", "S", 1000, 1)],
        shipping=shipping_info(900, tax=48, discounted=300, discount_id="cd-ship"),
    )
    option = build_order(o, REFS, RULES)["shipments"][0]["shipping_option"]
    assert option == {
        "service_level_identifier": "GROUND",
        "price": Decimal("9.00"),
        "tax": Decimal("0.48"),
        "discount_info": [
            {
                "discount_ref": "cd-ship",
                "type": "fixed",
                "original_value": Decimal("6.00"),
                "price_adjustment": Decimal("6.00"),
                "description": "cart discount cd-ship: 6.00",
            }
        ],
    }


def test_a_shipping_method_key_missing_from_the_table_is_used_as_the_service_level():
    refs = OrderReferences(
        shipping_methods={"sm-standard": {"id": "sm-standard", "key": "EXPRESS"}}
    )
    o = order([line_item("l1", "S", 1000, 1)], shipping=shipping_info(0))
    option = build_order(o, refs, RULES)["shipments"][0]["shipping_option"]
    assert option["service_level_identifier"] == "EXPRESS"


def test_without_a_shipping_method_key_the_default_service_level_applies_or_the_order_is_refused():
    o = order([line_item("l1", "S", 1000, 1)])
    rules = OrderRules(shop="s", default_service_level="PICKUP")
    option = build_order(o, OrderReferences(), rules)["shipments"][0]["shipping_option"]
    assert option["service_level_identifier"] == "PICKUP"
    with pytest.raises(OrderMappingError, match="DEFAULT_SERVICE_LEVEL"):
        build_order(o, OrderReferences(), OrderRules(shop="s"))


def custom_line(key, cents, *, tax=0):
    m = lambda c: {"centAmount": c, "currencyCode": "EUR", "fractionDigits": 2}  # noqa: E731
    return {
        "id": f"cli-{key}",
        "key": key,
        "slug": key,
        "name": {"en": key},
        "money": m(cents),
        "totalPrice": m(cents),
        "quantity": 1,
        "taxRate": tax_rate(),
        "taxedPrice": {"totalTax": m(tax)},
        "discountedPricePerQuantity": [],
    }


def gift_wrapped_order():
    return order(
        [line_item("l1", "S", 1000, 1, tax=160)],
        custom_lines=[custom_line("gift-wrap", 544, tax=87)],
        shipping=shipping_info(0),
    )


def test_a_custom_line_item_mapped_by_configuration_becomes_an_item_with_its_price():
    rules = OrderRules(shop="s", custom_line_items={"gift-wrap": "WRAP-1"})
    mapped = build_order(gift_wrapped_order(), REFS, rules)
    assert [(u["product_id"], paid(u)) for u in items(mapped)] == [
        ("S", Decimal("10.00")),
        ("WRAP-1", Decimal("5.44")),
    ]
    assert sum(item_tax(u, 2) for u in items(mapped)) == 247
    everything = build_order(
        gift_wrapped_order(), REFS, OrderRules(shop="s", custom_line_items={"*": "FEE"})
    )
    assert [u["product_id"] for u in items(everything)] == ["S", "FEE"]


def test_an_unmapped_custom_line_item_refuses_the_order_rather_than_send_it_short():
    with pytest.raises(
        OrderMappingError, match="'gift-wrap' \\(5.44\\).*NEW_STORE_CUSTOM_LINE_ITEMS"
    ):
        build_order(gift_wrapped_order(), REFS, RULES)


def test_a_zero_priced_unmapped_custom_line_item_is_reported_in_extended_attributes():
    o = order(
        [line_item("l1", "S", 1000, 1, tax=160)],
        custom_lines=[custom_line("note", 0)],
        shipping=shipping_info(0),
    )
    attribute = next(
        a
        for a in build_order(o, REFS, RULES)["extended_attributes"]
        if a["name"] == "ct_custom_line_item:note"
    )
    assert attribute["value"] == '{"id":"cli-note","quantity":1,"tax":0.00,"total":0.00}'


def test_a_negative_custom_line_item_is_taken_off_the_items_as_an_order_adjustment():
    o = order(
        [line_item("l1", "A", 1000, 1, tax=160), line_item("l2", "B", 3000, 1, tax=479)],
        custom_lines=[custom_line("goodwill", -400, tax=-64)],
        shipping=shipping_info(0),
    )
    units = items(build_order(o, REFS, RULES))
    assert [paid(u) for u in units] == [Decimal("9.00"), Decimal("27.00")]
    assert [u["price"]["item_order_discount_info"][0]["discount_ref"] for u in units] == [
        "goodwill",
        "goodwill",
    ]
    assert sum(item_tax(u, 2) for u in units) == 160 + 479 - 64


def test_a_cart_discount_commercetools_did_not_itemise_is_listed_not_hidden_in_the_price():
    """An imported order's 10 % cart discount shows only in the line's totalPrice."""
    line = line_item("l1", "A", 2000, 2, tax=575, total=3600)
    payload = build_order(order([line], shipping=shipping_info(0)), REFS, RULES)
    units = items(payload)
    assert [paid(u) for u in units] == [Decimal("18.00"), Decimal("18.00")]
    assert [u["price"]["item_price"] for u in units] == [Decimal("20.00")] * 2
    assert units[0]["price"]["item_discount_info"][0]["discount_ref"] == "commercetools-line-total"


def test_direct_discounts_are_listed_like_cart_discounts():
    line = line_item("l1", "A", 2000, 1, cart_discounts=[(1, 1500, [("dd-1", 500)])])
    line["discountedPricePerQuantity"][0]["discountedPrice"]["includedDiscounts"][0]["discount"][
        "typeId"
    ] = "direct-discount"
    price = items(build_order(order([line], shipping=shipping_info(0)), REFS, RULES))[0]["price"]
    assert price["item_discount_info"][0]["description"] == "direct discount dd-1: 5.00"


def test_an_order_whose_items_and_shipping_do_not_add_up_to_its_total_is_refused():
    o = order([line_item("l1", "A", 1000, 1)], shipping=shipping_info(500), total=1600)
    with pytest.raises(OrderMappingError, match="would charge 15.00 .* totalPrice is 16.00"):
        build_order(o, REFS, RULES)


def test_addresses_are_mapped_with_line_two_and_state_or_region():
    o = order([line_item("l1", "S", 1000, 1)], shipping=shipping_info(0))
    o["shippingAddress"] = {**ADDRESS, "region": "Mitte", "apartment": "4B"}
    address = build_order(o, REFS, RULES)["shipping_address"]
    assert address == {
        "country": "DE",
        "address_line_1": "Main Street 12",
        "address_line_2": "4B, Floor 3",
        "city": "Berlin",
        "zip_code": "10115",
        "state": "BE",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+49 30 1234567",
    }


def test_without_a_shipping_address_the_billing_address_is_used():
    o = order([line_item("l1", "S", 1000, 1)], shipping=shipping_info(0))
    del o["shippingAddress"]
    assert build_order(o, REFS, RULES)["shipping_address"]["address_line_1"] == "Main Street 12"


def test_payments_come_from_successful_transactions_in_the_mapped_processor():
    o = order([line_item("l1", "S", 1000, 1)], shipping=shipping_info(0), payments=["p1"])
    refs = OrderReferences(
        shipping_methods=METHODS,
        payments=[payment("p1", [("Authorization", 1000, "Success"), ("Charge", 1000, "Success")])],
    )
    rules = OrderRules(
        shop="s",
        service_levels={},
        payment_methods={"STRIPE": PaymentMethodRule(processor="stripe", method="credit_card")},
    )
    payload = build_order(o, refs, rules)
    assert payload["payments"] == [
        {
            "type": "captured",
            "amount": Decimal("10.00"),
            "method": "credit_card",
            "processor": "stripe",
            "processed_at": "2026-11-20T10:01:00.000Z",
            "correlation_ref": "psp-p1-1",
        }
    ]
    assert payments_balance(payload, o) == 0


def test_referenced_ids_lists_what_the_handler_must_fetch():
    o = order(
        [line_item("l1", "S", 1000, 1)],
        shipping=shipping_info(0),
        payments=["p2", "p1", "p2"],
        discount_codes=["dc-1"],
    )
    assert referenced_ids(o) == {
        "shipping-methods": ["sm-standard"],
        "discount-codes": ["dc-1"],
        "payments": ["p2", "p1"],
    }


def test_mapping_the_same_order_twice_gives_the_same_bytes():
    lines = [line_item("l1", "A", 999, 3, tax=479), line_item("l2", "B", 1999, 1, tax=319)]
    o = order(lines, shipping=shipping_info(495, tax=79), on_total=[("cd-x", 333)])
    first = canonical_json.dumps(build_order(o, REFS, RULES))
    second = canonical_json.dumps(
        build_order(
            order(lines, shipping=shipping_info(495, tax=79), on_total=[("cd-x", 333)]), REFS, RULES
        )
    )
    assert first == second


# Multiple shipping -----------------------------------------------------------------------------


def multi_order(targets_per_line, shippings, *, addresses=None, quantity=2):
    lines = [
        line_item(f"l{n}", f"SKU-{n}", 1000, sum(q for _, q in targets), tax=0, targets=targets)
        for n, targets in enumerate(targets_per_line)
    ]
    shipping = [
        {
            "shippingKey": key,
            "shippingInfo": shipping_info(100, method_id=f"sm-{key}"),
            "shippingAddress": (addresses or {}).get(key, ADDRESS),
        }
        for key in shippings
    ]
    return order(lines) | {
        "shippingMode": "Multiple",
        "shipping": shipping,
        "totalPrice": {
            "centAmount": sum(line["totalPrice"]["centAmount"] for line in lines)
            + 100 * len(shippings),
            "currencyCode": "EUR",
            "fractionDigits": 2,
        },
    }


def offer_token_mapper(info, method, order, rules):
    option = map_shipping_option(info, method, order, rules)
    del option["service_level_identifier"]
    return {**option, "shipping_offer_token": f"offer-{method['key'] if method else 'none'}"}


def multi_refs(keys):
    return OrderReferences(shipping_methods={f"sm-{k}": {"id": f"sm-{k}", "key": k} for k in keys})


def test_multiple_shipping_becomes_one_shipment_per_shipping_with_its_units():
    o = multi_order([[("a", 1), ("b", 2)], [("b", 1)]], ["a", "b"])
    payload = build_order(o, multi_refs("ab"), RULES, shipping_mapper=offer_token_mapper)
    assert [s["shipping_option"]["shipping_offer_token"] for s in payload["shipments"]] == [
        "offer-a",
        "offer-b",
    ]
    assert [[i["product_id"] for i in s["items"]] for s in payload["shipments"]] == [
        ["SKU-0"],
        ["SKU-0", "SKU-0", "SKU-1"],
    ]


def test_more_than_five_shipments_is_a_permanent_error():
    keys = list("abcdef")
    o = multi_order([[(k, 1) for k in keys]], keys)
    with pytest.raises(OrderMappingError, match="at most 5"):
        build_order(o, multi_refs(keys), RULES, shipping_mapper=offer_token_mapper)


def test_a_shipment_of_more_than_100_items_is_a_permanent_error():
    o = order([line_item("l1", "S", 100, 101)], shipping=shipping_info(0))
    with pytest.raises(OrderMappingError, match="at most 100"):
        build_order(o, REFS, RULES)


def test_shipments_to_different_addresses_are_refused():
    o = multi_order(
        [[("a", 1), ("b", 1)]], ["a", "b"], addresses={"b": {**ADDRESS, "city": "Hamburg"}}
    )
    with pytest.raises(OrderMappingError, match="one shipping address"):
        build_order(o, multi_refs("ab"), RULES, shipping_mapper=offer_token_mapper)


def test_targets_that_do_not_cover_the_quantity_are_refused():
    o = multi_order([[("a", 1)]], ["a"])
    o["lineItems"][0]["quantity"] = 2
    o["lineItems"][0]["totalPrice"]["centAmount"] = 2000
    with pytest.raises(OrderMappingError, match="targets"):
        build_order(o, multi_refs("a"), RULES, shipping_mapper=offer_token_mapper)


def test_a_custom_line_item_without_total_price_counts_money_times_quantity():
    voucher = custom_line("voucher", -300)
    del voucher["totalPrice"]
    o = order([line_item("l1", "A", 1000, 1, tax=160)], shipping=shipping_info(0))
    o["customLineItems"] = [voucher]
    o["totalPrice"]["centAmount"] = 700
    units = items(build_order(o, REFS, RULES))
    assert [paid(u) for u in units] == [Decimal("7.00")]
