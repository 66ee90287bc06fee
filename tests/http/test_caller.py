"""The one way to call a target, over real HTTP to a scripted server on 127.0.0.1: resends,
Retry-After (seconds or date), long waits handed back, idempotency, one token refresh."""

from __future__ import annotations

import asyncio
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.http.rides import Ride

from ctbridge.errors import Permanent, Retryable
from ctbridge.http.caller import TargetCaller
from ctbridge.http.metrics import TARGET_REQUESTS, counting_client
from ctbridge.http.oauth import ClientCredentialsGrant, CredentialsRefused, TokenCache
from ctbridge.http.retry import ResendPolicy
from ctbridge.http.retry_after import parse_retry_after
from ctbridge.sandbox.server import BackgroundServer


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: Any = field(default_factory=lambda: {"ok": True})


class Scripted:
    """Answers from a script (then 200) and records every request, token requests too."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.token_script: deque[Reply] = deque()
        self.seen: list[tuple[str, str, str]] = []  # method, path, Authorization
        self.app = Starlette(
            routes=[
                Route("/oauth/token", self.token, methods=["POST"]),
                Route("/api/{path:path}", self.api, methods=["GET", "POST"]),
            ]
        )

    def reset(self) -> None:
        self.script.clear()
        self.token_script.clear()
        self.seen.clear()

    def count(self, path: str) -> int:
        return sum(1 for _, seen, _ in self.seen if seen == path)

    async def token(self, request: Request) -> JSONResponse:
        self.seen.append(("POST", "/oauth/token", ""))
        if self.token_script:
            reply = self.token_script.popleft()
            return JSONResponse(reply.body, reply.status, reply.headers)
        issued = self.count("/oauth/token")
        return JSONResponse({"access_token": f"t{issued}", "expires_in": 3600})

    async def api(self, request: Request) -> JSONResponse:
        self.seen.append((request.method, request.url.path, request.headers["authorization"]))
        reply = self.script.popleft() if self.script else Reply()
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return JSONResponse(reply.body, reply.status, reply.headers)


class Errors:
    """A target's mapping: 429/5xx and transport Retryable (with Retry-After), others Permanent."""

    def transport(self, request: httpx.Request, error: httpx.TransportError) -> Exception:
        return Retryable(f"transport: {type(error).__name__}")

    def response(self, response: httpx.Response) -> Exception:
        status = response.status_code
        if status == 429 or status >= 500:
            wait = parse_retry_after(response.headers.get("retry-after"))
            return Retryable(f"answered {status}", retry_after=wait)
        return Permanent(f"answered {status}")

    def token_refused(self, response: httpx.Response) -> Exception:
        return Permanent("a fresh token was refused")


class TokenErrors:
    def transport(self, error: httpx.TransportError) -> Exception:
        return Retryable("token endpoint unreachable")

    def refused(self, response: httpx.Response) -> Exception:
        if response.status_code >= 500:
            return Retryable(f"token endpoint answered {response.status_code}")
        return WrongCredentials("credentials refused")


class WrongCredentials(Retryable, CredentialsRefused):
    """Like NewStore's: retried by the worker later, never at once."""


