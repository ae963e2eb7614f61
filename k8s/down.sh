#!/usr/bin/env bash
# Deletes the local cluster k8s/up.sh made, with everything in it (the images stay in the local Docker).
#
#   k8s/down.sh            the kind cluster "o11y-shop" (default)
#   k8s/down.sh minikube   the minikube profile "o11y-shop"
set -euo pipefail
cd "$(dirname "$0")/.."

readonly CLUSTER=o11y-shop
started=$SECONDS

step() { printf '\n==> [%4ss] %s\n' "$((SECONDS - started))" "$*"; }
die() {
    echo "k8s/down.sh: $*" >&2
    exit 1
}

provider="${1:-kind}"
case "$provider" in
    kind | minikube) ;;
    -h | --help)
        sed -n '2,5s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *) die "unknown cluster type '$provider': kind (default) or minikube" ;;
esac
(($# <= 1)) || die "one argument at most: kind or minikube"
command -v "$provider" >/dev/null 2>&1 || die "$provider is not installed, so there is no $provider cluster to delete"

if [[ "$provider" == kind ]]; then
    step "Deleting kind cluster $CLUSTER"
    if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
        kind delete cluster --name "$CLUSTER"
    else
        echo "no kind cluster named $CLUSTER: nothing to delete"
    fi
else
    step "Deleting minikube profile $CLUSTER"
    minikube delete -p "$CLUSTER"
fi
step "Done"
