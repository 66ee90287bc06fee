"""The NewStore connector: OrderCreated → NewStore orders, and the scheduled ATP stock sync."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from ctbridge.connectors.newstore.client import NewStoreClient
from ctbridge.connectors.newstore.config import NewStoreSettings
from ctbridge.connectors.newstore.handlers import OrderInjection
from ctbridge.connectors.newstore.jobs import StockSync
from ctbridge.connectors.newstore.order_rules import OrderRules
from ctbridge.engine.connector import Connector, Handler, JobSpec
from ctbridge.engine.runtime import Runtime
from ctbridge.errors import ConfigurationError
from ctbridge.settings import load


class NewStoreConnector(Connector):
    name = "newstore"

    def __init__(self, runtime: Runtime, settings: NewStoreSettings | None = None) -> None:
        super().__init__(runtime)
        self.settings = settings or load(NewStoreSettings)
        if self.settings.stock_source == "export" and (
            self.settings.per_channel or self.settings.atp_field != "atp"
        ):
            raise ConfigurationError(
                [
                    "NEW_STORE_STOCK_SOURCE: the ATP export gives combined total ATP only; "
                    "per-channel stock or NEW_STORE_ATP_FIELD=present_atp need stocked_products"
                ]
            )
        self.rules = OrderRules.from_settings(self.settings)
        self.orders = OrderInjection(self)
        self.stock = StockSync(self)
        self._newstore: NewStoreClient | None = None

    @property
    def newstore(self) -> NewStoreClient:
        if self._newstore is None:
            self._newstore = NewStoreClient.from_settings(self.settings)
        return self._newstore

    async def open(self) -> None:
        # Both clients are built at start (no call is made): building one loads the TLS trust
        # store, ~0.1 s that would otherwise land in the first job run or order.
        _ = self.newstore
        _ = self.runtime.commercetools

    async def close(self) -> None:
        if self._newstore is not None:
            await self._newstore.aclose()
            self._newstore = None

    async def _fetch_tokens(self) -> None:
        """A stock run's first calls need both tokens: fetched while the run is recorded (a
        failure is met again, and ridden out, by the run's own calls)."""
        await asyncio.gather(
            self.newstore.authenticate(),
            self.runtime.commercetools.authenticate(),
            return_exceptions=True,
        )

    def handlers(self) -> Mapping[str, Handler]:
        return {"OrderCreated": self.orders.on_order_created}

    def jobs(self) -> Sequence[JobSpec]:
        return [
            JobSpec(
                "stock-sync",
                self.stock,
                schedule=self.settings.stock_schedule,
                description="NewStore ATP → commercetools inventory (availableQuantity = ATP)",
                warm_up=self._fetch_tokens,
            )
        ]


connector = NewStoreConnector
