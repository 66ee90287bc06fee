"""OrderCreated → NewStore, end to end through the engine, with redeliveries and failures."""

import copy
from decimal import Decimal
from functools import partial

import pytest
from tests.connectors.newstore.ct_orders import (
    ADDRESS,
    line_item,
    order,
    shipping_info,
    tax_rate,
)

from ctbridge.commercetools.messages import to_message
from ctbridge.connectors.newstore.connector import NewStoreConnector
from ctbridge.connectors.newstore.handlers import SENT_ORDERS
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.registry import Registry
from ctbridge.host import Engine
from ctbridge.settings import EngineSettings

EUR = lambda cents: {"currencyCode": "EUR", "centAmount": cents}  # noqa: E731


def seed_order(world, *, order_number="1001", sku="SKU-1", with_payment=True, **extra):
    world.newstore.set_stock("SKU-1", "DC1", 10)
    payments = []
    if with_payment:
        payment = world.ct.create(
            "payments",
            {
                "amountPlanned": EUR(4475),
                "interfaceId": "pi_1",
                "paymentMethodInfo": {"paymentInterface": "STRIPE", "method": "card"},
                "transactions": [
                    {
                        "type": "Charge",
                        "amount": EUR(4475),
                        "state": "Success",
                        "interactionId": "ch_1",
                        "timestamp": "2026-11-20T10:01:00.000Z",
                    }
                ],
            },
        )
        payments = [{"typeId": "payment", "id": payment["id"]}]
    draft = {
        "orderNumber": order_number,
        "customerEmail": "ada@example.com",
        "customerId": "customer-1",
        "locale": "de-DE",
        "lineItems": [
            {
                "name": {"en": "T-shirt"},
                "variant": {"sku": sku},
                "price": {"value": EUR(1990)},
                "quantity": 2,
                "taxRate": tax_rate(0.19),
            }
        ],
        "totalPrice": EUR(4475),
        "taxedPrice": {"totalNet": EUR(3761), "totalGross": EUR(4475), "totalTax": EUR(714)},
        "shippingInfo": {
            "shippingMethodName": "Standard",
            "price": EUR(495),
            "taxRate": tax_rate(0.19),
            "taxedPrice": {"totalNet": EUR(416), "totalGross": EUR(495), "totalTax": EUR(79)},
        },
        "shippingAddress": ADDRESS,
        "billingAddress": ADDRESS,
        "paymentInfo": {"payments": payments},
        **extra,
    }
    created = world.ct.create("orders", draft)
    document = next(
        m for m in world.ct.messages("OrderCreated") if m["resource"]["id"] == created["id"]
    )
    return created, document


async def deliver(engine, *documents):
    stored = [await engine.runtime.enqueue(to_message(d)) for d in documents]
    await engine.run_until_idle(timeout=60)
    return stored


def minor(value, digits):
    return int(Decimal(value).scaleb(digits))


def charged(price):
    """An item's price less its item-level and order-level discounts."""
    levels = ("item_discount_info", "item_order_discount_info")
    return price["item_price"] - sum(
        e["price_adjustment"] for k in levels for e in price.get(k, [])
    )


async def test_an_order_with_a_priced_unmapped_custom_line_item_is_dead_lettered_with_its_reason(
    world,
):
    gift_wrap = {
        "name": {"en": "Gift wrap"},
        "key": "gift-wrap",
        "slug": "gift-wrap",
        "money": EUR(544),
        "totalPrice": EUR(544),
        "quantity": 1,
        "taxRate": tax_rate(0.19),
        "taxedPrice": {"totalNet": EUR(457), "totalGross": EUR(544), "totalTax": EUR(87)},
    }
    _, document = seed_order(world, customLineItems=[gift_wrap], totalPrice=EUR(5019))
    engine = await world.engine()
    try:
        await deliver(engine, document)
        dead = await dead_letters(engine)
    finally:
        await engine.close()
    assert len(dead) == 1 and dead[0].attempts == 1
    assert "'gift-wrap' (5.44) has no NewStore product" in dead[0].last_error
    assert world.newstore.count("POST", "/v0/d/fulfill_order") == 0


async def test_an_order_created_in_commercetools_reaches_newstore(world):
    created, document = seed_order(world)
    engine = await world.engine(
        payment_methods={"STRIPE": {"processor": "stripe", "method": "credit_card"}}
    )
    try:
        await deliver(engine, document)
    finally:
        await engine.close()
    sent = world.newstore.orders["1001"].payload
    assert sent["shop"] == "storefront"
    assert sent["customer_email"] == "ada@example.com"
    assert sent["price_method"] == "tax_included"
    units = sent["shipments"][0]["items"]
    assert [(u["product_id"], u["price"]["item_price"]) for u in units] == [
        ("SKU-1", Decimal("19.90")),
        ("SKU-1", Decimal("19.90")),
    ]
    tax = sum(t["amount"] for u in units for t in u["price"]["item_tax_lines"])
    assert tax + sent["shipments"][0]["shipping_option"]["tax"] == Decimal("7.14")
    assert sent["shipments"][0]["shipping_option"]["service_level_identifier"] == "GROUND"
    assert sent["payments"] == [
        {
            "type": "captured",
            "amount": Decimal("44.75"),
            "method": "credit_card",
            "processor": "stripe",
            "processed_at": "2026-11-20T10:01:00.000Z",
            "correlation_ref": "ch_1",
        }
    ]
    assert {"name": "ct_order_id", "value": created["id"]} in sent["extended_attributes"]
    assert world.newstore.stock("SKU-1", "DC1")["atp"] == 8


