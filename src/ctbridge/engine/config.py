"""What the engine's own loops are tuned by: attempts and backoff, worker batches and leases, job
retries, retention. A plain model: `ctbridge.settings.EngineSettings` extends it with the process's
variables (CTBRIDGE_*), so the engine never reads the environment itself."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EngineConfig(BaseModel):
    max_attempts: int = Field(default=8, ge=1, le=100)
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=900.0, gt=0)
    worker_concurrency: int = Field(default=128, ge=1, le=1024)
    worker_batch: int = Field(default=200, ge=1, le=1000)
    lease_seconds: float = Field(default=300.0, gt=0)
    # Finished work older than this is purged hourly; 0 keeps everything (see engine/retention).
    retention_days: float = Field(default=7.0, ge=0)
    # A failed resumable job (a load) is retried by the scheduler this many times, backing off
    # from this many seconds up to retry_max_seconds (see engine/job_retry).
    job_retries: int = Field(default=5, ge=0, le=100)
    job_retry_base_seconds: float = Field(default=60.0, gt=0)
    poll_seconds: float = Field(default=0.5, gt=0)
