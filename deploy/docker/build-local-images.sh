#!/usr/bin/env bash
# Build, with podman, the images a machine without a registry cannot pull:
#
#   localhost/crm-base:bookworm        Debian 12 minbase + python3 (3.11) + python3-venv + CA certs
#                                      (debootstrap, then `podman import`): the BASE_IMAGE of the services
#   localhost/crm-kafka:3.9.1          base + OpenJDK 17 + Kafka 3.9.1 jars (single-node KRaft);
#                                      stands in for apache/kafka:3.9.1
#   localhost/crm-store:ferretdb-1.24.2  base + FerretDB (MongoDB wire protocol, SQLite); stands in for mongo:7
#   localhost/crm-mailcatcher:1        base + aiosmtpd; a mailpit-like SMTP catcher (GET /api/v1/messages)
#
#   deploy/docker/build-local-images.sh [base|kafka|store|mailcatcher|all ...] [--rebuild]
#
# Idempotent: an image that exists is kept unless --rebuild. Inputs come from the caches
# `crm infra up` fills (CRM_CACHE_DIR, default ~/.cache/crm-infra; filled here through .venv's
# crm_devtools when empty): kafka-3.9.1/libs and ferretdb-v1.24.2/ferretdb; kafka-tools
# (kafka-consumer-groups, kafka-topics) comes from Maven Central when libs/ lacks it. Extra CA certificates of the host (a TLS-intercepting proxy's,
# from CRM_EXTRA_CA_DIR, default /usr/local/share/ca-certificates) are trusted by the base image,
# so pip/uv inside builds reach PyPI through the same proxy. Runs podman directly (as root).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${CRM_CACHE_DIR:-$HOME/.cache/crm-infra}
MIRROR=${CRM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
EXTRA_CA_DIR=${CRM_EXTRA_CA_DIR:-/usr/local/share/ca-certificates}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/podman/containers.conf}

BASE_IMAGE=localhost/crm-base:bookworm
KAFKA_VERSION=3.9.1
KAFKA_IMAGE=localhost/crm-kafka:$KAFKA_VERSION
FERRETDB_VERSION=v1.24.2
STORE_IMAGE=localhost/crm-store:ferretdb-${FERRETDB_VERSION#v}
MAILCATCHER_IMAGE=localhost/crm-mailcatcher:1

rebuild=false
targets=()
for arg in "$@"; do
  case $arg in
    --rebuild) rebuild=true ;;
    base|kafka|store|mailcatcher) targets+=("$arg") ;;
    all) targets+=(base kafka store mailcatcher) ;;
    *) echo "usage: $0 [base|kafka|store|mailcatcher|all ...] [--rebuild]" >&2; exit 2 ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=(base kafka store mailcatcher)

