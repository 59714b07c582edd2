"""The shared consumer, telling the projection which partition a record came from
(each partition writes its own shard of the buckets: one writer per document)."""

from __future__ import annotations

from crm_shared.kafka.consumer import EventConsumer, Outcome, RecordInfo

from crm_insights.service.projection import current_shard


class PartitionShardConsumer(EventConsumer):
    async def handle(self, record: RecordInfo) -> Outcome:
        token = current_shard.set(record.partition)
        try:
            return await super().handle(record)
        finally:
            current_shard.reset(token)
