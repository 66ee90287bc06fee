"""Products over HTTP: drafts, versions per action, staged vs current, publishing, errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.sandbox.commercetools.drafts import money, product_draft

from ctbridge.sandbox.commercetools import CommercetoolsEmulator


@pytest.fixture
def product_type(emulator: CommercetoolsEmulator) -> str:
    return emulator.create("product-types", {"name": "basic", "description": "", "key": "basic"})[
        "id"
    ]


@pytest.fixture
def product(api: httpx.Client, product_type: str) -> dict[str, Any]:
    response = api.post("products", json=product_draft("p1", product_type, skus=("SKU-1", "SKU-2")))
    assert response.status_code == 201, response.text
    return response.json()


def update(api: httpx.Client, product: dict[str, Any], *actions: dict[str, Any]) -> httpx.Response:
    return api.post(
        f"products/{product['id']}", json={"version": product["version"], "actions": list(actions)}
    )


def test_created_product_has_both_data_sets_and_typed_prices(product: dict[str, Any]) -> None:
    assert product["version"] == 1
    assert product["key"] == "p1"
    master = product["masterData"]
    assert master["published"] is False and master["hasStagedChanges"] is False
    variant = master["staged"]["masterVariant"]
    assert variant["id"] == 1 and variant["sku"] == "SKU-1"
    assert variant["prices"][0]["value"] == {
        "type": "centPrecision",
        "currencyCode": "EUR",
        "centAmount": 1000,
        "fractionDigits": 2,
    }
    assert variant["prices"][0]["id"]
    assert master["staged"]["variants"][0]["id"] == 2
    assert product["createdAt"] == product["lastModifiedAt"]


def test_product_is_found_by_id_and_by_key(api: httpx.Client, product: dict[str, Any]) -> None:
    assert api.get(f"products/{product['id']}").json()["id"] == product["id"]
    assert api.get("products/key=p1").json()["id"] == product["id"]


def test_unknown_product_is_resource_not_found(api: httpx.Client) -> None:
    response = api.get("products/key=nope")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "ResourceNotFound"


def test_each_action_increments_the_version(api: httpx.Client, product: dict[str, Any]) -> None:
    response = update(
        api,
        product,
        {"action": "changeName", "name": {"en": "Renamed"}},
        {"action": "setDescription", "description": {"en": "Nice"}},
        {"action": "setKey", "key": "p1-new"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 4
    assert body["key"] == "p1-new"
    assert body["masterData"]["staged"]["name"] == {"en": "Renamed"}
    assert body["masterData"]["current"]["name"] == {"en": "Product p1"}
    assert body["masterData"]["hasStagedChanges"] is True


def test_stale_version_is_a_409_with_the_current_version(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    assert update(api, product, {"action": "setKey", "key": "x"}).status_code == 200
    response = update(api, product, {"action": "setKey", "key": "y"})
    assert response.status_code == 409
    body = response.json()
    assert body["statusCode"] == 409
    assert body["errors"][0]["code"] == "ConcurrentModification"
    assert body["errors"][0]["currentVersion"] == 2


def test_unknown_action_is_invalid_input_and_changes_nothing(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    response = update(api, product, {"action": "setKey", "key": "x"}, {"action": "fly"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert api.get(f"products/{product['id']}").json()["version"] == 1


def test_duplicate_sku_and_key_are_duplicate_field(
    api: httpx.Client, product: dict[str, Any], product_type: str
) -> None:
    same_sku = product_draft("p2", product_type, skus=("SKU-2",))
    same_sku["slug"] = {"en": "other"}
    response = api.post("products", json=same_sku)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "DuplicateField"
    same_key = product_draft("p1", product_type, skus=("SKU-9",))
    same_key["slug"] = {"en": "other"}
    assert api.post("products", json=same_key).json()["errors"][0]["code"] == "DuplicateField"


def test_missing_name_and_unknown_product_type_are_rejected(
    api: httpx.Client, product_type: str
) -> None:
    draft = product_draft("p3", product_type)
    del draft["name"]
    response = api.post("products", json=draft)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidJsonInput"
    draft = product_draft("p3", "no-such-type")
    response = api.post("products", json=draft)
    assert response.json()["errors"][0]["code"] == "ReferencedResourceNotFound"


def test_publish_copies_staged_to_current(api: httpx.Client, product: dict[str, Any]) -> None:
    response = update(
        api,
        product,
        {"action": "changeName", "name": {"en": "Fresh"}},
        {"action": "publish"},
    )
    master = response.json()["masterData"]
    assert master["published"] is True and master["hasStagedChanges"] is False
    assert master["current"]["name"] == {"en": "Fresh"}


def test_staged_false_changes_current_and_staged(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    response = update(
        api, product, {"action": "setDescription", "description": {"en": "d"}, "staged": False}
    )
    master = response.json()["masterData"]
    assert master["current"]["description"] == {"en": "d"} == master["staged"]["description"]
    assert master["hasStagedChanges"] is False


def test_price_actions_add_change_and_remove(api: httpx.Client, product: dict[str, Any]) -> None:
    body = update(
        api,
        product,
        {
            "action": "addPrice",
            "sku": "SKU-1",
            "price": {"value": money(500, "USD"), "country": "US"},
        },
    ).json()
    added = body["masterData"]["staged"]["masterVariant"]["prices"][1]
    assert added["value"]["currencyCode"] == "USD" and added["country"] == "US"
    body = update(
        api,
        body,
        {"action": "changePrice", "priceId": added["id"], "price": {"value": money(700, "USD")}},
    ).json()
    changed = body["masterData"]["staged"]["masterVariant"]["prices"][1]
    assert changed["id"] == added["id"] and changed["value"]["centAmount"] == 700
    body = update(api, body, {"action": "removePrice", "priceId": added["id"]}).json()
    assert len(body["masterData"]["staged"]["masterVariant"]["prices"]) == 1
    body = update(
        api,
        body,
        {
            "action": "setPrices",
            "variantId": 2,
            "prices": [{"value": money(1)}, {"value": money(2)}],
        },
    ).json()
    assert [
        p["value"]["centAmount"] for p in body["masterData"]["staged"]["variants"][0]["prices"]
    ] == [1, 2]
    missing = update(api, body, {"action": "removePrice", "priceId": "nope"})
    assert missing.json()["errors"][0]["code"] == "InvalidOperation"


def test_variants_are_added_and_removed_but_not_the_master(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    body = update(
        api,
        product,
        {
            "action": "addVariant",
            "sku": "SKU-3",
            "attributes": [{"name": "color", "value": "green"}],
        },
    ).json()
    assert [v["id"] for v in body["masterData"]["staged"]["variants"]] == [2, 3]
    body = update(api, body, {"action": "removeVariant", "id": 2}).json()
    assert [v["sku"] for v in body["masterData"]["staged"]["variants"]] == ["SKU-3"]
    response = update(api, body, {"action": "removeVariant", "id": 1})
    assert response.json()["errors"][0]["code"] == "InvalidOperation"
    response = update(api, body, {"action": "addVariant", "sku": "SKU-1"})
    assert response.json()["errors"][0]["code"] == "DuplicateField"


def test_attributes_images_skus_and_slug(api: httpx.Client, product: dict[str, Any]) -> None:
    body = update(
        api,
        product,
        {"action": "setAttribute", "variantId": 1, "name": "size", "value": "XL"},
        {"action": "setAttributeInAllVariants", "name": "brand", "value": "acme"},
        {
            "action": "addExternalImage",
            "sku": "SKU-2",
            "image": {"url": "https://img/x.png", "dimensions": {"w": 1, "h": 1}},
        },
        {"action": "setSku", "variantId": 2, "sku": "SKU-2B"},
        {"action": "changeSlug", "slug": {"en": "renamed"}},
    ).json()
    staged = body["masterData"]["staged"]
    master_attributes = {a["name"]: a["value"] for a in staged["masterVariant"]["attributes"]}
    assert master_attributes == {"color": "red", "size": "XL", "brand": "acme"}
    assert staged["variants"][0]["sku"] == "SKU-2B"
    assert staged["variants"][0]["images"][0]["url"] == "https://img/x.png"
    assert {a["name"] for a in staged["variants"][0]["attributes"]} == {"color", "brand"}
    assert staged["slug"] == {"en": "renamed"}
    assert body["version"] == 6


def test_categories_are_added_and_removed(
    api: httpx.Client, product: dict[str, Any], emulator: CommercetoolsEmulator
) -> None:
    category = emulator.create(
        "categories", {"name": {"en": "Shirts"}, "slug": {"en": "shirts"}, "key": "shirts"}
    )
    body = update(
        api,
        product,
        {
            "action": "addToCategory",
            "category": {"typeId": "category", "key": "shirts"},
            "orderHint": "0.5",
        },
    ).json()
    assert body["masterData"]["staged"]["categories"] == [
        {"typeId": "category", "id": category["id"]}
    ]
    assert body["masterData"]["staged"]["categoryOrderHints"] == {category["id"]: "0.5"}
    body = update(
        api,
        body,
        {"action": "removeFromCategory", "category": {"typeId": "category", "id": category["id"]}},
    ).json()
    assert body["masterData"]["staged"]["categories"] == []


def test_delete_needs_the_current_version(api: httpx.Client, product: dict[str, Any]) -> None:
    assert api.delete(f"products/{product['id']}", params={"version": 7}).status_code == 409
    response = api.delete(f"products/{product['id']}", params={"version": 1})
    assert response.status_code == 200
    assert response.json()["id"] == product["id"]
    assert api.get(f"products/{product['id']}").status_code == 404


def test_query_products_by_sku_with_nested_predicate(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    response = api.get("products", params={"where": 'masterData(staged(variants(sku = "SKU-2")))'})
    assert [p["id"] for p in response.json()["results"]] == [product["id"]]
    assert api.get("products", params={"limit": 501}).status_code == 400


def test_head_tells_whether_a_product_exists(api: httpx.Client, product: dict[str, Any]) -> None:
    assert api.head(f"products/{product['id']}").status_code == 200
    assert api.head("products/key=missing").status_code == 404
