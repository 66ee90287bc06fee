"""The worker: claims due tasks, runs their handlers, then marks done, retries or dead-letters."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import and_, bindparam, case, exists, func, or_, select, update

from ctbridge.engine import metrics
from ctbridge.engine.connector import Outcome
from ctbridge.engine.errors import Permanent, Retryable
from ctbridge.engine.inbox import Status, message_from_row
from ctbridge.engine.message import Message
from ctbridge.engine.retry_policy import RetryPolicy
from ctbridge.engine.tables import inbox_messages, resource_states, tasks

if TYPE_CHECKING:
    from ctbridge.engine.runtime import Runtime

log = structlog.get_logger("ctbridge.worker")
MAX_ERROR_TEXT = 4000
COMPLETION_INTERVAL = 0.02


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


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Processes the inbox in batches. Per connector and resource, tasks run one at a time in
    position order (an earlier task still waiting, even for a retry, holds later ones back), and a
    task whose position is not newer than the one last applied is marked stale, not run."""

    def __init__(self, runtime: Runtime, *, name: str | None = None) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.store = runtime.store
        self.name = name or worker_name()
        self.batch = settings.worker_batch
        self.lease_seconds = settings.lease_seconds
        self.poll_seconds = settings.poll_seconds
        self.policy = RetryPolicy(
            settings.max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
        )
        self.concurrency = settings.worker_concurrency
        self._semaphore = asyncio.Semaphore(settings.worker_concurrency)
        self._last_reclaim = 0.0
        # Told about each batch's dead letters after they are committed (alerts); runs in the
        # background so a slow alert channel never holds the worker up.
        self.on_dead_letters: Callable[[list[TaskResult]], Awaitable[object]] | None = None
        self._alerts: set[asyncio.Task[object]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Works until `stop` is set, then finishes the tasks in hand and returns.

        A pipeline: whenever handler slots are free, more due tasks are claimed, so one slow
        handler never holds up the rest; results are recorded in small groups, and the leases of
        the tasks in hand are renewed while they run.
        """
        log.info("worker started", worker=self.name)
        in_flight: dict[asyncio.Task[TaskResult], int] = {}
        finished: list[TaskResult] = []
        keeper = asyncio.create_task(self._keep_leases(lambda: list(in_flight.values())))
        next_claim = 0.0
        try:
            while not stop.is_set() or in_flight:
                claimed: list[ClaimedTask] = []
                free = self.concurrency - len(in_flight)
                if not stop.is_set() and free > 0 and time.monotonic() >= next_claim:
                    try:
                        await self._reclaim_expired()
                        claimed = await self.claim(limit=min(self.batch, free))
                    except Exception:  # the loop must survive a database hiccup
                        log.exception("worker claim failed", worker=self.name)
                    # Nothing due: ask again after the poll interval, not on every completion.
                    next_claim = 0.0 if claimed else time.monotonic() + self.poll_seconds
                for task in claimed:
                    in_flight[asyncio.create_task(self._process(task))] = task.id
                if in_flight:
                    done, _ = await asyncio.wait(
                        in_flight, timeout=COMPLETION_INTERVAL, return_when=asyncio.FIRST_COMPLETED
                    )
                    for handler_task in done:
                        in_flight.pop(handler_task)
                        finished.append(handler_task.result())
                elif not claimed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.poll_seconds)
                if finished:
                    await self._complete_safely(finished)
                    finished = []
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        log.info("worker stopped", worker=self.name)

    async def run_once(self) -> int:
        """Claims one batch of due tasks and processes it; returns how many were claimed."""
        await self._reclaim_expired()
        claimed = await self.claim()
        if not claimed:
            return 0
        ids = [task.id for task in claimed]
        keeper = asyncio.create_task(self._keep_leases(lambda: ids))
        try:
            results = await asyncio.gather(*(self._process(task) for task in claimed))
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        await self.complete(results)
        return len(claimed)

    async def _complete_safely(self, results: list[TaskResult]) -> None:
        """Records results, retrying a failed write a few times; a task whose result could not
        be recorded stays leased and is reclaimed (and run again) once its lease expires."""
        for attempt in range(5):
            try:
                await self.complete(results)
                return
            except Exception:
                log.exception("recording results failed", worker=self.name, attempt=attempt + 1)
                await asyncio.sleep(0.2 * 2**attempt)

    async def _keep_leases(self, task_ids: Callable[[], list[int]]) -> None:
        """Extends the leases of the tasks in hand every third of a lease, so that a long
        handler is never taken for a dead worker's and run twice."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            held = task_ids()
            if not held:
                continue
            try:
                async with self.store.begin() as conn:
                    await conn.execute(
                        update(tasks)
                        .where(
                            tasks.c.id.in_(held),
                            tasks.c.owner == self.name,
                            tasks.c.status == Status.RUNNING,
                        )
                        .values(lease_until=time.time() + self.lease_seconds)
                    )
            except Exception:
                log.exception("lease renewal failed", worker=self.name)

    async def run_until_idle(self, timeout: float = 30.0, *, wait_for_retries: bool = False) -> int:
        """Processes until nothing is due (or, with `wait_for_retries`, nothing is pending)."""
        deadline = time.monotonic() + timeout
        total = 0
        while time.monotonic() < deadline:
            processed = await self.run_once()
            total += processed
            if processed:
                continue
            next_due = await self._next_pending_due() if wait_for_retries else None
            if next_due is None:
                return total
            await asyncio.sleep(
                min(max(0.0, next_due - time.time()), 0.2, deadline - time.monotonic())
            )
        raise TimeoutError(f"inbox not idle after {timeout} s")

    # -- claiming -----------------------------------------------------------------------------
    async def claim(self, limit: int | None = None) -> list[ClaimedTask]:
        now = time.time()
        earlier = tasks.alias("earlier")
        blocked_by_earlier = exists().where(
            earlier.c.connector == tasks.c.connector,
            earlier.c.resource_key == tasks.c.resource_key,
            earlier.c.status.in_([Status.PENDING, Status.RUNNING]),
            or_(
                earlier.c.position < tasks.c.position,
                and_(
                    or_(
                        earlier.c.position == tasks.c.position,
                        earlier.c.position.is_(None),
                        tasks.c.position.is_(None),
                    ),
                    earlier.c.id < tasks.c.id,
                ),
            ),
        )
        query = (
            select(
                tasks.c.id,
                tasks.c.connector,
                tasks.c.type,
                tasks.c.resource_key,
                tasks.c.position,
            )
            .where(
                tasks.c.status == Status.PENDING,
                tasks.c.next_attempt_at <= now,
                or_(tasks.c.resource_key.is_(None), ~blocked_by_earlier),
            )
            .order_by(tasks.c.id)
            .limit(limit or self.batch)
        )
        if not self.store.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=tasks)
        async with self.store.begin() as conn:
            candidates = (await conn.execute(query)).all()
            if not candidates:
                return []
            applied = await self._last_applied(conn, candidates)
            stale = [
                row
                for row in candidates
                if row.resource_key is not None
                and row.position is not None
                and applied.get((row.connector, row.resource_key)) is not None
                and row.position <= applied[(row.connector, row.resource_key)]
            ]
            stale_ids = {row.id for row in stale}
            run_ids = [row.id for row in candidates if row.id not in stale_ids]
            if stale_ids:
                await conn.execute(
                    update(tasks)
                    .where(tasks.c.id.in_(stale_ids))
                    .values(status=Status.STALE, finished_at=now, last_error="older than applied")
                )
            if not run_ids:
                return []
            await conn.execute(
                update(tasks)
                .where(tasks.c.id.in_(run_ids))
                .values(
                    status=Status.RUNNING,
                    owner=self.name,
                    lease_until=now + self.lease_seconds,
                    attempts=tasks.c.attempts + 1,
                )
            )
            rows = await conn.execute(
                select(
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
                )
                .join(inbox_messages, inbox_messages.c.id == tasks.c.message_pk)
                .where(tasks.c.id.in_(run_ids))
                .order_by(tasks.c.id)
            )
            claimed = [
                ClaimedTask(
                    row.id, row.connector, row.position, row.attempts, message_from_row(row)
                )
                for row in rows
            ]
        for row in stale:
            metrics.PROCESSED.labels(row.connector, row.type, Status.STALE).inc()
        return claimed

    async def _last_applied(self, conn: Any, candidates: list[Any]) -> dict[tuple[str, str], int]:
        keys = {(row.connector, row.resource_key) for row in candidates if row.resource_key}
        if not keys:
            return {}
        connectors = {connector for connector, _ in keys}
        resource_keys = {key for _, key in keys}
        rows = await conn.execute(
            select(resource_states).where(
                resource_states.c.connector.in_(connectors),
                resource_states.c.resource_key.in_(resource_keys),
            )
        )
        return {(row.connector, row.resource_key): row.last_applied for row in rows}

    async def _reclaim_expired(self) -> None:
        """Returns tasks whose worker died (lease expired) to the queue, checked every few seconds."""
        now = time.time()
        if now - self._last_reclaim < min(5.0, self.lease_seconds):
            return
        self._last_reclaim = now
        async with self.store.begin() as conn:
            result = await conn.execute(
                update(tasks)
                .where(tasks.c.status == Status.RUNNING, tasks.c.lease_until < now)
                .values(status=Status.PENDING, owner=None, lease_until=None, next_attempt_at=now)
            )
        if result.rowcount:
            log.warning("reclaimed tasks from expired leases", count=result.rowcount)

    async def _next_pending_due(self) -> float | None:
        async with self.store.begin() as conn:
            return (
                await conn.execute(
                    select(func.min(tasks.c.next_attempt_at)).where(
                        tasks.c.status.in_([Status.PENDING, Status.RUNNING])
                    )
                )
            ).scalar()

    # -- processing ---------------------------------------------------------------------------
    async def _process(self, task: ClaimedTask) -> TaskResult:
        message = task.message
        handler = self.runtime.registry.handler(task.connector, message.type)
        bound = log.bind(message_id=message.id, type=message.type, connector=task.connector)
        if handler is None:
            return TaskResult(task, Status.SKIPPED, "no handler for this message type")
        async with self._semaphore:
            started = time.perf_counter()
            try:
                outcome = await handler(message)
            except Permanent as error:
                bound.warning("permanent failure", reason=error.reason)
                return TaskResult(task, Status.DEAD, f"permanent: {error.reason}")
            except Retryable as error:
                return self._retry(task, f"retryable: {error.reason}", error.retry_after, bound)
            except Exception as error:  # an unexpected bug in a handler must not lose the message
                bound.exception("handler crashed")
                return self._retry(task, f"error: {type(error).__name__}: {error}", None, bound)
            finally:
                metrics.HANDLER_SECONDS.labels(task.connector, message.type).observe(
                    time.perf_counter() - started
                )
        if isinstance(outcome, Outcome) and outcome.status == "skipped":
            return TaskResult(task, Status.SKIPPED, outcome.detail or None)
        return TaskResult(
            task, Status.DONE, outcome.detail if isinstance(outcome, Outcome) else None
        )

    def _retry(
        self, task: ClaimedTask, reason: str, retry_after: float | None, bound: Any
    ) -> TaskResult:
        if self.policy.exhausted(task.attempts):
            bound.warning("attempts exhausted", attempts=task.attempts, reason=reason)
            return TaskResult(task, Status.DEAD, f"{reason} (after {task.attempts} attempts)")
        delay = self.policy.delay(task.attempts, retry_after)
        bound.info("will retry", attempts=task.attempts, delay=round(delay, 3), reason=reason)
        return TaskResult(task, Status.PENDING, reason, time.time() + delay)

    async def complete(self, results: list[TaskResult]) -> None:
        now = time.time()
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
                .where(tasks.c.id == bindparam("task_id"), tasks.c.owner == self.name)
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
                statement = self.store.insert(resource_states).values(
                    [
                        {"connector": c, "resource_key": k, "last_applied": p}
                        for (c, k), p in positions.items()
                    ]
                )
                newer = statement.excluded.last_applied
                current = resource_states.c.last_applied
                statement = statement.on_conflict_do_update(
                    index_elements=[resource_states.c.connector, resource_states.c.resource_key],
                    set_={
                        "last_applied": case(
                            (current.is_(None), newer), (newer > current, newer), else_=current
                        )
                    },
                )
                await conn.execute(statement)
        dead = [result for result in results if result.status == Status.DEAD]
        if dead and self.on_dead_letters is not None:
            alert = asyncio.create_task(self.on_dead_letters(dead))
            self._alerts.add(alert)
            alert.add_done_callback(self._alerts.discard)
        for result in results:
            labels = (result.task.connector, result.task.message.type)
            if result.status == Status.PENDING:
                metrics.RETRIED.labels(*labels).inc()
            elif result.status == Status.DEAD:
                metrics.DEAD_LETTERED.labels(*labels).inc()
            metrics.PROCESSED.labels(*labels, result.status).inc()

    async def wait_for_alerts(self) -> None:
        if self._alerts:
            await asyncio.gather(*list(self._alerts), return_exceptions=True)

    async def release(self) -> int:
        """Returns this worker's running tasks to the queue (graceful shutdown)."""
        async with self.store.begin() as conn:
            result = await conn.execute(
                update(tasks)
                .where(tasks.c.owner == self.name, tasks.c.status == Status.RUNNING)
                .values(
                    status=Status.PENDING,
                    owner=None,
                    lease_until=None,
                    attempts=tasks.c.attempts - 1,
                    next_attempt_at=time.time(),
                )
            )
            return int(result.rowcount or 0)
