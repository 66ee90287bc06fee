"""The shared token bucket and window quota hold their limits across workers and processes."""

from __future__ import annotations

import subprocess
import sys
import time

from ctbridge.engine.rate_limit import RateLimiter, WindowQuota
from ctbridge.engine.store import Store

WORKER = """
import asyncio, sys, time
from ctbridge.engine.rate_limit import RateLimiter
from ctbridge.engine.store import Store

async def main():
    store = Store(sys.argv[1])
    limiter = RateLimiter(store, "target", per_minute=float(sys.argv[2]), burst=1)
    stamps = []
    for _ in range(int(sys.argv[3])):
        await limiter.acquire()
        stamps.append(time.time())
    await store.dispose()
    print(" ".join(repr(s) for s in stamps))

asyncio.run(main())
"""


async def test_a_bucket_spaces_takes_at_its_rate(sqlite_url):
    store = Store(sqlite_url)
    await store.create_schema()
    limiter = RateLimiter(store, "og", per_minute=600, burst=1)  # 10 per second
    started = time.monotonic()
    for _ in range(6):
        await limiter.acquire()
    elapsed = time.monotonic() - started
    await store.dispose()
    # 1 token at start, 5 more need 0.5 s at 10/s; the bound is on the minimum only.
    assert elapsed >= 0.45


async def test_two_processes_together_stay_under_the_limit(database_url):
    store = Store(database_url)
    await store.create_schema()
    await store.dispose()
    per_minute, takes = 1200.0, 10  # 20 per second shared, each process takes 10
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, database_url, str(per_minute), str(takes)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    stamps: list[float] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        stamps.extend(float(s) for s in out.split())
    stamps.sort()
    assert len(stamps) == 2 * takes
    # In any window of length w at most 1 + rate*w tokens can be taken (burst 1). The stamps are
    # taken after each take returns, so a window is widened by a tolerance for that delay.
    rate = per_minute / 60
    tolerance = 0.05
    for i, start in enumerate(stamps):
        for j in range(i + 1, len(stamps)):
            window = stamps[j] - start
            assert j - i + 1 <= 1 + rate * (window + tolerance)
    assert stamps[-1] - stamps[0] >= (2 * takes - 1) / rate - tolerance


QUOTA_WORKER = """
import asyncio, sys, time
from ctbridge.engine.rate_limit import WindowQuota
from ctbridge.engine.store import Store

async def main():
    store = Store(sys.argv[1])
    quota = WindowQuota(store, "og", quota=int(sys.argv[2]), window_seconds=float(sys.argv[3]),
                        slot_seconds=0.05, margin_seconds=0.0)
    stamps = []
    for _ in range(int(sys.argv[4])):
        before = time.time()
        await quota.acquire()
        stamps.append((before, time.time()))
    await store.dispose()
    print(" ".join(f"{a!r},{b!r}" for a, b in stamps))

asyncio.run(main())
"""


async def test_a_fresh_window_allows_the_whole_quota_and_then_no_more(sqlite_url):
    store = Store(sqlite_url)
    await store.create_schema()
    quota = WindowQuota(store, "og", quota=5, window_seconds=60)
    assert await quota._try_take(3) == (3, 0.0)
    granted, wait = await quota._try_take(4)  # two left in this window
    again, wait_again = await quota._try_take()
    await store.dispose()
    assert granted == 2 and 59 < wait <= 62.5
    assert again == 0 and 59 < wait_again <= 62.5


async def test_a_pause_from_one_worker_holds_every_worker(sqlite_url):
    store = Store(sqlite_url)
    await store.create_schema()
    first = WindowQuota(store, "og", quota=100)
    second = WindowQuota(store, "og", quota=100)
    await first.pause(30)
    await first.pause(1)  # a shorter Retry-After never shortens the pause in force
    granted, wait = await second._try_take()
    await store.dispose()
    assert granted == 0 and 29 < wait <= 30


async def test_two_processes_never_exceed_the_quota_in_any_window(database_url):
    store = Store(database_url)
    await store.create_schema()
    await store.dispose()
    quota, window, takes = 4, 1.0, 6  # 12 takes: at least two refills of the window
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", QUOTA_WORKER, database_url, str(quota), str(window), str(takes)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    spans: list[tuple[float, float]] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        spans += [tuple(float(x) for x in pair.split(",")) for pair in out.split()]
    assert len(spans) == 2 * takes
    # A take happened somewhere inside (asked, returned); takes asked at or after `start` and
    # returned before `start + window` certainly lie within one window.
    for start, _ in spans:
        inside = [s for s in spans if s[0] >= start and s[1] < start + window]
        assert len(inside) <= quota


async def test_time_spent_waiting_for_the_limit_is_counted_for_the_alert(sqlite_url) -> None:
    from prometheus_client import REGISTRY

    from ctbridge.engine.rate_limit import RateLimiter
    from ctbridge.engine.store import Store

    store = Store(sqlite_url)
    await store.create_schema()
    try:
        limiter = RateLimiter(store, "metric-test", per_minute=600, burst=1)
        name, labels = "ctbridge_rate_limit_wait_seconds_total", {"key": "metric-test"}
        before = REGISTRY.get_sample_value(name, labels) or 0.0
        await limiter.acquire()
        await limiter.acquire()  # the bucket holds one token: this one waits for the refill
        assert (REGISTRY.get_sample_value(name, labels) or 0.0) > before
    finally:
        await store.dispose()
