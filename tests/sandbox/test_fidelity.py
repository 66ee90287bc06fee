"""Fidelity: the same client calls against the npm commercetools mock and our emulator agree.

Where the two differ, the commercetools documentation decides and the case is named here:
- DELETE with a stale version: the API answers 409 ConcurrentModification; the npm mock 4.4.0
  ignores `version` on delete, so that case runs against the emulator only.
- Price selection fallback: the docs (pricing-and-discounts-overview#product-price-selection)
  fall back from a country price to one without country; the npm mock only matches exactly, so
  the fallback case runs against the emulator only (the exact-match cases run on both).
- Price selection on GET by id / key: the RAML lists it there too; the npm mock applies it to
  queries only, so the by-id case runs against the emulator only.
- CartDiscountDraft `isActive` defaults to true (RAML); the npm mock leaves it false.
- `paymentInfo` on an imported order: the npm mock's orders/import drops it, so the payment
  expansion case runs against the emulator only (shipping method and discount expansion on both).
- Messages Query API (GET /{projectKey}/messages): the npm mock generates no messages and has no
  such route (404), so the catch-up case checks that 404 on the mock and runs on the emulator;
  the project's `messages` settings and changeMessagesConfiguration run on both.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ctbridge.commercetools.client import CommercetoolsClient
from ctbridge.commercetools.errors import ConcurrentModification, InvalidInput, NotFound
from ctbridge.http.retry import ResendPolicy
from ctbridge.sandbox.server import BackgroundServer

MOCK_MODULE = "ctbridge_test_support_ctmock"
PROJECT_KEY = "fidelity"
CLIENT_ID = "fidelity-client"
CLIENT_SECRET = "fidelity-secret"  # noqa: S105 - a test fixture's credential


def load_mock_support() -> Any:
    if MOCK_MODULE not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "support" / "ctmock" / "mock_process.py"
        spec = importlib.util.spec_from_file_location(MOCK_MODULE, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[MOCK_MODULE] = module
        spec.loader.exec_module(module)
    return sys.modules[MOCK_MODULE]


class Backend:
    """A running commercetools stand-in and how to build a client for it."""

    def __init__(self, name: str, url: str, project_key: str, client_id: str, secret: str) -> None:
        self.name = name
        self.url = url
        self.project_key = project_key
        self.client_id = client_id
        self.secret = secret

    def client(self) -> CommercetoolsClient:
        return CommercetoolsClient(
            project_key=self.project_key,
            client_id=self.client_id,
            client_secret=self.secret,
            api_url=self.url,
            auth_url=self.url,
            scopes=[f"manage_project:{self.project_key}"],
            retry_policy=ResendPolicy(max_retries=1, base_delay=0.01, max_delay=0.02),
        )


@pytest.fixture(scope="module", params=["npm-mock", "emulator"])
def backend(request) -> Iterator[Backend]:
    if request.param == "npm-mock":
        support = load_mock_support()
        process = support.CommercetoolsMockProcess()
        try:
            process.start()
        except support.MockStartError as error:
            pytest.fail(f"commercetools mock could not start: {error}")
        yield Backend(
            "npm-mock", process.url, process.project_key, process.client_id, process.client_secret
        )
        process.stop()
        return
    from ctbridge.sandbox.commercetools import CommercetoolsEmulator

    emulator = CommercetoolsEmulator(
        project_key=PROJECT_KEY, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )
    with BackgroundServer(emulator.app) as server:
        yield Backend("emulator", server.url, PROJECT_KEY, CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
async def ct(backend: Backend) -> AsyncIterator[CommercetoolsClient]:
    client = backend.client()
    yield client
    await client.aclose()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def supply_channel(ct: CommercetoolsClient) -> dict[str, Any]:
    return await ct.create("channels", {"key": unique("wh"), "roles": ["InventorySupply"]})


async def inventory_entry(
    ct: CommercetoolsClient, sku: str, quantity: int, channel: dict[str, Any] | None = None
) -> dict[str, Any]:
    draft: dict[str, Any] = {"sku": sku, "quantityOnStock": quantity}
    if channel is not None:
        draft["supplyChannel"] = {"typeId": "channel", "id": channel["id"]}
    return await ct.create("inventory", draft)


async def product(ct: CommercetoolsClient, *, publish: bool) -> dict[str, Any]:
    product_type = await ct.create(
        "product-types", {"key": unique("pt"), "name": unique("pt"), "description": "fidelity"}
    )
    key = unique("p")
    return await ct.create(
        "products",
        {
            "key": key,
            "productType": {"typeId": "product-type", "id": product_type["id"]},
            "name": {"en": key},
            "slug": {"en": key},
            "masterVariant": {"sku": f"{key}-sku"},
            "publish": publish,
        },
    )


async def test_channel_is_created_and_read_by_id_and_key(ct):
    key = unique("ch")

    created = await ct.create("channels", {"key": key, "roles": ["InventorySupply"]})

    assert created["version"] == 1
    assert created["key"] == key
    assert created["roles"] == ["InventorySupply"]
    assert (await ct.get_by_id("channels", created["id"]))["id"] == created["id"]
    assert (await ct.get_by_key("channels", key))["id"] == created["id"]


async def test_channel_change_key_is_found_under_the_new_key(ct):
    channel = await ct.create("channels", {"key": unique("ch"), "roles": ["InventorySupply"]})
    new_key = unique("renamed")

    changed = await ct.update(
        "channels", channel["id"], lambda current: [{"action": "changeKey", "key": new_key}]
    )

    assert changed["version"] == channel["version"] + 1
    assert (await ct.get_by_key("channels", new_key))["id"] == channel["id"]
    assert await ct.find_by_key("channels", channel["key"]) is None


async def test_missing_resource_is_not_found(ct):
    with pytest.raises(NotFound):
        await ct.get_by_id("channels", str(uuid.uuid4()))
    assert await ct.find_by_key("channels", unique("none")) is None


async def test_inventory_where_by_sku_and_supply_channel(ct):
    channel = await supply_channel(ct)
    other = await supply_channel(ct)
    sku = unique("sku")
    wanted = await inventory_entry(ct, sku, 5, channel)
    await inventory_entry(ct, sku, 9, other)

    page = await ct.query(
        "inventory", where=[f'sku = "{sku}"', f'supplyChannel(id = "{channel["id"]}")']
    )

    assert [e["id"] for e in page["results"]] == [wanted["id"]]
    assert page["results"][0]["quantityOnStock"] == 5
    assert page["results"][0]["availableQuantity"] == 5


async def test_keyset_pages_return_each_entry_once_in_id_order(ct):
    channel = await supply_channel(ct)
    for n in range(23):
        await inventory_entry(ct, unique(f"sku{n}"), n, channel)

    pages = [
        page
        async for page in ct.pages(
            "inventory", where=f'supplyChannel(id = "{channel["id"]}")', page_size=5
        )
    ]
    ids = [e["id"] for page in pages for e in page]

    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert ids == sorted(ids)
    assert len(set(ids)) == 23


async def test_change_quantity_sets_stock_and_bumps_the_version(ct):
    entry = await inventory_entry(ct, unique("sku"), 10)

    updated = await ct.update(
        "inventory", entry["id"], lambda current: [{"action": "changeQuantity", "quantity": 4}]
    )

    assert updated["quantityOnStock"] == 4
    assert updated["availableQuantity"] == 4
    assert updated["version"] > entry["version"]


async def test_stale_version_is_a_409_with_the_current_version(ct):
    entry = await inventory_entry(ct, unique("sku"), 10)
    changed = await ct.update_version(
        "inventory", entry["id"], entry["version"], [{"action": "changeQuantity", "quantity": 1}]
    )

    with pytest.raises(ConcurrentModification) as raised:
        await ct.update_version(
            "inventory",
            entry["id"],
            entry["version"],
            [{"action": "changeQuantity", "quantity": 2}],
        )

    assert raised.value.status == 409
    assert raised.value.current_version == changed["version"]


async def test_update_recomputes_after_a_concurrent_change(ct, backend):
    entry = await inventory_entry(ct, unique("sku"), 10)
    seen: list[int] = []
    async with backend.client() as other:

        async def add_five(current: dict[str, Any]) -> list[dict[str, Any]]:
            seen.append(current["quantityOnStock"])
            if len(seen) == 1:
                await other.update_version(
                    "inventory",
                    entry["id"],
                    current["version"],
                    [{"action": "changeQuantity", "quantity": 7}],
                )
            return [{"action": "changeQuantity", "quantity": current["quantityOnStock"] + 5}]

        updated = await ct.update("inventory", entry["id"], add_five)

    assert seen == [10, 7]
    assert updated["quantityOnStock"] == 12


async def test_unknown_update_action_is_a_400_invalid_input(ct):
    entry = await inventory_entry(ct, unique("sku"), 10)

    with pytest.raises(InvalidInput) as raised:
        await ct.update_version("inventory", entry["id"], entry["version"], [{"action": "fly"}])

    assert raised.value.status == 400
    assert "InvalidInput" in raised.value.codes


async def test_malformed_predicate_is_a_400_invalid_input(ct):
    with pytest.raises(InvalidInput) as raised:
        await ct.query("channels", where="key = = broken")

    assert raised.value.status == 400
    assert raised.value.codes == ["InvalidInput"]


async def test_product_projections_show_published_products_unless_staged(ct):
    published = await product(ct, publish=True)
    draft = await product(ct, publish=False)
    keys = f'key in ("{published["key"]}", "{draft["key"]}")'

    current = await ct.query("product-projections", where=keys)
    staged = await ct.query("product-projections", where=keys, params={"staged": True})
    by_sku = await ct.query(
        "product-projections", where=f'masterVariant(sku = "{published["key"]}-sku")'
    )

    assert [p["id"] for p in current["results"]] == [published["id"]]
    assert sorted(p["id"] for p in staged["results"]) == sorted([published["id"], draft["id"]])
    assert [p["id"] for p in by_sku["results"]] == [published["id"]]


async def test_product_projection_by_id_carries_the_master_variant(ct):
    published = await product(ct, publish=True)

    projection = await ct.get_by_id("product-projections", published["id"])

    assert projection["key"] == published["key"]
    assert projection["masterVariant"]["sku"] == f"{published['key']}-sku"
    assert projection["published"] is True


async def test_order_state_actions_change_order_payment_and_shipment_state(ct):
    number = unique("order")
    order = await ct.create(
        "orders/import",
        {
            "orderNumber": number,
            "orderState": "Open",
            "totalPrice": {"currencyCode": "EUR", "centAmount": 0},
            "lineItems": [],
            "customLineItems": [],
        },
    )

    updated = await ct.update(
        "orders",
        order["id"],
        lambda current: [
            {"action": "changeOrderState", "orderState": "Confirmed"},
            {"action": "changePaymentState", "paymentState": "Paid"},
            {"action": "changeShipmentState", "shipmentState": "Shipped"},
        ],
    )
    by_number = await ct.get(f"orders/order-number={number}")

    assert updated["orderState"] == "Confirmed"
    assert updated["paymentState"] == "Paid"
    assert updated["shipmentState"] == "Shipped"
    assert by_number["id"] == order["id"]


async def test_delete_with_the_current_version_removes_the_resource(ct):
    channel = await ct.create("channels", {"key": unique("gone"), "roles": []})

    await ct.delete("channels", channel["id"], channel["version"])

    with pytest.raises(NotFound):
        await ct.get_by_id("channels", channel["id"])


async def test_delete_with_a_stale_version_is_a_409(ct, backend):
    if backend.name == "npm-mock":
        pytest.skip("npm mock 4.4.0 ignores the version on DELETE; the API answers 409")
    channel = await ct.create("channels", {"key": unique("ch"), "roles": []})
    await ct.update_version(
        "channels", channel["id"], channel["version"], [{"action": "changeKey", "key": unique("k")}]
    )

    with pytest.raises(ConcurrentModification):
        await ct.delete("channels", channel["id"], channel["version"])


# --- issue 13: price selection, expansion, line-item taxes, pricing endpoints --------------------


async def priced_product(ct: CommercetoolsClient) -> dict[str, Any]:
    product_type = await ct.create(
        "product-types", {"key": unique("pt"), "name": unique("pt"), "description": "fidelity"}
    )
    channel = await ct.create("channels", {"key": unique("ch"), "roles": ["ProductDistribution"]})
    key = unique("p")
    prices = [
        {"key": "eur", "value": {"currencyCode": "EUR", "centAmount": 1000}},
        {"key": "eur-de", "value": {"currencyCode": "EUR", "centAmount": 900}, "country": "DE"},
        {
            "key": "eur-channel",
            "value": {"currencyCode": "EUR", "centAmount": 800},
            "channel": {"typeId": "channel", "id": channel["id"]},
        },
        {"key": "usd", "value": {"currencyCode": "USD", "centAmount": 1100}},
    ]
    created = await ct.create(
        "products",
        {
            "key": key,
            "productType": {"typeId": "product-type", "id": product_type["id"]},
            "name": {"en": key},
            "slug": {"en": key},
            "masterVariant": {"sku": f"{key}-sku", "prices": prices},
            "publish": True,
        },
    )
    return {**created, "channel": channel["id"]}


async def selected_price_key(ct: CommercetoolsClient, key: str, **params: str) -> str | None:
    page = await ct.query("product-projections", where=f'key = "{key}"', params=params)
    price = page["results"][0]["masterVariant"].get("price")
    return price.get("key") if price else None


async def test_price_selection_picks_the_variant_price_for_currency_country_and_channel(ct):
    item = await priced_product(ct)

    assert await selected_price_key(ct, item["key"]) is None
    assert await selected_price_key(ct, item["key"], priceCurrency="EUR") == "eur"
    assert await selected_price_key(ct, item["key"], priceCurrency="USD") == "usd"
    assert await selected_price_key(ct, item["key"], priceCurrency="EUR", priceCountry="DE") == (
        "eur-de"
    )
    assert (
        await selected_price_key(ct, item["key"], priceCurrency="EUR", priceChannel=item["channel"])
        == "eur-channel"
    )


async def test_price_selection_falls_back_to_the_price_without_country(ct, backend):
    if backend.name == "npm-mock":
        pytest.skip("npm mock 4.4.0 matches price scopes exactly; the documented fallback differs")
    item = await priced_product(ct)

    assert await selected_price_key(ct, item["key"], priceCurrency="EUR", priceCountry="FR") == (
        "eur"
    )


async def test_price_selection_applies_to_a_projection_by_id_and_key(ct, backend):
    # product-projections.raml lists the priceSelecting trait on /{ID} and /key={key} too.
    if backend.name == "npm-mock":
        pytest.skip("npm mock 4.4.0 applies price selection to queries only")
    item = await priced_product(ct)

    by_id = await ct.get_by_id("product-projections", item["id"], {"priceCurrency": "USD"})
    by_key = await ct.get_by_key("product-projections", item["key"], {"priceCurrency": "USD"})

    assert by_id["masterVariant"]["price"]["key"] == "usd"
    assert by_key["masterVariant"]["price"]["key"] == "usd"


async def test_search_with_price_selection_carries_the_scoped_price(ct):
    item = await priced_product(ct)

    page = await ct.get(
        "product-projections/search",
        {
            "filter": f'variants.sku:"{item["key"]}-sku"',
            "priceCurrency": "EUR",
            "priceCountry": "DE",
        },
    )
    (found,) = page["results"]
    master = found["masterVariant"]

    assert master["scopedPrice"]["key"] == "eur-de"
    assert master["scopedPrice"]["currentValue"]["centAmount"] == 900
    assert master["scopedPriceDiscounted"] is False


async def test_price_scopes_without_price_currency_are_a_400(ct):
    item = await priced_product(ct)

    with pytest.raises(InvalidInput):
        await ct.query(
            "product-projections", where=f'key = "{item["key"]}"', params={"priceCountry": "DE"}
        )


async def cart_discount(ct: CommercetoolsClient, sort_order: str) -> dict[str, Any]:
    return await ct.create(
        "cart-discounts",
        {
            "key": unique("cd"),
            "name": {"en": "10 % off"},
            "value": {"type": "relative", "permyriad": 1000},
            "cartPredicate": "1 = 1",
            "target": {"type": "lineItems", "predicate": "1 = 1"},
            "sortOrder": sort_order,
            "requiresDiscountCode": True,
        },
    )


async def test_cart_discount_and_discount_code_are_created_read_and_expanded(ct, backend):
    discount = await cart_discount(ct, f"0.{uuid.uuid4().int % 10**8 + 1}")
    code = await ct.create(
        "discount-codes",
        {
            "key": unique("dc"),
            "code": unique("CODE"),
            "cartDiscounts": [{"typeId": "cart-discount", "id": discount["id"]}],
        },
    )

    by_key = await ct.get_by_key("cart-discounts", discount["key"])
    page = await ct.query("discount-codes", where=f'code = "{code["code"]}"')
    expanded = await ct.get_by_id("discount-codes", code["id"], {"expand": "cartDiscounts[*]"})

    assert by_key["id"] == discount["id"]
    if backend.name == "emulator":
        # CartDiscountDraft.raml: isActive defaults to true; the npm mock 4.4.0 leaves it false.
        assert discount["isActive"] is True
    assert [c["id"] for c in page["results"]] == [code["id"]]
    assert expanded["cartDiscounts"][0]["obj"]["key"] == discount["key"]


async def test_product_discount_is_created_and_read_by_key(ct):
    key = unique("pd")
    discount = await ct.create(
        "product-discounts",
        {
            "key": key,
            "name": {"en": "1 off"},
            "value": {"type": "absolute", "money": [{"currencyCode": "EUR", "centAmount": 100}]},
            "predicate": "1 = 1",
            "sortOrder": f"0.{uuid.uuid4().int % 10**8 + 1}",
            "isActive": True,
        },
    )

    assert (await ct.get_by_key("product-discounts", key))["id"] == discount["id"]
    assert (await ct.get_by_id("product-discounts", discount["id"]))["predicate"] == "1 = 1"


async def shipping_method(ct: CommercetoolsClient) -> dict[str, Any]:
    tax = await ct.create(
        "tax-categories",
        {
            "key": unique("tax"),
            "name": "standard",
            "rates": [{"name": "19%", "amount": 0.19, "includedInPrice": True, "country": "DE"}],
        },
    )
    zone = await ct.create(
        "zones", {"key": unique("zone"), "name": "DE", "locations": [{"country": "DE"}]}
    )
    return await ct.create(
        "shipping-methods",
        {
            "key": unique("sm"),
            "name": "Express",
            "taxCategory": {"typeId": "tax-category", "id": tax["id"]},
            "zoneRates": [
                {
                    "zone": {"typeId": "zone", "id": zone["id"]},
                    "shippingRates": [{"price": {"currencyCode": "EUR", "centAmount": 900}}],
                }
            ],
            "isDefault": False,
        },
    )


async def test_shipping_method_is_created_read_and_expanded_on_an_imported_order(ct):
    method = await shipping_method(ct)
    item = await product(ct, publish=True)
    order = await ct.create(
        "orders/import",
        {
            "orderNumber": unique("order"),
            "totalPrice": {"currencyCode": "EUR", "centAmount": 2380},
            "lineItems": [
                {
                    "name": {"en": "Thing"},
                    "variant": {"sku": f"{item['key']}-sku"},
                    "price": {"value": {"currencyCode": "EUR", "centAmount": 1190}},
                    "quantity": 2,
                    "taxRate": {
                        "name": "19%",
                        "amount": 0.19,
                        "includedInPrice": True,
                        "country": "DE",
                    },
                }
            ],
            "shippingAddress": {"country": "DE"},
            "shippingInfo": {
                "shippingMethodName": "Express",
                "price": {"currencyCode": "EUR", "centAmount": 900},
                "shippingRate": {"price": {"currencyCode": "EUR", "centAmount": 900}},
                "shippingMethod": {"typeId": "shipping-method", "id": method["id"]},
            },
        },
    )

    by_key = await ct.get_by_key("shipping-methods", method["key"])
    shown = await ct.get_by_id("orders", order["id"], {"expand": "shippingInfo.shippingMethod"})
    (line,) = shown["lineItems"]

    assert by_key["id"] == method["id"]
    assert shown["shippingInfo"]["shippingMethod"]["obj"]["key"] == method["key"]
    assert line["taxedPrice"]["totalGross"]["centAmount"] == 2380
    assert line["taxedPrice"]["totalNet"]["centAmount"] == 2000
    assert line["taxedPricePortions"] == []


async def test_order_payments_expand(ct, backend):
    if backend.name == "npm-mock":
        pytest.skip("npm mock 4.4.0 orders/import drops paymentInfo")
    payment = await ct.create(
        "payments",
        {"key": unique("pay"), "amountPlanned": {"currencyCode": "EUR", "centAmount": 100}},
    )
    order = await ct.create(
        "orders/import",
        {
            "orderNumber": unique("order"),
            "totalPrice": {"currencyCode": "EUR", "centAmount": 100},
            "lineItems": [],
            "paymentInfo": {"payments": [{"typeId": "payment", "id": payment["id"]}]},
        },
    )

    shown = await ct.get_by_id("orders", order["id"], {"expand": "paymentInfo.payments[*]"})

    assert shown["paymentInfo"]["payments"][0]["obj"]["key"] == payment["key"]


# --- issue 12: project messages settings and the Messages Query API ------------------------------


async def test_project_messages_settings_are_read_and_changed(ct):
    from ctbridge.commercetools.catchup import messages_settings

    project = await ct.project()
    changed = await ct.update_project(
        project["version"],
        [
            {
                "action": "changeMessagesConfiguration",
                "messagesConfiguration": {"enabled": True, "deleteDaysAfterCreation": 30},
            }
        ],
    )
    settings = await messages_settings(ct)

    assert changed["messages"] == {"enabled": True, "deleteDaysAfterCreation": 30}
    assert (settings.enabled, settings.keep_days) == (True, 30)


async def test_catch_up_reads_inventory_messages_once_in_created_at_order(ct, backend):
    from datetime import UTC, datetime, timedelta

    from ctbridge.commercetools.catchup import catch_up

    if backend.name == "npm-mock":
        # The npm mock 4.4.0 records no messages and has no GET /{projectKey}/messages route:
        # checked here so that the day it gains one, this case is moved to both backends.
        with pytest.raises(NotFound):
            await ct.query("messages", limit=1)
        return
    project = await ct.project()
    await ct.update_project(
        project["version"],
        [
            {
                "action": "changeMessagesConfiguration",
                "messagesConfiguration": {"enabled": True, "deleteDaysAfterCreation": 15},
            }
        ],
    )
    since = datetime.now(UTC) - timedelta(seconds=5)
    skus = [unique("catchup") for _ in range(5)]
    for sku in skus:
        await inventory_entry(ct, sku, 1)

    class Collect:
        def __init__(self) -> None:
            self.messages: list[dict[str, Any]] = []

        async def accept(self, body: bytes, headers: object = None) -> Any:
            import json

            self.messages.append(json.loads(body))
            return type("Result", (), {"status": "accepted"})()

    intake = Collect()
    report = await catch_up(ct, intake, ["InventoryEntryCreated"], since, page_size=2)
    ours = [m for m in intake.messages if m["inventoryEntry"]["sku"] in skus]

    assert [m["inventoryEntry"]["sku"] for m in ours] == skus
    assert len({m["id"] for m in intake.messages}) == report.fetched == len(intake.messages)
    stamps = [(m["createdAt"], m["id"]) for m in intake.messages]
    assert stamps == sorted(stamps)
