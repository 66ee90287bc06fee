"""Fuzzes every operation of ctbridge's own OpenAPI schema over real HTTP: no input yields a 5xx."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from ctbridge.sandbox.server import serve_in_loop
from ctbridge.web.app import create_app
from tests.engine.recording import open_engine

CREDENTIALS = ("admin", "s3cret")


class ServedEngine:
    """An engine and its app served on 127.0.0.1 from a thread of its own, so synchronous
    schemathesis tests can call it while the engine's database pool lives in one event loop."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.url = ""
        self.schema: dict[str, Any] = {}
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        try:
            engine, made = await open_engine(self.database_url, admin_password=CREDENTIALS[1])
            made["recorder"].failures["poison"] = ["permanent"]
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            try:
                app = create_app(engine, background=True)
                self.schema = app.openapi()
                async with serve_in_loop(app) as url:
                    self.url = url
                    self._ready.set()
                    await self._stop.wait()
            finally:
                await engine.close()
        except BaseException as failure:
            self._failure = failure
            self._ready.set()
            raise

    def __enter__(self) -> ServedEngine:
        self._thread.start()
        if not self._ready.wait(30) or self._failure is not None:
            raise RuntimeError(f"app did not start: {self._failure!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[ServedEngine]:
    database = tmp_path_factory.mktemp("fuzz") / "ctbridge.db"
    with ServedEngine(f"sqlite:///{database}") as running:
        yield running


@pytest.fixture(scope="module")
def api_schema(served: ServedEngine) -> Any:
    return schemathesis.openapi.from_dict(served.schema)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_no_request_to_a_documented_operation_gets_a_server_error(case, served):
    case.call_and_validate(
        base_url=served.url, auth=CREDENTIALS, timeout=10, checks=[not_a_server_error]
    )


def test_the_schema_documents_intake_health_and_admin_operations(served):
    paths = set(served.schema["paths"])
    assert {"/events", "/healthz", "/readyz", "/admin", "/admin/api/overview"} <= paths
    assert "/admin/api/dead-letters/{task_id}" in paths


def delivery(message_id: str = "hostile", **fields: Any) -> dict[str, Any]:
    return {
        "notificationType": "Message",
        "id": message_id,
        "version": 1,
        "sequenceNumber": 1,
        "resource": {"typeId": "product", "id": "prod-1"},
        "resourceVersion": 1,
        "type": "ProductPublished",
        **fields,
    }


# /events reads its body itself, so the schema cannot describe it and schemathesis sends none:
# these are the bodies a fuzzer found to break intake, each of which must be acknowledged (2xx) —
# a 5xx makes Pub/Sub redeliver the same poison for days.
HOSTILE = [
    pytest.param({"content": b"not json \x00"}, id="NUL in body"),
    pytest.param({"json": delivery("nul\x00id")}, id="NUL in id"),
    pytest.param({"json": delivery(sequenceNumber=2**70)}, id="huge seq"),
    pytest.param({"json": delivery(resourceVersion=2**70)}, id="huge version"),
    pytest.param({"json": delivery("x" * 300)}, id="long id"),
    pytest.param({"json": delivery(type="T" * 200)}, id="long type"),
    pytest.param(
        {"json": delivery(resource={"typeId": "product", "id": "r" * 400})}, id="long resource id"
    ),
    pytest.param({"content": b"[" * 100_000 + b"]" * 100_000}, id="deep nesting"),
    pytest.param({"content": b'{"id": "\xff\xfe"}'}, id="invalid UTF-8"),
    pytest.param({"json": delivery(sequenceNumber=-5)}, id="negative seq"),
    pytest.param({"json": {**delivery(), "resource": "x"}}, id="resource not an object"),
]


@pytest.mark.parametrize("body", HOSTILE)
async def test_a_hostile_delivery_is_acknowledged_never_answered_with_a_server_error(
    database_url, body
):
    engine, _ = await open_engine(database_url)
    try:
        async with (
            serve_in_loop(create_app(engine)) as base,
            httpx.AsyncClient(base_url=base, timeout=30) as client,
        ):
            response = await client.post(
                "/events", headers={"content-type": "application/json"}, **body
            )
    finally:
        await engine.close()
    assert response.status_code < 500, response.text
