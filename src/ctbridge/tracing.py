"""OpenTelemetry traces: on when the standard OTEL_* variables ask for them, one trace per message.

Intake stores the W3C trace context of the delivery's request beside the message; the worker
continues that trace when it runs the handler, so a trace goes from the delivery through the
stored message to every call the handler makes. With no OTEL_* exporter configured nothing is
set up and every function here is a cheap no-op (the API's default tracer records nothing).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

TRACER_NAME = "ctbridge"
_configured = False


def wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Traces are on when an exporter is named or an OTLP endpoint is given, and the SDK is not
    disabled (the standard variables: OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT,
    OTEL_SDK_DISABLED)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    return bool(
        exporter
        or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def configure(*, exporter: Any = None, environ: Mapping[str, str] = os.environ) -> bool:
    """Sets up the SDK once per process (a TracerProvider with a batch processor and the httpx
    instrumentation); `exporter` replaces the OTLP exporter (tests pass an in-memory one).
    Returns whether traces are on."""
    global _configured
    if _configured:
        return True
    if exporter is None and not wanted(environ):
        return False
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME", "ctbridge")})
    provider = TracerProvider(resource=resource)
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument()
    _configured = True
    return True


def instrument_app(app: Any) -> None:
    """Server spans for the ASGI app's requests (no-op while traces are off)."""
    if not _configured:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def instrument_database(*engines: Any) -> None:
    """Spans for the store's SQL statements (its SQLAlchemy engines, async or not: one call,
    since the instrumentor instruments once per process)."""
    if not _configured:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # The instrumentation declares SQLAlchemy < 2.1; its engine events are the same in 2.1
    # (tests/tracing checks the statements' spans), so the version check is skipped.
    SQLAlchemyInstrumentor().instrument(
        engines=[getattr(engine, "sync_engine", engine) for engine in engines],
        skip_dep_check=True,
    )


def current_context() -> str | None:
    """The active trace context as stored text (W3C `traceparent`), or None outside a trace.

    Called for every delivery: while traces are off it answers without touching the
    propagators."""
    if not _configured:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return json.dumps(carrier, sort_keys=True) if carrier else None


@contextlib.contextmanager
def continued(stored: str | None, name: str, attributes: Mapping[str, Any]) -> Iterator[Any]:
    """A span `name` that continues the trace whose context `stored` holds (a new trace when
    there is none, or when it cannot be read). Called for every task: while traces are off it
    yields the API's non-recording span without looking up a tracer."""
    if not _configured:
        yield trace.INVALID_SPAN
        return
    parent = None
    if stored:
        with contextlib.suppress(ValueError, TypeError):
            carrier = json.loads(stored)
            if isinstance(carrier, dict):
                parent = propagate.extract(carrier)
    token = otel_context.attach(parent) if parent is not None else None
    try:
        tracer = trace.get_tracer(TRACER_NAME)
        with tracer.start_as_current_span(name, attributes=dict(attributes)) as span:
            yield span
    finally:
        if token is not None:
            otel_context.detach(token)
