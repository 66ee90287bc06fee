"""Fixtures: the npm commercetools mock started once per session, and a client per test."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from ctbridge.commercetools.client import CommercetoolsClient

MOCK_MODULE = "ctbridge_test_support_ctmock"


def load_mock_support() -> ModuleType:
    """tests/support/ctmock/mock_process.py (tests/ is not a package, so load it by path)."""
    if MOCK_MODULE not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "support" / "ctmock" / "mock_process.py"
        spec = importlib.util.spec_from_file_location(MOCK_MODULE, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[MOCK_MODULE] = module
        spec.loader.exec_module(module)
    return sys.modules[MOCK_MODULE]


@pytest.fixture(scope="session")
def ctmock() -> Iterator[object]:
    """The mock on a free 127.0.0.1 port; a mock that cannot start fails the tests, never skips."""
    support = load_mock_support()
    process = support.CommercetoolsMockProcess()
    try:
        process.start()
    except support.MockStartError as error:
        pytest.fail(f"commercetools mock could not start: {error}")
    yield process
    process.stop()


@pytest.fixture
async def ct(ctmock) -> AsyncIterator[CommercetoolsClient]:
    """A client against an emptied mock."""
    ctmock.reset()
    client = ctmock.client()
    yield client
    await client.aclose()


class RecordingTransport(httpx.AsyncBaseTransport):
    """A real HTTP transport that also notes each request it puts on the wire."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def count(self, method: str, path_part: str) -> int:
        return sum(1 for r in self.requests if r.method == method and path_part in r.url.path)


@pytest.fixture
def recording() -> RecordingTransport:
    return RecordingTransport()
