"""Emulators of commercetools and the target systems, for `ctbridge demo`, users and tests."""
