package dev.o11yshop.loadgen.alerting;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.o11yshop.loadgen.alerting.PrometheusStack.LocalPod;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.RequiredInCi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack live, with the chart's derived configs: a stub serves the load generator's admin port (its
 * {@code /metrics}, and {@code POST /alerts} for the webhooks) and stands in for Loki; rule files of the test's own are
 * added and removed at runtime; Alertmanager's view of firing, inhibited and silenced alerts. Skipped without the
 * binaries on a developer machine, failed in CI.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusStackTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /**
     * Two alerts of one name and job, a page and a warning: the chart's inhibit rule (page silences the warning of the
     * same alertname and job) holds the warning back. Both fire together, 8 s after the file is loaded: later than
     * Prometheus takes to find Alertmanager again after the reload (up to 5 s), so neither is dropped and resent on
     * its own (then the warning could reach Alertmanager before the page that inhibits it).
     */
    private static final String TEST_RULES = """
            groups:
              - name: stack-test
                rules:
                  - alert: StackTestAlert
                    expr: vector(1)
                    for: 8s
                    labels: {severity: page, job: stack-test}
                    annotations: {summary: the page}
                  - alert: StackTestAlert
                    expr: vector(1)
                    for: 8s
                    labels: {severity: warning, job: stack-test}
                    annotations: {summary: the inhibited warning}
            """;

    @TempDir
    static Path dir;
    private static HttpServer stub;
    private static final List<JsonNode> WEBHOOK_ALERTS = new CopyOnWriteArrayList<>();
    private static PrometheusStack stack;

    @BeforeAll
    static void start() throws Exception {
        RequiredInCi.require(PrometheusStack.missingBinaries().orElse(null));
        stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/metrics", exchange -> respond(exchange, 200, "# TYPE stub_up gauge\nstub_up 1\n"));
        stub.createContext("/alerts", exchange -> {
            Json.MAPPER.readTree(exchange.getRequestBody()).path("alerts").forEach(WEBHOOK_ALERTS::add);
            respond(exchange, 200, "{}");
        });
        stub.start();
        String stubAddress = "127.0.0.1:" + stub.getAddress().getPort();
        stack = PrometheusStack.start(ChartConfig.bundled(), dir.resolve("stack"),
                List.of(new LocalPod("load-generator", Map.of("admin", stub.getAddress().getPort()))),
                Map.of("loki:3100", stubAddress), URI.create("http://" + stubAddress + "/alerts"), 24);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        if (stub != null) {
            stub.stop(0);
        }
    }

    @Test
    @Order(1)
    void thePodTheStaticStandInAndPrometheusItselfAreScraped() throws Exception {
        eventually(WAIT, () -> {
            Map<String, String> health = stack.targetHealth();
            assertEquals(Map.of("prometheus", "up", "load-generator", "up", "loki", "up"), health);
        });
        // The chart's relabelling made the job and namespace labels from the pod template's metadata.
        JsonNode up = stack.query("up{job=\"load-generator\"}");
        assertEquals(ChartConfig.NAMESPACE, up.get(0).path("metric").path("namespace").asText(), up.toString());
        assertEquals("load-generator-local-0", up.get(0).path("metric").path("pod").asText(), up.toString());
    }

    @Test
    @Order(2)
    void everyGroupOfTheChartIsLoadedAndEvaluatesCleanly() throws Exception {
        long chartGroups = ChartConfig.bundled().rules().stream().map(r -> r.file() + "/" + r.group()).distinct().count();
        eventually(WAIT, () -> {
            JsonNode groups = stack.rulesStatus().path("groups");
            assertEquals(chartGroups, groups.size(), groups.toString());
            for (JsonNode group : groups) {
                for (JsonNode rule : group.path("rules")) {
                    assertEquals("ok", rule.path("health").asText(), group.path("name").asText() + " " + rule);
                }
            }
        });
    }

    @Test
    @Order(3)
    void anAddedRuleFileFiresThroughTheChartsRoutesInhibitionAndWebhook() throws Exception {
        stack.addRuleFile("stack-test.yaml", TEST_RULES);

        eventually(WAIT, () -> {
            List<JsonNode> active = stack.activeAlerts().stream().filter(PrometheusStackTest::isTestAlert).toList();
            assertEquals(1, active.size(), "only the page is active: " + active + "; all: " + stack.alerts()
                    + "; ALERTS in Prometheus: " + stack.query("ALERTS"));
            assertEquals("page", active.getFirst().path("labels").path("severity").asText());
            JsonNode warning = stack.alerts().stream().filter(PrometheusStackTest::isTestAlert)
                    .filter(a -> a.path("labels").path("severity").asText().equals("warning")).findFirst()
                    .orElseThrow(() -> new AssertionError("alerts() lists the inhibited warning"));
            assertEquals("suppressed", warning.path("status").path("state").asText(), warning.toString());
            assertFalse(warning.path("status").path("inhibitedBy").isEmpty(), warning.toString());
            assertTrue(WEBHOOK_ALERTS.stream().anyMatch(a -> isTestAlert(a) && a.path("status").asText().equals("firing")),
                       "the page reached the webhook: " + WEBHOOK_ALERTS);
        });
        assertTrue(WEBHOOK_ALERTS.stream().filter(PrometheusStackTest::isTestAlert)
                           .noneMatch(a -> a.path("labels").path("severity").asText().equals("warning")),
                   "the inhibited warning is never delivered: " + WEBHOOK_ALERTS);
    }

    @Test
    @Order(4)
    void aSilencedAlertIsSuppressedNotActive() throws Exception {
        String id = stack.silence(Map.of("alertname", "StackTest.*", "severity", "page"), Duration.ofMinutes(5), "stack test");

        assertFalse(id.isEmpty());
        eventually(WAIT, () -> {
            assertTrue(stack.activeAlerts().stream().noneMatch(PrometheusStackTest::isTestAlert), "silenced");
            JsonNode page = stack.alerts().stream().filter(PrometheusStackTest::isTestAlert)
                    .filter(a -> a.path("labels").path("severity").asText().equals("page")).findFirst().orElseThrow();
            assertEquals(id, page.path("status").path("silencedBy").path(0).asText(), page.toString());
        });
    }

    @Test
    @Order(5)
    void aRuleFilePrometheusRejectsIsRemovedAndNamed() throws Exception {
        IllegalArgumentException rejected = assertThrows(IllegalArgumentException.class, () -> stack.addRuleFile("broken.yaml", """
                groups:
                  - name: broken
                    rules:
                      - alert: Broken
                        expr: sum(
                """));

        assertThat(rejected.getMessage(), containsString("Prometheus rejected rule file broken.yaml"));
        assertFalse(Files.exists(stack.dir().resolve("rules/broken.yaml")), "the broken file is not left behind");
        assertThrows(IllegalArgumentException.class, () -> stack.addRuleFile("../escape.yaml", TEST_RULES));
    }

    @Test
    @Order(6)
    void aRemovedRuleFileIsGoneFromPrometheus() throws Exception {
        stack.removeRuleFile("stack-test.yaml");

        assertTrue(stack.rulesStatus().path("groups").findValuesAsText("name").stream().noneMatch("stack-test"::equals));
        IllegalStateException badQuery = assertThrows(IllegalStateException.class, () -> stack.query("sum("));
        assertThat(badQuery.getMessage(), containsString("query sum( failed"));
    }

    @Test
    @Order(7)
    void updatedPodsAreDiscoveredAgain() throws Exception {
        stack.updatePods(List.of());
        eventually(WAIT, () -> assertFalse(stack.targetHealth().containsKey("load-generator"), "pod gone"));

        stack.updatePods(List.of(new LocalPod("load-generator", Map.of("admin", stub.getAddress().getPort()))));
        eventually(WAIT, () -> assertEquals("up", stack.targetHealth().get("load-generator")));
    }

    @Test
    @Order(8)
    void closingStopsBothDaemons() throws Exception {
        URI prometheus = stack.prometheus();
        URI alertmanager = stack.alertmanager();

        stack.close();

        for (URI uri : List.of(prometheus, alertmanager)) {
            assertThrows(IOException.class, () -> HTTP.send(HttpRequest.newBuilder(uri.resolve("/-/ready")).build(),
                                                            HttpResponse.BodyHandlers.discarding()), uri.toString());
        }
        stack = null;
    }

    private static boolean isTestAlert(JsonNode alert) {
        return alert.path("labels").path("alertname").asText().equals("StackTestAlert");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
