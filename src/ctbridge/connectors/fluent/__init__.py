"""Fluent Commerce connector: catalog, customers and orders from commercetools to Fluent."""
