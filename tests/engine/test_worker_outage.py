"""While the database does not answer, the worker backs off exponentially and logs each change of
state once (unavailable / reachable again), then carries on with nothing lost."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import structlog

from tests.engine.recording import open_engine, product_message


class SeveringProxy:
    """A TCP proxy to PostgreSQL on 127.0.0.1 that can cut the database off: it then closes open
    connections and turns every new one away at once, noting when each was turned away."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.severed = False
        self.turned_away: list[float] = []
        self._open: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    def sever(self) -> None:
        self.severed = True
        for writer in list(self._open):
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.severed:
            self.turned_away.append(time.monotonic())
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._open.update((writer, up_writer))
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            self._open.discard(writer)
            writer.close()

    async def close(self) -> None:
        self.sever()
        if self.server is not None:
            self.server.close()


async def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_an_unreachable_database_is_backed_off_and_logged_once_per_change(postgres_url):
    direct, _ = await open_engine(postgres_url)  # creates the schema; enqueues past the proxy
    parts = urlsplit(postgres_url)
    proxy = SeveringProxy(parts.port or 5432)
    port = await proxy.start()
    proxied = parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{port}").geturl()
    engine, made = await open_engine(proxied, poll_seconds=0.02)
    applied = made["recorder"].applied
    stop = asyncio.Event()
    with structlog.testing.capture_logs() as logs:
        worker = asyncio.create_task(engine.worker.run(stop))
        try:
            await direct.runtime.enqueue(product_message("before", product_id="a"))
            await wait_for(lambda: [m.id for m in applied] == ["before"])
            proxy.sever()
            await direct.runtime.enqueue(product_message("during", product_id="b"))
            await wait_for(lambda: len(proxy.turned_away) >= 6)
            # Exponential from the poll interval: 0.02 + 0.04 + 0.08 + 0.16 + 0.32 s at least
            # between the first and the sixth try (without backoff: 5 × 0.02 s).
            assert proxy.turned_away[5] - proxy.turned_away[0] >= 0.6
            proxy.severed = False
            await wait_for(lambda: [m.id for m in applied] == ["before", "during"])
        finally:
            stop.set()
            await asyncio.wait_for(worker, 30)
            await engine.close()
            await direct.close()
            await proxy.close()
    worker_lines = [entry for entry in logs if "worker" in entry and entry["log_level"] != "debug"]
    events = [entry["event"] for entry in worker_lines]
    assert events.count("database unavailable, backing off") == 1
    assert events.count("database reachable again") == 1
    assert not [entry for entry in worker_lines if entry["log_level"] in ("error", "exception")]
    assert not [entry for entry in worker_lines if entry.get("exc_info")]
