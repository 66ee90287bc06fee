"""commercetools access: the async HTTP client, its typed errors, messages and subscriptions."""
