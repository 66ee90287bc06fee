"""The time window a Fluent→commercetools job reads: a delta from `previousEndDate`, or a manual range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


class WindowInvalid(ValueError):
    """A manual range is unreadable or ends before it starts."""


@dataclass(frozen=True, slots=True)
class SyncWindow:
    """`start` None means from the beginning. A manual window never moves `previousEndDate`."""

    start: datetime | None
    end: datetime
    manual: bool

    def as_params(self) -> dict[str, str | None]:
        return {"start": iso(self.start) if self.start else None, "end": iso(self.end)}

    def date_range(self) -> dict[str, str | None]:
        """The window as Fluent's `DateRange` (`from` None: from the beginning)."""
        return {"from": iso(self.start) if self.start else None, "to": iso(self.end)}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(value: Any) -> datetime:
    """An ISO-8601 instant; one without an offset is taken as UTC (Fluent stores UTC)."""
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise WindowInvalid(f"{value!r} is not an ISO-8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sync_window(
    checkpoint: dict[str, Any] | None,
    params: dict[str, Any],
    now: datetime,
    *,
    overlap: timedelta = timedelta(seconds=60),
    fallback_start: datetime | None = None,
) -> SyncWindow:
    """Params `from`/`to` (or `start`/`end`) give a manual range; `full=true` reads everything;
    otherwise the window starts at the stored `previousEndDate` less `overlap` (so an entity
    updated while the last run read its window is read again — the syncs are idempotent), or at
    `fallback_start` (e.g. the Fluent setting's `previousEndDate`) on the first run."""
    start_param = params.get("from") or params.get("start")
    end_param = params.get("to") or params.get("end")
    if start_param or end_param:
        start = parse_instant(start_param) if start_param else None
        end = parse_instant(end_param) if end_param else now
        if start is not None and start >= end:
            raise WindowInvalid("the range must start before it ends")
        return SyncWindow(start, end, manual=True)
    if str(params.get("full", "")).lower() in ("1", "true", "yes"):
        return SyncWindow(None, now, manual=True)
    previous = (checkpoint or {}).get("previousEndDate")
    if previous:
        return SyncWindow(parse_instant(previous) - overlap, now, manual=False)
    return SyncWindow(fallback_start, now, manual=False)


def finished_checkpoint(
    window: SyncWindow, previous: dict[str, Any] | None, job_start: datetime, job_end: datetime
) -> dict[str, Any]:
    """Fluent's bookkeeping: `previousEndDate` advances to the window's end (a manual run keeps
    it) and `lastRun` records the run."""
    checkpoint = dict(previous or {})
    if not window.manual:
        checkpoint["previousEndDate"] = iso(window.end)
    checkpoint["lastRun"] = {
        "param": window.as_params(),
        "manual": window.manual,
        "jobStart": iso(job_start),
        "jobEnd": iso(job_end),
        "status": "SUCCESSFUL",
    }
    return checkpoint
