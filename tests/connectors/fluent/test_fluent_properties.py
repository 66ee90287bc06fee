"""Properties of the Fluent mappings (products, categories, orders, payments, money) over generated documents."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.ct_strategies import (
    CURRENCIES,
    LOCALES,
    attributes,
    cent_money,
    exact_amount,
    identifiers,
    localized_string,
    price,
    product_projection,
    typed_money,
    units_of,
    words,
)

from ctbridge.commercetools.money import amount, divide
from ctbridge.connectors.fluent.to_fluent.attribute_mapping import map_attribute
from ctbridge.connectors.fluent.to_fluent.catalog_event import Catalogue
from ctbridge.connectors.fluent.to_fluent.category_mapping import (
    VALID_REF,
    category_event,
    category_ref,
    fluent_category_ref,
    parents_first,
)
from ctbridge.connectors.fluent.to_fluent.order_mapping import (
    CLICK_AND_COLLECT,
    HOME_DELIVERY,
    OrderRules,
    fulfilment,
    order_input,
)
from ctbridge.connectors.fluent.to_fluent.payment_mapping import financial_transactions
from ctbridge.connectors.fluent.to_fluent.price_mapping import map_prices
from ctbridge.connectors.fluent.to_fluent.product_mapping import (
    ProductEvents,
    ProductSkipped,
    all_variants,
    product_events,
)
from ctbridge.errors import Permanent

PROPERTY = settings(max_examples=150, deadline=None)
# Whole products and orders cost more to generate; fewer of them keep the file within seconds.
DOCUMENT_PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

catalogues = st.builds(
    Catalogue,
    retailer_id=st.integers(1, 9999).map(str),
    catalogue_ref=st.sampled_from(("PC:MASTER:1", "DEFAULT:1")),
    locale=st.sampled_from(LOCALES),
)


def _price_scope(embedded: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        str(embedded.get(field))
        for field in ("country", "channel", "customerGroup", "validFrom", "validUntil")
    ) + (embedded["value"]["currencyCode"],)


def _is_exact(value: Decimal, money: dict[str, Any]) -> bool:
    digits = int(money["fractionDigits"])
    return value == exact_amount(money) and value.scaleb(digits) == units_of(money)


# -- products ---------------------------------------------------------------------------------


@DOCUMENT_PROPERTY
@given(product_projection(), catalogues, st.sets(st.sampled_from(("cat-a", "cat-b"))))
def test_a_product_maps_to_refs_as_configured_or_is_skipped_with_a_reason(
    projection, catalogue, known_categories
):
    category_refs = {category_id: f"ref-{category_id}" for category_id in known_categories}
    events = product_events(projection, catalogue, category_refs=category_refs)
    if isinstance(events, ProductSkipped):
        assert events.reason.strip()
        return
    assert isinstance(events, ProductEvents)
    key = projection["key"]
    standard = events.standard
    assert (standard["retailerId"], standard["entityRef"]) == (
        catalogue.retailer_id,
        catalogue.catalogue_ref,
    )
    assert standard["attributes"]["ref"] == key
    assert set(standard["attributes"]["categoryRefs"]) <= set(category_refs.values())
    variants = all_variants(projection)
    assert len(events.variants) + len(events.skipped_variants) == len(variants)
    assert all(reason.strip() for _, reason in events.skipped_variants)
    sent = [event["attributes"] for event in events.variants]
    assert [v["ref"] for v in sent] == [
        v["sku"] for v in variants if v.get("sku") and v["sku"] != key
    ]
    assert all(v["standardProductRef"] == key and v["type"] == "VARIANT" for v in sent)


@DOCUMENT_PROPERTY
@given(product_projection(), catalogues)
def test_every_variant_price_is_sent_exactly_with_a_sale_price_for_each_discount(
    projection, catalogue
):
    events = product_events(projection, catalogue, category_refs={})
    if isinstance(events, ProductSkipped):
        return
    by_sku = {v.get("sku"): v for v in all_variants(projection)}
    for event in events.variants:
        sent = event["attributes"]
        expected = []
        for embedded in by_sku[sent["ref"]]["prices"]:
            expected.append(embedded["value"])
            if embedded.get("discounted"):
                expected.append(embedded["discounted"]["value"])
        assert len(sent["prices"]) == len(expected)
        for mapped, money in zip(sent["prices"], expected, strict=True):
            assert mapped["currency"] == money["currencyCode"]
            assert _is_exact(mapped["value"], money)


@PROPERTY
@given(st.lists(price(), max_size=8, unique_by=_price_scope))
def test_distinct_price_scopes_never_collide_on_type_and_currency(prices):
    mapped = map_prices(prices)
    assert len(mapped) == len(prices) + sum(1 for p in prices if p.get("discounted"))
    pairs = Counter((p["type"], p["currency"]) for p in mapped)
    assert all(count == 1 for count in pairs.values())


@PROPERTY
@given(attributes, st.sampled_from(LOCALES))
def test_any_attribute_maps_to_a_typed_value_or_is_left_out(variant_attributes, locale):
    for attribute in variant_attributes:
        mapped = map_attribute(attribute, locale)
        if mapped is None:
            continue
        assert mapped["name"] == attribute["name"]
        assert mapped["type"] in {
            "STRING",
            "BOOLEAN",
            "INTEGER",
            "FLOAT",
            "JSON",
            "DATE",
            "TIMESTAMP",
        }
        if (
            mapped["type"] == "JSON"
            and isinstance(mapped["value"], dict)
            and "value" in mapped["value"]
        ):
            assert _is_exact(mapped["value"]["value"], attribute["value"])


typed_attribute_values = st.one_of(
    st.tuples(st.just("text"), words),
    st.tuples(st.just("ltext"), localized_string()),
    st.tuples(st.just("number"), st.integers(-(10**9), 10**9) | st.floats(-1e6, 1e6)),
    st.tuples(st.just("boolean"), st.booleans()),
    st.tuples(
        st.just("enum"),
        st.builds(lambda key, label: {"key": key, "label": label}, identifiers, words),
    ),
    st.tuples(
        st.just("lenum"),
        st.builds(lambda key, label: {"key": key, "label": label}, identifiers, localized_string()),
    ),
    st.tuples(st.just("money"), st.sampled_from(CURRENCIES).flatmap(typed_money)),
    st.tuples(st.just("date"), st.just("2024-05-01")),
    st.tuples(st.just("datetime"), st.just("2024-05-01T10:00:00.000Z")),
    st.tuples(st.just("time"), st.just("10:00:00.000")),
    st.tuples(
        st.just("reference"),
        st.builds(lambda i: {"typeId": "product", "id": i}, identifiers),
    ),
    st.tuples(st.just("set"), st.lists(words, max_size=3)),
    st.tuples(
        st.just("nested"),
        st.lists(st.lists(st.builds(lambda v: {"name": "inner", "value": v}, words), max_size=2)),
    ),
)


@PROPERTY
@given(typed_attribute_values, st.sampled_from(LOCALES))
def test_an_attribute_typed_by_its_product_type_maps_without_error(typed_value, locale):
    ct_type, value = typed_value
    mapped = map_attribute({"name": "a", "value": value}, locale, ct_type)
    if mapped is not None:
        assert mapped["name"] == "a"
    if ct_type == "money":
        assert mapped is not None and _is_exact(mapped["value"]["value"], value)
    if ct_type == "number" and mapped is not None:
        assert Decimal(str(mapped["value"])) == Decimal(str(value))


# -- categories -------------------------------------------------------------------------------


@st.composite
def category_tree(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Categories as GET /categories returns them: parent and root-first ancestors, any order."""
    categories: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 12))):
        category: dict[str, Any] = {
            "id": f"cat-{index}",
            "version": 1,
            "name": draw(localized_string()),
            "slug": {"en-US": f"c{index}"},
            "ancestors": [],
            "orderHint": "0.5",
        }
        if draw(st.booleans()):
            category["key"] = draw(identifiers)
        if draw(st.booleans()):
            category["description"] = draw(localized_string())
        if categories and draw(st.booleans()):
            parent = draw(st.sampled_from(categories))
            category["parent"] = {"typeId": "category", "id": parent["id"]}
            category["ancestors"] = [
                *parent["ancestors"],
                {"typeId": "category", "id": parent["id"]},
            ]
        categories.append(category)
    return draw(st.permutations(categories))


