"""Logs are structured, and fields that carry credentials are redacted."""

from __future__ import annotations

import json

import pytest
import structlog

from ctbridge import logs


@pytest.fixture(autouse=True)
def restore_logging():
    yield
    structlog.reset_defaults()


def test_credential_fields_are_redacted_and_output_is_json(capsys):
    logs.configure("INFO", "json")
    structlog.get_logger("t").info(
        "token fetched",
        client_secret="s3cr3t",
        access_token="abc",
        Authorization="Bearer x",
        message_id="m1",
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["event"] == "token fetched" and record["message_id"] == "m1"
    assert (
        record["client_secret"] == record["access_token"] == record["Authorization"] == "[redacted]"
    )
    assert "s3cr3t" not in line and "Bearer x" not in line


def test_debug_lines_are_dropped_below_the_configured_level(capsys):
    logs.configure("WARNING", "json")
    structlog.get_logger("t").info("quiet")
    structlog.get_logger("t").warning("loud")
    lines = capsys.readouterr().err.strip().splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["loud"]
