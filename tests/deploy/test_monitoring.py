"""The shipped alert rules and Grafana dashboard: valid for promtool, and about metrics that exist."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

import ctbridge.engine.metrics
import ctbridge.http.metrics  # noqa: F401  (registers the target call counter)

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
METRIC = re.compile(r"\bctbridge_[a-z_]+")


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:  # fail, never skip: CI installs it (scripts/run-tests)
        pytest.fail("promtool not found: apt-get install -y prometheus")
    return found


def exported_names() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        names.update(sample.name for sample in family.samples)
        names.add(family.name)
    return names


def referenced(text: str) -> set[str]:
    return set(METRIC.findall(text))


def test_promtool_accepts_the_rules_and_their_unit_tests_pass() -> None:
    checked = subprocess.run(
        [promtool(), "check", "rules", "alerts.yml"], cwd=MONITORING, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [promtool(), "test", "rules", "alerts.test.yml"],
        cwd=MONITORING,
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_metric_the_rules_and_the_dashboard_use_is_exported() -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    expressions = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    )
    used = referenced((MONITORING / "alerts.yml").read_text()) | referenced(expressions)
    assert used, "no metric found in the rules or the dashboard"
    # Counters and histograms only show their samples once a label set was used: compare with
    # the family names too (`_total`, `_bucket` are sample suffixes).
    exported = exported_names()
    missing = {
        name
        for name in used
        if name not in exported and re.sub(r"_(total|bucket|sum|count)$", "", name) not in exported
    }
    assert not missing, f"not exported by ctbridge: {sorted(missing)}"


def test_the_dashboard_is_importable_grafana_json() -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
