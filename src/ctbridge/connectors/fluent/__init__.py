"""Fluent Commerce connector: commercetools → Fluent (catalogue, customers, orders) and back.

Read it in this order: `connector.py` (what runs: handlers, jobs, routes), `config.py` (its
variables), then one package per direction:
- `client/`: calling Fluent (the API client, its sign-in, GraphQL documents and paging, errors,
  outages, the Settings stored in Fluent);
- `to_fluent/`: commercetools → Fluent (catalogue, products, prices, customers, orders, payments);
- `to_commercetools/`: Fluent → commercetools (webhooks, order status, fulfilments, consignments,
  inventory and location jobs, workflow errors);
- `routes/`: the HTTP endpoints.
Its demo story lives with the sandbox (`ctbridge/sandbox/stories/fluent.py`).
"""
