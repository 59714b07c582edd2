"""Fault injection for the reliability tests, installed once at process start.

A store built without an ``after_write`` hook takes the process default set here.
``Infra.open`` (:mod:`crm_shared.runtime`) calls :func:`install_from_env` once: with
``CRM_FAULT_CRASH_BEFORE_PUBLISH=1`` the process SIGKILLs itself after its first
commit is stored and before its events are published (``tests/e2e/test_contacts_crash.py``).
Nothing reads the environment on the write path.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

AfterWrite = Callable[[str, int], None]
"""Called with (aggregate id, version) once a commit is stored and before its events
are published: the fault-injection point of the reliability tests."""

CRASH_ENV = "CRM_FAULT_CRASH_BEFORE_PUBLISH"
"""``1``: SIGKILL this process after the store write and before the publish."""

_default: AfterWrite | None = None
_read = False


def crash_before_publish(aggregate_id: str, version: int) -> None:  # pragma: no cover - kills the process
    os.kill(os.getpid(), signal.SIGKILL)


def set_default_after_write(hook: AfterWrite | None) -> None:
    """The hook of every store built from now on without one of its own."""
    global _default
    _default = hook


def default_after_write() -> AfterWrite | None:
    return _default


def install_from_env(environ: Mapping[str, str] | None = None) -> None:
    """Read the fault switches once per process (later calls do nothing) and install
    their hooks. An explicit ``environ`` is always read (tests)."""
    global _read
    if environ is None:
        if _read:
            return
        _read, environ = True, os.environ
    if environ.get(CRASH_ENV) == "1":
        log.warning("fault injection on: crash after the store write, before the publish", extra={"env": CRASH_ENV})
        set_default_after_write(crash_before_publish)
