"""The Fluent connector end to end: ct emulator → engine → Fluent emulator over real HTTP."""

import asyncio
import itertools
import uuid

import httpx
from tests.connectors.fluent.ct_fixtures import money

from ctbridge.commercetools.messages import to_message
from ctbridge.connectors.fluent.to_fluent.category_mapping import fluent_category_ref
from ctbridge.engine.inbox import Inbox
from ctbridge.web.app import create_app

SEQUENCE = itertools.count(1)


def message(kind: str, resource: str, resource_id: str, **payload) -> object:
    return to_message(
        {
            "notificationType": "Message",
            "id": str(uuid.uuid4()),
            "type": kind,
            "resource": {"typeId": resource, "id": resource_id},
            "sequenceNumber": next(SEQUENCE),
            **payload,
        }
    )


ROOT = fluent_category_ref("root")
SHIRTS = fluent_category_ref("shirts")


def seed_catalog(ct, products: int = 1) -> list[dict]:
    product_type = ct.create(
        "product-types", {"name": "basic", "description": "basic", "attributes": []}
    )
    root = ct.create(
        "categories", {"key": "root", "name": {"en-US": "Root"}, "slug": {"en-US": "root"}}
    )
    child = ct.create(
        "categories",
        {
            "key": "shirts",
            "name": {"en-US": "Shirts"},
            "slug": {"en-US": "shirts"},
            "parent": {"typeId": "category", "id": root["id"]},
        },
    )
    created = []
    for n in range(products):
        created.append(
            ct.create(
                "products",
                {
                    "key": f"shirt-{n}",
                    "productType": {"typeId": "product-type", "id": product_type["id"]},
                    "name": {"en-US": f"Shirt {n}"},
                    "slug": {"en-US": f"shirt-{n}"},
                    "categories": [{"typeId": "category", "id": child["id"]}],
                    "masterVariant": {"sku": f"shirt-{n}-s", "prices": [{"value": money(1999)}]},
                    "variants": [{"sku": f"shirt-{n}-m"}, {"sku": f"shirt-{n}-l"}],
                    "publish": True,
                },
            )
        )
    return created


async def test_product_published_sends_categories_then_the_standard_product_then_its_variants(
    ct, fluent, engine
):
    product = seed_catalog(ct)[0]
    projection = ct.projection(product["id"], staged=False)
    await engine.runtime.enqueue(
        message("ProductPublished", "product", product["id"], productProjection=projection)
    )
    await engine.run_until_idle(timeout=20)
    fluent.wait_for_events(5)
    log = [(e["name"], e["attributes"]["ref"], e["eventStatus"]) for e in fluent.events()]
    assert log == [
        ("UPSERT_CATEGORY", ROOT, "COMPLETE"),
        ("UPSERT_CATEGORY", SHIRTS, "COMPLETE"),
        ("UPSERT_PRODUCT", "shirt-0", "COMPLETE"),
        ("UPSERT_PRODUCT", "shirt-0-s", "COMPLETE"),
        ("UPSERT_PRODUCT", "shirt-0-m", "COMPLETE"),
        ("UPSERT_PRODUCT", "shirt-0-l", "COMPLETE"),
    ]
    assert fluent.product("shirt-0")["categoryRefs"] == [SHIRTS]
    # The tree arrives as a tree: the child names its parent the way the contract spells it.
    parents = {c["ref"]: c["parentCategory"] for c in fluent.entities("CATEGORY")}
    assert parents == {ROOT: None, SHIRTS: ROOT}


async def test_unpublishing_a_product_makes_it_inactive_in_fluent(ct, fluent, engine):
    product = seed_catalog(ct)[0]
    projection = ct.projection(product["id"], staged=False)
    await engine.runtime.enqueue(
        message("ProductPublished", "product", product["id"], productProjection=projection)
    )
    await engine.run_until_idle(timeout=20)
    ct.update("products", product["id"], [{"action": "unpublish"}])
    await engine.runtime.enqueue(message("ProductUnpublished", "product", product["id"]))
    await engine.run_until_idle(timeout=20)
    fluent.wait_for_events(5)
    assert fluent.product("shirt-0")["status"] == "INACTIVE"
    assert fluent.product("shirt-0-m")["status"] == "INACTIVE"


