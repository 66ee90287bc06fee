"""Emulators of commercetools and the target systems, and the demo's stories, for `ctbridge demo`,
users and tests. The sandbox uses the product; the product never imports it (the production image
leaves it out)."""
