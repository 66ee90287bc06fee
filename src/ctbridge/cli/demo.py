"""`ctbridge demo` and `ctbridge sandbox`: see ctbridge work without a commercetools account."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import TextIO

import typer
from rich.table import Table

from ctbridge import logs
from ctbridge.cli.settings_loader import err, out

SANDBOX_MISSING = (
    "the sandbox is not installed in this image; pip install ctbridge from source to use it"
)


def require_sandbox() -> None:
    """Exits with one line (status 2) where `ctbridge.sandbox` is absent: the production image
    leaves it out, and only these two commands import it, when they run."""
    try:
        importlib.import_module("ctbridge.sandbox")
    except ModuleNotFoundError as error:
        if error.name != "ctbridge.sandbox":
            raise
        err.print(SANDBOX_MISSING, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def demo(products: int = typer.Option(12, help="Products in the seeded catalog")) -> None:
    """Starts the emulators and ctbridge (SQLite, embedded), seeds a catalog and runs every
    connector's story end to end, then prints what flowed where with counts and timings."""
    require_sandbox()
    from ctbridge.sandbox.demo import run_demo
    from ctbridge.sandbox.stack import SandboxStack

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


def sandbox(
    latency_ms: float = typer.Option(
        0.0, "--latency-ms", help="Delay every commercetools API call by this many ms"
    ),
    env_file: Path | None = typer.Option(
        None, "--env-file", help="Write the environment to this .env file (ctbridge reads ./.env)"
    ),
    shell: bool = typer.Option(False, "--shell", help="Print only `export` lines on stdout"),
    seed: int = typer.Option(
        0, "--seed", min=0, help="Seed a catalog of N products, published at the first deploy"
    ),
    serve_port: int = typer.Option(
        8080, "--serve-port", help="Port `ctbridge serve` will listen on (written as PORT)"
    ),
) -> None:
    """Starts the emulators on 127.0.0.1 and writes the complete environment — commercetools,
    every connector's target, the subscription destination and the events token — so that
    `ctbridge deploy` and `ctbridge serve` in another terminal work against it as they are.
    Runs until Ctrl-C."""
    require_sandbox()
    from ctbridge.sandbox.environment_file import dotenv_text, shell_text
    from ctbridge.sandbox.stack import DEMO_CONNECTORS, SandboxStack

    console = err if shell else out

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    stack = SandboxStack.start(DEMO_CONNECTORS, latency_ms=latency_ms)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stack.point_deliveries_at(serve_port)
        if seed:
            product_ids = stack.seed(seed)
            stack.publish_when_subscribed(product_ids, stop)
            say(f"seeded {len(product_ids)} products; they are published at the first deploy")
        if env_file is not None:
            partial = env_file.with_name(env_file.name + ".tmp")
            partial.write_text(dotenv_text(stack.environment), encoding="utf-8")
            partial.chmod(0o600)
            partial.replace(env_file)
            say(f"wrote {len(stack.environment)} variables to {env_file}")
        if shell or env_file is None:
            out.file.write(shell_text(stack.environment))
            out.file.flush()
        say(
            "next, in another terminal (in the directory of the .env file): "
            "python -m ctbridge deploy, then python -m ctbridge serve"
        )
        say(
            "emulator state: GET <url>/__sandbox/state on each emulator; "
            "faults: POST <url>/__faults. Ctrl-C stops."
        )
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        say("stopping")
        stop.set()
        stack.stop()
