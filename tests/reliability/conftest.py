"""The reliability suite: real failures (a private broker or store stopped and started,
slow clients, an unreachable broker) against the shared library and the services.

Each scenario adds a line to the table printed at the end of the run (and written to
``$CRM_RELIABILITY_RESULTS``, ``make reliability``: ``tests/reliability/results.json``):
a test takes the ``scenario`` fixture and fills its counts; the defect tests below
(which assert their counts are 0) get their line from their outcome.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crm_devtools.outages import PrivateInfra, private_infra

from .support import Result, scale

RESULTS: list[Result] = []

WIRED = {  # test function -> its line in the table
    "test_writes_and_reads_go_on_while_the_broker_is_down": "R1' broker stopped during writes (private broker)",
    "test_a_store_outage_delays_events_and_dead_letters_none": "R7 store stopped 8 s under a consumer (private)",
    "test_apis_answer_503_problems_while_the_store_is_down": "R7 API while the store is down: 503 problem+json",
    "test_slow_uploads_do_not_lock_the_api_out_and_huge_bodies_get_413": "R10 slow clients + 20 MB bodies",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: a fault-injection test (tests/reliability)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        item.stash[_REPORT] = report


_REPORT = pytest.StashKey[pytest.TestReport]()


def _outcome(item: pytest.Item) -> tuple[str, float]:
    report = item.stash.get(_REPORT, None)
    if report is None:
        return "not run", 0.0
    return report.outcome, report.duration


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Iterator[Result]:
    """This test's line in the table; the test sets its counts and recovery time."""
    result = Result(scenario=request.node.name, size=scale())
    yield result
    result.outcome, result.duration_s = _outcome(request.node)
    RESULTS.append(result)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    name = getattr(item, "originalname", item.name)
    if name in WIRED:
        passed = _outcome(item)[0] == "passed"
        counts = 0 if passed else None
        outcome, took = _outcome(item)
        RESULTS.append(
            Result(
                scenario=WIRED[name],
                size="fixed",
                lost=counts,
                duplicated=counts,
                wrong=counts,
                outcome=outcome,
                duration_s=took,
            )
        )


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def table(results: list[Result]) -> list[str]:
    head = ("scenario", "size", "lost", "dup-effect", "wrong", "recovery s", "outcome", "took s")
    rows = [head] + [
        (
            r.scenario,
            r.size,
            _cell(r.lost),
            _cell(r.duplicated),
            _cell(r.wrong),
            _cell(r.recovery_s),
            r.outcome,
            _cell(r.duration_s),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    terminalreporter.section("reliability")
    for line in table(RESULTS):
        terminalreporter.write_line(line)
    for r in RESULTS:
        for note in r.notes:
            terminalreporter.write_line(f"  {r.scenario}: {note}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("CRM_RELIABILITY_RESULTS")
    if target and RESULTS:
        load = os.getloadavg()
        Path(target).write_text(
            json.dumps(
                {
                    "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "scale": scale(),
                    "load_average": [round(x, 2) for x in load],
                    "cpus": os.cpu_count(),
                    "results": [r.as_dict() for r in RESULTS],
                },
                indent=2,
            )
            + "\n"
        )


@pytest.fixture(scope="module")
def private_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateInfra]:
    """A store of this module's own, which its tests may stop and start."""
    with private_infra(Path(tmp_path_factory.mktemp("store")), ("mongo",)) as infra:
        yield infra


@pytest.fixture(scope="module")
def private_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateInfra]:
    """A broker of this module's own, which its tests may stop and start (never the
    shared one: other engineers and tests use it)."""
    with private_infra(Path(tmp_path_factory.mktemp("kafka")), ("kafka",)) as infra:
        yield infra
