"""Pooled connections whose "did the server close me?" check costs one poll, not a rebuild.

httpcore asks every pooled connection, each time a request enters or leaves the pool, whether
its idle socket has become readable (a server-side close). Its anyio stream answers that by
rebuilding anyio's whole attribute table for the socket (`getpeername`, `getsockname` and a
dict of lambdas) just to find the raw socket again: with 16 connections to one target that
was a quarter of httpx's CPU per call in the Ordergroove load. These streams find the socket
once, when they connect, and ask the same question of it directly; everything else is the
wrapped stream's. Plugged in through httpcore's documented extension point, a network backend
(www.encode.io/httpcore/network-backends/).
"""

from __future__ import annotations

import ssl
import typing

import httpcore
from httpcore._utils import is_socket_readable  # the very check httpcore's own streams make

from ctbridge.http.wrapped_backend import WrappedBackend

IS_READABLE = "is_readable"


class IdleProbeStream(httpcore.AsyncNetworkStream):
    """A connected stream whose `is_readable` polls the socket found at connect time."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return IdleProbeStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == IS_READABLE and self._socket is not None:
            return is_socket_readable(self._socket)
        return self._inner.get_extra_info(info)


def backend(inner: httpcore.AsyncNetworkBackend | None = None) -> WrappedBackend:
    """`inner`'s streams (httpcore's own, by default) wrapped in `IdleProbeStream`."""
    return WrappedBackend(IdleProbeStream, inner)
