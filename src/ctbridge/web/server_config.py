"""How `ctbridge serve` runs uvicorn: idle keep-alive connections and unfinished headers time out."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ctbridge.settings import EngineSettings


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, plus: a connection whose request headers are not complete
    `header_seconds` after it opened (or after its previous response) is closed. uvicorn itself
    waits forever for the first bytes and for the rest of a header block, so connections that
    send nothing, or half a header, would pile up. Bodies are bounded by the app's deadline."""

    header_seconds: float = 8.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._await_headers()

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._stop_waiting()
        if not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_seconds, self._headers_late)

    def _stop_waiting(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def server_config(
    app: Any, *, host: str, port: int, settings: EngineSettings, **options: Any
) -> uvicorn.Config:
    protocol = type(
        "HeaderDeadline",
        (HeaderDeadlineProtocol,),
        {"header_seconds": settings.request_deadline_seconds},
    )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        # An idle keep-alive connection is closed; a slow body is cut by the app's request
        # deadline (CTBRIDGE_REQUEST_DEADLINE_SECONDS), slow headers by the protocol above.
        timeout_keep_alive=max(1, round(settings.keep_alive_seconds)),
        **options,
    )
