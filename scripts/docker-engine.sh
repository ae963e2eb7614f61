# Sourced by .ci/run: makes sure a Docker engine answers on /var/run/docker.sock, starting Debian's dockerd (as
# root) with its own data root when none runs. An engine this script starts is stopped when the calling shell exits.

o11yshop_docker_up() {
    docker info >/dev/null 2>&1
}

if ! o11yshop_docker_up; then
    [ "$(id -u)" = 0 ] || { echo "no Docker engine runs, and starting dockerd needs root" >&2; return 1 2>/dev/null || exit 1; }
    o11yshop_dockerd_log="${DOCKERD_LOG:-/var/log/o11y-shop-dockerd.log}"
    echo "starting dockerd (data root /var/lib/o11y-docker, log $o11yshop_dockerd_log)"
    dockerd --data-root /var/lib/o11y-docker --host unix:///var/run/docker.sock >"$o11yshop_dockerd_log" 2>&1 &
    o11yshop_dockerd_pid=$!
    trap 'kill "$o11yshop_dockerd_pid" 2>/dev/null && wait "$o11yshop_dockerd_pid" 2>/dev/null' EXIT
    for _ in $(seq 1 120); do
        o11yshop_docker_up && break
        kill -0 "$o11yshop_dockerd_pid" 2>/dev/null || { tail -20 "$o11yshop_dockerd_log" >&2; echo "dockerd exited" >&2; return 1 2>/dev/null || exit 1; }
        sleep 0.5
    done
    o11yshop_docker_up || { tail -20 "$o11yshop_dockerd_log" >&2; echo "dockerd did not answer within 60 s" >&2; return 1 2>/dev/null || exit 1; }
fi
