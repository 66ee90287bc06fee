"""Fault injection for emulators: error rates, 429 bursts with Retry-After, latency, timeouts."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

CONTROL_PATH = "/__faults"


@dataclass
class FaultPlan:
    """What to inject into requests whose path starts with one of `paths` (all when empty).

    Rates are probabilities per request. `fail_next` fails exactly that many upcoming requests
    with `error_status` (deterministic, for tests); `throttle_next` answers that many with 429.
    """

    error_rate: float = 0.0
    error_status: int = 503
    throttle_rate: float = 0.0
    throttle_next: int = 0
    retry_after: float = 1.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    latency_ms: float = 0.0
    fail_next: int = 0
    paths: list[str] = field(default_factory=list)
    seed: int | None = None


class FaultInjector:
    """ASGI middleware that applies a `FaultPlan`; `POST /__faults` replaces the plan at run time,
    `GET /__faults` shows it together with counts of what was injected."""

    def __init__(self, app: ASGIApp, plan: FaultPlan | None = None) -> None:
        self.app = app
        self.plan = plan or FaultPlan()
        self.injected: dict[str, int] = {"errors": 0, "throttled": 0, "timeouts": 0}
        self._random = random.Random(self.plan.seed)

    def configure(self, **values: Any) -> None:
        self.plan = FaultPlan(**values)
        self._random = random.Random(self.plan.seed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == CONTROL_PATH:
            await self._control(scope, receive, send)
            return
        plan = self.plan
        if plan.paths and not any(path.startswith(p) for p in plan.paths):
            await self.app(scope, receive, send)
            return
        if plan.latency_ms:
            await asyncio.sleep(plan.latency_ms / 1000)
        if plan.fail_next > 0:
            plan.fail_next -= 1
            self.injected["errors"] += 1
            await _respond(send, plan.error_status, {"message": "injected failure"})
            return
        if plan.throttle_next > 0 or (
            plan.throttle_rate and self._random.random() < plan.throttle_rate
        ):
            plan.throttle_next = max(0, plan.throttle_next - 1)
            self.injected["throttled"] += 1
            headers = [(b"retry-after", str(plan.retry_after).encode())]
            await _respond(send, 429, {"message": "injected throttling"}, headers)
            return
        if plan.timeout_rate and self._random.random() < plan.timeout_rate:
            self.injected["timeouts"] += 1
            await asyncio.sleep(plan.timeout_seconds)
            await _respond(send, 504, {"message": "injected timeout"})
            return
        if plan.error_rate and self._random.random() < plan.error_rate:
            self.injected["errors"] += 1
            await _respond(send, plan.error_status, {"message": "injected failure"})
            return
        await self.app(scope, receive, send)

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "POST":
            body = b""
            while True:
                event = await receive()
                body += event.get("body", b"")
                if not event.get("more_body"):
                    break
            try:
                self.configure(**json.loads(body or b"{}"))
            except (TypeError, ValueError) as error:
                await _respond(send, 400, {"message": f"invalid fault plan: {error}"})
                return
        await _respond(send, 200, {"plan": asdict(self.plan), "injected": self.injected})


async def _respond(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": payload})
