"""Background processes we start, recorded in pid files, and stopped only if ours.

A pid file holds the pid, the process creation time and its command line; a
process is "ours" only when all three still match, so a recycled pid is never
signalled.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import signal
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PidRecord:
    name: str
    pid: int
    create_time: float
    cmdline: list[str]

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self)))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PidRecord | None:
        try:
            data = json.loads(path.read_text())
            return cls(
                name=str(data["name"]),
                pid=int(data["pid"]),
                create_time=float(data["create_time"]),
                cmdline=[str(a) for a in data["cmdline"]],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def alive(proc: psutil.Process) -> bool:
    try:
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def our_process(record: PidRecord | None) -> psutil.Process | None:
    """The live process a pid record describes, or None (gone, zombie or recycled pid)."""
    if record is None:
        return None
    try:
        proc = psutil.Process(record.pid)
        if abs(proc.create_time() - record.create_time) > 0.05:
            return None
        if proc.cmdline() != record.cmdline:
            return None
    except psutil.Error:
        return None
    return proc if alive(proc) else None


def spawn(
    name: str,
    cmd: Sequence[str],
    log_path: Path,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> PidRecord:
    """Start a detached process (own session) with output appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        popen = subprocess.Popen(  # noqa: S603 - commands are built by us
            list(cmd),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    # Keep the Popen object alive so it does not warn; psutil reaps it on stop.
    _children.append(popen)
    proc = psutil.Process(popen.pid)
    return PidRecord(name=name, pid=popen.pid, create_time=proc.create_time(), cmdline=proc.cmdline() or list(cmd))


_children: list[subprocess.Popen[bytes]] = []


def exit_status(pid: int) -> str:
    """How a child this process spawned ended ("exit code 1", "signal 9"), when known."""
    for popen in _children:
        if popen.pid == pid and popen.poll() is not None:
            code = popen.returncode
            return f"signal {-code}" if code < 0 else f"exit code {code}"
    return "exit status unknown"


def problems(path: Path, lines: int = 15) -> str:
    """The last ERROR/FATAL/exception lines of a log: a start-up failure is often
    followed by pages of configuration dump that push it out of a plain tail."""
    wanted = re.compile(r"ERROR|FATAL|Exception|Error:|panic", re.IGNORECASE)
    hits = [line for line in tail(path, 2000).splitlines() if wanted.search(line)]
    return "\n".join(hits[-lines:])


def terminate(proc: psutil.Process, timeout_s: float = 20.0) -> None:
    """SIGTERM the process and its descendants, SIGKILL whatever is left after the timeout."""
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        family = [proc]
    for p in family:
        with contextlib.suppress(psutil.Error):
            p.send_signal(signal.SIGTERM)
    _, left = psutil.wait_procs(family, timeout=timeout_s)
    left = [p for p in left if alive(p)]
    for p in left:
        log.warning("%s (pid %d) ignored SIGTERM for %.0fs: SIGKILL", p.name(), p.pid, timeout_s)
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(left, timeout=5)
    for popen in list(_children):
        if popen.poll() is not None:
            _children.remove(popen)


def tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock (serialises concurrent ``up``/``down``/builds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
