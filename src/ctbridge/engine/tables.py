"""The schema of the store: inbox, per-connector tasks, resource positions, jobs, state, limits."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

ID = BigInteger().with_variant(Integer, "sqlite")

inbox_messages = Table(
    "inbox_messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("message_id", String(255), nullable=False, unique=True),
    Column("source", String(64), nullable=False),
    Column("type", String(128), nullable=False),
    Column("resource_type", String(64)),
    Column("resource_id", String(255)),
    Column("sequence_number", BigInteger),
    Column("resource_version", BigInteger),
    Column("payload", Text, nullable=False),
    Column("payload_included", Boolean, nullable=False, default=True),
    Column("received_at", Float, nullable=False),
)

# One row per (message, connector): each connector's work on a message has its own status, so
# one connector's failure never blocks or repeats another's.
tasks = Table(
    "tasks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("message_pk", ID, ForeignKey("inbox_messages.id", ondelete="CASCADE"), nullable=False),
    Column("connector", String(64), nullable=False),
    Column("type", String(128), nullable=False),
    Column("resource_key", String(320)),
    Column("position", BigInteger),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_until", Float),
    Column("owner", String(128)),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float),
    # The claim walks this index in (next_attempt_at, id) order and stops after its batch.
    Index("ix_tasks_claim", "status", "next_attempt_at", "id"),
    Index("ix_tasks_resource", "connector", "resource_key", "status"),
    Index("ix_tasks_message", "message_pk"),
)

# At most one running task per (connector, resource), enforced by the database: two workers
# claiming from different snapshots cannot both start one (see engine/queue.py).
Index(
    "ux_tasks_one_running_per_resource",
    tasks.c.connector,
    tasks.c.resource_key,
    unique=True,
    sqlite_where=tasks.c.status == "running",
    postgresql_where=tasks.c.status == "running",
)

# The trace context (W3C traceparent, as JSON) of the request that delivered a message, kept only
# while traces are on, so that the worker continues the trace intake began. A table of its own:
# no column changes for stores created before it.
message_traces = Table(
    "message_traces",
    metadata,
    Column(
        "message_pk",
        ID,
        ForeignKey("inbox_messages.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("context", String(512), nullable=False),
)

# Per connector and resource: the newest position (sequence number) applied, the stale guard.
resource_states = Table(
    "resource_states",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("resource_key", String(320), primary_key=True),
    Column("last_applied", BigInteger),
)

rejected_deliveries = Table(
    "rejected_deliveries",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("received_at", Float, nullable=False),
    Column("source", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("body", Text),
)

kv_state = Table(
    "kv_state",
    metadata,
    Column("namespace", String(128), primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# A quota per time window (Ordergroove: N calls per minute): the takes of the last window,
# counted per time slot (JSON {slot: count}), and until when a 429 asked every worker to wait.
rate_windows = Table(
    "rate_windows",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("slots", Text, nullable=False),
    Column("paused_until", Float, nullable=False),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("job_name", String(128), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("params", Text, nullable=False),
    Column("owner", String(128)),
    Column("started_at", Float, nullable=False),
    Column("heartbeat_at", Float),
    Column("finished_at", Float),
    Column("progress_done", BigInteger, nullable=False, default=0),
    Column("progress_total", BigInteger),
    Column("progress_note", Text),
    Column("report", Text),
    Column("error", Text),
)

job_leases = Table(
    "job_leases",
    metadata,
    Column("job_name", String(128), primary_key=True),
    Column("owner", String(128)),
    Column("lease_until", Float),
    Column("run_id", ID),
    Column("next_run_at", Float),
)
