"""A network backend whose connections are another backend's, each stream wrapped on connect.

httpcore lets a connection pool take any network backend (www.encode.io/httpcore/network-backends/);
ctbridge's streams (`idle_probe`, `one_send`) wrap those of httpcore's own backend this way.
httpx builds a transport's pool itself and takes no backend, so `install` sets it on that pool.
"""

from __future__ import annotations

import typing
from collections.abc import Callable

import httpcore
import httpx

Wrap = Callable[[httpcore.AsyncNetworkStream], httpcore.AsyncNetworkStream]


class WrappedBackend(httpcore.AsyncNetworkBackend):
    """`inner`'s streams (httpcore's own, by default), each passed through `wrap`."""

    def __init__(self, wrap: Wrap, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.wrap = wrap
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return self.wrap(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return self.wrap(stream)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def install(
    transport: httpx.AsyncHTTPTransport, backend: httpcore.AsyncNetworkBackend
) -> httpx.AsyncHTTPTransport:
    """Gives the transport's connection pool `backend`. httpx has no parameter for it, so it is
    set on the pool httpx built (httpcore reads it at each new connection);
    `tests/http/test_idle_probe.py` fails if that attribute moves."""
    pool = transport._pool
    if isinstance(pool, httpcore.AsyncConnectionPool):
        pool._network_backend = backend
    return transport
