package dev.o11yshop.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.loadgen.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The chart's alerts, end to end on real processes: the three services and the load generator (30 checkouts/s,
 * whose admin port is the Alertmanager webhook), scraped by a real Prometheus running the chart's scrape config,
 * relabelling and rule files, alerting a real Alertmanager running the chart's routes and receivers
 * ({@link PrometheusStack} derives the test copies: only durations that delay an outcome are shortened, never an
 * expression). Each scenario injects a fault, asserts that its alerts become active in Alertmanager and are
 * delivered to the webhook within a bound, clears the fault and asserts that they resolve. The time from fault to
 * alert is measured and printed as a table at the end.
 * <p>
 * The alerts a scenario expects are read from the rendered rule files: one that is missing fails the test (it does
 * not skip). Without Prometheus/Alertmanager binaries it is skipped on a developer machine, and fails in CI.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AlertingIT {
    /** Bound from fault to every expected alert active in Alertmanager (their `for` is divided by 24). */
    private static final Duration FIRE_BOUND = Duration.ofSeconds(120);
    /**
     * Bound from clearing the fault to every expected alert (that is awaited) resolved: the alerts' 5m rate windows
     * must forget the fault, which takes up to 5 minutes in the worst case (a short fault in a short history
     * resolves sooner: the window's error ratio falls as clean traffic adds up).
     */
    private static final Duration RESOLVE_BOUND = Duration.ofSeconds(330);
    private static final double RATE = 40;
    /** 30 checkouts/s plus browsing; no declined or invalid orders, so the healthy baseline has no 4xx/5xx. */
    private static final String MIX = "checkout=3,browse=1";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * An alert a scenario expects: its name and the labels (from the rule or the series) it must carry; whether the
     * test waits for it to resolve (false only where the chart's expression keeps it firing far longer than a test
     * can wait, which the scenario documents).
     */
    record Expected(String alertname, Map<String, String> labels, boolean resolves) {
        Expected(String alertname, Map<String, String> labels) {
            this(alertname, labels, true);
        }

        boolean matches(JsonNode labelsNode) {
            if (!alertname.equals(labelsNode.path("alertname").asText())) {
                return false;
            }
            return labels.entrySet().stream().allMatch(e -> e.getValue().equals(labelsNode.path(e.getKey()).asText()));
        }

        @Override
        public String toString() {
            return alertname + (labels.isEmpty() ? "" : new java.util.TreeMap<>(labels).toString());
        }
    }

    /** One row of the summary: seconds from the fault (or its clearing) to each observation; null = not seen. */
    record Timing(String scenario, Expected alert, Double activeInAlertmanager, Double firingAtWebhook,
                  Double resolvedInAlertmanager, Double resolvedAtWebhook) {
    }

    private static final List<Timing> TIMINGS = new ArrayList<>();
    private static ChartFiles chart;
    private static LocalPlatform platform;
    private static LoadGeneratorProcess loadGenerator;
    private static PrometheusStack stack;
    private static ServiceProcess restartedInventory;
    private static Path runDir;
    private static long suiteStart;

    @BeforeAll
    static void startPlatformAndStack() throws Exception {
        suiteStart = System.nanoTime();
        PrometheusStack.requireBinaries();
        chart = ChartFiles.render();
        runDir = Path.of(System.getProperty("o11yshop.runDir", "target/platform-runs")).resolve("alerting");
        platform = Platform.start("alerting", Map.of());
        loadGenerator = LoadGeneratorProcess.start(platform, runDir, RATE, MIX);
        // Cold JVMs can time out a few checkouts in the first seconds. Prometheus starts once checkouts run clean,
        // so its windows hold a healthy baseline (increases before its first scrape are invisible to rate()).
        awaitCleanCheckouts();
        stack = PrometheusStack.start(chart, runDir.resolve("prometheus-stack"), pods(platform.inventory()),
                                      loadGenerator.admin().resolve("/alerts"));
        // Every local pod is discovered through the file_sd targets, kept by the chart's relabelling and scraped.
        eventually(Duration.ofSeconds(60), () -> {
            Map<String, String> health = stack.targetHealth();
            for (String job : List.of("order-service", "inventory-service", "payment-service", "load-generator", "prometheus")) {
                assertEquals("up", health.get(job), "scrape target health by job (from the chart's relabelling): " + health);
            }
        });
        // The rules run: a recording rule over the services' traffic has a value.
        eventually(Duration.ofSeconds(60), () -> assertTrue(
                stack.query("job:http_requests:rate5m{job=\"order-service\"} > 0").size() > 0,
                "recording rule job:http_requests:rate5m has no order-service series yet"));
    }

    /** Polls order-service's counters until, over at least 5 s, 50+ checkouts succeeded and none answered 5xx. */
    private static void awaitCleanCheckouts() throws Exception {
        java.util.ArrayDeque<long[]> snapshots = new java.util.ArrayDeque<>(); // {nanoTime, 2xx, 5xx}
        eventually(Duration.ofSeconds(90), () -> {
            String metrics = send("GET", platform.order().admin().resolve("/metrics"), null).body();
            long ok = 0;
            long failed = 0;
            for (String line : metrics.split("\n")) {
                if (line.startsWith("http_requests_total{") && line.contains("endpoint=\"/api/orders\"")
                        && line.contains("method=\"POST\"")) {
                    long value = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    if (line.contains("status=\"2")) {
                        ok += value;
                    } else if (line.contains("status=\"5")) {
                        failed += value;
                    }
                }
            }
            long now = System.nanoTime();
            snapshots.addLast(new long[] {now, ok, failed});
            while (snapshots.size() > 1 && now - snapshots.peekFirst()[0] > Duration.ofSeconds(6).toNanos()) {
                snapshots.removeFirst();
            }
            long[] oldest = snapshots.peekFirst();
            boolean clean = now - oldest[0] >= Duration.ofSeconds(5).toNanos() && ok - oldest[1] >= 50 && failed == oldest[2];
            if (failed != oldest[2]) {
                snapshots.clear(); // a 5xx: the clean stretch starts again
                snapshots.addLast(new long[] {now, ok, failed});
            }
            assertTrue(clean, "checkouts not yet clean for 5 s (2xx " + ok + ", 5xx " + failed + " so far)");
        });
    }

    @AfterAll
    static void stopAll() throws Exception {
        try {
            printSummary();
        } finally {
            try {
                if (stack != null) {
                    stack.close();
                }
                if (loadGenerator != null) {
                    loadGenerator.close();
                }
            } finally {
                if (restartedInventory != null) {
                    restartedInventory.close();
                }
                if (platform != null) {
                    platform.close();
                }
            }
        }
    }

    /**
     * payment-service fails half of its API calls: its own error ratio, the checkout availability burn (order-service
     * answers 5xx when payment keeps failing) and the injected fault itself are alerted; all resolve once it is
     * cleared.
     */
    @Test
    @Order(1)
    void paymentErrorsFireAndResolve() throws Exception {
        List<Expected> expected = List.of(
                new Expected("FaultInjectionActive", Map.of("job", "payment-service", "severity", "warning")),
                new Expected("ServiceHighErrorRatio", Map.of("job", "payment-service", "severity", "warning")),
                // Fires (the 1h/5m branch) but is not awaited to resolve: the page's second branch, 6h and 30m burn
                // > 6 (the SRE workbook's multi-window alert), keeps it firing until the 30m window has forgotten
                // the fault, half an hour later.
                new Expected("CheckoutAvailabilityBudgetBurn", Map.of("severity", "page"), false));
        URI faults = platform.payment().admin().resolve("/faults");
        runScenario("payment-service errorRate 0.5", expected,
                () -> assertEquals(200, send("PUT", faults, "{\"errorRate\": 0.5}").statusCode(), "PUT " + faults),
                () -> assertEquals(200, send("DELETE", faults, null).statusCode(), "DELETE " + faults));
    }

    /**
     * inventory-service stops: its scrape target is down and order-service's circuit to it opens. It comes back on
     * the same ports (so order-service and the scrape target find it again) and both resolve.
     */
    @Test
    @Order(2)
    void inventoryDownFiresAndResolves() throws Exception {
        List<Expected> expected = List.of(
                new Expected("TargetDown", Map.of("job", "inventory-service", "severity", "warning")),
                new Expected("DependencyCircuitOpen", Map.of("job", "order-service", "peer", "inventory-service",
                                                             "severity", "warning")));
        ServiceProcess inventory = platform.inventory();
        int port = inventory.api().getPort();
        int adminPort = inventory.admin().getPort();
        runScenario("inventory-service stopped", expected,
                () -> inventory.stop(Duration.ofSeconds(20)),
                () -> restartedInventory = ServiceProcess.start(
                        Path.of(System.getProperty("o11yshop.root", "..")), "inventory-service",
                        Map.of("PORT", String.valueOf(port), "ADMIN_PORT", String.valueOf(adminPort),
                               "OTEL_EXPORTER_OTLP_ENDPOINT", platform.receiver().endpoint()),
                        runDir.resolve("inventory-restarted")));
    }

    private interface Action {
        void run() throws Exception;
    }

    private static void runScenario(String name, List<Expected> expected, Action inject, Action clear) throws Exception {
        assertRulesExist(name, expected);
        List<JsonNode> before = stack.activeAlerts();
        for (Expected alert : expected) {
            assertTrue(before.stream().noneMatch(a -> alert.matches(a.path("labels"))),
                    () -> name + ": " + alert + " is active before the fault, so its time to fire means nothing: " + before);
        }
        int webhookLinesBefore = loadGenerator.alertsReceived().size();
        Map<Expected, Double> active = new LinkedHashMap<>();
        Map<Expected, Double> firing = new LinkedHashMap<>();
        Map<Expected, Double> resolved = new LinkedHashMap<>();
        Map<Expected, Double> resolvedAtWebhook = new LinkedHashMap<>();
        Map<Expected, Set<String>> fingerprints = new HashMap<>();
        List<Expected> resolving = expected.stream().filter(Expected::resolves).toList();
        try {
            long injected = System.nanoTime();
            inject.run();
            try {
                eventually(FIRE_BOUND, () -> {
                    observe(expected, injected, webhookLinesBefore, active, fingerprints, firing);
                    assertEquals(expected.size(), active.size(), () -> missing(name, "active in Alertmanager", expected, active));
                    assertEquals(expected.size(), firing.size(), () -> missing(name, "delivered (firing) to the webhook", expected, firing));
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + diagnostics(), e);
            }
            int webhookLinesAtClear = loadGenerator.alertsReceived().size();
            long cleared = System.nanoTime();
            clear.run();
            try {
                eventually(RESOLVE_BOUND, () -> {
                    List<JsonNode> now = stack.activeAlerts();
                    double t = seconds(cleared);
                    for (Expected alert : resolving) {
                        if (!resolved.containsKey(alert) && now.stream().noneMatch(a -> alert.matches(a.path("labels")))) {
                            resolved.put(alert, t);
                        }
                    }
                    observeWebhook(resolving, fingerprints, cleared, webhookLinesAtClear, resolvedAtWebhook, "resolved");
                    assertEquals(resolving.size(), resolved.size(), () -> missing(name, "resolved (gone from Alertmanager's active alerts)", resolving, resolved));
                    assertEquals(resolving.size(), resolvedAtWebhook.size(), () -> missing(name, "delivered (resolved) to the webhook", resolving, resolvedAtWebhook));
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + diagnostics(), e);
            }
        } finally {
            for (Expected alert : expected) {
                TIMINGS.add(new Timing(name, alert, active.get(alert), firing.get(alert), resolved.get(alert),
                                       resolvedAtWebhook.get(alert)));
            }
        }
    }

    /**
     * Records the first time each expected alert is active in Alertmanager (and the fingerprints of the alerts that
     * match it), and the first time one of those fingerprints is delivered to the webhook as firing.
     */
    private static void observe(List<Expected> expected, long since, int webhookLinesBefore, Map<Expected, Double> active,
                                Map<Expected, Set<String>> fingerprints, Map<Expected, Double> delivered)
            throws IOException, InterruptedException {
        List<JsonNode> now = stack.activeAlerts();
        double t = seconds(since);
        for (Expected alert : expected) {
            for (JsonNode a : now) {
                if (alert.matches(a.path("labels"))) {
                    active.putIfAbsent(alert, t);
                    fingerprints.computeIfAbsent(alert, k -> new TreeSet<>()).add(a.path("fingerprint").asText());
                }
            }
        }
        observeWebhook(expected, fingerprints, since, webhookLinesBefore, delivered, "firing");
    }

    /**
     * The webhook's {@code alert_received} lines after the first {@code skip}: an expected alert counts as delivered
     * with {@code status} when a line with that status carries the fingerprint of an Alertmanager alert that matched
     * it (the log line has the alert's name, severity and fingerprint, not all of its labels).
     */
    private static void observeWebhook(List<Expected> expected, Map<Expected, Set<String>> fingerprints, long since,
                                       int skip, Map<Expected, Double> delivered, String status) throws IOException {
        List<JsonNode> lines = loadGenerator.alertsReceived();
        double t = seconds(since);
        for (JsonNode line : lines.subList(Math.min(skip, lines.size()), lines.size())) {
            for (Expected alert : expected) {
                if (status.equals(line.path("status").asText())
                        && alert.alertname().equals(line.path("alertname").asText())
                        && fingerprints.getOrDefault(alert, Set.of()).contains(line.path("fingerprint").asText())) {
                    delivered.putIfAbsent(alert, t);
                }
            }
        }
    }

    /** Every expected alert is defined in the chart's rule files (with the expected severity): else fail, naming it. */
    private static void assertRulesExist(String scenario, List<Expected> expected) {
        List<ChartFiles.Rule> rules = chart.rules();
        List<String> missing = new ArrayList<>();
        for (Expected alert : expected) {
            String severity = alert.labels().get("severity");
            boolean defined = rules.stream().anyMatch(r -> r.alert().filter(alert.alertname()::equals).isPresent()
                    && (severity == null || severity.equals(r.severity())));
            if (!defined) {
                missing.add(alert.alertname() + (severity == null ? "" : " (severity " + severity + ")"));
            }
        }
        if (!missing.isEmpty()) {
            Set<String> defined = rules.stream().flatMap(r -> r.alert().map(a -> a + "/" + r.severity()).stream())
                    .collect(Collectors.toCollection(TreeSet::new));
            fail("scenario '" + scenario + "' expects alerts the chart's rule files (" + chart.chartDir()
                         + "/files/prometheus/rules) do not define: " + missing + "; defined (alert/severity): " + defined);
        }
    }

    private static String missing(String scenario, String what, List<Expected> expected, Map<Expected, Double> seen) {
        return scenario + ": not " + what + ": " + expected.stream().filter(e -> !seen.containsKey(e)).toList();
    }

    private static String diagnostics() {
        try {
            StringBuilder out = new StringBuilder();
            out.append("Alertmanager active alerts: ").append(stack.activeAlerts().stream()
                    .map(a -> a.path("labels").toString()).toList()).append('\n');
            out.append("Prometheus ALERTS: ").append(stack.query("ALERTS")).append('\n');
            out.append("targets: ").append(stack.targetHealth()).append('\n');
            out.append("webhook lines: ").append(loadGenerator.alertsReceived().size()).append('\n');
            for (JsonNode group : stack.rulesStatus().path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (!"ok".equals(rule.path("health").asText())) {
                        out.append("rule ").append(rule.path("name").asText()).append(": ")
                                .append(rule.path("lastError").asText()).append('\n');
                    }
                }
            }
            out.append("stack: ").append(stack);
            return out.toString();
        } catch (IOException | InterruptedException e) {
            return "(diagnostics unavailable: " + e + ")";
        }
    }

    private static void printSummary() throws IOException {
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "%n%-30s %-75s %9s %9s %9s %9s%n", "scenario", "alert",
                "active", "notified", "resolved", "res.notif"));
        table.append(String.format(Locale.ROOT, "%-30s %-75s %9s %9s %9s %9s%n", "", "",
                "(s after fault)", "", "(s after clear)", ""));
        for (Timing t : TIMINGS) {
            table.append(String.format(Locale.ROOT, "%-30s %-75s %9s %9s %9s %9s%n", t.scenario(), t.alert(),
                    fmt(t.activeInAlertmanager()), fmt(t.firingAtWebhook()),
                    t.alert().resolves() ? fmt(t.resolvedInAlertmanager()) : "n/a", t.alert().resolves() ? fmt(t.resolvedAtWebhook()) : "n/a"));
        }
        table.append(String.format(Locale.ROOT, "rule `for` divided by %d, scrape/evaluation interval %s; total %.1f s%n",
                PrometheusStack.RULE_TIME_FACTOR, PrometheusStack.INTERVAL, seconds(suiteStart)));
        System.out.println("==> AlertingIT: time to fire and to resolve" + table);
        if (runDir != null) {
            Files.createDirectories(runDir);
            Files.writeString(runDir.resolve("alerting-summary.txt"), table.toString());
        }
    }

    private static String fmt(Double seconds) {
        return seconds == null ? "-" : String.format(Locale.ROOT, "%.1f", seconds);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** The local processes standing in for the chart's pods: the services' http/admin ports, the generator's admin. */
    private static List<PrometheusStack.LocalPod> pods(ServiceProcess inventory) {
        List<PrometheusStack.LocalPod> pods = new ArrayList<>();
        for (ServiceProcess service : List.of(platform.order(), inventory, platform.payment())) {
            pods.add(new PrometheusStack.LocalPod(service.name(), Map.of(
                    "http", service.api().getPort(), "admin", service.admin().getPort())));
        }
        pods.add(new PrometheusStack.LocalPod("load-generator", Map.of("admin", loadGenerator.adminPort())));
        return pods;
    }

    private static HttpResponse<String> send(String method, URI uri, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
