"""`ctbridge serve` on a public interface without /events credentials says so, in one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.cli.test_sandbox_quickstart import environment

from ctbridge.sandbox.server import free_port


def first_stderr_line(tmp_path, extra: dict[str, str]) -> str:
    err = tmp_path / "serve.err"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ctbridge",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
        ],
        cwd=tmp_path,
        env={**environment(), "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db", **extra},
        stdout=subprocess.DEVNULL,
        stderr=err.open("wb"),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while "\n" not in err.read_text():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        return err.read_text().splitlines()[0]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_open_events_on_a_public_interface_is_one_warning_line(tmp_path):
    line = first_stderr_line(tmp_path, {})
    assert line.startswith("warning: /events on 0.0.0.0 accepts deliveries from anyone")
    assert line.endswith("CTBRIDGE_PUSH_SERVICE_ACCOUNT")


def test_no_warning_once_a_token_is_set(tmp_path):
    line = first_stderr_line(tmp_path, {"CTBRIDGE_EVENTS_TOKEN": "t0ken"})
    assert "accepts deliveries from anyone" not in line
