"""Ordergroove emulator: the bulk product endpoints with auth, validation and a rate limit."""

from ctbridge.sandbox.ordergroove.emulator import OrdergrooveEmulator

__all__ = ["OrdergrooveEmulator"]
