"""Deploys and removes commercetools Subscriptions idempotently, updating in place by key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog

from ctbridge.commercetools.client import CommercetoolsClient
from ctbridge.commercetools.destinations import (
    comparable_destination,
    comparable_format,
    platform_format,
)
from ctbridge.commercetools.errors import ConcurrentModification, NotFound
from ctbridge.commercetools.message_resource_types import message_subscriptions
from ctbridge.errors import Permanent

RESOURCE = "subscriptions"
KEY_PREFIX = "ctbridge-"


def subscription_key(connector: str) -> str:
    """The stable key of the subscription `ctbridge deploy` keeps for a connector."""
    return f"{KEY_PREFIX}{connector}"


def subscription_where(keys: list[str]) -> str:
    """A predicate matching the subscriptions with these keys."""
    quoted = ", ".join('"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"' for key in keys)
    return f"key in ({quoted})"


log = structlog.get_logger("ctbridge.commercetools.subscriptions")


class SubscriptionFormatChanged(Permanent):
    """The API has no update action for a subscription's format; replacing it is a deliberate
    `undeploy` + `deploy`, never something deploy does behind the user's back."""


@dataclass(frozen=True)
class SubscriptionSpec:
    """What one subscription should be: its stable key, message types by resource typeId, the
    destination object, the delivery format, and resource typeIds for change notifications."""

    key: str
    messages: Mapping[str, Sequence[str]]
    destination: dict[str, Any]
    format: dict[str, Any] = field(default_factory=platform_format)
    changes: Sequence[str] = ()

    @classmethod
    def for_message_types(
        cls,
        key: str,
        message_types: Iterable[str],
        destination: dict[str, Any],
        format: dict[str, Any] | None = None,
    ) -> SubscriptionSpec:
        """Groups message types by the resource type that emits them."""
        grouped = {m["resourceTypeId"]: m["types"] for m in message_subscriptions(message_types)}
        return cls(key, grouped, destination, format or platform_format())

    def message_array(self) -> list[dict[str, Any]]:
        return [
            {"resourceTypeId": resource_type, "types": sorted(set(types))}
            for resource_type, types in sorted(self.messages.items())
        ]

    def change_array(self) -> list[dict[str, Any]]:
        return [{"resourceTypeId": resource_type} for resource_type in sorted(set(self.changes))]

    def draft(self) -> dict[str, Any]:
        draft: dict[str, Any] = {
            "key": self.key,
            "destination": self.destination,
            "messages": self.message_array(),
            "format": self.format,
        }
        if self.changes:
            draft["changes"] = self.change_array()
        return draft


def subscription_actions(
    current: Mapping[str, Any], spec: SubscriptionSpec, *, resend_destination: bool = False
) -> list[dict[str, Any]]:
    """The update actions that turn `current` into `spec` (empty when it already matches).

    Secret destination fields come back partly hidden, so they are not compared; pass
    `resend_destination=True` to send the destination anyway (after rotating a secret).
    """
    if comparable_format(current.get("format")) != comparable_format(spec.format):
        raise SubscriptionFormatChanged(
            f"subscription {spec.key!r} has format {current.get('format')!r}; the API cannot "
            f"change it in place: run undeploy, then deploy"
        )
    actions: list[dict[str, Any]] = []
    if _normalised_messages(current.get("messages")) != spec.message_array():
        actions.append({"action": "setMessages", "messages": spec.message_array()})
    if _normalised_changes(current.get("changes")) != spec.change_array():
        actions.append({"action": "setChanges", "changes": spec.change_array()})
    current_destination = comparable_destination(current.get("destination") or {})
    if resend_destination or current_destination != comparable_destination(spec.destination):
        actions.append({"action": "changeDestination", "destination": spec.destination})
    return actions


async def deploy(
    client: CommercetoolsClient, spec: SubscriptionSpec, *, resend_destination: bool = False
) -> Literal["created", "updated", "unchanged"]:
    """Creates the subscription with `spec.key`, or updates it in place to match `spec`."""
    existing = await client.find_by_key(RESOURCE, spec.key)
    if existing is None:
        await client.create(RESOURCE, spec.draft())
        log.info("subscription.created", key=spec.key)
        return "created"
    if not subscription_actions(existing, spec, resend_destination=resend_destination):
        return "unchanged"
    await client.update(
        RESOURCE,
        existing["id"],
        lambda current: subscription_actions(current, spec, resend_destination=resend_destination),
    )
    log.info("subscription.updated", key=spec.key)
    return "updated"


async def undeploy(client: CommercetoolsClient, key: str, *, max_conflicts: int = 5) -> bool:
    """Deletes the subscription with this key; False when there was none."""
    for _ in range(max_conflicts + 1):
        existing = await client.find_by_key(RESOURCE, key)
        if existing is None:
            return False
        try:
            await client.delete(RESOURCE, existing["id"], int(existing["version"]))
        except NotFound:
            return False
        except ConcurrentModification:
            continue
        log.info("subscription.deleted", key=key)
        return True
    raise ConcurrentModification(f"subscription {key!r} kept changing while being deleted")


def _normalised_messages(messages: Any) -> list[dict[str, Any]]:
    return sorted(
        (
            {"resourceTypeId": m["resourceTypeId"], "types": sorted(set(m.get("types") or []))}
            for m in messages or []
        ),
        key=lambda m: m["resourceTypeId"],
    )


def _normalised_changes(changes: Any) -> list[dict[str, Any]]:
    resource_types = sorted({c["resourceTypeId"] for c in changes or []})
    return [{"resourceTypeId": resource_type} for resource_type in resource_types]
