"""Ordergroove connector: products and stock from commercetools to Ordergroove."""
