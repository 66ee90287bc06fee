"""Parses every shape in which commercetools delivers a message over HTTP into one `Message`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ctbridge import json_text
from ctbridge.engine.message import Message

SOURCE = "commercetools"
CHANGE_NOTIFICATIONS = {"ResourceCreated", "ResourceUpdated", "ResourceDeleted"}
# What the inbox columns hold; a longer or NUL-carrying identifier cannot be a real one.
MAX_LENGTHS = {"id": 255, "type": 128, "resource typeId": 64, "resource id": 255}
MAX_POSITION = 2**63 - 1


class MalformedDelivery(ValueError):
    """The body is not a commercetools message in any known format; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IgnoredDelivery(Exception):
    """A well-formed delivery that carries nothing to process (e.g. the subscription's test)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# `parse_delivery(parsed=...)` not given: the body is read there (None would be JSON `null`).
UNPARSED: Any = object()


def parse_delivery(
    body: bytes | str, headers: Mapping[str, str] | None = None, *, parsed: Any = UNPARSED
) -> Message:
    """Accepts a Google Pub/Sub push envelope (base64 `message.data`), an SNS notification (the
    message in `Message`), an EventBridge event (in `detail`), an Event Grid event (in `data`), a
    CloudEvents event (structured, or binary with `ce-*` headers; the message in `data`) or a
    plain Platform-format message, and returns the message. Raises MalformedDelivery or
    IgnoredDelivery. Authenticity (e.g. an SNS signature) is the transport's job, not this one's.
    `parsed` is the body's JSON value when the caller has read it already (not read again)."""
    texts: Texts = {}
    if parsed is UNPARSED:
        document = _json(body, "body", texts)
    else:
        document = parsed
        texts[id(parsed)] = body
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    if "ce-specversion" not in lowered:
        if isinstance(document, dict) and isinstance(document.get("message"), dict):
            document = _pubsub_data(document["message"], texts)
        document = _unwrap_cloud_envelope(document, texts)
        if isinstance(document, dict) and "specversion" in document:
            document = _cloud_event_data(document, texts)
    return to_message(document, text=_stored_text(texts.get(id(document))))


# The JSON text each parsed object was read from, by the object's id: the message's own text is
# stored as delivered instead of being written anew from the parsed value (the inbox reads it
# back with the same reader, so the handler sees the same value either way).
Texts = dict[int, bytes | str]


def _stored_text(raw: bytes | str | None) -> str | None:
    """`raw` as text any store column holds (valid UTF-8, no NUL), else None."""
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        text.encode("utf-8")  # a lone surrogate in a str cannot be stored
    except UnicodeError:
        return None
    return None if "\x00" in text else text


def _unwrap_cloud_envelope(document: Any, texts: Texts) -> Any:
    """The commercetools message inside an AWS or Azure envelope, or `document` itself."""
    if not isinstance(document, dict):
        return document
    # SNS notification JSON (raw message delivery off), as SNS posts it to HTTP/S endpoints and
    # SQS queues: https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
    if document.get("Type") == "Notification" and "TopicArn" in document:
        message = document.get("Message")
        if not isinstance(message, str):
            raise MalformedDelivery("SNS notification has no Message")
        return _json(message, "SNS Message", texts)
    # EventBridge event: commercetools puts the message in `detail`
    # (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
    if "detail-type" in document and "source" in document:
        detail = document.get("detail")
        if not isinstance(detail, dict):
            raise MalformedDelivery("EventBridge event has no detail object")
        return detail
    # Event Grid schema event: the payload is in `data`
    # (https://learn.microsoft.com/azure/event-grid/event-schema).
    if "eventType" in document and "dataVersion" in document and "specversion" not in document:
        data = document.get("data")
        return _json(data, "Event Grid data", texts) if isinstance(data, str) else data
    return document


def to_message(document: Any, *, text: str | None = None) -> Message:
    """Validates a Platform-format message payload and builds the `Message`; `text`, when
    given, is the JSON text `document` was read from."""
    if not isinstance(document, dict):
        raise MalformedDelivery("message is not a JSON object")
    notification = document.get("notificationType", "Message")
    if notification in CHANGE_NOTIFICATIONS:
        resource_type = (document.get("resource") or {}).get("typeId")
        if resource_type == "subscription":
            raise IgnoredDelivery("subscription test notification")
        raise IgnoredDelivery(f"change notification {notification} is not handled")
    if notification != "Message":
        raise MalformedDelivery(f"unknown notificationType {notification!r}")
    message_id = document.get("id")
    message_type = document.get("type")
    resource = document.get("resource")
    if not isinstance(message_id, str) or not message_id:
        raise MalformedDelivery("message has no id")
    if not isinstance(message_type, str) or not message_type:
        raise MalformedDelivery("message has no type")
    if not isinstance(resource, dict) or not resource.get("typeId") or not resource.get("id"):
        raise MalformedDelivery("message has no resource typeId/id")
    resource_type, resource_id = str(resource["typeId"]), str(resource["id"])
    for name, value in (
        ("id", message_id),
        ("type", message_type),
        ("resource typeId", resource_type),
        ("resource id", resource_id),
    ):
        _check_identifier(name, value)
    return Message(
        id=message_id,
        type=message_type,
        source=SOURCE,
        resource_type=resource_type,
        resource_id=resource_id,
        sequence_number=_optional_int(document, "sequenceNumber"),
        resource_version=_optional_int(document, "resourceVersion"),
        payload=document,
        payload_text=text,
        payload_included="payloadNotIncluded" not in document,
        created_at=_timestamp(document.get("createdAt")),
    )


def _pubsub_data(envelope: dict[str, Any], texts: Texts) -> Any:
    data = envelope.get("data")
    if not isinstance(data, str):
        raise MalformedDelivery("Pub/Sub message has no data")
    try:
        decoded = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedDelivery("Pub/Sub message data is not base64") from None
    return _json(decoded, "Pub/Sub message data", texts)


def _cloud_event_data(event: dict[str, Any], texts: Texts) -> Any:
    if "data" in event:
        data = event["data"]
        return _json(data, "CloudEvents data", texts) if isinstance(data, str) else data
    if isinstance(event.get("data_base64"), str):
        try:
            data = base64.b64decode(event["data_base64"], validate=True)
            return _json(data, "CloudEvents data", texts)
        except (binascii.Error, ValueError):
            raise MalformedDelivery("CloudEvents data_base64 is not base64") from None
    raise MalformedDelivery("CloudEvents event has no data")


def _json(raw: bytes | str, what: str, texts: Texts) -> Any:
    try:
        value = json_text.loads(raw)
    except (ValueError, RecursionError):
        raise MalformedDelivery(f"{what} is not JSON") from None
    texts[id(value)] = raw
    return value


def _check_identifier(name: str, value: str) -> None:
    if len(value) > MAX_LENGTHS[name]:
        raise MalformedDelivery(f"message {name} is longer than {MAX_LENGTHS[name]} characters")
    if "\x00" in value:
        raise MalformedDelivery(f"message {name} contains a NUL character")


def _optional_int(document: dict[str, Any], field: str) -> int | None:
    value = document.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedDelivery(f"{field} is not an integer")
    if not -MAX_POSITION <= value <= MAX_POSITION:
        raise MalformedDelivery(f"{field} is out of range")
    return value


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
