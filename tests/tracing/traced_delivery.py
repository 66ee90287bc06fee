"""Run as a script: one delivery through a traced ctbridge; prints the finished spans as JSON.

A process of its own because OpenTelemetry's tracer provider is set once per process.
"""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ctbridge import tracing
from tests.engine.recording import RecordingConnector, open_engine
from tests.web.test_events import ct_message


class CallingConnector(RecordingConnector):
    """Records the message, then calls a target over HTTP (the app's own /healthz)."""

    target = ""

    async def handle(self, message):
        async with httpx.AsyncClient() as client:
            (await client.get(f"{self.target}/healthz")).raise_for_status()
        return await super().handle(message)


async def main(database_url: str) -> None:
    from ctbridge.sandbox.server import serve_in_loop
    from ctbridge.web.app import create_app

    exporter = InMemorySpanExporter()
    tracing.configure(exporter=exporter)
    import tests.engine.recording as recording

    recording.RecordingConnector = CallingConnector  # open_engine builds this class
    engine, made = await open_engine(database_url)
    try:
        async with serve_in_loop(create_app(engine, background=True)) as url:
            CallingConnector.target = url
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                response = await client.post(
                    "/events", json=ct_message("traced-1"), headers={"X-Requested-With": "test"}
                )
                response.raise_for_status()
            connector = made["recorder"]
            for _ in range(400):
                if connector.applied:
                    break
                await asyncio.sleep(0.05)
    finally:
        await engine.close()
    spans = [
        {
            "name": span.name,
            "trace_id": format(span.context.trace_id, "032x"),
            "span_id": format(span.context.span_id, "016x"),
            "parent_id": None if span.parent is None else format(span.parent.span_id, "016x"),
            "kind": span.kind.name,
            "attributes": {k: str(v) for k, v in (span.attributes or {}).items()},
        }
        for span in exporter.get_finished_spans()
    ]
    print(json.dumps({"applied": [m.id for m in connector.applied], "spans": spans}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
