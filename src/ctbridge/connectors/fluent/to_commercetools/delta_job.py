"""Runs a Fluent→commercetools job over its window and writes the watermark back when it succeeds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ctbridge.connectors.fluent.client import FluentClient
from ctbridge.connectors.fluent.client.remote_settings import read_setting
from ctbridge.connectors.fluent.to_commercetools.sync_window import (
    SyncWindow,
    WindowInvalid,
    finished_checkpoint,
    parse_instant,
    sync_window,
)
from ctbridge.engine.connector import JobContext
from ctbridge.errors import Permanent

JobBody = Callable[[JobContext, SyncWindow, dict[str, Any]], Awaitable[None]]


def batch_setting_names(job: str) -> list[str]:
    """Fluent's job setting, e.g. `fc.connect.commercetools.batch.batch-inventory-sync`."""
    return [f"fc.connect.{name}.batch.{job}" for name in ("commercetools", "commerce-tools")]


async def run_delta_job(
    ctx: JobContext,
    client: FluentClient,
    *,
    fluent_job: str,
    retailer_id: str,
    overlap: timedelta,
    body: JobBody,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """The window comes from the job's checkpoint (`previousEndDate`), else — on the first run —
    from Fluent's own job setting, so a move from Fluent's connector continues where it stopped.
    The setting's `props` are handed to the body. A run that fails keeps the old watermark: the
    next run reads the same window again."""
    checkpoint = await ctx.checkpoint()
    found = await read_setting(client, batch_setting_names(fluent_job), retailer_id)
    setting = found[1] if found and isinstance(found[1], dict) else {}
    props = setting.get("props") if isinstance(setting.get("props"), dict) else {}
    started = clock()
    try:
        fallback = (
            parse_instant(setting["previousEndDate"]) if setting.get("previousEndDate") else None
        )
        window = sync_window(
            checkpoint, ctx.params, started, overlap=overlap, fallback_start=fallback
        )
    except WindowInvalid as error:
        raise Permanent(f"bad window: {error}") from None
    params = window.as_params()
    ctx.report.item(
        "window",
        f"{params['start'] or 'beginning'} .. {params['end']}",
        "manual" if window.manual else "delta",
    )
    await body(ctx, window, props)
    await ctx.save_checkpoint(finished_checkpoint(window, checkpoint, started, clock()))
