"""The status mappings in force: defaults, then Fluent's mapping settings, then configuration."""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog

from ctbridge.connectors.fluent.client import FluentClient
from ctbridge.connectors.fluent.client.remote_settings import read_setting
from ctbridge.connectors.fluent.to_commercetools.status_mapping import (
    MappingInvalid,
    StatusMappings,
    parse_mapping,
)

log = structlog.get_logger("ctbridge.fluent")

# Fluent's docs spell the settings both ways (`commercetools` / `commerce-tools`) and call the
# shipment one `shipping-status-mapping` on one page; all spellings are read.
SETTING_NAMES = {
    "order": ("order-status-mapping",),
    "payment": ("payment-status-mapping",),
    "shipment": ("shipment-status-mapping", "shipping-status-mapping"),
}
PREFIXES = ("fc.connect.commercetools.order.", "fc.connect.commerce-tools.order.")


def setting_names(kind: str) -> list[str]:
    return [prefix + name for prefix in PREFIXES for name in SETTING_NAMES[kind]]


class StatusMappingSource:
    """Reads Fluent's mapping settings at most every `cache_seconds`; an unreadable setting is
    logged and ignored (the defaults stay), never half-applied."""

    def __init__(
        self,
        client: FluentClient,
        *,
        retailer_id: str,
        overrides: dict[str, dict[str, str | None]],
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.retailer_id = retailer_id
        self.overrides = overrides
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._cached: tuple[float, StatusMappings] | None = None

    async def current(self) -> StatusMappings:
        if self._cached is not None and self._clock() - self._cached[0] < self.cache_seconds:
            return self._cached[1]
        mappings = StatusMappings()
        for kind in SETTING_NAMES:
            from_fluent = await self._from_fluent(kind)
            if from_fluent:
                mappings = mappings.overridden(kind, from_fluent)
            if self.overrides.get(kind):
                mappings = mappings.overridden(kind, self.overrides[kind])
        self._cached = (self._clock(), mappings)
        return mappings

    async def _from_fluent(self, kind: str) -> dict[str, str | None]:
        found = await read_setting(self.client, setting_names(kind), self.retailer_id)
        if found is None:
            return {}
        name, value = found
        try:
            return parse_mapping(kind, value)
        except MappingInvalid as error:
            log.warning("Fluent status mapping setting ignored", setting=name, reason=str(error))
            return {}
