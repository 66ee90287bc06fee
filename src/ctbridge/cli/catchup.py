"""`ctbridge catchup`: bring the messages of an outage window into the inbox from the Messages
Query API; also the automatic catch-up `serve`/`worker` run at start with CTBRIDGE_CATCHUP=auto."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import typer

from ctbridge.cli.settings_loader import err, open_engine, out

if TYPE_CHECKING:
    from ctbridge.commercetools.catchup import CatchupReport
    from ctbridge.host import Engine

_RELATIVE = re.compile(r"^(\d+)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """An ISO 8601 time (UTC when it names no zone) or an age such as `90m`, `6h`, `3d`."""
    now = now or datetime.now(UTC)
    relative = _RELATIVE.match(text.strip())
    if relative:
        return now - timedelta(**{_UNITS[relative[2]]: int(relative[1])})
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither an ISO 8601 time nor an age like 90m, 6h or 3d"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def taken_message_types(engine: Engine) -> list[str]:
    """The commercetools message types the enabled connectors handle."""
    from ctbridge.commercetools.message_resource_types import commercetools_message_types

    types = {t for name in engine.connectors for t in engine.registry.message_types(name)}
    return sorted(commercetools_message_types(types))


async def run_catch_up(
    engine: Engine, since: datetime, until: datetime | None = None
) -> CatchupReport:
    """Catch up through a DeliveryIntake of its own (the same parse, dedup and store)."""
    from ctbridge.commercetools.catchup import catch_up
    from ctbridge.commercetools.delivery_intake import DeliveryIntake
    from ctbridge.engine.inbox import Inbox
    from ctbridge.engine.intake import IntakeWriter

    inbox = Inbox(engine.store)
    writer = IntakeWriter(inbox)
    writer.start()
    try:
        intake = DeliveryIntake(engine.registry, inbox, writer)
        return await catch_up(
            engine.runtime.commercetools, intake, taken_message_types(engine), since, until
        )
    finally:
        await writer.close()


async def auto_catch_up(engine: Engine) -> CatchupReport | None:
    """CTBRIDGE_CATCHUP=auto: from a little before the newest message in the inbox to now.

    Never raises: a failed catch-up is logged and `serve`/`worker` go on with live deliveries.
    """
    import structlog

    from ctbridge.commercetools.catchup import auto_since, iso

    log = structlog.get_logger("ctbridge.catchup")
    if engine.settings.catchup != "auto" or not taken_message_types(engine):
        return None
    try:
        since = await auto_since(engine.store)
        if since is None:
            log.info("catchup.skipped", reason="the inbox holds no commercetools message yet")
            return None
        report = await run_catch_up(engine, since)
    except Exception as error:
        log.warning("catchup.failed", error=f"{type(error).__name__}: {error}")
        return None
    log.info(
        "catchup.done",
        since=iso(report.since),
        fetched=report.fetched,
        accepted=report.count("accepted"),
        duplicates=report.count("duplicate"),
        warnings=report.warnings,
    )
    return report


def catchup(
    since: str = typer.Option(
        ..., help="Start: ISO 8601 time (UTC by default) or age: 90m, 6h, 3d"
    ),
    until: str | None = typer.Option(None, help="End (exclusive), same forms; default now"),
) -> None:
    """Reads the commercetools Messages Query API for [since, until) and feeds every message the
    enabled connectors take through the same intake as deliveries; already-received messages
    are skipped by their id, so running it twice over a window adds nothing."""
    from ctbridge.commercetools.catchup import CatchupUnavailable, iso

    start = parse_time(since)
    end = parse_time(until) if until else None

    async def run() -> CatchupReport:
        async with open_engine(need_commercetools=True) as engine:
            return await run_catch_up(engine, start, end)

    try:
        report = asyncio.run(run())
    except CatchupUnavailable as error:
        err.print(f"[bold red]catch-up impossible:[/] {error}")
        raise typer.Exit(2) from None
    except ValueError as error:
        err.print(f"[bold red]{error}[/]")
        raise typer.Exit(2) from None
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    out.print(
        f"catch-up {iso(report.since)} → {iso(report.until)}: {report.fetched} messages read, "
        f"{report.count('accepted')} new, {report.count('duplicate')} already in, "
        f"{report.count('ignored')} ignored, {report.count('rejected')} rejected",
        highlight=False,
    )
