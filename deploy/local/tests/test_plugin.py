from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psutil
from crm_devtools.pytest_plugin import FreePort


def test_topic_prefix_is_unique(topic_prefix: str) -> None:
    assert re.fullmatch(r"t[0-9a-f]{8}\.", topic_prefix)


def test_free_port_is_an_int_and_a_helper(free_port: FreePort) -> None:
    assert isinstance(free_port, int)
    assert 0 < free_port < 65536
    assert len({free_port, free_port(), free_port()}) == 3


def test_a_test_without_infra_fixtures_starts_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x():\n    assert True\n")
    env = {k: v for k, v in os.environ.items() if k not in {"KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URL"}}
    env.update(CRM_TEST_INFRA="local", CRM_STATE_DIR=str(tmp_path / "state"))
    base = tmp_path / "base"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "crm_devtools.pytest_plugin",
            "-p",
            "no:cacheprovider",
            f"--basetemp={base}",
            str(tmp_path / "test_x.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert not (base / "crm-infra").exists()
    assert not (tmp_path / "state").exists()
    for p in psutil.process_iter(["cmdline"]):
        assert str(tmp_path) not in " ".join(p.info["cmdline"] or [])
