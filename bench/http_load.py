"""A lean HTTP/1.1 keep-alive load generator on asyncio streams (cheap enough to share 2 cores)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence


async def _connection(
    host: str,
    port: int,
    bodies: Sequence[bytes],
    path: str,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for body in bodies:
            request = (
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def post_all(
    host: str, port: int, bodies: Sequence[bytes], *, connections: int, path: str = "/events"
) -> tuple[float, list[float], dict[int, int]]:
    """Sends every body once over `connections` parallel keep-alive connections; returns
    (seconds, latencies, status counts)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    shares = [bodies[i::connections] for i in range(connections)]
    started = time.perf_counter()
    await asyncio.gather(
        *(_connection(host, port, share, path, latencies, statuses) for share in shares)
    )
    return time.perf_counter() - started, latencies, statuses
