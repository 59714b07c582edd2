from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from crm_devtools.dev_supervisor import Supervisor
from crm_devtools.net import port_open
from crm_devtools.services import SERVICES, process_specs
from crm_devtools.supervisor import (
    ProcessSpec,
    Restarts,
    ServiceFailed,
    ServiceProcess,
    http_ok,
    start_services,
)

PY = sys.executable


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _http_server(name: str, root: Path, port: int) -> ProcessSpec:
    (root / "healthz").write_text("ok")
    return ProcessSpec(
        name,
        (PY, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)),
        port=port,
        health_path="/healthz",
    )


def test_start_services_waits_for_health_prefixes_output_and_stops(tmp_path, free_port) -> None:
    lines: list[tuple[str, str]] = []
    spec = _http_server("web", tmp_path, free_port())
    with start_services([spec], sink=lambda n, line: lines.append((n, line))) as procs:
        web = procs["web"]
        assert http_ok("127.0.0.1", spec.port, "/healthz")
        pid = web.pid
    assert pid is not None
    assert _gone(pid)
    assert not port_open("127.0.0.1", spec.port)
    assert any(n == "web" and "GET /healthz" in line for n, line in lines)


def test_a_process_that_exits_fails_start_with_its_output(free_port) -> None:
    spec = ProcessSpec(
        "bad", (PY, "-c", "print('boom'); raise SystemExit(3)"), port=free_port(), health_path="/healthz"
    )
    with pytest.raises(ServiceFailed, match=r"(?s)code 3.*boom"), start_services([spec]):
        pass


def test_sigkill_after_the_stop_timeout() -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    )
    proc = ServiceProcess(ProcessSpec("stubborn", (PY, "-c", code)), sink=lambda n, line: None)
    proc.start()
    deadline = time.monotonic() + 10
    while "ready" not in proc.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    assert proc.stop(timeout_s=0.5) == -signal.SIGKILL
    assert time.monotonic() - t0 < 5


def test_supervisor_reports_an_exit_and_keeps_the_others(tmp_path, free_port) -> None:
    out: list[str] = []
    specs = [ProcessSpec("quits", (PY, "-c", "raise SystemExit(2)")), _http_server("web", tmp_path, free_port())]
    sup = Supervisor(specs, echo=out.append, poll_interval_s=0.05)
    sup.start()
    result: list[int] = []
    watcher = threading.Thread(target=lambda: result.append(sup.watch()))
    watcher.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not (
            any("EXITED with code 2" in line for line in out) and any("ready" in line for line in out)
        ):
            time.sleep(0.05)
        assert any(line.startswith("quits |") and "EXITED with code 2" in line for line in out)
        assert sup.procs["web"].running
    finally:
        sup.stop_event.set()
        watcher.join(5)
        sup.stop()
    assert result == [0]
    assert not sup.procs["web"].running


def test_services_table() -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": "k:1", "MONGODB_URL": "mongodb://m:2"}
    specs = process_specs(env=env)
    assert [s.name for s in specs] == [
        f"{s.name}-{r}" for s in SERVICES for r in ("api", "worker") if r == "api" or s.worker_web_port is not None
    ]
    assert specs[0].name == "console-api"  # API only: its live tail runs in the API process
    by_name = {
        s.name: s for s in process_specs(["contacts", "service-desk"], env=env, ports={"contacts": (18001, 16101)})
    }
    assert set(by_name) == {"contacts-api", "contacts-worker", "service-desk-api", "service-desk-worker"}
    api = by_name["contacts-api"]
    assert api.command[1:] == ("-m", "crm_contacts.entrypoints.api")
    assert by_name["service-desk-worker"].command[-1] == "crm_service_desk.entrypoints.worker"
    assert api.env["CRM_SERVICE_NAME"] == "contacts"
    assert (api.env["CRM_HTTP_PORT"], api.env["CRM_WORKER_WEB_PORT"]) == ("18001", "16101")
    assert api.env["KAFKA_BOOTSTRAP_SERVERS"] == "k:1"
    assert api.port == 18001
    assert api.health_path == "/healthz"
    assert by_name["service-desk-api"].env["CRM_HTTP_PORT"] == "8003"
    # every process calls the others where this table (and its overrides) puts them
    assert by_name["service-desk-api"].env["CRM_CONTACTS_URL"] == "http://127.0.0.1:18001"
    assert api.env["CRM_SALES_URL"] == "http://127.0.0.1:8002"
    with pytest.raises(KeyError):
        process_specs(["nope"], env=env)


