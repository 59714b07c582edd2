"""What ``crm dev`` prints and where a second stack runs (crm_devtools.stack)."""

from __future__ import annotations

import socket

from crm_devtools.services import process_specs
from crm_devtools.stack import demo_users, offset_ports, summary, taken_ports

ENV = {"KAFKA_BOOTSTRAP_SERVERS": "k:1", "MONGODB_URL": "mongodb://m:2"}


def test_the_console_comes_first_and_every_url_follows_the_offset() -> None:
    specs = process_specs(env=ENV, ports=offset_ports(100))
    lines = summary(specs)
    assert lines[0].startswith("console      http://127.0.0.1:8100")
    assert lines[1] == "contacts     api http://127.0.0.1:8101   worker :6201"
    sales = next(s for s in specs if s.name == "sales-worker")
    assert sales.env["CRM_CONTACTS_URL"] == "http://127.0.0.1:8101"
    console = next(s for s in specs if s.name == "console-api")
    assert console.env["CRM_SERVICE_DESK_URL"] == "http://127.0.0.1:8103"
    assert not [s for s in specs if s.name == "console-worker"]


def test_demo_users_are_listed_to_sign_in_as() -> None:
    users = demo_users()
    assert any(line.split()[0] == "ana" and "sales-east" in line for line in users)
    assert any(line.split()[0] == "auditor" and "readonly" in line for line in users)


def test_a_taken_port_is_named() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        specs = process_specs(["contacts"], env=ENV, ports={"contacts": (port, 0)})
        assert [p.split(" (")[0] for p in taken_ports(specs)] == [f"port {port}"]
