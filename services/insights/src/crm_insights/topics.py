"""The registry's topics plus insights' own dead-letter topic.

``crm_shared.topics.CONSUMERS`` does not list insights yet; until it does (a one-word
change in the shared registry), insights adds its dead-letter topic here and creates
it at start-up like every other topic.
"""

from __future__ import annotations

from crm_shared.topics import PARTITIONS, Topics, TopicSpec

DLQ_KEY = "dlq.insights"
RETAIN_30D = {"retention.ms": str(30 * 24 * 3600 * 1000), "cleanup.policy": "delete"}


class InsightsTopics(Topics):
    def __init__(self, prefix: str = "") -> None:
        super().__init__(prefix)
        self._own = TopicSpec(
            DLQ_KEY,
            f"{prefix}crm.dlq.insights",
            PARTITIONS,
            dict(RETAIN_30D),
            "Dead letters of the insights consumers.",
        )

    def dead_letter(self, consumer: str) -> str:
        return self._own.name if consumer == "insights" else super().dead_letter(consumer)

    def all(self) -> list[TopicSpec]:
        known = super().all()
        return known if any(s.key == DLQ_KEY for s in known) else [*known, self._own]
