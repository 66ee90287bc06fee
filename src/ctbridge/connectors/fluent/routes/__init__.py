"""The Fluent connector's HTTP endpoints and what only they use.

`fluent_webhook` (`POST /webhooks/fluent`, signed by Fluent), `catalog_ingestion`
(`GET /service/fluent-catalog-ingestion`, Basic auth), `availability` (`GET /fluent/availability`)
and `external_webhooks` (`POST /webhooks/external/{name}`, and the calls back out), the last two
behind `api_token`.
"""
