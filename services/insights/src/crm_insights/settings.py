"""Insights' settings: the shared ones plus its own (env ``CRM_*``)."""

from __future__ import annotations

from crm_shared.settings import CrmSettings
from pydantic import Field


class InsightsSettings(CrmSettings):
    service_name: str = "insights"
    http_port: int = 8005
    worker_web_port: int = 6105

    bucket_scan_limit: int = Field(default=100_000, ge=1)
    """Most bucket documents one report reads (buckets grow with pipelines x stages x
    owners x months, never with deals): a guard, not a page size."""

    batch_records: int = Field(default=600, ge=1, le=2000)
    """Records the worker takes and handles at once (different keys concurrently), so that
    a partition's records are applied as one batch (at most ``MAX_BATCH`` each); 1: one
    record at a time (batches of one). 600: about 100 per partition of 6 when there is a
    backlog; live, a round takes what arrived meanwhile."""

    rfm_interval_s: float = Field(default=3600, gt=0)
    """Seconds between two rounds of the RFM quintiles job (one scan of the customers'
    deal documents; the first round runs at the worker's start)."""
