"""Azure Event Grid webhook deliveries: the validation handshakes and batches of events.

Rules from https://learn.microsoft.com/azure/event-grid/webhook-event-delivery (Event Grid schema:
a `Microsoft.EventGrid.SubscriptionValidationEvent` answered with `{"validationResponse": code}`;
CloudEvents schema: an OPTIONS request with `WebHook-Request-Origin`, answered with
`WebHook-Allowed-Origin`) and https://learn.microsoft.com/azure/event-grid/event-schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent"
EVENT_TYPE_HEADER = "aeg-event-type"
REQUEST_ORIGIN_HEADER = "webhook-request-origin"
ALLOWED_ORIGIN_HEADER = "WebHook-Allowed-Origin"
# The CloudEvents webhook spec lets the receiver state a rate; Event Grid documents no minimum,
# so ctbridge names none and leaves the header out.


def validation_code(document: Any, headers: Mapping[str, str]) -> str | None:
    """The validation code when this body is Event Grid's subscription validation, else None."""
    events = document if isinstance(document, list) else [document]
    for event in events:
        if isinstance(event, dict) and (
            event.get("eventType") == VALIDATION_EVENT
            or headers.get(EVENT_TYPE_HEADER) == "SubscriptionValidation"
        ):
            data = event.get("data")
            if isinstance(data, dict) and isinstance(data.get("validationCode"), str):
                return str(data["validationCode"])
    return None


def handshake_headers(headers: Mapping[str, str]) -> dict[str, str] | None:
    """The answer to a CloudEvents abuse-protection OPTIONS request, or None if it is not one."""
    origin = headers.get(REQUEST_ORIGIN_HEADER)
    if not origin:
        return None
    return {ALLOWED_ORIGIN_HEADER: origin}
