"""An order placed in commercetools and created in Fluent, for the Fluent → commercetools tests."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy import select
from tests.connectors.fluent.ct_fixtures import money

from ctbridge.commercetools.messages import to_message
from ctbridge.engine.tables import tasks

SEQUENCE = itertools.count(1)


def order_draft() -> dict[str, Any]:
    return {
        "orderNumber": f"N-{uuid.uuid4().hex[:6]}",
        "customerEmail": "grace@example.com",
        "totalPrice": money(6997),
        "lineItems": [
            {
                "productId": "p-1",
                "name": {"en-US": "Shirt"},
                "variant": {"sku": "shirt-m"},
                "price": {"value": money(1999)},
                "quantity": 3,
            },
            {
                "productId": "p-2",
                "name": {"en-US": "Cap"},
                "variant": {"sku": "cap"},
                "price": {"value": money(1000)},
                "quantity": 1,
            },
        ],
        "shippingAddress": {
            "firstName": "Grace",
            "lastName": "Hopper",
            "streetName": "Navy Rd",
            "city": "Arlington",
            "postalCode": "22201",
            "country": "US",
        },
        "shippingInfo": {
            "shippingMethodName": "Standard",
            "price": money(0),
            "shippingRate": {"price": money(0)},
        },
    }


async def placed_order(ct: Any, fluent: Any, engine: Any) -> tuple[dict[str, Any], str]:
    """The ct order (as now stored) and the ref of its Fluent order, created through ctbridge."""
    fluent.seed_product("shirt-m")
    fluent.seed_product("cap")
    order = ct.create("orders/import", order_draft())
    message = to_message(
        {
            "notificationType": "Message",
            "id": str(uuid.uuid4()),
            "type": "OrderCreated",
            "resource": {"typeId": "order", "id": order["id"]},
            "sequenceNumber": next(SEQUENCE),
            "resourceVersion": order["version"],
            "order": order,
        }
    )
    await engine.runtime.enqueue(message, connectors=["fluent"])
    await engine.run_until_idle(timeout=20)
    ref = f"HD_{order['id']}"
    assert [o["ref"] for o in fluent.entities("ORDER")].count(ref) == 1
    return ct.get("orders", order["id"]), ref


async def task_outcomes(engine: Any, message_type: str) -> list[tuple[str, str | None]]:
    async with engine.store.begin() as conn:
        rows = await conn.execute(
            select(tasks.c.status, tasks.c.last_error)
            .where(tasks.c.type == message_type)
            .order_by(tasks.c.id)
        )
        return [(row.status, row.last_error) for row in rows]
