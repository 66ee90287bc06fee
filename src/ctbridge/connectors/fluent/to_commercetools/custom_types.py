"""The commercetools custom types the Fluent→commercetools updates write to, created by `deploy`."""

from __future__ import annotations

from typing import Any

from ctbridge.commercetools.errors import NotFound

# Keys and field names follow Fluent's own commercetools connector, so a project set up for it
# works unchanged.
LINE_ITEM_TYPE = "flFulfilment"
FULFILMENT_FIELD = "flFulfilmentMetadata"
DELIVERY_TYPE = "flConsignment"
PARCEL_TYPE = "flArticle"
CHANNEL_TYPE = "flStoreDetails"


def _string(name: str, label: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": {"en": label},
        "required": False,
        "type": {"name": "String"},
        "inputHint": "SingleLine",
    }


TYPE_DRAFTS: tuple[dict[str, Any], ...] = (
    {
        "key": LINE_ITEM_TYPE,
        "name": {"en": "Fluent Fulfilment Metadata"},
        "resourceTypeIds": ["line-item"],
        "fieldDefinitions": [_string(FULFILMENT_FIELD, "Fulfilment Metadata (JSON)")],
    },
    {
        "key": DELIVERY_TYPE,
        "name": {"en": "Fluent Consignment"},
        "resourceTypeIds": ["order-delivery"],
        "fieldDefinitions": [
            _string("flConsignmentId", "Fluent Consignment Id"),
            _string("flConsignmentRef", "Fluent Consignment Ref"),
            _string("flConsignmentStatus", "Fluent Consignment Status"),
        ],
    },
    {
        "key": PARCEL_TYPE,
        "name": {"en": "Fluent Article"},
        "resourceTypeIds": ["order-parcel"],
        "fieldDefinitions": [_string("flTrackingUrl", "Fluent Tracking Url")],
    },
    {
        "key": CHANNEL_TYPE,
        "name": {"en": "Fluent Store Details"},
        "resourceTypeIds": ["channel"],
        "fieldDefinitions": [
            _string("flType", "Type"),
            _string("flStatus", "Status"),
            _string("flPhone", "Phone No."),
            _string("flLatitude", "Latitude"),
            _string("flLongitude", "Longitude"),
            _string("flTimezone", "Timezone"),
            _string("flOpeningSchedule", "Opening Schedule (JSON)"),
            _string("flAttributes", "Attributes (JSON)"),
        ],
    },
)


def missing_fields(existing: dict[str, Any], draft: dict[str, Any]) -> list[dict[str, Any]]:
    have = {definition["name"] for definition in existing.get("fieldDefinitions") or []}
    return [d for d in draft["fieldDefinitions"] if d["name"] not in have]


async def ensure_custom_types(commercetools: Any) -> list[str]:
    """Creates each type that is missing and adds field definitions an older version lacks;
    never removes or changes what is there. Returns one line per type saying what happened."""
    lines = []
    for draft in TYPE_DRAFTS:
        try:
            existing = await commercetools.get_by_key("types", draft["key"])
        except NotFound:
            await commercetools.create("types", draft)
            lines.append(f"custom type {draft['key']} created")
            continue
        added = missing_fields(existing, draft)
        if added:

            def add(current: dict[str, Any], draft: dict[str, Any] = draft) -> list[dict[str, Any]]:
                return [
                    {"action": "addFieldDefinition", "fieldDefinition": definition}
                    for definition in missing_fields(current, draft)
                ]

            await commercetools.update("types", existing["id"], add)
            lines.append(
                f"custom type {draft['key']} updated (added {', '.join(d['name'] for d in added)})"
            )
        else:
            lines.append(f"custom type {draft['key']} up to date")
    return lines