TMPS=()
trap 'rm -rf "${TMPS[@]}"' EXIT
tmpdir() { local d; d=$(mktemp -d "/var/tmp/crm-$1.XXXXXX"); TMPS+=("$d"); printf -v "$2" %s "$d"; }
log() { printf '%s build-local-images: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
have() { ! $rebuild && podman image exists "$1"; }
timed() { local t0=$SECONDS; "$@"; log "$1 took $((SECONDS - t0))s"; }

build_base() {
  if have "$BASE_IMAGE"; then log "$BASE_IMAGE exists"; return; fi
  command -v debootstrap >/dev/null || { log "debootstrap is not installed (apt-get install debootstrap)"; exit 1; }
  local rootfs
  tmpdir rootfs rootfs
  mkdir -p "$CACHE/debootstrap-debs"
  log "debootstrap bookworm (minbase + python3) into $rootfs"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    --cache-dir="$CACHE/debootstrap-debs" bookworm "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -30 "$CACHE/debootstrap.log" >&2; exit 1; }
  if compgen -G "$EXTRA_CA_DIR/*.crt" >/dev/null; then
    cp "$EXTRA_CA_DIR"/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
  fi
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  # what a slim image leaves out: apt lists, docs, man pages, caches
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
         "$rootfs"/usr/share/info/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log
  mkdir -p "$rootfs/usr/share/man/man1"   # dpkg scripts of some packages (openjdk) link into it
  ln -sf python3 "$rootfs/usr/bin/python"   # like python:*-slim, `python` exists
  tar --numeric-owner -C "$rootfs" -c . | podman import \
    --change 'ENV LANG=C.UTF-8' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' --quiet - "$BASE_IMAGE" >/dev/null
  log "imported $BASE_IMAGE ($(podman run --rm "$BASE_IMAGE" python3 --version))"
}

ensure_infra_cache() {
  # the Kafka jars and the FerretDB binary `crm infra up` keeps in CRM_CACHE_DIR
  [[ -f $CACHE/kafka-$KAFKA_VERSION/libs/kafka_2.13-$KAFKA_VERSION.jar && -x $CACHE/ferretdb-$FERRETDB_VERSION/ferretdb ]] \
    && return
  local py=$ROOT/.venv/bin/python
  [[ -x $py ]] || { log "no Kafka jars / FerretDB in $CACHE and no .venv to fetch them: make install"; exit 1; }
  log "fetching the Kafka jars and building FerretDB into $CACHE (crm_devtools, as \`crm infra up\` does)"
  CRM_CACHE_DIR=$CACHE "$py" -c "from crm_devtools.paths import InfraConfig; from crm_devtools.infra import kafka, mongo
cfg = InfraConfig.from_env(); kafka.ensure_dist(cfg); mongo.ensure_ferretdb(cfg)"
}

kafka_tools_libs() {
  # kafka-tools (ConsumerGroupCommand, TopicCommand, ...): from the broker's jar folder when
  # `crm infra` fetched it there, else fetched from Maven Central once into the cache.
  local dir=$CACHE/kafka-tools-$KAFKA_VERSION
  if [[ -f $1/kafka-tools-$KAFKA_VERSION.jar ]]; then echo "$1"; return; fi
  if [[ ! -f $dir/.complete ]]; then
    command -v mvn >/dev/null || { log "mvn is needed once to fetch kafka-tools $KAFKA_VERSION"; exit 1; }
    rm -rf "$dir" && mkdir -p "$dir"
    cat >"$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>crm.local</groupId><artifactId>kafka-tools-dist</artifactId><version>1</version>
  <dependencies><dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId>
    <version>$KAFKA_VERSION</version></dependency></dependencies></project>
EOF
    (cd "$dir" && mvn -q -B dependency:copy-dependencies -DoutputDirectory=libs -DincludeScope=runtime) >&2
    touch "$dir/.complete"
  fi
  echo "$dir/libs"
}

build_kafka() {
  if have "$KAFKA_IMAGE"; then log "$KAFKA_IMAGE exists"; return; fi
  local libs=$CACHE/kafka-$KAFKA_VERSION/libs tools ctx jar
  ensure_infra_cache
  tools=$(kafka_tools_libs "$libs")
  tmpdir kafka-ctx ctx
  cp -r "$HERE/kafka/." "$ctx/"
  mkdir -p "$ctx/libs" "$ctx/tools-libs"
  cp "$libs"/*.jar "$ctx/libs/"
  # the tools' classpath is libs/*:tools-libs/*: add only the artifacts libs/ lacks
  for jar in "$tools"/*.jar; do
    jar=$(basename "$jar")
    compgen -G "$ctx/libs/${jar%-*}-[0-9]*.jar" >/dev/null || cp "$tools/$jar" "$ctx/tools-libs/"
  done
  podman build --quiet --format docker --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$KAFKA_IMAGE" "$ctx" >/dev/null
  log "built $KAFKA_IMAGE ($(ls "$ctx/libs" | wc -l) broker jars, $(ls "$ctx/tools-libs" | wc -l) more for the tools)"
}

build_store() {
  if have "$STORE_IMAGE"; then log "$STORE_IMAGE exists"; return; fi
  local bin=$CACHE/ferretdb-$FERRETDB_VERSION/ferretdb ctx
  ensure_infra_cache
  tmpdir store-ctx ctx
  cp -r "$HERE/store/." "$ctx/"
  cp "$bin" "$ctx/ferretdb"
  podman build --quiet --format docker --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$STORE_IMAGE" "$ctx" >/dev/null
  log "built $STORE_IMAGE"
}

build_mailcatcher() {
  if have "$MAILCATCHER_IMAGE"; then log "$MAILCATCHER_IMAGE exists"; return; fi
  # the same aiosmtpd as the workspace's dev group (uv.lock)
  local version
  version=$(python3 - "$ROOT/uv.lock" <<'EOF'
import sys, tomllib
lock = tomllib.load(open(sys.argv[1], "rb"))
print(next(p["version"] for p in lock["package"] if p["name"] == "aiosmtpd"))
EOF
)
  podman build --quiet --format docker --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg AIOSMTPD_VERSION="$version" \
    -t "$MAILCATCHER_IMAGE" "$HERE/mailcatcher" >/dev/null
  log "built $MAILCATCHER_IMAGE (aiosmtpd $version)"
}

for t in "${targets[@]}"; do
  [[ $t == base ]] || have "$BASE_IMAGE" || timed build_base
  timed "build_$t"
done
