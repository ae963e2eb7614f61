#!/usr/bin/env bash
# Brings o11y-shop up on a local Kubernetes cluster: creates the cluster (or reuses it), builds the four images
# with Jib into the local Docker, loads them into the cluster, installs the Helm chart and waits until every pod is
# ready, then prints the URLs. Run it again after a code change: it rebuilds, reloads and upgrades.
#
#   k8s/up.sh            kind (default): cluster "o11y-shop" from k8s/kind-config.yaml, UIs on localhost
#   k8s/up.sh minikube   minikube profile "o11y-shop" (4 GiB, 2 CPUs, Calico), helm/o11y-shop/values-small.yaml
#
# Needs: Docker (running), kind or minikube, kubectl, helm 3, a JDK 21+. k8s/down.sh deletes the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly CLUSTER=o11y-shop NAMESPACE=o11y-shop RELEASE=o11y-shop CHART=helm/o11y-shop
MODULES=(order-service inventory-service payment-service load-generator)
started=$SECONDS

step() { printf '\n==> [%4ss] %s\n' "$((SECONDS - started))" "$*"; }
die() {
    echo "k8s/up.sh: $*" >&2
    exit 1
}
need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is not installed; $2"
}
usage() {
    sed -n '2,10s/^# \{0,1\}//p' "$0"
}

provider="${1:-kind}"
case "$provider" in
    kind | minikube) ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown cluster type '$provider': kind (default) or minikube" ;;
