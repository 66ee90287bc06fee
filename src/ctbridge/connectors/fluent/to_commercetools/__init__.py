"""Fluent → commercetools: signed webhooks and the order, fulfilment and consignment updates they
cause, status mapping, and the windowed jobs (inventory, locations, workflow errors).

A webhook is checked (`webhook_verifier`, `webhook_event`), stored, then handled by name
(`webhook_handlers` → `order_updates`); jobs read their window (`sync_window`) and write their
watermark back (`delta_job`). The `*_mapping` modules are pure functions from Fluent entities to
commercetools update actions; `custom_types` are the fields they write to.
"""
