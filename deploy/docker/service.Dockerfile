# The one image recipe of every CRM service: the API by default, the worker by command.
# Build context is the repository root; the build args name the service:
#   docker build -f deploy/docker/service.Dockerfile \
#     --build-arg SERVICE=sales --build-arg PACKAGE=crm_sales --build-arg API_PORT=8002 \
#     --build-arg WORKER_PORT=6102 --build-arg VERSION=0.1.0 -t crm-sales:0.1.0 .
#   docker run crm-sales:0.1.0                                          # API
#   docker run crm-sales:0.1.0 python -m crm_sales.entrypoints.worker   # worker
# VERSION must be the service's pyproject version (the build refuses another).
# BASE_IMAGE is any Debian-based image with Python 3.11 (python:3.11-slim-bookworm, or the
# locally built localhost/crm-base:bookworm on machines without a registry). A service with
# a web app (services/<name>/web/package.json: the console) gets it built in a Node stage
# (NODE_IMAGE) and served from /opt/crm/web; for the others that stage copies nothing.
ARG BASE_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS web
ARG SERVICE
COPY services/ /src/services/
RUN mkdir -p /out && if [ -f "/src/services/${SERVICE}/web/package.json" ]; then \
      cd "/src/services/${SERVICE}/web" && npm ci --no-audit --no-fund && npm run build && cp -r dist/. /out/; \
    fi

# Every workspace service's pyproject (for the dependency layer) and sources: a service may
# depend on another's pure domain modules (directory's search applies contacts', sales' and
# service-desk's own permission rules), which uv then installs as wheels beside it.
FROM ${BASE_IMAGE} AS manifests
COPY services/ /m/services/
RUN find /m/services -mindepth 2 -maxdepth 2 ! -name pyproject.toml -exec rm -rf {} +

FROM ${BASE_IMAGE} AS builder
ARG UV_VERSION=0.13.8
ARG SERVICE
ARG VERSION
# SSL_CERT_FILE/PIP_CERT: trust the base image's CA store (a proxy CA added there included)
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PYTHON=python3 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_CACHE_DIR=/tmp/uv-cache \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --quiet "uv==${UV_VERSION}"
WORKDIR /src
# 1. third-party dependencies, pinned by uv.lock: first crm-shared's (this layer is the same
#    in every service's image, so it is built once), then the service's own
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-install-workspace --package crm-shared && rm -rf /tmp/uv-cache
COPY --from=manifests /m/services/ services/
RUN python3 -c "import sys, tomllib; v = tomllib.load(open('services/${SERVICE}/pyproject.toml', 'rb'))['project']['version']; \
sys.exit(None if v == '${VERSION}' else f'--build-arg VERSION=${VERSION}: services/${SERVICE}/pyproject.toml says {v}')" \
 && /opt/uv/bin/uv sync --frozen --no-dev --no-install-workspace --package "crm-${SERVICE}" \
 && rm -rf /tmp/uv-cache
# 2. crm-shared and the service themselves (and the workspace services it depends on),
#    installed as wheels (not editable)
COPY shared/src shared/src
COPY services/ services/
ARG PACKAGE
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-editable --package "crm-${SERVICE}" \
 && rm -rf /tmp/uv-cache \
 && /opt/venv/bin/python -c "import importlib.util as u, sys; \
sys.exit(None if u.find_spec('${PACKAGE}.entrypoints.api') else 'no ${PACKAGE}.entrypoints.api')"

FROM ${BASE_IMAGE} AS runtime
ARG SERVICE
ARG PACKAGE
ARG VERSION
ARG API_PORT
ARG WORKER_PORT
LABEL org.opencontainers.image.title="crm-${SERVICE}" \
      org.opencontainers.image.description="Open CRM ${SERVICE} service (API; worker by command)" \
      org.opencontainers.image.version="${VERSION}"
RUN groupadd --gid 10001 crm \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin crm \
 && mkdir -p /var/lib/crm/blobs && chown 10001:10001 /var/lib/crm/blobs
COPY --from=builder /opt/venv /opt/venv
COPY --from=web /out /opt/crm/web
COPY deploy/docker/healthcheck.py /opt/crm/healthcheck.py
# sales renders quote PDFs with Noto Sans CJK (Latin and Chinese in one face)
RUN if [ "${SERVICE}" = "sales" ]; then apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*; fi
# /var/lib/crm/blobs: where a volume for service-desk's attachments is mounted (owned by the
# service's user, so a named volume made from it is writable on a read-only root)
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    CRM_SERVICE_NAME=${SERVICE} CRM_HTTP_HOST=0.0.0.0 CRM_HTTP_PORT=${API_PORT} CRM_WORKER_WEB_PORT=${WORKER_PORT} \
    CRM_WEB_DIST_DIR=/opt/crm/web CRM_PACKAGE=${PACKAGE}
WORKDIR /tmp
USER 10001:10001
EXPOSE ${API_PORT} ${WORKER_PORT}
# the API's /healthz; a worker container overrides it with: python /opt/crm/healthcheck.py worker
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/opt/crm/healthcheck.py"]
STOPSIGNAL SIGTERM
# exec form cannot expand variables: a shell runs the API module named by the build
CMD ["sh", "-c", "exec python -m \"${CRM_PACKAGE}.entrypoints.api\""]
