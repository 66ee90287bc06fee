"""Every accepted NewStore payload adds up to the commercetools order, for any order we generate.

Orders vary over currencies with 0, 2 and 3 fraction digits, taxes included and excluded,
product, cart and direct discounts (itemised or only visible in the line total), order
discounts, custom line items (mapped, unmapped, negative) and one or several shipments. Each
payload must charge exactly the order's totalPrice (items less both discount levels plus
shipping less its discount), carry exactly its total tax, list at most one discount entry per
level, and pass the NewStore emulator's validation with a payment of the gross total; an order
with an unmapped priced custom line item is refused with a reason instead.
"""

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.connectors.newstore.ct_orders import (
    ADDRESS,
    line_item,
    money,
    order,
    shipping_info,
    tax_rate,
)

from ctbridge.connectors.newstore import canonical_json
from ctbridge.connectors.newstore.errors import OrderMappingError
from ctbridge.connectors.newstore.order_mapping import OrderReferences, build_order
from ctbridge.connectors.newstore.order_rules import OrderRules
from ctbridge.connectors.newstore.shipping_mapping import map_shipping_option
from ctbridge.sandbox.newstore.order_validation import validate_order

CURRENCIES = {0: "JPY", 2: "EUR", 3: "KWD"}
KEYS = ["a", "b", "c"]
REFS = OrderReferences(
    shipping_methods={f"sm-{k}": {"id": f"sm-{k}", "key": k} for k in ["standard", *KEYS]}
)
RULES = OrderRules(shop="s", custom_line_items={"gift-wrap": "WRAP"})


def offer_tokens(info, method, order, rules):
    """Several shipments need shipping offer tokens (service levels allow one shipment only)."""
    option = map_shipping_option(info, method, order, rules)
    del option["service_level_identifier"]
    return {**option, "shipping_offer_token": f"offer-{method['key']}"}


