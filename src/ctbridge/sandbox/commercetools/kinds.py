"""What a resource type is to the emulator (`ResourceKind`) and the change in progress (`Mutation`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ctbridge.sandbox.commercetools.errors import missing_field, referenced_not_found
from ctbridge.sandbox.commercetools.store import ResourceStore

Resource = dict[str, Any]
ActionHandler = Callable[["Mutation", dict[str, Any]], None]


def set_field(name: str) -> ActionHandler:
    """The update action that sets `name` from the action's field of that name, or removes it
    when the action leaves it out (commercetools' `set…` actions)."""

    def handler(m: Mutation, action: dict[str, Any]) -> None:
        if action.get(name) is None:
            m.resource.pop(name, None)
        else:
            m.resource[name] = action[name]

    return handler


def no_identifiers(resource: Resource) -> dict[str, Any]:
    return {}


def key_identifier(resource: Resource) -> dict[str, Any]:
    return {"key": resource["key"]} if resource.get("key") else {}


def same_views(store: ResourceStore, resources: list[Resource]) -> list[Resource]:
    return resources


@dataclass
class ResourceKind:
    """One endpoint family (`/{projectKey}/{url}`) and the rules of its resource type."""

    url: str
    type_id: str
    create: Callable[[Mutation, dict[str, Any]], None] | None = None
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    identifiers: Callable[[Resource], dict[str, Any]] = key_identifier
    views: Callable[[ResourceStore, list[Resource]], list[Resource]] = same_views
    on_delete: Callable[[Mutation], None] | None = None
    lookups: dict[str, str] = field(default_factory=lambda: {"key": "key"})
    creation_response: Callable[[Resource], Resource] = lambda resource: resource
    deletable: bool = True
    indexes: dict[str, Callable[[Resource], list[Any]]] = field(default_factory=dict)


@dataclass
class PendingMessage:
    type: str
    fields: dict[str, Any]
    resource_version: int
    identifiers: dict[str, Any]


class Mutation:
    """A create, update or delete being computed on a private copy; nothing is visible until commit."""

    def __init__(self, store: ResourceStore, kind: ResourceKind, resource: Resource) -> None:
        self.store = store
        self.kind = kind
        self.resource = resource
        self.messages: list[PendingMessage] = []
        self.after_commit: list[Callable[[], None]] = []

    def emit(self, message_type: str, **fields: Any) -> None:
        self.messages.append(
            PendingMessage(
                message_type, fields, self.resource["version"], self.kind.identifiers(self.resource)
            )
        )

    def now(self) -> str:
        return self.store.now()

    def new_id(self) -> str:
        return self.store.new_id()

    def resolve(self, type_id: str, reference: Any) -> Resource:
        """The resource a `{typeId, id}` or `{typeId, key}` reference (or ResourceIdentifier) names."""
        if not isinstance(reference, dict):
            raise referenced_not_found(type_id, str(reference))
        if reference.get("id"):
            found = self.store.get(type_id, reference["id"])
            identifier = reference["id"]
        elif reference.get("key"):
            found = self.store.find(type_id, "key", reference["key"])
            identifier = reference["key"]
        else:
            raise missing_field(f"{type_id} reference id or key")
        if found is None:
            raise referenced_not_found(type_id, identifier)
        return found

    def reference(self, type_id: str, reference: Any) -> dict[str, str]:
        """Resolve and return the canonical `{typeId, id}` reference."""
        return {"typeId": type_id, "id": self.resolve(type_id, reference)["id"]}


def required(draft: dict[str, Any], name: str) -> Any:
    value = draft.get(name)
    if value is None or value == "":
        raise missing_field(name)
    return value
