"""Prometheus metrics of intake, processing, retries, dead letters, queue depth and jobs."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RECEIVED = Counter("ctbridge_received_total", "Deliveries accepted into the inbox", ["source"])
DUPLICATES = Counter(
    "ctbridge_duplicates_total", "Deliveries whose message id was stored already", ["source"]
)
REJECTED = Counter(
    "ctbridge_rejected_total", "Deliveries acknowledged but not stored", ["source", "reason"]
)
PROCESSED = Counter("ctbridge_processed_total", "Tasks finished", ["connector", "type", "outcome"])
RETRIED = Counter(
    "ctbridge_retried_total", "Tasks scheduled for another attempt", ["connector", "type"]
)
DEAD_LETTERED = Counter(
    "ctbridge_dead_lettered_total", "Tasks moved to dead letters", ["connector", "type"]
)
HANDLER_SECONDS = Histogram(
    "ctbridge_handler_seconds",
    "Handler latency",
    ["connector", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
QUEUE_DEPTH = Gauge("ctbridge_queue_depth", "Tasks waiting, by status", ["status"])
OLDEST_PENDING_SECONDS = Gauge("ctbridge_oldest_pending_seconds", "Age of the oldest waiting task")
JOB_RUNS = Counter("ctbridge_job_runs_total", "Job runs finished", ["job", "status"])
RATE_LIMIT_WAIT_SECONDS = Counter(
    "ctbridge_rate_limit_wait_seconds_total",
    "Seconds spent waiting for a shared rate limit's tokens",
    ["key"],
)
STORE_FAILURES = Counter(
    "ctbridge_store_failures_total",
    "Writes the store failed (unreachable, locked, replaced), by operation",
    ["operation"],
)