@st.composite
def lines(draw, n, currency, digits, included, targets):
    unit = draw(st.integers(1, 50_000))
    quantity = draw(st.integers(1, 5))
    product = None
    base = unit
    if draw(st.booleans()):
        base = draw(st.integers(0, unit))
        product = (f"pd-{n}", base)
    cart = None
    covered = draw(st.integers(0, quantity))
    if covered and base:
        cut = draw(st.integers(1, base))
        kind = draw(st.sampled_from(["cd", "dd"]))
        cart = [(covered, base - cut, [(f"{kind}-{n}", cut)])]
    line = line_item(
        f"l{n}",
        f"SKU-{n}",
        unit,
        quantity,
        currency=currency,
        digits=digits,
        rate=tax_rate(0.19, included=included),
        product_discount=product,
        cart_discounts=cart,
    )
    for entry in line["discountedPricePerQuantity"]:
        for included_discount in entry["discountedPrice"]["includedDiscounts"]:
            if included_discount["discount"]["id"].startswith("dd-"):
                included_discount["discount"]["typeId"] = "direct-discount"
    total = line["totalPrice"]["centAmount"]
    if draw(st.booleans()):
        # A discount only the line total shows (an imported order): up to 10 % off.
        total -= draw(st.integers(0, total // 10))
        line["totalPrice"]["centAmount"] = total
    line["taxedPrice"]["totalTax"]["centAmount"] = draw(st.integers(0, total // 5))
    if targets:
        split = draw(st.integers(0, quantity)) if len(targets) > 1 else quantity
        line["shippingDetails"] = {
            "targets": [
                {"addressKey": "home", "quantity": q, "shippingMethodKey": k}
                for k, q in zip(targets, [split, quantity - split], strict=False)
                if q
            ]
        }
    return line


def custom_line(key, cents, tax, currency, digits, included):
    return {
        "id": f"cli-{key}",
        "key": key,
        "slug": key,
        "name": {"en": key},
        "money": money(cents, currency, digits),
        "totalPrice": money(cents, currency, digits),
        "quantity": 1,
        "taxRate": tax_rate(0.19, included=included),
        "taxedPrice": {"totalTax": money(tax, currency, digits)},
        "discountedPricePerQuantity": [],
    }


@st.composite
def orders(draw):
    digits = draw(st.sampled_from(sorted(CURRENCIES)))
    currency = CURRENCIES[digits]
    included = draw(st.booleans())
    multiple = draw(st.booleans())
    keys = KEYS[: draw(st.integers(1, 2))] if multiple else []
    items = [
        draw(lines(n, currency, digits, included, keys)) for n in range(draw(st.integers(1, 3)))
    ]
    items_total = sum(line["totalPrice"]["centAmount"] for line in items)
    custom = []
    if draw(st.booleans()):
        wrap = draw(st.integers(1, 2000))
        custom.append(custom_line("gift-wrap", wrap, wrap // 6, currency, digits, included))
        if multiple:
            custom[-1]["shippingDetails"] = {
                "targets": [{"addressKey": "home", "quantity": 1, "shippingMethodKey": keys[0]}]
            }
    if draw(st.booleans()):
        credit = draw(st.integers(0, items_total // 3))
        custom.append(custom_line("goodwill", -credit, 0, currency, digits, included))
    unmapped = draw(st.booleans()) and draw(st.booleans())
    if unmapped:
        custom.append(custom_line("engraving", 300, 50, currency, digits, included))
    shippings = []
    for key in keys or ["standard"]:
        price = draw(st.integers(0, 2000))
        shippings.append(
            shipping_info(
                price,
                method_id=f"sm-{key}",
                tax=draw(st.integers(0, 300)),
                discounted=draw(st.one_of(st.none(), st.integers(0, price))),
                currency=currency,
                digits=digits,
            )
        )
    payable = items_total + sum(c["totalPrice"]["centAmount"] for c in custom)
    discount = draw(st.integers(0, max(0, payable) // 4))
    built = order(
        items,
        currency=currency,
        digits=digits,
        shipping=shippings[0],
        custom_lines=custom,
        on_total=[("cd-order", discount)] if discount else None,
    )
    if multiple:
        built.pop("shippingInfo")
        shipping_total = sum(
            ((s.get("discountedPrice") or {}).get("value") or s["price"])["centAmount"]
            for s in shippings
        )
        first = (shippings[0].get("discountedPrice") or {}).get("value") or shippings[0]["price"]
        built["totalPrice"]["centAmount"] += shipping_total - first["centAmount"]
        built["taxedPrice"]["totalTax"]["centAmount"] += sum(
            s["taxedPrice"]["totalTax"]["centAmount"] for s in shippings[1:]
        )
        built["shippingMode"] = "Multiple"
        built["shipping"] = [
            {"shippingKey": k, "shippingInfo": s, "shippingAddress": ADDRESS}
            for k, s in zip(keys, shippings, strict=True)
        ]
    return digits, built, unmapped


def minor(value, digits):
    return int(Decimal(value).scaleb(digits))


def adjustment(entries):
    return sum((Decimal(e["price_adjustment"]) for e in entries or []), Decimal(0))


@settings(max_examples=300, deadline=None)
@given(orders())
def test_every_payload_charges_exactly_the_order_total_or_the_order_is_refused(case):
    digits, ct_order, unmapped = case
    multiple = ct_order.get("shippingMode") == "Multiple"
    mapper = offer_tokens if multiple else map_shipping_option
    try:
        payload = build_order(ct_order, REFS, RULES, shipping_mapper=mapper)
    except OrderMappingError as refused:
        reason = str(refused)
        if unmapped:
            assert "'engraving'" in reason and "NEW_STORE_CUSTOM_LINE_ITEMS" in reason
        else:
            # A shipping that carries a cost but no items cannot be a NewStore shipment.
            targeted = {
                t["shippingMethodKey"]
                for line in ct_order["lineItems"] + ct_order["customLineItems"]
                for t in (line.get("shippingDetails") or {}).get("targets", [])
            }
            empty = [s for s in ct_order.get("shipping", []) if s["shippingKey"] not in targeted]
            assert empty and "has a price or tax but no items" in reason, reason
        return
    assert not unmapped
    charged = Decimal(0)
    taxes = 0
    for shipment in payload["shipments"]:
        for item in shipment["items"]:
            price = item["price"]
            assert len(price.get("item_discount_info", [])) <= 1
            assert len(price.get("item_order_discount_info", [])) <= 1
            paid = (
                price["item_price"]
                - adjustment(price.get("item_discount_info"))
                - adjustment(price.get("item_order_discount_info"))
            )
            assert paid >= 0
            charged += paid
            taxes += sum(minor(t["amount"], digits) for t in price["item_tax_lines"])
        option = shipment["shipping_option"]
        assert len(option.get("discount_info", [])) <= 1
        charged += option["price"] - adjustment(option.get("discount_info"))
        taxes += minor(option["tax"], digits)
    assert minor(charged, digits) == ct_order["totalPrice"]["centAmount"]
    assert taxes == ct_order["taxedPrice"]["totalTax"]["centAmount"]
    gross = charged + (
        0 if payload["price_method"] == "tax_included" else Decimal(taxes).scaleb(-digits)
    )
    if gross > 0:
        payload["payments"] = [
            {
                "type": "captured",
                "amount": gross,
                "method": "credit_card",
                "processor": "stripe",
                "correlation_ref": "ch_1",
                "processed_at": "2026-11-20T10:00:00Z",
            }
        ]
    # What NewStore would read: the canonical bytes, parsed with exact decimals.
    assert validate_order(json.loads(canonical_json.dumps(payload), parse_float=Decimal)) == []
