"""A process that opens an engine freezes its startup heap once, so full collections skip it."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import asyncio, gc, sys
from ctbridge.host import Engine
from ctbridge.settings import EngineSettings

async def main(folder):
    before = gc.get_freeze_count()
    for n in range(2):
        engine = await Engine.open(
            EngineSettings(database_url=f"sqlite:///{folder}/{n}.db"), factories={}
        )
        print(gc.get_freeze_count(), flush=True)
        await engine.close()
    print(before, flush=True)

asyncio.run(main(sys.argv[1]))
"""


def test_opening_an_engine_freezes_the_startup_heap_once(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # The engine logs to stdout too: the counts are the lines that are only a number.
    counts = [int(line) for line in done.stdout.splitlines() if line.strip().isdigit()]
    first, second, before = counts
    assert before == 0
    assert first > 10_000  # modules, classes, functions: the whole import-time heap
    # The second engine is not frozen too (that would add its objects); frozen objects that
    # are freed leave the count, so it may only shrink.
    assert second <= first
