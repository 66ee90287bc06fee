"""The alert the engine sends when tasks are dead-lettered: how many, which, and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ctbridge.notifications.notification import Notification, NotificationFailed
from ctbridge.notifications.notifier import Notifier

MAX_LISTED = 20


@dataclass(frozen=True, slots=True)
class DeadLetterSummary:
    """One dead-lettered task as the alert shows it."""

    task_id: int
    connector: str
    message_type: str
    message_id: str
    reason: str


def dead_letter_alert(dead: Sequence[DeadLetterSummary]) -> Notification:
    """Counts per connector and type, then the first tasks with their reasons and the replay
    command; the reasons are the handlers' own (they carry no payloads)."""
    by_kind = Counter((d.connector, d.message_type) for d in dead)
    lines = [
        f"{count} × {connector} {kind}" for (connector, kind), count in sorted(by_kind.items())
    ]
    lines += [
        f"task {d.task_id} ({d.connector} {d.message_type} {d.message_id}): {d.reason[:300]}"
        for d in dead[:MAX_LISTED]
    ]
    if len(dead) > MAX_LISTED:
        lines.append(f"… and {len(dead) - MAX_LISTED} more (ctbridge dlq list)")
    lines.append("replay with: ctbridge dlq replay <task id>")
    noun = "message" if len(dead) == 1 else "messages"
    return Notification(
        subject=f"{len(dead)} {noun} moved to the dead-letter queue",
        lines=tuple(lines),
        severity="error",
        data={"dead_letters": [d.task_id for d in dead]},
    )


async def notify_dead_letters(
    notifier: Notifier, dead: Sequence[DeadLetterSummary]
) -> list[NotificationFailed]:
    """Sends one alert for a batch of dead letters (nothing when the batch is empty)."""
    if not dead or not notifier.enabled:
        return []
    return await notifier.send(dead_letter_alert(dead))
