package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.loadgen.VerifyChecks.Check;
import dev.o11yshop.loadgen.VerifyChecks.Outcome;
import dev.o11yshop.observability.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code verify}: checks a deployed o11y-shop end to end, as the chart's {@code helm test} does. It places one
 * checkout with its own W3C {@code traceparent} (so the trace id is known), then polls until every check passes or
 * the time is up:
 * <ul>
 *     <li>{@code jaeger}: the trace, through Jaeger's query API, has spans from all three services;</li>
 *     <li>{@code metrics}: Prometheus has data for the contract's RED metrics and one business metric of each
 *     service, and for {@code loadgen_requests_total};</li>
 *     <li>{@code targets}: every scrape target of the three services is up ({@code up == 1}), at least one each;</li>
 *     <li>{@code loki}: Loki has log lines carrying the trace id from each of the three services.</li>
 * </ul>
 * Progress lines go to stdout whenever a check's state changes, then a summary table with one line per check.
 * <p>
 * Exit codes: 0 every check passed, 1 a check failed (or the order could not be placed in time), 2 a wrong command
 * line, reported as one line on stderr.
 */
@Command(name = "verify",
         mixinStandardHelpOptions = true,
         description = {"Verifies a deployed o11y-shop end to end: places one checkout with a known trace id, then "
                                + "waits until its trace (Jaeger), the metrics and scrape targets (Prometheus) and its "
                                + "log lines (Loki) show up for all three services.",
                        "Exit codes: 0 all checks passed, 1 a check failed, 2 wrong command line."})
final class VerifyCommand implements Callable<Integer> {
    /** The services a complete checkout passes through. */
    static final List<String> SERVICES = FaultCommand.SERVICES;
    /** Check names {@code --skip} takes; {@code prometheus} means metrics, targets and loadgen. */
    static final List<String> SKIPPABLE = List.of("jaeger", "prometheus", "metrics", "targets", "loadgen", "loki");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration MAX_CALL_TIMEOUT = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Option(names = "--target", paramLabel = "URL", defaultValue = "http://order-service:8080",
            description = "order-service base URL, where the checkout is placed (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--jaeger", paramLabel = "URL", defaultValue = "http://jaeger:16686",
            description = "Jaeger query base URL (default: ${DEFAULT-VALUE})")
    String jaeger;

    @Option(names = "--prometheus", paramLabel = "URL", defaultValue = "http://prometheus:9090",
            description = "Prometheus base URL (default: ${DEFAULT-VALUE})")
    String prometheus;

