"""Custom fields (`setCustomType`, `setCustomField`) shared by every customizable resource."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.errors import invalid_field, invalid_operation
from ctbridge.sandbox.commercetools.kinds import ActionHandler, Mutation

TYPE_TYPE_ID = "type"


def custom_from_draft(mutation: Mutation, draft: Any) -> dict[str, Any] | None:
    """A `CustomFieldsDraft` (`type` by id or key, `fields`) as stored `CustomFields`."""
    if not draft:
        return None
    custom_type = mutation.resolve(TYPE_TYPE_ID, draft.get("type"))
    fields = dict(draft.get("fields") or {})
    for name in fields:
        _check_field(custom_type, name)
    return {"type": {"typeId": TYPE_TYPE_ID, "id": custom_type["id"]}, "fields": fields}


def set_custom_field(
    mutation: Mutation, custom: dict[str, Any] | None, name: str, value: Any
) -> None:
    if not custom:
        raise invalid_operation("This resource has no custom type set, so it has no custom fields.")
    _check_field(mutation.store.get(TYPE_TYPE_ID, custom["type"]["id"]) or {}, name)
    if value is None:
        custom["fields"].pop(name, None)
    else:
        custom["fields"][name] = value


def _check_field(custom_type: dict[str, Any], name: str) -> None:
    definitions = {definition["name"] for definition in custom_type.get("fieldDefinitions", [])}
    if name not in definitions:
        raise invalid_field(name, name, f"The field '{name}' is not defined on the custom type.")


def _set_custom_type(mutation: Mutation, action: dict[str, Any]) -> None:
    if action.get("type") is None:
        mutation.resource.pop("custom", None)
        return
    custom = custom_from_draft(mutation, {"type": action["type"], "fields": action.get("fields")})
    mutation.resource["custom"] = custom


def _set_custom_field(mutation: Mutation, action: dict[str, Any]) -> None:
    set_custom_field(mutation, mutation.resource.get("custom"), action["name"], action.get("value"))


CUSTOM_ACTIONS: dict[str, ActionHandler] = {
    "setCustomType": _set_custom_type,
    "setCustomField": _set_custom_field,
}