def test_crm_dev_stops_every_process_on_sigterm(free_port) -> None:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
        "MONGODB_URL": f"mongodb://127.0.0.1:{free_port()}",
    }
    dev = subprocess.Popen(
        [PY, "-m", "crm_devtools", "dev", "--no-infra", "--only", "contacts", "--verbose", "--port-offset", "30000"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert dev.stdout is not None
    seen: list[str] = []
    pids: list[int] = []
    try:
        for line in dev.stdout:
            seen.append(line)
            if "started pid" in line:
                pids.append(int(line.split("started pid")[1].split(",")[0]))
            if len(pids) == 2:
                break
        dev.send_signal(signal.SIGTERM)
        rest, _ = dev.communicate(timeout=30)
    finally:
        if dev.poll() is None:
            dev.kill()
    assert dev.returncode in (0, 1), "".join(seen) + rest
    assert any(line.startswith("contacts-api") and "127.0.0.1:38001" in line for line in seen)
    assert all(_gone(pid) for pid in pids)


def test_restart_backoff_doubles_and_resets_after_a_stable_run() -> None:
    restarts = Restarts(first_backoff_s=1, max_backoff_s=4, stable_after_s=60)
    proc = ServiceProcess(ProcessSpec("p", (PY, "-c", "pass")))
    proc.started_at = time.monotonic()
    assert [restarts.exited(proc) for _ in range(4)] == [1, 2, 4, 4]
    assert not restarts.due(proc)
    proc.started_at = time.monotonic() - 61  # it ran a minute before this exit
    assert restarts.exited(proc) == 1


def test_supervisor_restarts_a_killed_process_and_says_so_quietly(tmp_path, free_port) -> None:
    out: list[str] = []
    spec = _http_server("web", tmp_path, free_port())
    sup = Supervisor([spec], echo=out.append, poll_interval_s=0.05, quiet=True, restarts=Restarts(first_backoff_s=0.2))
    sup.start()
    result: list[int] = []
    watcher = threading.Thread(target=lambda: result.append(sup.watch()))
    watcher.start()
    try:
        web = sup.procs["web"]
        web.wait_healthy(15)
        first = web.pid
        web.signal(signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("ready again" in line for line in out):
            time.sleep(0.05)
        assert any("EXITED with code -9; restarting in 0s" in line for line in out), out
        assert any("restarted: pid" in line and "restart #1" in line for line in out), out
        assert any(line.startswith("web |") and "ready again after restart #1" in line for line in out), out
        assert web.running
        assert web.pid != first
        assert http_ok("127.0.0.1", spec.port, "/healthz")
    finally:
        sup.stop_event.set()
        watcher.join(5)
        sup.stop()
    assert result == [0]
    assert not sup.procs["web"].running


def _status(port: int, path: str) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _until(check, timeout_s: float) -> list[int | None]:
    """Poll ``check`` (returns a status) until it is 200; the statuses seen on the way."""
    seen: list[int | None] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen.append(check())
        if seen[-1] == 200:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"not 200 within {timeout_s}s: {sorted(set(map(str, seen)))}")


@pytest.mark.integration
@pytest.mark.e2e
def test_a_killed_worker_comes_back_and_is_ready_once_it_owns_its_partitions(crm_env, topics, free_port) -> None:
    """SIGKILLed, the worker is started again; its /readyz answers 503 while the group
    still waits for the dead member (its partitions are not yet handed over), then 200."""
    ports = {"contacts": (free_port(), free_port())}
    specs = process_specs(["contacts"], env=crm_env, ports=ports, roles=["worker"])
    assert specs[0].ready_path == "/readyz"
    port = ports["contacts"][1]
    with start_services(specs, health_timeout_s=120, restart=True) as procs:
        worker = procs["contacts-worker"]
        _until(lambda: _status(port, "/readyz"), 120)
        first = worker.pid
        worker.signal(signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (worker.running and worker.pid != first):
            time.sleep(0.1)
        assert worker.running
        assert worker.pid != first
        assert worker.restarts == 1
        seen = _until(lambda: _status(port, "/readyz"), 150)
        assert 503 in seen, seen  # up (healthz 200) but not ready until it owns its partitions
        assert _status(port, "/healthz") == 200
