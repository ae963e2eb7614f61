# shellcheck shell=bash
# Sourced by .ci/run, then `o11yshop_ensure_docker`: makes sure a Docker engine answers on /var/run/docker.sock,
# starting Debian's dockerd (as root) with its own data root when none runs. An engine started here is stopped
# when the calling shell exits.

o11yshop_docker_up() {
    docker info >/dev/null 2>&1
}

o11yshop_ensure_docker() {
    o11yshop_docker_up && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "no Docker engine runs, and starting dockerd needs root" >&2
        return 1
    fi
    local log="${DOCKERD_LOG:-/var/log/o11y-shop-dockerd.log}"
    echo "starting dockerd (data root /var/lib/o11y-docker, log $log)"
    dockerd --data-root /var/lib/o11y-docker --host unix:///var/run/docker.sock >"$log" 2>&1 &
    o11yshop_dockerd_pid=$!
    trap 'kill "$o11yshop_dockerd_pid" 2>/dev/null && wait "$o11yshop_dockerd_pid" 2>/dev/null' EXIT
    local deadline=$((SECONDS + 60))
    until o11yshop_docker_up; do
        if ! kill -0 "$o11yshop_dockerd_pid" 2>/dev/null || ((SECONDS >= deadline)); then
            tail -20 "$log" >&2
            echo "dockerd did not come up (log: $log)" >&2
            return 1
        fi
        sleep 0.5
    done
}
