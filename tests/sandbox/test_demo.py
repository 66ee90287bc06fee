"""`ctbridge demo` runs every available chapter end to end on the emulators and says what flowed."""

from __future__ import annotations

import subprocess
import sys

from ctbridge.sandbox.stack import SandboxStack


def test_the_demo_command_finishes_cleanly_and_reports_each_chapter():
    result = subprocess.run(
        [sys.executable, "-m", "ctbridge", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo finished" in result.stdout
    stack = SandboxStack.start()
    try:
        titles = list(stack.chapters)
    finally:
        stack.stop()
    assert titles, "no connector contributed a demo chapter"
    assert "ctbridge inbox" in result.stdout


def test_the_sandbox_stack_points_ctbridge_at_its_emulators():
    stack = SandboxStack.start(())
    try:
        environment = stack.environment
        assert environment["CTP_API_URL"].startswith("http://127.0.0.1:")
        assert environment["CTP_AUTH_URL"] == environment["CTP_API_URL"]
    finally:
        stack.stop()
