"""The lease that keeps two runs of one job from overlapping: taken, renewed, lost, taken over.

The rules, with L the lease length:
- a run renews its lease every L/6; a failed renewal (a transient database error) is retried
  every L/24 and logged once, not fatal;
- a run that has not renewed for L/2 stops itself (`stop_after`): past that point another run may
  take over, so it must not touch the target any more;
- a lease nobody renewed for L expires and the next start takes it;
- `takeover` takes a lease at once when its owner's process is gone (same host, its pid no longer
  exists), or once its heartbeat is older than L/2 + L/6: by then the holder has stopped itself.
Each renewal and each checkpoint write checks, in its transaction, that the lease still names this
run: a run that was taken over learns it at its next write and stops (a fencing token).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Connection, and_, or_, select, update

from ctbridge.engine import run_sql
from ctbridge.engine.store import Store
from ctbridge.engine.tables import job_leases, job_runs

log = structlog.get_logger("ctbridge.jobs")


class JobBusy(Exception):
    """The job is running elsewhere (its lease is held); the message says for how long."""

    def __init__(self, message: str, *, run_id: int | None = None, seconds_left: float = 0.0):
        super().__init__(message)
        self.run_id = run_id
        self.seconds_left = seconds_left


class LeaseLost(Exception):
    """This run no longer holds its job's lease; it must stop."""


@dataclass(frozen=True, slots=True)
class LeaseTiming:
    lease_seconds: float

    @property
    def renew_every(self) -> float:
        return self.lease_seconds / 6

    @property
    def retry_every(self) -> float:
        return self.lease_seconds / 24

    @property
    def stop_after(self) -> float:
        """How long a run may go without renewing before it stops itself."""
        return self.lease_seconds / 2

    @property
    def takeover_after(self) -> float:
        """How old a heartbeat must be before `takeover` may take the lease of a live owner."""
        return self.stop_after + self.renew_every


