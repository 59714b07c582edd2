"""Start a single-node KRaft broker: write server.properties, format storage once, exec java.

Every KAFKA_<NAME> environment variable becomes a broker property, as in apache/kafka:
'_' -> '.', '__' -> '_', '___' -> '-' (KAFKA_LISTENERS -> listeners). CLUSTER_ID formats the
storage the first time (a random one when unset); the data survives in KAFKA_LOG_DIRS.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path

NOT_PROPERTIES = {
    "KAFKA_HEAP_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_VERSION",
    "KAFKA_HEALTHCHECK_PORT",
}
HOME = Path("/opt/kafka")
CONFIG = HOME / "config" / "server.properties"


def defaults() -> dict[str, str]:
    host = socket.gethostname()
    return {
        "node.id": "1",
        "process.roles": "broker,controller",
        "listeners": "PLAINTEXT://:9092,CONTROLLER://:9093",
        "advertised.listeners": f"PLAINTEXT://{host}:9092",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.quorum.voters": "1@localhost:9093",
        "log.dirs": "/var/lib/kafka/data",
        "num.partitions": "6",
        "default.replication.factor": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        "log.cleaner.dedupe.buffer.size": str(32 * 1024 * 1024),
    }


def env_properties(env: dict[str, str]) -> dict[str, str]:
    props = {}
    for key, value in env.items():
        if not key.startswith("KAFKA_") or key in NOT_PROPERTIES:
            continue
        name = key[len("KAFKA_") :].lower()
        name = re.sub("___", "-", name)
        name = re.sub("__", "\0", name).replace("_", ".").replace("\0", "_")
        props[name] = value
    return props


def jvm(log4j: str) -> list[str]:
    heap = os.environ.get("KAFKA_HEAP_OPTS", "-Xmx512m -Xms256m").split()
    extra = os.environ.get("KAFKA_OPTS", "").split()
    return [
        "java",
        *heap,
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        f"-Dlog4j.configuration=file:{HOME / 'config' / log4j}",
        *extra,
        "-cp",
        f"{HOME / 'libs'}/*",
    ]


def main() -> None:
    props = {**defaults(), **env_properties(dict(os.environ))}
    CONFIG.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    data = Path(props["log.dirs"].split(",")[0])
    data.mkdir(parents=True, exist_ok=True)
    if not (data / "meta.properties").is_file():
        cluster = os.environ.get("CLUSTER_ID") or base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        subprocess.run(  # noqa: S603 - our own fixed command line
            [
                *jvm("tools-log4j.properties"),
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster,
                "-c",
                str(CONFIG),
                "--ignore-formatted",
            ],
            check=True,
        )
        sys.stdout.write(f"formatted {data} for cluster {cluster}\n")
        sys.stdout.flush()
    os.execvp("java", [*jvm("log4j.properties"), "kafka.Kafka", str(CONFIG)])  # noqa: S606, S607


if __name__ == "__main__":
    sys.exit(main())
