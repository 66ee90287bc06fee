"""A test connector whose handlers record what they saw and fail on demand."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import partial

from ctbridge.engine.connector import Connector, Handler, JobSpec, Outcome
from ctbridge.engine.message import Message
from ctbridge.errors import Permanent, Retryable
from ctbridge.host import Engine
from ctbridge.settings import EngineSettings


class RecordingConnector(Connector):
    """Handles `ProductPublished` and `OrderCreated`. `failures[message_id]` is a list of what
    the next attempts raise ("retry", "permanent", "crash"); then the message succeeds."""

    def __init__(
        self, runtime, *, name: str = "recorder", types=("ProductPublished", "OrderCreated")
    ):
        super().__init__(runtime)
        self.name = name
        self.types = types
        self.applied: list[Message] = []
        self.attempts: Counter[str] = Counter()
        self.failures: dict[str, list[str]] = {}
        self.skip_ids: set[str] = set()
        self.extra_jobs: list[JobSpec] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {message_type: self.handle for message_type in self.types}

    def jobs(self):
        return self.extra_jobs

    async def handle(self, message: Message) -> Outcome | None:
        self.attempts[message.id] += 1
        planned = self.failures.get(message.id)
        if planned:
            failure = planned.pop(0)
            if failure == "retry":
                raise Retryable("target unavailable", retry_after=0.01)
            if failure == "permanent":
                raise Permanent("invalid payload")
            raise RuntimeError("handler bug")
        if message.id in self.skip_ids:
            return Outcome("skipped", "not relevant")
        self.applied.append(message)
        return None


def product_message(
    message_id: str,
    product_id: str = "p1",
    sequence: int | None = 1,
    type_: str = "ProductPublished",
) -> Message:
    return Message(
        id=message_id,
        type=type_,
        resource_type="product",
        resource_id=product_id,
        sequence_number=sequence,
        payload={
            "id": message_id,
            "type": type_,
            "resource": {"typeId": "product", "id": product_id},
        },
    )


async def open_engine(
    database_url: str, *names: str, **settings
) -> tuple[Engine, dict[str, RecordingConnector]]:
    made: dict[str, RecordingConnector] = {}

    def factory(runtime, name):
        made[name] = RecordingConnector(runtime, name=name)
        return made[name]

    defaults = {
        "database_url": database_url,
        "retry_base_seconds": 0.01,
        "retry_max_seconds": 0.05,
        "poll_seconds": 0.05,
    }
    engine = await Engine.open(
        EngineSettings(**{**defaults, **settings}),
        factories={name: partial(factory, name=name) for name in (names or ("recorder",))},
    )
    return engine, made
