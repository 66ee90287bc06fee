"""Catch-up after an outage: page the Messages Query API over a time window and feed every
message through the same intake as deliveries (dedup by message id makes a repeat a no-op).

Sources (commercetools-api-reference, api-specs/api):
- resources/messages.raml: GET /{projectKey}/messages is a query endpoint with `where`, `sort`
  (several allowed, traits/sortable.raml), `limit` (max 500), `withTotal` (traits/paging.raml).
- types/message/Message.raml: `id`, `createdAt`, `type` and the message-specific fields, the same
  as a delivery's MessageDeliveryPayload without `notificationType`/`projectKey`.
- types/message/MessagesConfiguration.raml: `enabled`; `deleteDaysAfterCreation` (1..90, default
  15): older messages are "not guaranteed" to be queryable.
Keyset paging: `sort=createdAt asc` then `sort=id asc`, and after each page
`createdAt > last or (createdAt = last and id > lastId)`; offsets are capped at 10,000 and
`createdAt` alone is not unique. Messages become queryable with some delay (the docs do not say
how long), so an automatic catch-up starts a little before the newest message it already has.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import func, select

from ctbridge.commercetools.client import MAX_PAGE_SIZE, CommercetoolsClient
from ctbridge.engine.store import Store
from ctbridge.engine.tables import inbox_messages

log = structlog.get_logger("ctbridge.catchup")

SOURCE = "commercetools"
DEFAULT_KEEP_DAYS = 15  # MessagesConfiguration.deleteDaysAfterCreation default
AUTO_OVERLAP = timedelta(minutes=5)


class CatchupUnavailable(RuntimeError):
    """The project's Messages Query API is off, so there is nothing to catch up from."""


class Intake(Protocol):
    async def accept(self, body: bytes, headers: Any = None) -> Any: ...


@dataclass(frozen=True)
class MessagesSettings:
    """The project's `messages` settings (Project.raml → MessagesConfiguration)."""

    enabled: bool
    keep_days: int

    def describe(self) -> str:
        if not self.enabled:
            return "messages query is disabled in the project settings (catch-up impossible)"
        return f"messages query enabled, messages kept {self.keep_days} days"


@dataclass
class CatchupReport:
    since: datetime
    until: datetime
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    newest: str | None = None
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return self.outcomes.get(status, 0)


async def messages_settings(client: CommercetoolsClient) -> MessagesSettings:
    project = await client.project()
    configuration = project.get("messages") or {}
    days = configuration.get("deleteDaysAfterCreation")
    return MessagesSettings(
        enabled=bool(configuration.get("enabled")),
        keep_days=int(days) if isinstance(days, int) else DEFAULT_KEEP_DAYS,
    )


def iso(moment: datetime) -> str:
    """The platform's DateTime form: UTC with milliseconds and `Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _next_millisecond(moment: datetime) -> datetime:
    """`moment` rounded up to the millisecond: createdAt carries milliseconds (truncated), so a
    message made before `until` but in its millisecond still falls inside [since, until)."""
    rest = moment.microsecond % 1000
    return moment + timedelta(microseconds=1000 - rest) if rest else moment


def window_predicates(since: datetime, until: datetime, message_types: Sequence[str]) -> list[str]:
    end = iso(_next_millisecond(until))
    predicates = [f"createdAt >= {_quoted(iso(since))}", f"createdAt < {_quoted(end)}"]
    if message_types:
        predicates.append(f"type in ({', '.join(_quoted(t) for t in sorted(message_types))})")
    return predicates


def after(created_at: str, message_id: str) -> str:
    """The keyset cursor: strictly after (createdAt, id) in the sort order."""
    stamp, ident = _quoted(created_at), _quoted(message_id)
    return f"(createdAt > {stamp} or (createdAt = {stamp} and id > {ident}))"


async def catch_up(
    client: CommercetoolsClient,
    intake: Intake,
    message_types: Sequence[str],
    since: datetime,
    until: datetime | None = None,
    *,
    page_size: int = MAX_PAGE_SIZE,
    on_page: Callable[[CatchupReport], Awaitable[None] | None] | None = None,
) -> CatchupReport:
    """Feeds every message of `message_types` created in [since, until) to `intake`, oldest first.

    Raises CatchupUnavailable when the Messages Query API is disabled. `until` defaults to now.
    An empty `message_types` means no connector takes commercetools messages: nothing is read.
    """
    until = until or datetime.now(UTC)
    if since >= until:
        raise ValueError("--since must be before --until")
    settings = await messages_settings(client)
    if not settings.enabled:
        raise CatchupUnavailable(settings.describe())
    report = CatchupReport(since=since, until=until)
    oldest_kept = datetime.now(UTC) - timedelta(days=settings.keep_days)
    if since < oldest_kept:
        report.warnings.append(
            f"messages are kept {settings.keep_days} days: those before {iso(oldest_kept)} "
            "may be gone; use a full load for that period"
        )
    if not message_types:
        report.warnings.append("no enabled connector takes commercetools messages")
        return report
    window = window_predicates(since, until, message_types)
    cursor: list[str] = []
    while True:
        page = await client.query(
            "messages",
            where=[*window, *cursor],
            sort=["createdAt asc", "id asc"],
            limit=page_size,
            params={"withTotal": False},
        )
        results: list[dict[str, Any]] = page.get("results", [])
        # A page goes in together: the intake writer stores what arrives at once in one
        # transaction. The inbox orders per resource by sequence number, not by arrival.
        accepted = await asyncio.gather(
            *(intake.accept(_delivery_body(m, client.project_key)) for m in results)
        )
        for result in accepted:
            report.outcomes[result.status] = report.outcomes.get(result.status, 0) + 1
        report.fetched += len(results)
        if results:
            last = results[-1]
            report.newest = last["createdAt"]
            cursor = [after(last["createdAt"], last["id"])]
            if on_page is not None:
                outcome = on_page(report)
                if outcome is not None:
                    await outcome
        if len(results) < page_size:
            return report


def _delivery_body(message: dict[str, Any], project_key: str) -> bytes:
    """The message as a Platform-format delivery would carry it (MessageDeliveryPayload)."""
    return json.dumps(
        {"notificationType": "Message", "projectKey": project_key, **message}
    ).encode()


async def newest_received(store: Store) -> datetime | None:
    """When the newest commercetools message in the inbox was received (None: inbox empty)."""
    async with store.begin() as connection:
        newest = await connection.scalar(
            select(func.max(inbox_messages.c.received_at)).where(inbox_messages.c.source == SOURCE)
        )
    return datetime.fromtimestamp(newest, UTC) if newest is not None else None


async def auto_since(store: Store, overlap: timedelta = AUTO_OVERLAP) -> datetime | None:
    """Where `CTBRIDGE_CATCHUP=auto` starts: a little before the newest message already in."""
    newest = await newest_received(store)
    return newest - overlap if newest is not None else None


async def messages_query_check(client: CommercetoolsClient, *, required: bool) -> str:
    """`ctbridge doctor`: whether the Messages Query API is on and how long it keeps messages.

    Raises when it is off and the catch-up is `required` (CTBRIDGE_CATCHUP=auto)."""
    settings = await messages_settings(client)
    if not settings.enabled and required:
        raise RuntimeError(
            f"{settings.describe()}; CTBRIDGE_CATCHUP=auto needs it (project settings → messages)"
        )
    return settings.describe()
