"""The HTTP face of ctbridge: event intake, webhooks, service triggers, health, metrics, admin."""
