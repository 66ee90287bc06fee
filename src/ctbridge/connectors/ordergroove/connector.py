"""The Ordergroove connector: products and stock from commercetools to Ordergroove."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ctbridge.connectors.ordergroove.client import OrdergrooveClient
from ctbridge.connectors.ordergroove.config import OrdergrooveSettings
from ctbridge.connectors.ordergroove.handlers import CatalogEvents
from ctbridge.connectors.ordergroove.jobs import CatalogSync
from ctbridge.connectors.ordergroove.ledger import SyncLedger
from ctbridge.connectors.ordergroove.product_mapping import MappingRules, map_product
from ctbridge.connectors.ordergroove.trigger import ProjectTokenVerifier, trigger_router
from ctbridge.engine.connector import Connector, Handler, JobContext, JobSpec
from ctbridge.engine.rate_limit import WindowQuota
from ctbridge.settings import load

if TYPE_CHECKING:
    from fastapi import APIRouter

    from ctbridge.engine.runtime import Runtime

RATE_LIMIT_KEY = "ordergroove"


class OrdergrooveConnector(Connector):
    """Initial load, product and stock sync, and reconciliation, at Ordergroove's rate limit."""

    name = "ordergroove"

    def __init__(self, runtime: Runtime, settings: OrdergrooveSettings | None = None) -> None:
        super().__init__(runtime)
        self.settings = settings or load(OrdergrooveSettings)
        self.rules = MappingRules.from_settings(self.settings)
        self.ledger = SyncLedger(runtime.state)
        self.mapper = runtime.mapper("ordergroove.product", map_product)
        # developer.ordergroove.com "Bulk Update": bulk create and update "share a rate limit,
        # by default 600 requests per minute per merchant"; a quota per minute, not a pace, so
        # a fresh minute's calls go at once and no 60 s window ever holds more than the quota.
        self.limiter = WindowQuota(
            runtime.store,
            RATE_LIMIT_KEY,
            quota=max(1, int(self.settings.og_rate_limit_per_minute)),
            window_seconds=self.settings.og_rate_window_seconds,
        )
        self.client = OrdergrooveClient(
            api_url=self.settings.og_api_url,
            api_key=self.settings.og_api_key.get_secret_value(),
            timeout=self.settings.og_timeout_seconds,
            max_retries=self.settings.og_max_retries,
            pace=self.limiter.acquire,
            on_throttle=self.limiter.pause,
        )
        self.events = CatalogEvents(
            runtime,
            self.client,
            self.ledger,
            self.rules,
            self.mapper,
            batch_size=self.settings.og_batch_size,
        )
        self._verifier: ProjectTokenVerifier | None = None

    async def close(self) -> None:
        await self.client.aclose()
        if self._verifier is not None:
            await self._verifier.aclose()

    def handlers(self) -> Mapping[str, Handler]:
        return self.events.handlers()

    def jobs(self) -> Sequence[JobSpec]:
        return [
            JobSpec(
                "load-products",
                self.load_products,
                description="Sends every published variant to Ordergroove (resumable).",
                resumable=True,
            ),
            JobSpec(
                "reconcile",
                self.reconcile,
                schedule=self.settings.og_reconcile_schedule,
                description="Re-sends only the variants whose payload changed since accepted.",
            ),
        ]

    def routers(self) -> Sequence[APIRouter]:
        return [
            trigger_router(
                lambda name, params: self.runtime.start_job(name, params, trigger="http"),
                self._token_verifier,
                self.runtime.settings,
            )
        ]

    def catalog_sync(self) -> CatalogSync:
        return CatalogSync(
            self.runtime.commercetools,
            self.client,
            self.ledger,
            self.rules,
            self.mapper,
            batch_size=self.settings.og_batch_size,
            max_in_flight=self.settings.og_max_in_flight,
            outage_tolerance_seconds=self.settings.og_outage_tolerance_seconds,
        )

    async def load_products(self, ctx: JobContext) -> None:
        await self.catalog_sync().run(ctx)

    async def reconcile(self, ctx: JobContext) -> None:
        await self.catalog_sync().run(ctx, only_changed=True)

    def _token_verifier(self) -> ProjectTokenVerifier | None:
        ct = self.runtime.commercetools_settings
        if ct is None:
            return None
        if self._verifier is None:
            self._verifier = ProjectTokenVerifier(ct.api_base, ct.project_key)
        return self._verifier


connector = OrdergrooveConnector
