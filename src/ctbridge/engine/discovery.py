"""Finds connectors and extensions by name through Python entry points and module paths."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from ctbridge.engine.connector import ConnectorFactory
from ctbridge.engine.registry import Registry
from ctbridge.errors import ConfigurationError

CONNECTOR_GROUP = "ctbridge.connectors"
EXTENSION_GROUP = "ctbridge.extensions"


def available_connectors() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=CONNECTOR_GROUP)}


def connector_factories(names: list[str]) -> dict[str, ConnectorFactory]:
    """Loads the factories of the enabled connectors: entry point names, or `module:Class` for
    a connector of the user's own. Unknown names fail with one clear line each."""
    found = available_connectors()
    own = {name: _resolve(name, "CTBRIDGE_CONNECTORS") for name in names if ":" in name}
    unknown = [name for name in names if name not in found and name not in own]
    if unknown:
        raise ConfigurationError(
            [
                f"CTBRIDGE_CONNECTORS: unknown connector '{name}' "
                f"(available: {', '.join(sorted(found)) or 'none'})"
                for name in unknown
            ]
        )
    factories: dict[str, ConnectorFactory] = {}
    for name in names:
        if name in own:
            factory = own[name]
            factories[getattr(factory, "name", name)] = factory
        else:
            factories[name] = found[name].load()
    return factories


def load_extensions(registry: Registry, specs: list[str]) -> list[str]:
    """Calls each `module:function` of CTBRIDGE_EXTENSIONS and each `ctbridge.extensions` entry
    point with the registry; returns the names it applied."""
    applied = []
    for ep in entry_points(group=EXTENSION_GROUP):
        ep.load()(registry)
        applied.append(ep.name)
    for spec in specs:
        _resolve(spec, "CTBRIDGE_EXTENSIONS")(registry)
        applied.append(spec)
    return applied


def _resolve(spec: str, variable: str) -> Callable[..., Any]:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError([f"{variable}: '{spec}' is not of the form module:name"])
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError([f"{variable}: cannot import '{module_name}': {error}"]) from None
    found = getattr(module, attribute, None)
    if not callable(found):
        raise ConfigurationError([f"{variable}: '{spec}' is not a callable"])
    return found
