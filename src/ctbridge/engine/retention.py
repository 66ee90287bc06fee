"""Retention: deletes what is older than CTBRIDGE_RETENTION_DAYS, in small batches.

What goes: finished tasks (done, skipped, stale), inbox messages no task refers to any more,
rejected deliveries, finished job runs (the latest run of each job stays) and readiness probe
rows. What stays: dead letters and their messages (until an operator replays or purges them),
tasks still pending or running, resource positions (the stale guard), checkpoints, watermarks.

Each batch is one short transaction of at most `batch` rows, with a pause between batches, so
intake (SQLite has one writer) is never held up behind the purge.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import delete, exists, func, select

from ctbridge.engine.store import PROBE_NAMESPACE, Store
from ctbridge.engine.tables import (
    inbox_messages,
    job_runs,
    kv_state,
    rejected_deliveries,
    tasks,
)

log = structlog.get_logger("ctbridge.retention")

DAY = 86_400.0
FINISHED_TASK_STATUSES = ("done", "skipped", "stale")
# The scheduler starts a purge at this cron slot; across processes each slot runs once.
SCHEDULE = "7 * * * *"
SLOT_NAME = "ctbridge.retention"


@dataclass
class PurgeResult:
    deleted: dict[str, int] = field(default_factory=dict)
    batches: int = 0


class Retention:
    def __init__(
        self,
        store: Store,
        days: float,
        *,
        batch: int = 500,
        pause_seconds: float = 0.02,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.days = days
        self.batch = batch
        self.pause_seconds = pause_seconds
        self.clock = clock

    async def purge(self) -> PurgeResult:
        """Deletes everything past retention; returns how many rows of each kind went."""
        result = PurgeResult()
        if self.days <= 0:
            return result
        cutoff = self.clock() - self.days * DAY
        for kind, table, condition in self._targets(cutoff):
            deleted = 0
            while True:
                count = await self._delete_batch(table, condition)
                result.batches += 1
                deleted += count
                if count < self.batch:
                    break
                await asyncio.sleep(self.pause_seconds)
            result.deleted[kind] = deleted
        result.deleted["probes"] = await self.purge_probes()
        if any(result.deleted.values()):
            log.info("retention purge", days=self.days, **result.deleted)
        return result

    def _targets(self, cutoff: float) -> list[tuple[str, Any, Any]]:
        has_task = exists().where(tasks.c.message_pk == inbox_messages.c.id)
        latest_runs = select(func.max(job_runs.c.id)).group_by(job_runs.c.job_name)
        return [
            (
                "tasks",
                tasks,
                tasks.c.status.in_(FINISHED_TASK_STATUSES) & (tasks.c.finished_at < cutoff),
            ),
            ("messages", inbox_messages, (inbox_messages.c.received_at < cutoff) & ~has_task),
            ("rejected", rejected_deliveries, rejected_deliveries.c.received_at < cutoff),
            (
                "job_runs",
                job_runs,
                (job_runs.c.status != "running")
                & (job_runs.c.finished_at < cutoff)
                & job_runs.c.id.not_in(latest_runs),
            ),
        ]

    async def _delete_batch(self, table: Any, condition: Any) -> int:
        # Oldest first by primary key, so a batch stops after `batch` matches instead of
        # scanning the table.
        chosen = select(table.c.id).where(condition).order_by(table.c.id).limit(self.batch)
        async with self.store.begin() as conn:
            ids = list((await conn.execute(chosen)).scalars())
            if ids:
                await conn.execute(delete(table).where(table.c.id.in_(ids)))
        return len(ids)

    async def purge_probes(self) -> int:
        """Readiness probe rows of processes gone for longer than retention."""
        cutoff = self.clock() - self.days * DAY
        async with self.store.begin() as conn:
            gone = await conn.execute(
                delete(kv_state).where(
                    kv_state.c.namespace == PROBE_NAMESPACE, kv_state.c.updated_at < cutoff
                )
            )
        return int(gone.rowcount or 0)
