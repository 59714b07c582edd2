#!/usr/bin/env bash
# Run the HEALTHCHECKs of a compose project's containers under podman without systemd.
#
#   deploy/docker/podman-healthchecks.sh PROJECT [INTERVAL_S] &
#
# podman 4.3 schedules health checks with systemd timers; where systemd is not PID 1 nothing
# runs them, containers stay "starting" and compose's `condition: service_healthy` waits forever.
# This loop runs `podman healthcheck run` for each running container of the project: every
# INTERVAL_S (default 3) while one is not healthy yet, every 15 s once all are.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
project=${1:?usage: $0 PROJECT [INTERVAL_S]}
interval=${2:-3}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/podman/containers.conf}
trap 'exit 0' TERM INT
while true; do
  all_healthy=true
  for id in $(podman ps -q --filter "label=com.docker.compose.project=$project" 2>/dev/null); do
    podman healthcheck run "$id" >/dev/null 2>&1
    case $? in
      0) ;;                      # healthy
      125) ;;                    # no health check defined (e.g. the one-shot topics job)
      *) all_healthy=false ;;
    esac
  done
  if $all_healthy; then sleep 15 & else sleep "$interval" & fi
  wait $!
done
