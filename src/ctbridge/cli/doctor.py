"""`ctbridge doctor`: checks configuration and reachability and prints a verdict per check."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import typer

from ctbridge.cli.settings_loader import out
from ctbridge.commercetools.message_resource_types import commercetools_message_types
from ctbridge.commercetools.subscriptions import subscription_key, subscription_where
from ctbridge.engine.errors import ConfigurationError
from ctbridge.engine.host import Engine
from ctbridge.settings import CommercetoolsSettings, EngineSettings, load


def doctor() -> None:
    """Settings, database, commercetools token and project read, each connector's settings."""
    results: list[tuple[str, bool, str]] = []

    async def check(name: str, probe: Callable[[], Awaitable[str]]) -> bool:
        try:
            detail = await probe()
        except ConfigurationError as error:
            results.append((name, False, "; ".join(error.problems)))
            return False
        except Exception as error:
            results.append((name, False, f"{type(error).__name__}: {error}"))
            return False
        results.append((name, True, detail))
        return True

    async def run() -> None:
        settings: EngineSettings | None = None
        ct: CommercetoolsSettings | None = None

        async def engine_settings() -> str:
            nonlocal settings
            settings = load(EngineSettings)
            return f"connectors: {', '.join(settings.connectors) or 'none'}"

        async def ct_settings() -> str:
            nonlocal ct
            ct = load(CommercetoolsSettings)
            return f"project {ct.project_key} at {ct.api_base}"

        await check("settings", engine_settings)
        await check("commercetools settings", ct_settings)
        if settings is not None:

            async def database() -> str:
                from ctbridge.engine.store import Store

                store = Store(settings.database_url)
                try:
                    await store.ping()
                finally:
                    await store.dispose()
                return "reachable"

            await check("database", database)
        engine: Engine | None = None
        if settings is not None:

            async def connectors() -> str:
                nonlocal engine
                engine = await Engine.open(settings, commercetools_settings=ct, create_schema=False)
                return ", ".join(sorted(engine.connectors)) or "none enabled"

            await check("connector settings", connectors)
        if ct is not None:
            from ctbridge.commercetools.client import CommercetoolsClient

            client = CommercetoolsClient.from_settings(ct)
            try:

                async def project() -> str:
                    body = await client.get("")
                    return f"token ok, project '{body.get('name') or body.get('key')}' readable"

                if await check("commercetools", project):
                    from ctbridge.commercetools.catchup import messages_query_check

                    required = settings is not None and settings.catchup == "auto"
                    await check("messages", lambda: messages_query_check(client, required=required))
            finally:
                await client.aclose()
        if engine is not None and ct is not None and engine.connectors:
            expected = {
                subscription_key(name): name
                for name in engine.connectors
                if commercetools_message_types(engine.registry.message_types(name))
            }

            async def subscriptions() -> str:
                found = await engine.runtime.commercetools.query(
                    "subscriptions", where=subscription_where(list(expected))
                )
                health = {item["key"]: item.get("status", "Healthy") for item in found["results"]}
                missing = sorted(set(expected) - set(health))
                unhealthy = {k: v for k, v in health.items() if v != "Healthy"}
                if missing or unhealthy:
                    problems = [f"{key} not deployed (run ctbridge deploy)" for key in missing]
                    problems += [f"{key} is {status}" for key, status in sorted(unhealthy.items())]
                    raise RuntimeError("; ".join(problems))
                return f"{len(health)} healthy"

            if expected:
                await check("subscriptions", subscriptions)
        if engine is not None:
            await engine.close()

    asyncio.run(run())
    for name, ok, detail in results:
        mark = "[green]ok[/]" if ok else "[red]FAIL[/]"
        out.print(f"{mark:>18}  {name}: ", end="")
        out.print(detail, markup=False, highlight=False)
    failed = [name for name, ok, _ in results if not ok]
    out.print(
        "[bold green]all checks passed[/]"
        if not failed
        else f"[bold red]{len(failed)} check(s) failed[/]"
    )
    if failed:
        raise typer.Exit(1)
