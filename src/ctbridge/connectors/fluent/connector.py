"""The Fluent Commerce connector: handlers, the catalog load job and its HTTP trigger."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ctbridge.connectors.fluent.catalog_event import Catalogue
from ctbridge.connectors.fluent.catalog_sync import CatalogSync
from ctbridge.connectors.fluent.client import FluentClient
from ctbridge.connectors.fluent.config import FluentSettings
from ctbridge.connectors.fluent.handlers import MESSAGE_TYPES, FluentHandlers
from ctbridge.connectors.fluent.ingestion_route import ingestion_router
from ctbridge.connectors.fluent.jobs import LOAD_PRODUCTS, CatalogLoad
from ctbridge.connectors.fluent.order_mapping import OrderRules
from ctbridge.connectors.fluent.order_sync import OrderSync
from ctbridge.connectors.fluent.product_mapping import ProductRules
from ctbridge.connectors.fluent.token import FluentCredentials
from ctbridge.engine.connector import Connector, Handler, JobContext, JobSpec, Outcome
from ctbridge.engine.message import Message
from ctbridge.settings import load

if TYPE_CHECKING:
    from fastapi import APIRouter

    from ctbridge.engine.runtime import Runtime


class FluentConnector(Connector):
    name = "fluent"

    def __init__(self, runtime: Runtime, settings: FluentSettings | None = None) -> None:
        super().__init__(runtime)
        self.settings = settings or load(FluentSettings)
        self.client: FluentClient | None = None
        self._handlers: FluentHandlers | None = None
        self._load: CatalogLoad | None = None

    async def open(self) -> None:
        s = self.settings
        limiter = (
            self.runtime.rate_limiter("fluent", per_minute=s.fluent_rate_per_minute)
            if s.fluent_rate_per_minute
            else None
        )
        self.client = FluentClient(
            host=s.fluent_host,
            credentials=FluentCredentials(
                client_id=s.fluent_client_id,
                client_secret=s.fluent_client_secret.get_secret_value(),
                username=s.fluent_username,
                password=s.fluent_password.get_secret_value(),
            ),
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

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    def handlers(self) -> Mapping[str, Handler]:
        return {message_type: self._deferred(message_type) for message_type in MESSAGE_TYPES}

    def _deferred(self, message_type: str) -> Handler:
        """Handlers are declared before `open()` builds the clients they use."""

        async def handle(message: Message) -> Outcome | None:
            if self._handlers is None:
                raise RuntimeError("the Fluent connector was not opened")
            return await self._handlers.handler(message_type)(message)

        return handle

    def jobs(self) -> Sequence[JobSpec]:
        return [
            JobSpec(
                LOAD_PRODUCTS,
                self._run_load,
                resumable=True,
                description="Sends every category and published product to the Fluent catalogue",
            )
        ]

    async def _run_load(self, ctx: JobContext) -> None:
        if self._load is None:
            raise RuntimeError("the Fluent connector was not opened")
        await self._load.run(ctx)

    def routers(self) -> Sequence[APIRouter]:
        return [ingestion_router(self)]

    def project_key(self) -> str:
        ct = self.runtime.commercetools_settings
        return ct.project_key if ct is not None else ""


connector = FluentConnector
