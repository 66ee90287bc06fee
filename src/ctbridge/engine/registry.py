"""Which handler, job and mapper serves each name: built-ins from connectors, overridden by extensions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ctbridge.engine.connector import Connector, Handler, JobSpec

T = TypeVar("T")
HandlerFactory = Callable[[Connector], Handler]
JobFactory = Callable[[Connector], JobSpec]


class Registry:
    """Routes (connector, message type) to a handler and job names to jobs.

    Extensions register factories before or after connectors are added; a factory is called with
    the connector instance, and an extension's handler wins over the built-in one of the same type.
    """

    def __init__(self) -> None:
        self.connectors: dict[str, Connector] = {}
        self._handler_factories: dict[tuple[str, str], HandlerFactory] = {}
        self._job_factories: dict[str, list[JobFactory]] = {}
        self._mappers: dict[str, Callable[..., Any]] = {}
        self._handlers: dict[tuple[str, str], Handler] | None = None
        self._jobs: dict[str, tuple[str, JobSpec]] | None = None

    # -- registration -------------------------------------------------------------------------
    def add_connector(self, connector: Connector) -> None:
        self.connectors[connector.name] = connector
        self.invalidate()

    def override_handler(self, connector: str, message_type: str, factory: HandlerFactory) -> None:
        """Serves `message_type` for `connector` with the handler `factory(connector)` returns."""
        self._handler_factories[(connector, message_type)] = factory
        self.invalidate()

    add_handler = override_handler

    def add_job(self, connector: str, job: JobSpec | JobFactory) -> None:
        factory: JobFactory = (
            job
            if callable(job) and not isinstance(job, JobSpec)
            else (
                lambda _connector, spec=job: spec  # type: ignore[misc]
            )
        )
        self._job_factories.setdefault(connector, []).append(factory)
        self.invalidate()

    def set_mapper(self, name: str, function: Callable[..., Any]) -> None:
        self._mappers[name] = function

    # -- lookup -------------------------------------------------------------------------------
    def mapper(self, name: str, default: Callable[..., T]) -> Callable[..., T]:
        return self._mappers.get(name, default)

    def handler(self, connector: str, message_type: str) -> Handler | None:
        return self._resolved_handlers().get((connector, message_type))

    def connectors_for(self, message_type: str) -> list[str]:
        return sorted({c for (c, t) in self._resolved_handlers() if t == message_type})

    def message_types(self, connector: str) -> list[str]:
        return sorted({t for (c, t) in self._resolved_handlers() if c == connector})

    def jobs(self) -> dict[str, tuple[str, JobSpec]]:
        """Full job name (`connector.job`) → (connector name, spec)."""
        if self._jobs is None:
            jobs: dict[str, tuple[str, JobSpec]] = {}
            for name, connector in self.connectors.items():
                specs = list(connector.jobs())
                specs += [factory(connector) for factory in self._job_factories.get(name, [])]
                for spec in specs:
                    jobs[f"{name}.{spec.name}"] = (name, spec)
            self._jobs = jobs
        return self._jobs

    def _resolved_handlers(self) -> dict[tuple[str, str], Handler]:
        if self._handlers is None:
            handlers: dict[tuple[str, str], Handler] = {}
            for name, connector in self.connectors.items():
                for message_type, handler in connector.handlers().items():
                    handlers[(name, message_type)] = handler
            for (name, message_type), factory in self._handler_factories.items():
                if name in self.connectors:
                    handlers[(name, message_type)] = factory(self.connectors[name])
            self._handlers = handlers
        return self._handlers

    def invalidate(self) -> None:
        self._handlers = None
        self._jobs = None
