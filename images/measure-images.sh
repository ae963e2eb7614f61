#!/usr/bin/env bash
# Measures this build's images on the local Docker engine: size, time from `docker run` to ready (admin
# /health/ready answers 200), and memory after an idle spell (the JVM's VmRSS, and the container's cgroup usage
# as `docker stats` shows it). Prints progress, then a table. Build the images first (./mvnw package -Pimages).
#
# Env (optional): PREFIX (o11y-shop), TAG (0.1.0-SNAPSHOT), IDLE_SECONDS (20), RUNS (3: startups per service).
set -euo pipefail

PREFIX="${PREFIX:-o11y-shop}"
TAG="${TAG:-0.1.0-SNAPSHOT}"
IDLE_SECONDS="${IDLE_SECONDS:-20}"
RUNS="${RUNS:-3}"
SERVICES=(order-service inventory-service payment-service)

log() { printf '[measure %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now_ms() { date +%s%3N; }
mb() { awk '{printf "%.0f MB", $1/1e6}'; }

docker info >/dev/null 2>&1 || { echo "no Docker engine answers (start dockerd)" >&2; exit 1; }
containers=()
remove_containers() { for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done; }
trap remove_containers EXIT

rows=()
for service in "${SERVICES[@]}"; do
    image="$PREFIX/$service:$TAG"
    size="$(docker image inspect -f '{{.Size}}' "$image" | mb)"
    startups=()
    for run in $(seq 1 "$RUNS"); do
        started=$(now_ms)
        # Spans go nowhere (no collector here): export off, so the figure is the service's own start-up.
        id=$(docker run -d -p 127.0.0.1::9090 -e OTEL_TRACES_EXPORTER=none "$image")
        containers+=("$id")
        port=$(docker port "$id" 9090/tcp | head -1 | sed 's/.*://')
        deadline=$(( $(now_ms) + 60000 ))
        until curl -fs -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null; do
            (( $(now_ms) < deadline )) || { docker logs "$id" | tail -5 >&2; echo "$service not ready in 60 s" >&2; exit 1; }
            sleep 0.05
        done
        startups+=($(( $(now_ms) - started )))
        log "$service run $run: ready after ${startups[-1]} ms"
        if (( run < RUNS )); then
            docker rm -f "$id" >/dev/null
        fi
    done
    log "$service: idle for ${IDLE_SECONDS}s"
    sleep "$IDLE_SECONDS"
    rss=$(docker exec "$id" sh -c 'grep VmRSS /proc/1/status' | awk '{printf "%.0f MiB", $2/1024}')
    cgroup=$(docker stats --no-stream --format '{{.MemUsage}}' "$id" | cut -d/ -f1 | tr -d ' ')
    docker rm -f "$id" >/dev/null
    sorted=$(printf '%s\n' "${startups[@]}" | sort -n | tr '\n' ' ')
    median=$(printf '%s\n' "${startups[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    rows+=("$(printf '%-18s %7s %9s ms %11s %11s   runs: %s ms' "$service" "$size" "$median" "$rss" "$cgroup" "${sorted% }")")
done

image="$PREFIX/load-generator:$TAG"
size="$(docker image inspect -f '{{.Size}}' "$image" | mb)"
started=$(now_ms)
docker run --rm "$image" --help >/dev/null
rows+=("$(printf '%-18s %7s %9s ms %11s %11s   (a CLI: --help, start to exit)' load-generator "$size" "$(( $(now_ms) - started ))" - -)")

printf '\n%-18s %7s %12s %11s %11s\n' image size "to ready" "VmRSS idle" "cgroup idle"
printf '%s\n' "${rows[@]}"
printf '\nready = admin /health/ready 200 after docker run (median of %s, span export off); idle = after %s s without traffic\n' \
    "$RUNS" "$IDLE_SECONDS"
