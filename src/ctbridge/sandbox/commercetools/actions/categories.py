"""Categories: tree position (parent, ancestors), localized slugs and their messages."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.actions.custom import CUSTOM_ACTIONS, custom_from_draft
from ctbridge.sandbox.commercetools.documents import clone
from ctbridge.sandbox.commercetools.errors import duplicate_field, invalid_operation
from ctbridge.sandbox.commercetools.kinds import Mutation, Resource, ResourceKind, required

TYPE_ID = "category"


def _identifiers(category: Resource) -> dict[str, Any]:
    identifiers: dict[str, Any] = {}
    for name in ("key", "externalId", "slug"):
        if category.get(name):
            identifiers[name] = category[name]
    return identifiers


def _check_slug(m: Mutation, slug: dict[str, str]) -> None:
    for other in m.store.all(TYPE_ID):
        if other["id"] != m.resource["id"]:
            for locale, value in slug.items():
                if other["slug"].get(locale) == value:
                    raise duplicate_field("slug", value)


def _place(m: Mutation, parent_reference: Any) -> None:
    if not parent_reference:
        m.resource.pop("parent", None)
        m.resource["ancestors"] = []
        return
    parent = m.resolve(TYPE_ID, parent_reference)
    if parent["id"] == m.resource["id"] or any(
        a["id"] == m.resource["id"] for a in parent.get("ancestors", [])
    ):
        raise invalid_operation("A category cannot be its own ancestor.")
    m.resource["parent"] = {"typeId": TYPE_ID, "id": parent["id"]}
    m.resource["ancestors"] = [
        *parent.get("ancestors", []),
        {"typeId": TYPE_ID, "id": parent["id"]},
    ]


def _create(m: Mutation, draft: dict[str, Any]) -> None:
    category = m.resource
    category["name"] = required(draft, "name")
    slug = required(draft, "slug")
    _check_slug(m, slug)
    category["slug"] = slug
    if draft.get("key"):
        if m.store.find(TYPE_ID, "key", draft["key"]) is not None:
            raise duplicate_field("key", draft["key"])
        category["key"] = draft["key"]
    for name in ("description", "externalId", "metaTitle", "metaDescription", "metaKeywords"):
        if draft.get(name) is not None:
            category[name] = draft[name]
    category["orderHint"] = draft.get("orderHint", "0")
    category["assets"] = list(draft.get("assets") or [])
    _place(m, draft.get("parent"))
    if draft.get("custom"):
        category["custom"] = custom_from_draft(m, draft["custom"])
    m.emit("CategoryCreated", category=clone(category))


def _set(name: str, *, required_value: bool = False) -> Any:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        value = required(action, name) if required_value else action.get(name)
        if value is None:
            m.resource.pop(name, None)
        else:
            m.resource[name] = value

    return handler


def _set_key(m: Mutation, action: dict[str, Any]) -> None:
    key = action.get("key")
    other = m.store.find(TYPE_ID, "key", key)
    if other is not None and other["id"] != m.resource["id"]:
        raise duplicate_field("key", key)
    _set("key")(m, action)


def _change_slug(m: Mutation, action: dict[str, Any]) -> None:
    slug = required(action, "slug")
    _check_slug(m, slug)
    old = m.resource["slug"]
    m.resource["slug"] = slug
    m.emit("CategorySlugChanged", slug=slug, oldSlug=old)


def _change_parent(m: Mutation, action: dict[str, Any]) -> None:
    _place(m, required(action, "parent"))


KIND = ResourceKind(
    url="categories",
    type_id=TYPE_ID,
    create=_create,
    identifiers=_identifiers,
    lookups={"key": "key"},
    actions={
        "changeName": _set("name", required_value=True),
        "changeSlug": _change_slug,
        "setKey": _set_key,
        "setDescription": _set("description"),
        "changeOrderHint": _set("orderHint", required_value=True),
        "setExternalId": _set("externalId"),
        "changeParent": _change_parent,
        **CUSTOM_ACTIONS,
    },
)