async def test_a_redelivered_order_created_makes_one_newstore_order(world):
    _, document = seed_order(world)
    engine = await world.engine()
    try:
        first, duplicate = await deliver(engine, document, document)
        replayed = {**document, "id": "another-delivery-id"}
        await deliver(engine, replayed)
    finally:
        await engine.close()
    assert (first, duplicate) == (True, False)
    assert list(world.newstore.orders) == ["1001"]
    assert world.newstore.count("POST", "/v0/d/fulfill_order") == 1


class LoseFirstOrderAnswer:
    """NewStore creates the order but the answer never arrives (a 502 from a proxy instead)."""

    def __init__(self, app):
        self.app, self.lost = app, False

    async def __call__(self, scope, receive, send):
        if self.lost or scope["type"] != "http" or scope["path"] != "/v0/d/fulfill_order":
            await self.app(scope, receive, send)
            return
        self.lost = True

        async def swallow(event):
            if event["type"] == "http.response.body" and not event.get("more_body"):
                await send({"type": "http.response.start", "status": 502, "headers": []})
                await send({"type": "http.response.body", "body": b""})

        await self.app(scope, receive, swallow)


@pytest.fixture
def lost_answer(wrap_newstore):
    wrap_newstore.append(LoseFirstOrderAnswer)


async def test_a_lost_answer_is_resent_with_the_same_bytes_and_creates_one_order(
    lost_answer, world
):
    _, document = seed_order(world)
    engine = await world.engine()
    try:
        await deliver(engine, document)
    finally:
        await engine.close()
    assert list(world.newstore.orders) == ["1001"]
    assert world.newstore.orders["1001"].requests == 2


async def test_a_retry_sends_the_first_payload_even_when_the_order_changed_since(world):
    created, document = seed_order(world)
    document = {k: v for k, v in document.items() if k != "order"} | {"payloadNotIncluded": {}}
    # NewStore is down until the order has changed: every order call fails, however many
    # attempts a fast (or slow) machine makes meanwhile — no assertion depends on timing.
    world.newstore.faults.configure(error_rate=1.0, error_status=503, paths=["/v0/d/fulfill_order"])
    engine = await world.engine()
    try:
        await engine.runtime.enqueue(to_message(document))
        assert await engine.worker.run_once() == 1
        stored = await engine.runtime.state.get(SENT_ORDERS, created["id"])
        assert stored["status"] == "sending"
        assert world.newstore.orders == {}
        world.ct.update(
            "orders", created["id"], [{"action": "setCustomerEmail", "email": "new@example.com"}]
        )
        world.newstore.faults.configure()
        await engine.run_until_idle(timeout=60, wait_for_retries=True)
    finally:
        await engine.close()
    assert world.newstore.orders["1001"].payload["customer_email"] == "ada@example.com"


async def test_a_message_without_payload_fetches_the_order(world):
    _, document = seed_order(world)
    document = {k: v for k, v in document.items() if k != "order"} | {"payloadNotIncluded": {}}
    engine = await world.engine()
    try:
        await deliver(engine, document)
    finally:
        await engine.close()
    assert list(world.newstore.orders) == ["1001"]


def order_sync_type(world):
    world.ct.create(
        "types",
        {
            "key": "order-sync",
            "name": {"en": "Order sync"},
            "resourceTypeIds": ["order"],
            "fieldDefinitions": [
                {
                    "name": name,
                    "label": {"en": name},
                    "required": False,
                    "type": {"name": "String"},
                    "inputHint": "SingleLine",
                }
                for name in ("newstoreError", "newstoreOrderId")
            ],
        },
    )


async def dead_letters(engine):
    return await Inbox(engine.store).dead_letters(connector="newstore")


async def test_an_unknown_product_is_dead_lettered_at_once_and_noted_on_the_order(world):
    order_sync_type(world)
    created, document = seed_order(world, sku="NOT-IN-NEWSTORE")
    engine = await world.engine(error_field="newstoreError", custom_type_key="order-sync")
    try:
        await deliver(engine, document)
        dead = await dead_letters(engine)
    finally:
        await engine.close()
    assert len(dead) == 1 and dead[0].attempts == 1
    assert "unknown product ids: NOT-IN-NEWSTORE" in dead[0].last_error
    note = world.ct.get("orders", created["id"])["custom"]["fields"]["newstoreError"]
    assert "NOT-IN-NEWSTORE" in note
    assert world.newstore.orders == {}


