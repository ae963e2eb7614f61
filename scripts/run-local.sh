#!/usr/bin/env bash
# Runs o11y-shop on this machine, no Kubernetes: builds the jars, then hands over to the load generator's `local`
# mode, which starts the three services as child JVMs on free ports with a built-in OTLP receiver, drives traffic
# with live progress, and ends with the summary, one checkout trace as a waterfall, RED figures per service and
# that trace's log lines. Ctrl-C stops early and still stops every service cleanly.
#
#   scripts/run-local.sh                          30 s at 20 user actions/s
#   scripts/run-local.sh --duration 5m --rate 50  any option of `load-generator local --help`
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/find-jdk.sh

echo "==> building (./mvnw package -DskipTests -P!images: the jars only, no container images)"
./mvnw -q -B -ntp package -DskipTests -P'!images'
exec java -jar load-generator/target/load-generator.jar local "$@"
