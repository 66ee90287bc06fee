"""The FaultInjector wraps the whole emulator; its control route changes behaviour at run time."""

from __future__ import annotations

import time

import httpx
from tests.sandbox.commercetools.conftest import token_for

from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer


def test_fail_next_answers_the_configured_status_then_recovers(
    server: BackgroundServer, api: httpx.Client
) -> None:
    plan = httpx.post(
        f"{server.url}/__faults", json={"fail_next": 2, "error_status": 502, "paths": ["/sandbox/"]}
    )
    assert plan.status_code == 200
    assert [api.get("channels").status_code for _ in range(3)] == [502, 502, 200]
    assert httpx.get(f"{server.url}/__faults").json()["injected"]["errors"] == 2


def test_throttle_next_answers_429_with_retry_after(
    server: BackgroundServer, api: httpx.Client
) -> None:
    httpx.post(f"{server.url}/__faults", json={"throttle_next": 1, "retry_after": 2})
    throttled = api.get("channels")
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "2"
    assert api.get("channels").status_code == 200


def test_faults_can_target_the_auth_endpoint(server: BackgroundServer) -> None:
    httpx.post(f"{server.url}/__faults", json={"fail_next": 1, "paths": ["/oauth/token"]})
    data = {"grant_type": "client_credentials"}
    auth = ("sandbox-client", "sandbox-secret")
    assert httpx.post(f"{server.url}/oauth/token", data=data, auth=auth).status_code == 503
    assert httpx.post(f"{server.url}/oauth/token", data=data, auth=auth).status_code == 200


def test_latency_ms_delays_every_project_api_call_but_not_the_token_endpoint() -> None:
    emulator = CommercetoolsEmulator(latency_ms=250)
    with BackgroundServer(emulator.app) as running:
        access = token_for(running).json()["access_token"]
        started = time.monotonic()
        response = httpx.get(
            f"{running.url}/sandbox/channels",
            headers={"authorization": f"Bearer {access}"},
            timeout=5,
        )
        waited = time.monotonic() - started

    assert response.status_code == 200
    assert waited >= 0.25
    assert emulator.faults.plan.latency_ms == 250
    assert all(path.startswith("/sandbox") for path in emulator.faults.plan.paths)
