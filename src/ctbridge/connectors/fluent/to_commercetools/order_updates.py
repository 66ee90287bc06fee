"""Applies Fluent order, fulfilment and consignment changes to the commercetools order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ctbridge.commercetools.errors import NotFound
from ctbridge.connectors.fluent.client import FluentClient, operations
from ctbridge.connectors.fluent.client.graphql_pages import edges
from ctbridge.connectors.fluent.to_commercetools.consignment_mapping import consignment_actions
from ctbridge.connectors.fluent.to_commercetools.custom_types import (
    DELIVERY_TYPE,
    LINE_ITEM_TYPE,
    PARCEL_TYPE,
)
from ctbridge.connectors.fluent.to_commercetools.fulfilment_mapping import fulfilment_actions
from ctbridge.connectors.fluent.to_commercetools.order_lookup import find_ct_order, order_key
from ctbridge.connectors.fluent.to_commercetools.status_mapping import status_actions
from ctbridge.connectors.fluent.to_commercetools.status_mapping_source import StatusMappingSource
from ctbridge.engine.connector import Outcome
from ctbridge.engine.runtime import Runtime
from ctbridge.errors import Permanent


class FluentEntityMissing(Permanent):
    """The webhook names an entity Fluent does not return."""


class CustomTypeMissing(Permanent):
    """A custom type the update writes to is not in the project: run `ctbridge deploy`."""


class OrderUpdates:
    """Each webhook is re-read from Fluent (webhooks carry little), matched to its ct order and
    applied through `update()`, which refetches and recomputes on a 409 — so a concurrent change
    in commercetools is never overwritten and nothing is applied twice."""

    def __init__(
        self,
        client: FluentClient,
        runtime: Runtime,
        mappings: StatusMappingSource,
        *,
        ref_formats: Iterable[str],
    ) -> None:
        self.client = client
        self.runtime = runtime
        self.mappings = mappings
        self.ref_formats = list(ref_formats)
        self._types_seen: set[str] = set()

    # --- order status ------------------------------------------------------------------------
    async def order_status(self, webhook: dict[str, Any]) -> Outcome | None:
        fluent_order = await self._fluent_order(webhook)
        # Webhooks carry no sequence number and Fluent retries late ("Webhook Receivers":
        # retry schedule up to a day), so the webhook's own `entityStatus` may be one the order
        # has left. Fluent's connector docs ("commercetools connector - Order Status Updates":
        # "All webhooks carry minimal information and require commercetools-connector to fetch
        # extra details from Fluent") → the status applied is the order's current one, read
        # now; a late or repeated webhook then re-applies the present, never the past.
        status = fluent_order.get("status")
        if not status:
            return Outcome(
                "skipped",
                f"Fluent has no order {webhook.get('entityRef') or webhook.get('entityId')} and "
                "the webhook carries no status",
            )
        status = str(status)
        ct_order = await self._ct_order(fluent_order)
        if ct_order is None:
            return Outcome(
                "skipped", f"no commercetools order for Fluent order {fluent_order.get('ref')}"
            )
        mappings = await self.mappings.current()
        mapper = self.runtime.mapper("fluent.order-status", status_actions)
        change = mapper(ct_order, status, mappings)
        if not change.mapped:
            return Outcome("skipped", f"unmapped status {status}")

        def compute(current: dict[str, Any]) -> list[dict[str, Any]]:
            return mapper(current, status, mappings).actions

        before = ct_order.get("version")
        updated = await self.runtime.commercetools.update("orders", ct_order["id"], compute)
        notes = [f"{status}: {', '.join(change.mapped)} mapped"]
        sent = webhook.get("entityStatus")
        if sent and str(sent).upper() != status.upper():
            notes.append(f"webhook said {sent}, Fluent has moved on")
        if change.unmapped:
            notes.append(f"no {'/'.join(change.unmapped)} mapping")
        if updated.get("version") == before:
            notes.append("already in that state")
        return Outcome("done", "; ".join(notes))

    async def _fluent_order(self, webhook: dict[str, Any]) -> dict[str, Any]:
        """The order as Fluent has it now; the webhook's own fields when Fluent no longer has it
        (then its `entityStatus`, optional in the Order Update contract, may be absent)."""
        found = None
        if webhook.get("entityId"):
            data = await self.client.graphql(
                operations.ORDER_BY_ID, {"id": str(webhook["entityId"])}
            )
            found = data.get("orderById")
        if found is None and webhook.get("entityRef"):
            data = await self.client.graphql(
                operations.ORDER_BY_REF, {"ref": [webhook["entityRef"]]}
            )
            nodes = edges(data.get("orders"))
            found = nodes[0] if nodes else None
        if found is None:
            return {
                "ref": webhook.get("entityRef"),
                "status": webhook.get("entityStatus"),
                "attributes": [],
            }
        return found

    async def _ct_order(self, fluent_order: dict[str, Any]) -> dict[str, Any] | None:
        key = order_key(fluent_order, self.ref_formats)
        if key is None:
            return None
        return await find_ct_order(self.runtime.commercetools, key)

    # --- fulfilments -------------------------------------------------------------------------
    async def fulfilment(self, webhook: dict[str, Any]) -> Outcome | None:
        fulfilment = await self._entity(
            webhook,
            (operations.FULFILMENT_BY_ID, "fulfilmentById"),
            (operations.FULFILMENT_BY_REF, "fulfilments"),
            "fulfilment",
        )
        ct_order = await self._ct_order(fulfilment.get("order") or {})
        if ct_order is None:
            return Outcome(
                "skipped", f"no commercetools order for fulfilment {fulfilment.get('ref')}"
            )
        await self._require_types(LINE_ITEM_TYPE)
        mapper = self.runtime.mapper("fluent.fulfilment", fulfilment_actions)
        await self.runtime.commercetools.update(
            "orders", ct_order["id"], lambda current: mapper(current, fulfilment)
        )
        location = (fulfilment.get("fromLocation") or {}).get("ref")
        return Outcome(
            "done", f"fulfilment {fulfilment.get('ref')} {fulfilment.get('status')} at {location}"
        )

    # --- consignments ------------------------------------------------------------------------
    async def consignment(self, webhook: dict[str, Any]) -> Outcome | None:
        consignment = await self._entity(
            webhook,
            (operations.CONSIGNMENT_BY_ID, "consignmentById"),
            (operations.CONSIGNMENT_BY_REF, "consignments"),
            "consignment",
        )
        orders = {
            (fulfilment.get("order") or {}).get("id"): fulfilment.get("order") or {}
            for node in edges(consignment.get("consignmentArticles"))
            for fulfilment in edges((node.get("article") or {}).get("fulfilments"))
        }
        orders.pop(None, None)
        if len(orders) != 1:
            return Outcome(
                "skipped",
                f"consignment {consignment.get('ref')} spans {len(orders)} orders; one delivery "
                "belongs to one order",
            )
        ct_order = await self._ct_order(next(iter(orders.values())))
        if ct_order is None:
            return Outcome(
                "skipped", f"no commercetools order for consignment {consignment.get('ref')}"
            )
        await self._require_types(DELIVERY_TYPE, PARCEL_TYPE)
        mapper = self.runtime.mapper("fluent.consignment", consignment_actions)
        attributes = webhook.get("attributes")
        await self.runtime.commercetools.update(
            "orders", ct_order["id"], lambda current: mapper(current, consignment, attributes)
        )
        return Outcome("done", f"consignment {consignment.get('ref')} {consignment.get('status')}")

    # --- shared ------------------------------------------------------------------------------
    async def _entity(
        self,
        webhook: dict[str, Any],
        by_id: tuple[str, str],
        by_ref: tuple[str, str],
        what: str,
    ) -> dict[str, Any]:
        """The fulfilment or consignment as Fluent has it now (the webhook's own status is never
        used: same reason and docs as for `order_status`), by id, else by ref."""
        found = None
        if webhook.get("entityId"):
            data = await self.client.graphql(by_id[0], {"id": str(webhook["entityId"])})
            found = data.get(by_id[1])
        if found is None and webhook.get("entityRef"):
            data = await self.client.graphql(by_ref[0], {"ref": [webhook["entityRef"]]})
            nodes = edges(data.get(by_ref[1]))
            found = nodes[0] if nodes else None
        if found is None:
            raise FluentEntityMissing(
                f"Fluent has no {what} {webhook.get('entityRef') or webhook.get('entityId')}"
            )
        return found

    async def _require_types(self, *keys: str) -> None:
        """Checked once per process: a clear reason beats ct's ReferencedResourceNotFound."""
        for key in keys:
            if key in self._types_seen:
                continue
            try:
                await self.runtime.commercetools.get_by_key("types", key)
            except NotFound:
                raise CustomTypeMissing(
                    f"custom type {key} is missing in commercetools; run `ctbridge deploy`"
                ) from None
            self._types_seen.add(key)
