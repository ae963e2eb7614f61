package dev.o11yshop.charttests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin surface (PUT/DELETE /faults, metrics, health; the load generator's control port) stays inside the cluster
 * and behind the admin token: no admin port in a NodePort or LoadBalancer Service whatever the service types, and
 * ADMIN_TOKEN from a Secret in every pod that serves or flips /faults.
 */
class AdminSurfaceTest {

    static final String TOKEN_SECRET = "o11y-shop-admin-token";
    static final String TOKEN_KEY = "token";
    /** The containers that serve /faults (the services) or flip it (the load generator's {@code fault}, NOTES.txt). */
    static final Set<String> TOKEN_READERS = Set.of("order-service", "inventory-service", "payment-service", "load-generator");
    /** The container port name of every admin socket (services and load generator). */
    static final String ADMIN_PORT_NAME = "admin";

    /** Every top-level component of values.yaml that has a {@code service.type}. */
    static Set<String> componentsWithServiceType() throws IOException {
        Map<String, Object> values = Y.parseMap("values.yaml",
                Files.readString(Chart.dir().resolve("values.yaml"), StandardCharsets.UTF_8));
        Set<String> out = new TreeSet<>();
        values.forEach((component, v) -> {
            if (Y.get(v, "service", "type") != null) {
                out.add(component);
            }
        });
        return out;
    }

    /** Every component with a service.type set to {@code type}. */
    static Path everyServiceAs(String type) throws IOException {
        StringBuilder yaml = new StringBuilder();
        for (String component : componentsWithServiceType()) {
            yaml.append(component).append(":\n  service:\n    type: ").append(type).append('\n');
        }
        return Chart.valuesFile(yaml.toString());
    }

    /** Every profile with every service type NodePort, then LoadBalancer, and the values k8s/up.sh uses on kind. */
    static Stream<Arguments> exposedRenders() throws IOException {
        Path kind = Chart.repoRoot().resolve("k8s/kind-values.yaml");
        List<Arguments> out = new ArrayList<>();
        for (Profile profile : Profile.values()) {
            out.add(Arguments.of(profile, "every service.type NodePort", everyServiceAs("NodePort")));
            out.add(Arguments.of(profile, "every service.type LoadBalancer", everyServiceAs("LoadBalancer")));
        }
        out.add(Arguments.of(Profile.DEFAULT, "k8s/kind-values.yaml", kind));
        return out.stream();
    }

    /** The renders below see real NodePort Services: each component with a service.type has its Service exposed. */
    @Test
    void theExposedRendersReallyExposeEveryComponentWithAServiceType() throws IOException {
        Set<String> components = componentsWithServiceType();
        assertThat("values.yaml components with a service.type", components, not(empty()));
        Manifests m = Chart.renderWithHooks(Profile.DEFAULT, Chart.KUBE_NEWEST, everyServiceAs("NodePort"));
        List<String> problems = new ArrayList<>();
        for (String component : components) {
            String name = component.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);   // orderService -> order-service
            String type = m.find("Service", name).map(s -> Y.str(s.body(), "spec", "type")).orElse("no Service " + name);
            if (!"NodePort".equals(type)) {
                problems.add(component + ".service.type=NodePort rendered " + type);
            }
        }
        assertThat(m.description(), problems, empty());
    }

    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("exposedRenders")
    void noAdminPortIsInANodePortOrLoadBalancerService(Profile profile, String what, Path values) {
        Manifests m = Chart.renderWithHooks(profile, Chart.KUBE_NEWEST, values);
        List<String> problems = new ArrayList<>();
        for (Manifests.Doc s : m.ofKind("Service")) {
            String type = Optional.ofNullable(Y.str(s.body(), "spec", "type")).orElse("ClusterIP");
            boolean exposed = !"ClusterIP".equals(type);
            Map<String, String> selector = Y.stringMap(s.body(), "spec", "selector");
            for (Map<String, Object> port : Y.maps(s.body(), "spec", "ports")) {
                String at = s.id() + " (" + type + ") port " + Y.str(port, "name") + " " + port.get("port");
                boolean admin = ADMIN_PORT_NAME.equals(Y.str(port, "name")) || ADMIN_PORT_NAME.equals(String.valueOf(port.get("targetPort")))
                        || m.workloads().stream().filter(w -> Manifests.selectsPlain(selector, w.podLabels()))
                        .anyMatch(w -> isAdminContainerPort(w, port.get("targetPort") != null ? port.get("targetPort") : port.get("port")));
                if (admin && exposed) {
                    problems.add(at + ": an admin port in a " + type + " Service is reachable from outside the cluster");
                }
                if (admin && port.containsKey("nodePort")) {
                    problems.add(at + ": an admin port has nodePort " + port.get("nodePort"));
                }
            }
        }
        assertThat(m.description() + " + " + what, problems, empty());
    }

    /** Whether the port (a name or a number) is a container port named admin of the workload. */
    private static boolean isAdminContainerPort(Manifests.Workload w, Object port) {
        for (Map<String, Object> c : w.containers()) {
            for (Map<String, Object> p : Y.maps(c, "ports")) {
                boolean same = port instanceof Number n ? p.get("containerPort") instanceof Number cn && cn.intValue() == n.intValue()
                        : String.valueOf(port).equals(Y.str(p, "name"));
                if (same && ADMIN_PORT_NAME.equals(Y.str(p, "name"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The documented in-cluster admin address of a shop service, {@code http://<service>-admin:9090}, exists. */
    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("exposedRenders")
    void everyShopServiceKeepsAClusterIpAdminService(Profile profile, String what, Path values) {
        Manifests m = Chart.renderWithHooks(profile, Chart.KUBE_NEWEST, values);
        List<String> problems = new ArrayList<>();
        for (String service : Chart.SHOP_SERVICES) {
            Optional<Manifests.Doc> admin = m.find("Service", service + "-admin");
            if (admin.isEmpty()) {
                problems.add("no Service " + service + "-admin");
                continue;
            }
            List<String> ports = Y.maps(admin.get().body(), "spec", "ports").stream()
                    .map(p -> p.get("port") + "->" + p.get("targetPort")).toList();
            if (!ports.equals(List.of("9090->admin"))) {
                problems.add(admin.get().id() + " ports " + ports + ", expected exactly 9090->admin");
            }
        }
        assertThat(m.description() + " + " + what, problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyTokenReaderGetsAdminTokenFromTheGeneratedSecretAndNoOneElseDoes(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        assertThat(m.description(), tokenProblems(m, TOKEN_SECRET, TOKEN_KEY), empty());
        Map<String, String> secret = m.configFiles().get("Secret/" + TOKEN_SECRET);
        assertTrue(secret != null, m.description() + ": no Secret " + TOKEN_SECRET);
        // randAlphaNum 32: about 190 bits
        String token = secret.get(TOKEN_KEY);
        assertTrue(token != null && token.matches("[A-Za-z0-9]{32}"),
                m.description() + ": Secret " + TOKEN_SECRET + " key " + TOKEN_KEY + " is not 32 alphanumerics: " + token);
        assertThat(m.description() + ": keys of Secret " + TOKEN_SECRET, secret.keySet(), equalTo(Set.of(TOKEN_KEY)));
    }

    @Test
    void anExistingSecretReplacesTheGeneratedOne() throws IOException {
        Path values = Chart.valuesFile("shop:\n  adminToken:\n    existingSecret: my-admin-token\n    existingSecretKey: bearer\n");
        Manifests m = Chart.renderWithHooks(Profile.DEFAULT, Chart.KUBE_NEWEST, values);
        assertThat(m.description() + " with shop.adminToken.existingSecret", tokenProblems(m, "my-admin-token", "bearer"), empty());
        assertTrue(m.find("Secret", TOKEN_SECRET).isEmpty(), m.description() + ": Secret " + TOKEN_SECRET
                + " is rendered although shop.adminToken.existingSecret names the user's");
        for (Manifests.Workload w : m.workloads()) {
            Map<String, Object> template = "Pod".equals(w.doc().kind()) ? w.doc().body() : Y.map(w.doc().body(), "spec", "template");
            assertTrue(!Y.stringMap(template, "metadata", "annotations").containsKey("checksum/admin-token"),
                    w.id() + ": checksum/admin-token of a token the chart cannot see");
        }
    }

    /**
     * ADMIN_TOKEN of every {@link #TOKEN_READERS} container comes from the Secret (never a plain value, never optional:
     * a pod without its token must not start unprotected), their pods roll with it, and no other container gets it.
     */
    private static List<String> tokenProblems(Manifests m, String secret, String key) {
        List<String> problems = new ArrayList<>();
        boolean generated = TOKEN_SECRET.equals(secret);
        for (Manifests.Workload w : m.workloads()) {
            boolean reader = TOKEN_READERS.contains(w.name()) && !w.isTestHook();
            for (Map<String, Object> c : w.allContainers()) {
                String at = w.id() + " container " + Y.str(c, "name");
                List<Map<String, Object>> tokens = Y.maps(c, "env").stream().filter(e -> "ADMIN_TOKEN".equals(Y.str(e, "name"))).toList();
                if (!reader) {
                    if (!tokens.isEmpty()) {
                        problems.add(at + " gets ADMIN_TOKEN but neither serves nor flips /faults");
                    }
                    continue;
                }
                if (tokens.size() != 1) {
                    problems.add(at + " has " + tokens.size() + " ADMIN_TOKEN entries, expected 1");
                    continue;
                }
                Map<String, Object> env = tokens.getFirst();
                String ref = Y.str(env, "valueFrom", "secretKeyRef", "name") + "/" + Y.str(env, "valueFrom", "secretKeyRef", "key");
                if (env.containsKey("value") || !ref.equals(secret + "/" + key) || Y.isTrue(env, "valueFrom", "secretKeyRef", "optional")) {
                    problems.add(at + " ADMIN_TOKEN " + env + ", expected a required secretKeyRef to " + secret + "/" + key);
                }
            }
            if (reader && generated) {
                String checksum = Y.stringMap(Y.map(w.doc().body(), "spec", "template"), "metadata", "annotations").get("checksum/admin-token");
                if (checksum == null || !checksum.matches("[0-9a-f]{64}")) {
                    problems.add(w.id() + ": pod template annotation checksum/admin-token " + checksum
                            + ", expected a sha256 (the pods must restart when the token changes)");
                }
            }
        }
        return problems;
    }
}
