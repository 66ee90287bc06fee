"""The task queue: claiming in per-resource order, the stale rule, leases, reclaim and outcomes."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Float, Integer, and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ctbridge.engine import metrics
from ctbridge.engine.inbox import Status, message_from_row
from ctbridge.engine.message import Message
from ctbridge.engine.retry_policy import RetryPolicy
from ctbridge.engine.store import Store
from ctbridge.engine.tables import inbox_messages, message_traces, resource_states, tasks

log = structlog.get_logger("ctbridge.queue")
MAX_ERROR_TEXT = 4000
WORKER_DIED = "worker died while handling it"
# Below every real sequence number or resource version: a task without a position (a message
# without one, or a replayed dead letter) goes first among its resource's waiting tasks.
NO_POSITION = -1


@dataclass(slots=True)
class ClaimedTask:
    id: int
    connector: str
    position: int | None
    attempts: int
    message: Message


@dataclass(slots=True)
class TaskResult:
    task: ClaimedTask
    status: str
    error: str | None = None
    next_attempt_at: float | None = None


def _claimable() -> Any:
    """Pending tasks that are due and that nothing of their (connector, resource) holds back.

    Held back by: any *running* task of the resource (older or newer: one at a time), or a
    pending task that comes earlier in the resource's order (position, then id; a retry that is
    not yet due still holds later ones back). The order is total, so exactly one waiting task
    per resource is claimable once nothing of it runs.
    """
    ahead = tasks.alias("ahead")
    ahead_position = func.coalesce(ahead.c.position, NO_POSITION)
    own_position = func.coalesce(tasks.c.position, NO_POSITION)
    held_back = exists().where(
        ahead.c.connector == tasks.c.connector,
        ahead.c.resource_key == tasks.c.resource_key,
        ahead.c.status.in_([Status.PENDING, Status.RUNNING]),
        ahead.c.id != tasks.c.id,
        or_(
            ahead.c.status == Status.RUNNING,
            ahead_position < own_position,
            and_(ahead_position == own_position, ahead.c.id < tasks.c.id),
        ),
    )
    return and_(
        tasks.c.status == Status.PENDING,
        tasks.c.next_attempt_at <= bindparam("now", type_=Float),
        or_(tasks.c.resource_key.is_(None), ~held_back),
    )


_CLAIMED_COLUMNS = (
    tasks.c.id,
    tasks.c.connector,
    tasks.c.position,
    tasks.c.attempts,
    inbox_messages.c.message_id,
    inbox_messages.c.type,
    inbox_messages.c.source,
    inbox_messages.c.resource_type,
    inbox_messages.c.resource_id,
    inbox_messages.c.sequence_number,
    inbox_messages.c.resource_version,
    inbox_messages.c.payload,
    inbox_messages.c.payload_included,
    message_traces.c.context.label("trace_context"),
)


class TaskQueue:
    """One worker's view of the `tasks` table; `owner` names the worker in leases.

    Claiming walks the due-index (status, next_attempt_at) and stops after `limit` rows, so its
    cost depends on the batch and on what is in flight, not on how many tasks are stored.
    `clock` is injectable so that tests can move time (leases, retries) without sleeping.
    """

    def __init__(
        self,
        store: Store,
        owner: str,
        *,
        lease_seconds: float,
        policy: RetryPolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.policy = policy
        self.clock = clock
        # The candidates come with their messages and their resources' last applied positions:
        # a claim is one read and one write, so it holds SQLite's write lock for less time.
        query = (
            select(*_CLAIMED_COLUMNS, tasks.c.resource_key, resource_states.c.last_applied)
            .join(inbox_messages, inbox_messages.c.id == tasks.c.message_pk)
            .outerjoin(message_traces, message_traces.c.message_pk == tasks.c.message_pk)
            .outerjoin(
                resource_states,
                and_(
                    resource_states.c.connector == tasks.c.connector,
                    resource_states.c.resource_key == tasks.c.resource_key,
                ),
            )
            .where(_claimable())
            .order_by(tasks.c.next_attempt_at, tasks.c.id)
            .limit(bindparam("limit", type_=Integer))
        )
        if not store.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=tasks)
        self._candidates = query
        self._raise_applied_positions = _raise_applied_positions(store)

    async def claim(self, limit: int) -> list[ClaimedTask]:
        """Leases up to `limit` due tasks; a task not newer than its resource's last applied
        position is marked stale instead (that check runs here, against what was applied)."""
        try:
            claimed, stale = await self._claim(limit)
        except IntegrityError:
            # PostgreSQL only: another worker leased a task of one of these resources between
            # our snapshot and our update; the unique "one running per resource" index refused
            # it and the whole claim rolled back. Nothing was taken; the next claim retries.
            log.debug("claim lost a race for a resource", worker=self.owner)
            return []
        for connector, message_type in stale:
            metrics.PROCESSED.labels(connector, message_type, Status.STALE).inc()
        return claimed

    async def _claim(self, limit: int) -> tuple[list[ClaimedTask], list[tuple[str, str]]]:
        now = self.clock()
        async with self.store.begin() as conn:
            candidates = (await conn.execute(self._candidates, {"now": now, "limit": limit})).all()
            if not candidates:
                return [], []
            stale = [row for row in candidates if _is_stale(row)]
            stale_ids = {row.id for row in stale}
            run = sorted((row for row in candidates if row.id not in stale_ids), key=_task_id)
            if stale_ids:
                await conn.execute(
                    update(tasks)
                    .where(tasks.c.id.in_(stale_ids))
                    .values(status=Status.STALE, finished_at=now, last_error="older than applied")
                )
            if not run:
                return [], [(row.connector, row.type) for row in stale]
            await conn.execute(
                update(tasks)
                .where(tasks.c.id.in_([row.id for row in run]))
                .values(
                    status=Status.RUNNING,
                    owner=self.owner,
                    lease_until=now + self.lease_seconds,
                    attempts=tasks.c.attempts + 1,
                )
            )
        claimed = [_claimed_task(row, attempts=row.attempts + 1) for row in run]
        return claimed, [(row.connector, row.type) for row in stale]

    def failed(self, task: ClaimedTask, reason: str, retry_after: float | None) -> TaskResult:
        """The outcome of a failed attempt: another one after a backoff, or a dead letter once
        the attempt budget is spent."""
        if self.policy.exhausted(task.attempts):
            return TaskResult(task, Status.DEAD, f"{reason} (after {task.attempts} attempts)")
        delay = self.policy.delay(task.attempts, retry_after)
        return TaskResult(task, Status.PENDING, reason, self.clock() + delay)

    async def complete(self, results: Sequence[TaskResult]) -> None:
        """Records outcomes of tasks this worker still holds, and the newest applied position
        per resource, in one transaction. A result for a task whose lease was lost is ignored."""
        now = self.clock()
        params = [
            {
                "task_id": result.task.id,
                "new_status": result.status,
                "error": None if result.error is None else result.error[:MAX_ERROR_TEXT],
                "next_at": result.next_attempt_at or now,
                "finished": None if result.status == Status.PENDING else now,
            }
            for result in results
        ]
        positions: dict[tuple[str, str], int] = {}
        for result in results:
            task = result.task
            key = task.message.resource_key
            if result.status in (Status.DONE, Status.SKIPPED) and key and task.position is not None:
                positions[(task.connector, key)] = max(
                    task.position, positions.get((task.connector, key), task.position)
                )
        async with self.store.begin() as conn:
            await conn.execute(
                update(tasks)
                .where(
                    tasks.c.id == bindparam("task_id"),
                    tasks.c.owner == self.owner,
                    tasks.c.status == Status.RUNNING,
                )
                .values(
                    status=bindparam("new_status"),
                    last_error=bindparam("error"),
                    next_attempt_at=bindparam("next_at"),
                    finished_at=bindparam("finished"),
                    owner=None,
                    lease_until=None,
                ),
                params,
            )
            if positions:
                await conn.execute(
                    self._raise_applied_positions,
                    [
                        {"connector": c, "resource_key": k, "last_applied": p}
                        for (c, k), p in positions.items()
                    ],
                )
        for result in results:
            labels = (result.task.connector, result.task.message.type)
            if result.status == Status.PENDING:
                metrics.RETRIED.labels(*labels).inc()
            elif result.status == Status.DEAD:
                metrics.DEAD_LETTERED.labels(*labels).inc()
            metrics.PROCESSED.labels(*labels, result.status).inc()

    async def renew_leases(self, task_ids: Sequence[int]) -> None:
        async with self.store.begin() as conn:
            await conn.execute(
                update(tasks)
                .where(
                    tasks.c.id.in_(list(task_ids)),
                    tasks.c.owner == self.owner,
                    tasks.c.status == Status.RUNNING,
                )
                .values(lease_until=self.clock() + self.lease_seconds)
            )

    async def reclaim_expired(self) -> list[TaskResult]:
        """Takes back tasks whose lease expired (their worker died or hung): back to pending, or,
        when their claims used up the attempt budget, to dead letters — a message that kills
        every worker that handles it must not be retried forever. Returns the dead letters."""
        now = self.clock()
        expired = and_(tasks.c.status == Status.RUNNING, tasks.c.lease_until < now)
        reason = f"{WORKER_DIED} (its lease expired; {self.policy.max_attempts} claims used)"
        async with self.store.begin() as conn:
            dead_ids = (
                (
                    await conn.execute(
                        update(tasks)
                        .where(expired, tasks.c.attempts >= self.policy.max_attempts)
                        .values(
                            status=Status.DEAD,
                            owner=None,
                            lease_until=None,
                            finished_at=now,
                            last_error=reason,
                        )
                        .returning(tasks.c.id)
                    )
                )
                .scalars()
                .all()
            )
            returned = await conn.execute(
                update(tasks)
                .where(expired)
                .values(status=Status.PENDING, owner=None, lease_until=None, next_attempt_at=now)
            )
            dead: list[TaskResult] = []
            if dead_ids:
                rows = await conn.execute(_claimed_rows(dead_ids))
                dead = [TaskResult(_claimed_task(row), Status.DEAD, reason) for row in rows]
        if returned.rowcount:
            log.warning("reclaimed tasks from expired leases", count=returned.rowcount)
        for result in dead:
            log.warning(
                "dead-lettered: its worker died on every attempt",
                message_id=result.task.message.id,
                connector=result.task.connector,
                attempts=result.task.attempts,
            )
            labels = (result.task.connector, result.task.message.type)
            metrics.DEAD_LETTERED.labels(*labels).inc()
            metrics.PROCESSED.labels(*labels, Status.DEAD).inc()
        return dead

    async def release(self) -> int:
        """Returns this worker's running tasks to the queue (graceful shutdown); the claims do
        not count against the attempt budget."""
        async with self.store.begin() as conn:
            result = await conn.execute(
                update(tasks)
                .where(tasks.c.owner == self.owner, tasks.c.status == Status.RUNNING)
                .values(
                    status=Status.PENDING,
                    owner=None,
                    lease_until=None,
                    attempts=tasks.c.attempts - 1,
                    next_attempt_at=self.clock(),
                )
            )
            return int(result.rowcount or 0)

    async def next_pending_due(self) -> float | None:
        """When the next waiting task is due (None when nothing is pending or running)."""
        async with self.store.begin() as conn:
            return (
                await conn.execute(
                    select(func.min(tasks.c.next_attempt_at)).where(
                        tasks.c.status.in_([Status.PENDING, Status.RUNNING])
                    )
                )
            ).scalar()


def _claimed_rows(task_ids: Sequence[int]) -> Any:
    """The tasks with their messages (and trace contexts), as `_claimed_task` reads them."""
    return (
        select(*_CLAIMED_COLUMNS)
        .join(inbox_messages, inbox_messages.c.id == tasks.c.message_pk)
        .outerjoin(message_traces, message_traces.c.message_pk == tasks.c.message_pk)
        .where(tasks.c.id.in_(task_ids))
        .order_by(tasks.c.id)
    )


def _claimed_task(row: Any, *, attempts: int | None = None) -> ClaimedTask:
    """`attempts`: the count after this claim, when `row` was read before the claim's update."""
    return ClaimedTask(
        row.id,
        row.connector,
        row.position,
        row.attempts if attempts is None else attempts,
        message_from_row(row),
    )


def _task_id(row: Any) -> int:
    return int(row.id)


def _is_stale(row: Any) -> bool:
    """Not newer than what was last applied to its resource (`row.last_applied`, joined in)."""
    if row.resource_key is None or row.position is None or row.last_applied is None:
        return False
    return bool(row.position <= row.last_applied)


def _raise_applied_positions(store: Store) -> Any:
    """One row per executemany parameter set (never a VALUES list, whose length would make
    each batch compile a new statement)."""
    statement = store.insert(resource_states)
    newer = statement.excluded.last_applied
    current = resource_states.c.last_applied
    return statement.on_conflict_do_update(
        index_elements=[resource_states.c.connector, resource_states.c.resource_key],
        set_={
            "last_applied": case(
                (current.is_(None), newer), (newer > current, newer), else_=current
            )
        },
    )