def guest_order(order_id: str, payments: list[dict] | None = None) -> dict:
    line = {
        "id": f"{order_id}-li",
        "variant": {"id": 1, "sku": "SKU-1"},
        "quantity": 1,
        "price": {"value": money(1000)},
        "totalPrice": money(1000),
    }
    order = {
        "id": order_id,
        "customerEmail": "guest@example.com",
        "totalPrice": money(1400),
        "lineItems": [line],
        "shippingAddress": {
            "firstName": "Grace",
            "lastName": "Hopper",
            "streetName": "Navy Rd",
            "city": "Arlington",
            "country": "US",
            "postalCode": "22201",
        },
        "shippingInfo": {"price": money(400)},
    }
    if payments:
        order["paymentInfo"] = {
            "payments": [{"typeId": "payment", "id": p["id"]} for p in payments]
        }
    return order


def create_payment(ct, *transactions) -> dict:
    return ct.create(
        "payments",
        {
            "amountPlanned": money(1400),
            "paymentMethodInfo": {"paymentInterface": "adyen", "method": "CARD"},
            "transactions": list(transactions),
        },
    )


async def test_a_guest_order_reaches_fluent_with_a_customer_created_by_email(ct, fluent, engine):
    fluent.seed_product("SKU-1", standard_ref="P-1")
    await engine.runtime.enqueue(
        message("OrderCreated", "order", "o-guest", order=guest_order("o-guest"))
    )
    await engine.run_until_idle(timeout=20)
    [order] = fluent.entities("ORDER")
    [customer] = fluent.entities("CUSTOMER")
    assert order["ref"] == "HD_o-guest" and order["customerId"] == customer["id"]
    assert (customer["username"], customer["firstName"], customer["lastName"]) == (
        "guest@example.com",
        "Grace",
        "Hopper",
    )
    assert order["fulfilmentChoice"]["fulfilmentPrice"] == 4


async def test_a_redelivered_order_creates_one_fluent_order_and_one_set_of_transactions(
    ct, fluent, engine
):
    fluent.seed_product("SKU-1", standard_ref="P-1")
    first = create_payment(ct, {"type": "Authorization", "amount": money(1400), "state": "Success"})
    second = create_payment(
        ct,
        {"type": "Charge", "amount": money(1000), "state": "Success"},
        {"type": "Charge", "amount": money(400), "state": "Failure"},
    )
    order = guest_order("o-multi", [first, second])
    await engine.runtime.enqueue(message("OrderCreated", "order", "o-multi", order=order))
    await engine.run_until_idle(timeout=20)
    await engine.runtime.enqueue(
        message("OrderCreated", "order", "o-multi", order=order)
    )  # new message id
    await engine.run_until_idle(timeout=20)
    assert [o["ref"] for o in fluent.entities("ORDER")] == ["HD_o-multi"]
    transactions = fluent.entities("FINANCIAL_TRANSACTION")
    assert sorted(t["type"] for t in transactions) == ["AUTHORIZATION", "PAYMENT"]
    assert fluent.operations["createOrder"] == 1


async def test_a_retry_after_the_order_was_created_only_adds_missing_transactions(
    ct, fluent, engine
):
    fluent.seed_product("SKU-1", standard_ref="P-1")
    await engine.runtime.enqueue(
        message("OrderCreated", "order", "o-late", order=guest_order("o-late"))
    )
    await engine.run_until_idle(timeout=20)
    payment = create_payment(ct, {"type": "Charge", "amount": money(1400), "state": "Success"})
    await engine.runtime.enqueue(
        message("OrderCreated", "order", "o-late", order=guest_order("o-late", [payment]))
    )
    await engine.run_until_idle(timeout=20)
    assert len(fluent.entities("ORDER")) == 1
    [transaction] = fluent.entities("FINANCIAL_TRANSACTION")
    assert transaction["ref"] == payment["transactions"][0]["id"]


