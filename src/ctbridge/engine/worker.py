"""The worker loop: claims due tasks from the queue, runs their handlers concurrently, records outcomes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import structlog

from ctbridge import tracing
from ctbridge.engine import metrics
from ctbridge.engine.connector import Outcome
from ctbridge.engine.inbox import Status
from ctbridge.engine.queue import ClaimedTask, TaskQueue, TaskResult
from ctbridge.engine.retry_policy import RetryPolicy
from ctbridge.errors import Permanent, Retryable

if TYPE_CHECKING:
    from ctbridge.engine.runtime import Runtime


log = structlog.get_logger("ctbridge.worker")
COMPLETION_INTERVAL = 0.02
OUTAGE_BACKOFF_MAX_SECONDS = 30.0
RECORD_ATTEMPTS_AT_SHUTDOWN = 5


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class StoreOutage:
    """Whether the database answers the worker. While it does not, the worker waits longer and
    longer (exponential, capped) before asking again, and says so once, not at every try."""

    def __init__(self, first_delay: float, max_delay: float = OUTAGE_BACKOFF_MAX_SECONDS) -> None:
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.down_since: float | None = None
        self.delay = 0.0
        self.retry_at = 0.0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def wait_seconds(self) -> float:
        return max(0.0, self.retry_at - time.monotonic())

    def failed(self, error: BaseException, worker: str) -> None:
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
            self.delay = self.first_delay
            log.warning("database unavailable, backing off", worker=worker, error=_describe(error))
        else:
            self.delay = min(self.max_delay, self.delay * 2)
        self.retry_at = now + self.delay

    def answered(self, worker: str) -> None:
        if self.down_since is not None:
            log.warning(
                "database reachable again",
                worker=worker,
                down_seconds=round(time.monotonic() - self.down_since, 1),
            )
        self.down_since = None
        self.retry_at = 0.0


class Worker:
    """Processes the inbox. What may run and when (per-resource order, stale rule, leases) is the
    queue's business (`engine/queue.py`); the worker dispatches, limits concurrency and shuts
    down gracefully."""

    def __init__(self, runtime: Runtime, *, name: str | None = None) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.store = runtime.store
        self.name = name or worker_name()
        self.batch = settings.worker_batch
        self.lease_seconds = settings.lease_seconds
        self.poll_seconds = settings.poll_seconds
        self.queue = TaskQueue(
            self.store,
            self.name,
            lease_seconds=settings.lease_seconds,
            policy=RetryPolicy(
                settings.max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
            ),
        )
        self.concurrency = settings.worker_concurrency
        self.outage = StoreOutage(first_delay=settings.poll_seconds)
        self._semaphore = asyncio.Semaphore(settings.worker_concurrency)
        self._last_reclaim = 0.0
        # Told about dead letters after they are committed (alerts); runs in the background so
        # a slow alert channel never holds the worker up.
        self.on_dead_letters: Callable[[list[TaskResult]], Awaitable[object]] | None = None
        self._alerts: set[asyncio.Task[object]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Works until `stop` is set, then finishes the tasks in hand and returns.

        A pipeline: whenever handler slots are free, more due tasks are claimed, so one slow
        handler never holds up the rest; results are recorded in small groups, and the leases of
        the tasks in hand are renewed while they run. While the database does not answer, the
        worker backs off (see `StoreOutage`) and keeps unrecorded results to record later.
        """
        log.info("worker started", worker=self.name)
        in_flight: dict[asyncio.Task[TaskResult], int] = {}
        unrecorded: list[TaskResult] = []
        keeper = asyncio.create_task(
            self._keep_leases(lambda: [*in_flight.values(), *(r.task.id for r in unrecorded)])
        )
        next_claim = 0.0
        failures_after_stop = 0
        try:
            while not stop.is_set() or in_flight or unrecorded:
                claimed: list[ClaimedTask] = []
                free = self.concurrency - len(in_flight)
                if (
                    not stop.is_set()
                    and free > 0
                    and time.monotonic() >= next_claim
                    and not self.outage.wait_seconds()
                ):
                    claimed = await self._claim_safely(min(self.batch, free))
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
                        unrecorded.append(handler_task.result())
                elif not claimed:
                    if stop.is_set():  # only unrecorded results are left: wait out the backoff
                        await asyncio.sleep(self.outage.wait_seconds())
                    else:
                        pause = max(0.01, next_claim - time.monotonic(), self.outage.wait_seconds())
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), pause)
                if unrecorded and not self.outage.wait_seconds():
                    if await self._record_safely(unrecorded):
                        unrecorded = []
                        # A finished task may have been holding back its resource's next one.
                        next_claim = 0.0
                    elif stop.is_set() and not in_flight:
                        failures_after_stop += 1
                        if failures_after_stop >= RECORD_ATTEMPTS_AT_SHUTDOWN:
                            log.warning(
                                "stopping with results not recorded; their tasks run again "
                                "once their leases expire",
                                worker=self.name,
                                count=len(unrecorded),
                            )
                            break
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        log.info("worker stopped", worker=self.name)

    async def _claim_safely(self, limit: int) -> list[ClaimedTask]:
        try:
            await self._reclaim_if_due()
            claimed = await self.queue.claim(limit)
        except Exception as error:  # the loop must survive the database going away
            self.outage.failed(error, self.name)
            return []
        self.outage.answered(self.name)
        return claimed

    async def _record_safely(self, results: list[TaskResult]) -> bool:
        """Records results; False (and a backoff) when the database did not take them. A task
        whose result is never recorded stays leased and runs again once its lease expires."""
        try:
            await self.complete(results)
        except Exception as error:
            self.outage.failed(error, self.name)
            return False
        self.outage.answered(self.name)
        return True

    async def run_once(self) -> int:
        """Claims one batch of due tasks and processes it; returns how many were claimed."""
        await self._reclaim_if_due()
        claimed = await self.queue.claim(self.batch)
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

    async def run_until_idle(self, timeout: float = 30.0, *, wait_for_retries: bool = False) -> int:
        """Processes until nothing is due (or, with `wait_for_retries`, nothing is pending)."""
        deadline = time.monotonic() + timeout
        total = 0
        while time.monotonic() < deadline:
            processed = await self.run_once()
            total += processed
            if processed:
                continue
            next_due = await self.queue.next_pending_due() if wait_for_retries else None
            if next_due is None:
                return total
            await asyncio.sleep(
                min(max(0.0, next_due - time.time()), 0.2, deadline - time.monotonic())
            )
        raise TimeoutError(f"inbox not idle after {timeout} s")

    async def _keep_leases(self, task_ids: Callable[[], list[int]]) -> None:
        """Extends the leases of the tasks in hand every third of a lease, so that a long
        handler is never taken for a dead worker's and run twice."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            held = task_ids()
            if not held:
                continue
            try:
                await self.queue.renew_leases(held)
            except Exception as error:
                self.outage.failed(error, self.name)
            else:
                self.outage.answered(self.name)

    async def _reclaim_if_due(self) -> None:
        """Takes back the tasks of dead workers, checked every few seconds."""
        now = time.time()
        if now - self._last_reclaim < min(5.0, self.lease_seconds):
            return
        self._last_reclaim = now
        self._alert(await self.queue.reclaim_expired())

    async def _process(self, task: ClaimedTask) -> TaskResult:
        message = task.message
        handler = self.runtime.registry.handler(task.connector, message.type)
        if handler is None:
            return TaskResult(task, Status.SKIPPED, "no handler for this message type")
        async with self._semaphore:
            started = time.perf_counter()
            span = tracing.continued(
                message.trace_context,
                f"handle {message.type}",
                {"ctbridge.connector": task.connector, "ctbridge.message_id": message.id},
            )
            try:
                with span:
                    outcome = await handler(message)
            except Permanent as error:
                _task_log(task).warning("permanent failure", reason=error.reason)
                return TaskResult(task, Status.DEAD, f"permanent: {error.reason}")
            except Retryable as error:
                return self._retry(task, f"retryable: {error.reason}", error.retry_after)
            except Exception as error:  # an unexpected bug in a handler must not lose the message
                _task_log(task).exception("handler crashed")
                return self._retry(task, f"error: {type(error).__name__}: {error}", None)
            finally:
                metrics.HANDLER_SECONDS.labels(task.connector, message.type).observe(
                    time.perf_counter() - started
                )
        if isinstance(outcome, Outcome) and outcome.status == "skipped":
            return TaskResult(task, Status.SKIPPED, outcome.detail or None)
        return TaskResult(
            task, Status.DONE, outcome.detail if isinstance(outcome, Outcome) else None
        )

    def _retry(self, task: ClaimedTask, reason: str, retry_after: float | None) -> TaskResult:
        result = self.queue.failed(task, reason, retry_after)
        bound = _task_log(task)
        if result.status == Status.DEAD:
            bound.warning("attempts exhausted", attempts=task.attempts, reason=reason)
        else:
            delay = (result.next_attempt_at or 0) - self.queue.clock()
            bound.info("will retry", attempts=task.attempts, delay=round(delay, 3), reason=reason)
        return result

    async def complete(self, results: Sequence[TaskResult]) -> None:
        await self.queue.complete(results)
        self._alert([result for result in results if result.status == Status.DEAD])

    def _alert(self, dead: list[TaskResult]) -> None:
        if dead and self.on_dead_letters is not None:
            alert = asyncio.create_task(self.on_dead_letters(dead))
            self._alerts.add(alert)
            alert.add_done_callback(self._alerts.discard)

    async def wait_for_alerts(self) -> None:
        if self._alerts:
            await asyncio.gather(*list(self._alerts), return_exceptions=True)

    async def release(self) -> int:
        """Returns this worker's running tasks to the queue (graceful shutdown)."""
        return await self.queue.release()


def _task_log(task: ClaimedTask) -> Any:
    """The log bound to `task`'s message: bound only when there is something to say, since
    binding costs more than most handlers when done for every task."""
    message = task.message
    return log.bind(message_id=message.id, type=message.type, connector=task.connector)


def _describe(error: BaseException) -> str:
    """The error's kind and first line, without SQL parameters or a traceback."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return f"{type(original).__name__}: {text.splitlines()[0] if text else ''}"[:300]
