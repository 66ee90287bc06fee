"""`ctbridge doctor`'s reachability check of each connector's target: a token or a harmless read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

PROBE_ID = "ctbridge-doctor-probe"


async def ordergroove_target(connector: Any) -> str:
    """Retrieves a product that does not exist: 404 means the URL is Ordergroove's product API
    and the key is accepted (a refused key is 401/403). The connector's own client is not used:
    it waits on the shared rate limiter, which lives in the database."""
    from ctbridge.connectors.ordergroove.client import OrdergrooveClient

    settings = connector.settings
    client = OrdergrooveClient(
        api_url=settings.og_api_url,
        api_key=settings.og_api_key.get_secret_value(),
        timeout=settings.og_timeout_seconds,
        max_retries=0,
    )
    try:
        await client.get_product(PROBE_ID)
    finally:
        await client.aclose()
    return f"API key accepted at {settings.og_api_url}"


async def fluent_target(connector: Any) -> str:
    """Asks Fluent for a token with the configured client and user (password grant)."""
    from ctbridge.connectors.fluent.client import FluentClient

    settings = connector.settings
    client = FluentClient(
        host=settings.fluent_host,
        credentials=settings.credentials(),
        timeout=settings.fluent_timeout_seconds,
        max_retries=0,
    )
    try:
        await client.token.header()
    finally:
        await client.aclose()
    return f"token issued by {settings.fluent_host}"


async def newstore_target(connector: Any) -> str:
    """Asks NewStore for a token with the configured grant."""
    from ctbridge.connectors.newstore.client import NewStoreClient

    client = NewStoreClient.from_settings(connector.settings, max_retries=0)
    try:
        await client.tokens.token()
    finally:
        await client.aclose()
    return f"token issued for {connector.settings.base_url}"


TargetCheck = Callable[[Any], Awaitable[str]]
# A connector without an entry here is listed as not checked, never as passed.
TARGET_CHECKS: dict[str, TargetCheck] = {
    "ordergroove": ordergroove_target,
    "fluent": fluent_target,
    "newstore": newstore_target,
}
