"""Tests of the Ordergroove connector."""
