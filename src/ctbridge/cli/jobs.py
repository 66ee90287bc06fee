"""`ctbridge job` and `ctbridge load`: run jobs now, watch their progress, read their reports."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from ctbridge.cli.settings_loader import err, open_engine, out

if TYPE_CHECKING:
    from ctbridge.engine.jobs import JobRun, UnknownJob
    from ctbridge.host import Engine

app = typer.Typer(help="Scheduled and on-demand jobs.", no_args_is_help=True)
load_app = typer.Typer(help="Bulk loads from commercetools into a target.", no_args_is_help=True)


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    params = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            err.print(f"--param takes key=value, got {pair!r}")
            raise typer.Exit(2)
        params[key] = value
    return params


@app.command("list")
def list_jobs() -> None:
    """Lists the jobs of the enabled connectors with their schedules."""

    async def run() -> None:
        async with open_engine() as engine:
            next_runs = await engine.scheduler.next_runs()
            table = Table("job", "schedule", "next run (UTC)", "description")
            for name, (_, spec) in sorted(engine.registry.jobs().items()):
                upcoming = next_runs.get(name)
                when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(upcoming)) if upcoming else "-"
                table.add_row(name, spec.schedule or "on demand", when, spec.description)
            out.print(table)

    asyncio.run(run())


TAKEOVER_HELP = (
    "Take over a run of this job whose process is gone or whose heartbeat stopped"
    " (after a SIGKILL or a crash) instead of waiting for its lease to expire"
)


@app.command("run")
def run_job(
    name: str,
    param: list[str] = typer.Option(None, "--param", "-p", help="key=value"),
    takeover: bool = typer.Option(False, "--takeover", help=TAKEOVER_HELP),
) -> None:
    """Runs one job now, in this process, showing progress; exits non-zero if it failed.
    SIGTERM or Ctrl-C stops it at once (exit 130); a resumable job resumes when run again."""
    asyncio.run(_run_with_progress(name, parse_params(param), takeover=takeover))


@app.command("runs")
def job_runs(
    name: str = typer.Argument(None),
    limit: int = 20,
    report: bool = typer.Option(False, help="Print each run's report"),
) -> None:
    """Lists recent job runs with status, timings and counts."""

    async def run() -> None:
        async with open_engine() as engine:
            runs = await engine.jobs.runs(name, limit)
        table = Table(
            "run", "job", "status", "trigger", "started (UTC)", "seconds", "progress", "counts"
        )
        for item in runs:
            seconds = (item.finished_at or time.time()) - item.started_at
            table.add_row(
                str(item.id),
                item.job_name,
                item.status,
                item.trigger,
                time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(item.started_at)),
                f"{seconds:.1f}",
                f"{item.progress_done}/{item.progress_total or '?'}",
                json.dumps(dict(item.report.counts)),
            )
        out.print(table)
        if report:
            for item in runs:
                out.print_json(
                    json.dumps({"run": item.id, "error": item.error, **item.report.as_dict()})
                )

    asyncio.run(run())


@load_app.command("products")
def load_products(
    to: str = typer.Option(..., "--to", help="Target connector: ordergroove, fluent"),
    restart: bool = typer.Option(
        False, help="Ignore a saved checkpoint and start from the first product"
    ),
    takeover: bool = typer.Option(False, "--takeover", help=TAKEOVER_HELP),
) -> None:
    """Loads every published product into the target, resumable; prints a report at the end.
    SIGTERM or Ctrl-C stops it at once (exit 130); the same command resumes it."""
    params = {"restart": "true"} if restart else {}
    asyncio.run(_run_with_progress(f"{to}.load-products", params, takeover=takeover))


async def _run_with_progress(name: str, params: dict[str, str], *, takeover: bool = False) -> None:
    from ctbridge.engine.jobs import JobBusy, UnknownJob

    stopped_by: list[str] = []
    async with open_engine() as engine:
        try:
            run_id, task = await engine.jobs.start(name, params, trigger="cli", takeover=takeover)
        except UnknownJob as error:
            err.print(unknown_job_line(engine, name, error), markup=False)
            raise typer.Exit(2) from None
        except JobBusy as error:
            err.print(str(error), markup=False)
            raise typer.Exit(2) from None
        loop = asyncio.get_running_loop()

        def stop(signum: signal.Signals) -> None:
            # The run records itself as interrupted and releases its lease before we exit, so
            # that the next start (or the same command) takes over at once.
            stopped_by.append(signum.name)
            task.cancel()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop, signum)
        try:
            final = await _watch(engine, run_id, task)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
    if stopped_by:
        err.print(
            f"{name} run {run_id} stopped by {stopped_by[0]} ({final.status}); its checkpoint is"
            " kept: run the same command to resume",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(130)
    print_report(final)
    if final.status != "succeeded":
        raise typer.Exit(1)


LOAD_SUFFIX = ".load-products"
LOAD_TARGETS = ("fluent", "ordergroove")


def unknown_job_line(engine: Engine, name: str, error: UnknownJob) -> str:
    """For `load products --to X`, the targets `load` supports and which are enabled, in the
    words of the command (not the internal job names)."""
    if not name.endswith(LOAD_SUFFIX):
        return f"{error}; ctbridge job list shows the jobs"
    target = name.removesuffix(LOAD_SUFFIX)
    enabled = [
        job.removesuffix(LOAD_SUFFIX) for job in engine.registry.jobs() if job.endswith(LOAD_SUFFIX)
    ]
    supported = ", ".join(sorted({*LOAD_TARGETS, *enabled}))
    if target in LOAD_TARGETS:
        return (
            f"--to {target}: the {target} connector is not enabled (add it to CTBRIDGE_CONNECTORS)"
        )
    return f"--to {target}: load products supports {supported}"


async def _watch(engine: Engine, run_id: int, task: asyncio.Task[None]) -> JobRun:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        bar = progress.add_task(f"run {run_id}", total=None, note="")
        while not task.done():
            try:
                run = await engine.jobs.get(run_id)
            except Exception:  # a store hiccup must not end the command; the run goes on
                run = None
            if run is not None:
                progress.update(
                    bar,
                    completed=run.progress_done,
                    total=run.progress_total,
                    note=run.progress_note or "",
                )
            await asyncio.wait([task], timeout=0.5)
        run = await engine.jobs.get(run_id)
        progress.update(
            bar,
            completed=run.progress_done,
            total=run.progress_total or run.progress_done,
            note=run.progress_note or "",
        )
    return run


def print_report(run: JobRun) -> None:
    colour = "green" if run.status == "succeeded" else "red"
    out.print(f"[bold]{run.job_name}[/] run {run.id}: [{colour}]{run.status}[/]")
    if run.error:
        out.print(f"  error: {run.error}", markup=False)
    for outcome, count in sorted(run.report.counts.items()):
        out.print(f"  {outcome}: {count}")
    reasons = [d for d in run.report.details if d.get("reason")]
    if reasons:
        table = Table("outcome", "id", "reason", title="items with a reason (first 20)")
        for detail in reasons[:20]:
            table.add_row(detail["outcome"], detail["id"], detail["reason"])
        out.print(table)
