"""`ctbridge doctor` against the emulators: every enabled connector's target checked, a verdict
per check, exit 1 on any failure, no secret echoed and no database file created."""

from __future__ import annotations

import os

import pytest
from tests.cli.test_cli import ctbridge

from ctbridge.sandbox.stack import SandboxStack

CONNECTORS = "ordergroove,fluent,newstore"


@pytest.fixture(scope="module")
def stack():
    running = SandboxStack.start()
    try:
        yield running
    finally:
        running.stop()


def environment(stack: SandboxStack, database: str, **overrides: str) -> dict[str, str]:
    return {
        **stack.environment,
        "CTBRIDGE_CONNECTORS": CONNECTORS,
        "CTBRIDGE_DATABASE_URL": f"sqlite:///{database}",
        "CTBRIDGE_DESTINATION_TYPE": "GoogleCloudPubSub",
        "CTBRIDGE_DESTINATION_PROJECT_ID": "gcp",
        "CTBRIDGE_DESTINATION_TOPIC": "ct",
        **overrides,
    }


def verdicts(stdout: str) -> dict[str, str]:
    """{check name: "ok" | "FAIL" | "skip"} from doctor's output."""
    found = {}
    for line in stdout.splitlines():
        mark, _, rest = line.strip().partition("  ")
        if mark in ("ok", "FAIL", "skip") and ":" in rest:
            found[rest.split(":", 1)[0]] = mark
    return found


def test_right_credentials_pass_every_check_and_create_no_database(stack, tmp_path):
    database = tmp_path / "never-created.db"
    deployed = ctbridge("deploy", env=environment(stack, str(tmp_path / "deploy.db")))
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    result = ctbridge("doctor", env=environment(stack, str(database)))
    assert result.returncode == 0, result.stdout + result.stderr
    checks = verdicts(result.stdout)
    for name in ("ordergroove target", "fluent target", "newstore target", "subscriptions"):
        assert checks.get(name) == "ok", result.stdout
    assert "all checks passed" in result.stdout
    assert not os.path.exists(database)


def test_a_wrong_url_password_or_secret_fails_its_own_check(stack, tmp_path):
    wrong = {
        "OG_API_URL": "http://127.0.0.1:9",
        "FLUENT_PASSWORD": "not-the-fluent-password",
        "NEW_STORE_CLIENT_SECRET": "not-the-newstore-secret",
    }
    result = ctbridge("doctor", env=environment(stack, str(tmp_path / "d.db"), **wrong))
    assert result.returncode == 1, result.stdout
    checks = verdicts(result.stdout)
    assert (checks["ordergroove target"], checks["fluent target"], checks["newstore target"]) == (
        "FAIL",
        "FAIL",
        "FAIL",
    ), result.stdout
    assert checks["commercetools"] == "ok"
    assert "all checks passed" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    for secret in wrong.values():
        if "127.0.0.1" not in secret:
            assert secret not in result.stdout + result.stderr


def test_a_wrong_ordergroove_key_fails(stack, tmp_path):
    result = ctbridge(
        "doctor", env=environment(stack, str(tmp_path / "d.db"), OG_API_KEY="wrong-key")
    )
    assert result.returncode == 1
    assert verdicts(result.stdout)["ordergroove target"] == "FAIL", result.stdout
