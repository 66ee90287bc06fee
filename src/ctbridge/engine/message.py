"""The message the inbox stores and a handler receives, whatever system it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Message:
    """One delivery, normalised.

    `id` is the source's message id (the dedup key). `resource_type` / `resource_id` identify the
    resource the message is about; `sequence_number` (or `resource_version` when there is none)
    orders messages per resource. `payload` is the whole original message as a dict.
    `payload_included` is False when the source left the resource out (commercetools
    `payloadNotIncluded`): the handler must fetch the resource itself.
    """

    id: str
    type: str
    source: str = "commercetools"
    resource_type: str | None = None
    resource_id: str | None = None
    sequence_number: int | None = None
    resource_version: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    payload_included: bool = True
    payload_text: str | None = field(default=None, compare=False, repr=False)
    """`payload`'s JSON text as delivered, when known: stored as is (not written anew)."""
    created_at: datetime | None = None
    trace_context: str | None = None
    """The delivering request's trace context, when traces are on (see ctbridge.tracing)."""

    @property
    def resource_key(self) -> str | None:
        if self.resource_type is None or self.resource_id is None:
            return None
        return f"{self.resource_type}/{self.resource_id}"

    @property
    def order_number(self) -> int | None:
        """The per-resource ordering value: sequence number, else resource version."""
        if self.sequence_number is not None:
            return self.sequence_number
        return self.resource_version
