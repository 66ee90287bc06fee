"""Pooled connections probed cheaply for a server-side close: every transport ctbridge builds
has the probing backend, and a connection the server closed while idle is replaced, not reused."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpcore

from ctbridge.http import idle_probe, one_send, tls
from ctbridge.http.wrapped_backend import WrappedBackend


class ClosingServer:
    """HTTP/1.1 on 127.0.0.1 that answers one request per connection with a keep-alive
    response, then closes the connection once the client has read it."""

    def __init__(self) -> None:
        self.connections = 0
        self.answered = asyncio.Event()
        self.closed = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *_: Any) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
        await writer.drain()
        self.answered.set()
        writer.close()
        await writer.wait_closed()
        self.closed.set()


def test_every_transport_gets_the_probing_backend_over_one_send_streams() -> None:
    # If httpx or httpcore move the pool's backend, this fails instead of the speed-up
    # silently disappearing.
    transport = tls.transport()
    probing = transport._pool._network_backend
    assert isinstance(probing, WrappedBackend) and probing.wrap is idle_probe.IdleProbeStream
    sending = probing.inner
    assert isinstance(sending, WrappedBackend) and sending.wrap is one_send.OneSendStream
    assert isinstance(sending.inner, httpcore.AnyIOBackend)


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    server = ClosingServer()
    async with server as url:
        import httpx

        async with httpx.AsyncClient(transport=tls.transport()) as client:
            first = await client.get(url)
            await asyncio.wait_for(server.closed.wait(), 10)
            # The pooled connection is idle and its socket now reads EOF: the probe must say
            # so, or the next request goes out on a dead connection and fails.
            second = await client.get(url)
    assert (first.text, second.text) == ("ok", "ok")
    assert server.connections == 2


class InnerStream(httpcore.AsyncNetworkStream):
    def __init__(self, socket: object = None) -> None:
        self.socket = socket

    def get_extra_info(self, info: str) -> Any:
        return self.socket if info == "socket" else f"inner {info}"

    async def start_tls(self, *_: Any, **__: Any) -> httpcore.AsyncNetworkStream:
        return InnerStream(self.socket)


async def test_a_tls_upgrade_keeps_the_probe_and_other_questions_go_to_the_inner_stream() -> None:
    stream = idle_probe.IdleProbeStream(InnerStream())
    upgraded = await stream.start_tls(ssl.create_default_context(), "example.test")
    assert isinstance(upgraded, idle_probe.IdleProbeStream)
    assert upgraded.get_extra_info("server_addr") == "inner server_addr"
    # Without a socket to poll, the question goes to the wrapped stream as before.
    assert upgraded.get_extra_info("is_readable") == "inner is_readable"
