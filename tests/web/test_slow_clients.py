"""`ctbridge serve`'s uvicorn settings: connections that send nothing, or half their headers, are
closed by the server instead of piling up (raw sockets on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from ctbridge.sandbox.server import free_port
from ctbridge.web.app import create_app
from ctbridge.web.server_config import server_config
from tests.engine.recording import open_engine


@contextlib.asynccontextmanager
async def serving(sqlite_url: str) -> AsyncIterator[int]:
    engine, _made = await open_engine(sqlite_url, request_deadline_seconds=1.0)
    port = free_port()
    config = server_config(
        create_app(engine),
        host="127.0.0.1",
        port=port,
        settings=engine.settings,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(1000):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        yield port
    finally:
        server.should_exit = True
        await task
        await engine.close()


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    """True when the server closes the connection (EOF); gives up after 30 s."""
    try:
        await asyncio.wait_for(reader.read(), timeout=30)
    except TimeoutError:
        return False
    return True


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /events HTTP/1.1\r\nHost: ctbridge\r\nContent-Le"],
    ids=["nothing", "half-the-headers"],
)
async def test_connections_that_never_finish_their_headers_are_closed(sqlite_url, sent):
    async with serving(sqlite_url) as port:
        connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(100)]
        try:
            for _reader, writer in connections:
                writer.write(sent)
                await writer.drain()
            closed = await asyncio.gather(*(closed_by_server(r) for r, _ in connections))
        finally:
            for _reader, writer in connections:
                writer.close()
    assert all(closed), f"{closed.count(False)} of {len(closed)} connections still open"


async def test_a_prompt_client_is_served_on_a_kept_alive_connection(sqlite_url):
    async with (
        serving(sqlite_url) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        first = await client.get("/healthz")
        second = await client.get("/healthz")
    assert (first.status_code, second.status_code) == (200, 200)
