"""Static checks of the deployment files; no container engine, no cluster needed.

docker-compose.yml + its local override, .env.example, the service Dockerfiles and
.dockerignore, and the kustomize tree in deploy/k8s: every file parses, every reference
resolves, every workload has probes, resources and a non-root security context, and every
image version agrees with its service's pyproject.toml. When a `kustomize` binary is on PATH
the overlays are also built with it. The running stack is tested by tests/compose/smoke.sh.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SERVICES = {  # directory -> (package, API port, worker web port)
    "console": ("crm_console", 8000, 6100),
    "contacts": ("crm_contacts", 8001, 6101),
    "sales": ("crm_sales", 8002, 6102),
    "service-desk": ("crm_service_desk", 8003, 6103),
    "notifications": ("crm_notifications", 8004, 6104),
    "insights": ("crm_insights", 8005, 6105),
    "directory": ("crm_directory", 8006, 6106),
    "marketing": ("crm_marketing", 8007, 6107),
}
WORKERLESS = {"console"}  # its live tail runs in the API process
ENV_KEY = {name: f"CRM_{name.upper().replace('-', '_')}_VERSION" for name in SERVICES}


def version(service: str) -> str:
    data = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    return str(data["project"]["version"])


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


# --- compose -------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return load(ROOT / "docker-compose.yml")


def test_compose_has_infrastructure_job_and_every_process() -> None:
    services = compose()["services"]
    expected = {"kafka", "mongo", "mailpit", "topics"}
    expected |= {f"{s}-api" for s in SERVICES} | {f"{s}-worker" for s in SERVICES if s not in WORKERLESS}
    assert set(services) == expected
    assert services["kafka"]["image"] == "apache/kafka:3.9.1"
    assert services["mongo"]["image"].startswith("mongo:7")
    assert "--replSet" in services["mongo"]["command"]
    assert "rs.initiate" in " ".join(services["mongo"]["healthcheck"]["test"])


def test_compose_dependencies_wait_for_health_and_the_topic_job() -> None:
    services = compose()["services"]
    for name, svc in services.items():
        assert "healthcheck" in svc, f"{name} has no healthcheck"
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            wanted = "service_completed_successfully" if dep == "topics" else "service_healthy"
            assert cond == {"condition": wanted}, f"{name} -> {dep}: {cond}"
        if name.endswith(("-api", "-worker")) or name == "topics":
            assert svc["read_only"] is True, f"{name}: root file system not read-only"
            assert svc["cap_drop"] == ["ALL"]
            assert svc["tmpfs"] == ["/tmp"]
        if name.endswith(("-api", "-worker")):
            assert set(svc["depends_on"]) >= {"kafka", "mongo", "topics"}
    topics_cmd = " ".join(services["topics"]["command"])
    assert "ensure_topics" in topics_cmd
    assert "Topics(" in topics_cmd
    assert services["topics"]["restart"] == "no"


def test_compose_images_are_built_from_their_dockerfile_with_the_pyproject_version() -> None:
    services = compose()["services"]
    defaults = {}
    for name, svc in services.items():
        build = svc.get("build")
        if build is None:
            continue
        service = build["args"]["SERVICE"]
        assert build["dockerfile"] == "deploy/docker/service.Dockerfile"
        assert build["context"] == "."
        assert (ROOT / build["dockerfile"]).is_file()
        package, api_port, web_port = SERVICES[service]
        assert build["args"]["PACKAGE"] == package, name
        assert (build["args"]["API_PORT"], build["args"]["WORKER_PORT"]) == (str(api_port), str(web_port)), name
        key = ENV_KEY[service]
        assert build["args"]["VERSION"] == f"${{{key}:-{version(service)}}}", name
        assert svc["image"] == f"crm-{service}:${{{key}:-{version(service)}}}", name
        defaults[key] = version(service)
        if name.endswith("-worker"):
            assert svc["command"] == ["python", "-m", f"{SERVICES[service][0]}.entrypoints.worker"]
            assert svc["healthcheck"]["test"][-1] == "worker"
    env = env_example()
    for key, value in defaults.items():
        assert env[key] == value, f".env.example {key}={env[key]}, pyproject says {value}"


def test_every_required_compose_variable_is_in_env_example() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    env = env_example()
    assert required <= set(env), required - set(env)
    assert used <= set(env), f"not documented in .env.example: {used - set(env)}"


def test_local_override_only_swaps_images_of_known_services() -> None:
    base = compose()["services"]
    local = load(ROOT / "deploy" / "docker" / "docker-compose.local.yml")["services"]
    assert set(local) <= set(base)
    for name in ("kafka", "mongo", "mailpit"):
        assert local[name]["image"].startswith("localhost/crm-")
    for name, svc in local.items():
        if "build" in svc:
            assert svc["build"]["args"]["BASE_IMAGE"] == "localhost/crm-base:bookworm"
        if name.endswith(("-api", "-worker")):
            assert "replicaSet" not in svc["environment"]["MONGODB_URL"]
    for name in ("kafka", "store", "mailcatcher"):
        assert (ROOT / "deploy" / "docker" / name / "Dockerfile").is_file()


# --- images --------------------------------------------------------------------------------


def test_the_one_service_dockerfile() -> None:
    text = (ROOT / "deploy" / "docker" / "service.Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in text
    assert text.count("FROM ${BASE_IMAGE}") == 3  # workspace manifests + builder + runtime
    assert 'uv sync --frozen --no-dev --no-editable --package "crm-${SERVICE}"' in text
    assert 'org.opencontainers.image.version="${VERSION}"' in text
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert "HEALTHCHECK" in text
    assert "/opt/crm/healthcheck.py" in text
    assert "CRM_HTTP_PORT=${API_PORT}" in text
    assert "CRM_WORKER_WEB_PORT=${WORKER_PORT}" in text
    assert "CRM_HTTP_HOST=0.0.0.0" in text
    assert not list(ROOT.glob("services/*/Dockerfile")), "one Dockerfile for every service"
    for service in SERVICES:
        for src in re.findall(r"^COPY (?!--from)(\S+)", text, re.M):
            path = src.replace("${SERVICE}", service)
            assert (ROOT / path).exists(), f"the Dockerfile copies missing {path}"


def test_dockerignore_lets_in_exactly_what_the_images_copy() -> None:
    lines = [x.strip() for x in (ROOT / ".dockerignore").read_text().splitlines()]
    rules = [x for x in lines if x and not x.startswith("#")]
    assert rules[0] == "*"
    allowed = {r[1:] for r in rules if r.startswith("!")}
    for needed in ("pyproject.toml", "uv.lock", "shared/src/", "services/*/src/", "deploy/docker/healthcheck.py"):
        assert needed in allowed


# --- kubernetes ----------------------------------------------------------------------------


def kustomizations() -> list[Path]:
    return sorted(K8S.rglob("kustomization.yaml"))


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def test_every_k8s_yaml_parses() -> None:
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) > 20
    for f in files:
        for doc in documents(f):
            assert isinstance(doc, dict), f"{f}: not a manifest"
            assert "kind" in doc, f"{f}: not a manifest"


def test_kustomization_references_resolve() -> None:
    for k in kustomizations():
        spec = load(k)
        for ref in spec.get("resources", []):
            target = k.parent / ref
            assert target.is_file() or (target / "kustomization.yaml").is_file(), f"{k}: {ref}"
        for gen in spec.get("configMapGenerator", []) + spec.get("secretGenerator", []):
            for f in gen.get("files", []) + gen.get("envs", []):
                assert (k.parent / f.split("=")[-1]).is_file(), f"{k}: {f}"
            if gen.get("behavior") == "merge":
                assert k.parent.parent.name == "overlays"
        for patch in spec.get("patches", []):
            if "path" in patch:
                assert (k.parent / patch["path"]).is_file()
    overlays = {p.name for p in (K8S / "overlays").iterdir()}
    assert {"dev", "prod"} <= overlays


def base_manifests() -> list[dict[str, Any]]:
    out = []
    for k in kustomizations():
        if "overlays" in k.parts:
            continue
        for ref in load(k).get("resources", []):
            if (k.parent / ref).is_file():
                out += documents(k.parent / ref)
    return out


def test_each_service_base_has_api_service_hpa_worker_and_config() -> None:
    for service in SERVICES:
        spec = load(K8S / "base" / service / "kustomization.yaml")
        kinds = {
            d["kind"] + "/" + d["metadata"]["name"]
            for r in spec["resources"]
            for d in documents(K8S / "base" / service / r)
        }
        worker = set() if service in WORKERLESS else {f"Deployment/{service}-worker"}
        assert kinds == {
            f"Deployment/{service}-api",
            f"Service/{service}-api",
            f"HorizontalPodAutoscaler/{service}-api",
            *worker,
        }
        assert spec["configMapGenerator"][0]["name"] == f"{service}-config"
    job = documents(K8S / "base" / "topics" / "job.yaml")[0]
    assert job["kind"] == "Job"
    assert "ensure_topics" in " ".join(job["spec"]["template"]["spec"]["containers"][0]["command"])


def test_workloads_are_probed_limited_and_non_root() -> None:
    docs = base_manifests()
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert len(deployments) == 2 * len(SERVICES) - len(WORKERLESS)
    for name, dep in deployments.items():
        pod = dep["spec"]["template"]["spec"]
        assert dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["terminationGracePeriodSeconds"] >= 30
        (container,) = pod["containers"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["resources"]["requests"]["cpu"]
        assert container["resources"]["limits"]["memory"]
        assert "livenessProbe" in container, name
        refs = container["envFrom"]
        assert any("secretRef" in r for r in refs), f"{name}: no Secret reference"
        if name.endswith("-api"):
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for hpa in (d for d in docs if d["kind"] == "HorizontalPodAutoscaler"):
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    for svc in (d for d in docs if d["kind"] == "Service"):
        target = deployments[svc["metadata"]["name"]]
        assert svc["spec"]["selector"].items() <= target["spec"]["template"]["metadata"]["labels"].items()
    assert not [d for d in docs if d["kind"] == "Secret"], "secrets are referenced, never stored"


def test_prod_images_are_pinned_to_the_pyproject_versions() -> None:
    for overlay in ("dev", "prod"):
        images = {i["name"]: i for i in load(K8S / "overlays" / overlay / "kustomization.yaml")["images"]}
        assert set(images) == {f"crm-{s}" for s in SERVICES}
        for service in SERVICES:
            assert images[f"crm-{service}"]["newTag"] == version(service), f"{overlay}: crm-{service}"


@pytest.mark.skipif(shutil.which("kustomize") is None, reason="no kustomize binary on PATH")
@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_kustomize_builds(overlay: str) -> None:
    out = subprocess.run(
        ["kustomize", "build", str(K8S / "overlays" / overlay)], capture_output=True, text=True, check=True
    ).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert {d["metadata"].get("namespace") for d in docs} == {"crm" if overlay == "prod" else "crm-dev"}
    for d in docs:
        if d["kind"] == "Deployment":
            image = d["spec"]["template"]["spec"]["containers"][0]["image"]
            assert re.search(r"/crm-[a-z-]+:\d", image), image
            container = d["spec"]["template"]["spec"]["containers"][0]
            refs = [r.get("configMapRef", {}).get("name", "") for r in container["envFrom"]]
            assert any(re.fullmatch(r"crm-common-[a-z0-9]{10}", n) for n in refs), refs  # generator hash applied
