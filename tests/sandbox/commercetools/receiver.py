"""A push endpoint for delivery tests: records bodies, answers with scripted statuses."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


class Receiver:
    """A push endpoint that records bodies and answers with scripted statuses."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        self.app = FastAPI()

        @self.app.post("/push")
        async def push(request: Request) -> Response:
            body = json.loads(await request.body())
            with self.lock:
                status = self.statuses.pop(0) if self.statuses else 204
                if status < 300:
                    self.bodies.append(body)
                    self.headers.append(dict(request.headers))
            if status == 204:
                return Response(status_code=204)
            return JSONResponse({}, status_code=status)

    def decoded(self) -> list[dict[str, Any]]:
        """The commercetools payloads inside received Pub/Sub push envelopes."""
        with self.lock:
            return [json.loads(base64.b64decode(b["message"]["data"])) for b in self.bodies]
