"""``crm infra up|status|down`` on private ports and a private state folder.

These never touch the shared instance (default ports, ``<repo>/.state``); they reuse
the artefact cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from crm_devtools.infra import Infra, InfraError
from crm_devtools.infra.procs import PidRecord, our_process
from crm_devtools.net import port_open
from crm_devtools.paths import InfraConfig, cache_dir


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _crm(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_devtools", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def private_infra(tmp_path: Path, free_port) -> dict[str, str]:
    env = {
        **os.environ,
        "CRM_STATE_DIR": str(tmp_path / "state"),
        "CRM_INFRA_KAFKA_PORT": str(free_port()),
        "CRM_INFRA_KAFKA_CONTROLLER_PORT": str(free_port()),
        "CRM_INFRA_MONGO_PORT": str(free_port()),
    }
    yield env
    _crm(env, "infra", "down", timeout=120)  # whatever happened, leave nothing running


@pytest.mark.integration
def test_up_twice_is_fast_and_down_leaves_nothing(private_infra: dict[str, str]) -> None:
    env = private_infra
    ports = [int(env[k]) for k in ("CRM_INFRA_KAFKA_PORT", "CRM_INFRA_KAFKA_CONTROLLER_PORT", "CRM_INFRA_MONGO_PORT")]
    t0 = time.monotonic()
    first = _crm(env, "infra", "up")
    cold = time.monotonic() - t0
    assert first.returncode == 0, first.stderr
    assert f"export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:{ports[0]}" in first.stdout
    assert f"MONGODB_URL=mongodb://127.0.0.1:{ports[2]}" in first.stdout

    state = Path(env["CRM_STATE_DIR"])
    pids = {n: PidRecord.load(state / "run" / f"{n}.pid") for n in ("kafka", "mongo")}
    assert all(r is not None and our_process(r) for r in pids.values())

    t0 = time.monotonic()
    second = _crm(env, "infra", "up")
    warm = time.monotonic() - t0
    print(f"cold up {cold:.1f}s, warm up {warm:.1f}s")
    assert second.returncode == 0, second.stderr
    assert warm < 5.0, f"second up took {warm:.1f}s"
    again = {n: PidRecord.load(state / "run" / f"{n}.pid") for n in ("kafka", "mongo")}
    assert again == pids, "a second up must not restart anything"

    status = _crm(env, "infra", "status")
    assert status.returncode == 0
    assert status.stdout.count("healthy") == 2

    down = _crm(env, "infra", "down", timeout=120)
    assert down.returncode == 0, down.stderr
    for rec in pids.values():
        assert rec is not None
        assert _gone(rec.pid), f"{rec} still runs"
    for port in ports:
        assert not port_open("127.0.0.1", port), f"port {port} still open"
    assert not list((state / "run").glob("*.pid"))
    assert _crm(env, "infra", "status").returncode == 1
    assert "nothing was running" in _crm(env, "infra", "down").stdout


def _cfg(tmp_path: Path, free_port) -> InfraConfig:
    return InfraConfig(
        cache_dir=cache_dir(),
        state_dir=tmp_path,
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        mongo_port=free_port(),
    )


def test_down_never_signals_a_process_it_did_not_start(tmp_path: Path, free_port) -> None:
    infra = Infra(_cfg(tmp_path, free_port))
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        proc = psutil.Process(stranger.pid)
        (tmp_path / "run").mkdir()
        # a recycled pid: same pid, another start time
        PidRecord("kafka", stranger.pid, proc.create_time() - 100, proc.cmdline()).save(infra.pidfile("kafka"))
        # same pid and time, another command line
        PidRecord("mongo", stranger.pid, proc.create_time(), ["ferretdb"]).save(infra.pidfile("mongo"))
        assert infra.down() == []
        assert stranger.poll() is None
        assert not infra.pidfile("kafka").exists()
    finally:
        stranger.kill()
        stranger.wait()


def test_up_refuses_a_port_taken_by_someone_else(tmp_path: Path, free_port) -> None:
    import socket

    cfg = _cfg(tmp_path, free_port)
    with socket.socket() as s:
        s.bind(("127.0.0.1", cfg.mongo_port))
        s.listen()
        with pytest.raises(InfraError, match=f"port {cfg.mongo_port} is in use"):
            Infra(cfg).up(["mongo"])


def test_a_kafka_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The storage tool reads ``-t -abc...`` as an option; such ids are drawn again."""
    import uuid

    from crm_devtools.infra import kafka

    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=b"\x00" * 16)])
    monkeypatch.setattr(kafka.uuid, "uuid4", lambda: next(draws))
    assert kafka._cluster_id() == "AAAAAAAAAAAAAAAAAAAAAA"
