"""`ctbridge demo` runs every available chapter end to end on the emulators and says what flowed:
each chapter with only its connector, counts that agree, plurals, a final idle queue, and its log
lines in a file rather than among its tables."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from ctbridge.sandbox.stack import SandboxStack

SINGULAR_AFTER_MANY = re.compile(
    r"\b(?:0|[2-9]|\d{2,}) (?:product|variant|order|customer|category|token|request|item|"
    r"delivery|entry)\b(?!s| products)"  # "96 variant products" is right
)
PLURAL_AFTER_ONE = re.compile(
    r"(?<![\d.])1 (?:products|variants|orders|customers|categories|tokens|requests|items|"
    r"deliveries|entries)\b"
)


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "CTBRIDGE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "ctbridge", "demo"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, "COLUMNS": "400"},  # one table row per line
    )
    yield result
    for path in re.findall(r"(/\S+ctbridge-demo-\S+\.log)", result.stdout):
        if os.path.exists(path):
            os.remove(path)


def test_the_demo_command_finishes_cleanly_and_reports_each_chapter(demo):
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "demo finished" in demo.stdout
    stack = SandboxStack.start()
    try:
        titles = list(stack.chapters)
    finally:
        stack.stop()
    assert titles, "no connector contributed a demo chapter"
    assert "ctbridge inbox" in demo.stdout


def test_no_chapter_leaves_a_dead_letter_in_a_connector_it_does_not_tell_about(demo):
    """The NewStore chapter's order once reached Fluent and died there after 8 attempts."""
    assert "dead letter (fluent" not in demo.stdout, demo.stdout
    rows = [line for line in demo.stdout.splitlines() if re.match(r"^│ fluent\s+│", line)]
    assert rows and not any("dead" in row for row in rows), rows


def test_the_summary_is_taken_once_the_queue_is_idle(demo):
    inbox = demo.stdout.split("ctbridge inbox", 1)[1]
    assert not re.search(r"│ (pending|running)\s+│", inbox), inbox


def test_the_catalog_counts_agree(demo):
    line = next(line for line in demo.stdout.splitlines() if "catalog load of every" in line)
    listed = re.search(r"(\d+) products? with (\d+) variants?", line)
    sent = re.search(r"sent (\d+) products? with (\d+) variants?", line)
    held = re.search(r"Fluent holds (\d+) standard and (\d+) variant products", line)
    skipped = re.search(r"skipped (\d+)", line)
    assert listed and sent and held, line
    assert sent.groups() == held.groups(), line
    skipped_products = int(skipped.group(1)) if skipped else 0
    assert int(listed.group(1)) == int(sent.group(1)) + skipped_products, line
    seeded = re.search(r"seeded the commercetools emulator: (\d+) products", demo.stdout)
    assert seeded and int(seeded.group(1)) < int(listed.group(1))


def test_counts_are_written_with_the_right_plural(demo):
    assert not SINGULAR_AFTER_MANY.findall(demo.stdout), SINGULAR_AFTER_MANY.findall(demo.stdout)
    assert not PLURAL_AFTER_ONE.findall(demo.stdout), PLURAL_AFTER_ONE.findall(demo.stdout)


def test_log_lines_go_to_a_file_whose_path_is_printed(demo):
    paths = re.findall(r"(/\S+ctbridge-demo-\S+\.log)", demo.stdout)
    assert paths, demo.stdout[:500]
    with open(paths[-1], encoding="utf-8") as log:
        logged = log.read()
    assert "engine opened" in logged
    for line in demo.stdout.splitlines():
        assert not re.search(r"\[(info|warning|error)\s*\]", line), line
    assert "warning" not in demo.stderr.lower()


def test_the_sandbox_stack_points_ctbridge_at_its_emulators():
    stack = SandboxStack.start(())
    try:
        environment = stack.environment
        assert environment["CTP_API_URL"].startswith("http://127.0.0.1:")
        assert environment["CTP_AUTH_URL"] == environment["CTP_API_URL"]
    finally:
        stack.stop()
