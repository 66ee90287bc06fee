"""Messages as the platform records them, and the change notifications of `changes` subscriptions."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.kinds import PendingMessage
from ctbridge.sandbox.commercetools.store import ResourceStore

MESSAGE_TYPE_ID = "message"


def record_messages(
    store: ResourceStore, type_id: str, resource_id: str, pending: list[PendingMessage]
) -> list[dict[str, Any]]:
    """Give each pending message its id and per-resource sequence number, store and announce it."""
    recorded = []
    with store.lock:
        for item in pending:
            created_at = store.now()
            message: dict[str, Any] = {
                "id": store.new_id(),
                "version": 1,
                "sequenceNumber": store.next_sequence(resource_id),
                "resource": {"typeId": type_id, "id": resource_id},
                "resourceVersion": item.resource_version,
                "resourceUserProvidedIdentifiers": item.identifiers,
                "type": item.type,
                "createdAt": created_at,
                "lastModifiedAt": created_at,
                **item.fields,
            }
            store.put(MESSAGE_TYPE_ID, message)
            recorded.append(message)
        for message in recorded:
            store.notify("message", message)
    return recorded


def change_notification(
    store: ResourceStore,
    notification_type: str,
    type_id: str,
    resource: dict[str, Any],
    identifiers: dict[str, Any],
    old_version: int | None = None,
) -> dict[str, Any]:
    """A ResourceCreated / ResourceUpdated / ResourceDeleted payload (Platform format)."""
    payload: dict[str, Any] = {
        "notificationType": notification_type,
        "projectKey": store.project_key,
        "resource": {"typeId": type_id, "id": resource["id"]},
        "resourceUserProvidedIdentifiers": identifiers,
        "version": resource["version"],
        "modifiedAt": resource.get("lastModifiedAt") or store.now(),
    }
    if old_version is not None:
        payload["oldVersion"] = old_version
    return payload
