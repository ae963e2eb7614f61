package dev.o11yshop.charttests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/**
 * NetworkPolicies: a default deny for ingress, and per-component allow policies that admit exactly the flows the
 * platform needs. The admitted flows are computed from the rendered policies (pod selectors evaluated against the
 * rendered pod templates and the {@code helm test} pod, named ports resolved on the target's containers) and
 * compared with the flows {@link #expected(Profile)} derives from {@link #FLOWS} for the profile.
 */
class NetworkPolicyTest {

    /** The helm test hook pod, rendered by {@link Chart#renderWithHooks} like every other pod. */
    static final String HELM_TEST = Chart.HELM_TEST_POD;

    /** Stands for each of the profile's {@link #metricsScrapers(Profile)} in {@link #FLOWS}. */
    static final String SCRAPERS = "<metrics scrapers>";

    /** Like {@link #SCRAPERS}, but only in a profile with prometheusOperator.enabled ({@link Profile#operator()}). */
    static final String OPERATOR_SCRAPERS = "<metrics scrapers of the operator>";

    /**
     * The ingress flows the platform needs, "target:port <- client", with all components enabled. A flow is expected
     * in a profile when the profile renders its target and its client ({@link Profile#components()}); a
     * {@link #SCRAPERS} flow once per metrics scraper of the profile, an {@link #OPERATOR_SCRAPERS} flow the same in
     * an operator profile only. Why each exists:
     * <ul>
     * <li>the public API: load generator (checkout) and helm test to order-service; order-service to its two
     * downstreams; the load generator browses the catalog on inventory-service ({@code run --inventory
     * http://inventory-service:8080})</li>
     * <li>metrics: the profile's scrapers read every admin port (9090: services, load generator) and every container
     * port named {@code metrics} (collector and Jaeger, 8888): the bundled Prometheus keeps pod ports named
     * admin|metrics, the operator profile's PodMonitor scrapes the ports admin and metrics</li>
     * <li>fault injection: NOTES.txt documents {@code kubectl exec deploy/load-generator -- ... fault <service> ...
     * --admin-url http://<service>-admin:9090}, a PUT /faults from the load-generator pod to each service's admin port</li>
     * <li>alerts: Prometheus to Alertmanager; Alertmanager posts to the load generator's webhook (admin /alerts)</li>
     * <li>telemetry: the four JVMs and helm test send OTLP to the collector (4318 as configured; 4317 admitted as
     * the other OTLP transport); the collector exports traces to Jaeger over OTLP/gRPC only (Jaeger 4318 stays
     * closed) and logs to Loki's OTLP endpoint</li>
     * <li>Loki's own metrics (loki:3100/metrics; the port is named http, so the admin/metrics rules do not cover it):
     * the bundled Prometheus scrapes it with a static job; in operator mode the {@code loki} PodMonitor points the
     * operator's Prometheus (the profile's scrapers) at it. Without the operator nothing points the extra scrapers at
     * Loki, so they are not admitted there ({@link #extraScrapersReachLokiOnlyInOperatorMode()})</li>
     * <li>queries: Grafana and helm test query Jaeger, Prometheus and Loki; helm test reaches nothing else (not
     * inventory/payment, not any admin port)</li>
     * <li>users ({@code *}, any source): the UIs and the public API, reached through NodePort or port-forward:
     * Grafana 3000, Jaeger 16686, Prometheus 9090, Alertmanager 9093, order-service 8080. A {@code *} flow covers
     * every in-cluster client of that port, so those are listed for the record only.</li>
     * </ul>
     */
    static final List<String> FLOWS = List.of(
            // the public API and its downstreams
            "order-service:8080 <- *",
            "order-service:8080 <- load-generator",
            "order-service:8080 <- " + HELM_TEST,
            "inventory-service:8080 <- order-service",
            "inventory-service:8080 <- load-generator",
            "payment-service:8080 <- order-service",
            // metrics
            "order-service:9090 <- " + SCRAPERS,
            "inventory-service:9090 <- " + SCRAPERS,
            "payment-service:9090 <- " + SCRAPERS,
            "load-generator:9090 <- " + SCRAPERS,
            "otel-collector:8888 <- " + SCRAPERS,
            "jaeger:8888 <- " + SCRAPERS,
            // fault injection from the load-generator pod (NOTES.txt)
            "order-service:9090 <- load-generator",
            "inventory-service:9090 <- load-generator",
            "payment-service:9090 <- load-generator",
            // alerts
            "alertmanager:9093 <- prometheus",
            "load-generator:9090 <- alertmanager",
            // telemetry in (OTLP) and out (to the backends)
            "otel-collector:4317 <- order-service",
            "otel-collector:4318 <- order-service",
            "otel-collector:4317 <- inventory-service",
            "otel-collector:4318 <- inventory-service",
            "otel-collector:4317 <- payment-service",
            "otel-collector:4318 <- payment-service",
            "otel-collector:4317 <- load-generator",
            "otel-collector:4318 <- load-generator",
            "otel-collector:4317 <- " + HELM_TEST,
            "otel-collector:4318 <- " + HELM_TEST,
            "jaeger:4317 <- otel-collector",
            "loki:3100 <- otel-collector",
            // queries
            "jaeger:16686 <- grafana",
            "jaeger:16686 <- " + HELM_TEST,
            "prometheus:9090 <- grafana",
            "prometheus:9090 <- " + HELM_TEST,
            "loki:3100 <- grafana",
            "loki:3100 <- " + HELM_TEST,
            // Loki's /metrics is on its http port 3100: the bundled Prometheus' static `loki` scrape job, or in
            // operator mode the `loki` PodMonitor
            "loki:3100 <- prometheus",
            "loki:3100 <- " + OPERATOR_SCRAPERS,
            // users: UIs
            "grafana:3000 <- *",
            "jaeger:16686 <- *",
            "prometheus:9090 <- *",
            "alertmanager:9093 <- *");

