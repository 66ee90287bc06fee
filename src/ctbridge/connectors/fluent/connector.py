"""The Fluent Commerce connector: both directions, its jobs, webhooks and endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from ctbridge.connectors.fluent.client import FluentClient
from ctbridge.connectors.fluent.client.outage import OutageWindow, report_outage, riding_out
from ctbridge.connectors.fluent.config import FluentSettings
from ctbridge.connectors.fluent.routes.api_token import ApiToken
from ctbridge.connectors.fluent.routes.availability import availability_router
from ctbridge.connectors.fluent.routes.catalog_ingestion import ingestion_router
from ctbridge.connectors.fluent.routes.external_webhooks import (
    ExternalWebhookSender,
    external_webhook_router,
)
from ctbridge.connectors.fluent.routes.fluent_webhook import webhook_router
from ctbridge.connectors.fluent.to_commercetools import (
    inventory_sync,
    location_sync,
    workflow_errors,
)
from ctbridge.connectors.fluent.to_commercetools.custom_types import ensure_custom_types
from ctbridge.connectors.fluent.to_commercetools.delta_job import JobBody, run_delta_job
from ctbridge.connectors.fluent.to_commercetools.order_updates import OrderUpdates
from ctbridge.connectors.fluent.to_commercetools.status_mapping_source import StatusMappingSource
from ctbridge.connectors.fluent.to_commercetools.webhook_handlers import webhook_handlers
from ctbridge.connectors.fluent.to_commercetools.webhook_verifier import FluentWebhookVerifier
from ctbridge.connectors.fluent.to_fluent.catalog_event import Catalogue
from ctbridge.connectors.fluent.to_fluent.catalog_load import LOAD_PRODUCTS, CatalogLoad
from ctbridge.connectors.fluent.to_fluent.catalog_sync import CatalogSync
from ctbridge.connectors.fluent.to_fluent.message_handlers import MESSAGE_TYPES, FluentHandlers
from ctbridge.connectors.fluent.to_fluent.order_mapping import OrderRules
from ctbridge.connectors.fluent.to_fluent.order_sync import OrderSync
from ctbridge.connectors.fluent.to_fluent.product_mapping import ProductRules
from ctbridge.engine.connector import Connector, Handler, JobContext, JobSpec, Outcome
from ctbridge.engine.message import Message
from ctbridge.notifications import NotificationSettings, Notifier, notifier_from_settings
from ctbridge.settings import load

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from fastapi import APIRouter

    from ctbridge.engine.runtime import Runtime


class _WindowPart(Protocol):
    run: JobBody


class FluentConnector(Connector):
    name = "fluent"

    def __init__(
        self,
        runtime: Runtime,
        settings: FluentSettings | None = None,
        notifications: NotificationSettings | None = None,
    ) -> None:
        super().__init__(runtime)
        self.settings = settings or load(FluentSettings)
        self.notification_settings = notifications or load(NotificationSettings)
        s = self.settings
        self.webhook_verifier = FluentWebhookVerifier(s.webhook_keys())
        self.api_token = ApiToken(
            s.fluent_api_token.get_secret_value() if s.fluent_api_token else None,
            s.fluent_api_token_header,
        )
        self.client: FluentClient | None = None
        self.notifier: Notifier | None = None
        self.external_webhooks: ExternalWebhookSender | None = None
        self._handlers: FluentHandlers | None = None
        self._load: CatalogLoad | None = None
        self._updates: OrderUpdates | None = None
        self._inventory: inventory_sync.InventorySync | None = None
        self._locations: location_sync.LocationSync | None = None
        self._workflow_errors: workflow_errors.WorkflowErrors | None = None

    async def open(self) -> None:
        s = self.settings
        limiter = (
            self.runtime.rate_limiter("fluent", per_minute=s.fluent_rate_per_minute)
            if s.fluent_rate_per_minute
            else None
        )
        self.client = FluentClient(
            host=s.fluent_host,
            credentials=s.credentials(),
            timeout=s.fluent_timeout_seconds,
            max_concurrency=s.fluent_max_concurrency,
            rate_limiter=limiter,
        )
        catalogue = Catalogue(s.fluent_retailer_id, s.fluent_catalogue_ref, s.fluent_catalog_locale)
        catalog = CatalogSync(
            self.client,
            self.runtime,
            catalogue,
            ProductRules(
                gtin_attribute=s.fluent_gtin_attribute, gtin_fallback=s.fluent_gtin_fallback
            ),
            catalogue_type=s.fluent_catalogue_type,
            resolve_type=True,
        )
        orders = OrderSync(
            self.client,
            self.runtime,
            OrderRules(
                retailer_id=s.fluent_retailer_id,
                catalogue_ref=s.fluent_catalogue_ref,
                hd_ref_format=s.fluent_hd_order_ref_format,
                cc_ref_format=s.fluent_cc_order_ref_format,
                pickup_location_field=s.fluent_pickup_location_field,
                cc_shipping_methods=dict(s.fluent_cc_shipping_methods),
                delivery_type=s.fluent_delivery_type,
                cc_fulfilment_type=s.fluent_cc_fulfilment_type,
            ),
            default_payment_method=s.fluent_default_payment_method,
        )
        self._handlers = FluentHandlers(self.runtime, catalog, orders)
        self._load = CatalogLoad(
            catalog, page_size=s.fluent_page_size, concurrency=s.fluent_max_concurrency
        )
        self._open_inbound()

    def _open_inbound(self) -> None:
        """Fluent → commercetools: webhooks, jobs, notifications, external webhooks."""
        s = self.settings
        assert self.client is not None
        mappings = StatusMappingSource(
            self.client,
            retailer_id=s.fluent_retailer_id,
            overrides={
                kind: s.mapping_overrides(kind) for kind in ("order", "payment", "shipment")
            },
            cache_seconds=s.fluent_settings_cache_seconds,
        )
        self._updates = OrderUpdates(
            self.client,
            self.runtime,
            mappings,
            ref_formats=[s.fluent_hd_order_ref_format, s.fluent_cc_order_ref_format],
        )
        self._inventory = inventory_sync.InventorySync(
            self.client,
            self.runtime,
            channel_key=s.fluent_inventory_channel_key,
            catalogue_ref=s.fluent_virtual_catalogue_ref,
            page_size=s.fluent_page_size,
            concurrency=s.fluent_max_concurrency,
        )
        self._locations = location_sync.LocationSync(
            self.client,
            self.runtime,
            network_ref=s.fluent_network_ref,
            locale=s.fluent_catalog_locale,
            roles=list(s.fluent_location_channel_roles),
            page_size=s.fluent_page_size,
            concurrency=s.fluent_max_concurrency,
        )
        self.notifier = notifier_from_settings(self.notification_settings)
        self._workflow_errors = workflow_errors.WorkflowErrors(
            self.client,
            self.notifier,
            retailer_id=s.fluent_retailer_id,
            account=s.fluent_account_id or s.fluent_host,
        )
        self.external_webhooks = ExternalWebhookSender(
            dict(s.fluent_external_webhooks),
            secret=s.fluent_external_webhook_secret.get_secret_value()
            if s.fluent_external_webhook_secret
            else None,
            timeout=s.fluent_timeout_seconds,
        )

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        if self.notifier is not None:
            await self.notifier.aclose()
        if self.external_webhooks is not None:
            await self.external_webhooks.aclose()

    async def deploy(self) -> list[str]:
        """`ctbridge deploy`: the custom types the Fluent → commercetools updates write to."""
        return await ensure_custom_types(self.runtime.commercetools)

    def fluent(self) -> FluentClient:
        if self.client is None:
            raise RuntimeError("the Fluent connector was not opened")
        return self.client

    def order_updates(self) -> OrderUpdates:
        if self._updates is None:
            raise RuntimeError("the Fluent connector was not opened")
        return self._updates

    def handlers(self) -> Mapping[str, Handler]:
        """commercetools message types (to Fluent) and Fluent webhook names (back)."""
        handlers = {message_type: self._deferred(message_type) for message_type in MESSAGE_TYPES}
        handlers.update(webhook_handlers(self.settings, self.order_updates))
        return handlers

    def _deferred(self, message_type: str) -> Handler:
        """Handlers are declared before `open()` builds the clients they use."""

        async def handle(message: Message) -> Outcome | None:
            if self._handlers is None:
                raise RuntimeError("the Fluent connector was not opened")
            return await self._handlers.handler(message_type)(message)

        return handle

    def jobs(self) -> Sequence[JobSpec]:
        s = self.settings
        inventory_configured = bool(
            s.fluent_inventory_channel_key and s.fluent_virtual_catalogue_ref
        )
        return [
            JobSpec(
                LOAD_PRODUCTS,
                self._run_load,
                resumable=True,
                description="Sends every category and published product to the Fluent catalogue",
            ),
            JobSpec(
                inventory_sync.INVENTORY_SYNC,
                self._window_job(inventory_sync.FLUENT_JOB, lambda: self._inventory),
                schedule=(s.fluent_inventory_sync_schedule or None)
                if inventory_configured
                else None,
                description="Fluent aggregate virtual positions → commercetools inventory "
                "(params: from, to, full)",
            ),
            JobSpec(
                location_sync.LOCATION_SYNC,
                self._window_job(location_sync.FLUENT_JOB, lambda: self._locations),
                schedule=s.fluent_location_sync_schedule or None,
                description="Fluent locations → commercetools channels (params: from, to, full)",
            ),
            JobSpec(
                workflow_errors.WORKFLOW_ERRORS,
                self._window_job(workflow_errors.FLUENT_JOB, lambda: self._workflow_errors),
                schedule=(s.fluent_workflow_errors_schedule or None)
                if self.notification_settings_enabled()
                else None,
                description="Summarises failed / unmatched Fluent events to the notification "
                "channels (params: from, to)",
            ),
        ]

    def notification_settings_enabled(self) -> bool:
        n = self.notification_settings
        return bool(n.slack_webhook_url or n.webhook_url or n.smtp_host)

    def _window_job(
        self, fluent_job: str, part: Callable[[], _WindowPart | None]
    ) -> Callable[[JobContext], Awaitable[None]]:
        async def run(ctx: JobContext) -> None:
            found = part()
            if found is None or self.client is None:
                raise RuntimeError("the Fluent connector was not opened")
            client = self.client
            await self._riding_out(
                ctx,
                lambda: run_delta_job(
                    ctx,
                    client,
                    fluent_job=fluent_job,
                    retailer_id=self.settings.fluent_retailer_id,
                    overlap=timedelta(seconds=self.settings.fluent_sync_overlap_seconds),
                    body=found.run,
                ),
            )

        return run

    async def _run_load(self, ctx: JobContext) -> None:
        load = self._load
        if load is None:
            raise RuntimeError("the Fluent connector was not opened")
        await self._riding_out(ctx, lambda: load.run(ctx))

    async def _riding_out(self, ctx: JobContext, body: Callable[[], Awaitable[None]]) -> None:
        """Fluent calls of the run retry through an outage up to FLUENT_OUTAGE_TOLERANCE_SECONDS;
        the report says how long Fluent was unavailable, whether the run succeeds or fails."""
        window = OutageWindow(tolerance=self.settings.fluent_outage_tolerance_seconds)
        try:
            with riding_out(window):
                await body()
        finally:
            report_outage(ctx.report, window)

    def routers(self) -> Sequence[APIRouter]:
        return [
            ingestion_router(self),
            webhook_router(self),
            availability_router(self),
            external_webhook_router(self),
        ]

    def project_key(self) -> str:
        ct = self.runtime.commercetools_settings
        return ct.project_key if ct is not None else ""


connector = FluentConnector