@PROPERTY
@given(category_tree(), catalogues, st.booleans())
def test_categories_go_parents_first_and_name_their_parent_by_ref(categories, catalogue, known):
    waves = parents_first(categories)
    wave_of = {c["id"]: depth for depth, wave in enumerate(waves) for c in wave}
    assert sorted(wave_of) == sorted(c["id"] for c in categories)
    refs_by_id = {c["id"]: category_ref(c) for c in categories} if known else {}
    for category in categories:
        event = category_event(category, catalogue, refs_by_id)["attributes"]
        assert event["ref"] == fluent_category_ref(category.get("key") or category["id"])
        assert VALID_REF.match(event["ref"])
        assert event["name"] and len(event["name"]) <= 100
        assert "parentCategoryRef" not in event
        parent = category.get("parent")
        if parent:
            assert wave_of[parent["id"]] < wave_of[category["id"]]
            expected = refs_by_id.get(parent["id"]) or fluent_category_ref(parent["id"])
            assert event["parentCategory"] == expected
        else:
            assert "parentCategory" not in event


# -- orders -----------------------------------------------------------------------------------


def _money(currency: str, digits: int, cents: int) -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": digits,
    }


def _taxed(money: Any, net: int, gross: int) -> dict[str, Any]:
    return {"totalNet": money(net), "totalGross": money(gross), "totalTax": money(gross - net)}