async def test_a_line_item_without_sku_is_dead_lettered_without_calling_newstore(world):
    _, document = seed_order(world)
    document = copy.deepcopy(document)
    del document["order"]["lineItems"][0]["variant"]["sku"]
    engine = await world.engine()
    try:
        await deliver(engine, document)
        dead = await dead_letters(engine)
    finally:
        await engine.close()
    assert "has no sku" in dead[0].last_error
    assert world.newstore.count("POST", "/v0/d/fulfill_order") == 0


async def test_the_newstore_order_id_is_written_back_when_configured(world):
    order_sync_type(world)
    created, document = seed_order(world)
    engine = await world.engine(order_id_field="newstoreOrderId", custom_type_key="order-sync")
    try:
        await deliver(engine, document)
    finally:
        await engine.close()
    fields = world.ct.get("orders", created["id"])["custom"]["fields"]
    assert fields["newstoreOrderId"] == world.newstore.orders["1001"].response["id"]


async def test_payment_and_shipping_mappers_can_be_replaced_by_an_extension(world):
    _, document = seed_order(world)
    registry = Registry()
    registry.set_mapper(
        "newstore.payment",
        lambda payment, order, rules: [
            {
                "type": "authorized",
                "amount": Decimal("44.75"),
                "method": "invoice",
                "processor": "acme-pay",
                "processed_at": "2026-11-20T10:00:00Z",
                "correlation_ref": payment["interfaceId"],
            }
        ],
    )
    registry.set_mapper(
        "newstore.shipping",
        lambda info, method, order, rules: {
            "service_level_identifier": "PICKUP",
            "price": Decimal("4.95"),
            "tax": Decimal("0.79"),
        },
    )
    engine = await Engine.open(
        EngineSettings(database_url=world.database_url, _env_file=None),
        commercetools_settings=world.ct_settings(),
        factories={"newstore": partial(NewStoreConnector, settings=world.settings())},
        registry=registry,
    )
    try:
        await deliver(engine, document)
    finally:
        await engine.close()
    sent = world.newstore.orders["1001"].payload
    assert [(p["processor"], p["correlation_ref"]) for p in sent["payments"]] == [
        ("acme-pay", "pi_1")
    ]
    assert sent["shipments"][0]["shipping_option"] == {
        "service_level_identifier": "PICKUP",
        "price": Decimal("4.95"),
        "tax": Decimal("0.79"),
    }


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("JPY", 0), ("KWD", 3)])
async def test_a_discounted_taxed_order_in_any_currency_arrives_with_exact_sums(
    world, currency, digits
):
    for sku in ("A", "B"):
        world.newstore.set_stock(sku, "DC1", 20)
    m = {"currency": currency, "digits": digits}
    lines = [
        line_item(
            "l1",
            "A",
            3333,
            3,
            tax=1597,
            product_discount=("pd-1", 3000),
            cart_discounts=[(1, 2500, [("cd-coupon", 500)])],
            **m,
        ),
        line_item("l2", "B", 1001, 7, tax=1120, **m),
    ]
    snapshot = order(
        lines,
        shipping=shipping_info(990, tax=158, discounted=490, **m),
        on_total=[("cd-order", 1111)],
        total_tax=2700,
        order_number=f"MC-{currency}",
        **m,
    )
    document = {
        "id": f"msg-{currency}",
        "notificationType": "Message",
        "type": "OrderCreated",
        "resource": {"typeId": "order", "id": snapshot["id"]},
        "resourceVersion": 1,
        "sequenceNumber": 1,
        "version": 1,
        "createdAt": "2026-11-20T10:00:00.000Z",
        "order": snapshot,
    }
    engine = await world.engine()
    try:
        await deliver(engine, document)
        assert await dead_letters(engine) == []
    finally:
        await engine.close()
    sent = world.newstore.orders[f"MC-{currency}"].payload
    units = sent["shipments"][0]["items"]
    option = sent["shipments"][0]["shipping_option"]
    assert len(units) == 10
    paid = sum(minor(charged(u["price"]), digits) for u in units) + minor(
        option["price"] - option["discount_info"][0]["price_adjustment"], digits
    )
    assert paid == snapshot["totalPrice"]["centAmount"]
    tax = sum(minor(t["amount"], digits) for u in units for t in u["price"]["item_tax_lines"])
    assert tax + minor(option["tax"], digits) == 2700
    discounts = units[0]["price"]
    assert discounts["item_discount_info"][0]["discount_ref"] == "pd-1+cd-coupon"
    assert discounts["item_order_discount_info"][0]["discount_ref"] == "cd-order"


async def test_an_order_the_mapping_cannot_read_is_dead_lettered_at_once(world):
    _, document = seed_order(world)
    document = copy.deepcopy(document)
    del document["order"]["lineItems"][0]["price"]
    engine = await world.engine()
    try:
        await deliver(engine, document)
        dead = await dead_letters(engine)
    finally:
        await engine.close()
    assert dead[0].attempts == 1
    assert "cannot be mapped" in dead[0].last_error
