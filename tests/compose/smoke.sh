#!/usr/bin/env bash
# Compose smoke test: build the images, start docker-compose.yml, wait until every container is
# healthy and the topic job succeeded, run the end-to-end flow (tests/compose/smoke_flow.py),
# then remove the stack (and its volumes). Prints how long each phase took.
#
#   tests/compose/smoke.sh                 # or: make compose-smoke
#
# Where no Docker API answers (these CI machines), it starts podman's Docker-compatible API
# (deploy/docker/podman-service.sh), builds the images that cannot be pulled
# (deploy/docker/build-local-images.sh) and adds deploy/docker/docker-compose.local.yml.
# Where Docker answers, it uses the upstream images (apache/kafka, mongo, mailpit) unless
# CRM_SMOKE_LOCAL=1.
#
#   CRM_SMOKE_KEEP=1         leave the stack running (remove it: same command with CRM_SMOKE_DOWN=1)
#   CRM_SMOKE_PROJECT        compose project name (crm-smoke)
#   CRM_SMOKE_PORT_BASE      host ports: base+1..4 the APIs, +25 mail, +92 Kafka, +17 store (18000)
#   CRM_SMOKE_TIMEOUT_S      how long the stack may take to become healthy (300)
# Needs: docker-compose 1.29+ or `docker compose`; podman and debootstrap (Debian 12:
#   apt-get install -y podman runc slirp4netns fuse-overlayfs uidmap catatonit iptables debootstrap
#   apt-get install -y --no-install-recommends docker-compose   # without docker.io);
# .venv (make install) for the flow and, on a first run, the Kafka jars and FerretDB.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PROJECT=${CRM_SMOKE_PROJECT:-crm-smoke}
BASE=${CRM_SMOKE_PORT_BASE:-18000}
TIMEOUT=${CRM_SMOKE_TIMEOUT_S:-300}
PY=${PYTHON:-$ROOT/.venv/bin/python}
WORK=$(mktemp -d /tmp/crm-smoke.XXXXXX)
T0=$SECONDS
declare -a TIMES=()

