"""Renders the admin overview snapshot as an HTML fragment: pure functions, every value escaped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from ctbridge.web.admin_charts import bars, eta_seconds

TASK_STATUSES = ("pending", "running", "done", "skipped", "stale", "dead")
HEALTHY = {"Healthy", "idle", "busy", "ok", "succeeded", "none needed"}
WARNING = {"retrying", "TemporaryError", "not deployed", "running", "not configured", "abandoned"}


def text(value: Any) -> str:
    return "" if value is None else escape(str(value))


def ago(seconds: float | None) -> str:
    """A duration for people: `12 s`, `4 min`, `3 h`, `2 d`."""
    if seconds is None:
        return "–"
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def clock(timestamp: float | None) -> str:
    if timestamp is None:
        return "–"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def relative(timestamp: float | None, now: float) -> str:
    """`in 4 min` or `4 min ago`, with the exact UTC time as a tooltip."""
    if timestamp is None:
        return "–"
    delta = timestamp - now
    words = f"in {ago(delta)}" if delta > 0 else f"{ago(-delta)} ago"
    return f'<time datetime="{clock(timestamp)}" title="{clock(timestamp)}">{words}</time>'


def badge(state: str) -> str:
    tone = "good" if state in HEALTHY else "warn" if state in WARNING else "bad"
    return f'<span class="badge {tone}">{text(state)}</span>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, empty: str, name: str) -> str:
    """`rows` hold cells that are already HTML (escaped by the caller)."""
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="empty" data-empty="{text(name)}">{text(empty)}</p>'
    head = "".join(f"<th>{text(header)}</th>" for header in headers)
    return f'<table data-table="{text(name)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def section(title: str, name: str, content: str, count: int | None = None) -> str:
    counter = "" if count is None else f' <span class="count">{count}</span>'
    return f'<section id="{text(name)}"><h2>{text(title)}{counter}</h2>{content}</section>'


def counts(values: dict[str, int]) -> str:
    return ", ".join(f"{text(key)} {int(value)}" for key, value in sorted(values.items())) or "–"


def progress(done: int, total: int | None, elapsed: float | None = None) -> str:
    """A progress bar with counts and, once the pace is known, the time left at that pace."""
    if total:
        percent = min(100, int(done * 100 / total))
        eta = eta_seconds(done, total, elapsed or 0.0)
        left = "" if eta is None else f' <span class="eta">about {ago(eta)} left</span>'
        return (
            f'<progress value="{done}" max="{total}"></progress> {done}/{total} ({percent}%)' + left
        )
    return f"<progress></progress> {done}"


def button(action: str, task_id: int, label: str) -> str:
    return f'<button type="button" data-action="{action}" data-id="{int(task_id)}">{label}</button>'


def render_queue(queue: dict[str, Any]) -> str:
    cells = [
        ("pending", str(queue["pending"])),
        ("running", str(queue["running"])),
        ("dead letters", str(queue["dead"])),
        ("oldest pending", ago(queue["oldest_pending_age"])),
    ]
    items = "".join(
        f'<div class="stat" data-stat="{text(label)}"><span>{text(label)}</span>'
        f"<strong>{text(value)}</strong></div>"
        for label, value in cells
    )
    return section("Queue", "queue", f'<div class="stats">{items}</div>')


def render_connectors(connectors: list[dict[str, Any]]) -> str:
    rows = []
    for connector in connectors:
        tasks = connector["tasks"]
        rows.append(
            [
                text(connector["name"]),
                badge(connector["state"]),
                *(str(int(tasks.get(status, 0))) for status in TASK_STATUSES),
                str(int(connector["finished_5m"])),
                str(int(connector["finished_60m"])),
                ago(connector["oldest_pending_age"]),
            ]
        )
    headers = ["connector", "state", *TASK_STATUSES, "finished 5 min", "finished 60 min"]
    return section(
        "Connectors",
        "connectors",
        table([*headers, "oldest pending"], rows, empty="No connector enabled.", name="connectors"),
    )


def render_history(flows: dict[str, dict[str, Any]], bucket_minutes: int) -> str:
    """Per connector, the last hour: finished, dead-lettered, backlog and oldest waiting age."""
    rows = []
    for name, flow in sorted(flows.items()):
        charts = [
            bars(
                f"{name}-finished",
                flow["finished"],
                title="finished",
                tone="good",
                bucket_minutes=bucket_minutes,
            ),
            bars(
                f"{name}-dead",
                flow["dead"],
                title="dead-lettered",
                tone="bad",
                bucket_minutes=bucket_minutes,
            ),
            bars(
                f"{name}-depth",
                flow["depth"],
                title="waiting",
                tone="warn",
                bucket_minutes=bucket_minutes,
            ),
            bars(
                f"{name}-age",
                [None if a is None else a / 60 for a in flow["oldest_age"]],
                title="oldest waiting",
                tone="warn",
                unit=" min",
                bucket_minutes=bucket_minutes,
            ),
        ]
        rows.append([text(name), *charts])
    return section(
        "Last hour",
        "history",
        table(
            ["connector", "finished", "dead letters", "queue depth", "oldest waiting"],
            rows,
            empty="No work in the last hour.",
            name="history",
        ),
    )


def render_subscriptions(report: dict[str, Any], now: float) -> str:
    summary = f"<p>{badge(report['state'])} checked {relative(report['checked_at'], now)}"
    if report.get("detail"):
        summary += f' <span class="detail">{text(report["detail"])}</span>'
    summary += "</p>"
    rows = [
        [
            text(item["connector"]),
            text(item["key"]),
            badge(item["status"]),
            text(item["destination"]),
        ]
        for item in report.get("subscriptions", [])
    ]
    listing = (
        table(["connector", "key", "health", "destination"], rows, empty="", name="subscriptions")
        if rows
        else ""
    )
    return section("commercetools subscriptions", "subscriptions", summary + listing)


def render_failures(failures: list[dict[str, Any]], now: float) -> str:
    rows = [
        [
            text(failure["connector"]),
            text(failure["type"]),
            f"<code>{text(failure['message_id'])}</code>",
            text(failure["resource_key"]),
            str(int(failure["attempts"])),
            f'<span class="error">{text(failure["last_error"])}</span>',
            relative(failure["next_attempt_at"], now),
        ]
        for failure in failures
    ]
    headers = ["connector", "type", "message", "resource", "attempts", "last error", "next try"]
    return section(
        "Recent failures (retrying)",
        "failures",
        table(headers, rows, empty="Nothing is retrying.", name="failures"),
        len(failures),
    )


def render_dead_letters(letters: list[dict[str, Any]], now: float) -> str:
    rows = [
        [
            str(int(letter["task_id"])),
            text(letter["connector"]),
            text(letter["type"]),
            f"<code>{text(letter['message_id'])}</code>",
            str(int(letter["attempts"])),
            f'<span class="error">{text(letter["last_error"])}</span>',
            relative(letter["finished_at"], now),
            button("show", letter["task_id"], "show")
            + button("replay", letter["task_id"], "replay")
            + button("purge", letter["task_id"], "purge"),
        ]
        for letter in letters
    ]
    headers = ["task", "connector", "type", "message", "attempts", "error", "when", ""]
    bulk = (
        '<p class="bulk"><button type="button" data-action="replay-all">replay all</button>'
        '<button type="button" data-action="purge-all">purge all</button></p>'
        if letters
        else ""
    )
    return section(
        "Dead letters",
        "dead-letters",
        table(headers, rows, empty="No dead letters.", name="dead-letters") + bulk,
        len(letters),
    )


def render_jobs(jobs: list[dict[str, Any]], running: list[dict[str, Any]], now: float) -> str:
    running_rows = [
        [
            text(run["job_name"]),
            str(int(run["id"])),
            text(run["trigger"]),
            relative(run["started_at"], now),
            progress(int(run["progress_done"]), run["progress_total"], now - run["started_at"]),
            text(run["progress_note"]),
            relative(run.get("heartbeat_at") or run["started_at"], now),
            button("takeover", int(run["id"]), "take over"),
        ]
        for run in running
    ]
    running_html = (
        "<h3>Running</h3>"
        + table(
            ["job", "run", "trigger", "started", "progress", "note", "heartbeat", ""],
            running_rows,
            empty="",
            name="running",
        )
        if running_rows
        else ""
    )
    rows = []
    for job in jobs:
        last = job["last_run"]
        if last is None:
            last_cells = ["never", "–", "–"]
        else:
            report = (
                f'<a href="/admin/api/jobs/runs/{int(last["id"])}" target="_blank">'
                f"{counts(last['report']['counts'])}</a>"
            )
            outcome = badge(last["status"])
            if last.get("error"):
                outcome += f' <span class="error">{text(last["error"])}</span>'
            last_cells = [relative(last["started_at"], now), outcome, report]
        rows.append(
            [
                text(job["name"]),
                f"<code>{text(job['schedule'])}</code>" if job["schedule"] else "on demand",
                *last_cells,
                relative(job["next_run_at"], now),
            ]
        )
    listing = table(
        ["job", "schedule", "last run", "result", "report", "next run"],
        rows,
        empty="No jobs.",
        name="jobs",
    )
    if running_html:
        listing = "<h3>All jobs</h3>" + listing
    return section("Jobs", "jobs", running_html + listing)


def render_rejected(rejected: list[dict[str, Any]], now: float) -> str:
    rows = [
        [
            relative(item["received_at"], now),
            text(item["source"]),
            text(item["reason"]),
            f"<code>{text(item['body_preview'])}{'…' if item['body_truncated'] else ''}</code>",
        ]
        for item in rejected
    ]
    return section(
        "Rejected deliveries",
        "rejected",
        table(["received", "source", "reason", "body"], rows, empty="None.", name="rejected"),
        len(rejected),
    )


def render_overview(snapshot: dict[str, Any]) -> str:
    now = snapshot["generated_at"]
    return "".join(
        [
            f'<p class="generated">as of {text(clock(now))} · worker '
            f"<code>{text(snapshot['worker'])}</code></p>",
            render_queue(snapshot["queue"]),
            render_connectors(snapshot["connectors"]),
            render_history(snapshot.get("history", {}), snapshot.get("history_bucket_minutes", 5)),
            render_subscriptions(snapshot["subscriptions"], now),
            render_failures(snapshot["failures"], now),
            render_dead_letters(snapshot["dead_letters"], now),
            render_jobs(snapshot["jobs"], snapshot["running"], now),
            render_rejected(snapshot["rejected"], now),
        ]
    )
