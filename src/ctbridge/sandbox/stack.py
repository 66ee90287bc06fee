"""Starts the emulators (commercetools and each connector's targets) on 127.0.0.1 as one stack."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.demo_chapter import DemoChapter
from ctbridge.sandbox.server import BackgroundServer

PROJECT_KEY = "sandbox"
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's published credential
DEMO_CONNECTORS = ("ordergroove", "fluent", "newstore")


def load_chapter(connector: str) -> DemoChapter | None:
    """The connector's demo chapter (`ctbridge.connectors.<name>.demo.chapter`), if it has one."""
    try:
        module = importlib.import_module(f"ctbridge.connectors.{connector}.demo")
    except ModuleNotFoundError:
        return None
    chapter_class = getattr(module, "chapter", None)
    return chapter_class() if chapter_class is not None else None


@dataclass
class SandboxStack:
    """The running emulators; `environment` holds the variables that point ctbridge at them."""

    commercetools: CommercetoolsEmulator
    server: BackgroundServer
    chapters: dict[str, DemoChapter] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(
        cls, connectors: tuple[str, ...] = DEMO_CONNECTORS, **emulator_options: Any
    ) -> SandboxStack:
        emulator = CommercetoolsEmulator(PROJECT_KEY, CLIENT_ID, CLIENT_SECRET, **emulator_options)
        server = BackgroundServer(emulator.app).start()
        stack = cls(emulator, server)
        stack.environment.update(
            {
                "CTP_PROJECT_KEY": PROJECT_KEY,
                "CTP_CLIENT_ID": CLIENT_ID,
                "CTP_CLIENT_SECRET": CLIENT_SECRET,
                "CTP_SCOPE": f"manage_project:{PROJECT_KEY}",
                "CTP_API_URL": server.url,
                "CTP_AUTH_URL": server.url,
            }
        )
        try:
            for name in connectors:
                chapter = load_chapter(name)
                if chapter is None:
                    continue
                stack.environment.update(chapter.start())
                stack.chapters[name] = chapter
        except BaseException:
            stack.stop()
            raise
        return stack

    def stop(self) -> None:
        for chapter in self.chapters.values():
            chapter.stop()
        self.server.stop()
