"""The Grafana dashboard (deploy/grafana/crm-dashboard.json) cannot drift from the code:
every metric it queries is declared by a ``Counter(``/``Gauge(``/``Histogram(`` in
shared/ or services/, every label it groups or filters by is one of that metric's labels
(or a scrape label), and the families operators need are all on it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "crm-dashboard.json"
DECLARATION = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"([a-zA-Z_:][a-zA-Z0-9_:]*)\"(.*?)\)\n", re.S)
LABELS = re.compile(r"\[([^\[\]]*)\]")
SCRAPE_LABELS = {"le", "job", "instance", "exported_job", "app_kubernetes_io_name"}
SUFFIXES = {
    "Counter": ("_total", "_created"),
    "Histogram": ("_bucket", "_sum", "_count", "_created"),
    "Summary": ("_sum", "_count", "_created"),
    "Gauge": ("",),
}


def declared_metrics() -> dict[str, set[str]]:
    """Every series name the code exposes -> the labels of its metric."""
    exposed: dict[str, set[str]] = {}
    sources = [*(ROOT / "shared" / "src").rglob("*.py"), *(ROOT / "services").glob("*/src/**/*.py")]
    for path in sources:
        for kind, name, rest in DECLARATION.findall(path.read_text()):
            labels_list = LABELS.search(rest)
            labels = set(re.findall(r"\"(\w+)\"", labels_list.group(1))) if labels_list else set()
            base = name.removesuffix("_total") if kind == "Counter" else name
            for suffix in SUFFIXES[kind]:
                exposed[base + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return exposed


def queries(dashboard: dict[str, Any]) -> list[str]:
    found = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    found += [str(v.get("definition", "")) for v in dashboard["templating"]["list"]]
    return [q for q in found if q]


def test_every_metric_the_dashboard_queries_exists_with_its_labels() -> None:
    exposed = declared_metrics()
    assert "crm_http_request_duration_seconds_bucket" in exposed  # the scan itself works
    dashboard = json.loads(DASHBOARD.read_text())
    problems = []
    for expr in queries(dashboard):
        names = set(re.findall(r"\bcrm_[a-z0-9_]+", expr))
        assert names, expr
        problems += [f"{n}: not declared in the code ({expr})" for n in names if n not in exposed]
        labels = set(re.findall(r"\b(\w+)\s*(?:=~|!=|!~|=)\s*\"", expr))
        for group in re.findall(r"\bby\s*\(([^)]*)\)", expr):
            labels |= {g.strip() for g in group.split(",") if g.strip()}
        known = set().union(*(exposed.get(n, set()) for n in names)) | SCRAPE_LABELS
        problems += [f"label {lbl}: no metric of {sorted(names)} has it" for lbl in labels - known]
    assert not problems, "\n".join(problems)


def test_the_dashboard_covers_what_operators_watch() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    text = " ".join(queries(dashboard))
    for family in (
        "crm_http_request_duration_seconds_bucket",
        "crm_http_requests_total",
        "crm_http_requests_shed_total",
        "crm_consumer_lag",
        "crm_events_consumed_total",
        "crm_dead_letters_total",
        "crm_outbox_backlog",
        "crm_periodic_last_success_timestamp_seconds",
        "crm_periodic_failures_total",
    ):
        assert family in text, family
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
