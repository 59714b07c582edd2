"""The fault hook is installed once from the environment; moved names still import."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from crm_shared.aggregates import AggregateStore, InMemoryAggregateStore, faults


@pytest.fixture
def no_default_hook() -> Iterator[None]:
    yield
    faults.set_default_after_write(None)


def test_the_crash_switch_installs_the_default_hook_of_later_stores(no_default_hook: None) -> None:
    faults.install_from_env({})
    assert faults.default_after_write() is None
    faults.install_from_env({faults.CRASH_ENV: "1"})
    assert faults.default_after_write() is faults.crash_before_publish
    assert InMemoryAggregateStore()._after_write is faults.crash_before_publish


def test_an_explicit_hook_wins_over_the_default(no_default_hook: None) -> None:
    def hook(aggregate_id: str, version: int) -> None:
        return None

    faults.set_default_after_write(faults.crash_before_publish)
    assert InMemoryAggregateStore(after_write=hook)._after_write is hook


@pytest.mark.parametrize("first", ["crm_shared.outbox", "crm_shared.aggregates"])
def test_outbox_still_exports_the_moved_names_whichever_module_loads_first(first: str) -> None:
    code = (
        f"import {first}\n"
        "from crm_shared.outbox import AggregateStore, CRASH_ENV, InMemoryAggregateStore, OutboxRelay, "
        "Publisher, revision_id\n"
        "import crm_shared.aggregates as a\n"
        "assert AggregateStore is a.AggregateStore and InMemoryAggregateStore is a.InMemoryAggregateStore\n"
        "assert CRASH_ENV == 'CRM_FAULT_CRASH_BEFORE_PUBLISH'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_both_stores_are_swept_by_the_relay() -> None:
    from crm_shared.outbox import OutboxRelay

    OutboxRelay([InMemoryAggregateStore()])  # typed: mypy checks the tests' sources too
    assert AggregateStore.publish_unmarked is not None
