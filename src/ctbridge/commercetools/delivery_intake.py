"""Accepting one commercetools delivery: parse, ignore or record what is unusable, store the rest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ctbridge.commercetools.messages import (
    UNPARSED,
    IgnoredDelivery,
    MalformedDelivery,
    parse_delivery,
)
from ctbridge.engine import metrics
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter, UnstorableMessage
from ctbridge.engine.registry import Registry

SOURCE = "commercetools"


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """`status` is accepted, duplicate, ignored or rejected; all four may be acknowledged.
    `reply`, when set, is the body a sender's handshake expects (Event Grid validation)."""

    status: str
    reason: str | None = None
    connectors: list[str] = field(default_factory=list)
    reply: dict[str, str] | None = None


class DeliveryIntake:
    """Shared by `POST /events` and every consumer (Pub/Sub pull, SQS). Raises only when a good message
    could not be stored, so that the caller does not acknowledge it and it comes again."""

    def __init__(self, registry: Registry, inbox: Inbox, writer: IntakeWriter) -> None:
        self.registry = registry
        self.inbox = inbox
        self.writer = writer

    async def accept(
        self, body: bytes, headers: Mapping[str, str] | None = None, *, parsed: Any = UNPARSED
    ) -> IntakeResult:
        """`parsed`: the body's JSON value, when the caller has read it already."""
        try:
            message = parse_delivery(body, headers, parsed=parsed)
        except IgnoredDelivery as ignored:
            metrics.REJECTED.labels(SOURCE, "ignored").inc()
            return IntakeResult("ignored", ignored.reason)
        except MalformedDelivery as malformed:
            metrics.REJECTED.labels(SOURCE, "malformed").inc()
            await self.inbox.record_rejection(SOURCE, malformed.reason, body)
            return IntakeResult("rejected", malformed.reason)
        connectors = self.registry.connectors_for(message.type)
        try:
            stored = await self.writer.submit(message, connectors)
        except UnstorableMessage as unstorable:  # recorded by the writer; redelivery cannot help
            return IntakeResult("rejected", unstorable.reason)
        (metrics.RECEIVED if stored else metrics.DUPLICATES).labels(SOURCE).inc()
        return IntakeResult("accepted" if stored else "duplicate", None, connectors)
