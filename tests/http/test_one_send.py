"""A request's head and body leave in one send, through real httpcore connections to a server on
127.0.0.1; what would be held too long (a large body, a TLS handshake, a given-up connection)
is not."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpcore
import httpx

from ctbridge.http import one_send, tls, wrapped_backend
from ctbridge.http.wrapped_backend import WrappedBackend


class EchoServer:
    """HTTP/1.1 on 127.0.0.1 answering each request with the length of the body it received."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *_: Any) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:  # the client closed its connection
                writer.close()
                return
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = await reader.readexactly(length)
            answer = str(len(body)).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
            await writer.drain()


class CountingStream(httpcore.AsyncNetworkStream):
    """The real stream, its writes counted."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, writes: list[int]) -> None:
        self.inner = inner
        self.writes = writes

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:  # httpcore ends a body of known length with an empty write: no send
            self.writes.append(len(buffer))
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


async def _post_writes(
    body: Any, *, one_send_streams: bool, length: int | None = None
) -> tuple[str, list[int]]:
    """POSTs `body` (bytes, or a factory of a streamed body) through a real httpx transport,
    twice; the second answer and the sends it took."""
    writes: list[int] = []
    backend: httpcore.AsyncNetworkBackend = WrappedBackend(lambda s: CountingStream(s, writes))
    if one_send_streams:
        backend = one_send.backend(backend)
    transport = wrapped_backend.install(httpx.AsyncHTTPTransport(), backend)
    async with EchoServer() as url, httpx.AsyncClient(transport=transport) as client:
        for _ in range(2):  # the second goes out on the pooled connection
            writes.clear()
            content = body if isinstance(body, bytes) else body(writes)
            headers = {"Content-Length": str(length)} if length is not None else None
            response = await client.post(url, content=content, headers=headers)
            response.raise_for_status()
        return response.text, writes


async def test_httpcore_writes_a_post_head_and_body_apart_these_streams_send_them_once() -> None:
    body = b"x" * 300
    answer, writes = await _post_writes(body, one_send_streams=False)
    assert answer == "300" and len(writes) == 2  # why the module exists
    answer, writes = await _post_writes(body, one_send_streams=True)
    assert answer == "300" and len(writes) == 1 and writes[0] > len(body)


async def test_a_streamed_body_larger_than_what_is_held_goes_out_while_it_is_written() -> None:
    chunk = b"y" * (one_send.HELD_BYTES_MAX // 2)
    sent_before_the_last_chunk: list[int] = []

    def streamed(writes: list[int]) -> Any:
        async def chunks() -> Any:
            for _ in range(5):
                yield chunk
            sent_before_the_last_chunk.append(sum(writes))
            yield chunk

        return chunks()

    answer, writes = await _post_writes(streamed, one_send_streams=True, length=6 * len(chunk))
    assert answer == str(6 * len(chunk))
    assert sent_before_the_last_chunk[-1] >= 4 * len(chunk)
    assert all(size < one_send.HELD_BYTES_MAX + len(chunk) for size in writes)


async def test_every_transport_ctbridge_builds_sends_a_request_and_reads_its_answer() -> None:
    async with EchoServer() as url, httpx.AsyncClient(transport=tls.transport()) as client:
        sent = [client.build_request("POST", url, json={"n": n}) for n in range(3)]
        answers = [(await client.send(request)).text for request in sent]
    assert answers == [str(len(request.content)) for request in sent]


class RecordingStream(httpcore.AsyncNetworkStream):
    def __init__(self) -> None:
        self.events: list[str] = []

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.events.append(f"write {buffer.decode()} within {timeout}")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.events.append("read")
        return b""

    async def aclose(self) -> None:
        self.events.append("close")

    async def start_tls(self, *_: Any, **__: Any) -> httpcore.AsyncNetworkStream:
        self.events.append("tls")
        return RecordingStream()

    def get_extra_info(self, info: str) -> Any:
        return f"inner {info}"


async def test_held_bytes_go_before_a_tls_handshake_and_a_given_up_request_sends_nothing() -> None:
    inner = RecordingStream()
    stream = one_send.OneSendStream(inner)
    await stream.write(b"CONNECT ", 5.0)
    await stream.write(b"", 5.0)
    await stream.write(b"proxy", 5.0)
    upgraded = await stream.start_tls(ssl.create_default_context(), "example.test")
    assert inner.events == ["write CONNECT proxy within 5.0", "tls"]
    assert isinstance(upgraded, one_send.OneSendStream)
    assert upgraded.get_extra_info("server_addr") == "inner server_addr"

    given_up = RecordingStream()
    stream = one_send.OneSendStream(given_up)
    await stream.write(b"POST / HTTP/1.1\r\n\r\n", 1.0)
    await stream.aclose()
    assert given_up.events == ["close"]
