"""What a connector contributes to `ctbridge demo`: its emulators, its settings, its story."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ctbridge.engine.host import Engine
    from ctbridge.sandbox.commercetools import CommercetoolsEmulator


@dataclass
class DemoContext:
    """Handed to each chapter once the emulators, ctbridge and the subscription are running.

    `settle()` waits until commercetools delivered every message and the worker is idle.
    `commercetools` is the emulator (seed and change data with its direct methods), `engine` the
    running ctbridge, `events_url` ctbridge's `POST /events` endpoint.
    """

    engine: Engine
    commercetools: CommercetoolsEmulator
    events_url: str
    settle: Callable[[float], Awaitable[None]]
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChapterResult:
    """A titled list of (what happened, what was observed) lines with counts and timings."""

    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    ok: bool = True

    def add(self, what: str, observed: str) -> None:
        self.lines.append((what, observed))


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """ "1 order", "2 orders", "0 categories" (pass the plural when adding "s" is wrong)."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural_noun or noun + 's'}"


class DemoChapter(Protocol):
    """`ctbridge.sandbox.stories.<name>.chapter` is a class implementing this protocol."""

    def start(self) -> dict[str, str]:
        """Starts this connector's target emulators; returns the environment variables
        (names as in the connector's settings) that point the connector at them."""
        ...

    async def play(self, demo: DemoContext) -> ChapterResult:
        """Seeds what the story needs, makes things happen, and reports what flowed where."""
        ...

    def stop(self) -> None:
        """Stops the emulators started by `start`."""
        ...