    /**
     * Who scrapes the admin and metrics ports in each profile, named as {@link #admitted(Manifests)} names a peer.
     * The external and operator profiles configure these scrapers on purpose (networkPolicy.extraMetricsScrapers in
     * their values files).
     */
    static Set<String> metricsScrapers(Profile profile) {
        return switch (profile) {
            // the bundled Prometheus (pod discovery in the release namespace)
            case DEFAULT, SMALL -> Set.of("prometheus");
            // no Prometheus, bundled or external
            case DISABLED -> Set.of();
            // ci/external-values.yaml: every pod of namespace "observability" (its Prometheus)
            case EXTERNAL -> Set.of("pods of namespace observability");
            // ci/operator-values.yaml: the operator's Prometheus pods in namespace "monitoring"
            case OPERATOR -> Set.of("pods {app.kubernetes.io/name=prometheus} of namespace monitoring");
        };
    }

    /** The flows of {@link #FLOWS} that the profile needs. */
    static Set<String> expected(Profile profile) {
        return expected(profile, metricsScrapers(profile));
    }

    /** The flows of {@link #FLOWS} that the profile needs when {@code scrapers} scrape its metrics. */
    static Set<String> expected(Profile profile, Set<String> scrapers) {
        Set<String> expected = new TreeSet<>();
        for (String flow : FLOWS) {
            String target = flow.substring(0, flow.indexOf(':'));
            String client = flow.substring(flow.indexOf(" <- ") + 4);
            if (!profile.renders(target) || (OPERATOR_SCRAPERS.equals(client) && !profile.operator())) {
                continue;
            }
            if (SCRAPERS.equals(client) || OPERATOR_SCRAPERS.equals(client)) {
                scrapers.forEach(s -> expected.add(flow.replace(client, s)));
            } else if ("*".equals(client) || profile.renders(client)) {
                expected.add(flow);
            }
        }
        return expected;
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void aDefaultDenyAndAnIngressPolicyCoverEveryPod(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<Manifests.Doc> policies = m.ofKind("NetworkPolicy");
        List<String> problems = new ArrayList<>();
        boolean defaultDeny = policies.stream().anyMatch(p -> Y.map(p.body(), "spec", "podSelector").isEmpty()
                && ingressTypes(p) && Y.list(p.body(), "spec", "ingress").isEmpty());
        if (!defaultDeny) {
            problems.add("no default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress], no ingress rules)");
        }
        for (Manifests.Workload w : m.workloads()) {
            boolean covered = policies.stream().anyMatch(p -> ingressTypes(p) && Manifests.selects(Y.map(p.body(), "spec", "podSelector"), w.podLabels()));
            if (!covered) {
                problems.add(w.id() + " (labels " + w.podLabels() + ") is selected by no NetworkPolicy with policyTypes Ingress");
            }
        }
        assertThat(m.description(), problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void admittedFlowsAreExactlyTheNeededOnes(Profile profile, String kubeVersion) {
        assertAdmitsExactly(Chart.renderWithHooks(profile, kubeVersion), expected(profile));
    }

    private static void assertAdmitsExactly(Manifests m, Set<String> expected) {
        Set<String> admitted = admitted(m);
        collapseAnySource(expected);
        collapseAnySource(admitted);
        Set<String> extra = new TreeSet<>(admitted);
        extra.removeAll(expected);
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(admitted);
        assertThat(m.description() + ": flows admitted by the NetworkPolicies but not needed (extra) / needed but not admitted (missing): extra="
                + extra + " missing=" + missing, admitted, equalTo(expected));
    }

    /** A policy names a client only if the release renders it: no peer for a switched-off component. */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyInNamespacePeerSelectsARenderedPod(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        for (Manifests.Doc policy : m.ofKind("NetworkPolicy")) {
            for (Map<String, Object> rule : Y.maps(policy.body(), "spec", "ingress")) {
                for (Map<String, Object> peer : Y.maps(rule, "from")) {
                    if (peer.containsKey("podSelector") && !peer.containsKey("namespaceSelector")
                            && m.workloads().stream().noneMatch(w -> Manifests.selects(Y.map(peer, "podSelector"), w.podLabels()))) {
                        problems.add(policy.id() + " admits podSelector " + Y.get(peer, "podSelector") + ", which selects no rendered pod");
                    }
                }
            }
        }
        assertThat(m.description(), problems, empty());
    }

    /**
     * networkPolicy.extraMetricsScrapers reach Loki's http port only with prometheusOperator.enabled (the {@code loki}
     * PodMonitor): the default profile plus extra scrapers admits exactly the default flows and the extra scrapers on
     * the admin/metrics ports, not on Loki, which the bundled Prometheus alone scrapes.
     */
    @Test
    void extraScrapersReachLokiOnlyInOperatorMode() throws IOException {
        Path values = Chart.workDir("extra-scrapers").resolve("extra-scrapers.yaml");
        Files.writeString(values, """
                networkPolicy:
                  extraMetricsScrapers:
                    - namespaceSelector:
                        matchLabels:
                          kubernetes.io/metadata.name: monitoring
                """);
        Profile profile = Profile.DEFAULT;
        Manifests m = Chart.renderWithHooks(profile, Chart.KUBE_NEWEST, values);
        Set<String> scrapers = new TreeSet<>(metricsScrapers(profile));
        scrapers.add("pods of namespace monitoring");
        assertThat(m.description() + ": Loki admits the extra scrapers", admitted(m), not(hasItem("loki:3100 <- pods of namespace monitoring")));
        assertAdmitsExactly(m, expected(profile, scrapers));
    }

    /** The table itself: every flow names a known component and port, and the helm test pod stays narrow. */
    @Test
    void theFlowTableIsWellFormed() {
        List<String> problems = new ArrayList<>();
        for (String flow : FLOWS) {
            String target = flow.substring(0, flow.indexOf(':'));
            String client = flow.substring(flow.indexOf(" <- ") + 4);
            if (!Chart.ALL_COMPONENTS.contains(target) || HELM_TEST.equals(target)) {
                problems.add(flow + ": unknown target " + target);
            }
            if (!Chart.ALL_COMPONENTS.contains(client) && !"*".equals(client) && !SCRAPERS.equals(client)
                    && !OPERATOR_SCRAPERS.equals(client)) {
                problems.add(flow + ": unknown client " + client);
            }
        }
        Set<String> helmTest = new TreeSet<>();
        FLOWS.stream().filter(f -> f.endsWith(" <- " + HELM_TEST)).forEach(f -> helmTest.add(f.substring(0, f.indexOf(" <- "))));
        assertThat("the flow table", problems, empty());
        assertThat("the helm test pod (load-generator verify) reaches the order API, the three backends' query ports and the collector only",
                helmTest, equalTo(Set.of("order-service:8080", "jaeger:16686", "prometheus:9090", "loki:3100",
                        "otel-collector:4317", "otel-collector:4318")));
    }

    /** Drops "t:p <- c" when "t:p <- *" is present: an any-source rule already admits every client. */
    private static void collapseAnySource(Set<String> flows) {
        Set<String> open = new TreeSet<>();
        flows.stream().filter(f -> f.endsWith(" <- *")).forEach(f -> open.add(f.substring(0, f.indexOf(" <- "))));
        flows.removeIf(f -> !f.endsWith(" <- *") && open.contains(f.substring(0, f.indexOf(" <- "))));
    }

    private static boolean ingressTypes(Manifests.Doc policy) {
        List<Object> types = Y.list(policy.body(), "spec", "policyTypes");
        return types.isEmpty() || types.contains("Ingress");
    }

    /**
     * A peer with a namespaceSelector: "pods of namespace X" or "pods {k=v} of namespace X" when the namespace is
     * chosen by its kubernetes.io/metadata.name alone and the pods (if at all) by matchLabels alone; otherwise the
     * selectors as written.
     */
    static String otherNamespacePeer(Map<String, Object> peer) {
        Map<String, Object> ns = Y.map(peer, "namespaceSelector");
        Map<String, Object> pods = Y.map(peer, "podSelector");
        boolean simpleNs = ns.keySet().equals(Set.of("matchLabels"))
                && Y.stringMap(ns, "matchLabels").keySet().equals(Set.of("kubernetes.io/metadata.name"));
        boolean simplePods = pods.isEmpty() || pods.keySet().equals(Set.of("matchLabels"));
        if (!simpleNs || !simplePods) {
            return "namespaceSelector " + ns + (peer.containsKey("podSelector") ? " podSelector " + pods : "");
        }
        Map<String, String> podLabels = new TreeMap<>(Y.stringMap(pods, "matchLabels"));
        return "pods " + (podLabels.isEmpty() ? "" : podLabels + " ") + "of namespace "
                + Y.stringMap(ns, "matchLabels").get("kubernetes.io/metadata.name");
    }

    /** Every "target:port <- client" the rendered policies admit into each pod (the helm test pod included). */
    static Set<String> admitted(Manifests m) {
        Set<String> flows = new TreeSet<>();
        for (Manifests.Workload target : m.workloads()) {
            for (Manifests.Doc policy : m.ofKind("NetworkPolicy")) {
                if (!ingressTypes(policy) || !Manifests.selects(Y.map(policy.body(), "spec", "podSelector"), target.podLabels())) {
                    continue;
                }
                for (Map<String, Object> rule : Y.maps(policy.body(), "spec", "ingress")) {
                    List<String> ports = new ArrayList<>();
                    List<Map<String, Object>> rulePorts = Y.maps(rule, "ports");
                    if (rulePorts.isEmpty() && !Y.map(rule).containsKey("ports")) {
                        ports.add("*");
                    }
                    for (Map<String, Object> p : rulePorts) {
                        Object port = p.get("port");
                        if (port == null) {
                            ports.add("*");
                        } else if (p.get("endPort") != null) {
                            ports.add(port + "-" + p.get("endPort"));
                        } else {
                            Integer resolved = target.resolvePort(port);
                            ports.add(resolved == null ? "unresolved(" + port + " in " + policy.name() + ")" : String.valueOf(resolved));
                        }
                    }
                    List<String> clients = new ArrayList<>();
                    List<Map<String, Object>> from = Y.maps(rule, "from");
                    if (from.isEmpty()) {
                        clients.add("*");
                    }
                    for (Map<String, Object> peer : from) {
                        if (peer.containsKey("ipBlock")) {
                            clients.add("ipBlock " + Y.get(peer, "ipBlock"));
                        } else if (peer.containsKey("namespaceSelector")) {
                            clients.add(otherNamespacePeer(peer));
                        } else {
                            Map<String, Object> selector = Y.map(peer, "podSelector");
                            boolean any = false;
                            for (Manifests.Workload c : m.workloads()) {
                                if (Manifests.selects(selector, c.podLabels())) {
                                    clients.add(c.name());
                                    any = true;
                                }
                            }
                            if (!any) {
                                clients.add("nothing(podSelector " + selector + " in " + policy.name() + ")");
                            }
                        }
                    }
                    for (String port : ports) {
                        for (String c : clients) {
                            flows.add(target.name() + ":" + port + " <- " + c);
                        }
                    }
                }
            }
        }
        return flows;
    }
}
