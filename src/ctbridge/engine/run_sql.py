"""The statements every job run executes (its record and its lease), as plain SQL.

Each engine compiles a statement the first time it runs it, and keys what it compiled by its own
dialect: the expression-language forms of these statements cost a new engine (`ctbridge
run-job` opens one per run) about 1.5 ms of compiling per run, where text costs microseconds.
The SQL is the same on SQLite (3.35+, for RETURNING) and PostgreSQL; the tables are
`ctbridge.engine.tables.job_runs` and `job_leases`, and the tests run it on both databases.
Parameters of the lease statements: lease_name, lease_owner, lease_run, lease_until, lease_now.
"""

from __future__ import annotations

from sqlalchemy import text

# "trigger" is a keyword in both databases: quoted wherever it is named.

# Runs left "running" by a process that lost the lease.
ABANDON_RUNNING = text(
    "UPDATE job_runs SET status = 'abandoned', finished_at = :finished_at, error = :error "
    "WHERE job_name = :run_job AND status = 'running'"
)
INSERT_RUN = text(
    'INSERT INTO job_runs (job_name, status, "trigger", params, owner, started_at, '
    "heartbeat_at, progress_done) VALUES (:job_name, :status, :trigger, :params, :owner, "
    ":started_at, :heartbeat_at, :progress_done) RETURNING id"
)
# Records the outcome and reads the run back in the same statement.
FINISH_RUN = text(
    "UPDATE job_runs SET status = :status, finished_at = :finished_at, error = :error, "
    "report = :report WHERE id = :run_id RETURNING id, job_name, status, "
    '"trigger", params, owner, started_at, heartbeat_at, finished_at, progress_done, '
    "progress_total, progress_note, report, error"
)

# A new lease, or one nobody holds (released, or expired) taken in place.
TAKE_FREE_LEASE = text(
    "INSERT INTO job_leases (job_name, owner, run_id, lease_until) "
    "VALUES (:lease_name, :lease_owner, :lease_run, :lease_until) "
    "ON CONFLICT (job_name) DO UPDATE SET owner = excluded.owner, "
    "lease_until = excluded.lease_until, run_id = excluded.run_id "
    "WHERE job_leases.lease_until IS NULL OR job_leases.lease_until < :lease_now"
)
# The lease still names this run (a fencing token: see `ctbridge.engine.job_lease`).
CHECK_LEASE = text(
    "SELECT job_name FROM job_leases "
    "WHERE job_name = :lease_name AND owner = :lease_owner AND run_id = :lease_run"
)
RELEASE_LEASE = text(
    "UPDATE job_leases SET owner = NULL, lease_until = NULL, run_id = NULL "
    "WHERE job_name = :lease_name AND owner = :lease_owner AND run_id = :lease_run"
)
RENEW_LEASE = text(
    "UPDATE job_leases SET lease_until = :lease_until "
    "WHERE job_name = :lease_name AND owner = :lease_owner AND run_id = :lease_run"
)
HEARTBEAT = text("UPDATE job_runs SET heartbeat_at = :lease_now WHERE id = :lease_run")
