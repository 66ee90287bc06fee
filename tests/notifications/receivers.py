"""Local receivers for notification tests: an HTTP app that records posts, a tiny SMTP server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class RecordingApp:
    """Answers `status` to every POST and keeps (path, headers, body) of each."""

    status: int = 200
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{path:path}")
        async def record(path: str, request: Request) -> JSONResponse:
            self.received.append((path, dict(request.headers), await request.body()))
            return JSONResponse({"ok": self.status < 300}, status_code=self.status)

        return app


@dataclass
class SmtpMailbox:
    """What the SMTP responder accepted; recipients in `refused` get 550."""

    messages: list[tuple[str, list[str], str]] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)


@contextlib.asynccontextmanager
async def smtp_server(mailbox: SmtpMailbox) -> AsyncIterator[int]:
    """A minimal SMTP responder on 127.0.0.1 (EHLO, MAIL, RCPT, DATA, QUIT); yields its port."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        (
            sender,
            recipients,
        ) = "", []
        writer.write(b"220 localhost test SMTP\r\n")
        for _ in range(100):
            line = (await asyncio.wait_for(reader.readline(), 10)).decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                writer.write(b"250-localhost\r\n250 8BITMIME\r\n")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip(" <>")
                writer.write(b"250 OK\r\n")
            elif verb == "RCPT":
                recipient = line.split(":", 1)[1].strip(" <>")
                if recipient in mailbox.refused:
                    writer.write(b"550 no such user\r\n")
                else:
                    recipients.append(recipient)
                    writer.write(b"250 OK\r\n")
            elif verb == "DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                body = []
                for _ in range(10_000):
                    data = (await asyncio.wait_for(reader.readline(), 10)).decode()
                    if data.rstrip("\r\n") == ".":
                        break
                    body.append(data)
                mailbox.messages.append((sender, recipients, "".join(body)))
                writer.write(b"250 queued\r\n")
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.close()
        await server.wait_closed()
