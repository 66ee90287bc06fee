"""NewStore emulator: tokens, stocked products, order injection and ATP export, with faults."""

from ctbridge.sandbox.newstore.emulator import NewStoreEmulator

__all__ = ["NewStoreEmulator"]
