"""A worker process for multi-process tests: its handler records side effects in the database."""

from __future__ import annotations

import asyncio
import os
import sys
import time

from sqlalchemy import Column, Float, MetaData, String, Table, func, select

from ctbridge.engine.connector import Connector
from ctbridge.engine.host import Engine
from ctbridge.engine.inbox import Status
from ctbridge.engine.message import Message
from ctbridge.engine.tables import tasks
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
        if slow:
            async with store.begin() as conn:
                await conn.execute(
                    effects.insert().values(
                        message_id=message.id,
                        phase="started",
                        worker=str(os.getpid()),
                        at=time.time(),
                    )
                )
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
    print("ready", flush=True)
    idle_since = None
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            processed = await engine.worker.run_once()
            if processed:
                idle_since = None
                continue
            async with engine.store.begin() as conn:
                open_tasks = (
                    await conn.execute(
                        select(func.count()).where(
                            tasks.c.status.in_([Status.PENDING, Status.RUNNING])
                        )
                    )
                ).scalar()
            if open_tasks == 0:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > idle_exit_seconds:
                    return
            await asyncio.sleep(0.05)
    finally:
        await engine.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
