"""`fluent.location-sync`: Fluent locations → commercetools channels (address, geo, store details)."""

from __future__ import annotations

import asyncio
from typing import Any

from ctbridge.commercetools.errors import InvalidInput, NotFound
from ctbridge.connectors.fluent.client import FluentClient, operations
from ctbridge.connectors.fluent.client.graphql_pages import connection_pages
from ctbridge.connectors.fluent.to_commercetools.location_mapping import (
    LocationNotMappable,
    channel_actions,
    channel_draft,
    channel_key,
    in_network,
)
from ctbridge.connectors.fluent.to_commercetools.sync_window import SyncWindow
from ctbridge.engine.connector import JobContext
from ctbridge.errors import Permanent, Retryable

LOCATION_SYNC = "location-sync"
FLUENT_JOB = "batch-location-sync"


class LocationSync:
    def __init__(
        self,
        client: FluentClient,
        runtime: Any,
        *,
        network_ref: str | None,
        locale: str,
        roles: list[str],
        page_size: int,
        concurrency: int,
    ) -> None:
        self.client = client
        self.runtime = runtime
        self.network_ref = network_ref
        self.locale = locale
        self.roles = roles
        self.page_size = page_size
        self.concurrency = concurrency

    async def run(self, ctx: JobContext, window: SyncWindow, props: dict[str, Any]) -> None:
        network = self.network_ref or props.get("fluentNetworkRef")
        slots = asyncio.Semaphore(self.concurrency)
        done = 0
        pages = connection_pages(
            self.client,
            operations.LOCATIONS,
            "locations",
            {"updatedOn": window.date_range()},
            page_size=self.page_size,
        )
        async for page in pages:
            await asyncio.gather(*(self._one(ctx, slots, location, network) for location in page))
            done += len(page)
            await ctx.progress(done, None, "locations")

    async def _one(
        self,
        ctx: JobContext,
        slots: asyncio.Semaphore,
        location: dict[str, Any],
        network: str | None,
    ) -> None:
        ref = str(location.get("ref"))
        if not in_network(location, network):
            ctx.report.item("skipped", ref, f"not in network {network}")
            return
        commercetools = self.runtime.commercetools
        draft_mapper = self.runtime.mapper("fluent.location-channel", channel_draft)
        actions_mapper = self.runtime.mapper("fluent.location-channel-update", channel_actions)
        async with slots:
            try:
                key = channel_key(location)
                try:
                    channel = await commercetools.get_by_key("channels", key)
                except NotFound:
                    try:
                        await commercetools.create(
                            "channels", draft_mapper(location, locale=self.locale, roles=self.roles)
                        )
                        ctx.report.count("created")
                        return
                    except InvalidInput as error:
                        if "DuplicateField" not in str(
                            getattr(error, "errors", "")
                        ) and "already" not in str(error):
                            raise
                        channel = await commercetools.get_by_key("channels", key)
                if not actions_mapper(channel, location, locale=self.locale):
                    ctx.report.count("unchanged")
                    return
                await commercetools.update(
                    "channels",
                    channel["id"],
                    lambda current: actions_mapper(current, location, locale=self.locale),
                )
                ctx.report.count("updated")
            except LocationNotMappable as error:
                ctx.report.item("skipped", ref, str(error))
            except (Retryable, Permanent) as error:
                ctx.report.item("failed", ref, str(error)[:300])
