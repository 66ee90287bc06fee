"""Pulls commercetools messages from a Google Pub/Sub subscription (REST API) into the inbox."""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import structlog

from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.http.tls import shared_tls_context

log = structlog.get_logger("ctbridge.pubsub")

PUBSUB_API = "https://pubsub.googleapis.com"
METADATA_HOST = "http://metadata.google.internal"
METADATA_TOKEN_URL = f"{METADATA_HOST}/computeMetadata/v1/instance/service-accounts/default/token"
TokenSource = Callable[[], Awaitable[str | None]]


def pubsub_endpoint() -> str:
    """The emulator when PUBSUB_EMULATOR_HOST is set (as Google's client libraries do), else Google's API."""
    emulator = os.environ.get("PUBSUB_EMULATOR_HOST")
    return f"http://{emulator}" if emulator else PUBSUB_API


class MetadataServerToken:
    """An access token from the GCP metadata server (Cloud Run, GKE, GCE), cached until shortly
    before it expires."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._token: str | None = None
        self._expires_at = 0.0

    async def __call__(self) -> str | None:
        if self._token is None or time.monotonic() > self._expires_at:
            response = await self.client.get(
                METADATA_TOKEN_URL, headers={"Metadata-Flavor": "Google"}
            )
            response.raise_for_status()
            body = response.json()
            self._token = body["access_token"]
            self._expires_at = time.monotonic() + max(0, int(body.get("expires_in", 300)) - 60)
        return self._token


async def no_token() -> str | None:
    return None


class PubSubPullConsumer:
    """Each pulled message goes through the same intake as `POST /events`; it is acknowledged
    only once it is stored (or known as a duplicate, ignored, or recorded as unusable), so a crash
    or a database failure leaves it in Pub/Sub to be delivered again."""

    def __init__(
        self,
        subscription: str,
        intake: DeliveryIntake,
        *,
        endpoint: str | None = None,
        token: TokenSource | None = None,
        max_messages: int = 100,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not subscription.startswith("projects/") or "/subscriptions/" not in subscription:
            raise ValueError("subscription must look like projects/<project>/subscriptions/<name>")
        self.subscription = subscription
        self.intake = intake
        self.endpoint = (endpoint or pubsub_endpoint()).rstrip("/")
        self.client = client or httpx.AsyncClient(
            verify=shared_tls_context(), timeout=httpx.Timeout(20.0, connect=5.0)
        )
        emulated = self.endpoint != PUBSUB_API
        self.token = token or (no_token if emulated else MetadataServerToken(self.client))
        self.max_messages = max_messages
        self.acknowledged = 0

    async def pull_once(self) -> int:
        """Pulls one batch, stores it, acknowledges what was stored; returns how many it pulled."""
        try:
            body = await self._call(":pull", {"maxMessages": self.max_messages})
        except httpx.ReadTimeout:  # a long poll that found nothing
            return 0
        received: list[dict[str, Any]] = body.get("receivedMessages", [])
        if not received:
            return 0
        outcomes = await asyncio.gather(
            *(self._accept(item) for item in received), return_exceptions=True
        )
        ack_ids = [
            item["ackId"]
            for item, outcome in zip(received, outcomes, strict=True)
            if outcome is True
        ]
        if ack_ids:
            await self._call(":acknowledge", {"ackIds": ack_ids})
            self.acknowledged += len(ack_ids)
        return len(received)

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        log.info("pulling from Pub/Sub", subscription=self.subscription)
        while not stop.is_set():
            try:
                pulled = await self.pull_once()
            except Exception:
                log.exception("pull failed; retrying")
                pulled = 0
            if pulled == 0:
                try:
                    await asyncio.wait_for(stop.wait(), idle_seconds)
                except TimeoutError:
                    pass

    async def _accept(self, item: dict[str, Any]) -> bool:
        data = (item.get("message") or {}).get("data", "")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raw = data.encode() if isinstance(data, str) else b""
        await self.intake.accept(raw)
        return True

    async def _call(self, verb: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {}
        token = await self.token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.client.post(
            f"{self.endpoint}/v1/{self.subscription}{verb}", json=payload, headers=headers
        )
        response.raise_for_status()
        return response.json() if response.content else {}

    async def aclose(self) -> None:
        await self.client.aclose()
