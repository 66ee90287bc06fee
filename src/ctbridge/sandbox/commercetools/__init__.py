"""A commercetools emulator: auth, resources, predicates, projections, messages and subscriptions.

    emu = CommercetoolsEmulator(project_key="sandbox")     # credentials sandbox-client / sandbox-secret
    with BackgroundServer(emu.app) as server:               # ctbridge.sandbox.server
        emu.route_topic("ct-events", "http://127.0.0.1:8000/events")   # Pub/Sub push target
        emu.create("subscriptions", {...GoogleCloudPubSub destination, topic "ct-events"...})
        emu.create("inventory", {"sku": "SKU-1", "quantityOnStock": 5})
        emu.wait_for_deliveries(10)

Sandbox-only routes (no token needed): `GET /__sandbox/state`, `POST /__sandbox/reserve`,
`GET|POST /__sandbox/topics`, `GET|POST /__sandbox/delivery` (at-least-once knobs, counters) and
`GET|POST /__faults` (fault injection).
"""

from ctbridge.sandbox.commercetools.delivery import DeliverySettings
from ctbridge.sandbox.commercetools.emulator import CommercetoolsEmulator

__all__ = ["CommercetoolsEmulator", "DeliverySettings"]
