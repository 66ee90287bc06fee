"""OrderCreated → NewStore order injection, idempotent across redeliveries and replays."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import structlog

from ctbridge.commercetools.errors import NotFound
from ctbridge.connectors.newstore import canonical_json
from ctbridge.connectors.newstore.errors import NewStoreRejected, OrderMappingError
from ctbridge.connectors.newstore.order_mapping import (
    OrderReferences,
    build_order,
    payments_balance,
    referenced_ids,
)
from ctbridge.connectors.newstore.payment_mapping import map_payment
from ctbridge.connectors.newstore.shipping_mapping import map_shipping_option
from ctbridge.engine.connector import Outcome
from ctbridge.engine.message import Message
from ctbridge.errors import Permanent

if TYPE_CHECKING:
    from ctbridge.connectors.newstore.connector import NewStoreConnector

log = structlog.get_logger("ctbridge.newstore")

SENT_ORDERS = "newstore.orders"
MAX_REASON = 1000


class OrderInjection:
    """Sends each commercetools order to NewStore exactly once, with the same bytes every time.

    The first payload built for an order is stored before it is sent, and every retry sends
    those stored bytes: NewStore is idempotent on external_id only for an identical payload,
    and the order (its payments, say) may have changed since. A permanent failure (mapping,
    validation, unknown product, conflicting payload) forgets the stored payload, so a replay
    after fixing the cause maps afresh, and optionally writes the reason onto the order.
    """

    def __init__(self, connector: NewStoreConnector) -> None:
        self.connector = connector
        self.runtime = connector.runtime
        self.settings = connector.settings

    async def on_order_created(self, message: Message) -> Outcome | None:
        order = message.payload.get("order") if message.payload_included else None
        order_id = (
            (order or {}).get("id")
            or message.resource_id
            or (message.payload.get("resource") or {}).get("id")
        )
        if not order_id:
            raise Permanent("OrderCreated message names no order")
        if order is None:
            order = await self.runtime.commercetools.get_by_id("orders", order_id)
        record = await self.runtime.state.get(SENT_ORDERS, order_id)
        if record and record.get("status") == "created":
            return Outcome("skipped", f"already in NewStore as {record.get('newstore_id')}")
        if record:
            body = record["body"].encode()
            external_id = record["external_id"]
        else:
            try:
                payload = await self.payload(order)
            except OrderMappingError as error:
                await self._record_failure(order, error.reason)
                raise
            body = canonical_json.dumps(payload)
            external_id = payload["external_id"]
            await self.runtime.state.put(
                SENT_ORDERS,
                order_id,
                {"status": "sending", "external_id": external_id, "body": body.decode()},
            )
        try:
            response = await self.connector.newstore.fulfill_order(body)
        except NewStoreRejected as error:
            await self.runtime.state.delete(SENT_ORDERS, order_id)
            await self._record_failure(order, error.reason)
            raise
        newstore_id = response.get("id")
        await self.runtime.state.put(
            SENT_ORDERS,
            order_id,
            {"status": "created", "external_id": external_id, "newstore_id": newstore_id},
        )
        log.info("newstore.order_injected", order_id=order_id, newstore_id=newstore_id)
        await self._record_success(order, newstore_id)
        return None

    async def payload(self, order: dict[str, Any]) -> dict[str, Any]:
        """The NewStore payload for `order`, with the references it needs fetched."""
        refs = await self.references(order)
        try:
            payload = build_order(
                order,
                refs,
                self.connector.rules,
                payment_mapper=self.runtime.mapper("newstore.payment", map_payment),
                shipping_mapper=self.runtime.mapper("newstore.shipping", map_shipping_option),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            # Mapping is pure: the same order fails the same way on every attempt.
            raise OrderMappingError(f"the order cannot be mapped: {error!r}") from error
        balance = payments_balance(payload, order)
        if balance:
            log.warning(
                "newstore.payments_do_not_cover_order",
                order_id=order["id"],
                balance_minor_units=balance,
            )
        return payload

    async def references(self, order: dict[str, Any]) -> OrderReferences:
        ids = referenced_ids(order)
        ct = self.runtime.commercetools

        async def fetch(resource: str, id: str) -> dict[str, Any] | None:
            try:
                return await ct.get_by_id(resource, id)
            except NotFound:
                log.warning("newstore.reference_missing", resource=resource, id=id)
                return None

        methods, codes, payments = await asyncio.gather(
            asyncio.gather(*(fetch("shipping-methods", i) for i in ids["shipping-methods"])),
            asyncio.gather(*(fetch("discount-codes", i) for i in ids["discount-codes"])),
            asyncio.gather(*(fetch("payments", i) for i in ids["payments"])),
        )
        return OrderReferences(
            shipping_methods={m["id"]: m for m in methods if m},
            discount_codes={c["id"]: c for c in codes if c},
            payments=[p for p in payments if p],
        )

    async def _record_failure(self, order: dict[str, Any], reason: str) -> None:
        log.warning("newstore.order_rejected", order_id=order.get("id"), reason=reason)
        if self.settings.error_field:
            await self._set_field(order, self.settings.error_field, reason[:MAX_REASON])

    async def _record_success(self, order: dict[str, Any], newstore_id: str | None) -> None:
        if self.settings.order_id_field and newstore_id:
            await self._set_field(order, self.settings.order_id_field, newstore_id)
        if self.settings.error_field and (
            ((order.get("custom") or {}).get("fields") or {}).get(self.settings.error_field)
        ):
            await self._set_field(order, self.settings.error_field, None)

    async def _set_field(self, order: dict[str, Any], name: str, value: str | None) -> None:
        type_key = self.settings.custom_type_key

        def actions(current: dict[str, Any]) -> list[dict[str, Any]]:
            custom = current.get("custom")
            if custom:
                if (custom.get("fields") or {}).get(name) == value:
                    return []
                action: dict[str, Any] = {"action": "setCustomField", "name": name}
                if value is not None:
                    action["value"] = value
                return [action]
            if type_key and value is not None:
                return [
                    {
                        "action": "setCustomType",
                        "type": {"typeId": "type", "key": type_key},
                        "fields": {name: value},
                    }
                ]
            return []

        try:
            await self.runtime.commercetools.update("orders", order["id"], actions)
        except Exception as error:  # noqa: BLE001 - writing the note must not mask the outcome
            log.warning("newstore.order_note_failed", order_id=order.get("id"), error=str(error))