def _net_and_gross(total: int, rate: int, tax_included: bool) -> tuple[int, int]:
    if tax_included:
        return total * 10_000 // (10_000 + rate), total
    return total, total + total * rate // 10_000


ADDRESS = {
    "id": "addr-1",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "streetName": "Main Street",
    "streetNumber": "12",
    "postalCode": "10115",
    "city": "Berlin",
    "country": "DE",
    "email": "ada@example.com",
}


@st.composite
def ct_order(draw: st.DrawFn) -> dict[str, Any]:
    """An Order whose totals add up the way the platform computes them (no order discounts)."""
    currency = draw(st.sampled_from(CURRENCIES))
    digits = draw(st.integers(0, 3))

    def money(cents: int) -> dict[str, Any]:
        return _money(currency, digits, cents)

    taxed = draw(st.booleans())
    tax_included = draw(st.booleans())
    net_sum = gross_sum = 0
    lines = []
    for index in range(draw(st.integers(0, 4))):
        quantity = draw(st.integers(1, 60))
        unit = draw(st.integers(0, 10**8))
        discounted = draw(st.none() | st.integers(0, unit))
        total = (unit if discounted is None else discounted) * quantity
        net, gross = _net_and_gross(total, draw(st.integers(0, 2700)), tax_included)
        line_price: dict[str, Any] = {"id": f"price-{index}", "value": money(unit)}
        if discounted is not None:
            line_price["discounted"] = {
                "value": money(discounted),
                "discount": {"typeId": "product-discount", "id": "pd-1"},
            }
        variant: dict[str, Any] = {"id": 1, "prices": [], "attributes": []}
        if draw(st.integers(0, 9)) > 0:
            variant["sku"] = f"SKU-{index}"
        line = {
            "id": f"li-{index}",
            "productId": "prod-1",
            "name": {"en-US": "Beans"},
            "variant": variant,
            "price": line_price,
            "quantity": quantity,
            "totalPrice": money(total),
            "lineItemMode": "Standard",
            "priceMode": "Platform",
            "state": [{"quantity": quantity, "state": {"typeId": "state", "id": "st-1"}}],
        }
        if taxed:
            line["taxedPrice"] = _taxed(money, net, gross)
        net_sum, gross_sum = net_sum + net, gross_sum + (gross if taxed else total)
        lines.append(line)
    custom_lines = []
    for index in range(draw(st.integers(0, 2))):
        quantity = draw(st.integers(1, 5))
        each = draw(st.integers(0, 10**6))
        net, gross = _net_and_gross(each * quantity, draw(st.integers(0, 2700)), tax_included)
        custom = {
            "id": f"cli-{index}",
            "name": {"en-US": "Gift wrap"},
            "slug": f"gift-wrap-{index}",
            "quantity": quantity,
            "money": money(each),
            "totalPrice": money(each * quantity),
        }
        if taxed:
            custom["taxedPrice"] = _taxed(money, net, gross)
        net_sum, gross_sum = net_sum + net, gross_sum + (gross if taxed else each * quantity)
        custom_lines.append(custom)
    order: dict[str, Any] = {
        "id": draw(identifiers.map(lambda value: f"ord-{value}")),
        "version": 1,
        "orderState": "Open",
        "lineItems": lines,
        "customLineItems": custom_lines,
        "createdAt": "2024-05-01T00:00:00.000Z",
    }
    if draw(st.booleans()):
        shipping = draw(st.integers(0, 10**5))
        net, gross = _net_and_gross(shipping, draw(st.integers(0, 2700)), tax_included)
        method: dict[str, Any] = {"typeId": "shipping-method", "id": "sm-1"}
        method_key = draw(st.sampled_from(("standard", "pickup", "pickup-at-store")))
        if draw(st.booleans()):
            method["obj"] = {"id": "sm-1", "key": method_key}
        info: dict[str, Any] = {
            "shippingMethodName": method_key,
            "price": money(shipping),
            "shippingMethod": method,
        }
        if taxed:
            info["taxedPrice"] = _taxed(money, net, gross)
        net_sum, gross_sum = net_sum + net, gross_sum + (gross if taxed else shipping)
        order["shippingInfo"] = info
    order["totalPrice"] = money(gross_sum if tax_included or not taxed else net_sum)
    if taxed:
        order["taxedPrice"] = {**_taxed(money, net_sum, gross_sum), "taxPortions": []}
    if draw(st.booleans()):
        order["orderNumber"] = f"N{draw(st.integers(1, 10**6))}"
    if draw(st.booleans()):
        order["customerEmail"] = "ada@example.com"
    if draw(st.integers(0, 3)) > 0:
        order["shippingAddress"] = ADDRESS
    if draw(st.booleans()):
        order["billingAddress"] = {**ADDRESS, "id": "addr-2"}
    if draw(st.integers(0, 3)) == 0:
        order["custom"] = {
            "type": {"typeId": "type", "id": "t-1"},
            "fields": {"pickupLocationRef": draw(st.sampled_from(("LOC-1", "")))},
        }
    return order


