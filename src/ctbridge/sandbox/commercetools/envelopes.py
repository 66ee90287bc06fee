"""Delivery payloads (Platform and CloudEvents formats) and the Google Pub/Sub push envelope."""

from __future__ import annotations

import base64
import json
from typing import Any

# Fields every Message carries; the rest is the type-specific payload that may be left out.
MESSAGE_COMMON_FIELDS = frozenset(
    {
        "notificationType",
        "projectKey",
        "id",
        "version",
        "sequenceNumber",
        "resource",
        "resourceVersion",
        "resourceUserProvidedIdentifiers",
        "type",
        "createdAt",
        "lastModifiedAt",
        "createdBy",
        "lastModifiedBy",
    }
)
CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"


def message_payload(message: dict[str, Any], project_key: str) -> dict[str, Any]:
    """The MessageDeliveryPayload of a stored message (Platform format)."""
    return {"notificationType": "Message", "projectKey": project_key, **message}


def without_payload(payload: dict[str, Any], reason: str) -> dict[str, Any]:
    """The payload as delivered when it is too large: common fields plus `payloadNotIncluded`."""
    kept = {name: value for name, value in payload.items() if name in MESSAGE_COMMON_FIELDS}
    kept["payloadNotIncluded"] = {"reason": reason, "payloadType": payload.get("type")}
    return kept


def encoded_size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, separators=(",", ":")).encode())


def cloud_event(payload: dict[str, Any], project_key: str) -> dict[str, Any]:
    """A structured-mode CloudEvents 1.0 JSON event wrapping a delivery payload."""
    resource = payload["resource"]
    type_id = resource["typeId"]
    notification = payload.get("notificationType", "Message")
    if notification == "Message":
        event_type = f"com.commercetools.{type_id}.message.{payload['type']}"
        event_id = payload["id"]
        dataref = f"/{project_key}/messages/{payload['id']}"
        time = payload["createdAt"]
    else:
        event_type = f"com.commercetools.{type_id}.change.{notification}"
        event_id = f"{resource['id']}-{payload.get('version')}-{notification}"
        dataref = f"/{project_key}/{type_id}/{resource['id']}"
        time = payload.get("modifiedAt")
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "type": event_type,
        "source": f"/{project_key}/{type_id}",
        "subject": resource["id"],
        "time": time,
        "dataref": dataref,
        "datacontenttype": "application/json",
        "data": payload,
    }
    if "sequenceNumber" in payload:
        event["sequence"] = str(payload["sequenceNumber"])
        event["sequencetype"] = "Integer"
    return event


def pubsub_push_envelope(
    data: dict[str, Any],
    *,
    message_id: str,
    publish_time: str,
    subscription: str,
    attributes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The body a Pub/Sub push subscription POSTs to its endpoint."""
    encoded = base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()
    return {
        "message": {
            "data": encoded,
            "attributes": attributes or {},
            "messageId": message_id,
            "message_id": message_id,
            "publishTime": publish_time,
            "publish_time": publish_time,
        },
        "subscription": subscription,
    }
