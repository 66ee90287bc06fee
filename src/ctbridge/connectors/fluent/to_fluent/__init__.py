"""commercetools → Fluent: the catalogue (categories, products, prices, attributes), customers and orders.

`message_handlers` turns commercetools messages into a `catalog_sync` or an `order_sync`;
`catalog_load` is the resumable bulk load; the `*_mapping` modules are pure functions from
commercetools resources to Fluent inputs and events.
"""
