"""The runtime a connector is built with: store, commercetools client, limits, batching, state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import structlog

from ctbridge.engine.coalescer import Coalescer
from ctbridge.engine.message import Message
from ctbridge.engine.rate_limit import RateLimiter
from ctbridge.engine.registry import Registry
from ctbridge.engine.state import KeyValueStore
from ctbridge.engine.store import Store
from ctbridge.errors import ConfigurationError
from ctbridge.settings import CommercetoolsSettings, EngineSettings

if TYPE_CHECKING:
    from ctbridge.commercetools.client import CommercetoolsClient

T = TypeVar("T")
R = TypeVar("R")


class Runtime:
    """Shared services for one process. Connectors receive it in their constructor."""

    def __init__(
        self,
        settings: EngineSettings,
        store: Store,
        *,
        commercetools_settings: CommercetoolsSettings | None = None,
        registry: Registry | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.commercetools_settings = commercetools_settings
        self.registry = registry or Registry()
        self.state = KeyValueStore(store)
        self.log = structlog.get_logger("ctbridge")
        self._commercetools: CommercetoolsClient | None = None
        self._limiters: dict[str, RateLimiter] = {}
        self._coalescers: dict[str, Coalescer[Any, Any]] = {}
        self._start_job: Callable[[str, dict[str, Any] | None, str], Awaitable[int]] | None = None

    @property
    def commercetools(self) -> CommercetoolsClient:
        """The process's commercetools client, created on first use."""
        if self._commercetools is None:
            if self.commercetools_settings is None:
                raise ConfigurationError(["CTP_PROJECT_KEY: commercetools is not configured"])
            from ctbridge.commercetools.client import CommercetoolsClient

            self._commercetools = CommercetoolsClient.from_settings(self.commercetools_settings)
        return self._commercetools

    def rate_limiter(self, key: str, *, per_minute: float, burst: int | None = None) -> RateLimiter:
        """A token bucket for `key` whose state lives in the store, shared by every worker."""
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = RateLimiter(self.store, key, per_minute=per_minute, burst=burst)
            self._limiters[key] = limiter
        return limiter

    def coalescer(
        self,
        key: str,
        flush: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_items: int = 100,
        max_wait_seconds: float = 0.05,
    ) -> Coalescer[T, R]:
        """Batches items submitted under `key` into one `flush` call of up to `max_items`."""
        coalescer = self._coalescers.get(key)
        if coalescer is None:
            coalescer = Coalescer(flush, max_items=max_items, max_wait_seconds=max_wait_seconds)
            self._coalescers[key] = coalescer
        return coalescer

    async def enqueue(self, message: Message, *, connectors: Sequence[str] | None = None) -> bool:
        """Stores a message durably for the connectors that handle its type (or those given).

        Returns False when the message id was already stored (a duplicate delivery).
        """
        from ctbridge.engine.inbox import Inbox

        targets = (
            list(connectors)
            if connectors is not None
            else self.registry.connectors_for(message.type)
        )
        return await Inbox(self.store).enqueue(message, targets)

    async def start_job(
        self, name: str, params: dict[str, Any] | None = None, *, trigger: str = "http"
    ) -> int:
        """Starts a job run in the background and returns its id; raises
        `ctbridge.engine.jobs.JobBusy` when a run of that job is already going."""
        if self._start_job is None:
            raise RuntimeError("jobs can only be started once the engine is open")
        return await self._start_job(name, params, trigger)

    def mapper(self, name: str, default: Callable[..., T]) -> Callable[..., T]:
        """A mapping function a user may replace through an extension (see the README)."""
        return self.registry.mapper(name, default)

    async def drain_coalescers(self) -> None:
        """Flushes every batch waiting in a coalescer and waits for the flushes to finish."""
        for coalescer in list(self._coalescers.values()):
            await coalescer.drain()

    async def close(self) -> None:
        await self.drain_coalescers()
        if self._commercetools is not None:
            await self._commercetools.aclose()
