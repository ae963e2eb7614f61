package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * Names that must line up across rendered objects: selectors, ports, addresses, references, image tags. Renders include
 * the {@code helm test} hook documents ({@link Chart#renderWithHooks}).
 */
class ConsistencyTest {

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyServiceSelectsExactlyOnePodTemplate(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        for (Manifests.Doc s : m.ofKind("Service")) {
            Map<String, String> selector = Y.stringMap(s.body(), "spec", "selector");
            List<String> selected = m.workloads().stream().filter(w -> Manifests.selectsPlain(selector, w.podLabels()))
                    .map(Manifests.Workload::id).toList();
            if (selected.size() != 1) {
                problems.add(s.id() + " spec.selector " + selector + " selects " + selected.size() + " pod templates " + selected);
            }
        }
        assertThat(m.description(), problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyServiceTargetPortExistsOnTheSelectedContainers(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        for (Manifests.Doc s : m.ofKind("Service")) {
            Map<String, String> selector = Y.stringMap(s.body(), "spec", "selector");
            for (Manifests.Workload w : m.workloads()) {
                if (!Manifests.selectsPlain(selector, w.podLabels())) {
                    continue;
                }
                for (Map<String, Object> port : Y.maps(s.body(), "spec", "ports")) {
                    Object target = port.containsKey("targetPort") ? port.get("targetPort") : port.get("port");
                    if (w.resolvePort(target) == null) {
                        problems.add(s.id() + " port " + Y.str(port, "name") + " targetPort " + target
                                + " is not a containerPort (name or number) of " + w.id());
                    }
                }
            }
        }
        assertThat(m.description(), problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyAddressResolvesToARenderedServicePort(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        for (Endpoints.Endpoint e : Endpoints.all(m)) {
            String problem = Endpoints.problem(m, profile, e);
            if (problem != null) {
                problems.add(problem);
            }
        }
        assertThat(m.description(), problems, empty());
    }

    /**
     * The helm test pod queries what the release runs: with a bundled component, exactly its in-release address
     * (order-service:8080, jaeger:16686, prometheus:9090, loki:3100); without it, an external address the profile may
     * use. Every one must resolve ({@link Endpoints#problem}).
     */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void theHelmTestPodQueriesTheRenderedEndpoints(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<Manifests.Workload> pods = m.workloads().stream().filter(w -> Chart.HELM_TEST_POD.equals(w.name())).toList();
        if (!profile.renders(Chart.HELM_TEST_POD)) {
            assertThat(m.description() + ": no helm test pod expected", pods, empty());
            return;
        }
        assertThat(m.description() + ": exactly one helm test pod", pods.size(), is(1));
        Map<String, String> bundled = new LinkedHashMap<>();
        bundled.put("--target", "order-service:8080");
        bundled.put("--jaeger", "jaeger:16686");
        bundled.put("--prometheus", "prometheus:9090");
        bundled.put("--loki", "loki:3100");
        List<Object> args = Y.list(pods.getFirst().containers().getFirst(), "args");
        List<String> problems = new ArrayList<>();
        bundled.forEach((flag, address) -> {
            int at = args.indexOf(flag);
            if (at < 0 || at + 1 >= args.size()) {
                problems.add("no " + flag + " URL in args " + args);
                return;
            }
            String url = String.valueOf(args.get(at + 1));
            List<Endpoints.Endpoint> named = new ArrayList<>();
            Endpoints.extract(pods.getFirst().id() + " " + flag, url, named);
            if (named.size() != 1) {
                problems.add(flag + " " + url + " is not one address");
                return;
            }
            Endpoints.Endpoint e = named.getFirst();
            String host = address.substring(0, address.indexOf(':'));
            if (profile.renders(host) && !address.equals(e.host() + ":" + e.port())) {
                problems.add(flag + " " + url + ": the release runs " + host + ", so it must be http://" + address);
            }
            String problem = Endpoints.problem(m, profile, e);
            if (problem != null) {
                problems.add(problem);
            }
        });
        assertThat(m.description(), problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyReferencedObjectIsRendered(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        Set<String> configMaps = m.names("ConfigMap");
        Set<String> secrets = m.names("Secret");
        Set<String> accounts = m.names("ServiceAccount");
        List<String> problems = new ArrayList<>();
        for (Manifests.Workload w : m.workloads()) {
            String sa = Y.str(w.podSpec(), "serviceAccountName");
            if (sa != null && !accounts.contains(sa)) {
                problems.add(w.id() + " serviceAccountName " + sa + " is not rendered");
            }
            for (Map<String, Object> v : w.volumes()) {
                String at = w.id() + " volume " + Y.str(v, "name");
                ref(problems, at, "ConfigMap", Y.str(v, "configMap", "name"), Y.isTrue(v, "configMap", "optional"), configMaps);
                ref(problems, at, "Secret", Y.str(v, "secret", "secretName"), Y.isTrue(v, "secret", "optional"), secrets);
                for (Map<String, Object> s : Y.maps(v, "projected", "sources")) {
                    ref(problems, at, "ConfigMap", Y.str(s, "configMap", "name"), Y.isTrue(s, "configMap", "optional"), configMaps);
                    ref(problems, at, "Secret", Y.str(s, "secret", "name"), Y.isTrue(s, "secret", "optional"), secrets);
                }
            }
            for (Map<String, Object> c : w.allContainers()) {
                String at = w.id() + " container " + Y.str(c, "name");
                for (Map<String, Object> from : Y.maps(c, "envFrom")) {
                    ref(problems, at + " envFrom", "ConfigMap", Y.str(from, "configMapRef", "name"), Y.isTrue(from, "configMapRef", "optional"), configMaps);
                    ref(problems, at + " envFrom", "Secret", Y.str(from, "secretRef", "name"), Y.isTrue(from, "secretRef", "optional"), secrets);
                }
                for (Map<String, Object> env : Y.maps(c, "env")) {
                    String eat = at + " env " + Y.str(env, "name");
                    ref(problems, eat, "ConfigMap", Y.str(env, "valueFrom", "configMapKeyRef", "name"), Y.isTrue(env, "valueFrom", "configMapKeyRef", "optional"), configMaps);
                    ref(problems, eat, "Secret", Y.str(env, "valueFrom", "secretKeyRef", "name"), Y.isTrue(env, "valueFrom", "secretKeyRef", "optional"), secrets);
                    String secretKey = Y.str(env, "valueFrom", "secretKeyRef", "key");
                    String secretName = Y.str(env, "valueFrom", "secretKeyRef", "name");
                    if (secretKey != null && secrets.contains(secretName)
                            && !m.configFiles().getOrDefault("Secret/" + secretName, Map.of()).containsKey(secretKey)) {
                        problems.add(eat + " refers to key " + secretKey + " that Secret " + secretName + " does not have");
                    }
                    String cmKey = Y.str(env, "valueFrom", "configMapKeyRef", "key");
                    String cmName = Y.str(env, "valueFrom", "configMapKeyRef", "name");
                    if (cmKey != null && configMaps.contains(cmName)
                            && !m.configFiles().getOrDefault("ConfigMap/" + cmName, Map.of()).containsKey(cmKey)) {
                        problems.add(eat + " refers to key " + cmKey + " that ConfigMap " + cmName + " does not have");
                    }
                }
            }
        }
        for (String kind : List.of("RoleBinding", "ClusterRoleBinding")) {
            for (Manifests.Doc b : m.ofKind(kind)) {
                String roleKind = Y.str(b.body(), "roleRef", "kind");
                String role = Y.str(b.body(), "roleRef", "name");
                if (!m.names(roleKind).contains(role)) {
                    problems.add(b.id() + " roleRef " + roleKind + "/" + role + " is not rendered");
                }
                for (Map<String, Object> subject : Y.maps(b.body(), "subjects")) {
                    if ("ServiceAccount".equals(Y.str(subject, "kind")) && !accounts.contains(Y.str(subject, "name"))) {
                        problems.add(b.id() + " subject ServiceAccount " + Y.str(subject, "name") + " is not rendered");
                    }
                }
            }
        }
        assertThat(m.description(), problems, empty());
    }

    private static void ref(List<String> problems, String at, String kind, String name, boolean optional, Set<String> rendered) {
        if (name != null && !optional && !rendered.contains(name)) {
            problems.add(at + " refers to " + kind + " " + name + ", which is not rendered");
        }
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyImageHasAnExplicitTagOtherThanLatest(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        for (Manifests.Workload w : m.workloads()) {
            for (Map<String, Object> c : w.allContainers()) {
                String image = Y.str(c, "image");
                String at = w.id() + " container " + Y.str(c, "name") + " image " + image;
                if (image == null || image.isBlank()) {
                    problems.add(at + ": no image");
                    continue;
                }
                if (image.contains("@sha256:")) {
                    continue;
                }
                String last = image.substring(image.lastIndexOf('/') + 1);
                int colon = last.indexOf(':');
                if (colon < 0 || colon == last.length() - 1) {
                    problems.add(at + ": no tag");
                } else if ("latest".equals(last.substring(colon + 1))) {
                    problems.add(at + ": tag latest");
                }
            }
        }
        assertThat(m.description(), problems, empty());
    }
}