order_rules = st.builds(
    OrderRules,
    retailer_id=st.integers(1, 9999).map(str),
    catalogue_ref=st.sampled_from(("PC:MASTER:1", "DEFAULT:1")),
    hd_ref_format=st.sampled_from(("HD_{id}", "{orderNumber}", "CT-{id}-{orderNumber}")),
    cc_shipping_methods=st.sampled_from(
        ({}, {"pickup": None}, {"pickup": "LOC-9", "pickup-at-store": None})
    ),
)


def _mapped(order: dict[str, Any], rules: OrderRules) -> dict[str, Any] | Permanent:
    try:
        plan = fulfilment(order, rules)
        return order_input(order, rules, customer_id="cust-1", plan=plan)
    except Permanent as error:
        return error


def _gross(document: dict[str, Any]) -> Decimal:
    return amount((document.get("taxedPrice") or {}).get("totalGross") or document["totalPrice"])


@DOCUMENT_PROPERTY
@given(ct_order(), order_rules)
def test_any_order_maps_or_is_refused_as_permanent_with_a_reason(order, rules):
    result = _mapped(order, rules)
    if isinstance(result, Permanent):
        assert result.reason.strip()
        assert order["id"] in result.reason or "line item" in result.reason
        return
    assert result["retailer"] == {"id": int(rules.retailer_id)}
    number = str(order.get("orderNumber") or order["id"])
    template = rules.cc_ref_format if result["type"] == CLICK_AND_COLLECT else rules.hd_ref_format
    assert result["ref"] == template.replace("{id}", order["id"]).replace("{orderNumber}", number)
    assert [item["ref"] for item in result["items"]] == [line["id"] for line in order["lineItems"]]
    assert all(item["productCatalogueRef"] == rules.catalogue_ref for item in result["items"])


@DOCUMENT_PROPERTY
@given(ct_order(), order_rules)
def test_an_order_with_skus_and_an_address_for_home_delivery_always_maps(order, rules):
    result = _mapped(order, rules)
    lines_ok = order["lineItems"] and all(line["variant"].get("sku") for line in order["lineItems"])
    if not isinstance(result, Permanent):
        return
    plan_is_hd = "click & collect" not in result.reason and not (
        (order.get("custom") or {}).get("fields") or {}
    ).get("pickupLocationRef")
    assert not (lines_ok and plan_is_hd and order.get("shippingAddress")), result.reason


@DOCUMENT_PROPERTY
@given(ct_order(), order_rules)
def test_order_money_is_exact_and_the_parts_sum_to_the_order_total(order, rules):
    result = _mapped(order, rules)
    if isinstance(result, Permanent):
        return
    assert result["type"] in (HOME_DELIVERY, CLICK_AND_COLLECT)
    items = result["items"]
    for item, line in zip(items, order["lineItems"], strict=True):
        unit = (line["price"].get("discounted") or {}).get("value") or line["price"]["value"]
        assert _is_exact(item["price"], unit)
        assert item["totalPrice"] == _gross(line)
        digits = line["totalPrice"]["fractionDigits"]
        half_unit = Decimal(1).scaleb(-digits) / 2
        net = amount((line.get("taxedPrice") or {}).get("totalNet") or line["totalPrice"])
        assert item["paidPrice"].as_tuple().exponent == -digits
        assert abs(item["paidPrice"] * item["quantity"] - net) <= half_unit * item["quantity"]
    choice = result["fulfilmentChoice"]
    custom_gross = sum((_gross(custom) for custom in order["customLineItems"]), Decimal(0))
    assert sum((i["totalPrice"] for i in items), Decimal(0)) + choice[
        "fulfilmentPrice"
    ] + custom_gross == _gross(order)
    custom_tax = sum(
        (amount((c.get("taxedPrice") or {}).get("totalTax")) for c in order["customLineItems"]),
        Decimal(0),
    )
    assert (
        sum((i["totalTaxPrice"] for i in items), Decimal(0))
        + choice["fulfilmentTaxPrice"]
        + custom_tax
        == result["totalTaxPrice"]
    )
    customs = next((a["value"] for a in result["attributes"] if a["name"] == "customLineItems"), [])
    for mapped, custom in zip(customs, order["customLineItems"], strict=True):
        assert _is_exact(mapped["totalPrice"], custom["totalPrice"])


