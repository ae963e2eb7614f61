#!/usr/bin/env bash
# Runs o11y-shop on this machine, no Kubernetes: builds the jars, then hands over to the load generator's `local`
# mode, which starts the three services as child JVMs on free ports with a built-in OTLP receiver, serves the
# generator's admin port, and, when Debian's prometheus and prometheus-alertmanager are installed, runs the chart's
# scrape config, alert rules and Alertmanager routes on a local Prometheus and Alertmanager (URLs printed, one line
# per alert notification). It drives traffic with live progress and ends with the summary, one checkout trace as a
# waterfall, RED figures per service, that trace's log lines and the alerts notified. Ctrl-C stops early and still
# stops every child (services, Prometheus, Alertmanager) cleanly.
#
#   scripts/run-local.sh                                      30 s at 20 user actions/s, the chart's alert timings
#   scripts/run-local.sh --duration 0 --alert-time-factor 24  until Ctrl-C; every alert `for` and wait divided by 24
#   scripts/run-local.sh --alerting off                       no Prometheus/Alertmanager even when installed
#   scripts/run-local.sh --duration 5m --rate 50              any option of `load-generator local --help`
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/find-jdk.sh

echo "==> building (./mvnw package -DskipTests -P!images: the jars only, no container images)"
./mvnw -q -B -ntp package -DskipTests -P'!images'
exec java -jar load-generator/target/load-generator.jar local "$@"
