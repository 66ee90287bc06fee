"""Fault plans for the chaos soak's target emulators: 5xx, 429 with Retry-After and timeouts."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from ctbridge.sandbox.faults import FaultInjector

ERROR_STATUSES = (500, 502, 503)


@dataclass(frozen=True)
class Chaos:
    """About `failure_rate` of all calls fail: a third each 429, 5xx and (rarer, slower) timeouts.

    `timeout_seconds` should be just above the clients' timeouts so that a hung call surfaces as
    a client timeout, not as the 504 the injector answers afterwards.
    """

    failure_rate: float = 0.2
    retry_after: float = 0.2
    timeout_seconds: float = 2.5
    timeout_share: float = 0.2

    def plan(self, seed: int) -> dict[str, object]:
        timeouts = self.failure_rate * self.timeout_share
        throttles = (self.failure_rate - timeouts) / 2
        # The injector draws throttle, then timeout, then error; solve for a total near the rate.
        errors = 1 - (1 - self.failure_rate) / ((1 - throttles) * (1 - timeouts))
        rng = random.Random(seed)
        return {
            "throttle_rate": throttles,
            "retry_after": self.retry_after,
            "timeout_rate": timeouts,
            "timeout_seconds": self.timeout_seconds,
            "error_rate": errors,
            "error_status": rng.choice(ERROR_STATUSES),
            "seed": seed,
        }


class FaultConductor:
    """Re-plans every injector each `period` seconds, so the 5xx status varies over the run."""

    def __init__(
        self, injectors: Sequence[FaultInjector], chaos: Chaos, seed: int, period: float = 1.0
    ) -> None:
        self.injectors = list(injectors)
        self.chaos = chaos
        self.seed = seed
        self.period = period
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._apply(0)
        self._thread = threading.Thread(target=self._run, name="fault-conductor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tick = 0
        while not self._stop.wait(self.period):
            tick += 1
            self._apply(tick)

    def _apply(self, tick: int) -> None:
        for index, injector in enumerate(self.injectors):
            injector.configure(**self.chaos.plan(self.seed * 1_000_003 + tick * 17 + index))

    def calm(self) -> None:
        """Stops injecting: every later call reaches the emulator."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for injector in self.injectors:
            injector.configure()

    def injected(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for injector in self.injectors:
            for kind, count in injector.injected.items():
                total[kind] = total.get(kind, 0) + count
        return total
