"""`ctbridge load` under signals, with real subprocesses: SIGTERM checkpoints and releases at once;
after SIGKILL the restart says when it may take over, and `--takeover` takes over now."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time

from sqlalchemy import select
from tests.cli.test_cli import ROOT, UNUSED_COMMERCETOOLS, ctbridge
from tests.engine.cli_connector import PAGES

from ctbridge.engine.state import KeyValueStore
from ctbridge.engine.store import Store
from ctbridge.engine.tables import job_runs

JOB = "jobs.load-products"


def environment(tmp_path) -> dict[str, str]:
    return {
        "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/load.db",
        "CTBRIDGE_CONNECTORS": "tests.engine.cli_connector:JobConnector",
        **UNUSED_COMMERCETOOLS,
    }


def start_load(env: dict[str, str]) -> subprocess.Popen:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "CTBRIDGE_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "ctbridge", "load", "products", "--to", "jobs"],
        cwd=ROOT,
        env={**clean, "CTBRIDGE_LOG_LEVEL": "WARNING", "COLUMNS": "200", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _checkpoint(url: str) -> int:
    store = Store(url)
    try:
        saved = await KeyValueStore(store).get("checkpoints", JOB)
    except Exception:  # the schema is not there yet
        saved = None
    finally:
        await store.dispose()
    return 0 if saved is None else saved["next"]


async def _statuses(url: str) -> list[str]:
    store = Store(url)
    try:
        async with store.begin() as conn:
            rows = await conn.execute(select(job_runs.c.status).order_by(job_runs.c.id))
            return list(rows.scalars())
    finally:
        await store.dispose()


def wait_for_pages(process: subprocess.Popen, url: str, pages: int) -> None:
    deadline = time.monotonic() + 60
    while asyncio.run(_checkpoint(url)) < pages:
        assert process.poll() is None, process.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the load never got going"
        time.sleep(0.05)


def sent_count(stdout: str) -> int:
    return int(re.search(r"sent: (\d+)", stdout).group(1))


def test_sigterm_checkpoints_releases_and_the_same_command_resumes_at_once(tmp_path):
    env = environment(tmp_path)
    url = env["CTBRIDGE_DATABASE_URL"]
    load = start_load(env)
    wait_for_pages(load, url, 3)
    load.send_signal(signal.SIGTERM)
    _, errors = load.communicate(timeout=30)
    assert load.returncode == 130, errors[-2000:]
    said = [line for line in errors.splitlines() if "stopped by SIGTERM" in line]
    assert len(said) == 1 and "run the same command to resume" in said[0]
    assert "Traceback" not in errors
    resumed_from = asyncio.run(_checkpoint(url))
    assert resumed_from >= 3
    again = ctbridge("load", "products", "--to", "jobs", env={**env, "JOBS_PAGE_PAUSE": "0"})
    assert again.returncode == 0, again.stderr[-2000:]
    assert sent_count(again.stdout) == PAGES - resumed_from
    assert asyncio.run(_statuses(url)) == ["interrupted", "succeeded"]


def test_after_sigkill_the_restart_says_when_and_takeover_resumes_now(tmp_path):
    env = environment(tmp_path)
    url = env["CTBRIDGE_DATABASE_URL"]
    load = start_load(env)
    wait_for_pages(load, url, 3)
    load.kill()
    load.communicate(timeout=30)
    resumed_from = asyncio.run(_checkpoint(url))
    refused = ctbridge("load", "products", "--to", "jobs", env=env)
    assert refused.returncode == 2, refused.stderr[-2000:]
    seconds = re.search(r"can be taken over in (\d+) s, or now with --takeover", refused.stderr)
    assert seconds and 0 < int(seconds.group(1)) <= 60, refused.stderr
    taken = ctbridge(
        "load", "products", "--to", "jobs", "--takeover", env={**env, "JOBS_PAGE_PAUSE": "0"}
    )
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert sent_count(taken.stdout) == PAGES - resumed_from
    assert asyncio.run(_statuses(url)) == ["abandoned", "succeeded"]
