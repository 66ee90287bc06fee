"""Project configuration resources: channels, custom types, product types and states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ctbridge.sandbox.commercetools.actions.custom import CUSTOM_ACTIONS, custom_from_draft
from ctbridge.sandbox.commercetools.errors import duplicate_field, invalid_operation
from ctbridge.sandbox.commercetools.kinds import (
    ActionHandler,
    Mutation,
    ResourceKind,
    no_identifiers,
    required,
)


def _keyed_create(
    type_id: str, required_fields: tuple[str, ...], optional: dict[str, Any]
) -> Callable[[Mutation, dict[str, Any]], None]:
    def create(m: Mutation, draft: dict[str, Any]) -> None:
        for name in required_fields:
            m.resource[name] = required(draft, name)
        key = draft.get("key")
        if key:
            if m.store.find(type_id, "key", key) is not None:
                raise duplicate_field("key", key)
            m.resource["key"] = key
        for name, default in optional.items():
            value = draft.get(name, default() if callable(default) else default)
            if value is not None:
                m.resource[name] = value
        if draft.get("custom"):
            m.resource["custom"] = custom_from_draft(m, draft["custom"])

    return create


def _set(name: str, *, required_value: bool = False) -> ActionHandler:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        value = required(action, name) if required_value else action.get(name)
        if value is None:
            m.resource.pop(name, None)
        else:
            m.resource[name] = value

    return handler


def _change_key(type_id: str) -> ActionHandler:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        key = action.get("key")
        other = m.store.find(type_id, "key", key)
        if other is not None and other["id"] != m.resource["id"]:
            raise duplicate_field("key", key)
        _set("key", required_value=type_id in ("channel", "type", "state"))(m, action)

    return handler


def _list_change(name: str, *, add: bool) -> ActionHandler:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        values = action.get(name) or []
        current = m.resource.get(name, [])
        if add:
            m.resource[name] = current + [v for v in values if v not in current]
        else:
            m.resource[name] = [v for v in current if v not in values]

    return handler


def _add_field_definition(m: Mutation, action: dict[str, Any]) -> None:
    definition = required(action, "fieldDefinition")
    if any(d["name"] == definition.get("name") for d in m.resource["fieldDefinitions"]):
        raise duplicate_field("fieldDefinitions.name", definition.get("name"))
    m.resource["fieldDefinitions"].append(definition)


def _remove_field_definition(m: Mutation, action: dict[str, Any]) -> None:
    name = required(action, "fieldName")
    if not any(d["name"] == name for d in m.resource["fieldDefinitions"]):
        raise invalid_operation(f"The type has no field definition '{name}'.")
    m.resource["fieldDefinitions"] = [
        d for d in m.resource["fieldDefinitions"] if d["name"] != name
    ]


CHANNEL = ResourceKind(
    url="channels",
    type_id="channel",
    create=_keyed_create(
        "channel",
        ("key",),
        {
            "roles": lambda: ["InventorySupply"],
            "name": None,
            "description": None,
            "address": None,
            "geoLocation": None,
        },
    ),
    identifiers=lambda channel: {"key": channel["key"]},
    actions={
        "changeKey": _change_key("channel"),
        "changeName": _set("name", required_value=True),
        "changeDescription": _set("description"),
        "setRoles": _set("roles", required_value=True),
        "addRoles": _list_change("roles", add=True),
        "removeRoles": _list_change("roles", add=False),
        "setAddress": _set("address"),
        "setGeoLocation": _set("geoLocation"),
        **CUSTOM_ACTIONS,
    },
)

TYPE = ResourceKind(
    url="types",
    type_id="type",
    create=_keyed_create(
        "type",
        ("key", "name", "resourceTypeIds"),
        {"description": None, "fieldDefinitions": list},
    ),
    actions={
        "changeKey": _change_key("type"),
        "changeName": _set("name", required_value=True),
        "setDescription": _set("description"),
        "addFieldDefinition": _add_field_definition,
        "removeFieldDefinition": _remove_field_definition,
    },
)

PRODUCT_TYPE = ResourceKind(
    url="product-types",
    type_id="product-type",
    create=_keyed_create("product-type", ("name",), {"description": "", "attributes": list}),
    identifiers=no_identifiers,
    actions={
        "setKey": _change_key("product-type"),
        "changeName": _set("name", required_value=True),
        "changeDescription": _set("description", required_value=True),
    },
)

STATE = ResourceKind(
    url="states",
    type_id="state",
    create=_keyed_create(
        "state",
        ("key", "type"),
        {
            "name": None,
            "description": None,
            "initial": False,
            "builtIn": False,
            "roles": list,
            "transitions": None,
        },
    ),
    actions={
        "changeKey": _change_key("state"),
        "setName": _set("name"),
        "changeInitial": _set("initial", required_value=True),
        "setTransitions": _set("transitions"),
    },
)
