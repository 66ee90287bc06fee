"""Calling Fluent: the API client, its sign-in, GraphQL documents and paging, typed errors, outages.

`FluentClient` is the one entry point; `remote_settings` reads the Settings stored in Fluent
(not ctbridge's own configuration, which is `connectors/fluent/config.py`).
"""

from ctbridge.connectors.fluent.client.fluent_client import FluentClient

__all__ = ["FluentClient"]
