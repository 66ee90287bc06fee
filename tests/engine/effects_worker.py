"""A worker process for multi-process tests: runs the production loop (`Worker.run`) with a handler
that records side effects in the database, and can be told to SIGKILL its own process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

from sqlalchemy import Column, Float, MetaData, String, Table, func, select

from ctbridge.engine.connector import Connector
from ctbridge.engine.inbox import Status
from ctbridge.engine.message import Message
from ctbridge.engine.tables import tasks
from ctbridge.host import Engine
from ctbridge.settings import EngineSettings

effects_metadata = MetaData()
effects = Table(
    "test_effects",
    effects_metadata,
    Column("message_id", String(255), nullable=False),
    Column("phase", String(16), nullable=False),
    Column("worker", String(64), nullable=False),
    Column("at", Float, nullable=False),
)


class EffectsConnector(Connector):
    name = "effects"

    def handlers(self):
        return {"ProductPublished": self.handle}

    async def handle(self, message: Message) -> None:
        store = self.runtime.store
        slow = message.payload.get("slow_seconds")
        if slow or message.payload.get("kill_worker"):
            async with store.begin() as conn:
                await conn.execute(
                    effects.insert().values(
                        message_id=message.id,
                        phase="started",
                        worker=str(os.getpid()),
                        at=time.time(),
                    )
                )
            if message.payload.get("kill_worker"):
                os.kill(os.getpid(), signal.SIGKILL)  # dies inside the handler, lease held
            await asyncio.sleep(float(slow) if not os.environ.get("EFFECTS_FAST") else 0)
        async with store.begin() as conn:
            await conn.execute(
                effects.insert().values(
                    message_id=message.id, phase="done", worker=str(os.getpid()), at=time.time()
                )
            )


async def create_effects_table(store) -> None:
    async with store.engine.begin() as conn:
        await conn.run_sync(effects_metadata.create_all)


async def main(database_url: str, lease_seconds: float, idle_exit_seconds: float) -> None:
    settings = EngineSettings(
        database_url=database_url, lease_seconds=lease_seconds, poll_seconds=0.05, worker_batch=50
    )
    engine = await Engine.open(settings, factories={"effects": EffectsConnector})
    await create_effects_table(engine.store)
    stop = asyncio.Event()
    loop = asyncio.create_task(engine.worker.run(stop))
    print("ready", flush=True)
    try:
        await stop_when_idle(engine, stop, idle_exit_seconds, deadline=time.monotonic() + 120)
        await loop
    finally:
        stop.set()
        await engine.close()


async def stop_when_idle(engine: Engine, stop: asyncio.Event, idle_exit: float, deadline: float):
    """Sets `stop` once no task has been pending or running for `idle_exit` seconds."""
    idle_since = None
    while time.monotonic() < deadline:
        async with engine.store.begin() as conn:
            open_tasks = (
                await conn.execute(
                    select(func.count()).where(tasks.c.status.in_([Status.PENDING, Status.RUNNING]))
                )
            ).scalar()
        if open_tasks:
            idle_since = None
        else:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > idle_exit:
                break
        await asyncio.sleep(0.05)
    stop.set()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
