"""Loads settings for a CLI command and turns configuration problems into clean exits.

Imported by every command module, so it imports settings and the engine only when a command runs."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from ctbridge.errors import ConfigurationError

if TYPE_CHECKING:
    from ctbridge.host import Engine
    from ctbridge.settings import CommercetoolsSettings, EngineSettings

err = Console(stderr=True)
out = Console()

CTP_VARIABLES = ("CTP_PROJECT_KEY", "CTP_CLIENT_ID", "CTP_CLIENT_SECRET")


@contextlib.contextmanager
def configuration_errors() -> Iterator[None]:
    """Prints one line per configuration problem and exits with status 2, never a traceback."""
    try:
        yield
    except ConfigurationError as error:
        err.print("[bold red]configuration error[/]")
        for problem in error.problems:
            err.print(f"  {problem}", markup=False, highlight=False)
        raise typer.Exit(2) from None


def engine_settings() -> EngineSettings:
    from ctbridge import logs
    from ctbridge.settings import EngineSettings, load

    with configuration_errors():
        settings = load(EngineSettings)
    logs.configure(settings.log_level, settings.log_format)
    return settings


def commercetools_settings(required: bool) -> CommercetoolsSettings | None:
    """commercetools settings are required when a connector is on or `required` is set;
    otherwise they are loaded only if any CTP_ variable is present."""
    if (
        not required
        and not any(os.environ.get(name) for name in CTP_VARIABLES)
        and not os.path.exists(".env")
    ):
        return None
    from ctbridge.settings import CommercetoolsSettings, load

    with configuration_errors():
        return load(CommercetoolsSettings)


@contextlib.asynccontextmanager
async def open_engine(*, need_commercetools: bool = False) -> AsyncIterator[Engine]:
    from ctbridge import tracing
    from ctbridge.host import Engine

    settings = engine_settings()
    ct = commercetools_settings(need_commercetools or bool(settings.connectors))
    tracing.configure()  # on only when the standard OTEL_* variables ask for traces
    with configuration_errors():
        engine = await Engine.open(settings, commercetools_settings=ct)
    try:
        yield engine
    finally:
        await engine.close()
