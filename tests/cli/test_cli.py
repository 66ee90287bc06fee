"""The command line as an operator uses it: clean configuration errors, dead letters, jobs,
graceful shutdown, doctor."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select
from tests.engine.effects_worker import create_effects_table, effects
from tests.engine.recording import open_engine, product_message

from ctbridge.engine.inbox import Inbox
from ctbridge.engine.store import Store
from ctbridge.engine.tables import tasks
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer

ROOT = Path(__file__).resolve().parents[2]
# Enabled connectors require commercetools settings; these commands never call it.
UNUSED_COMMERCETOOLS = {
    "CTP_PROJECT_KEY": "p",
    "CTP_CLIENT_ID": "c",
    "CTP_CLIENT_SECRET": "s",
    "CTP_API_URL": "http://127.0.0.1:9",
    "CTP_AUTH_URL": "http://127.0.0.1:9",
}


def ctbridge(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "CTBRIDGE_"))}
    return subprocess.run(
        [sys.executable, "-m", "ctbridge", *args],
        cwd=ROOT,
        env={**clean, "CTBRIDGE_LOG_LEVEL": "WARNING", "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_bad_configuration_exits_2_with_one_line_per_problem_and_no_traceback(tmp_path):
    result = ctbridge(
        "dlq", "list", env={"CTBRIDGE_MAX_ATTEMPTS": "0", "CTBRIDGE_DATABASE_URL": "mysql://x"}
    )
    assert result.returncode == 2
    assert "CTBRIDGE_MAX_ATTEMPTS: Input should be greater than or equal to 1" in result.stderr
    assert (
        "CTBRIDGE_DATABASE_URL: Value error, must start with sqlite:/// or postgresql://"
        in result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unknown_connector_and_missing_commercetools_settings_are_named(tmp_path):
    result = ctbridge(
        "job",
        "list",
        env={
            "CTBRIDGE_CONNECTORS": "nosuch",
            "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/c.db",
            "CTP_CLIENT_ID": "x",
        },
    )
    assert result.returncode == 2
    assert "CTP_PROJECT_KEY: is required but not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_dead_letters_are_listed_shown_replayed_and_purged_from_the_cli(sqlite_url):
    async def prepare() -> None:
        engine, made = await open_engine(sqlite_url)
        made["recorder"].failures.update({"bad-1": ["permanent"], "bad-2": ["permanent"]})
        await engine.runtime.enqueue(product_message("bad-1"))
        await engine.runtime.enqueue(product_message("bad-2", product_id="p2"))
        await engine.run_until_idle()
        await engine.close()

    asyncio.run(prepare())
    env = {"CTBRIDGE_DATABASE_URL": sqlite_url}
    listed = ctbridge("dlq", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert (
        "bad-1" in listed.stdout
        and "bad-2" in listed.stdout
        and "2 dead letter(s)" in listed.stdout
    )
    shown = ctbridge("dlq", "show", "1", env=env)
    assert '"message_id": "bad-1"' in shown.stdout and "invalid payload" in shown.stdout
    assert ctbridge("dlq", "replay", env=env).returncode == 2  # neither ids nor --all
    assert "replayed 1 dead letter(s)" in ctbridge("dlq", "replay", "1", env=env).stdout
    assert "purged 1 dead letter(s)" in ctbridge("dlq", "purge", "--all", env=env).stdout

    async def statuses() -> list[str]:
        store = Store(sqlite_url)
        async with store.begin() as conn:
            found = (
                (await conn.execute(select(tasks.c.status).order_by(tasks.c.id))).scalars().all()
            )
        await store.dispose()
        return list(found)

    assert asyncio.run(statuses()) == ["pending"]


def test_a_job_runs_from_the_cli_with_its_report_and_exit_status(tmp_path):
    env = {
        "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/j.db",
        "CTBRIDGE_CONNECTORS": "tests.engine.cli_connector:JobConnector",
        **UNUSED_COMMERCETOOLS,
    }
    listed = ctbridge("job", "list", env=env)
    assert "jobs.count" in listed.stdout and "counts to three" in listed.stdout
    ok = ctbridge("job", "run", "jobs.count", "-p", "limit=3", env=env)
    assert ok.returncode == 0, ok.stderr
    assert "succeeded" in ok.stdout and "sent: 3" in ok.stdout and "no price in EUR" in ok.stdout
    failed = ctbridge("job", "run", "jobs.broken", env=env)
    assert failed.returncode == 1 and "target unreachable" in failed.stdout
    runs = ctbridge("job", "runs", env=env)
    assert "jobs.count" in runs.stdout and "failed" in runs.stdout
    unknown = ctbridge("job", "run", "jobs.absent", env=env)
    assert unknown.returncode == 2 and "unknown job" in unknown.stderr


def test_sigterm_lets_the_worker_finish_the_message_in_hand(tmp_path):
    url = f"sqlite:///{tmp_path}/w.db"

    async def prepare() -> None:
        store = Store(url)
        await store.create_schema()
        await create_effects_table(store)
        await Inbox(store).enqueue(
            product_message("slow").__class__(
                id="slow",
                type="ProductPublished",
                resource_type="product",
                resource_id="p1",
                sequence_number=1,
                payload={"slow_seconds": 2},
            ),
            ["effects"],
        )
        await store.dispose()

    asyncio.run(prepare())
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "CTBRIDGE_"))}
    worker = subprocess.Popen(
        [sys.executable, "-m", "ctbridge", "worker"],
        cwd=ROOT,
        env={
            **clean,
            **UNUSED_COMMERCETOOLS,
            "CTBRIDGE_DATABASE_URL": url,
            "CTBRIDGE_CONNECTORS": "tests.engine.effects_worker:EffectsConnector",
            "CTBRIDGE_POLL_SECONDS": "0.05",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    async def phases() -> list[str]:
        store = Store(url)
        async with store.begin() as conn:
            found = (await conn.execute(select(effects.c.phase))).scalars().all()
        await store.dispose()
        return list(found)

    deadline = time.monotonic() + 30
    while "started" not in asyncio.run(phases()):
        assert time.monotonic() < deadline and worker.poll() is None, (
            worker.stderr.read() if worker.poll() is not None else "never started"
        )
        time.sleep(0.1)
    worker.send_signal(signal.SIGTERM)
    _, errors = worker.communicate(timeout=30)
    assert worker.returncode == 0, errors[-2000:]
    assert asyncio.run(phases()) == ["started", "done"]


def test_doctor_gives_a_verdict_per_check(tmp_path):
    emulator = CommercetoolsEmulator("shop", "client", "right-secret")
    with BackgroundServer(emulator.app) as server:
        env = {
            "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
            "CTP_PROJECT_KEY": "shop",
            "CTP_CLIENT_ID": "client",
            "CTP_API_URL": server.url,
            "CTP_AUTH_URL": server.url,
        }
        good = ctbridge("doctor", env={**env, "CTP_CLIENT_SECRET": "right-secret"})
        assert good.returncode == 0, good.stdout
        assert "project 'shop' readable" in good.stdout and "all checks passed" in good.stdout
        bad = ctbridge("doctor", env={**env, "CTP_CLIENT_SECRET": "wrong-secret"})
        assert bad.returncode == 1
        assert "FAIL" in bad.stdout and "1 check(s) failed" in bad.stdout
        assert "wrong-secret" not in bad.stdout + bad.stderr


def test_an_unreachable_database_is_one_clear_line_and_exit_2():
    for url, reason in [
        ("postgresql://nobody@127.0.0.1:9/x", "ConnectionRefusedError"),
        ("sqlite:////nonexistent-folder/ctbridge.db", "unable to open database file"),
    ]:
        result = ctbridge("dlq", "list", env={"CTBRIDGE_DATABASE_URL": url})
        assert result.returncode == 2
        assert "CTBRIDGE_DATABASE_URL: cannot use the database" in result.stderr
        assert reason in result.stderr and "Traceback" not in result.stderr


def test_doctor_notices_a_subscription_deleted_behind_its_back(tmp_path):
    emulator = CommercetoolsEmulator("shop", "client", "right-secret")
    with BackgroundServer(emulator.app) as server:
        env = {
            "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
            "CTBRIDGE_CONNECTORS": "tests.engine.effects_worker:EffectsConnector",
            "CTP_PROJECT_KEY": "shop",
            "CTP_CLIENT_ID": "client",
            "CTP_CLIENT_SECRET": "right-secret",
            "CTP_API_URL": server.url,
            "CTP_AUTH_URL": server.url,
            "CTBRIDGE_DESTINATION_TYPE": "GoogleCloudPubSub",
            "CTBRIDGE_DESTINATION_PROJECT_ID": "gcp",
            "CTBRIDGE_DESTINATION_TOPIC": "ct",
        }
        assert ctbridge("deploy", env=env).returncode == 0
        healthy = ctbridge("doctor", env=env)
        assert healthy.returncode == 0, healthy.stdout
        assert "subscriptions: 1 healthy" in healthy.stdout
        [subscription] = emulator.all("subscriptions")
        emulator.delete("subscriptions", subscription["id"])
        broken = ctbridge("doctor", env=env)
        assert broken.returncode == 1
        assert "ctbridge-effects not deployed (run ctbridge deploy)" in broken.stdout
