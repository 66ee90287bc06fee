"""`ctbridge --help` answers at once: a command imports the engine, web stack, clients and sandbox
only when it runs, so asking for help loads none of them (which modules, never how long)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# What a command needs only once it runs.
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "httpx",
    "pydantic_settings",
    "structlog",
    "ctbridge.sandbox",
    "ctbridge.engine",
    "ctbridge.host",
    "ctbridge.web",
    "ctbridge.commercetools",
    "ctbridge.connectors",
    "ctbridge.notifications",
    "ctbridge.settings",
)

# Runs the command line in a fresh interpreter and prints the modules it loaded.
PROBE = """
import json, sys
from ctbridge.cli import app
try:
    app(args=sys.argv[1:], prog_name="ctbridge")
except SystemExit as done:
    assert done.code in (0, None), done.code
print("\\n" + json.dumps(sorted(sys.modules)))
"""


def loaded_modules(*args: str, probe: str = PROBE, **run: object) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120, **run
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def heavy_among(modules: set[str]) -> list[str]:
    return sorted(
        name for name in modules if any(name == h or name.startswith(h + ".") for h in HEAVY)
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("serve", "--help"),
        ("worker", "--help"),
        ("dlq", "--help"),
        ("job", "run", "--help"),
        ("load", "products", "--help"),
        ("sandbox", "--help"),
        ("doctor", "--help"),
        ("catchup", "--help"),
    ],
)
def test_help_imports_no_engine_web_client_or_sandbox(args):
    assert heavy_among(loaded_modules(*args)) == []


def test_the_probe_sees_what_a_running_command_imports(tmp_path):
    # The check can fail: a command that runs loads its settings (here it exits 2 on a bad one).
    loaded = loaded_modules(
        "dlq",
        "list",
        probe=PROBE.replace("assert done.code in (0, None)", "assert done.code == 2"),
        cwd=tmp_path,
        env={**os.environ, "CTBRIDGE_DATABASE_URL": "mysql://nowhere"},
    )
    assert "ctbridge.settings" in heavy_among(loaded)