# -- payments ---------------------------------------------------------------------------------

TRANSACTION_TYPES = ("Authorization", "CancelAuthorization", "Charge", "Refund", "Chargeback")


@st.composite
def payment(draw: st.DrawFn) -> dict[str, Any]:
    currency = draw(st.sampled_from(CURRENCIES))
    digits = draw(st.integers(0, 3))
    info = {
        field: draw(st.sampled_from(values))
        for field, values in (("method", ("CREDIT_CARD", "")), ("paymentInterface", ("STRIPE", "")))
        if draw(st.booleans())
    }
    transactions = [
        {
            "id": f"tx-{draw(identifiers)}-{index}",
            "timestamp": "2024-05-01T10:00:00.000Z",
            "type": draw(st.sampled_from(TRANSACTION_TYPES)),
            "amount": draw(cent_money(currency, digits=st.just(digits))),
            "state": draw(st.sampled_from(("Initial", "Pending", "Success", "Failure"))),
            **({"interactionId": draw(identifiers)} if draw(st.booleans()) else {}),
        }
        for index in range(draw(st.integers(0, 5)))
    ]
    document: dict[str, Any] = {
        "id": draw(identifiers),
        "version": 1,
        "amountPlanned": _money(currency, digits, draw(st.integers(0, 10**9))),
        "paymentMethodInfo": info,
        "paymentStatus": {},
        "transactions": transactions,
        "interfaceInteractions": [],
    }
    if draw(st.booleans()):
        document["interfaceId"] = draw(identifiers)
    return document


@PROPERTY
@given(st.lists(payment(), max_size=3), st.sampled_from(("UNKNOWN", "CARD")))
def test_each_successful_transaction_becomes_one_exact_financial_transaction(payments, fallback):
    mapped = financial_transactions(payments, fallback)
    successful = [t for p in payments for t in p["transactions"] if t["state"] == "Success"]
    assert [m["ref"] for m in mapped] == [t["id"] for t in successful]
    totals: Counter[str] = Counter()
    for m, transaction in zip(mapped, successful, strict=True):
        assert _is_exact(m["amount"], transaction["amount"])
        assert m["amount"] == Decimal(m["unscaledValue"]).scaleb(-m["scale"])
        assert m["currency"] == transaction["amount"]["currencyCode"]
        assert isinstance(m["paymentMethod"], str) and m["paymentMethod"]
        totals[m["currency"]] += m["amount"]
    expected: Counter[str] = Counter()
    for transaction in successful:
        expected[transaction["amount"]["currencyCode"]] += exact_amount(transaction["amount"])
    assert totals == expected


# -- money ------------------------------------------------------------------------------------


@PROPERTY
@given(st.sampled_from(CURRENCIES).flatmap(typed_money))
def test_an_amount_is_its_units_over_ten_to_the_fraction_digits(money):
    assert _is_exact(amount(money), money)


@PROPERTY
@given(st.integers(-(10**13), 10**13), st.integers(0, 3), st.integers(1, 1000))
def test_a_per_unit_share_has_the_currency_scale_and_is_within_half_a_unit(units, digits, count):
    total = Decimal(units).scaleb(-digits)
    share = divide(total, count, digits)
    assert share.as_tuple().exponent == -digits
    assert abs(share * count - total) <= Decimal(1).scaleb(-digits) / 2 * count


@PROPERTY
@given(st.lists(st.from_regex(r"[a-zA-Z0-9_-]{2,256}", fullmatch=True), min_size=1, max_size=20))
def test_every_ct_key_maps_to_a_contract_ref_and_distinct_keys_stay_distinct(keys):
    refs = {key: fluent_category_ref(key) for key in keys}
    for key, ref in refs.items():
        assert VALID_REF.match(ref) and len(ref) <= 100
        assert fluent_category_ref(key) == ref
    assert len(set(refs.values())) == len(refs)
