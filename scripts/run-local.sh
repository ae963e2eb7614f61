#!/usr/bin/env bash
# Runs o11y-shop on this machine, no Kubernetes: builds the jars, starts inventory-service, payment-service and
# order-service, waits until they are ready, places a sample order and shows its log lines, then keeps running
# until Ctrl-C (or for --for SECONDS), and stops every service cleanly.
#
#   scripts/run-local.sh              run until Ctrl-C
#   scripts/run-local.sh --for 20     run for 20 s, then stop
#
# Ports: order 8080 (admin 9090), inventory 8081 (9091), payment 8082 (9092). Logs: run/<time>/<service>.log.
# Spans go to OTEL_EXPORTER_OTLP_ENDPOINT when it is set; otherwise export is off (OTEL_TRACES_EXPORTER=none).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/find-jdk.sh

run_for=""
if [[ "${1:-}" == "--for" ]]; then
    run_for="${2:?--for needs a number of seconds}"
fi

echo "==> building (./mvnw package -DskipTests)"
./mvnw -q -B -ntp package -DskipTests

run_dir="run/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$run_dir"
if [[ -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]]; then
    export OTEL_TRACES_EXPORTER="${OTEL_TRACES_EXPORTER:-none}"
fi

pids=()
stop_all() {
    trap - INT TERM EXIT
    echo
    echo "==> stopping"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "stopped; logs in $run_dir"
}
trap stop_all INT TERM EXIT

start() { # name port admin_port [env...]
    local name="$1" port="$2" admin="$3"
    shift 3
    env PORT="$port" ADMIN_PORT="$admin" "$@" java -Xmx256m -jar "$name/target/$name.jar" >"$run_dir/$name.log" 2>"$run_dir/$name.stderr.log" &
    pids+=("$!")
}

await_ready() { # name admin_port
    local deadline=$((SECONDS + 60))
    until curl -fsS "http://localhost:$2/health/ready" >/dev/null 2>&1; do
        if ((SECONDS > deadline)); then
            echo "$1 did not become ready; see $run_dir/$1.log" >&2
            exit 1
        fi
        sleep 0.2
    done
    echo "    $1 ready"
}

echo "==> starting services (logs in $run_dir)"
start inventory-service 8081 9091
start payment-service 8082 9092
start order-service 8080 9090 INVENTORY_URL=http://localhost:8081 PAYMENT_URL=http://localhost:8082
await_ready inventory-service 9091
await_ready payment-service 9092
await_ready order-service 9090

echo "==> sample order"
response="$(curl -sS -X POST http://localhost:8080/api/orders -H 'Content-Type: application/json' \
    -d '{"customerId":"cust-42","items":[{"sku":"SKU-0001","quantity":2}],"payment":{"method":"card","cardNumber":"4111111111111111"}}')"
echo "    $response"
trace_id="$(grep -h '"message":"order_completed"' "$run_dir/order-service.log" | tail -1 | sed -n 's/.*"trace_id":"\([0-9a-f]*\)".*/\1/p')"
if [[ -n "$trace_id" ]]; then
    echo "==> log lines of trace $trace_id"
    # Lines start with their timestamp, so sort puts the three services' lines in time order; the field
    # order is fixed by logback.xml: message, then service.
    grep -h "\"trace_id\":\"$trace_id\"" "$run_dir"/*-service.log | sort \
        | sed -n 's/.*"message":"\([^"]*\)".*"service":"\([^"]*\)".*/    \2  \1/p'
fi

cat <<INFO

o11y-shop is running:
  orders     http://localhost:8080/api/orders      (metrics http://localhost:9090/metrics)
  inventory  http://localhost:8081/api/products    (metrics http://localhost:9091/metrics)
  payments   http://localhost:8082/api/payments    (metrics http://localhost:9092/metrics)
  faults     curl -X PUT localhost:9092/faults -d '{"errorRate":0.3}'
INFO

if [[ -n "$run_for" ]]; then
    echo "running for ${run_for}s"
    sleep "$run_for"
else
    echo "Ctrl-C stops everything"
    wait
fi
