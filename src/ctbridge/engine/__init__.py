"""The durable runtime every connector stands on: inbox, worker, retries, jobs, limits, batching."""
