from __future__ import annotations

import pytest
from crm_shared.provision import (
    KafkaNotReady,
    TopicPartitionMismatch,
    delete_topics,
    ensure_topics,
    wait_for_kafka,
)
from crm_shared.topics import PARTITIONS, Topics
from kafka import KafkaAdminClient


def test_ensure_topics_is_idempotent(kafka_bootstrap_servers: str, topic_prefix: str) -> None:
    registry = Topics(topic_prefix)
    names = [s.name for s in registry.all()]
    try:
        assert sorted(ensure_topics(kafka_bootstrap_servers, registry)) == sorted(names)
        assert ensure_topics(kafka_bootstrap_servers, registry) == []
        with KafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers) as admin:
            described = {t["name"]: t for t in admin.describe_topics(names)}
            assert {n: len(t["partitions"]) for n, t in described.items()} == dict.fromkeys(names, PARTITIONS)
            from kafka.admin import ConfigResource, ConfigResourceType

            res = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, registry.customer)])
            assert "'cleanup.policy'" in str(res)
            assert "compact" in str(res)
    finally:
        delete_topics(kafka_bootstrap_servers, names)


def test_partition_mismatch_is_refused(kafka_bootstrap_servers: str, topic_prefix: str) -> None:
    registry = Topics(topic_prefix)
    with KafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers) as admin:
        admin.create_topics({registry.deal: {"num_partitions": 2, "replication_factor": 1}})
    try:
        with pytest.raises(TopicPartitionMismatch, match="partitions") as exc:
            ensure_topics(kafka_bootstrap_servers, registry)
        assert exc.value.mismatches == {registry.deal: (2, PARTITIONS)}
    finally:
        delete_topics(kafka_bootstrap_servers, [s.name for s in registry.all()])


def test_topics_fixture_provisions_prefixed_topics(
    kafka_bootstrap_servers: str, topics: Topics, crm_env: dict[str, str]
) -> None:
    assert topics.customer.startswith(topics.prefix)
    assert crm_env["CRM_TOPIC_PREFIX"] == topics.prefix
    assert crm_env["CRM_ENV"] == "test"
    assert ensure_topics(kafka_bootstrap_servers, topics) == []


def test_mongo_database_fixture(mongodb_url: str, mongo_database: str) -> None:
    from pymongo import MongoClient

    with MongoClient(mongodb_url) as client:
        client[mongo_database]["things"].insert_one({"_id": 1})
        assert client[mongo_database]["things"].count_documents({}) == 1


def test_wait_for_kafka_gives_up_when_nothing_listens(free_port: int) -> None:
    with pytest.raises(KafkaNotReady, match="not ready"):
        wait_for_kafka(f"127.0.0.1:{free_port}", timeout_s=1)
