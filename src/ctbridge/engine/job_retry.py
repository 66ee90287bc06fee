"""When the scheduler retries a failed resumable job on its own: after a backoff, a bounded
number of times, never after a permanent failure or once someone ran the job again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ctbridge.engine.jobs import NOT_RETRIED, JobRun

# Statuses of a run that ended without finishing its work and may resume from its checkpoint.
RETRIED_STATUSES = ("failed", "lost")
TRIGGER = "retry"


@dataclass(frozen=True, slots=True)
class JobRetryPolicy:
    retries: int = 5
    base_seconds: float = 60.0
    max_seconds: float = 900.0

    def delay(self, failures: int) -> float:
        """The wait after the `failures`-th failure in a row (1, 2, ...)."""
        return min(self.base_seconds * 2 ** (failures - 1), self.max_seconds)


def retry_due(runs: Sequence[JobRun], now: float, policy: JobRetryPolicy) -> dict[str, Any] | None:
    """The params to retry with when a retry is due now, else None. `runs`: newest first."""
    failures = []
    for run in runs:
        if run.status not in RETRIED_STATUSES:
            break
        failures.append(run)
    if not failures or len(failures) > policy.retries:
        return None
    latest = failures[0]
    if (latest.error or "").endswith(NOT_RETRIED) or latest.finished_at is None:
        return None
    if now < latest.finished_at + policy.delay(len(failures)):
        return None
    return {key: value for key, value in latest.params.items() if key != "restart"}
