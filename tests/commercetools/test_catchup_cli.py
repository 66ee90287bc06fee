"""`ctbridge catchup` and `ctbridge doctor` as an operator runs them after an outage."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.engine.effects_worker import EffectsConnector, create_effects_table, effects

from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.engine.store import Store
from ctbridge.host import Engine
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer
from ctbridge.settings import EngineSettings

ROOT = Path(__file__).resolve().parents[2]


def ctbridge(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "CTBRIDGE_"))}
    return subprocess.run(
        [sys.executable, "-m", "ctbridge", *args],
        cwd=ROOT,
        env={**clean, "CTBRIDGE_LOG_LEVEL": "WARNING", "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def publish_products(emulator: CommercetoolsEmulator, count: int, start: int = 0) -> None:
    product_type = emulator.create("product-types", {"name": f"t{start}", "description": ""})
    for n in range(start, start + count):
        product = emulator.create(
            "products",
            {
                "key": f"p{n}",
                "productType": {"typeId": "product-type", "id": product_type["id"]},
                "name": {"en": f"P{n}"},
                "slug": {"en": f"p{n}"},
                "masterVariant": {"sku": f"P-{n}"},
            },
        )
        emulator.update("products", product["id"], [{"action": "publish"}])


def test_catchup_from_the_command_line_fills_the_inbox_once_and_doctor_reports_retention(
    tmp_path,
):
    emulator = CommercetoolsEmulator("shop", "client", "secret")
    publish_products(emulator, 3)  # ctbridge is down while these happen
    database = f"sqlite:///{tmp_path}/c.db"
    with BackgroundServer(emulator.app) as server:
        env = {
            "CTBRIDGE_DATABASE_URL": database,
            "CTBRIDGE_CONNECTORS": "tests.engine.effects_worker:EffectsConnector",
            "CTP_PROJECT_KEY": "shop",
            "CTP_CLIENT_ID": "client",
            "CTP_CLIENT_SECRET": "secret",
            "CTP_API_URL": server.url,
            "CTP_AUTH_URL": server.url,
        }
        first = ctbridge("catchup", "--since", "1h", env=env)
        second = ctbridge("catchup", "--since", "1h", env=env)
        doctor = ctbridge("doctor", env=env)
        bad_time = ctbridge("catchup", "--since", "yesterday", env=env)

    assert first.returncode == 0, first.stderr
    assert "3 messages read, 3 new, 0 already in" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "3 messages read, 0 new, 3 already in" in second.stdout
    assert "messages: messages query enabled, messages kept 15 days" in doctor.stdout
    assert bad_time.returncode == 2
    assert "neither an ISO 8601 time nor an age" in bad_time.stderr

    published = {m["id"] for m in emulator.messages("ProductPublished")}
    assert asyncio.run(handle_inbox(database)) == published


async def handle_inbox(database_url: str) -> set[str]:
    """Runs the worker over what the catch-up stored; the ids its handler saw."""
    engine = await Engine.open(
        EngineSettings(database_url=database_url), factories={"effects": EffectsConnector}
    )
    try:
        await create_effects_table(engine.store)
        await engine.run_until_idle()
        async with engine.store.begin() as conn:
            rows = await conn.execute(select(effects.c.message_id))
            return {row.message_id for row in rows}
    finally:
        await engine.close()


def test_catchup_with_messages_disabled_exits_2_with_the_reason(tmp_path):
    emulator = CommercetoolsEmulator("shop", "client", "secret")
    emulator.update_project(
        {
            "version": 1,
            "actions": [
                {
                    "action": "changeMessagesConfiguration",
                    "messagesConfiguration": {"enabled": False, "deleteDaysAfterCreation": 15},
                }
            ],
        }
    )
    with BackgroundServer(emulator.app) as server:
        env = {
            "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
            "CTBRIDGE_CONNECTORS": "tests.engine.effects_worker:EffectsConnector",
            "CTBRIDGE_CATCHUP": "auto",
            "CTP_PROJECT_KEY": "shop",
            "CTP_CLIENT_ID": "client",
            "CTP_CLIENT_SECRET": "secret",
            "CTP_API_URL": server.url,
            "CTP_AUTH_URL": server.url,
        }
        result = ctbridge("catchup", "--since", "2h", env=env)
        doctor = ctbridge("doctor", env=env)

    assert result.returncode == 2
    assert "catch-up impossible" in result.stderr and "disabled" in result.stderr
    assert doctor.returncode == 1
    assert "CTBRIDGE_CATCHUP=auto needs it" in doctor.stdout


async def deliver_first_publication(database_url: str, emulator: CommercetoolsEmulator) -> None:
    """ctbridge before the outage: one ProductPublished came in live and was handled."""
    engine = await Engine.open(
        EngineSettings(database_url=database_url), factories={"effects": EffectsConnector}
    )
    try:
        await create_effects_table(engine.store)
        inbox = Inbox(engine.store)
        writer = IntakeWriter(inbox)
        intake = DeliveryIntake(engine.registry, inbox, writer)
        (first,) = emulator.messages("ProductPublished")
        body = {"notificationType": "Message", "projectKey": "shop", **first}
        assert (await intake.accept(json.dumps(body).encode())).status == "accepted"
        await writer.close()
        await engine.run_until_idle()
    finally:
        await engine.close()


async def handled_ids(database_url: str) -> set[str]:
    store = Store(database_url)
    try:
        async with store.begin() as conn:
            return {row.message_id for row in await conn.execute(select(effects.c.message_id))}
    finally:
        await store.dispose()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("command", ["worker", "serve"])
def test_catchup_auto_brings_in_what_happened_while_ctbridge_was_down(tmp_path, command):
    emulator = CommercetoolsEmulator("shop", "client", "secret")
    database = f"sqlite:///{tmp_path}/w.db"
    publish_products(emulator, 1)
    asyncio.run(deliver_first_publication(database, emulator))
    publish_products(emulator, 2, start=1)  # ctbridge is down
    expected = {m["id"] for m in emulator.messages("ProductPublished")}
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "CTBRIDGE_"))}
    arguments = (
        ["worker", "--no-scheduler"]
        if command == "worker"
        else ["serve", "--port", str(free_port())]
    )
    with BackgroundServer(emulator.app) as server:
        worker = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "ctbridge", *arguments],
            cwd=ROOT,
            env={
                **clean,
                "CTBRIDGE_LOG_LEVEL": "WARNING",
                "CTBRIDGE_DATABASE_URL": database,
                "CTBRIDGE_CONNECTORS": "tests.engine.effects_worker:EffectsConnector",
                "CTBRIDGE_CATCHUP": "auto",
                "CTBRIDGE_POLL_SECONDS": "0.05",
                "CTP_PROJECT_KEY": "shop",
                "CTP_CLIENT_ID": "client",
                "CTP_CLIENT_SECRET": "secret",
                "CTP_API_URL": server.url,
                "CTP_AUTH_URL": server.url,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 90
            seen: set[str] = set()
            while time.monotonic() < deadline and worker.poll() is None:
                seen = asyncio.run(handled_ids(database))
                if seen >= expected:
                    break
                time.sleep(0.2)
        finally:
            worker.send_signal(signal.SIGTERM)
            _, stderr = worker.communicate(timeout=60)

    assert seen == expected, stderr.decode()
    assert len(expected) == 3