log() { printf '%s smoke: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
phase() { local name=$1 t=$SECONDS; shift; "$@"; TIMES+=("$(printf '%-26s %4ds' "$name" $((SECONDS - t)))"); }
need() { command -v "$1" >/dev/null || { log "$1 is missing: $2"; exit 2; }; }

# --- which engine, which compose ---------------------------------------------------------
started_podman=false
hc_pid=""
HC_PIDFILE=/tmp/crm-smoke-$PROJECT.healthchecks.pid
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  ENGINE=docker
  LOCAL=${CRM_SMOKE_LOCAL:-0}
else
  ENGINE=podman
  LOCAL=1
  need podman "apt-get install -y podman runc slirp4netns fuse-overlayfs uidmap catatonit iptables"
  export CONTAINERS_CONF=${CONTAINERS_CONF:-$ROOT/deploy/docker/podman/containers.conf}
  export CRM_PODMAN_SOCK=${CRM_PODMAN_SOCK:-/tmp/crm-podman.sock}
  deploy/docker/podman-service.sh status >/dev/null 2>&1 || started_podman=true
  eval "$(deploy/docker/podman-service.sh start)"
fi
if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else
  need docker-compose "apt-get install -y docker-compose (1.29) or install the compose v2 plugin"
  COMPOSE=(docker-compose)
fi
FILES=(-f docker-compose.yml)
[[ $LOCAL == 1 ]] && FILES+=(-f deploy/docker/docker-compose.local.yml)

# the stack's settings: .env.example with the smoke's project name and host ports
ENV_FILE=$WORK/smoke.env
sed -e "s/^COMPOSE_PROJECT_NAME=.*/COMPOSE_PROJECT_NAME=$PROJECT/" \
    -e "s/^CRM_CONTACTS_HOST_PORT=.*/CRM_CONTACTS_HOST_PORT=$((BASE + 1))/" \
    -e "s/^CRM_SALES_HOST_PORT=.*/CRM_SALES_HOST_PORT=$((BASE + 2))/" \
    -e "s/^CRM_SERVICE_DESK_HOST_PORT=.*/CRM_SERVICE_DESK_HOST_PORT=$((BASE + 3))/" \
    -e "s/^CRM_NOTIFICATIONS_HOST_PORT=.*/CRM_NOTIFICATIONS_HOST_PORT=$((BASE + 4))/" \
    -e "s/^CRM_MAILPIT_HOST_PORT=.*/CRM_MAILPIT_HOST_PORT=$((BASE + 25))/" \
    -e "s/^CRM_KAFKA_HOST_PORT=.*/CRM_KAFKA_HOST_PORT=$((BASE + 92))/" \
    -e "s/^CRM_MONGO_HOST_PORT=.*/CRM_MONGO_HOST_PORT=$((BASE + 17))/" \
    .env.example >"$ENV_FILE"
compose() { "${COMPOSE[@]}" -p "$PROJECT" --env-file "$ENV_FILE" "${FILES[@]}" "$@"; }

cleanup() {
  local status=$?
  if [[ $status != 0 ]]; then
    log "failed; state of the stack:"
    compose ps >&2 2>/dev/null || true
    for svc in $(compose ps --services 2>/dev/null); do
      printf -- '--- %s (last 25 lines)\n' "$svc" >&2
      compose logs --no-color --tail=25 "$svc" >&2 2>/dev/null || true
    done
  fi
  if [[ ${CRM_SMOKE_KEEP:-0} != 1 ]]; then
    local t=$SECONDS
    compose down -v --remove-orphans >/dev/null 2>&1 || true
    TIMES+=("$(printf '%-26s %4ds' "down (remove stack)" $((SECONDS - t)))")
    [[ -n $hc_pid ]] && kill "$hc_pid" 2>/dev/null && rm -f "$HC_PIDFILE"
    $started_podman && deploy/docker/podman-service.sh stop
  else
    log "stack kept (project $PROJECT, env $ENV_FILE, health-check loop pid ${hc_pid:-none});" \
        "remove: CRM_SMOKE_DOWN=1 $0"
  fi
  [[ ${CRM_SMOKE_KEEP:-0} == 1 ]] || rm -rf "$WORK"
  printf '\ncompose smoke (%s engine, %s images): %s after %ds\n' "$ENGINE" \
    "$([[ $LOCAL == 1 ]] && echo local || echo upstream)" "$([[ $status == 0 ]] && echo PASSED || echo FAILED)" \
    $((SECONDS - T0))
  printf '  %s\n' "${TIMES[@]}"
  exit $status
}

if [[ ${CRM_SMOKE_DOWN:-0} == 1 ]]; then
  compose down -v --remove-orphans; rm -rf "$WORK"
  if [[ -f $HC_PIDFILE ]]; then kill "$(cat "$HC_PIDFILE")" 2>/dev/null; rm -f "$HC_PIDFILE"; fi
  $started_podman && deploy/docker/podman-service.sh stop
  exit 0
fi
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- images ------------------------------------------------------------------------------
if [[ $LOCAL == 1 ]]; then
  need debootstrap "apt-get install -y debootstrap (builds the base image)"
  phase "local images" deploy/docker/build-local-images.sh
fi
# one build per image (the workers and the topic job share their service's image)
phase "service images" compose build -q topics sales-api service-desk-api notifications-api

# --- stack -------------------------------------------------------------------------------
if [[ $ENGINE == podman ]]; then  # nothing runs podman's health checks without systemd
  deploy/docker/podman-healthchecks.sh "$PROJECT" 2 >/dev/null 2>&1 &
  hc_pid=$!
  echo "$hc_pid" >"$HC_PIDFILE"
fi

wait_healthy() {
  local deadline=$((SECONDS + TIMEOUT)) pending id name state health code port
  while :; do
    pending=()
    for id in $(compose ps -q); do
      IFS='|' read -r name state health code < <("$ENGINE" inspect --format \
        '{{.Name}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}' "$id")
      name=${name#/}
      health=${health:-none}
      case "$state/$health" in
        running/healthy) ;;
        exited/*) [[ $code == 0 ]] || { log "$name exited with $code"; return 1; } ;;
        *) pending+=("$name:$state/$health") ;;
      esac
    done
    [[ ${#pending[@]} == 0 ]] && break
    ((SECONDS < deadline)) || { log "not healthy after ${TIMEOUT}s: ${pending[*]}"; return 1; }
    sleep 2
  done
  for port in $((BASE + 1)) $((BASE + 2)) $((BASE + 3)) $((BASE + 4)); do
    curl -fsS --noproxy '*' -m 5 "http://127.0.0.1:$port/readyz" >/dev/null \
      || { log "API on :$port is not ready"; return 1; }
  done
  log "all containers healthy, APIs ready"
}
# The console's image builds its web app with npm in a Node stage; the local images have no
# Node (nothing can be pulled here), so with local images the stack starts without it
# (CRM_SMOKE_CONSOLE=1 keeps it, e.g. once a local Node image exists).
UP_SERVICES=()
if [[ $LOCAL == 1 && ${CRM_SMOKE_CONSOLE:-0} != 1 ]]; then
  mapfile -t UP_SERVICES < <(compose config --services | grep -vx console-api)
  log "console-api left out: its web stage needs npm, which the local base image lacks"
fi
up() {
  compose up -d ${UP_SERVICES[@]+"${UP_SERVICES[@]}"} >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; return 1; }
}
phase "up (deps healthy, start)" up
phase "wait all healthy + ready" wait_healthy

topics_log=$(compose logs --no-color topics 2>&1 | grep -E "topics created" || true)
[[ -n $topics_log ]] || { log "the topics job printed no result"; exit 1; }
log "topics job: ${topics_log#*| }"

# --- end-to-end flow ---------------------------------------------------------------------
flow() {
  CRM_JWT_SECRET=$(sed -n 's/^CRM_JWT_SECRET=//p' "$ENV_FILE") "$PY" tests/compose/smoke_flow.py \
    --contacts "http://127.0.0.1:$((BASE + 1))" --sales "http://127.0.0.1:$((BASE + 2))" \
    --service-desk "http://127.0.0.1:$((BASE + 3))" --notifications "http://127.0.0.1:$((BASE + 4))" \
    --mail "http://127.0.0.1:$((BASE + 25))"
}
phase "end-to-end flow" flow
