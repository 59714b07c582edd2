"""``crm``: local infrastructure and a development supervisor.

    crm infra up | down | status | logs [kafka|mongo] | topics [--prefix P]
    crm dev [--only contacts,sales] [--no-infra]

``up`` and ``status`` print ``# ...`` comment lines and one ``export`` line, so
``eval "$(crm infra up)"`` sets the connection variables.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from crm_devtools.infra import ComponentStatus, Infra, InfraError
from crm_devtools.infra.manager import COMPONENTS
from crm_devtools.infra.procs import tail
from crm_devtools.paths import InfraConfig

log = logging.getLogger("crm")

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
infra_app = typer.Typer(no_args_is_help=True, help="Local Kafka broker + MongoDB-wire store.")
app.add_typer(infra_app, name="infra")


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-5s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    # kafka-python logs every refused connection while a broker starts.
    logging.getLogger("kafka").setLevel(logging.DEBUG if verbose else logging.CRITICAL)
    logging.getLogger("pymongo").setLevel(logging.WARNING)


def _echo_status(statuses: list[ComponentStatus], cfg: InfraConfig) -> None:
    for s in statuses:
        typer.echo(f"# {s.line()}")
    typer.echo(f"# state {cfg.state_dir}  cache {cfg.cache_dir}")
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in cfg.connection_env().items())
    typer.echo(f"export {env}")


@infra_app.command("up")
def infra_up(
    no_topics: Annotated[bool, typer.Option("--no-topics", help="Skip topic provisioning.")] = False,
) -> None:
    """Start Kafka and the MongoDB-wire store (idempotent), then provision the topics."""
    infra = Infra()
    started = time.monotonic()
    try:
        statuses = infra.up(provision=not no_topics)
    except (InfraError, RuntimeError, TimeoutError) as exc:
        log.error("%s", exc)
        raise typer.Exit(1) from exc
    log.info("infrastructure up in %.1fs", time.monotonic() - started)
    _echo_status(statuses, infra.cfg)


@infra_app.command("down")
def infra_down() -> None:
    """Stop what ``up`` started in this state folder (by pid; nothing else)."""
    infra = Infra()
    stopped = infra.down()
    typer.echo(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")


@infra_app.command("status")
def infra_status() -> None:
    """What runs where: pid, address, health. Exit code 1 unless all healthy."""
    infra = Infra()
    statuses = infra.status()
    _echo_status(statuses, infra.cfg)
    if not all(s.healthy for s in statuses):
        raise typer.Exit(1)


@infra_app.command("logs")
def infra_logs(
    component: Annotated[str | None, typer.Argument(help="kafka or mongo (default both)")] = None,
    lines: Annotated[int, typer.Option("--lines", "-n")] = 40,
    follow: Annotated[bool, typer.Option("--follow", "-f")] = False,
) -> None:
    """Show the end of a component's log files."""
    infra = Infra()
    names = [component] if component else list(COMPONENTS)
    for name in names:
        if name not in COMPONENTS:
            raise typer.BadParameter(f"unknown component {name!r}; use kafka or mongo")
    files = [p for n in names for p in infra.log_files(n)]
    for path in files:
        typer.echo(f"==> {path} <==")
        typer.echo(tail(path, lines) if path.is_file() else "(no log yet)")
    if follow:
        _follow(files)


def _follow(files: list[Path]) -> None:
    offsets = {p: p.stat().st_size if p.is_file() else 0 for p in files}
    try:
        while True:
            for path, offset in offsets.items():
                if not path.is_file():
                    continue
                size = path.stat().st_size
                if size < offset:
                    offset = 0  # rotated
                if size > offset:
                    with path.open("rb") as f:
                        f.seek(offset)
                        chunk = f.read().decode("utf-8", "replace")
                    for line in chunk.splitlines():
                        typer.echo(f"{path.parent.name}| {line}")
                    offset = size
                offsets[path] = offset
            time.sleep(0.5)
    except KeyboardInterrupt:
        return


@infra_app.command("topics")
def infra_topics(
    prefix: Annotated[str, typer.Option("--prefix", help="Topic name prefix (tests).")] = "",
    bootstrap: Annotated[
        str | None,
        typer.Option(
            "--bootstrap-servers", envvar="KAFKA_BOOTSTRAP_SERVERS", help="Default: the local infrastructure's broker."
        ),
    ] = None,
) -> None:
    """Create the registry's missing topics (crm_shared.topics)."""
    from crm_shared.provision import TopicProvisioningError, ensure_topics
    from crm_shared.topics import Topics

    servers = bootstrap or InfraConfig.from_env().kafka_bootstrap_servers
    try:
        created = ensure_topics(servers, Topics(prefix))
    except (TopicProvisioningError, TimeoutError) as exc:
        log.error("%s", exc)
        raise typer.Exit(1) from exc
    except Exception as exc:
        log.error("cannot provision topics on %s: %s", servers, exc)
        raise typer.Exit(1) from exc
    typer.echo(
        f"created {len(created)} topic(s) on {servers}" + (f": {', '.join(created)}" if created else " (all present)")
    )


