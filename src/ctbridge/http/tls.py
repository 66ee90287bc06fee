"""One TLS context shared by every client, built on first use.

httpx builds a fresh context for each client, and each build loads the whole CA bundle (tens of
milliseconds of CPU); clients made per job or per run paid that every time. The context is
httpx's own default (certifi's bundle, `SSL_CERT_FILE` / `SSL_CERT_DIR` honoured), built once.
"""

from __future__ import annotations

import functools
import ssl

import httpx

from ctbridge.http import idle_probe, one_send, wrapped_backend


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def transport(**options: object) -> httpx.AsyncHTTPTransport:
    """An httpx transport that verifies certificates with the shared context, checks its idle
    connections cheaply (`idle_probe`) and sends each request in one write (`one_send`)."""
    built = httpx.AsyncHTTPTransport(verify=shared_tls_context(), **options)  # type: ignore[arg-type]
    return wrapped_backend.install(built, idle_probe.backend(one_send.backend()))
