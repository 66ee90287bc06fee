"""Fluent Commerce emulator: tokens, GraphQL, the Event API and the product-catalogue workflow."""

from ctbridge.sandbox.fluent.app import FluentEmulator

__all__ = ["FluentEmulator"]
