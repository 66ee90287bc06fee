"""OAuth client credentials on the emulated auth host; API calls need a live bearer token."""

from __future__ import annotations

import time

import httpx
from tests.sandbox.commercetools.conftest import PROJECT, token_for

from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer


def test_token_response_has_the_oauth_shape(server: BackgroundServer) -> None:
    response = token_for(server)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"]
    assert body["expires_in"] == 172800
    assert body["scope"] == f"manage_project:{PROJECT}"


def test_wrong_client_secret_is_invalid_client(server: BackgroundServer) -> None:
    response = token_for(server, secret="wrong")
    assert response.status_code == 401
    body = response.json()
    assert body["statusCode"] == 401
    assert body["errors"][0]["code"] == "invalid_client"


def test_api_request_without_token_is_invalid_token(server: BackgroundServer) -> None:
    response = httpx.get(f"{server.url}/{PROJECT}/products", timeout=5)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "invalid_token"


def test_unknown_token_is_invalid_token(server: BackgroundServer) -> None:
    response = httpx.get(
        f"{server.url}/{PROJECT}/products", headers={"authorization": "Bearer nope"}, timeout=5
    )
    assert response.status_code == 401


def test_token_for_another_project_scope_is_refused(server: BackgroundServer) -> None:
    response = httpx.post(
        f"{server.url}/oauth/token",
        auth=("sandbox-client", "sandbox-secret"),
        data={"grant_type": "client_credentials", "scope": "manage_project:other"},
        timeout=5,
    )
    assert response.status_code == 400


def test_expired_token_is_rejected_and_a_new_one_works() -> None:
    emulator = CommercetoolsEmulator(token_ttl_seconds=1)
    with BackgroundServer(emulator.app) as server:
        token = token_for(server).json()
        assert token["expires_in"] == 1
        headers = {"authorization": f"Bearer {token['access_token']}"}
        url = f"{server.url}/{PROJECT}/channels"
        assert httpx.get(url, headers=headers, timeout=5).status_code == 200
        deadline = time.monotonic() + 5
        status = 200
        while status == 200 and time.monotonic() < deadline:
            time.sleep(0.25)
            status = httpx.get(url, headers=headers, timeout=5).status_code
        assert status == 401
        fresh = token_for(server).json()["access_token"]
        response = httpx.get(url, headers={"authorization": f"Bearer {fresh}"}, timeout=5)
        assert response.status_code == 200


def test_project_endpoint_describes_the_project(api: httpx.Client) -> None:
    response = api.get("")
    assert response.status_code == 200
    assert response.json()["key"] == PROJECT
    assert response.json()["messages"]["enabled"] is True
