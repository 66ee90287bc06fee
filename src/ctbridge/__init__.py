"""ctbridge: commercetools integration connectors on one durable engine."""
