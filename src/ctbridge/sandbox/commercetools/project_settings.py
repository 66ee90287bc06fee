"""The project resource (GET/POST /{projectKey}) and what its `messages` settings do to the
Messages Query API (GET /{projectKey}/messages).

Sources (commercetools-api-reference, api-specs/api):
- types/project/ProjectUpdate.raml: `version` + `actions`; a stale version is a
  ConcurrentModification (409).
- types/project/updates/ProjectChangeMessagesConfigurationAction.raml with
  types/message/MessagesConfigurationDraft.raml: `enabled` (boolean) and
  `deleteDaysAfterCreation` (1..90, required in the draft).
- types/message/MessagesConfiguration.raml: "For Messages older than the specified period, it is
  not guaranteed that they are still accessible via the API." The emulator takes the pessimistic
  reading and no longer returns them.
- resources/messages.raml: GET /messages is a query endpoint (where, sort, limit, offset,
  withTotal); api/projects/messages: to query Messages "you must enable the feature first".
Not documented, decided here: while the feature is disabled the query answers an empty page
(subscriptions still receive every message, per the MessageSubscription docs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ctbridge.sandbox.commercetools.errors import (
    concurrent_modification,
    invalid_field,
    invalid_input,
    invalid_json,
)
from ctbridge.sandbox.commercetools.messages import MESSAGE_TYPE_ID
from ctbridge.sandbox.commercetools.querying import parse_query, run_query
from ctbridge.sandbox.commercetools.store import ResourceStore

MIN_DAYS, MAX_DAYS = 1, 90


def update_project(project: dict[str, Any], body: Any) -> dict[str, Any]:
    """The project after a ProjectUpdate; raises ApiError as the API would."""
    if not isinstance(body, dict):
        raise invalid_json("Request body does not contain a valid JSON object.")
    version, actions = body.get("version"), body.get("actions")
    if not isinstance(version, int) or isinstance(version, bool):
        raise invalid_json("version: Missing required value")
    if not isinstance(actions, list):
        raise invalid_json("actions: Missing required value")
    if version != project["version"]:
        raise concurrent_modification(project["key"], version, project["version"])
    updated = dict(project)
    for action in actions:
        name = action.get("action") if isinstance(action, dict) else None
        if name != "changeMessagesConfiguration":
            raise invalid_input(f"Invalid action '{name}' for resource 'project'.")
        updated["messages"] = _messages_configuration(action.get("messagesConfiguration"))
        updated["version"] += 1
    return updated


def _messages_configuration(draft: Any) -> dict[str, Any]:
    if not isinstance(draft, dict):
        raise invalid_json("messagesConfiguration: Missing required value")
    enabled = draft.get("enabled")
    if not isinstance(enabled, bool):
        raise invalid_field("enabled", enabled, "enabled must be a boolean.")
    days = draft.get("deleteDaysAfterCreation")
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise invalid_field(
            "deleteDaysAfterCreation",
            days,
            f"deleteDaysAfterCreation must be an integer from {MIN_DAYS} to {MAX_DAYS}.",
        )
    return {"enabled": enabled, "deleteDaysAfterCreation": days}


def query_messages(
    store: ResourceStore, settings: Mapping[str, Any], params: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    """GET /messages: the kept messages (disabled: none) through the usual query parameters."""
    query = parse_query(params)
    if not settings.get("enabled"):
        return run_query(query, [])
    days = settings.get("deleteDaysAfterCreation") or 15
    oldest = _instant(store.now()) - timedelta(days=days)
    with store.lock:
        kept = [m for m in store.all(MESSAGE_TYPE_ID) if _instant(m["createdAt"]) >= oldest]
    return run_query(query, kept)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
