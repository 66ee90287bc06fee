"""`ctbridge demo` and `ctbridge sandbox`: see ctbridge work without a commercetools account."""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
from typing import TextIO

import typer
from rich.table import Table

from ctbridge import logs
from ctbridge.cli.settings_loader import out
from ctbridge.sandbox.stack import DEMO_CONNECTORS, SandboxStack


def demo(products: int = typer.Option(12, help="Products in the seeded catalog")) -> None:
    """Starts the emulators and ctbridge (SQLite, embedded), seeds a catalog and runs every
    connector's story end to end, then prints what flowed where with counts and timings."""
    from ctbridge.sandbox.demo import run_demo

    log_file = demo_log_file()
    logs.configure("INFO", "console", stream=log_file)
    out.rule("[bold]ctbridge demo[/]")
    out.print(f"ctbridge's log lines go to {log_file.name}", markup=False, highlight=False)
    stack = SandboxStack.start()
    out.print(
        f"commercetools emulator on {stack.server.url}; connectors with a demo chapter: {', '.join(stack.chapters) or 'none yet'}"
    )
    try:
        report = asyncio.run(run_demo(stack, products=products, say=out.print))
    except KeyboardInterrupt:
        out.print("[yellow]interrupted[/]")
        raise typer.Exit(130) from None
    finally:
        stack.stop()
        log_file.close()
    for result, seconds in report.chapters:
        table = Table(
            "what happened",
            "what was observed",
            title=f"{result.title} ({seconds:.1f} s)",
            title_justify="left",
        )
        for what, observed in result.lines:
            table.add_row(what, observed)
        out.print(table)
    summary = Table("connector", "status", "tasks", title="ctbridge inbox", title_justify="left")
    for (connector, status), count in sorted(report.tasks.items()):
        summary.add_row(connector, status, str(count))
    out.print(summary)
    for connector, message_type, reason in report.dead_letters:
        out.print(f"dead letter ({connector}, {message_type}): {reason}", markup=False)
    verdict = "[bold green]demo finished[/]" if report.ok else "[bold red]a chapter failed[/]"
    out.print(f"{verdict} in {report.seconds:.1f} s; ctbridge's log: ", end="")
    out.print(log_file.name, markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def demo_log_file() -> TextIO:
    """A new file for the demo's log lines, so that they do not interleave with its tables."""
    handle, path = tempfile.mkstemp(prefix="ctbridge-demo-", suffix=".log")
    os.close(handle)
    return open(path, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed by demo()


def sandbox() -> None:
    """Starts the emulators on 127.0.0.1 and prints their URLs and credentials; Ctrl-C stops."""
    stack = SandboxStack.start(DEMO_CONNECTORS)
    table = Table(
        "variable", "value", title="point ctbridge at the sandbox with these", title_justify="left"
    )
    for name, value in sorted(stack.environment.items()):
        table.add_row(name, value)
    out.print(table)
    out.print(
        "emulator state: GET <url>/__sandbox/state; faults: POST <url>/__faults. Ctrl-C stops."
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        out.print("stopping")
    finally:
        stack.stop()