esac
(($# <= 1)) || die "one argument at most: kind or minikube"

step "Prerequisites ($provider)"
need docker "see https://docs.docker.com/engine/install/"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer: start it (and check that $(id -un) may use it)"
if [[ "$provider" == kind ]]; then
    need kind "see https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
    context="kind-$CLUSTER"
    # kind's own CNI (kindnet) enforces NetworkPolicy from kind v0.24.0 on; older ones ignore the chart's policies
    kind_version="$(kind version 2>/dev/null | sed -n 's/^kind v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')"
    read -r kind_major kind_minor <<<"${kind_version:-0 0}"
    if ((kind_major == 0 && kind_minor < 24)); then
        echo "k8s/up.sh: WARNING: $(kind version 2>/dev/null || echo 'kind, version unknown'): kind before v0.24.0 does" \
            "not enforce NetworkPolicy, so the chart's policies would not isolate anything; upgrade kind" >&2
    fi
else
    need minikube "see https://minikube.sigs.k8s.io/docs/start/"
    context="$CLUSTER"
fi
need kubectl "see https://kubernetes.io/docs/tasks/tools/"
need helm "see https://helm.sh/docs/intro/install/"
helm_version="$(helm version --template '{{.Version}}' 2>/dev/null || true)"
[[ "$helm_version" == v3.* ]] || die "Helm 3 is needed, found '${helm_version:-unknown}'"
# shellcheck source=scripts/find-jdk.sh
source scripts/find-jdk.sh
version="$(sed -n 's:^    <version>\(.*\)</version>$:\1:p' pom.xml | head -n 1)"
[[ -n "$version" ]] || die "cannot read the project version from pom.xml"
echo "docker $(docker version --format '{{.Server.Version}}'), $("$provider" version 2>/dev/null | head -n 1)," \
    "kubectl $(kubectl version --client -o yaml 2>/dev/null | sed -n 's/^ *gitVersion: //p' | head -n 1)," \
    "helm $helm_version, JDK $JAVA_HOME; images o11y-shop/<module>:$version"

step "Cluster"
if [[ "$provider" == kind ]]; then
    if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
        echo "kind cluster $CLUSTER exists: reusing it (k8s/down.sh deletes it)"
    else
        for port in 8080 3000 16686 9090 9093; do
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                die "localhost:$port is taken; k8s/kind-config.yaml maps it to the cluster: free it first"
            fi
        done
        kind create cluster --name "$CLUSTER" --config k8s/kind-config.yaml --wait 120s
    fi
else
    # Starts a new profile, or restarts a stopped one; a running one is left as it is. Calico, because minikube's
    # default CNI does not enforce NetworkPolicy: the chart's policies (admin ports closed to all but Prometheus and
    # the load generator) would be silently ignored.
    minikube start -p "$CLUSTER" --memory 4096 --cpus 2 --cni=calico
fi
kubectl --context "$context" get nodes
if [[ "$provider" == minikube ]]; then
    # A profile made without --cni=calico (e.g. by an older k8s/up.sh) keeps its CNI on restart: refuse it.
    kubectl --context "$context" -n kube-system rollout status daemonset/calico-node --timeout=300s ||
        die "no Calico in minikube profile $CLUSTER, so NetworkPolicies would not be enforced: delete the profile with" \
            "'k8s/down.sh minikube' and run k8s/up.sh minikube again"
fi

step "Images (Jib into the local Docker: ./mvnw -B -ntp package -DskipTests -Pimages)"
./mvnw -B -ntp package -DskipTests -Pimages

step "Loading the images into the cluster"
for module in "${MODULES[@]}"; do
    image="o11y-shop/$module:$version"
    docker image inspect "$image" >/dev/null 2>&1 || die "the build made no image $image"
    echo "$image"
    if [[ "$provider" == kind ]]; then
        kind load docker-image --name "$CLUSTER" "$image"
    else
        minikube -p "$CLUSTER" image load "$image"
    fi
done

step "Helm: $RELEASE in namespace $NAMESPACE (waits until every pod is ready, at most 10 minutes)"
values=()
if [[ "$provider" == kind ]]; then
    values+=(-f k8s/kind-values.yaml)
elif [[ -f "$CHART/values-small.yaml" ]]; then
    values+=(-f "$CHART/values-small.yaml")
fi
if ! helm upgrade --install "$RELEASE" "$CHART" --kube-context "$context" -n "$NAMESPACE" --create-namespace \
    --wait --timeout 10m --set "shop.image.tag=$version" ${values[@]+"${values[@]}"}; then
    kubectl --context "$context" -n "$NAMESPACE" get pods -o wide >&2 || true
    die "the release did not become ready; see the pods above, then: kubectl --context $context -n $NAMESPACE describe pod <name>"
fi
kubectl --context "$context" -n "$NAMESPACE" get pods

step "Ready"
password_cmd="kubectl --context $context -n $NAMESPACE get secret grafana-admin -o jsonpath='{.data.admin-password}' | base64 -d"
token_cmd="kubectl --context $context -n $NAMESPACE get secret o11y-shop-admin-token -o jsonpath='{.data.token}' | base64 -d"
if [[ "$provider" == kind ]]; then
    cat <<EOF
  order API     http://localhost:8080/api/orders   (POST a checkout, see README)
  Grafana       http://localhost:3000              (user admin; password: $password_cmd)
  Jaeger        http://localhost:16686             (service order-service, Find Traces)
  Prometheus    http://localhost:9090              (Alerts, Status > Targets)
  Alertmanager  http://localhost:9093
EOF
else
    cat <<EOF
  The Services are ClusterIP on minikube: forward the ones you want (each in its own terminal), e.g.
    kubectl --context $context -n $NAMESPACE port-forward svc/order-service 8080:8080
    kubectl --context $context -n $NAMESPACE port-forward svc/grafana 3000:3000      (user admin; password: $password_cmd)
    kubectl --context $context -n $NAMESPACE port-forward svc/jaeger 16686:16686
    kubectl --context $context -n $NAMESPACE port-forward svc/prometheus 9090:9090
    kubectl --context $context -n $NAMESPACE port-forward svc/alertmanager 9093:9093
  (or, for a NodePort Service: minikube -p $CLUSTER -n $NAMESPACE service <name> --url)
EOF
fi
cat <<EOF

  End-to-end check (a checkout's trace in Jaeger, metrics in Prometheus, its logs in Loki):
    helm test $RELEASE -n $NAMESPACE --kube-context $context --logs
  Break something (payment errors and latency; 'clear' to undo; PUT /faults needs the release's admin token):
    kubectl --context $context -n $NAMESPACE port-forward svc/payment-service-admin 9092:9090 &
    ADMIN_TOKEN="\$($token_cmd)" \\
      java -jar load-generator/target/load-generator.jar fault payment-service --admin-url http://localhost:9092 errorRate=0.3 latencyMs=300
  Delete everything: k8s/down.sh${1:+ $provider}

up in $((SECONDS - started)) s
EOF
