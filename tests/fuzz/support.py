"""Each API served in this process on the real broker and store, for schemathesis (see test_fuzz_*).

The app runs under uvicorn in a thread with its own event loop (its lifespan makes the
container there, as the real process does); schemathesis talks to it over HTTP, so the
store client never crosses event loops. One app per module, a fresh database and topic
prefix each, dropped after.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from crm_devtools.net import free_port
from crm_shared.auth import mint_token
from crm_shared.provision import delete_topics, ensure_topics
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from pymongo import MongoClient
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# What the fuzz run asserts: no 5xx, and every answer is one the OpenAPI documents
# (status, media type, body schema). Checks about the server's judgement of the input
# (e.g. "valid data was rejected" when an id does not exist) are left out on purpose.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Bounded so every API's run stays within the suite's budget (≈ 3 minutes for all).
# The coverage phase would generate every boundary case of every parameter (hundreds per
# operation); examples and a bounded random sample keep the whole run in budget.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
FUZZ_SETTINGS = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@dataclass(frozen=True)
class ServedApi:
    base_url: str
    headers: dict[str, str]
    settings: CrmSettings


@contextmanager
def serve(app: FastAPI, *, timeout_s: float = 60.0) -> Iterator[str]:
    """``app`` under uvicorn on a free local port, its lifespan run; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"fuzz-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{app.title} did not start within {timeout_s}s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def served_api(
    crm_infra: Any, settings_type: type[CrmSettings], create_api: Callable[..., FastAPI], **overrides: Any
) -> Iterator[ServedApi]:
    prefix = f"t{uuid.uuid4().hex[:8]}."
    database = f"test_{uuid.uuid4().hex[:12]}"
    registry = Topics(prefix)
    ensure_topics(crm_infra.kafka_bootstrap_servers, registry)
    service_settings = settings_type(
        KAFKA_BOOTSTRAP_SERVERS=crm_infra.kafka_bootstrap_servers,
        MONGODB_URL=crm_infra.mongodb_url,
        topic_prefix=prefix,
        mongodb_database=database,
        env="test",
        access_log=False,
        **overrides,
    )
    token = mint_token(service_settings, sub="fuzz-admin", roles=["admin"], department="admin")
    try:
        with serve(create_api(service_settings)) as base_url:
            yield ServedApi(base_url, {"Authorization": f"Bearer {token}"}, service_settings)
    finally:
        client: MongoClient[dict[str, Any]] = MongoClient(
            crm_infra.mongodb_url, serverSelectionTimeoutMS=5000, socketTimeoutMS=30_000
        )
        try:
            for name in client.list_database_names():
                if name == database or name.startswith(f"{database}_"):
                    client.drop_database(name)
        finally:
            client.close()
        with suppress(Exception):  # cleanup must not fail the run
            delete_topics(crm_infra.kafka_bootstrap_servers, [s.name for s in registry.all()], 10)


HUGE = 9223372036854775808  # 2**63: one past the store's integers


def assert_refused(api: ServedApi, path: str, **params: Any) -> None:
    """A value beyond a parameter's documented bounds is a 422 problem, never a 5xx."""
    response = httpx.get(f"{api.base_url}{path}", params=params, headers=api.headers, timeout=30)
    assert response.status_code == 422, (path, params, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
