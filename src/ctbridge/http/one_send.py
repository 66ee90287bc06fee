"""A request leaves in one send: its head and its body together, not one write each.

httpcore's HTTP/1.1 connection writes a request's head, then each chunk of its body, each as a
write of its own (httpcore/_async/http11.py, `_send_request_headers` then
`_send_request_body`), so every POST costs two sends: two segments on the wire and, on
loopback, two wake-ups of the server. An HTTP/1.1 client reads nothing until it has written
the whole request, so these streams hold what is written until the connection next reads and
send it then, in one write; a body larger than `HELD_BYTES_MAX` goes out as it is written, as
before. Plugged in, like `idle_probe`, through httpcore's network backends
(`ctbridge.http.wrapped_backend`).
"""

from __future__ import annotations

import ssl
import typing

import httpcore

from ctbridge.http.wrapped_backend import WrappedBackend

# Beyond this much, writes go out at once: a large upload is not held whole in memory.
HELD_BYTES_MAX = 64 * 1024


class OneSendStream(httpcore.AsyncNetworkStream):
    """Holds written bytes until the next read (or `HELD_BYTES_MAX`), then sends them at once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._write_timeout: float | None = None

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self._held.append(buffer)
        self._held_bytes += len(buffer)
        self._write_timeout = timeout
        if self._held_bytes >= HELD_BYTES_MAX:
            await self._send_held()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        await self._send_held()
        return await self._inner.read(max_bytes, timeout)

    async def aclose(self) -> None:
        # A connection closed before its response was read was given up: nothing to send.
        self._held.clear()
        self._held_bytes = 0
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        await self._send_held()  # what was written in clear goes before the handshake
        return OneSendStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)

    async def _send_held(self) -> None:
        if not self._held:
            return
        data = b"".join(self._held)  # one item: joined as itself, not copied
        self._held.clear()
        self._held_bytes = 0
        await self._inner.write(data, self._write_timeout)


def backend(inner: httpcore.AsyncNetworkBackend | None = None) -> WrappedBackend:
    """`inner`'s streams (httpcore's own, by default) wrapped in `OneSendStream`."""
    return WrappedBackend(OneSendStream, inner)