def owner_is_gone(owner: str | None) -> bool:
    """True when `owner` (host:pid:suffix) names a process of this host that no longer exists."""
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class JobLeases:
    """Takes, renews, checks and releases job leases for one owner (a process)."""

    def __init__(
        self, store: Store, owner: str, timing: LeaseTiming, clock: Callable[[], float]
    ) -> None:
        self.store = store
        self.owner = owner
        self.timing = timing
        self.clock = clock

    def take(self, conn: Connection, name: str, run_id: int, *, takeover: bool, now: float) -> None:
        """Takes the lease of `name` for `run_id` in `conn`'s transaction, or raises JobBusy
        saying why not (the caller's transaction must then roll back)."""
        until = now + self.timing.lease_seconds
        if not takeover:
            # One statement on the common path: a new lease, or a free one taken over in place.
            taken = conn.execute(
                run_sql.TAKE_FREE_LEASE,
                {**self._ours(name, run_id), "lease_until": until, "lease_now": now},
            )
            if taken.rowcount == 1:
                return
        else:
            conn.execute(
                self.store.insert(job_leases)
                .values(job_name=name, owner=None, lease_until=None)
                .on_conflict_do_nothing(index_elements=[job_leases.c.job_name])
            )
        holder = conn.execute(
            select(job_leases.c.owner, job_leases.c.run_id, job_leases.c.lease_until).where(
                job_leases.c.job_name == name
            )
        ).one()
        if takeover:
            condition = or_(job_leases.c.lease_until.is_(None), job_leases.c.lease_until < now)
            if holder.lease_until is not None and holder.lease_until >= now:
                heartbeat = self._heartbeat_of(conn, holder.run_id)
                if not owner_is_gone(holder.owner) and (
                    heartbeat is None or now - heartbeat < self.timing.takeover_after
                ):
                    age = 0.0 if heartbeat is None else now - heartbeat
                    wait = max(0.0, self.timing.takeover_after - age)
                    raise JobBusy(
                        f"job '{name}' run {holder.run_id} is alive (owner {holder.owner}, "
                        f"heartbeat {age:.0f} s ago): stop it first, or take it over in "
                        f"{wait:.0f} s if its heartbeat stops",
                        run_id=holder.run_id,
                        seconds_left=wait,
                    )
                condition = and_(
                    job_leases.c.owner == holder.owner,
                    job_leases.c.lease_until == holder.lease_until,
                )
                log.warning("job taken over", job=name, run_id=holder.run_id, owner=holder.owner)
            taken = conn.execute(
                update(job_leases)
                .where(job_leases.c.job_name == name, condition)
                .values(owner=self.owner, lease_until=until, run_id=run_id)
            )
            if taken.rowcount == 1:
                return
        left = max(0.0, (holder.lease_until or now) - now)
        raise JobBusy(
            f"job '{name}' is already running (run {holder.run_id}, owner {holder.owner});"
            f" it can be taken over in {left:.0f} s, or now with --takeover if its process"
            " is gone",
            run_id=holder.run_id,
            seconds_left=left,
        )

    async def renew(self, name: str, run_id: int, now: float) -> bool:
        """Extends the lease from `now`; False when it no longer names this run."""
        params = {**self._ours(name, run_id), "lease_until": now + self.timing.lease_seconds}

        def renew(conn: Connection) -> bool:
            if conn.execute(run_sql.RENEW_LEASE, params).rowcount != 1:
                return False
            conn.execute(run_sql.HEARTBEAT, {"lease_run": run_id, "lease_now": now})
            return True

        return await self.store.transact(renew)

    def check(self, conn: Connection, name: str, run_id: int) -> None:
        """Raises LeaseLost unless the lease still names this run (call inside a write)."""
        if conn.execute(run_sql.CHECK_LEASE, self._ours(name, run_id)).first() is None:
            raise LeaseLost(f"job '{name}' run {run_id} no longer holds its lease")

    def release(self, conn: Connection, name: str, run_id: int) -> None:
        conn.execute(run_sql.RELEASE_LEASE, self._ours(name, run_id))

    def _ours(self, name: str, run_id: int) -> dict[str, Any]:
        return {"lease_name": name, "lease_owner": self.owner, "lease_run": run_id}

    def _heartbeat_of(self, conn: Connection, run_id: int | None) -> float | None:
        if run_id is None:
            return None
        row = conn.execute(select(job_runs.c.heartbeat_at).where(job_runs.c.id == run_id)).first()
        return None if row is None else row.heartbeat_at


class LeaseKeeper:
    """One run's heartbeat, as steps: `wait()` says how long to sleep, `tick()` renews once.

    `tick()` returns "renewed", "retrying" (the store failed; try again soon) or "lost" (the
    lease names another run, or it could not be renewed for `stop_after`: stop the run).
    """

    def __init__(self, leases: JobLeases, name: str, run_id: int, renewed_at: float) -> None:
        self.leases = leases
        self.name = name
        self.run_id = run_id
        self.renewed_at = renewed_at
        self.failing: str | None = None
        self.lost: str | None = None

    @property
    def deadline(self) -> float:
        """Past this time the run must not be running any more."""
        return self.renewed_at + self.leases.timing.stop_after

    def wait(self) -> float:
        timing = self.leases.timing
        step = timing.retry_every if self.failing else timing.renew_every
        return max(0.0, min(step, self.deadline - self.leases.clock()))

    async def tick(self) -> str:
        now = self.leases.clock()
        if self.lost is not None:
            return "lost"
        if now >= self.deadline:
            self.lost = (
                f"its lease could not be renewed for {self.leases.timing.stop_after:.0f} s"
                f" ({self.failing or 'no heartbeat'}); it stopped so that another run may take"
                " over"
            )
            return "lost"
        try:
            ours = await self.leases.renew(self.name, self.run_id, now)
        except Exception as error:
            if self.failing is None:
                log.warning(
                    "job lease not renewed; retrying",
                    job=self.name,
                    run_id=self.run_id,
                    error=type(error).__name__,
                )
            self.failing = f"last error: {type(error).__name__}"
            return "retrying"
        if not ours:
            self.lost = "its lease was taken over by another run; it stopped"
            return "lost"
        if self.failing is not None:
            log.info("job lease renewed again", job=self.name, run_id=self.run_id)
            self.failing = None
        self.renewed_at = now
        return "renewed"
