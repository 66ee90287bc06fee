"""The one way ctbridge calls an external system: what every target client shares.

Read in this order: `caller` (one request: token, one refresh, resends, typed failure),
`retry` (the policy, on tenacity), `outcomes` (HTTP status -> resend / Retryable / Permanent),
`retry_after`, `oauth` (the token cache and its grants), `metrics` (calls counted per target).
A client keeps only its endpoints and its target's error types.
"""
