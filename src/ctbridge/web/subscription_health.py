"""What commercetools says about ctbridge's subscriptions, asked rarely and never failing the caller."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from ctbridge.commercetools.message_resource_types import commercetools_message_types
from ctbridge.commercetools.subscriptions import subscription_key, subscription_where
from ctbridge.errors import ConfigurationError
from ctbridge.host import Engine

MAX_DETAIL = 300


@dataclass(frozen=True, slots=True)
class SubscriptionStatus:
    connector: str
    key: str
    status: str
    """commercetools' health (`Healthy`, `TemporaryError`, `ConfigurationError`, ...), or
    `not deployed` when no subscription has the key."""
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionReport:
    state: str
    """`ok` (asked commercetools), `not configured`, `unreachable`, or `none needed`."""
    checked_at: float
    detail: str | None = None
    subscriptions: list[SubscriptionStatus] = field(default_factory=list)


class SubscriptionHealth:
    """Caches the answer for `ttl` seconds so a page refreshing every few seconds costs one
    commercetools request per `ttl`. Only the first question is awaited (bounded by `timeout`
    seconds); after that a stale answer is served while a fresh one is fetched in the background,
    so a slow commercetools never slows the page down."""

    def __init__(self, engine: Engine, *, ttl: float = 30.0, timeout: float = 5.0) -> None:
        self.engine = engine
        self.ttl = ttl
        self.timeout = timeout
        self._cached: SubscriptionReport | None = None
        self._asking: asyncio.Task[SubscriptionReport] | None = None

    async def report(self) -> SubscriptionReport:
        cached = self._cached
        if cached is not None and time.time() - cached.checked_at < self.ttl:
            return cached
        if self._asking is None:
            self._asking = asyncio.create_task(self._refresh())
        if cached is not None:
            return cached
        return await asyncio.shield(self._asking)

    async def _refresh(self) -> SubscriptionReport:
        try:
            self._cached = await self._ask()
            return self._cached
        finally:
            self._asking = None

    def expected_keys(self) -> dict[str, str]:
        """Connector → subscription key, for the connectors that take commercetools messages."""
        registry = self.engine.registry
        return {
            name: subscription_key(name)
            for name in sorted(self.engine.connectors)
            if commercetools_message_types(registry.message_types(name))
        }

    async def _ask(self) -> SubscriptionReport:
        now = time.time()
        expected = self.expected_keys()
        if not expected:
            return SubscriptionReport("none needed", now, "no enabled connector takes messages")
        try:
            client = self.engine.runtime.commercetools
        except ConfigurationError:
            return SubscriptionReport("not configured", now, "commercetools settings (CTP_*) unset")
        try:
            page = await asyncio.wait_for(
                client.query(
                    "subscriptions",
                    where=subscription_where(list(expected.values())),
                    limit=len(expected),
                ),
                self.timeout,
            )
        except TimeoutError:
            return SubscriptionReport("unreachable", now, f"no answer within {self.timeout:g} s")
        except Exception as error:
            detail = f"{type(error).__name__}: {error}"[:MAX_DETAIL]
            return SubscriptionReport("unreachable", now, detail)
        found: dict[str, dict[str, Any]] = {
            item.get("key"): item for item in page.get("results", []) if isinstance(item, dict)
        }
        statuses = []
        for connector, key in expected.items():
            subscription = found.get(key)
            if subscription is None:
                statuses.append(SubscriptionStatus(connector, key, "not deployed"))
                continue
            destination = subscription.get("destination") or {}
            statuses.append(
                SubscriptionStatus(
                    connector,
                    key,
                    str(subscription.get("status") or "unknown"),
                    destination.get("type") if isinstance(destination, dict) else None,
                )
            )
        return SubscriptionReport("ok", now, None, statuses)
