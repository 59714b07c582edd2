"""The MongoDB-wire store: ``mongod`` when on PATH, else FerretDB (SQLite backend).

FerretDB is built from the Go module proxy on first use. ``go install ...@v1.24.2``
fails on these machines (the proxy refuses the deprecation lookup), and a plain
build of the downloaded module panics at start ("Invalid build/version/version.txt"),
so the module is copied, ``build/version/version.txt`` written, then built.

One line of it is patched (``SQLITE_ID_PATCH``): FerretDB 1.24's SQLite backend
creates the ``_id`` index on ``_ferretdb_sjson->"_id"`` but filters on
``_ferretdb_sjson->'$._id'``. Both extract the same value, but SQLite matches index
expressions by their text, so no query, update or delete ever used the index: every
``{_id: x}`` operation scanned the collection (16 ms at 2,000 documents, growing
linearly; ``EXPLAIN QUERY PLAN`` says ``SCAN``). Upstream: FerretDB/FerretDB#3340
(open; v1 is no longer developed). The patched binary is cached under its own name.

A second patch (``SQLITE_ID_IN_PATCH`` + ``ferretdb_patches/crm_id_in.go``) pushes
``{_id: {$in: [...]}}`` down as ``IN (...)`` over the same index: unpatched, fetching a
page of ids with ``$in`` scanned the collection (the id-keyed lists read pages this way).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

from crm_devtools.infra.procs import file_lock
from crm_devtools.paths import InfraConfig

log = logging.getLogger(__name__)
PATCHES = Path(__file__).with_name("ferretdb_patches")

FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_VERSION = "v1.24.2"
#: (file in the module, text in 1.24.2, replacement): filter ``_id`` by the index's expression.
SQLITE_ID_PATCH = (
    "internal/backends/sqlite/metadata/metadata.go",
    "IDColumn = DefaultColumn + \"->'$._id'\"",
    "IDColumn = DefaultColumn + \"->'_id'\"",
)
#: ``{_id: {$in: ids}}`` through the ``_id`` index: Query() asks ``crmIDInClause`` (added file).
SQLITE_ID_IN_PATCH = (
    "internal/backends/sqlite/collection.go",
    "\tq += whereClause\n",
    '\tif w, a := crmIDInClause(params.Filter); w != "" {\n\t\twhereClause, args = w, a\n\t}\n\n\tq += whereClause\n',
)
#: Go files added to the module before the build (``ferretdb_patches/``), by destination.
ADDED_FILES = {"internal/backends/sqlite/crm_id_in.go": "crm_id_in.go"}
#: bump when the patches change, so a cached unpatched build is not reused.
FERRETDB_BUILD = f"{FERRETDB_VERSION}-crm2"


def home(cfg: InfraConfig) -> Path:
    return cfg.state_dir / "mongo"


def log_files(cfg: InfraConfig) -> list[Path]:
    return [home(cfg) / "server.log"]


def server_kind() -> str:
    """``mongod`` or ``ferretdb`` (``CRM_INFRA_MONGO_SERVER`` forces one)."""
    forced = os.environ.get("CRM_INFRA_MONGO_SERVER", "").strip().lower()
    if forced in {"mongod", "ferretdb"}:
        return forced
    return "mongod" if shutil.which("mongod") else "ferretdb"


def ferretdb_binary(cfg: InfraConfig) -> Path:
    return cfg.cache_dir / f"ferretdb-{FERRETDB_BUILD}" / "ferretdb"


def ensure_ferretdb(cfg: InfraConfig) -> Path:
    """The FerretDB binary, built on first use (the marker proves it starts)."""
    binary = ferretdb_binary(cfg)
    marker = binary.with_name(".complete")
    if marker.is_file() and binary.is_file():
        return binary
    with file_lock(cfg.cache_dir / ".ferretdb.lock"):
        if marker.is_file() and binary.is_file():
            return binary
        go = shutil.which("go")
        if go is None:
            raise RuntimeError("FerretDB is not cached and Go is not on PATH")
        started = time.monotonic()
        log.info("building FerretDB %s into %s", FERRETDB_BUILD, binary)
        res = subprocess.run(  # noqa: S603
            [go, "mod", "download", "-json", f"{FERRETDB_MODULE}@{FERRETDB_VERSION}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode != 0:
            raise RuntimeError(f"go mod download failed:\n{res.stdout}{res.stderr}")
        module_dir = Path(json.loads(res.stdout)["Dir"])
        work = cfg.cache_dir / f"ferretdb-src.tmp-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(module_dir, work)
        for path in [work, *work.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)  # the module cache is read-only
        (work / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
        _apply_patch(work, *SQLITE_ID_PATCH)
        _apply_patch(work, *SQLITE_ID_IN_PATCH)
        for dest, name in ADDED_FILES.items():
            shutil.copyfile(PATCHES / name, work / dest)
        env = {**os.environ, "GOFLAGS": "-mod=mod -buildvcs=false", "CGO_ENABLED": "0"}
        binary.parent.mkdir(parents=True, exist_ok=True)
        tmp_binary = binary.with_name(f"ferretdb.tmp-{os.getpid()}")
        try:
            res = subprocess.run(  # noqa: S603
                [go, "build", "-trimpath", "-o", str(tmp_binary), "./cmd/ferretdb"],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if res.returncode != 0:
                raise RuntimeError(f"FerretDB build failed:\n{res.stdout}{res.stderr}")
            check = subprocess.run(  # noqa: S603
                [str(tmp_binary), "--version"],
                capture_output=True,
                text=True,
                check=False,
            )
            if check.returncode != 0 or FERRETDB_VERSION not in check.stdout:
                raise RuntimeError(f"built FerretDB does not run:\n{check.stdout}{check.stderr}")
            tmp_binary.replace(binary)
            marker.write_text(check.stdout)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            tmp_binary.unlink(missing_ok=True)
        log.info("FerretDB built in %.1fs", time.monotonic() - started)
    return binary


def _apply_patch(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    if text.count(old) != 1:
        raise RuntimeError(f"FerretDB patch does not apply: {old!r} not found once in {rel}")
    path.write_text(text.replace(old, new))


def prepare(cfg: InfraConfig) -> list[str]:
    """Make the data folder, build what is missing, return the server command."""
    h = home(cfg)
    data = h / "data"
    data.mkdir(parents=True, exist_ok=True)
    addr = f"{cfg.host}:{cfg.mongo_port}"
    if server_kind() == "mongod":
        mongod = shutil.which("mongod")
        assert mongod is not None
        return [mongod, "--dbpath", str(data), "--bind_ip", cfg.host, "--port", str(cfg.mongo_port), "--quiet"]
    binary = ensure_ferretdb(cfg)
    return [
        str(binary),
        "--handler=sqlite",
        f"--sqlite-url=file:{data}/",
        f"--listen-addr={addr}",
        "--telemetry=disable",
        "--debug-addr=-",
        f"--state-dir={h}",
        "--log-level=error",
    ]


def is_healthy(cfg: InfraConfig, timeout_s: float = 3.0) -> bool:
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    ms = max(int(timeout_s * 1000), 100)
    client: MongoClient[dict[str, object]] = MongoClient(
        cfg.mongodb_url,
        serverSelectionTimeoutMS=ms,
        connectTimeoutMS=ms,
        socketTimeoutMS=ms,
        directConnection=True,
    )
    try:
        client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        client.close()
    return True
