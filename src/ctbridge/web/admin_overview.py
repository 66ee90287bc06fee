"""Gathers everything the admin page shows into one JSON-ready snapshot."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from ctbridge.engine.inbox import Inbox, Status
from ctbridge.engine.jobs import JobRun
from ctbridge.engine.throughput import Throughput, history
from ctbridge.host import Engine
from ctbridge.web.admin_api import job_run_view
from ctbridge.web.subscription_health import SubscriptionHealth

WINDOWS = (300, 3600)
MAX_BODY_PREVIEW = 300
HISTORY_SECONDS = 3600
HISTORY_BUCKETS = 12
HISTORY_REFRESH_SECONDS = 15.0


def connector_state(tasks: dict[str, int], retrying: int, enabled: bool) -> str:
    """One word for an operator: what needs a look first wins."""
    if not enabled:
        return "disabled"
    if tasks.get(Status.DEAD, 0):
        return "dead letters"
    if retrying:
        return "retrying"
    if tasks.get(Status.PENDING, 0) or tasks.get(Status.RUNNING, 0):
        return "busy"
    return "idle"


def run_summary(run: JobRun) -> dict[str, Any]:
    """A job run with its report's counts only; the itemised report is one click away."""
    view = job_run_view(run)
    view["report"] = {
        "counts": dict(run.report.counts),
        "items": len(run.report.details) + run.report.dropped_details,
    }
    return view


class AdminOverview:
    def __init__(self, engine: Engine, subscriptions: SubscriptionHealth | None = None) -> None:
        self.engine = engine
        self.inbox = Inbox(engine.store)
        self.throughput = Throughput(engine.store)
        self.subscriptions = subscriptions or SubscriptionHealth(engine)
        self._history: tuple[float, dict[str, Any]] | None = None

    async def last_hour(self) -> dict[str, Any]:
        """Per connector, the last hour in 5-minute buckets; read at most every 15 s, since the
        page refreshes every few seconds and an hour's history barely moves in between."""
        now = time.time()
        if self._history is None or now - self._history[0] >= HISTORY_REFRESH_SECONDS:
            flows = await history(
                self.engine.store, window=HISTORY_SECONDS, buckets=HISTORY_BUCKETS, now=now
            )
            self._history = (now, {name: asdict(flow) for name, flow in flows.items()})
        return self._history[1]

    async def snapshot(self) -> dict[str, Any]:
        engine = self.engine
        queue = await self.inbox.stats()
        counts = await self.inbox.task_counts()
        throughput = await self.throughput.by_connector(WINDOWS)
        failures = await self.throughput.retrying(20)
        dead = await self.inbox.dead_letters(limit=100)
        rejected = await self.inbox.rejections(20)
        subscriptions = await self.subscriptions.report()

        by_connector: dict[str, dict[str, int]] = {}
        for (connector, status), count in counts.items():
            by_connector.setdefault(connector, {})[status] = count
        retrying: dict[str, int] = {}
        for failure in failures:
            retrying[failure.connector] = retrying.get(failure.connector, 0) + 1
        names = sorted(set(engine.connectors) | set(by_connector))
        connectors = []
        for name in names:
            tasks = by_connector.get(name, {})
            flow = throughput.get(name)
            finished = flow.finished if flow else dict.fromkeys(WINDOWS, 0)
            connectors.append(
                {
                    "name": name,
                    "enabled": name in engine.connectors,
                    "state": connector_state(
                        tasks, retrying.get(name, 0), name in engine.connectors
                    ),
                    "tasks": tasks,
                    "finished_5m": finished[300],
                    "finished_60m": finished[3600],
                    "oldest_pending_age": flow.oldest_pending_age if flow else None,
                }
            )
        return {
            "generated_at": time.time(),
            "worker": engine.name,
            "queue": asdict(queue),
            "connectors": connectors,
            "failures": [asdict(failure) for failure in failures],
            "dead_letters": [asdict(letter) for letter in dead],
            "jobs": await self._jobs(),
            "running": [
                run_summary(run)
                for run in await engine.jobs.runs(limit=50)
                if run.status == "running"
            ],
            "rejected": [_rejection_view(row) for row in rejected],
            "history": await self.last_hour(),
            "history_bucket_minutes": HISTORY_SECONDS // HISTORY_BUCKETS // 60,
            "subscriptions": asdict(subscriptions),
        }

    async def _jobs(self) -> list[dict[str, Any]]:
        next_runs = await self.engine.scheduler.next_runs()
        jobs = []
        for name, (connector, spec) in sorted(self.engine.registry.jobs().items()):
            last = await self.engine.jobs.runs(name, 1)
            jobs.append(
                {
                    "name": name,
                    "connector": connector,
                    "schedule": spec.schedule,
                    "next_run_at": next_runs.get(name) if spec.schedule else None,
                    "last_run": run_summary(last[0]) if last else None,
                }
            )
        return jobs


def _rejection_view(row: dict[str, Any]) -> dict[str, Any]:
    body = row.get("body")
    preview = None if body is None else body[:MAX_BODY_PREVIEW]
    return {
        "id": row["id"],
        "received_at": row["received_at"],
        "source": row["source"],
        "reason": row["reason"],
        "body_preview": preview,
        "body_truncated": body is not None and len(body) > MAX_BODY_PREVIEW,
    }
