"""The durable inbox: stores each message once, fans it out to connectors, keeps dead letters."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, select, update

from ctbridge.engine.message import Message
from ctbridge.engine.store import Store, dumps, loads
from ctbridge.engine.tables import inbox_messages, message_traces, rejected_deliveries, tasks

MAX_REJECTED_BODY = 64 * 1024


class Status:
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    STALE = "stale"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    task_id: int
    message_id: str
    connector: str
    type: str
    resource_key: str | None
    attempts: int
    last_error: str | None
    finished_at: float | None
    payload: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class QueueStats:
    pending: int
    running: int
    dead: int
    oldest_pending_age: float | None


class Inbox:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._insert_messages = (
            store.insert(inbox_messages)
            .on_conflict_do_nothing(index_elements=[inbox_messages.c.message_id])
            .returning(inbox_messages.c.id, inbox_messages.c.message_id)
        )
        self._insert_traces = store.insert(message_traces).on_conflict_do_nothing()

    async def enqueue(self, message: Message, connectors: Sequence[str]) -> bool:
        return (await self.enqueue_many([(message, connectors)]))[0]

    async def enqueue_many(self, items: Sequence[tuple[Message, Sequence[str]]]) -> list[bool]:
        """Stores messages in one transaction; returns, per item, False for a duplicate id."""
        now = time.time()
        inserted: dict[str, int] = {}
        async with self.store.begin() as conn:
            # executemany of one cached statement: SQLAlchemy batches it into multi-row INSERTs
            # with RETURNING ("insertmanyvalues") without compiling a new statement per batch.
            rows = [_message_row(message, now) for message, _ in items]
            for row in await conn.execute(self._insert_messages, rows):
                inserted[row.message_id] = row.id
            task_rows = []
            claimed: set[str] = set()
            for message, connectors in items:
                pk = inserted.get(message.id)
                if pk is None or message.id in claimed:
                    continue
                claimed.add(message.id)
                task_rows.extend(_task_row(pk, message, connector, now) for connector in connectors)
            if task_rows:
                await conn.execute(tasks.insert(), task_rows)
            traces = [
                {"message_pk": inserted[message.id], "context": message.trace_context}
                for message, _ in items
                if message.trace_context and message.id in inserted
            ]
            if traces:
                await conn.execute(self._insert_traces, traces)
        seen: set[str] = set()
        results = []
        for message, _ in items:
            results.append(message.id in inserted and message.id not in seen)
            seen.add(message.id)
        return results

    async def record_rejection(self, source: str, reason: str, body: bytes | str | None) -> None:
        """Keeps a delivery that could not be parsed, with why, for an operator to inspect."""
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if text is not None:
            text = text.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL
        async with self.store.begin() as conn:
            await conn.execute(
                rejected_deliveries.insert().values(
                    received_at=time.time(),
                    source=source,
                    reason=reason,
                    body=None if text is None else text[:MAX_REJECTED_BODY],
                )
            )

    async def rejections(self, limit: int = 50) -> list[dict[str, Any]]:
        async with self.store.begin() as conn:
            rows = await conn.execute(
                select(rejected_deliveries).order_by(rejected_deliveries.c.id.desc()).limit(limit)
            )
            return [dict(row._mapping) for row in rows]

    async def stats(self) -> QueueStats:
        now = time.time()
        async with self.store.begin() as conn:
            counts = dict(
                (
                    await conn.execute(
                        select(tasks.c.status, func.count())
                        .where(tasks.c.status.in_([Status.PENDING, Status.RUNNING, Status.DEAD]))
                        .group_by(tasks.c.status)
                    )
                ).all()
            )
            oldest = (
                await conn.execute(
                    select(func.min(tasks.c.created_at)).where(tasks.c.status == Status.PENDING)
                )
            ).scalar()
        return QueueStats(
            pending=counts.get(Status.PENDING, 0),
            running=counts.get(Status.RUNNING, 0),
            dead=counts.get(Status.DEAD, 0),
            oldest_pending_age=None if oldest is None else max(0.0, now - oldest),
        )

    async def task_counts(self) -> dict[tuple[str, str], int]:
        """(connector, status) → count, for the admin page and metrics."""
        async with self.store.begin() as conn:
            rows = await conn.execute(
                select(tasks.c.connector, tasks.c.status, func.count()).group_by(
                    tasks.c.connector, tasks.c.status
                )
            )
            return {(row[0], row[1]): row[2] for row in rows}

    # -- dead letters -------------------------------------------------------------------------
    async def dead_letters(
        self, *, connector: str | None = None, limit: int = 100
    ) -> list[DeadLetter]:
        query = _dead_query(_dead_condition(None, connector)).order_by(tasks.c.id).limit(limit)
        async with self.store.begin() as conn:
            return [_dead_letter(row, with_payload=False) for row in await conn.execute(query)]

    async def dead_letter(self, task_id: int) -> DeadLetter | None:
        async with self.store.begin() as conn:
            row = (await conn.execute(_dead_query(_dead_condition([task_id], None)))).first()
        return None if row is None else _dead_letter(row, with_payload=True)

    async def replay(
        self, task_ids: Sequence[int] | None = None, *, connector: str | None = None
    ) -> int:
        """Puts dead letters back in the queue with a fresh attempt budget.

        A replay is an operator's decision, so it is applied even if newer messages for the same
        resource were applied meanwhile (its position is cleared, which bypasses the stale guard).
        """
        condition = _dead_condition(task_ids, connector)
        async with self.store.begin() as conn:
            result = await conn.execute(
                update(tasks)
                .where(condition)
                .values(
                    status=Status.PENDING,
                    attempts=0,
                    position=None,
                    next_attempt_at=time.time(),
                    lease_until=None,
                    owner=None,
                    finished_at=None,
                )
            )
            return int(result.rowcount or 0)

    async def purge(
        self, task_ids: Sequence[int] | None = None, *, connector: str | None = None
    ) -> int:
        condition = _dead_condition(task_ids, connector)
        async with self.store.begin() as conn:
            result = await conn.execute(delete(tasks).where(condition))
            return int(result.rowcount or 0)


def _message_row(message: Message, now: float) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "source": message.source,
        "type": message.type,
        "resource_type": message.resource_type,
        "resource_id": message.resource_id,
        "sequence_number": message.sequence_number,
        "resource_version": message.resource_version,
        "payload": message.payload_text
        if message.payload_text is not None
        else dumps(message.payload),
        "payload_included": message.payload_included,
        "received_at": now,
    }


def _task_row(pk: int, message: Message, connector: str, now: float) -> dict[str, Any]:
    return {
        "message_pk": pk,
        "connector": connector,
        "type": message.type,
        "resource_key": message.resource_key,
        "position": message.order_number,
        "status": Status.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def message_from_row(row: Any) -> Message:
    return Message(
        id=row.message_id,
        type=row.type,
        source=row.source,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        sequence_number=row.sequence_number,
        resource_version=row.resource_version,
        payload=loads(row.payload),
        payload_included=bool(row.payload_included),
        trace_context=getattr(row, "trace_context", None),
    )


def _dead_query(condition: Any) -> Any:
    return (
        select(
            tasks.c.id,
            tasks.c.connector,
            tasks.c.type,
            tasks.c.resource_key,
            tasks.c.attempts,
            tasks.c.last_error,
            tasks.c.finished_at,
            inbox_messages.c.message_id,
            inbox_messages.c.payload,
        )
        .join(inbox_messages, inbox_messages.c.id == tasks.c.message_pk)
        .where(condition)
    )


def _dead_condition(task_ids: Sequence[int] | None, connector: str | None) -> Any:
    condition = tasks.c.status == Status.DEAD
    if task_ids is not None:
        condition = and_(condition, tasks.c.id.in_(list(task_ids)))
    if connector:
        condition = and_(condition, tasks.c.connector == connector)
    return condition


def _dead_letter(row: Any, *, with_payload: bool) -> DeadLetter:
    return DeadLetter(
        task_id=row.id,
        message_id=row.message_id,
        connector=row.connector,
        type=row.type,
        resource_key=row.resource_key,
        attempts=row.attempts,
        last_error=row.last_error,
        finished_at=row.finished_at,
        payload=loads(row.payload) if with_payload else None,
    )
