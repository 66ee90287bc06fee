"""An extension as a user would write one: overrides a handler, adds a job, replaces a mapper."""

from __future__ import annotations

from ctbridge.engine.connector import JobContext, JobSpec, Outcome
from ctbridge.engine.message import Message

handled: list[str] = []


def shout(text: str) -> str:
    return text.upper() + "!"


def register(registry) -> None:
    def product_handler(connector):
        async def handle(message: Message) -> Outcome:
            handled.append(f"{connector.name}:{message.id}")
            return Outcome("done", "handled by the extension")

        return handle

    async def nightly(ctx: JobContext) -> None:
        ctx.report.count("ran")

    registry.override_handler("recorder", "ProductPublished", product_handler)
    registry.add_handler("recorder", "CustomerCreated", product_handler)
    registry.add_job("recorder", JobSpec("nightly", nightly, schedule="0 2 * * *"))
    registry.set_mapper("recorder.greeting", shout)
