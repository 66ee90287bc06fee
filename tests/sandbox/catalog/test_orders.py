"""Generated orders add up to the cent: lines, discounts, custom lines, shipping, taxes and payments."""

from collections import Counter

import pytest

from ctbridge.sandbox.catalog import generate
from ctbridge.sandbox.catalog.orders import import_draft

ALL_MARKETS = ("DE", "AT", "FR", "NL", "GB", "CH", "US", "JP", "KW")
ALL_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "KWD")


@pytest.fixture(scope="module")
def catalog():
    return generate(
        seed=21,
        products=60,
        customers=40,
        orders=400,
        currencies=ALL_CURRENCIES,
        countries=ALL_MARKETS,
    )


def _cents(money, currency):
    assert money["currencyCode"] == currency
    assert type(money["centAmount"]) is int
    return money["centAmount"]


def _basis_points(tax_rate) -> int:
    return round(tax_rate["amount"] * 10_000)


def _check_item_tax(total, taxed, tax_rate, currency):
    net = _cents(taxed["totalNet"], currency)
    gross = _cents(taxed["totalGross"], currency)
    assert _cents(taxed["totalTax"], currency) == gross - net
    points = _basis_points(tax_rate)
    if tax_rate["includedInPrice"]:
        assert gross == total
        # net is gross / (1 + rate), rounded to the nearest minor unit
        assert abs(gross * 10_000 - net * (10_000 + points)) * 2 <= 10_000 + points
    else:
        assert net == total
        assert abs((gross - net) * 10_000 - net * points) * 2 <= 10_000
    return net, gross


def test_every_order_adds_up_in_integer_minor_units(catalog):
    for seed in catalog.orders:
        order = seed.draft
        currency = order["totalPrice"]["currencyCode"]
        sum_price = sum_net = sum_gross = 0
        portions: Counter = Counter()
        for line in order["lineItems"]:
            unit = _cents(line["price"]["value"], currency)
            quantity = line["quantity"]
            discount_total = 0
            for part in line.get("discountedPricePerQuantity", []):
                discounted = part["discountedPrice"]
                per_unit = sum(
                    _cents(d["discountedAmount"], currency) for d in discounted["includedDiscounts"]
                )
                assert _cents(discounted["value"], currency) == unit - per_unit
                discount_total += per_unit * part["quantity"]
            assert sum(p["quantity"] for p in line.get("discountedPricePerQuantity", [])) in (
                0,
                quantity,
            )
            total = unit * quantity - discount_total
            assert _cents(line["totalPrice"], currency) == total
            net, gross = _check_item_tax(total, line["taxedPrice"], line["taxRate"], currency)
            sum_price, sum_net, sum_gross = sum_price + total, sum_net + net, sum_gross + gross
            portions[line["taxRate"]["name"]] += gross - net
        for custom in order["customLineItems"]:
            total = _cents(custom["money"], currency) * custom["quantity"]
            net, gross = _check_item_tax(total, custom["taxedPrice"], custom["taxRate"], currency)
            sum_price, sum_net, sum_gross = sum_price + total, sum_net + net, sum_gross + gross
            portions[custom["taxRate"]["name"]] += gross - net
        shipping = order["shippingInfo"]
        total = _cents(shipping["price"], currency)
        net, gross = _check_item_tax(total, shipping["taxedPrice"], shipping["taxRate"], currency)
        sum_price, sum_net, sum_gross = sum_price + total, sum_net + net, sum_gross + gross
        portions[shipping["taxRate"]["name"]] += gross - net

        assert _cents(order["totalPrice"], currency) == sum_price
        taxed = order["taxedPrice"]
        assert _cents(taxed["totalNet"], currency) == sum_net
        assert _cents(taxed["totalGross"], currency) == sum_gross
        assert _cents(taxed["totalTax"], currency) == sum_gross - sum_net
        assert {p["name"]: _cents(p["amount"], currency) for p in taxed["taxPortions"]} == {
            name: amount for name, amount in portions.items()
        }
        included = shipping["taxRate"]["includedInPrice"]
        expected_total = sum_gross if included else sum_net
        assert _cents(order["totalPrice"], currency) == expected_total


def test_orders_have_one_to_five_lines_of_distinct_skus(catalog):
    for seed in catalog.orders:
        skus = [line["variant"]["sku"] for line in seed.draft["lineItems"]]
        assert 1 <= len(skus) <= 5
        assert len(set(skus)) == len(skus)
        assert all(line["quantity"] >= 1 for line in seed.draft["lineItems"])


