"""How much work each connector finished lately, how long its queue waits, and what is retrying."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from ctbridge.engine.inbox import Status
from ctbridge.engine.store import Store
from ctbridge.engine.tables import inbox_messages, tasks

FINISHED = (Status.DONE, Status.SKIPPED, Status.STALE)


@dataclass(frozen=True, slots=True)
class ConnectorThroughput:
    connector: str
    finished: dict[int, int]
    """Window in seconds → tasks finished (done, skipped or stale) within it."""
    oldest_pending_age: float | None


@dataclass(frozen=True, slots=True)
class RetryingTask:
    """A task that failed at least once and waits for its next attempt."""

    task_id: int
    message_id: str
    connector: str
    type: str
    resource_key: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: float


class Throughput:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def by_connector(
        self, windows: Sequence[int] = (300, 3600), *, now: float | None = None
    ) -> dict[str, ConnectorThroughput]:
        """Per connector with recent or pending work: tasks finished per window (seconds) and
        the age of its oldest pending task."""
        now = time.time() if now is None else now
        windows = sorted(set(windows))
        counted = [
            func.sum(case((tasks.c.finished_at >= now - window, 1), else_=0)) for window in windows
        ]
        async with self.store.begin() as conn:
            finished_rows = (
                await conn.execute(
                    select(tasks.c.connector, *counted)
                    .where(tasks.c.status.in_(FINISHED), tasks.c.finished_at >= now - windows[-1])
                    .group_by(tasks.c.connector)
                )
            ).all()
            oldest_rows = (
                await conn.execute(
                    select(tasks.c.connector, func.min(tasks.c.created_at))
                    .where(tasks.c.status == Status.PENDING)
                    .group_by(tasks.c.connector)
                )
            ).all()
        finished = {
            row[0]: {
                window: int(count or 0) for window, count in zip(windows, row[1:], strict=True)
            }
            for row in finished_rows
        }
        oldest = {connector: max(0.0, now - created) for connector, created in oldest_rows}
        return {
            name: ConnectorThroughput(
                name, finished.get(name, dict.fromkeys(windows, 0)), oldest.get(name)
            )
            for name in sorted(finished.keys() | oldest.keys())
        }

    async def retrying(self, limit: int = 20) -> list[RetryingTask]:
        """Pending tasks with a recorded failure, the most recently failed first."""
        query = (
            select(
                tasks.c.id,
                tasks.c.connector,
                tasks.c.type,
                tasks.c.resource_key,
                tasks.c.attempts,
                tasks.c.last_error,
                tasks.c.next_attempt_at,
                inbox_messages.c.message_id,
            )
            .join(inbox_messages, inbox_messages.c.id == tasks.c.message_pk)
            .where(
                and_(
                    tasks.c.status == Status.PENDING,
                    tasks.c.attempts > 0,
                    tasks.c.last_error.is_not(None),
                )
            )
            .order_by(tasks.c.next_attempt_at.desc())
            .limit(limit)
        )
        async with self.store.begin() as conn:
            rows = (await conn.execute(query)).all()
        return [
            RetryingTask(
                task_id=row.id,
                message_id=row.message_id,
                connector=row.connector,
                type=row.type,
                resource_key=row.resource_key,
                attempts=row.attempts,
                last_error=row.last_error,
                next_attempt_at=row.next_attempt_at,
            )
            for row in rows
        ]


@dataclass(frozen=True, slots=True)
class ConnectorHistory:
    """One connector's last window in equal buckets, oldest first: tasks finished and
    dead-lettered within each bucket; at each bucket's end, the tasks not finished yet and the
    age of the oldest of them."""

    connector: str
    finished: list[int]
    dead: list[int]
    depth: list[int]
    oldest_age: list[float | None]


async def history(
    store: Store, *, window: int = 3600, buckets: int = 12, now: float | None = None
) -> dict[str, ConnectorHistory]:
    """Per connector, what happened over the last `window` seconds, in `buckets` buckets.

    Two reads: tasks that ended inside the window, and tasks still waiting (counted per bucket
    end by when they were created). The backlog at a past instant is rebuilt from both: created
    before it, and ended after it or not at all.
    """
    now = time.time() if now is None else now
    width = window / buckets
    start = now - window
    edges = [start + width * (i + 1) for i in range(buckets)]
    waiting_at = [func.sum(case((tasks.c.created_at <= edge, 1), else_=0)) for edge in edges]
    async with store.begin() as conn:
        ended = (
            await conn.execute(
                select(
                    tasks.c.connector, tasks.c.status, tasks.c.created_at, tasks.c.finished_at
                ).where(tasks.c.status.in_((*FINISHED, Status.DEAD)), tasks.c.finished_at >= start)
            )
        ).all()
        waiting = (
            await conn.execute(
                select(tasks.c.connector, func.min(tasks.c.created_at), *waiting_at)
                .where(tasks.c.status.in_((Status.PENDING, Status.RUNNING)))
                .group_by(tasks.c.connector)
            )
        ).all()
    result: dict[str, ConnectorHistory] = {}

    def flow_of(name: str) -> ConnectorHistory:
        if name not in result:
            result[name] = ConnectorHistory(
                name, [0] * buckets, [0] * buckets, [0] * buckets, [None] * buckets
            )
        return result[name]

    def waited(flow: ConnectorHistory, index: int, since: float) -> None:
        age = edges[index] - since
        flow.oldest_age[index] = max(flow.oldest_age[index] or 0.0, age)

    for connector, oldest, *counts in waiting:
        flow = flow_of(connector)
        for i, count in enumerate(counts):
            flow.depth[i] += int(count or 0)
            if count:
                waited(flow, i, oldest)
    for connector, status, created, finished in ended:
        flow = flow_of(connector)
        index = min(buckets - 1, int((finished - start) // width))
        (flow.dead if status == Status.DEAD else flow.finished)[index] += 1
        for i, edge in enumerate(edges):
            if created <= edge < finished:
                flow.depth[i] += 1
                waited(flow, i, created)
    return result
