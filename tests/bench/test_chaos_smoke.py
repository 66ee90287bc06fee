"""The chaos soak in CI: 1,000 messages through failing targets end with nothing lost, doubled or stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHAOS = Path(__file__).resolve().parents[2] / "bench" / "chaos.py"


def parse_figures(line: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in line.split())


@pytest.mark.slow
def test_a_thousand_messages_survive_duplicates_shuffling_failing_targets_and_a_killed_worker() -> (
    None
):
    finished = subprocess.run(
        [sys.executable, str(CHAOS), "--messages", "1000", "--timeout", "420"],
        capture_output=True,
        text=True,
        timeout=480,
    )
    lines = finished.stdout.strip().splitlines()
    assert lines, finished.stderr[-3000:]
    figures = parse_figures(lines[-1])
    report = "\n".join(lines[-40:]) + finished.stderr[-2000:]
    assert finished.returncode == 0, report
    assert (figures["lost"], figures["duplicated"], figures["stale"]) == ("0", "0", "0"), report
    assert int(figures["messages"]) >= 1000, report
    assert figures["dead_letters"] == "0", report
