"""The README's path from nothing to a synced product, run as a user runs it: `ctbridge sandbox
--env-file .env --seed N` in one terminal, `ctbridge deploy` and `ctbridge serve` in another,
each a real process reading only the .env file the sandbox wrote."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dotenv import dotenv_values

from ctbridge.sandbox.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def environment() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "CTBRIDGE_"))}
    clean.pop("PORT", None)
    clean["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return {**clean, "COLUMNS": "200"}


def start(cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ctbridge", *args],
        cwd=cwd,
        env=environment(),
        stdout=(cwd / f"{args[0]}.out").open("wb"),
        stderr=(cwd / f"{args[0]}.err").open("wb"),
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(condition, seconds: float, what: str, *processes: subprocess.Popen):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        for process in processes:
            assert process.poll() is None, f"{process.args[3]} exited while waiting for {what}"
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.2)


@pytest.fixture
def sandbox(tmp_path) -> Iterator[tuple[subprocess.Popen, Path, int]]:
    serve_port = free_port()
    process = start(
        tmp_path, "sandbox", "--env-file", ".env", "--seed", "3", "--serve-port", str(serve_port)
    )
    try:
        wait_for(lambda: (tmp_path / ".env").exists(), 60, "the .env file", process)
        yield process, tmp_path, serve_port
    finally:
        stop(process)


def test_sandbox_deploy_serve_syncs_the_seeded_products(sandbox):
    process, cwd, serve_port = sandbox
    env = dotenv_values(cwd / ".env")
    assert env["PORT"] == str(serve_port)
    assert env["CTBRIDGE_DESTINATION_TYPE"] == "GoogleCloudPubSub"
    assert env["FLUENT_WEBHOOK_PUBLIC_KEYS"].startswith("-----BEGIN PUBLIC KEY-----\n")
    assert (cwd / ".env").stat().st_mode & 0o077 == 0  # it holds secrets

    deploy = subprocess.run(
        [sys.executable, "-m", "ctbridge", "deploy"],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert deploy.returncode == 0, deploy.stderr
    serve = start(cwd, "serve")
    try:
        og_state = f"{env['OG_API_URL']}/__sandbox/state"
        state = wait_for(
            lambda: (s := httpx.get(og_state, timeout=5).json())["live"] >= 9 and s,
            90,
            "products in Ordergroove",
            process,
            serve,
        )
        assert state["created_more_than_once"] == 0
        health = httpx.get(f"http://127.0.0.1:{serve_port}/healthz", timeout=5)
        assert health.status_code == 200
        # /events is closed to anyone without the sandbox's token
        stranger = httpx.post(f"http://127.0.0.1:{serve_port}/events", json={}, timeout=5)
        assert stranger.status_code == 401
    finally:
        stop(serve)


def test_shell_mode_prints_only_loadable_export_lines(tmp_path):
    process = start(tmp_path, "sandbox", "--shell")
    try:
        out = tmp_path / "sandbox.out"
        text = wait_for(
            lambda: "CTBRIDGE_EVENTS_TOKEN" in (t := out.read_text()) and t.endswith("\n") and t,
            60,
            "export lines",
            process,
        )
        lines = text.splitlines()
        assert lines and lines[0].startswith("export ")
        loaded = subprocess.run(
            ["sh", "-c", f'{text}\nprintf %s "$FLUENT_WEBHOOK_PUBLIC_KEYS"'],
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert loaded.stdout.startswith("-----BEGIN PUBLIC KEY-----\n")
        assert loaded.stdout.rstrip().endswith("-----END PUBLIC KEY-----")
        for name in ("CTP_API_URL", "OG_API_URL", "FLUENT_HOST", "NEW_STORE_BASE_URL"):
            url = subprocess.run(
                ["sh", "-c", f'{text}\nprintf %s "${name}"'],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout
            assert httpx.get(f"{url}/__sandbox/state", timeout=5).status_code == 200, name
    finally:
        stop(process)
