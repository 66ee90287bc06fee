"""Product price selection on projections (price-selecting.raml): the variant's `price`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.sandbox.commercetools.drafts import money

from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.commercetools.price_selection import PriceSelector, select_price

NOW = "2026-06-01T12:00:00.000Z"


@pytest.fixture
def scopes(emulator: CommercetoolsEmulator) -> dict[str, str]:
    channel = emulator.create("channels", {"key": "store-1", "roles": ["ProductDistribution"]})
    group = emulator.create("customer-groups", {"key": "b2b", "groupName": "B2B"})
    return {"channel": channel["id"], "group": group["id"]}


@pytest.fixture
def product(emulator: CommercetoolsEmulator, scopes: dict[str, str]) -> dict[str, Any]:
    product_type = emulator.create("product-types", {"name": "t", "description": ""})["id"]
    prices = [
        {"key": "eur", "value": money(1000)},
        {"key": "eur-de", "value": money(900), "country": "DE"},
        {
            "key": "eur-de-channel",
            "value": money(800),
            "country": "DE",
            "channel": {"typeId": "channel", "id": scopes["channel"]},
        },
        {
            "key": "eur-b2b",
            "value": money(700),
            "customerGroup": {"typeId": "customer-group", "id": scopes["group"]},
        },
        {"key": "usd", "value": money(1100, "USD")},
    ]
    return emulator.create(
        "products",
        {
            "key": "p",
            "productType": {"typeId": "product-type", "id": product_type},
            "name": {"en": "P"},
            "slug": {"en": "p"},
            "masterVariant": {"sku": "P-1", "prices": prices},
            "variants": [{"sku": "P-2", "prices": [{"value": money(50, "GBP")}]}],
            "publish": True,
        },
    )


def selected(api: httpx.Client, **params: str) -> dict[str, Any] | None:
    page = api.get("product-projections", params={"where": 'key = "p"', **params}).json()
    return page["results"][0]["masterVariant"].get("price")


def test_without_price_currency_no_variant_carries_a_price(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    assert selected(api) is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"priceCurrency": "EUR"}, "eur"),
        ({"priceCurrency": "USD"}, "usd"),
        ({"priceCurrency": "EUR", "priceCountry": "DE"}, "eur-de"),
        ({"priceCurrency": "EUR", "priceCountry": "FR"}, "eur"),
    ],
)
def test_price_is_selected_by_currency_and_country_with_fallback_to_no_country(
    api: httpx.Client, product: dict[str, Any], params: dict[str, str], expected: str
) -> None:
    price = selected(api, **params)

    assert price is not None
    assert price["key"] == expected


def test_channel_and_customer_group_prices_are_selected_only_when_asked_for(
    api: httpx.Client, product: dict[str, Any], scopes: dict[str, str]
) -> None:
    with_channel = selected(
        api, priceCurrency="EUR", priceCountry="DE", priceChannel=scopes["channel"]
    )
    with_group = selected(
        api, priceCurrency="EUR", priceCountry="DE", priceCustomerGroup=scopes["group"]
    )

    assert with_channel is not None and with_channel["key"] == "eur-de-channel"
    # The customer group outranks country in the documented fallback order.
    assert with_group is not None and with_group["key"] == "eur-b2b"


def test_variant_without_a_price_in_the_currency_has_none(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    page = api.get("product-projections", params={"priceCurrency": "EUR"}).json()
    (projection,) = page["results"]

    assert "price" not in projection["variants"][0]
    assert projection["masterVariant"]["price"]["key"] == "eur"


def test_projection_by_id_applies_price_selection(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    projection = api.get(
        f"product-projections/{product['id']}",
        params={"priceCurrency": "EUR", "priceCountry": "DE"},
    ).json()

    assert projection["masterVariant"]["price"]["key"] == "eur-de"


def test_scopes_without_price_currency_are_a_400(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    response = api.get("product-projections", params={"priceCountry": "DE"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_a_price_valid_now_is_preferred_and_an_expired_one_is_never_selected() -> None:
    undated = {"key": "undated", "value": money(1000)}
    current = {
        "key": "current",
        "value": money(900),
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
    }
    expired = {"key": "expired", "value": money(800), "validUntil": "2026-05-01T00:00:00.000Z"}
    selector = PriceSelector("EUR")

    assert select_price([undated, current], selector, NOW)["key"] == "current"  # type: ignore[index]
    assert select_price([expired, undated], selector, NOW)["key"] == "undated"  # type: ignore[index]
    assert select_price([expired], selector, NOW) is None


def test_search_with_price_selection_carries_the_scoped_price(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    page = api.get(
        "product-projections/search",
        params={"filter": 'variants.sku:"P-1"', "priceCurrency": "EUR", "priceCountry": "DE"},
    ).json()
    (found,) = page["results"]
    master = found["masterVariant"]

    assert page["total"] == 1 and page["facets"] == {}
    assert master["scopedPrice"]["key"] == "eur-de"
    assert master["scopedPrice"]["currentValue"]["centAmount"] == 900
    assert master["scopedPriceDiscounted"] is False
    assert "scopedPrice" not in found["variants"][0]


def test_search_posted_as_a_form_is_the_same_search(
    api: httpx.Client, product: dict[str, Any]
) -> None:
    posted = api.post(
        "product-projections/search",
        content="filter=variants.sku%3A%22P-1%22&priceCurrency=USD",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ).json()

    assert posted["results"][0]["masterVariant"]["scopedPrice"]["key"] == "usd"


@pytest.mark.parametrize(
    "params",
    [
        {"text.en": "shirt"},
        {"facet": "variants.sku"},
        {"filter": 'variants.attributes.color:"red"'},
    ],
)
def test_search_refuses_what_the_sandbox_does_not_implement(
    api: httpx.Client, product: dict[str, Any], params: dict[str, str]
) -> None:
    response = api.get("product-projections/search", params=params)

    assert response.status_code == 400
    assert "does not implement" in response.json()["message"]


def test_query_never_carries_a_scoped_price(api: httpx.Client, product: dict[str, Any]) -> None:
    page = api.get("product-projections", params={"priceCurrency": "EUR"}).json()

    assert "scopedPrice" not in page["results"][0]["masterVariant"]
