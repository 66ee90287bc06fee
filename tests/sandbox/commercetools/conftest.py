"""Fixtures: a commercetools emulator served on 127.0.0.1, an authenticated client, a push receiver."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from tests.sandbox.commercetools.receiver import Receiver

from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer

PROJECT = "sandbox"


@pytest.fixture
def emulator() -> CommercetoolsEmulator:
    return CommercetoolsEmulator(id_seed=7)


@pytest.fixture
def server(emulator: CommercetoolsEmulator) -> Iterator[BackgroundServer]:
    with BackgroundServer(emulator.app) as running:
        yield running


def token_for(server: BackgroundServer, secret: str = "sandbox-secret") -> httpx.Response:
    return httpx.post(
        f"{server.url}/oauth/token",
        auth=("sandbox-client", secret),
        data={"grant_type": "client_credentials", "scope": f"manage_project:{PROJECT}"},
        timeout=5,
    )


@pytest.fixture
def api(server: BackgroundServer) -> Iterator[httpx.Client]:
    """A client bound to `/{projectKey}/` with a valid bearer token."""
    access = token_for(server).json()["access_token"]
    with httpx.Client(
        base_url=f"{server.url}/{PROJECT}/",
        headers={"authorization": f"Bearer {access}"},
        timeout=5,
    ) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    target = Receiver()
    with BackgroundServer(target.app) as running:
        yield target, f"{running.url}/push"