class RecordingPolicy(ResendPolicy):
    """The real policy; sleeps are recorded instead of slept."""

    def __init__(self, **values: Any) -> None:
        super().__init__(sleep=self._record, rng=random.Random(3), **values)
        self.slept: list[float] = []

    async def _record(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture(scope="module")
def server():
    scripted = Scripted()
    with BackgroundServer(scripted.app) as running:
        yield scripted, running.url


@pytest.fixture
def api(server):
    server[0].reset()
    return server[0]


@pytest.fixture
def policy() -> RecordingPolicy:
    return RecordingPolicy(max_retries=3, base_delay=0.01, max_delay=0.05, max_retry_after=30.0)


@pytest.fixture
async def caller(server, policy):
    _, url = server
    http = counting_client("layer-test", base_url=url, timeout=httpx.Timeout(0.5))
    grant = ClientCredentialsGrant(f"{url}/oauth/token", "cid", "secret", errors=TokenErrors())
    yield TargetCaller(
        http, target="layer-test", tokens=TokenCache(grant, http), policy=policy, errors=Errors()
    )
    await http.aclose()


async def test_a_503_is_resent_for_an_idempotent_read(api, caller, policy):
    api.script.extend([Reply(503), Reply(200)])
    response = await caller.send("GET", "/api/things", idempotent=True)
    assert response.json() == {"ok": True}
    assert api.count("/api/things") == 2
    assert len(policy.slept) == 1


async def test_retry_after_in_seconds_is_waited_out(api, caller, policy):
    api.script.extend([Reply(429, {"Retry-After": "2"}), Reply(200)])
    await caller.send("GET", "/api/things", idempotent=True)
    assert policy.slept == [2.0]


async def test_retry_after_as_an_http_date_is_waited_out(api, caller, policy):
    moment = datetime.now(UTC) + timedelta(seconds=5)
    api.script.extend([Reply(429, {"Retry-After": format_datetime(moment, usegmt=True)}), Reply()])
    await caller.send("GET", "/api/things", idempotent=True)
    (slept,) = policy.slept
    assert 3.0 < slept <= 5.0  # the date has whole seconds and the request took some time
    assert api.count("/api/things") == 2


@pytest.mark.parametrize("retry_after", ["120", "http-date"])
async def test_a_long_retry_after_is_handed_back_to_the_worker(api, caller, policy, retry_after):
    if retry_after == "http-date":
        retry_after = format_datetime(datetime.now(UTC) + timedelta(seconds=125), usegmt=True)
    api.script.append(Reply(429, {"Retry-After": retry_after}))
    with pytest.raises(Retryable) as raised:
        await caller.send("GET", "/api/things", idempotent=True)
    assert raised.value.retry_after is not None and raised.value.retry_after > 100
    assert policy.slept == []
    assert api.count("/api/things") == 1


async def test_attempts_are_bounded(api, caller, policy):
    api.script.extend([Reply(503)] * 10)
    with pytest.raises(Retryable):
        await caller.send("GET", "/api/things", idempotent=True)
    assert api.count("/api/things") == 4  # max_retries=3 after the first
    assert len(policy.slept) == 3


async def test_a_non_idempotent_create_answered_503_is_not_replayed(api, caller, policy):
    api.script.append(Reply(503))
    with pytest.raises(Retryable):
        await caller.send("POST", "/api/things", idempotent=False, json={"key": "k"})
    assert api.count("/api/things") == 1
    assert policy.slept == []


async def test_a_non_idempotent_create_whose_answer_was_lost_is_not_replayed(api, caller):
    api.script.append(Reply(200, delay=2.0))  # past the client's 0.5 s read timeout
    with pytest.raises(Retryable, match="ReadTimeout"):
        await caller.send("POST", "/api/things", idempotent=False, json={"key": "k"})
    assert api.count("/api/things") == 1


async def test_a_create_refused_with_429_is_resent_because_it_was_not_read(api, caller):
    api.script.extend([Reply(429, {"Retry-After": "0"}), Reply(201)])
    response = await caller.send("POST", "/api/things", idempotent=False, json={})
    assert response.status_code == 201
    assert api.count("/api/things") == 2


async def test_a_500_is_left_to_the_worker_unless_the_target_resends_it(api, server, caller):
    api.script.extend([Reply(500), Reply(500), Reply(200)])
    with pytest.raises(Retryable):
        await caller.send("GET", "/api/things", idempotent=True)
    assert api.count("/api/things") == 1
    caller.policy.resend_statuses = frozenset(range(500, 600))
    await caller.send("GET", "/api/things", idempotent=True)
    assert api.count("/api/things") == 3


async def test_a_refused_token_is_refreshed_once_and_the_request_succeeds(api, caller):
    await caller.send("GET", "/api/things", idempotent=True)
    api.script.append(Reply(401))
    await caller.send("GET", "/api/things", idempotent=True)
    assert api.count("/oauth/token") == 2
    assert [auth for _, path, auth in api.seen if path == "/api/things"] == [
        "Bearer t1",
        "Bearer t1",
        "Bearer t2",
    ]


async def test_a_second_401_after_one_refresh_is_permanent(api, caller, policy):
    api.script.extend([Reply(401)] * 5)
    with pytest.raises(Permanent, match="fresh token"):
        await caller.send("GET", "/api/things", idempotent=True)
    assert api.count("/oauth/token") == 2
    assert api.count("/api/things") == 2
    assert policy.slept == []


async def test_concurrent_401s_cause_one_refresh(api, caller):
    await caller.send("GET", "/api/things", idempotent=True)
    api.script.extend([Reply(401)] * 5)
    await asyncio.gather(*(caller.send("GET", "/api/things", idempotent=True) for _ in range(5)))
    assert api.count("/oauth/token") == 2


async def test_a_failing_token_endpoint_is_asked_again(api, caller):
    api.token_script.append(Reply(503, body={"error": "down"}))
    await caller.send("GET", "/api/things", idempotent=True)
    assert api.count("/oauth/token") == 2


async def test_refused_credentials_are_not_asked_again_at_once(api, caller, policy):
    api.token_script.append(Reply(401, body={"error": "invalid_client"}))
    with pytest.raises(WrongCredentials):
        await caller.send("GET", "/api/things", idempotent=True)
    assert api.count("/oauth/token") == 1
    assert api.count("/api/things") == 0


async def test_every_call_is_counted_per_target_and_outcome(api, caller):
    def counted(outcome: str) -> float:
        return TARGET_REQUESTS.labels("layer-test", outcome)._value.get()

    await caller.send("GET", "/api/things", idempotent=True)  # the token request is counted too
    before = counted("2xx"), counted("5xx")
    api.script.extend([Reply(503), Reply(200)])
    await caller.send("GET", "/api/things", idempotent=True)
    assert (counted("2xx") - before[0], counted("5xx") - before[1]) == (1, 1)


async def test_an_outage_ride_resends_past_the_policy_bounds_until_it_recovers(api, caller):
    api.script.extend([Reply(503)] * 6)
    ride = Ride(tolerance=10)
    await caller.send("GET", "/api/things", idempotent=True, ride=ride)
    assert ride.waits == [1, 2, 3, 4, 5, 6]
    assert ride.recovered_calls == 1


async def test_an_outage_ride_ends_at_its_tolerance(api, caller):
    api.script.extend([Reply(503)] * 6)
    with pytest.raises(Permanent, match="down too long"):
        await caller.send(
            "GET", "/api/things", idempotent=True, ride=Ride(tolerance=3, ends_with=Permanent)
        )
    assert api.count("/api/things") == 3
