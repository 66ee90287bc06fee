"""Finds connectors and extensions by name through Python entry points and module paths."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from ctbridge.engine.connector import ConnectorFactory
from ctbridge.engine.errors import ConfigurationError
from ctbridge.engine.registry import Registry

CONNECTOR_GROUP = "ctbridge.connectors"
EXTENSION_GROUP = "ctbridge.extensions"


def available_connectors() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=CONNECTOR_GROUP)}


def connector_factories(names: list[str]) -> dict[str, ConnectorFactory]:
    """Loads the factories of the enabled connectors; unknown names fail with one clear line."""
    found = available_connectors()
    unknown = [name for name in names if name not in found]
    if unknown:
        raise ConfigurationError(
            [
                f"CTBRIDGE_CONNECTORS: unknown connector '{name}' "
                f"(available: {', '.join(sorted(found)) or 'none'})"
                for name in unknown
            ]
        )
    return {name: found[name].load() for name in names}


def load_extensions(registry: Registry, specs: list[str]) -> list[str]:
    """Calls each `module:function` of CTBRIDGE_EXTENSIONS and each `ctbridge.extensions` entry
    point with the registry; returns the names it applied."""
    applied = []
    for ep in entry_points(group=EXTENSION_GROUP):
        ep.load()(registry)
        applied.append(ep.name)
    for spec in specs:
        _resolve(spec)(registry)
        applied.append(spec)
    return applied


def _resolve(spec: str) -> Callable[[Registry], None]:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(
            [f"CTBRIDGE_EXTENSIONS: '{spec}' is not of the form module:function"]
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(
            [f"CTBRIDGE_EXTENSIONS: cannot import '{module_name}': {error}"]
        ) from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ConfigurationError([f"CTBRIDGE_EXTENSIONS: '{spec}' is not a callable"])
    return function
