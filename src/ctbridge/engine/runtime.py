"""The runtime a connector is built with: store, commercetools client, limits, batching, state.

The engine knows no commercetools and no job runner: the host hands the runtime a factory that
builds the commercetools client and, once its job runner exists, the function that starts jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

import structlog

from ctbridge.engine.coalescer import Coalescer
from ctbridge.engine.config import EngineConfig
from ctbridge.engine.message import Message
from ctbridge.engine.rate_limit import RateLimiter
from ctbridge.engine.registry import Registry
from ctbridge.engine.state import KeyValueStore
from ctbridge.engine.store import Store
from ctbridge.errors import ConfigurationError

T = TypeVar("T")
R = TypeVar("R")


class ServiceClient(Protocol):
    """A client the runtime owns and closes (in ctbridge: `commercetools.client.CommercetoolsClient`)."""

    async def aclose(self) -> None: ...


# Builds the commercetools client from the runtime's `commercetools_settings`.
ClientFactory = Callable[[Any], ServiceClient]
# Starts a job run in the background: (job name, params, trigger) → run id.
JobStarter = Callable[[str, dict[str, Any] | None, str], Awaitable[int]]


class Runtime:
    """Shared services for one process. Connectors receive it in their constructor."""

    def __init__(
        self,
        settings: EngineConfig,
        store: Store,
        *,
        commercetools_settings: Any = None,
        commercetools_factory: ClientFactory | None = None,
        registry: Registry | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        # Read by connectors (project key, API URL); the factory is given it on first use.
        self.commercetools_settings = commercetools_settings
        self._commercetools_factory = commercetools_factory
        self.registry = registry or Registry()
        self.state = KeyValueStore(store)
        self.log = structlog.get_logger("ctbridge")
        self._commercetools: Any = None
        self._limiters: dict[str, RateLimiter] = {}
        self._coalescers: dict[str, Coalescer[Any, Any]] = {}
        self._job_starter: JobStarter | None = None

    @property
    def commercetools(self) -> Any:
        """The process's commercetools client, built by the given factory on first use."""
        if self._commercetools is None:
            if self.commercetools_settings is None or self._commercetools_factory is None:
                raise ConfigurationError(["CTP_PROJECT_KEY: commercetools is not configured"])
            self._commercetools = self._commercetools_factory(self.commercetools_settings)
        return self._commercetools

    def use_job_starter(self, starter: JobStarter) -> None:
        """Gives the runtime the host's way to start jobs (the job runner is built after it)."""
        self._job_starter = starter

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
        if self._job_starter is None:
            raise RuntimeError("jobs can only be started once the engine is open")
        return await self._job_starter(name, params, trigger)

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
