"""The stories `ctbridge demo` tells, one module per connector; each defines a `chapter` class.

The sandbox imports the connectors it tells about, never the reverse: the product runs
without this package (the production image leaves `ctbridge.sandbox` out).
"""

from __future__ import annotations

# Connector name (as in CTBRIDGE_CONNECTORS) → module holding its `chapter`; the order is the
# order `ctbridge demo` plays them in.
STORIES: dict[str, str] = {
    "ordergroove": "ctbridge.sandbox.stories.ordergroove",
    "fluent": "ctbridge.sandbox.stories.fluent",
    "newstore": "ctbridge.sandbox.stories.newstore",
}
