"""Retry rules of CommercetoolsClient, observed server-side on a scripted API over real HTTP."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ctbridge.commercetools.client import CommercetoolsClient
from ctbridge.commercetools.errors import (
    RateLimited,
    ServerError,
    TransportError,
    Unauthorized,
)
from ctbridge.errors import Retryable
from ctbridge.http.retry import ResendPolicy
from ctbridge.sandbox.server import BackgroundServer, free_port


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"id": "x", "version": 1, "results": []})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class ScriptedApi:
    """Answers API requests from a script (then 200), records every request it receives."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.token_script: deque[Reply] = deque()
        self.seen: list[tuple[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.app = FastAPI()
        self.app.post("/oauth/token")(self.token)
        self.app.api_route("/proj/{path:path}", methods=["GET", "POST", "DELETE"])(self.api)

    def count(self, method: str, path_part: str = "") -> int:
        return sum(1 for m, p in self.seen if m == method and path_part in p)

    async def token(self) -> JSONResponse:
        self.seen.append(("POST", "/oauth/token"))
        if self.token_script:
            reply = self.token_script.popleft()
            return JSONResponse(reply.body, reply.status, reply.headers)
        return JSONResponse({"access_token": f"t{len(self.seen)}", "expires_in": 3600})

    async def api(self, path: str, request: Request) -> JSONResponse:
        self.seen.append((request.method, f"/proj/{path}"))
        reply = self.script.popleft() if self.script else Reply()
        counted = path == "slow"  # requests of other tests may still be sleeping
        with self._lock:
            self.in_flight += counted
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
        finally:
            with self._lock:
                self.in_flight -= counted
        return JSONResponse(reply.body, reply.status, reply.headers)


class RecordingPolicy(ResendPolicy):
    """The real policy, keeping the waits it decided on."""

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.waits: list[float | None] = []

    def wait_for(self, retry: int, retry_after: float | None) -> float | None:
        wait = super().wait_for(retry, retry_after)
        self.waits.append(wait)
        return wait


@pytest.fixture(scope="module")
def server():
    api = ScriptedApi()
    with BackgroundServer(api.app) as running:
        yield api, running.url


@pytest.fixture
def api(server):
    scripted, _ = server
    scripted.script.clear()
    scripted.token_script.clear()
    scripted.seen.clear()
    scripted.max_in_flight = 0
    return scripted


@pytest.fixture
def policy() -> RecordingPolicy:
    return RecordingPolicy(max_retries=2, base_delay=0.01, max_delay=0.02, max_retry_after=1.0)


def client_for(url: str, policy: ResendPolicy, **options: Any) -> CommercetoolsClient:
    return CommercetoolsClient(
        project_key="proj",
        client_id="cid",
        client_secret="very-secret",
        api_url=options.pop("api_url", url),
        auth_url=url,
        scopes=["manage_project:proj"],
        retry_policy=policy,
        **options,
    )


async def test_get_is_retried_on_503_until_it_succeeds(server, api, policy):
    api.script.extend([Reply(503), Reply(502), Reply(200, {"ok": True})])

    async with client_for(server[1], policy) as ct:
        body = await ct.get("channels")

    assert body == {"ok": True}
    assert api.count("GET", "/channels") == 3


async def test_retries_are_bounded_by_max_retries(server, api, policy):
    api.script.extend([Reply(504)] * 10)

    async with client_for(server[1], policy) as ct:
        with pytest.raises(ServerError) as raised:
            await ct.get("channels")

    assert raised.value.status == 504
    assert api.count("GET", "/channels") == 3


async def test_429_waits_as_long_as_retry_after_says(server, api, policy):
    api.script.extend([Reply(429, {"message": "slow down"}, {"Retry-After": "0.2"}), Reply()])

    async with client_for(server[1], policy) as ct:
        await ct.get("channels")

    assert api.count("GET", "/channels") == 2
    assert policy.waits == [0.2]


async def test_retry_after_beyond_the_cap_is_left_to_the_worker(server, api, policy):
    api.script.append(Reply(429, {"message": "slow down"}, {"Retry-After": "120"}))

    async with client_for(server[1], policy) as ct:
        with pytest.raises(RateLimited) as raised:
            await ct.get("channels")

    assert raised.value.retry_after == 120
    assert isinstance(raised.value, Retryable)
    assert api.count("GET", "/channels") == 1


async def test_500_is_not_retried_in_process_but_is_retryable_later(server, api, policy):
    api.script.append(Reply(500, {"message": "boom"}))

    async with client_for(server[1], policy) as ct:
        with pytest.raises(ServerError) as raised:
            await ct.get("channels")

    assert isinstance(raised.value, Retryable)
    assert api.count("GET", "/channels") == 1


async def test_create_is_not_resent_after_a_read_timeout(server, api, policy):
    api.script.append(Reply(201, delay=1.0))

    async with client_for(server[1], policy, timeout=0.3) as ct:
        with pytest.raises(TransportError):
            await ct.create("channels", {"key": "once"})

    assert api.count("POST", "/channels") == 1


async def test_get_is_resent_after_a_read_timeout(server, api, policy):
    api.script.extend([Reply(delay=1.0), Reply(200, {"ok": True})])

    async with client_for(server[1], policy, timeout=0.3) as ct:
        body = await ct.get("channels")

    assert body == {"ok": True}
    assert api.count("GET", "/channels") == 2


async def test_create_is_not_resent_after_a_gateway_error(server, api, policy):
    api.script.extend([Reply(503), Reply(201)])

    async with client_for(server[1], policy) as ct:
        with pytest.raises(ServerError):
            await ct.create("channels", {"key": "once"})

    assert api.count("POST", "/channels") == 1


async def test_create_is_resent_after_429_because_it_was_refused_unread(server, api, policy):
    api.script.extend([Reply(429, headers={"Retry-After": "0"}), Reply(201, {"id": "c1"})])

    async with client_for(server[1], policy) as ct:
        created = await ct.create("channels", {"key": "once"})

    assert created == {"id": "c1"}
    assert api.count("POST", "/channels") == 2


async def test_versioned_update_is_resent_after_a_gateway_error(server, api, policy):
    api.script.extend([Reply(503), Reply(200, {"id": "c1", "version": 2})])

    async with client_for(server[1], policy) as ct:
        updated = await ct.update_version("channels", "c1", 1, [{"action": "setKey", "key": "k"}])

    assert updated["version"] == 2
    assert api.count("POST", "/channels/c1") == 2


async def test_connection_refused_is_retried_then_raised_as_transport_error(
    server, api, policy, recording
):
    closed = f"http://127.0.0.1:{free_port()}"

    async with client_for(server[1], policy, api_url=closed, transport=recording) as ct:
        with pytest.raises(TransportError) as raised:
            await ct.create("channels", {"key": "never-arrived"})

    assert isinstance(raised.value, Retryable)
    assert recording.count("POST", "/proj/channels") == 3


async def test_a_second_401_after_one_token_refresh_is_unauthorized(server, api, policy):
    api.script.extend([Reply(401, {"message": "invalid_token"})] * 5)

    async with client_for(server[1], policy) as ct:
        with pytest.raises(Unauthorized):
            await ct.get("channels")

    assert api.count("GET", "/channels") == 2
    assert api.count("POST", "/oauth/token") == 2


async def test_a_failing_token_endpoint_is_retried(server, api, policy):
    api.token_script.append(Reply(503, {"message": "auth down"}))

    async with client_for(server[1], policy) as ct:
        await ct.get("channels")

    assert api.count("POST", "/oauth/token") == 2
    assert api.count("GET", "/channels") == 1


async def test_concurrency_bounds_requests_in_flight(server, api, policy):
    api.script.extend([Reply(delay=0.05) for _ in range(8)])

    async with client_for(server[1], policy, concurrency=2) as ct:
        results = await asyncio.gather(*(ct.get("slow") for _ in range(8)))

    assert len(results) == 8
    assert api.count("GET", "/slow") == 8
    assert 1 <= api.max_in_flight <= 2


def test_client_repr_never_shows_the_secret(server, policy):
    ct = client_for(server[1], policy)

    assert "very-secret" not in repr(ct)
    assert "very-secret" not in repr(ct.auth)
