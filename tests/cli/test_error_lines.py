"""The command line answers a mistake with one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import pytest
from tests.cli.test_cli import UNUSED_COMMERCETOOLS, ctbridge
from tests.cli.test_doctor import environment

from ctbridge.sandbox.stack import SandboxStack


def one_clear_line(result, *words: str) -> str:
    """The error is one line on stderr holding `words`; no traceback anywhere."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_serve_refuses_a_port_that_cannot_be(port, tmp_path):
    result = ctbridge(
        "serve", "--port", port, env={"CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/d.db"}
    )
    one_clear_line(result, "--port", port)


@pytest.mark.parametrize("command", ["show", "replay", "purge"])
@pytest.mark.parametrize("task_id", ["999", "99999999999999999999"])
def test_an_unknown_dead_letter_id_is_named_and_exits_1(command, task_id, sqlite_url):
    result = ctbridge("dlq", command, task_id, env={"CTBRIDGE_DATABASE_URL": sqlite_url})
    one_clear_line(result, "unknown dead letter", task_id)
    assert result.returncode == 1


def test_load_names_the_targets_it_supports(tmp_path):
    env = {
        **UNUSED_COMMERCETOOLS,
        "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
        "CTBRIDGE_CONNECTORS": "tests.engine.effects_worker:EffectsConnector",
    }
    result = ctbridge("load", "products", "--to", "newstore", env=env)
    line = one_clear_line(result, "newstore", "ordergroove", "fluent")
    assert "load-products" not in line and "effects" not in line


@pytest.fixture(scope="module")
def stack():
    running = SandboxStack.start(("fluent",))
    try:
        yield running
    finally:
        running.stop()


def test_a_job_parameter_that_is_not_a_date_is_one_line(stack, tmp_path):
    env = {**environment(stack, str(tmp_path / "d.db")), "CTBRIDGE_CONNECTORS": "fluent"}
    result = ctbridge("job", "run", "fluent.inventory-sync", "-p", "from=notadate", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "'notadate' is not an ISO-8601 date-time" in result.stdout
    assert '"exception"' not in result.stderr
