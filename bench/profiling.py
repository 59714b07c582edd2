"""Sampling profiles of service processes while a benchmark step runs (py-spy, optional).

py-spy is not a project dependency: install it for local profiling only, e.g.
``python3 -m venv /tmp/pyspy && /tmp/pyspy/bin/pip install py-spy==0.4.3`` and
``export CRM_BENCH_PYSPY=/tmp/pyspy/bin/py-spy``. Each profile is py-spy's raw
(collapsed stack) output in ``bench/results/profiles/``; the summary groups the
samples' innermost frames by library and lists the busiest functions.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR

PROFILES = RESULTS_DIR / "profiles"
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:]*)(?::\d+)?\)$")
GROUPS = (
    ("pymongo/bson (store client)", ("pymongo", "bson")),
    ("pydantic (validation, dumps)", ("pydantic",)),
    ("aiokafka/kafka (broker client)", ("aiokafka", "kafka/")),
    ("faust/mode (stream runtime)", ("faust", "mode/")),
    ("fastapi/starlette/uvicorn/httptools (HTTP)", ("fastapi", "starlette", "uvicorn", "httptools", "h11")),
    ("asyncio/selectors (event loop)", ("asyncio", "selectors", "uvloop")),
    ("logging/json", ("logging", "json", "orjson")),
    ("prometheus", ("prometheus",)),
    ("jwt/crypto", ("jwt", "cryptography")),
    ("crm code", ("crm_",)),
)


def pyspy() -> str | None:
    return os.environ.get("CRM_BENCH_PYSPY") or shutil.which("py-spy")


def _group(file: str) -> str:
    for name, needles in GROUPS:
        if any(n in file for n in needles):
            return name
    return "other (stdlib, C)"


def summarize(path: Path, *, duration_s: float, rate_hz: int, top: int = 12) -> dict[str, Any]:
    """Samples waiting in the event loop's ``select`` count as idle; the rest is CPU work."""
    leaves: Counter[str] = Counter()
    idle = 0
    groups: Counter[str] = Counter()
    crm: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        frames = stack.split(";")
        leaf = _FRAME.match(frames[-1])
        leaf_file = leaf["file"] if leaf else frames[-1]
        if leaf is not None and leaf["func"].endswith("select") and "selectors" in leaf_file:
            idle += count
            continue
        total += count
        leaves[f"{leaf['func']} ({Path(leaf_file).name})" if leaf else frames[-1]] += count
        groups[_group(leaf_file)] += count
        for frame in reversed(frames):  # the innermost frame of our own code: who asked for it
            m = _FRAME.match(frame)
            if m and "crm_" in m["file"]:
                crm[f"{m['func']} ({m['file'].split('site-packages/')[-1].split('src/')[-1]})"] += count
                break

    def pct(c: Counter[str]) -> dict[str, float]:
        return {k: round(100 * v / total, 1) for k, v in c.most_common(top)} if total else {}

    return {
        "busy_samples": total,
        "idle_samples": idle,
        "busy_pct_of_wall": round(100 * total / max(duration_s * rate_hz, 1), 1),
        "self_time_by_library_pct": pct(groups),
        "top_functions_self_pct": pct(leaves),
        "innermost_crm_frame_pct": pct(crm),
        "raw": str(path.resolve().relative_to(RESULTS_DIR.parent.parent)),
    }


async def record(pids: dict[str, int], duration_s: float, tag: str, rate_hz: int = 67) -> dict[str, Any]:
    """Profile each process for ``duration_s`` at once; {name: summary} (empty without py-spy)."""
    exe = pyspy()
    if exe is None:
        return {"skipped": "py-spy not found (set CRM_BENCH_PYSPY)"}
    PROFILES.mkdir(parents=True, exist_ok=True)
    procs: dict[str, tuple[asyncio.subprocess.Process, Path]] = {}
    for name, pid in pids.items():
        out = PROFILES / f"{tag}-{name}.txt"
        procs[name] = (
            await asyncio.create_subprocess_exec(
                exe,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(int(duration_s), 1)),
                "--rate",
                str(rate_hz),
                "--nonblocking",
                "--format",
                "raw",
                "--output",
                str(out),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            ),
            out,
        )
    result: dict[str, Any] = {}
    for name, (proc, out) in procs.items():
        _, err = await proc.communicate()
        if proc.returncode != 0 or not out.exists():
            result[name] = {"error": err.decode(errors="replace")[-300:]}
        else:
            result[name] = summarize(out, duration_s=max(int(duration_s), 1), rate_hz=rate_hz)
    return result