@app.command("dev")
def dev(
    only: Annotated[
        str | None, typer.Option("--only", help="Comma-separated services, e.g. console,contacts,sales.")
    ] = None,
    no_infra: Annotated[
        bool,
        typer.Option(
            "--no-infra", help="Do not start the infrastructure; use KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL as set."
        ),
    ] = False,
    port_offset: Annotated[
        int, typer.Option("--port-offset", help="Add this to every service port (a second stack).")
    ] = 0,
    seed_size: Annotated[
        str, typer.Option("--seed", help="Demo data loaded when the store is empty: small, full or none.")
    ] = "full",
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Every process's INFO logs (default: warnings only).")
    ] = False,
) -> None:
    """Start the infrastructure, the console and every service's API and worker; Ctrl-C stops them."""
    import threading

    from crm_devtools.dev_supervisor import Supervisor
    from crm_devtools.services import SERVICES, process_specs
    from crm_devtools.stack import QUIET_ENV, demo_users, offset_ports, stack_specs, summary, taken_ports

    wanted = [s.strip() for s in only.split(",") if s.strip()] if only else None
    known = {s.name for s in SERVICES}
    for name in wanted or []:
        if name not in known:
            raise typer.BadParameter(f"unknown service {name!r}; known: {', '.join(sorted(known))}")
    infra_lines: list[str] = []
    if no_infra:
        cfg = InfraConfig.from_env()
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": os.environ.get("KAFKA_BOOTSTRAP_SERVERS", cfg.kafka_bootstrap_servers),
            "MONGODB_URL": os.environ.get("MONGODB_URL", cfg.mongodb_url),
        }
    else:
        infra = Infra()
        try:
            statuses = infra.up()
        except (InfraError, RuntimeError, TimeoutError) as exc:
            log.error("%s", exc)
            raise typer.Exit(1) from exc
        infra_lines = [f"infra        {s.line()}" for s in statuses]
        env = infra.cfg.connection_env()
    if not verbose:
        env = {**QUIET_ENV, **env}
    ports = offset_ports(port_offset)
    if port_offset:
        # a second stack is a second company: its own topics, consumer groups and databases
        # (sharing them, two stacks' workers split each other's partitions and data)
        env = {**env, "CRM_TOPIC_PREFIX": f"dev{port_offset}."}
        specs = stack_specs(ports, env=env, databases=f"crm_dev{port_offset}", only=wanted)
    else:
        specs = process_specs(wanted, env=env, ports=ports)
    taken = taken_ports(specs)  # a port held by someone else would answer our health checks
    for problem in taken:
        log.error("%s", problem)
    if taken:
        log.error("stop that process, or run a second stack with --port-offset N")
        raise typer.Exit(1)
    lines = summary(specs)
    if lines and lines[0].startswith("console"):
        typer.echo(lines[0])
        typer.echo("sign in as (development sign-in):")
        for line in demo_users():
            typer.echo(line)
    for line in infra_lines + (lines[1:] if lines and lines[0].startswith("console") else lines):
        typer.echo(line)
    typer.echo("starting... (warnings only; --verbose for every log line)" if not verbose else "starting...")
    started = time.monotonic()
    everything = wanted is None or {"contacts", "sales", "service-desk", "notifications"} <= set(wanted)

    def all_ready() -> None:
        typer.echo(
            f"all ready in {time.monotonic() - started:.0f}s"
            + (f": open {specs[0].url}" if specs and specs[0].name == "console-api" else "")
        )
        if everything and seed_size != "none":
            threading.Thread(target=_seed_quietly, args=(ports, seed_size), daemon=True, name="seed").start()

    supervisor = Supervisor(
        specs, echo=typer.echo, color=sys.stdout.isatty(), quiet=not verbose, on_all_ready=all_ready
    )
    code = supervisor.run_forever()
    raise typer.Exit(code)


def _seed_quietly(ports: dict[str, tuple[int, int]], size: str) -> None:
    from crm_devtools.stack import seed_when_empty

    # httpx logs every request at INFO: thousands of lines in the quiet output
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        seed_when_empty(ports, size=size, echo=typer.echo)
    except Exception as exc:  # the stack runs on without demo data
        log.warning("seed failed: %s (run `crm seed` to retry)", exc)


@app.command(
    "token",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def token(ctx: typer.Context) -> None:
    """Mint a development bearer token (``crm token --help``)."""
    from crm_devtools.token_cli import app as token_app  # imported lazily: FastAPI is slow

    token_app(ctx.args, prog_name="crm token")


@app.command("seed")
def seed(
    size: Annotated[str, typer.Option("--size", help="full (500 companies, 2,000 people, ...) or small.")] = "full",
    base_url_offset: Annotated[
        int,
        typer.Option(
            "--base-url-offset", "--port-offset", help="Added to every default port, as in crm dev --port-offset."
        ),
    ] = 0,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    contacts_url: Annotated[str | None, typer.Option("--contacts-url")] = None,
    sales_url: Annotated[str | None, typer.Option("--sales-url")] = None,
    service_desk_url: Annotated[str | None, typer.Option("--service-desk-url")] = None,
    notifications_url: Annotated[str | None, typer.Option("--notifications-url")] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=16, help="Requests in flight per service.")
    ] = 5,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """Demo data through the services' APIs, as the demo users; repeat it to resume (creates only what is missing)."""
    from crm_devtools.seed.command import run_seed_command  # lazily: httpx, rich

    code = run_seed_command(
        size=size,
        offset=base_url_offset,
        host=host,
        contacts=contacts_url,
        sales=sales_url,
        service_desk=service_desk_url,
        notifications=notifications_url,
        concurrency=concurrency,
        progress=progress,
    )
    raise typer.Exit(code)
