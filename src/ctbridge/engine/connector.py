"""What a connector declares to the engine: message handlers, jobs, HTTP routes, its lifecycle."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ctbridge.engine.message import Message
from ctbridge.engine.report import RunReport

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy.ext.asyncio import AsyncConnection

    from ctbridge.engine.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a handler did with a message when it did not simply apply it."""

    status: str  # "done" | "skipped"
    detail: str = ""


Handler = Callable[[Message], Awaitable[Outcome | None]]
# Rows a job writes in the same transaction as its checkpoint (given the open connection).
AlongWrites = Callable[["AsyncConnection"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a run got: shown by the CLI, the admin page and `job runs`."""

    done: int
    total: int | None = None
    note: str = ""


@dataclass
class JobContext:
    """Everything one run of a job gets: its parameters, a checkpoint, a report, progress."""

    runtime: Runtime
    job_name: str
    run_id: int
    params: dict[str, Any]
    report: RunReport
    _progress: Callable[[int, int | None, str], Awaitable[None]]
    _load_checkpoint: Callable[[], Awaitable[dict[str, Any] | None]]
    _save_checkpoint: Callable[
        [dict[str, Any] | None, Progress | None, AlongWrites | None], Awaitable[None]
    ]

    async def checkpoint(self) -> dict[str, Any] | None:
        """The state the last run of this job saved (a cursor, a watermark), or None."""
        return await self._load_checkpoint()

    async def save_checkpoint(
        self,
        value: dict[str, Any] | None,
        *,
        progress: Progress | None = None,
        along: AlongWrites | None = None,
    ) -> None:
        """Persists state at once, so a crashed run resumes from here. In the same transaction
        (all or nothing, one write instead of several): the run's `progress`, and the rows
        `along` writes on the connection it is given (what the checkpoint moves past)."""
        await self._save_checkpoint(value, progress, along)

    async def progress(self, done: int, total: int | None = None, note: str = "") -> None:
        """Records how far the run got; shown by the CLI, the admin page and `job runs`."""
        await self._progress(done, total, note)


JobFunction = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A named unit of scheduled or on-demand work.

    `schedule` is a cron expression (None: only on demand). A job that keeps a checkpoint
    resumes from it; `resumable=True` marks bulk loads, whose checkpoint is cleared only when
    they finish. `warm_up` starts while the run is being recorded and its lease taken, so that
    the run's first calls do not wait for both: it may only prepare (fetch access tokens),
    never change a target, since the lease is not held yet; a failure of it is the run's to
    meet, not reported.
    """

    name: str
    run: JobFunction
    schedule: str | None = None
    description: str = ""
    resumable: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)
    warm_up: Callable[[], Awaitable[None]] | None = None


class Connector(abc.ABC):
    """A connector: built once per process with the runtime, then asked for what it offers.

    `__init__` loads and validates the connector's own settings and raises
    `ConfigurationError` with one line per problem. Handlers are keyed by message type
    (commercetools message types such as `ProductPublished`, or a source-specific type such as
    a Fluent webhook name).
    """

    name: ClassVar[str]

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def handlers(self) -> Mapping[str, Handler]:
        return {}

    def jobs(self) -> Sequence[JobSpec]:
        return ()

    def routers(self) -> Sequence[APIRouter]:
        return ()

    async def open(self) -> None:
        """Creates clients; called once before the first handler or job runs."""

    async def close(self) -> None:
        """Releases clients; called once at shutdown."""


ConnectorFactory = Callable[["Runtime"], Connector]
