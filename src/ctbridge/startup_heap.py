"""Keeps the garbage collector's full passes off what a process builds once, at startup.

A full (oldest-generation) collection walks every container object alive: modules, classes,
functions, SQLAlchemy's and pydantic's machinery, the engine. A process that parses large
pages starts many of them, and each one stalled the event loop for about 0.1 s walking that
startup heap; in a 10k-variant Ordergroove load they were about a quarter of the CPU
(bench/og_initial_load.py). `gc.freeze()` moves everything alive into a permanent generation
that collections skip (docs.python.org/3/library/gc.html#gc.freeze); what is built later is
collected as before.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_once() -> None:
    """Collects what is garbage already, then freezes the rest; once per process (later
    engines of the same process, such as a test suite's, are collected as usual)."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
