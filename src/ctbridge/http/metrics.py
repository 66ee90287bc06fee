"""Counts every response (or transport failure) of a target client, for error-rate alerts."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client import Counter

from ctbridge.http import tls

TARGET_REQUESTS = Counter(
    "ctbridge_target_requests_total",
    "Calls to external systems by outcome (2xx, 3xx, 4xx, 429, 5xx, transport)",
    ["target", "outcome"],
)


def outcome_of(status: int) -> str:
    if status == 429:
        return "429"
    return f"{status // 100}xx"


def counted_transport(target: str, transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
    """Wraps a transport so that every call to `target` is counted, failures to connect too."""
    return _CountingTransport(target, transport)


class _CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self, target: str, inner: httpx.AsyncBaseTransport) -> None:
        self._target = target
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError:
            TARGET_REQUESTS.labels(self._target, "transport").inc()
            raise
        TARGET_REQUESTS.labels(self._target, outcome_of(response.status_code)).inc()
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def counting_client(target: str, **options: Any) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` whose calls are counted under `target` (same options as httpx's;
    `limits` goes to the default transport, as httpx itself would pass it)."""
    limits = options.pop("limits", httpx.Limits(max_connections=100, max_keepalive_connections=20))
    inner = options.pop("transport", None) or tls.transport(limits=limits)
    return httpx.AsyncClient(transport=counted_transport(target, inner), **options)
