"""The npm commercetools mock for CLI tests (shared with tests/commercetools)."""

from tests.commercetools.conftest import ctmock  # noqa: F401
