"""The Event API's search (`GET /api/v4.1/event`) over the emulator's event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

FILTERS = {
    "name": "name",
    "eventStatus": "eventStatus",
    "eventType": "type",
    "category": "category",
    "retailerId": "retailerId",
    "context.entityType": "entityType",
    "context.entityRef": "entityRef",
    "context.rootEntityType": "rootEntityType",
    "context.rootEntityRef": "rootEntityRef",
}
MAX_COUNT = 5000


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def search(log: list[dict[str, Any]], params: dict[str, str]) -> dict[str, Any]:
    """Filters (comma lists allowed), `from`/`to` on `generatedOn`, paged by `start`/`count`.

    Raises ValueError for an unreadable number or date (the API answers 400)."""
    start = int(params.get("start", 0))
    count = min(int(params.get("count", 100)), MAX_COUNT)
    since = _instant(params["from"]) if params.get("from") else None
    until = _instant(params["to"]) if params.get("to") else None
    wanted = {
        field: set(params[name].split(",")) for name, field in FILTERS.items() if params.get(name)
    }
    found = []
    for event in log:
        if any(str(event.get(field)) not in values for field, values in wanted.items()):
            continue
        moment = _instant(event["generatedOn"])
        if (since and moment < since) or (until and moment >= until):
            continue
        found.append(event)
    found.sort(key=lambda e: e["generatedOn"], reverse=True)
    page = found[start : start + count]
    return {
        "start": start,
        "count": len(page),
        "hasMore": start + count < len(found),
        "results": page,
    }
