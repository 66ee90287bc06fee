"""A connector whose handler does nothing, for measuring the engine alone."""

from __future__ import annotations

from ctbridge.engine.connector import Connector
from ctbridge.engine.message import Message


class NoopConnector(Connector):
    name = "noop"

    def handlers(self):
        return {"ProductPublished": self.handle}

    async def handle(self, message: Message) -> None:
        return None
