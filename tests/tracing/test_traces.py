"""OpenTelemetry: one trace from the delivery through the stored message to the handler's calls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ctbridge import tracing

ROOT = Path(__file__).resolve().parents[2]


def test_traces_are_off_unless_the_standard_variables_ask_for_them() -> None:
    assert not tracing.wanted({})
    assert tracing.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert tracing.wanted({"OTEL_TRACES_EXPORTER": "otlp"})
    assert not tracing.wanted({"OTEL_TRACES_EXPORTER": "none"})
    assert not tracing.wanted(
        {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    )


def test_without_a_trace_nothing_is_stored_and_a_bad_context_starts_a_new_trace() -> None:
    assert tracing.current_context() is None
    with tracing.continued("not json", "handle X", {}) as span:
        assert span is not None


def test_one_trace_runs_from_the_delivery_to_the_handler_and_its_target_calls(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    env.pop("OTEL_SDK_DISABLED", None)
    finished = subprocess.run(
        [sys.executable, "-m", "tests.tracing.traced_delivery", f"sqlite:///{tmp_path}/t.db"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert result["applied"] == ["traced-1"]
    spans = result["spans"]
    delivery = next(s for s in spans if s["kind"] == "SERVER" and "/events" in s["name"])
    trace = [s for s in spans if s["trace_id"] == delivery["trace_id"]]
    handle = next(s for s in trace if s["name"] == "handle ProductPublished")
    assert handle["attributes"]["ctbridge.message_id"] == "traced-1"
    # the handler's call to its target is a child of the handler's span
    calls = [s for s in trace if s["kind"] == "CLIENT" and s["parent_id"] == handle["span_id"]]
    assert calls, [s["name"] for s in trace]
    # the store's statements are traced too
    assert any(s["attributes"].get("db.system") == "sqlite" for s in spans)