    @Option(names = "--loki", paramLabel = "URL", defaultValue = "http://loki:3100",
            description = "Loki base URL (default: ${DEFAULT-VALUE})")
    String loki;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "120s",
            description = "how long to retry the checkout and wait for every check, e.g. 30s, 2m (default: ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = "--interval", paramLabel = "TIME", defaultValue = "2s",
            description = "time between polls of the backends (default: ${DEFAULT-VALUE})")
    String interval;

    @Option(names = "--skip", paramLabel = "CHECK", split = ",",
            description = "checks to leave out, comma separated: jaeger, prometheus (= metrics, targets and loadgen), "
                    + "metrics, targets, loadgen, loki")
    List<String> skip = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        URI order = url("--target", target);
        URI jaegerUrl = url("--jaeger", jaeger);
        URI prometheusUrl = url("--prometheus", prometheus);
        URI lokiUrl = url("--loki", loki);
        Duration limit = duration("--timeout", timeout);
        Duration pause = duration("--interval", interval);
        Set<String> skipped = skipped();

        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        long deadline = started + limit.toNanos();
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(3))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        Progress progress = new Progress(out, started);

        out.println("load-generator verify: checkout at " + order + ", then " + describe(skipped) + " within "
                            + Durations.format(limit));
        out.flush();
        Placed placed = placeOrder(http, order, deadline, pause, progress);
        List<Check> checks = checks(http, placed == null ? null : placed.traceId(), placed == null ? 0 : placed.epochNanos(),
                                    jaegerUrl, prometheusUrl, lokiUrl, skipped);
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        if (placed == null) {
            // Without an order there is no trace to look for; still report what Prometheus knows (a down target
            // often says why the order failed), with one poll.
            for (Check check : checks) {
                outcomes.put(check.name(), check.traceBound()
                        ? Outcome.failed("not checked: no order was placed")
                        : check.poll(callTimeout(deadline)));
            }
        } else {
            pollUntilDone(checks, outcomes, deadline, pause, progress);
        }

        out.println();
        out.println("trace " + (placed == null ? "(none)" : placed.traceId()));
        out.printf("%-8s %-6s %s%n", "check", "result", "details");
        out.printf("%-8s %-6s %s%n", "order", placed == null ? "FAIL" : "PASS",
                   placed == null ? progress.last("order") : placed.describe());
        List<String> failed = new ArrayList<>();
        if (placed == null) {
            failed.add("order");
        }
        for (Check check : checks) {
            Outcome outcome = outcomes.get(check.name());
            if (!outcome.passed()) {
                failed.add(check.name());
            }
            out.printf("%-8s %-6s %s%n", check.name(), outcome.passed() ? "PASS" : "FAIL", outcome.message());
        }
        out.flush();
        if (!failed.isEmpty()) {
            err.println("load-generator: verification failed: " + String.join(", ", failed) + " (after "
                                + seconds(System.nanoTime() - started) + " s)");
            err.flush();
            return 1;
        }
        out.println("all checks passed in " + seconds(System.nanoTime() - started) + " s");
        out.flush();
        return 0;
    }

    private static void pollUntilDone(List<Check> checks, Map<String, Outcome> outcomes, long deadline, Duration pause,
                                      Progress progress) throws InterruptedException {
        while (true) {
            boolean allPassed = true;
            for (Check check : checks) {
                Outcome previous = outcomes.get(check.name());
                if (previous != null && previous.passed()) {
                    continue;
                }
                Outcome outcome = check.poll(callTimeout(deadline));
                outcomes.put(check.name(), outcome);
                progress.report(check.name(), (outcome.passed() ? "PASS " : "") + outcome.message());
                allPassed &= outcome.passed();
            }
            long left = deadline - System.nanoTime();
            if (allPassed || left <= 0) {
                return;
            }
            Thread.sleep(Math.max(1, Math.min(pause.toMillis(), left / 1_000_000)));
        }
    }

    private List<Check> checks(HttpClient http, String traceId, long placedEpochNanos, URI jaegerUrl, URI prometheusUrl,
                               URI lokiUrl, Set<String> skipped) {
        List<Check> checks = new ArrayList<>();
        if (!skipped.contains("jaeger")) {
            checks.add(new VerifyChecks.JaegerTrace(http, jaegerUrl, traceId));
        }
        if (!skipped.contains("metrics")) {
            checks.add(new VerifyChecks.ServiceMetrics(http, prometheusUrl));
        }
        if (!skipped.contains("loadgen")) {
            checks.add(new VerifyChecks.LoadgenMetrics(http, prometheusUrl));
        }
        if (!skipped.contains("targets")) {
            checks.add(new VerifyChecks.ScrapeTargets(http, prometheusUrl));
        }
        if (!skipped.contains("loki")) {
            checks.add(new VerifyChecks.LokiLogs(http, lokiUrl, traceId, placedEpochNanos));
        }
        return checks;
    }

    /** The checkout that was placed: its trace id, answer and when. */
    record Placed(String traceId, int status, String orderId, int attempts, long epochNanos) {
        String describe() {
            return status + (orderId == null ? "" : " order " + orderId) + " after " + attempts + " attempt"
                    + (attempts == 1 ? "" : "s");
        }
    }

    /**
     * Places one checkout with a fresh trace id per attempt, retrying while the platform is not there yet (no
     * answer, 5xx, 409/422/429) until the deadline. A 2xx is success; any other 4xx ends the attempts.
     */
    private Placed placeOrder(HttpClient http, URI order, long deadline, Duration pause, Progress progress)
            throws InterruptedException {
        URI orders = order.resolve("/api/orders");
        int attempts = 0;
        while (true) {
            attempts++;
            String traceId = HexFormat.of().formatHex(randomBytes(16));
            String spanId = HexFormat.of().formatHex(randomBytes(8));
            String body = """
                    {"customerId": "verify", "items": [{"sku": "SKU-%04d", "quantity": 1}], \
                    "payment": {"method": "card", "cardNumber": "4111111111111111"}}"""
                    .formatted(1 + (attempts - 1) % 20);
            HttpRequest request = HttpRequest.newBuilder(orders)
                    .timeout(callTimeout(deadline))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .header("traceparent", "00-" + traceId + "-" + spanId + "-01")
                    .header("Idempotency-Key", "verify-" + traceId)
                    .header("X-Request-ID", "verify-" + traceId.substring(0, 16))
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            long epochNanos = epochNanos();
            String problem;
            boolean retry = true;
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    Placed placed = new Placed(traceId, status, orderId(response.body()), attempts, epochNanos);
                    progress.report("order", "placed, " + placed.describe() + ", trace " + traceId);
                    return placed;
                }
                problem = "answered " + status + ": " + abbreviate(response.body(), 200);
                retry = status >= 500 || status == 409 || status == 422 || status == 429 || status == 404;
            } catch (IOException e) {
                problem = "no answer from " + orders + ": " + VerifyChecks.describe(e);
            }
            progress.report("order", "attempt " + attempts + " " + problem + (retry ? " (retrying)" : ""));
            long left = deadline - System.nanoTime();
            if (!retry || left <= 0) {
                progress.remember("order", problem);
                return null;
            }
            long backoff = Math.min(Math.max(pause.toMillis(), 500L * Math.min(attempts, 6)), 5_000);
            Thread.sleep(Math.max(1, Math.min(backoff, left / 1_000_000)));
        }
    }

    private static String orderId(String body) {
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            JsonNode id = json == null ? null : json.get("orderId");
            return id == null || !id.isTextual() ? null : id.asText();
        } catch (IOException e) {
            return null; // a 2xx without a JSON body still placed the order; the id is only shown
        }
    }

    /** Timeout of one call: what is left of the budget, at most 10 s and at least 1 s. */
    static Duration callTimeout(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        return Duration.ofNanos(Math.max(Duration.ofSeconds(1).toNanos(), Math.min(left, MAX_CALL_TIMEOUT.toNanos())));
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        do {
            RANDOM.nextBytes(bytes);
        } while (allZero(bytes));
        return bytes;
    }

    private static boolean allZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    static String abbreviate(String text, int max) {
        String flat = text == null ? "" : text.replaceAll("\\s+", " ").trim();
        return flat.length() <= max ? flat : flat.substring(0, max) + "…";
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }

    private static String describe(Set<String> skipped) {
        List<String> run = new ArrayList<>();
        for (String check : List.of("jaeger", "metrics", "loadgen", "targets", "loki")) {
            if (!skipped.contains(check)) {
                run.add(check);
            }
        }
        return run.isEmpty() ? "no further checks" : "check " + String.join(", ", run);
    }

    private Set<String> skipped() {
        Set<String> skipped = new LinkedHashSet<>();
        for (String raw : skip) {
            String name = raw.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (!SKIPPABLE.contains(name)) {
                throw new ParameterException(spec.commandLine(), "--skip takes " + String.join(", ", SKIPPABLE)
                        + ", got '" + raw + "'");
            }
            if (name.equals("prometheus")) {
                skipped.addAll(List.of("metrics", "targets", "loadgen"));
            } else {
                skipped.add(name);
            }
        }
        return skipped;
    }

    private URI url(String option, String value) {
        String problem = option + " must be an absolute http(s) URL like http://localhost:8080, got '" + value + "'";
        try {
            URI uri = new URI(value.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawQuery() != null
                    || uri.getRawFragment() != null) {
                throw new ParameterException(spec.commandLine(), problem);
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            // A base URL: "http://prometheus:9090/" and "http://prometheus:9090" mean the same.
            return new URI(uri.getScheme(), uri.getRawAuthority(), path.endsWith("/") ? path : path + "/", null, null);
        } catch (URISyntaxException e) {
            throw new ParameterException(spec.commandLine(), problem);
        }
    }

    private Duration duration(String option, String value) {
        String problem = option + " must be a duration like 30s or 2m, more than 0, got '" + value + "'";
        try {
            Duration parsed = Durations.parse(value);
            if (parsed.isZero()) {
                throw new ParameterException(spec.commandLine(), problem);
            }
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), problem);
        }
    }

    /** Progress lines, {@code [  12s] jaeger: ...}, printed when a check's state changes. */
    static final class Progress {
        private final PrintWriter out;
        private final long started;
        private final Map<String, String> last = new LinkedHashMap<>();

        Progress(PrintWriter out, long started) {
            this.out = out;
            this.started = started;
        }

        void report(String check, String message) {
            if (message.equals(last.put(check, message))) {
                return;
            }
            out.printf("[%4ds] %s: %s%n", (System.nanoTime() - started) / 1_000_000_000L, check, message);
            out.flush();
        }

        void remember(String check, String message) {
            last.put(check, message);
        }

        String last(String check) {
            return last.getOrDefault(check, "");
        }
    }
}
