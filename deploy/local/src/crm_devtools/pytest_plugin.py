"""pytest plugin (loaded by ``-p crm_devtools.pytest_plugin``): real Kafka and MongoDB.

Where the infrastructure comes from, decided once per session and only when a test
asks for it (a test using none of these fixtures starts nothing):

1. ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URL`` when set: used as they are;
2. else, when a Docker API answers a ping: testcontainers, generic containers of
   ``CRM_TEST_KAFKA_IMAGE`` (default ``apache/kafka:3.9.1``) and
   ``CRM_TEST_MONGO_IMAGE`` (default ``mongo:7.0``);
3. else the local infrastructure (``crm infra``): the one of ``CRM_STATE_DIR`` if it
   is running and healthy (left running), otherwise a private instance on free
   ports in a temporary state folder, stopped at the end of the session.

``CRM_TEST_INFRA=local|docker`` forces step 2 or 3. Tests using these fixtures are
marked ``integration`` automatically.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from crm_shared.mongo_audit import StoreAudit
from pymongo import AsyncMongoClient

from crm_devtools.net import free_port as _free_port

if TYPE_CHECKING:
    from crm_shared.topics import Topics

log = logging.getLogger(__name__)

INFRA_FIXTURES = frozenset(
    {"crm_infra", "kafka_bootstrap_servers", "mongodb_url", "topics", "mongo_database", "crm_env"}
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: needs the real Kafka broker and MongoDB-wire store")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INFRA_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True)
class InfraEndpoints:
    kafka_bootstrap_servers: str
    mongodb_url: str
    source: str
    """``env``, ``docker``, ``local`` (reused) or ``local-private`` (started here)."""


# -- where the infrastructure comes from ----------------------------------------------


def docker_available() -> bool:
    """A Docker-compatible API answers a ping (not just a client or a stale socket)."""
    host = os.environ.get("DOCKER_HOST", "")
    if not host and not Path("/var/run/docker.sock").exists():
        return False
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@contextmanager
def _kafka_container() -> Iterator[str]:
    from crm_shared.provision import wait_for_kafka
    from testcontainers.core.container import DockerContainer

    image = os.environ.get("CRM_TEST_KAFKA_IMAGE", "apache/kafka:3.9.1")
    host = os.environ.get("TC_HOST", "127.0.0.1")
    port = _free_port()
    env = {  # the apache/kafka image turns KAFKA_* into server.properties
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": "PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{host}:{port}",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
        "KAFKA_NUM_PARTITIONS": "6",
    }
    container = DockerContainer(image).with_bind_ports(9092, port)
    for k, v in env.items():
        container = container.with_env(k, v)
    with container:
        bootstrap = f"{host}:{port}"
        wait_for_kafka(bootstrap, timeout_s=120)
        yield bootstrap


@contextmanager
def _mongo_container() -> Iterator[str]:
    from testcontainers.core.container import DockerContainer

    from crm_devtools.infra import mongo
    from crm_devtools.paths import InfraConfig, cache_dir

    image = os.environ.get("CRM_TEST_MONGO_IMAGE", "mongo:7.0")
    with DockerContainer(image).with_exposed_ports(27017) as container:
        host, port = container.get_container_host_ip(), int(container.get_exposed_port(27017))
        cfg = InfraConfig(cache_dir=cache_dir(), state_dir=Path(), host=host, mongo_port=port)
        for _ in range(120):
            if mongo.is_healthy(cfg, 1.0):
                break
        else:
            raise RuntimeError(f"{image} did not answer ping")
        yield cfg.mongodb_url


@contextmanager
def _local_infra(base_temp: Path, components: tuple[str, ...]) -> Iterator[tuple[str, str, str]]:
    from crm_devtools.infra import Infra
    from crm_devtools.paths import InfraConfig

    shared = Infra()
    if shared.running(components):
        yield shared.cfg.kafka_bootstrap_servers, shared.cfg.mongodb_url, "local"
        return
    cfg = InfraConfig(
        cache_dir=shared.cfg.cache_dir,
        state_dir=base_temp / "crm-infra",
        kafka_port=_free_port(),
        kafka_controller_port=_free_port(),
        mongo_port=_free_port(),
    )
    private = Infra(cfg)
    try:
        private.up(components, provision=False)
        yield cfg.kafka_bootstrap_servers, cfg.mongodb_url, "local-private"
    finally:
        private.down(components)


@pytest.fixture(scope="session")
def crm_infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfraEndpoints]:
    """Kafka and MongoDB-wire endpoints for the session (see the module docstring)."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None
    mongo_url = os.environ.get("MONGODB_URL") or None
    if kafka and mongo_url:
        yield InfraEndpoints(kafka, mongo_url, "env")
        return
    mode = os.environ.get("CRM_TEST_INFRA", "auto").lower()
    with ExitStack() as stack:
        if mode == "docker" or (mode == "auto" and docker_available()):
            kafka = kafka or stack.enter_context(_kafka_container())
            mongo_url = mongo_url or stack.enter_context(_mongo_container())
            source = "docker"
        else:
            need = tuple(n for n, have in (("kafka", kafka), ("mongo", mongo_url)) if not have)
            k, m, source = stack.enter_context(_local_infra(tmp_path_factory.getbasetemp(), need))
            kafka, mongo_url = kafka or k, mongo_url or m
        log.info("test infrastructure (%s): kafka %s, mongo %s", source, kafka, mongo_url)
        yield InfraEndpoints(kafka, mongo_url, source)


