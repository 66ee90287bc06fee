"""Shipping methods, cart and product discounts, discount codes; order references to them expand."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.sandbox.commercetools.drafts import money


def created(api: httpx.Client, resource: str, draft: dict[str, Any]) -> dict[str, Any]:
    response = api.post(resource, json=draft)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def cart_discount(api: httpx.Client) -> dict[str, Any]:
    return created(
        api,
        "cart-discounts",
        {
            "key": "ten-off",
            "name": {"en": "10 % off"},
            "value": {"type": "relative", "permyriad": 1000},
            "cartPredicate": "1 = 1",
            "target": {"type": "lineItems", "predicate": "1 = 1"},
            "sortOrder": "0.1",
            "requiresDiscountCode": True,
        },
    )


@pytest.fixture
def shipping_method(api: httpx.Client) -> dict[str, Any]:
    tax = created(api, "tax-categories", {"key": "std", "name": "Standard"})
    zone = created(api, "zones", {"key": "eu", "name": "EU", "locations": [{"country": "DE"}]})
    return created(
        api,
        "shipping-methods",
        {
            "key": "express",
            "name": "Express",
            "taxCategory": {"typeId": "tax-category", "key": tax["key"]},
            "zoneRates": [
                {
                    "zone": {"typeId": "zone", "id": zone["id"]},
                    "shippingRates": [{"price": money(900)}],
                }
            ],
            "isDefault": False,
        },
    )


def test_cart_discount_is_created_with_documented_defaults_and_read_by_id_key_and_query(
    api: httpx.Client, cart_discount: dict[str, Any]
) -> None:
    assert cart_discount["isActive"] is True
    assert cart_discount["stackingMode"] == "Stacking"
    assert api.get(f"cart-discounts/{cart_discount['id']}").json()["key"] == "ten-off"
    assert api.get("cart-discounts/key=ten-off").json()["id"] == cart_discount["id"]
    page = api.get("cart-discounts", params={"where": 'key = "ten-off"'}).json()
    assert [d["id"] for d in page["results"]] == [cart_discount["id"]]


def test_cart_discount_sort_order_is_unique_and_a_decimal_between_0_and_1(
    api: httpx.Client, cart_discount: dict[str, Any]
) -> None:
    draft = {
        "name": {"en": "again"},
        "value": {"type": "relative", "permyriad": 500},
        "cartPredicate": "1 = 1",
    }
    duplicate = api.post("cart-discounts", json={**draft, "sortOrder": "0.1"})
    out_of_range = api.post("cart-discounts", json={**draft, "sortOrder": "1.5"})
    unknown_value = api.post("cart-discounts", json={**draft, "value": {"type": "half"}})

    assert duplicate.status_code == 400
    assert duplicate.json()["errors"][0]["code"] == "DuplicateField"
    assert out_of_range.status_code == 400
    assert unknown_value.status_code == 400


def test_discount_code_needs_an_existing_cart_discount_and_a_unique_code(
    api: httpx.Client, cart_discount: dict[str, Any]
) -> None:
    code = created(
        api,
        "discount-codes",
        {"code": "SAVE10", "cartDiscounts": [{"typeId": "cart-discount", "key": "ten-off"}]},
    )
    again = api.post(
        "discount-codes",
        json={"code": "SAVE10", "cartDiscounts": [{"typeId": "cart-discount", "id": code["id"]}]},
    )
    dangling = api.post(
        "discount-codes",
        json={"code": "NOPE", "cartDiscounts": [{"typeId": "cart-discount", "key": "missing"}]},
    )

    assert code["cartDiscounts"] == [{"typeId": "cart-discount", "id": cart_discount["id"]}]
    assert code["isActive"] is True
    assert again.status_code == 400
    assert dangling.status_code == 400
    assert dangling.json()["errors"][0]["code"] == "ReferencedResourceNotFound"


def test_product_discount_requires_sort_order_and_is_active(api: httpx.Client) -> None:
    draft = {
        "key": "pd",
        "name": {"en": "5 off"},
        "value": {"type": "absolute", "money": [money(500)]},
        "predicate": "1 = 1",
        "sortOrder": "0.3",
        "isActive": True,
    }
    without_active = api.post("product-discounts", json={**draft, "isActive": None})
    discount = created(api, "product-discounts", draft)

    assert without_active.status_code == 400
    assert discount["value"]["money"][0]["fractionDigits"] == 2
    assert api.get("product-discounts/key=pd").json()["id"] == discount["id"]


def test_shipping_method_resolves_its_tax_category_and_zones(
    api: httpx.Client, shipping_method: dict[str, Any]
) -> None:
    missing_tax = api.post(
        "shipping-methods",
        json={
            "name": "Bad",
            "taxCategory": {"typeId": "tax-category", "key": "none"},
            "zoneRates": [],
            "isDefault": False,
        },
    )

    assert shipping_method["active"] is True
    assert shipping_method["taxCategory"]["typeId"] == "tax-category"
    assert api.get("shipping-methods/key=express").json()["id"] == shipping_method["id"]
    assert missing_tax.status_code == 400


def order_with_references(
    api: httpx.Client,
    shipping_method: dict[str, Any],
    cart_discount: dict[str, Any],
    code: dict[str, Any],
    payment: dict[str, Any],
) -> dict[str, Any]:
    return created(
        api,
        "orders/import",
        {
            "orderNumber": "X-1",
            "totalPrice": money(1800),
            "lineItems": [
                {
                    "name": {"en": "Thing"},
                    "variant": {"sku": "SKU-1"},
                    "price": {"value": money(1000)},
                    "quantity": 2,
                    "taxRate": {
                        "name": "19%",
                        "amount": 0.19,
                        "includedInPrice": True,
                        "country": "DE",
                    },
                    "discountedPricePerQuantity": [
                        {
                            "quantity": 2,
                            "discountedPrice": {
                                "value": money(900),
                                "includedDiscounts": [
                                    {
                                        "discount": {
                                            "typeId": "cart-discount",
                                            "id": cart_discount["id"],
                                        },
                                        "discountedAmount": money(100),
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
            "shippingInfo": {
                "shippingMethodName": "Express",
                "price": money(900),
                "shippingRate": {"price": money(900)},
                "shippingMethod": {"typeId": "shipping-method", "id": shipping_method["id"]},
            },
            "discountCodes": [
                {
                    "discountCode": {"typeId": "discount-code", "id": code["id"]},
                    "state": "MatchesCart",
                }
            ],
            "paymentInfo": {"payments": [{"typeId": "payment", "id": payment["id"]}]},
        },
    )


def test_order_references_expand_to_the_shipping_method_codes_discounts_and_payments(
    api: httpx.Client, shipping_method: dict[str, Any], cart_discount: dict[str, Any]
) -> None:
    code = created(
        api,
        "discount-codes",
        {
            "code": "SAVE10",
            "cartDiscounts": [{"typeId": "cart-discount", "id": cart_discount["id"]}],
        },
    )
    payment = created(api, "payments", {"key": "pay-1", "amountPlanned": money(1800)})
    order = order_with_references(api, shipping_method, cart_discount, code, payment)
    paths = [
        "shippingInfo.shippingMethod",
        "discountCodes[*].discountCode.cartDiscounts[*]",
        "lineItems[*].discountedPricePerQuantity[*].discountedPrice.includedDiscounts[*].discount",
        "paymentInfo.payments[*]",
    ]

    plain = api.get(f"orders/{order['id']}").json()
    expanded = api.get(f"orders/{order['id']}", params={"expand": paths}).json()
    queried = api.get("orders", params={"where": 'orderNumber = "X-1"', "expand": paths}).json()

    assert "obj" not in plain["shippingInfo"]["shippingMethod"]
    assert expanded["shippingInfo"]["shippingMethod"]["obj"]["key"] == "express"
    (info,) = expanded["discountCodes"]
    assert info["discountCode"]["obj"]["code"] == "SAVE10"
    assert info["discountCode"]["obj"]["cartDiscounts"][0]["obj"]["key"] == "ten-off"
    (portion,) = expanded["lineItems"][0]["discountedPricePerQuantity"][0]["discountedPrice"][
        "includedDiscounts"
    ]
    assert portion["discount"]["obj"]["key"] == "ten-off"
    assert expanded["paymentInfo"]["payments"][0]["obj"]["key"] == "pay-1"
    assert queried["results"][0] == expanded


def test_a_product_discount_on_a_line_price_expands(api: httpx.Client) -> None:
    discount = created(
        api,
        "product-discounts",
        {
            "name": {"en": "1 off"},
            "value": {"type": "absolute", "money": [money(100)]},
            "predicate": "1 = 1",
            "sortOrder": "0.2",
            "isActive": True,
        },
    )
    reference = {"typeId": "product-discount", "id": discount["id"]}
    order = created(
        api,
        "orders/import",
        {
            "totalPrice": money(900),
            "lineItems": [
                {
                    "name": {"en": "Thing"},
                    "variant": {"sku": "SKU-1"},
                    "price": {
                        "value": money(1000),
                        "discounted": {"value": money(900), "discount": reference},
                    },
                    "quantity": 1,
                }
            ],
        },
    )

    shown = api.get(
        f"orders/{order['id']}", params={"expand": "lineItems[*].price.discounted.discount"}
    ).json()

    assert shown["lineItems"][0]["price"]["discounted"]["discount"]["obj"]["id"] == discount["id"]


def test_malformed_expansion_path_is_a_400(api: httpx.Client) -> None:
    response = api.get("orders", params={"expand": "lineItems[x"})

    assert response.status_code == 400


def test_line_item_taxed_price_is_set_from_its_tax_rate(api: httpx.Client) -> None:
    order = created(
        api,
        "orders/import",
        {
            "totalPrice": money(2380),
            "lineItems": [
                {
                    "name": {"en": "Thing"},
                    "variant": {"sku": "SKU-1"},
                    "price": {"value": money(1190)},
                    "quantity": 2,
                    "taxRate": {"name": "19%", "amount": 0.19, "includedInPrice": True},
                }
            ],
        },
    )

    (item,) = api.get(f"orders/{order['id']}").json()["lineItems"]

    assert item["taxedPrice"]["totalGross"]["centAmount"] == 2380
    assert item["taxedPrice"]["totalNet"]["centAmount"] == 2000
    assert item["taxedPrice"]["totalTax"]["centAmount"] == 380
    assert item["taxedPrice"]["taxPortions"][0]["rate"] == 0.19


def test_line_item_taxed_price_and_portions_from_the_sandbox_draft_are_kept(
    api: httpx.Client,
) -> None:
    taxed = {
        "totalNet": money(1000),
        "totalGross": money(1070),
        "totalTax": money(70),
        "taxPortions": [{"rate": 0.07, "amount": money(70), "name": "7%"}],
    }
    portions = [{"shippingMethodKey": "a", "taxedPrice": taxed}]
    order = created(
        api,
        "orders",
        {
            "lineItems": [
                {
                    "name": {"en": "Thing"},
                    "variant": {"sku": "SKU-1"},
                    "price": {"value": money(1000)},
                    "quantity": 1,
                    "taxedPrice": taxed,
                    "taxedPricePortions": portions,
                }
            ],
        },
    )

    (item,) = order["lineItems"]

    assert item["taxedPrice"]["totalGross"]["centAmount"] == 1070
    assert item["taxedPrice"]["taxPortions"] == taxed["taxPortions"]
    assert item["taxedPricePortions"] == portions
