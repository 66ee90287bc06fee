"""Every request is answered within a deadline: a slow body or a locked store gives 503, not a wait."""

from __future__ import annotations

import asyncio
import json

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("ctbridge.web")


class RequestDeadline:
    """ASGI middleware. A request that has not started its response `seconds` after it arrived
    is cancelled and answered 503 with `Connection: close`: a client that trickles its body no
    longer holds a connection and a task, and a sender (Pub/Sub pushes wait 10 s by default)
    hears "retry" before it gives up, instead of nothing. Work cancelled this way was not
    acknowledged, so redelivering it is safe: intake is idempotent by message id."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        # A timeout on this task rather than a task per request: intake answers thousands of
        # requests a second, and the deadline is lifted once the response has started.
        try:
            async with asyncio.timeout(self.seconds) as deadline:

                async def tracking_send(message: Message) -> None:
                    nonlocal started
                    if not started and message["type"] == "http.response.start":
                        started = True
                        deadline.reschedule(None)
                    await send(message)

                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if not deadline.expired():  # the app's own TimeoutError, not the deadline
                raise
        if started or not deadline.expired():
            return
        log.warning(
            "request answered 503: no response within the deadline",
            path=scope.get("path"),
            deadline_seconds=self.seconds,
        )
        await unavailable(send)


async def unavailable(send: Send) -> None:
    body = json.dumps({"status": "error", "reason": "no answer within the deadline"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
