"""Subscriptions: destinations, message and change filters, formats and health status."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.errors import (
    ApiError,
    duplicate_field,
    invalid_input,
    missing_field,
)
from ctbridge.sandbox.commercetools.kinds import Mutation, ResourceKind

TYPE_ID = "subscription"
MAX_SUBSCRIPTIONS = 50
_DESTINATION_FIELDS = {
    "GoogleCloudPubSub": ("projectId", "topic"),
    "SQS": ("queueUrl", "region"),
    "SNS": ("topicArn",),
    "EventBridge": ("region", "accountId"),
    "AzureServiceBus": ("connectionString",),
    "EventGrid": ("uri", "accessKey"),
    "ConfluentCloud": ("bootstrapServer", "apiKey", "apiSecret", "topic"),
}


def _destination(draft: Any) -> dict[str, Any]:
    if not isinstance(draft, dict):
        raise missing_field("destination")
    kind = draft.get("type")
    if kind not in _DESTINATION_FIELDS:
        raise invalid_input(f"Unknown destination type '{kind}'.")
    for name in _DESTINATION_FIELDS[kind]:
        if not draft.get(name):
            raise missing_field(f"destination.{name}")
    return dict(draft)


def _format(draft: Any) -> dict[str, Any]:
    if not draft:
        return {"type": "Platform"}
    if draft.get("type") == "CloudEvents":
        return {"type": "CloudEvents", "cloudEventsVersion": draft.get("cloudEventsVersion", "1.0")}
    if draft.get("type") == "Platform":
        return {"type": "Platform"}
    raise invalid_input(f"Unknown subscription format '{draft.get('type')}'.")


def _filters(value: Any, name: str) -> list[dict[str, Any]]:
    filters = list(value or [])
    for entry in filters:
        if not isinstance(entry, dict) or not entry.get("resourceTypeId"):
            raise missing_field(f"{name}.resourceTypeId")
    return filters


def _check_filters(m: Mutation) -> None:
    if not m.resource["messages"] and not m.resource["changes"] and not m.resource["events"]:
        raise invalid_input("A subscription needs at least one of messages, changes or events.")


def _create(m: Mutation, draft: dict[str, Any]) -> None:
    if len(m.store.all(TYPE_ID)) >= MAX_SUBSCRIPTIONS:
        raise ApiError(
            400,
            "MaxResourceLimitExceeded",
            f"The project already has {MAX_SUBSCRIPTIONS} subscriptions.",
            exceededResource="subscription",
        )
    subscription = m.resource
    if draft.get("key"):
        if m.store.find(TYPE_ID, "key", draft["key"]) is not None:
            raise duplicate_field("key", draft["key"])
        subscription["key"] = draft["key"]
    subscription["destination"] = _destination(draft.get("destination"))
    subscription["messages"] = _filters(draft.get("messages"), "messages")
    subscription["changes"] = _filters(draft.get("changes"), "changes")
    subscription["events"] = list(draft.get("events") or [])
    subscription["format"] = _format(draft.get("format"))
    subscription["status"] = "Healthy"
    _check_filters(m)


def _change_destination(m: Mutation, action: dict[str, Any]) -> None:
    m.resource["destination"] = _destination(action.get("destination"))


def _set_filters(name: str) -> Any:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        m.resource[name] = _filters(action.get(name), name)
        _check_filters(m)

    return handler


def _set_key(m: Mutation, action: dict[str, Any]) -> None:
    key = action.get("key")
    other = m.store.find(TYPE_ID, "key", key)
    if other is not None and other["id"] != m.resource["id"]:
        raise duplicate_field("key", key)
    if key:
        m.resource["key"] = key
    else:
        m.resource.pop("key", None)


KIND = ResourceKind(
    url="subscriptions",
    type_id=TYPE_ID,
    create=_create,
    actions={
        "changeDestination": _change_destination,
        "setMessages": _set_filters("messages"),
        "setChanges": _set_filters("changes"),
        "setKey": _set_key,
    },
)
