"""Apache Kafka (KRaft, single node) from Maven Central jars."""

from __future__ import annotations

import base64
import logging
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from crm_devtools.infra.procs import file_lock
from crm_devtools.paths import InfraConfig

log = logging.getLogger(__name__)

KAFKA_VERSION = "3.9.1"
SCALA_VERSION = "2.13"
SLF4J_BINDING = "org.slf4j:slf4j-reload4j:1.7.36"
HEAP = "-Xmx512m"
DIST_MARKER = ".complete-with-tools"
"""Renamed whenever the set of fetched jars changes, so an older cache is refetched.
kafka-tools carries the broker's perf tools (ProducerPerformance) used by bench/."""

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>crm.local</groupId><artifactId>kafka-dist</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_{scala}</artifactId>
      <version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId>
      <version>{kafka}</version></dependency>
    <dependency><groupId>{sg}</groupId><artifactId>{sa}</artifactId><version>{sv}</version>
    </dependency>
  </dependencies>
</project>
"""


def dist_dir(cfg: InfraConfig) -> Path:
    return cfg.cache_dir / f"kafka-{KAFKA_VERSION}"


def ensure_dist(cfg: InfraConfig) -> Path:
    """The folder of Kafka's runtime jars, fetched with Maven on first use."""
    dist = dist_dir(cfg)
    libs = dist / "libs"
    marker = dist / DIST_MARKER
    if marker.is_file():
        return libs
    with file_lock(cfg.cache_dir / ".kafka.lock"):
        if marker.is_file():
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RuntimeError("Kafka jars are not cached and Maven (mvn) is not on PATH")
        work = dist.with_name(f"{dist.name}.tmp-{os.getpid()}")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        sg, sa, sv = SLF4J_BINDING.split(":")
        (work / "pom.xml").write_text(_POM.format(scala=SCALA_VERSION, kafka=KAFKA_VERSION, sg=sg, sa=sa, sv=sv))
        log.info("fetching Kafka %s jars from Maven Central into %s", KAFKA_VERSION, libs)
        started = time.monotonic()
        cmd = [
            mvn,
            "-q",
            "-B",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={work / 'libs'}",
            "-DincludeScope=runtime",
        ]
        res = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)  # noqa: S603
        if res.returncode != 0:
            raise RuntimeError(f"Maven fetch of Kafka failed:\n{res.stdout[-3000:]}{res.stderr[-3000:]}")
        if not any((work / "libs").glob(f"kafka_{SCALA_VERSION}-{KAFKA_VERSION}.jar")):
            raise RuntimeError(f"Maven did not produce kafka_{SCALA_VERSION}-{KAFKA_VERSION}.jar")
        shutil.rmtree(dist, ignore_errors=True)
        work.rename(dist)
        marker.write_text(f"{KAFKA_VERSION}\n")
        log.info("Kafka jars fetched in %.1fs", time.monotonic() - started)
    return libs


def java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise RuntimeError("java is not on PATH (Kafka needs Java 17)")
    return found


def home(cfg: InfraConfig) -> Path:
    return cfg.state_dir / "kafka"


def log_files(cfg: InfraConfig) -> list[Path]:
    return [home(cfg) / "kafka.out", home(cfg) / "logs" / "server.log"]


def server_properties(cfg: InfraConfig) -> str:
    h, p, c = cfg.host, cfg.kafka_port, cfg.kafka_controller_port
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{h}:{c}",
        "listeners": f"PLAINTEXT://{h}:{p},CONTROLLER://{h}:{c}",
        "advertised.listeners": f"PLAINTEXT://{h}:{p}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(home(cfg) / "data"),
        "num.partitions": "6",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "6",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        "delete.topic.enable": "true",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "log.cleaner.dedupe.buffer.size": str(32 * 1024 * 1024),
    }
    return "".join(f"{k}={v}\n" for k, v in props.items())


def log4j_properties(cfg: InfraConfig) -> str:
    logfile = home(cfg) / "logs" / "server.log"
    return f"""log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File={logfile}
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.clients=WARN
"""


def prepare(cfg: InfraConfig) -> list[str]:
    """Write the configuration, format the storage once, return the broker command."""
    libs = ensure_dist(cfg)
    h = home(cfg)
    (h / "logs").mkdir(parents=True, exist_ok=True)
    props = h / "server.properties"
    props.write_text(server_properties(cfg))
    log4j = h / "log4j.properties"
    log4j.write_text(log4j_properties(cfg))
    classpath = f"{libs}/*"
    jvm = [
        java(),
        HEAP,
        "-Xms256m",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        f"-Dlog4j.configuration=file:{log4j}",
        f"-Dkafka.logs.dir={h / 'logs'}",
        "-cp",
        classpath,
    ]
    if not (h / "data" / "meta.properties").is_file():
        cluster_file = h / "cluster.id"
        if not cluster_file.is_file():
            cluster_file.write_text(_cluster_id())
        cmd = [
            *jvm,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_file.read_text().strip(),
            "-c",
            str(props),
            "--ignore-formatted",
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
        if res.returncode != 0:
            raise RuntimeError(f"Kafka storage format failed:\n{res.stdout}{res.stderr}")
        log.info("formatted Kafka storage in %s", h / "data")
    return [*jvm, "kafka.Kafka", str(props)]


def _cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, base64url without padding (22 chars), never
    starting with ``-`` (the storage tool's argument parser reads one as an option: a
    fresh-clone CI run failed so, one start in 64; Kafka's own ``random-uuid`` avoids it too)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def is_healthy(cfg: InfraConfig, timeout_s: float = 3.0) -> bool:
    from crm_shared.provision import KafkaNotReady, wait_for_kafka

    try:
        wait_for_kafka(cfg.kafka_bootstrap_servers, timeout_s=timeout_s)
    except KafkaNotReady:
        return False
    return True
