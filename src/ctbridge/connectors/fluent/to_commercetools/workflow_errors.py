"""`fluent.workflow-errors`: failed and unmatched Fluent events in the window, summarised to people."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ctbridge.connectors.fluent.client import FluentClient
from ctbridge.connectors.fluent.to_commercetools.sync_window import SyncWindow
from ctbridge.engine.connector import JobContext
from ctbridge.errors import Retryable
from ctbridge.notifications import Notification, Notifier

WORKFLOW_ERRORS = "workflow-errors"
FLUENT_JOB = "batch-workflow-errors"
STATUSES = ("FAILED", "NO_MATCH")
PAGE = 500
MAX_EVENTS = 10_000
EXAMPLES = 10


def workflow_error_summary(
    events: Sequence[dict[str, Any]], window: SyncWindow, *, account: str, truncated: bool = False
) -> Notification:
    """Counts by status, event name and entity type, then the latest few with their messages."""
    counts = Counter(
        (str(e.get("eventStatus")), str(e.get("name")), str(e.get("entityType"))) for e in events
    )
    params = window.as_params()
    lines = [f"window {params['start'] or 'beginning'} .. {params['end']}"]
    lines += [
        f"{count} × {status} {name} ({entity})"
        for (status, name, entity), count in counts.most_common()
    ]
    latest = sorted(events, key=lambda e: str(e.get("generatedOn")), reverse=True)[:EXAMPLES]
    lines += [
        f"{e.get('generatedOn')} {e.get('eventStatus')} {e.get('name')} "
        f"{e.get('entityType')} {e.get('entityRef') or e.get('entityId') or ''}: "
        f"{str(e.get('message') or '')[:200]}".rstrip(": ")
        for e in latest
    ]
    if truncated:
        lines.append(f"more than {MAX_EVENTS} events; only the first {MAX_EVENTS} were read")
    noun = "error" if len(events) == 1 else "errors"
    return Notification(
        subject=f"Fluent {account}: {len(events)} workflow {noun}",
        lines=tuple(lines),
        severity="error",
        source="ctbridge fluent",
        data={"counts": {" ".join(k): v for k, v in counts.items()}, "window": params},
    )


class WorkflowErrors:
    def __init__(
        self, client: FluentClient, notifier: Notifier, *, retailer_id: str, account: str
    ) -> None:
        self.client = client
        self.notifier = notifier
        self.retailer_id = retailer_id
        self.account = account

    async def run(self, ctx: JobContext, window: SyncWindow, props: dict[str, Any]) -> None:
        events, truncated = await self._events(window)
        for status in STATUSES:
            ctx.report.count(status.lower(), sum(e.get("eventStatus") == status for e in events))
        if not events:
            return
        if not self.notifier.enabled:
            ctx.report.item("not_notified", WORKFLOW_ERRORS, "no notification channel configured")
            return
        failures = await self.notifier.send(
            workflow_error_summary(events, window, account=self.account, truncated=truncated)
        )
        for failure in failures:
            ctx.report.item("notification_failed", failure.channel, failure.reason)
        if failures and len(failures) == len(self.notifier.channels):
            # Keep the watermark: the next run reads this window again and retries the alert.
            raise Retryable("no notification channel took the workflow error summary")
        ctx.report.count("notified")

    async def _events(self, window: SyncWindow) -> tuple[list[dict[str, Any]], bool]:
        events: list[dict[str, Any]] = []
        for status in STATUSES:
            start = 0
            while len(events) < MAX_EVENTS:
                page = await self.client.search_events(
                    {
                        "eventStatus": status,
                        "retailerId": self.retailer_id,
                        **window.date_range(),
                        "start": start,
                        "count": PAGE,
                    }
                )
                results = page.get("results") or []
                events.extend(results)
                if not page.get("hasMore") or not results:
                    break
                start += len(results)
        return events[:MAX_EVENTS], len(events) >= MAX_EVENTS
