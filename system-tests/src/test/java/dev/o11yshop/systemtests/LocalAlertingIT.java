package dev.o11yshop.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.o11yshop.loadgen.alerting.ChartConfig;
import dev.o11yshop.loadgen.alerting.PrometheusStack;
import dev.o11yshop.observability.RequiredInCi;
import org.junit.jupiter.api.Test;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code load-generator local} with the chart's alerting, as a trainer runs it: the jar as a process ({@code --duration
 * 0 --alerting on --alert-time-factor 24}), a fault injected and cleared with the {@code fault} command (the jar
 * again), and what the trainer would see: every scrape target up and the chart's rule groups healthy in the local
 * Prometheus, {@code FaultInjectionActive} for payment-service active in the local Alertmanager, and its FIRING and
 * RESOLVED lines in {@code local}'s output, once each, and no alert from what local does not run or from cold JVMs.
 * Ctrl-C (SIGINT) ends it with exit code 0 and leaves neither Prometheus nor Alertmanager running. Without the
 * binaries it is skipped on a developer machine and fails in CI.
 */
class LocalAlertingIT {
    private static final Duration START_BOUND = Duration.ofSeconds(60);
    /** FaultInjectionActive's `for` is 10m, 25 s at factor 24, plus the ticket route's group_wait (1m / 24). */
    private static final Duration FIRE_BOUND = Duration.ofSeconds(60);
    /** The resolved notification waits for the ticket route's next group_interval tick (10m / 24 = 25 s). */
    private static final Duration RESOLVE_BOUND = Duration.ofSeconds(60);
    private static final Pattern FIRING = Pattern.compile(
            "(?m)^alert \\d\\d:\\d\\d:\\d\\d FIRING +FaultInjectionActive \\(warning\\) job=payment-service .*$");
    private static final Pattern RESOLVED = Pattern.compile(
            "(?m)^alert \\d\\d:\\d\\d:\\d\\d RESOLVED +FaultInjectionActive \\(warning\\) job=payment-service .*$");
    private static final List<String> JOBS = List.of("order-service", "inventory-service", "payment-service",
                                                     "load-generator", "prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path root = Path.of(System.getProperty("o11yshop.root", ".."));
    private final Path jar = root.resolve("load-generator/target/load-generator.jar");
    private final String java = ProcessHandle.current().info().command().orElse("java");

    @Test
    void localRunsTheChartsAlertingAndPrintsTheFaultsAlert() throws Exception {
        RequiredInCi.require(PrometheusStack.missingBinaries().map(m -> "local's alerting needs " + m).orElse(null));
        long started = System.nanoTime();
        Path runRoot = Path.of(System.getProperty("o11yshop.runDir", "target/platform-runs"))
                .resolve("local-alerting-" + System.currentTimeMillis()).toAbsolutePath();
        Files.createDirectories(runRoot);
        Path output = runRoot.resolve("local-output.txt");
        Process local = new ProcessBuilder(java, "-jar", jar.toString(), "local", "--duration", "0", "--rate", "20",
                                           "--alerting", "on", "--alert-time-factor", "24", "--run-root", runRoot.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        List<ProcessHandle> daemons = new ArrayList<>();
        try {
            // endpoints.json is written once the platform and the stack are up.
            AtomicReference<JsonNode> endpoints = new AtomicReference<>();
            eventually(START_BOUND, () -> {
                assertTrue(local.isAlive(), () -> "local exited with " + local.exitValue() + ":\n" + read(output));
                endpoints.set(newestEndpoints(runRoot));
                assertTrue(endpoints.get().hasNonNull("prometheus") && endpoints.get().hasNonNull("alertmanager"),
                           () -> "endpoints.json names Prometheus and Alertmanager: " + endpoints.get());
            });
            URI prometheus = URI.create(endpoints.get().get("prometheus").asText());
            URI alertmanager = URI.create(endpoints.get().get("alertmanager").asText());
            double startSeconds = seconds(started);
            daemons.addAll(local.descendants().filter(LocalAlertingIT::isPrometheusOrAlertmanager).toList());
            assertEquals(2, daemons.size(), "local's children include Prometheus and Alertmanager: "
                    + local.descendants().map(p -> p.info().command().orElse("?")).toList());

            eventually(Duration.ofSeconds(30), () -> {
                Map<String, String> health = targetHealth(prometheus);
                for (String job : JOBS) {
                    assertEquals("up", health.get(job), "scrape targets by job: " + health);
                }
            });
            Set<String> chartGroups = ChartConfig.bundled().rules().stream().map(ChartConfig.Rule::group)
                    .collect(Collectors.toCollection(TreeSet::new));
            eventually(Duration.ofSeconds(30), () -> {
                JsonNode groups = getJson(prometheus.resolve("/api/v1/rules")).path("data").path("groups");
                Set<String> loaded = new TreeSet<>();
                for (JsonNode group : groups) {
                    loaded.add(group.path("name").asText());
                    for (JsonNode rule : group.path("rules")) {
                        assertEquals("ok", rule.path("health").asText(), group.path("name").asText() + ": " + rule);
                    }
                }
                assertEquals(chartGroups, loaded, "the chart's rule groups");
            });

            long faulted = System.nanoTime();
            assertEquals(0, fault(runRoot, "errorRate=0.5"), "fault payment-service errorRate=0.5");
            eventually(FIRE_BOUND, () -> {
                assertTrue(local.isAlive(), () -> "local exited:\n" + read(output));
                assertTrue(activeAlerts(alertmanager).stream().anyMatch(LocalAlertingIT::isPaymentFault),
                           () -> "FaultInjectionActive{job=payment-service} active in Alertmanager; local's output:\n" + read(output));
            });
            double activeAfter = seconds(faulted);
            eventually(FIRE_BOUND, () -> assertTrue(FIRING.matcher(read(output)).find(), "local printed the FIRING line"));
            double firingLineAfter = seconds(faulted);

            long cleared = System.nanoTime();
            assertEquals(0, fault(runRoot, "clear"), "fault payment-service clear");
            eventually(RESOLVE_BOUND, () -> assertTrue(RESOLVED.matcher(read(output)).find(),
                    () -> "local printed the RESOLVED line; its output:\n" + read(output)));
            double resolvedLineAfter = seconds(cleared);

            Process interrupt = new ProcessBuilder("kill", "-INT", String.valueOf(local.pid())).inheritIO().start();
            assertEquals(0, interrupt.waitFor(), "kill -INT");
            assertTrue(local.waitFor(60, TimeUnit.SECONDS), "local ended within 60 s of SIGINT");
            String text = read(output);
            assertEquals(0, local.exitValue(), text);
            assertThat(text, containsString("==> alerts notified"));
            assertTrue(Pattern.compile("(?m)^FaultInjectionActive \\(warning\\) +1 +1$").matcher(text).find(),
                       "the final table counts FaultInjectionActive fired once and resolved once:\n" + text);
            // Alertmanager re-sends a group's alerts with every change in the group: local prints each change once.
            assertEquals(1, FIRING.matcher(text).results().count(), "one FIRING line for the fault:\n" + text);
            assertEquals(1, RESOLVED.matcher(text).results().count(), "one RESOLVED line for the fault:\n" + text);
            // The chart is rendered without what local does not run (no TargetDown for the collector or Jaeger),
            // and the services are warmed up before Prometheus starts (no latency page from cold JVMs).
            assertThat(text, containsString("==> warming up the services"));
            assertThat(text, not(containsString("TargetDown")));
            assertThat(text, not(containsString("CheckoutLatencyBudgetBurn")));
            for (ProcessHandle daemon : daemons) {
                assertFalse(daemon.isAlive(), daemon.info().command().orElse("?") + " (pid " + daemon.pid() + ") stopped");
            }
            System.out.printf(Locale.ROOT, "==> LocalAlertingIT: stack up %.1f s after launch; fault → active in "
                                      + "Alertmanager %.1f s, → FIRING line %.1f s; clear → RESOLVED line %.1f s; total %.1f s%n",
                              startSeconds, activeAfter, firingLineAfter, resolvedLineAfter, seconds(started));
        } finally {
            if (local.isAlive()) {
                local.destroy(); // SIGTERM: local stops its children itself
                if (!local.waitFor(30, TimeUnit.SECONDS)) {
                    local.destroyForcibly();
                }
            }
            daemons.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** {@code load-generator fault payment-service <setting>} as a user types it; its exit code. */
    private int fault(Path runRoot, String setting) throws IOException, InterruptedException {
        Process fault = new ProcessBuilder(java, "-jar", jar.toString(), "fault", "payment-service", setting,
                                           "--run-root", runRoot.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(fault.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(fault.waitFor(60, TimeUnit.SECONDS), "fault ended");
        assertThat(out, containsString("payment-service faults:"));
        return fault.exitValue();
    }

    private static boolean isPrometheusOrAlertmanager(ProcessHandle process) {
        String command = process.info().command().orElse("");
        return command.equals(PrometheusStack.PROMETHEUS.toString()) || command.equals(PrometheusStack.ALERTMANAGER.toString());
    }

    private static boolean isPaymentFault(JsonNode alert) {
        JsonNode labels = alert.path("labels");
        return labels.path("alertname").asText().equals("FaultInjectionActive")
                && labels.path("job").asText().equals("payment-service");
    }

    private static JsonNode newestEndpoints(Path runRoot) throws IOException {
        try (Stream<Path> runs = Files.list(runRoot)) {
            Path file = runs.map(run -> run.resolve("endpoints.json")).filter(Files::isRegularFile).findFirst()
                    .orElseThrow(() -> new AssertionError("no endpoints.json under " + runRoot + " yet"));
            return JSON.readTree(file.toFile());
        }
    }

    private static Map<String, String> targetHealth(URI prometheus) throws IOException, InterruptedException {
        Map<String, String> health = new java.util.TreeMap<>();
        getJson(prometheus.resolve("/api/v1/targets?state=active")).path("data").path("activeTargets")
                .forEach(t -> health.merge(t.path("labels").path("job").asText(), t.path("health").asText(), (a, b) -> a + "," + b));
        return health;
    }

    /** Alertmanager's alerts that are neither silenced nor inhibited. */
    private static List<JsonNode> activeAlerts(URI alertmanager) throws IOException, InterruptedException {
        List<JsonNode> active = new ArrayList<>();
        getJson(alertmanager.resolve("/api/v2/alerts?active=true&silenced=false&inhibited=false")).forEach(active::add);
        return active;
    }

    private static JsonNode getJson(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                                                  HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "GET " + uri + ": " + response.body());
        return JSON.readTree(response.body());
    }

    /** What local printed so far ("" before its first line). */
    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read local's output " + file, e);
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
