package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code verify} against test-local stand-ins for the order endpoint, Jaeger's and Loki's query APIs
 * ({@link VerifyBackends}), and a real Prometheus ({@link PrometheusProcess}) scraping stand-in targets.
 */
class VerifyCommandTest {
    private static final List<String> JOBS = List.of("order-service", "inventory-service", "payment-service", "load-generator");

    @TempDir
    static Path tmp;

    private static VerifyBackends backends;
    private static PrometheusProcess prometheus;

    @BeforeAll
    static void startBackends() {
        backends = new VerifyBackends();
    }

    @AfterAll
    static void stopAll() {
        try {
            if (prometheus != null) {
                prometheus.close();
            }
        } finally {
            backends.close();
        }
    }

    @BeforeEach
    void resetBackends() {
        backends.reset();
    }

    /** The shared Prometheus, started on first use (skipped without the binary, except in CI). */
    private static PrometheusProcess prometheus() throws IOException, InterruptedException {
        PrometheusProcess.assumeInstalled();
        if (prometheus == null) {
            prometheus = PrometheusProcess.start(tmp, backends.uri(), JOBS);
        }
        return prometheus;
    }

    @Test
    void everyCheckPassesWhenTheTraceMetricsAndLogsAreThere() throws IOException, InterruptedException {
        String prometheusUrl = prometheus().uri().toString();

        Result result = verify("--prometheus", prometheusUrl, "--timeout", "60s");

        System.out.print(result.out());
        assertEquals(0, result.code(), result.toString());
        String traceId = backends.traceId();
        assertNotNull(traceId, "the order endpoint got a traceparent");
        assertThat(backends.traceparent.get(), matchesPattern("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
        assertThat(result.out(), containsString("trace " + traceId));
        assertThat(result.out(), matchesPattern("(?s).*\\norder +PASS +201 order ord-1 after 1 attempt\\n.*"));
        assertThat(result.out(), matchesPattern("(?s).*\\njaeger +PASS +6 spans, services \\[inventory-service, order-service, "
                                                        + "payment-service\\].*"));
        assertThat(result.out(), matchesPattern("(?s).*\\nmetrics +PASS +9 of 9 metrics with data, 9 series\\n.*"));
        assertThat(result.out(), matchesPattern("(?s).*\\nloadgen +PASS +loadgen_requests_total: 1 series\\n.*"));
        assertThat(result.out(), matchesPattern("(?s).*\\ntargets +PASS +3 of 3 targets up \\(order-service 1/1, "
                                                        + "inventory-service 1/1, payment-service 1/1\\)\\n.*"));
        assertThat(result.out(), matchesPattern("(?s).*\\nloki +PASS +3 lines with trace [0-9a-f]{8}… \\(order-service 1, "
                                                        + "inventory-service 1, payment-service 1\\)\\n.*"));
        assertThat(result.out(), containsString("all checks passed"));
        assertEquals("", result.err());
        Map<String, String> loki = backends.lokiQueries.peek();
        assertNotNull(loki, "Loki was queried");
        assertEquals("{service_name=~\"order-service|inventory-service|payment-service\"} | trace_id=\"" + traceId + "\"",
                     loki.get("query"));
        long start = Long.parseLong(loki.get("start"));
        long end = Long.parseLong(loki.get("end"));
        long now = System.currentTimeMillis() * 1_000_000L;
        assertTrue(start < now && end > now && end - start < Duration.ofMinutes(10).toNanos(),
                   "a recent range in nanoseconds: " + loki);
    }

    @Test
    void aServiceMissingFromTheTraceFailsNamingIt() {
        backends.traceServices.remove("payment-service");

        Result result = verify("--skip", "prometheus,loki", "--timeout", "2s");

        assertEquals(1, result.code(), result.toString());
        assertThat(result.out(), containsString("(waiting for payment-service)"));
        assertThat(result.out(), matchesPattern("(?s).*\\njaeger +FAIL +trace [0-9a-f]{8}… has 4 spans, services "
                                                        + "\\[inventory-service, order-service\\] \\(waiting for payment-service\\)\\n.*"));
        assertThat(result.err(), containsString("load-generator: verification failed: jaeger"));
        assertThat(result.out(), not(containsString("\nloki ")));
        assertThat(result.out(), not(containsString("\nmetrics ")));
    }

    @Test
    void lokiWithoutLinesFailsAfterTheTimeout() {
        backends.logServices.clear();
        long started = System.nanoTime();

        Result result = verify("--skip", "prometheus", "--timeout", "3s", "--interval", "200ms");

        long elapsed = System.nanoTime() - started;
        assertEquals(1, result.code(), result.toString());
        assertTrue(elapsed >= Duration.ofSeconds(3).toNanos(), "waited for the whole timeout: " + elapsed / 1e9 + " s");
        assertTrue(backends.lokiQueries.size() >= 3, "polled Loki repeatedly: " + backends.lokiQueries.size());
        assertThat(result.out(), matchesPattern("(?s).*\\njaeger +PASS .*"));
        assertThat(result.out(), matchesPattern("(?s).*\\nloki +FAIL +0 lines with trace [0-9a-f]{8}… \\(order-service 0, "
                                                        + "inventory-service 0, payment-service 0\\) \\(waiting for "
                                                        + "order-service, inventory-service, payment-service\\)\\n.*"));
        assertThat(result.err(), containsString("verification failed: loki"));
    }

    @Test
    void aScrapeTargetThatIsDownFailsNamingIt() throws IOException, InterruptedException {
        PrometheusProcess real = prometheus();
        backends.downTargets.add("payment-service");
        Await.until(Duration.ofSeconds(20), () -> real.value("up{job=\"payment-service\"}") == 0.0,
                    () -> "up{job=\"payment-service\"} = " + real.value("up{job=\"payment-service\"}"));

        Result result = verify("--prometheus", real.uri().toString(), "--skip", "jaeger,loki,metrics,loadgen",
                               "--timeout", "3s", "--interval", "200ms");

        assertEquals(1, result.code(), result.toString());
        String instance = "127.0.0.1:" + backends.port();
        assertThat(result.out(), containsString("\ntargets  FAIL   2 of 3 targets up (order-service 1/1, inventory-service 1/1, "
                                                        + "payment-service 0/1); down: payment-service " + instance + "\n"));
        assertThat(result.err(), containsString("verification failed: targets"));
    }

    @Test
    void theCheckoutIsRetriedUntilThePlatformAnswers() {
        backends.failOrders.set(2);

        Result result = verify("--skip", "prometheus", "--timeout", "20s", "--interval", "100ms");

        assertEquals(0, result.code(), result.toString());
        assertEquals(3, backends.orderAttempts.get());
        assertThat(result.out(), containsString("order: attempt 1 answered 503"));
        assertThat(result.out(), matchesPattern("(?s).*\\norder +PASS +201 order ord-3 after 3 attempts\\n.*"));
    }

    @Test
    void anUnreachableOrderServiceFailsWithoutLookingForATrace() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }

        Result result = verify("--target", "http://127.0.0.1:" + closed, "--skip", "prometheus", "--timeout", "2s",
                               "--interval", "100ms");

        assertEquals(1, result.code(), result.toString());
        assertThat(result.out(), matchesPattern("(?s).*\\norder +FAIL +no answer from http://127.0.0.1:" + closed
                                                        + "/api/orders: connection refused\\n.*"));
        assertThat(result.out(), containsString("jaeger   FAIL   not checked: no order was placed"));
        assertThat(result.err(), containsString("verification failed: order, jaeger, loki"));
        assertTrue(backends.lokiQueries.isEmpty(), "no Loki query without a trace id");
    }