@pytest.fixture(scope="session")
def kafka_bootstrap_servers(crm_infra: InfraEndpoints) -> str:
    return crm_infra.kafka_bootstrap_servers


@pytest.fixture(scope="session")
def mongodb_url(crm_infra: InfraEndpoints) -> str:
    return crm_infra.mongodb_url


# -- per test ------------------------------------------------------------------------


@pytest.fixture
def topic_prefix() -> str:
    """A unique topic prefix, like ``t1a2b3c4d.``."""
    return f"t{uuid.uuid4().hex[:8]}."


@pytest.fixture
def topics(kafka_bootstrap_servers: str, topic_prefix: str) -> Iterator[Topics]:
    """The registry's topics under ``topic_prefix``, created on the broker (deleted after,
    unless ``CRM_TEST_KEEP_TOPICS=1``)."""
    from crm_shared.provision import delete_topics, ensure_topics
    from crm_shared.topics import Topics

    registry = Topics(topic_prefix)
    ensure_topics(kafka_bootstrap_servers, registry)
    yield registry
    if os.environ.get("CRM_TEST_KEEP_TOPICS", "") not in {"1", "true", "yes"}:
        try:
            delete_topics(kafka_bootstrap_servers, [s.name for s in registry.all()], 10)
        except Exception as exc:  # cleanup must not fail the test
            log.warning("could not delete test topics %s*: %s", topic_prefix, exc)


@pytest.fixture
def mongo_database(mongodb_url: str) -> Iterator[str]:
    """A unique database name; it, and every database named after it (``<name>_sales``,
    one per service in end-to-end tests), is dropped after the test."""
    from pymongo import MongoClient

    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    # a socket timeout: a store that never answers (FerretDB's listDatabases waits for ever
    # behind a database whose own commands hang) costs a warning, not the test's timeout
    client: MongoClient[dict[str, object]] = MongoClient(
        mongodb_url, serverSelectionTimeoutMS=5000, socketTimeoutMS=30_000
    )
    try:
        client.drop_database(name)
        for db in client.list_database_names():
            if db.startswith(f"{name}_"):
                client.drop_database(db)
    except Exception as exc:
        log.warning("could not drop test database %s: %s", name, exc)
    finally:
        client.close()


@pytest.fixture
def crm_env(kafka_bootstrap_servers: str, mongodb_url: str, topics: Topics, mongo_database: str) -> dict[str, str]:
    """Environment for a service process or settings object under test."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
        "MONGODB_URL": mongodb_url,
        "CRM_TOPIC_PREFIX": topics.prefix,
        "CRM_MONGODB_DATABASE": mongo_database,
        "CRM_ENV": "test",
    }


class FreePort(int):
    """A free TCP port (use it as an int); calling it returns another free port."""

    def __call__(self) -> int:
        return _free_port()


@pytest.fixture
def free_port() -> FreePort:
    """A TCP port free right now: ``free_port`` is one, ``free_port()`` gives more."""
    return FreePort(_free_port())


@pytest.fixture
async def store_audit(mongodb_url: str) -> AsyncIterator[tuple[AsyncMongoClient[dict[str, Any]], StoreAudit]]:
    """A store client whose commands are audited: ``audit.scans`` lists every command
    that did not filter on ``_id`` alone (see ``crm_shared.mongo_audit``)."""
    audit = StoreAudit()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongodb_url, tz_aware=True, uuidRepresentation="standard", event_listeners=[audit]
    )
    try:
        yield client, audit
    finally:
        await client.close()


@pytest.fixture
def fake_clock() -> Any:
    """A ``crm_shared.clock.FakeClock`` at a fixed time; ``fake_clock.advance(minutes=5)``."""
    from crm_shared.clock import FakeClock

    return FakeClock()
