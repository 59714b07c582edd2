#!/usr/bin/env bash
# A Docker-compatible API from podman, for machines without a Docker engine.
#
#   deploy/docker/podman-service.sh start    # idempotent; prints `export DOCKER_HOST=...`
#   deploy/docker/podman-service.sh stop     # stops only the service this script started
#   deploy/docker/podman-service.sh status
#   eval "$(deploy/docker/podman-service.sh start)"
#
# Needs (Debian 12): apt-get install -y podman runc slirp4netns fuse-overlayfs uidmap
# catatonit iptables (and debootstrap + docker-compose for the local images and compose).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SOCK=${CRM_PODMAN_SOCK:-/tmp/crm-podman.sock}
PIDFILE=${SOCK}.pid
LOG=${SOCK}.log
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/podman/containers.conf}

answers() { curl -fsS --max-time 3 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; }
ours() { [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null \
         && tr '\0' ' ' <"/proc/$(cat "$PIDFILE")/cmdline" | grep -q -- "system service"; }

case "${1:-start}" in
  start)
    command -v podman >/dev/null || { echo "podman is not installed" >&2; exit 1; }
    if ! answers; then
      rm -f "$SOCK"
      nohup podman system service --time=0 "unix://$SOCK" >"$LOG" 2>&1 &
      echo $! >"$PIDFILE"
      for _ in $(seq 1 100); do answers && break; sleep 0.1; done
      answers || { echo "podman service did not answer on $SOCK; see $LOG" >&2; exit 1; }
    fi
    echo "export DOCKER_HOST=unix://$SOCK CONTAINERS_CONF=$CONTAINERS_CONF"
    ;;
  stop)
    if ours; then kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE"; fi
    ;;
  status)
    if answers; then echo "podman service answers on $SOCK"; else echo "not running"; exit 1; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
