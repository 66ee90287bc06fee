"""`ctbridge doctor`'s checks: each a named async function that returns what it found or raises."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from ctbridge import logs
from ctbridge.cli.doctor_targets import TARGET_CHECKS
from ctbridge.settings import CommercetoolsSettings, EngineSettings, load

if TYPE_CHECKING:
    from ctbridge.commercetools.client import CommercetoolsClient
    from ctbridge.host import Engine


class NotApplicable(Exception):
    """The check cannot run (an earlier one failed, or nothing to check); not a failure."""


@dataclass
class Findings:
    """What earlier checks found and later ones build on."""

    settings: EngineSettings | None = None
    commercetools: CommercetoolsSettings | None = None
    engine: Engine | None = None
    client: CommercetoolsClient | None = None
    project_readable: bool = False
    cleanups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def need_settings(self) -> EngineSettings:
        if self.settings is None:
            raise NotApplicable("settings are invalid")
        return self.settings

    def need_engine(self) -> Engine:
        if self.engine is None:
            raise NotApplicable("connector settings are invalid")
        return self.engine

    def need_commercetools(self) -> CommercetoolsClient:
        if self.client is None:
            raise NotApplicable("commercetools settings are invalid")
        return self.client


Check = Callable[[Findings], Awaitable[str]]


async def engine_settings(found: Findings) -> str:
    found.settings = load(EngineSettings)
    # The verdicts are the output; only warnings from the checks' clients may join them.
    logs.configure("WARNING", found.settings.log_format)
    return f"connectors: {', '.join(found.settings.connectors) or 'none'}"


async def commercetools_settings(found: Findings) -> str:
    from ctbridge.commercetools.client import CommercetoolsClient

    found.commercetools = load(CommercetoolsSettings)
    found.client = CommercetoolsClient.from_settings(found.commercetools)
    found.cleanups.append(found.client.aclose)
    return f"project {found.commercetools.project_key} at {found.commercetools.api_base}"


def sqlite_path(database_url: str) -> str | None:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    return url.database if url.get_backend_name() == "sqlite" else None


def missing_sqlite_file(database_url: str) -> str | None:
    """For a SQLite file that does not exist yet: what that means (raises if it cannot be made)."""
    path = sqlite_path(database_url)
    if path is None or os.path.exists(path):
        return None
    folder = os.path.dirname(os.path.abspath(path))
    if not os.access(folder, os.W_OK):
        raise RuntimeError(f"{path} does not exist and {folder} is not writable")
    return f"{path} does not exist yet; serve and worker create it"


async def database(found: Findings) -> str:
    """Reaches the database; a SQLite file that does not exist yet is not created here."""
    from ctbridge.engine.store import Store

    settings = found.need_settings()
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        return missing
    store = Store(settings.database_url)
    try:
        await store.ping()
    finally:
        await store.dispose()
    return "reachable"


async def connector_settings(found: Findings) -> str:
    from ctbridge.host import Engine

    settings = found.need_settings()
    # The engine is built for its connectors and clients only; closing an engine writes to its
    # database (it releases its leases), so it gets a scratch file, never the real database.
    scratch = tempfile.TemporaryDirectory(prefix="ctbridge-doctor-")
    found.cleanups.append(partial(asyncio.to_thread, scratch.cleanup))
    scratch_url = f"sqlite:///{scratch.name}/doctor.db"
    settings = settings.model_copy(update={"database_url": scratch_url})
    found.engine = await Engine.open(
        settings, commercetools_settings=found.commercetools, create_schema=False
    )
    found.cleanups.append(found.engine.close)
    return ", ".join(sorted(found.engine.connectors)) or "none enabled"


async def commercetools_project(found: Findings) -> str:
    body = await found.need_commercetools().project()
    found.project_readable = True
    return f"token ok, project '{body.get('name') or body.get('key')}' readable"


async def subscriptions(found: Findings) -> str:
    from ctbridge.commercetools.message_resource_types import commercetools_message_types
    from ctbridge.commercetools.subscriptions import subscription_key, subscription_where

    engine = found.need_engine()
    client = found.need_commercetools()
    expected = [
        subscription_key(name)
        for name in engine.connectors
        if commercetools_message_types(engine.registry.message_types(name))
    ]
    if not expected:
        raise NotApplicable("no connector takes commercetools messages")
    found_subscriptions = await client.query("subscriptions", where=subscription_where(expected))
    health = {item["key"]: item.get("status", "Healthy") for item in found_subscriptions["results"]}
    missing = sorted(set(expected) - set(health))
    unhealthy = {k: v for k, v in health.items() if v != "Healthy"}
    if missing or unhealthy:
        problems = [f"{key} not deployed (run ctbridge deploy)" for key in missing]
        problems += [f"{key} is {status}" for key, status in sorted(unhealthy.items())]
        raise RuntimeError("; ".join(problems))
    return f"{len(health)} healthy"


async def messages(found: Findings) -> str:
    """Whether the Messages Query API is on (the catch-up needs it) and how long it keeps them."""
    from ctbridge.commercetools.catchup import messages_query_check

    settings = found.need_settings()
    if not found.project_readable:
        raise NotApplicable("commercetools is not readable")
    return await messages_query_check(
        found.need_commercetools(), required=settings.catchup == "auto"
    )


def target_checks(found: Findings) -> list[tuple[str, Check]]:
    """One check per enabled connector, named after it."""
    if found.engine is None:
        return []
    checks: list[tuple[str, Check]] = []
    for name, connector in sorted(found.engine.connectors.items()):
        probe = TARGET_CHECKS.get(name)

        async def check(_found: Findings, probe=probe, connector=connector) -> str:
            if probe is None:
                raise NotApplicable("no target check for this connector")
            return await probe(connector)

        checks.append((f"{name} target", check))
    return checks


# In order: a check may use what the ones before it found.
CHECKS: list[tuple[str, Check]] = [
    ("settings", engine_settings),
    ("commercetools settings", commercetools_settings),
    ("database", database),
    ("connector settings", connector_settings),
    ("commercetools", commercetools_project),
    ("messages", messages),
    ("subscriptions", subscriptions),
]