    @Test
    void aBadUrlOrSkipIsAOneLineUsageError() {
        Result badUrl = run("verify", "--jaeger", "jaeger:16686");
        assertEquals(2, badUrl.code(), badUrl.toString());
        assertEquals("load-generator: --jaeger must be an absolute http(s) URL like http://localhost:8080, got 'jaeger:16686'\n",
                     badUrl.err());
        assertEquals("", badUrl.out());

        Result badSkip = run("verify", "--skip", "jaeger,zipkin");
        assertEquals(2, badSkip.code(), badSkip.toString());
        assertEquals("load-generator: --skip takes jaeger, prometheus, metrics, targets, loadgen, loki, got 'zipkin'\n",
                     badSkip.err());

        Result badTimeout = run("verify", "--timeout", "soon");
        assertEquals(2, badTimeout.code(), badTimeout.toString());
        assertThat(badTimeout.err(), containsString("--timeout must be a duration"));

        Result unknown = run("verify", "--frobnicate");
        assertEquals(2, unknown.code(), unknown.toString());
        assertEquals(1, unknown.err().lines().count(), unknown.err());
    }

    /** {@code verify} against the stand-ins: target, Jaeger and Loki at the stub unless {@code args} says otherwise. */
    private static Result verify(String... args) {
        List<String> all = new ArrayList<>(List.of("verify"));
        List<String> given = List.of(args);
        for (String option : List.of("--target", "--jaeger", "--loki")) {
            if (!given.contains(option)) {
                all.addAll(List.of(option, backends.uri().toString()));
            }
        }
        if (!given.contains("--interval")) {
            all.addAll(List.of("--interval", "200ms"));
        }
        all.addAll(given);
        return run(all.toArray(String[]::new));
    }

    private static Result run(String... args) {
        CommandLine commandLine = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** The whole string matches {@code regex} (hamcrest 1.3 has no matchesPattern). */
    private static Matcher<String> matchesPattern(String regex) {
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(String item) {
                return item.matches(regex);
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a string matching /" + regex + "/");
            }
        };
    }

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