async def test_a_click_and_collect_order_names_its_pickup_location(ct, fluent, engine):
    fluent.seed_product("SKU-1", standard_ref="P-1")
    order = guest_order("o-cc")
    order["custom"] = {
        "type": {"typeId": "type", "id": "t"},
        "fields": {"pickupLocationRef": "LOC_STORE_1"},
    }
    await engine.runtime.enqueue(message("OrderCreated", "order", "o-cc", order=order))
    await engine.run_until_idle(timeout=20)
    [created] = fluent.entities("ORDER")
    assert (
        created["ref"] == "CC_o-cc"
        and created["fulfilmentChoice"]["pickupLocationRef"] == "LOC_STORE_1"
    )


async def test_customer_created_then_changed_updates_the_same_fluent_customer(ct, fluent, engine):
    customer = ct.create(
        "customers",
        {"email": "ann@example.com", "password": "pw", "firstName": "Ann", "lastName": "Lee"},
    )
    customer = customer.get("customer", customer)
    await engine.runtime.enqueue(
        message("CustomerCreated", "customer", customer["id"], customer=customer)
    )
    await engine.run_until_idle(timeout=20)
    ct.update("customers", customer["id"], [{"action": "setLastName", "lastName": "Smith"}])
    await engine.runtime.enqueue(
        message("CustomerLastNameSet", "customer", customer["id"], lastName="Smith")
    )
    await engine.run_until_idle(timeout=20)
    [stored] = fluent.entities("CUSTOMER")
    assert (stored["username"], stored["lastName"]) == ("ann@example.com", "Smith")


async def test_the_ingestion_endpoint_needs_basic_auth_and_starts_a_resumable_catalog_load(
    ct, fluent, engine
):
    seed_catalog(ct, products=10)
    transport = httpx.ASGITransport(app=create_app(engine))  # same event loop as the engine
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ctbridge", timeout=10
    ) as http:
        denied = await http.get("/service/fluent-catalog-ingestion", auth=("sandbox", "wrong"))
        assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Basic")
        anonymous = await http.get("/service/fluent-catalog-ingestion")
        assert anonymous.status_code == 401
        started = await http.get(
            "/service/fluent-catalog-ingestion", auth=("sandbox", "s3cret:with-colon")
        )
        assert started.status_code == 202
        run_id = started.json()["runId"]
    run = None
    for _ in range(200):
        run = await engine.jobs.get(run_id)
        if run.status not in ("running", "queued"):
            break
        await asyncio.sleep(0.05)
    assert run.status == "succeeded", run.error
    assert run.report.counts["products_sent"] == 10 and run.report.counts["categories_sent"] == 2
    fluent.wait_for_events(10)
    standard = [p for p in fluent.entities("PRODUCT") if p["type"] == "STANDARD"]
    variants = [p for p in fluent.entities("PRODUCT") if p["type"] == "VARIANT"]
    assert len(standard) == 10 and len(variants) == 30


async def test_an_order_whose_product_is_not_yet_in_the_catalogue_is_retried_not_dead_lettered(
    ct, fluent, engine
):
    await engine.runtime.enqueue(
        message("OrderCreated", "order", "o-early", order=guest_order("o-early"))
    )
    await engine.run_until_idle(timeout=20)
    assert fluent.entities("ORDER") == []
    assert (await Inbox(engine.store).dead_letters()) == []
    fluent.seed_product("SKU-1", standard_ref="P-1")  # Fluent finished ingesting the product
    await engine.run_until_idle(timeout=20, wait_for_retries=True)
    [order] = fluent.entities("ORDER")
    assert order["ref"] == "HD_o-early"
