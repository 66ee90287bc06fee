"""The shared engine fixtures (tests/support/engine_fixtures.py) for the engine tests."""

from tests.support.engine_fixtures import (  # noqa: F401 (fixtures)
    commercetools_emulator,
    ctbridge_engine_factory,
)
