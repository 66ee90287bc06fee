"""Loading a generated catalog: into the emulator directly, and over HTTP through the client."""

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest

from ctbridge.commercetools.client import CommercetoolsClient
from ctbridge.sandbox.catalog import generate
from ctbridge.sandbox.catalog.references import UnresolvedReference
from ctbridge.sandbox.catalog.seeding import SeedingFailed, seed_commercetools, seed_emulator
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer

EXPECTED_ENDPOINTS = {
    "product-types": "product_types",
    "channels": "channels",
    "categories": "categories",
    "products": "products",
    "inventory": "inventory",
    "customers": "customers",
    "payments": "payments",
    "orders/import": "orders",
}
STORED_AS = {"orders/import": "orders"}


@pytest.fixture(scope="module")
def catalog():
    return generate(seed=41, products=35, orders=40, customers=12, awkward=True)


@pytest.fixture(scope="module")
def seeded(catalog):
    emu = CommercetoolsEmulator()
    return emu, seed_emulator(emu, catalog)


def _ids_by_key(emu, resource):
    return {r["key"]: r["id"] for r in emu.all(resource) if r.get("key")}


def test_every_resource_of_the_catalog_is_created_in_the_emulator(seeded, catalog):
    emu, result = seeded
    for endpoint, field in EXPECTED_ENDPOINTS.items():
        expected = len(getattr(catalog, field))
        assert result.created[endpoint] == expected, endpoint
        assert len(emu.all(STORED_AS.get(endpoint, endpoint))) == expected, endpoint


def test_endpoints_the_emulator_lacks_are_reported_not_fatal(seeded):
    _, result = seeded
    assert set(result.unsupported) <= {"tax-categories", "customer-groups", "cart-discounts"}
    assert not set(result.unsupported) & set(EXPECTED_ENDPOINTS)


def test_keys_are_resolved_to_the_ids_the_emulator_assigned(seeded, catalog):
    emu, result = seeded
    channel_ids = _ids_by_key(emu, "channels")
    category_ids = set(_ids_by_key(emu, "categories").values())
    assert {result.id_of("channel", key) for key in channel_ids} == set(channel_ids.values())
    for entry in emu.all("inventory"):
        if "supplyChannel" in entry:
            assert entry["supplyChannel"]["id"] in channel_ids.values()
    for product in emu.all("products"):
        for category in product["masterData"]["current"]["categories"]:
            assert category["id"] in category_ids


def test_orders_belong_to_their_customers_and_payments(seeded, catalog):
    emu, result = seeded
    orders = {o["orderNumber"]: o for o in emu.all("orders")}
    payment_ids = {p["id"] for p in emu.all("payments")}
    for seed in catalog.orders:
        order = orders[seed.draft["orderNumber"]]
        if seed.customer_key:
            assert order["customerId"] == result.id_of("customer", seed.customer_key)
        else:
            assert "customerId" not in order
        linked = [p["id"] for p in order.get("paymentInfo", {}).get("payments", [])]
        assert linked == [result.id_of("payment", key) for key in seed.payment_keys]
        assert set(linked) <= payment_ids


def test_imported_orders_keep_the_discounted_line_totals(seeded, catalog):
    emu, _ = seeded
    orders = {o["orderNumber"]: o for o in emu.all("orders")}
    for seed in catalog.orders:
        order = orders[seed.draft["orderNumber"]]
        assert order["totalPrice"]["centAmount"] == seed.draft["totalPrice"]["centAmount"]
        for imported, drafted in zip(order["lineItems"], seed.draft["lineItems"], strict=True):
            assert imported["totalPrice"]["centAmount"] == drafted["totalPrice"]["centAmount"]


def test_tracking_orders_reserve_the_stock_the_catalog_reports(seeded, catalog):
    emu, _ = seeded
    channel_keys = {v: k for k, v in _ids_by_key(emu, "channels").items()}
    expected = catalog.available_quantities()
    assert catalog.reservations
    for entry in emu.all("inventory"):
        channel = channel_keys.get(entry.get("supplyChannel", {}).get("id"))
        assert entry["availableQuantity"] == expected[(entry["sku"], channel)]


def test_loading_the_same_catalog_twice_fails_naming_the_resource(catalog):
    emu = CommercetoolsEmulator()
    small = generate(seed=41, products=3, orders=2, customers=2)
    seed_emulator(emu, small)
    with pytest.raises(SeedingFailed) as failure:
        seed_emulator(emu, small)
    assert failure.value.resource in EXPECTED_ENDPOINTS
    assert failure.value.__cause__ is not None


async def test_loading_over_http_creates_what_direct_loading_creates(catalog, seeded):
    _, direct = seeded
    emu = CommercetoolsEmulator()
    with BackgroundServer(emu.app) as server:
        client = CommercetoolsClient(
            project_key=emu.project_key,
            client_id=emu.client_id,
            client_secret=emu.client_secret,
            api_url=server.url,
            auth_url=server.url,
            scopes=[f"manage_project:{emu.project_key}"],
        )
        try:
            result = await seed_commercetools(client, catalog, concurrency=4, sandbox_fields=True)
        finally:
            await client.aclose()
    assert result.created == direct.created
    assert result.unsupported == direct.unsupported
    assert len(emu.all("orders")) == len(catalog.orders)
    assert {p["key"] for p in emu.all("products") if p.get("key")} == {
        p["key"] for p in catalog.products if p.get("key")
    }


def _npm_mock_support():
    name = "ctbridge_test_support_ctmock"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "support" / "ctmock" / "mock_process.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


async def test_the_independent_commercetools_mock_accepts_every_draft():
    support = _npm_mock_support()
    mock = support.CommercetoolsMockProcess()
    try:
        mock.start()
    except support.MockStartError as error:
        pytest.fail(f"commercetools mock could not start: {error}")
    catalog = generate(seed=42, products=14, orders=12, customers=5, awkward=True)
    try:
        client = mock.client()
        try:
            result = await seed_commercetools(client, catalog, concurrency=4)
            page = await client.query("inventory", limit=500)
        finally:
            await client.aclose()
    finally:
        mock.stop()
    assert result.unsupported == []
    assert result.created["orders/import"] == len(catalog.orders)
    assert result.created["tax-categories"] == 2
    assert len(page["results"]) == len(catalog.inventory)


def test_a_reference_to_a_resource_not_in_the_catalog_fails_before_sending():
    complete = generate(seed=43, products=5, orders=6, customers=3)
    without_customers = dataclasses.replace(complete, customers=())
    emu = CommercetoolsEmulator()
    with pytest.raises(SeedingFailed) as failure:
        seed_emulator(emu, without_customers)
    assert failure.value.resource == "payments"
    assert isinstance(failure.value.__cause__, UnresolvedReference)
    assert "customer" in str(failure.value)