def test_line_prices_are_prices_the_variant_has(catalog):
    products = {v["sku"]: v for p in catalog.products for v in [p["masterVariant"], *p["variants"]]}
    for seed in catalog.orders:
        for line in seed.draft["lineItems"]:
            offered = {
                (p["value"]["currencyCode"], p["value"]["centAmount"], p.get("country"))
                for p in products[line["variant"]["sku"]]["prices"]
            }
            value = line["price"]["value"]
            assert (
                value["currencyCode"],
                value["centAmount"],
                line["price"].get("country"),
            ) in offered


def test_orders_cover_currencies_discounts_guests_and_custom_lines(catalog):
    drafts = [seed.draft for seed in catalog.orders]
    assert {d["totalPrice"]["currencyCode"] for d in drafts} == set(ALL_CURRENCIES)
    assert any("discountedPricePerQuantity" in line for d in drafts for line in d["lineItems"])
    assert any(c["money"]["centAmount"] < 0 for d in drafts for c in d["customLineItems"])
    assert any(d["shippingInfo"]["price"]["centAmount"] == 0 for d in drafts)
    assert {d["taxedPrice"]["taxPortions"][0]["name"][:2] for d in drafts} == set(ALL_MARKETS)
    guests = [seed for seed in catalog.orders if seed.customer_key is None]
    assert guests and len(guests) < len(catalog.orders) / 2
    assert {d["orderState"] for d in drafts} >= {"Open", "Confirmed", "Complete", "Cancelled"}
    assert {d["paymentState"] for d in drafts} >= {"Paid", "Pending", "Failed", "BalanceDue"}


def test_order_numbers_are_unique_and_stable(catalog):
    numbers = [seed.draft["orderNumber"] for seed in catalog.orders]
    assert numbers[:2] == ["O-000001", "O-000002"]
    assert len(set(numbers)) == len(numbers)


def test_customer_orders_use_the_customers_email_and_address(catalog):
    customers = {c["key"]: c for c in catalog.customers}
    for seed in catalog.orders:
        if seed.customer_key is None:
            continue
        customer = customers[seed.customer_key]
        assert seed.draft["customerEmail"] == customer["email"]
        assert seed.draft["shippingAddress"] in customer["addresses"]
        assert seed.draft["country"] == seed.draft["shippingAddress"]["country"]


def test_payments_plan_the_gross_total_and_paid_orders_are_charged_it(catalog):
    payments = {p["key"]: p for p in catalog.payments}
    for seed in catalog.orders:
        gross = seed.draft["taxedPrice"]["totalGross"]
        order_payments = [payments[key] for key in seed.payment_keys]
        for payment in order_payments:
            assert payment["amountPlanned"] == gross
            assert payment.get("customer", {}).get("key") == seed.customer_key
            for transaction in payment["transactions"]:
                assert transaction["type"] in ("Authorization", "Charge")
                assert transaction["state"] in ("Success", "Pending", "Failure")
                assert transaction["interactionId"]
        charges = [
            t
            for p in order_payments
            for t in p["transactions"]
            if t["type"] == "Charge" and t["state"] == "Success"
        ]
        if seed.draft["paymentState"] == "Paid":
            assert [c["amount"] for c in charges] == [gross]
        else:
            assert charges == []
        if seed.draft["paymentState"] == "Failed":
            assert all(p["transactions"][-1]["state"] == "Failure" for p in order_payments)


def test_some_orders_retry_after_a_declined_payment(catalog):
    payments = {p["key"]: p for p in catalog.payments}
    retried = [seed for seed in catalog.orders if len(seed.payment_keys) == 2]
    assert retried
    for seed in retried:
        first, second = (payments[k] for k in seed.payment_keys)
        assert first["transactions"][-1]["state"] == "Failure"
        assert second["transactions"][-1]["state"] == "Success"


def test_the_import_draft_links_customer_and_payments_and_can_drop_sandbox_fields(catalog):
    seed = next(
        s
        for s in catalog.orders
        if s.customer_key
        and s.payment_keys
        and any("discountedPricePerQuantity" in line for line in s.draft["lineItems"])
    )
    sandbox = import_draft(seed, "customer-id", ["payment-id"], sandbox_fields=True)
    assert sandbox["customerId"] == "customer-id"
    assert sandbox["paymentInfo"] == {"payments": [{"typeId": "payment", "id": "payment-id"}]}
    assert any("discountedPricePerQuantity" in line for line in sandbox["lineItems"])
    real = import_draft(seed, "customer-id", ["payment-id"], sandbox_fields=False)
    for line in real["lineItems"]:
        assert "discountedPricePerQuantity" not in line and "totalPrice" not in line
    assert "customerId" not in seed.draft  # the catalog itself is left as generated
