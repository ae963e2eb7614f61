package dev.o11yshop.loadgen;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;

/**
 * The checks of {@link VerifyCommand}, each one poll against a backend's documented HTTP API: Jaeger's query API
 * ({@code GET /api/traces/{id}}, the v1 JSON that Jaeger v2 still serves), Prometheus' {@code /api/v1/query} and
 * Loki's {@code /loki/api/v1/query_range}. A poll never throws: an unreachable backend or an unexpected answer is a
 * not-yet-passed {@link Outcome} saying what happened, so that the command can keep polling until its deadline.
 */
final class VerifyChecks {
    /**
     * Labels a scrape target or series may carry the service name in, depending on how the scrape config relabels
     * (job name, Kubernetes app labels, the container name, ...). Absent labels are empty in PromQL's
     * {@code by (...)}, so aggregating by all of them keeps exactly the ones that exist.
     */
    static final List<String> SERVICE_LABELS = List.of("job", "service", "service_name", "app", "app_kubernetes_io_name",
                                                       "kubernetes_name", "container", "pod", "kubernetes_pod_name",
                                                       "instance");
    /** Per service: the RED metrics every service has and one business metric of its own (contract, section 4). */
    static final Map<String, List<String>> SERVICE_METRICS = new LinkedHashMap<>();
    /** The load generator's own client-side metric. */
    static final String LOADGEN_METRIC = "loadgen_requests_total";

    static {
        List<String> red = List.of("http_requests_total", "http_request_duration_seconds_count");
        SERVICE_METRICS.put("order-service", concat(red, "orders_processed_total"));
        SERVICE_METRICS.put("inventory-service", concat(red, "inventory_reservations_total"));
        SERVICE_METRICS.put("payment-service", concat(red, "payments_total"));
    }

    private VerifyChecks() {
    }

    /** The result of one poll: passed, or not (yet), with the figures or what is missing. */
    record Outcome(boolean passed, String message) {
        static Outcome passed(String message) {
            return new Outcome(true, message);
        }

        static Outcome failed(String message) {
            return new Outcome(false, message);
        }
    }

    /** One check, polled until it passes or the command's deadline passes. */
    interface Check {
        /** Short name, as {@code --skip} takes it. */
        String name();

        /** Whether the check looks for the placed checkout's trace id (so needs an order). */
        boolean traceBound();

        /** One poll; never throws. */
        Outcome poll(Duration timeout);
    }

    /** The trace in Jaeger has spans from all three services. */
    static final class JaegerTrace implements Check {
        private final HttpClient http;
        private final URI base;
        private final String traceId;

        JaegerTrace(HttpClient http, URI base, String traceId) {
            this.http = http;
            this.base = base;
            this.traceId = traceId;
        }

        @Override
        public String name() {
            return "jaeger";
        }

        @Override
        public boolean traceBound() {
            return true;
        }

        @Override
        public Outcome poll(Duration timeout) {
            URI uri = base.resolve("api/traces/" + traceId);
            Answer answer = get(http, uri, timeout);
            if (answer.failure() != null) {
                return Outcome.failed(answer.failure());
            }
            if (answer.status() == 404) {
                return Outcome.failed("trace " + shortId(traceId) + " not found yet");
            }
            if (answer.status() != 200 || answer.json() == null) {
                return Outcome.failed(answer.unexpected(uri));
            }
            JsonNode data = answer.json().path("data");
            if (!data.isArray() || data.isEmpty()) {
                return Outcome.failed("trace " + shortId(traceId) + " not found yet");
            }
            int spans = 0;
            TreeSet<String> services = new TreeSet<>();
            for (JsonNode trace : data) {
                JsonNode processes = trace.path("processes");
                for (JsonNode span : trace.path("spans")) {
                    spans++;
                    String service = processes.path(span.path("processID").asText()).path("serviceName").asText("");
                    if (!service.isEmpty()) {
                        services.add(service);
                    }
                }
            }
            List<String> missing = missing(services);
            String figures = spans + " spans, services " + services;
            if (missing.isEmpty()) {
                return Outcome.passed(figures + " (trace " + traceId + ")");
            }
            return Outcome.failed("trace " + shortId(traceId) + " has " + figures + " (waiting for "
                                          + String.join(", ", missing) + ")");
        }
    }

    /** Prometheus has data for each service's RED and business metrics. */
    static final class ServiceMetrics implements Check {
        private final HttpClient http;
        private final URI base;

        ServiceMetrics(HttpClient http, URI base) {
            this.http = http;
            this.base = base;
        }

        @Override
        public String name() {
            return "metrics";
        }

        @Override
        public boolean traceBound() {
            return false;
        }

        @Override
        public Outcome poll(Duration timeout) {
            TreeSet<String> names = new TreeSet<>();
            SERVICE_METRICS.values().forEach(names::addAll);
            String query = "count by (__name__, " + String.join(", ", SERVICE_LABELS) + ") ({__name__=~\""
                    + String.join("|", names) + "\"})";
            Vector vector = query(http, base, query, timeout);
            if (vector.failure() != null) {
                return Outcome.failed(vector.failure());
            }
            int wanted = 0;
            int found = 0;
            long series = 0;
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, List<String>> service : SERVICE_METRICS.entrySet()) {
                List<String> absent = new ArrayList<>();
                for (String metric : service.getValue()) {
                    wanted++;
                    long count = 0;
                    for (Sample sample : vector.samples()) {
                        if (metric.equals(sample.labels().get("__name__")) && belongsTo(sample.labels(), service.getKey())) {
                            count += (long) sample.value();
                        }
                    }
                    if (count > 0) {
                        found++;
                        series += count;
                    } else {
                        absent.add(metric);
                    }
                }
                if (!absent.isEmpty()) {
                    missing.add(service.getKey() + " (" + String.join(", ", absent) + ")");
                }
            }
            String figures = found + " of " + wanted + " metrics with data, " + series + " series";
            if (missing.isEmpty()) {
                return Outcome.passed(figures);
            }
            return Outcome.failed(figures + "; no data for " + String.join("; ", missing));
        }
    }

    /** Prometheus has the load generator's {@code loadgen_requests_total}. */
    static final class LoadgenMetrics implements Check {
        private final HttpClient http;
        private final URI base;

        LoadgenMetrics(HttpClient http, URI base) {
            this.http = http;
            this.base = base;
        }

        @Override
        public String name() {
            return "loadgen";
        }

        @Override
        public boolean traceBound() {
            return false;
        }

        @Override
        public Outcome poll(Duration timeout) {
            Vector vector = query(http, base, "count(" + LOADGEN_METRIC + ")", timeout);
            if (vector.failure() != null) {
                return Outcome.failed(vector.failure());
            }
            long series = vector.samples().isEmpty() ? 0 : (long) vector.samples().getFirst().value();
            if (series > 0) {
                return Outcome.passed(LOADGEN_METRIC + ": " + series + " series");
            }
            return Outcome.failed("no " + LOADGEN_METRIC + " series yet (is the load generator running and scraped?)");
        }
    }

    /** Every scrape target of the three services is up, and each service has at least one. */
    static final class ScrapeTargets implements Check {
        private final HttpClient http;
        private final URI base;

        ScrapeTargets(HttpClient http, URI base) {
            this.http = http;
            this.base = base;
        }

        @Override
        public String name() {
            return "targets";
        }

        @Override
        public boolean traceBound() {
            return false;
        }

        @Override
        public Outcome poll(Duration timeout) {
            Vector vector = query(http, base, "up", timeout);
            if (vector.failure() != null) {
                return Outcome.failed(vector.failure());
            }
            Map<String, int[]> upAndTotal = new LinkedHashMap<>();
            List<String> down = new ArrayList<>();
            for (String service : VerifyCommand.SERVICES) {
                int[] counts = new int[2];
                for (Sample sample : vector.samples()) {
                    if (belongsTo(sample.labels(), service)) {
                        counts[1]++;
                        if (sample.value() == 1) {
                            counts[0]++;
                        } else {
                            down.add(service + " " + sample.labels().getOrDefault("instance", sample.labels().toString()));
                        }
                    }
                }
                upAndTotal.put(service, counts);
            }
            List<String> absent = new ArrayList<>();
            StringBuilder figures = new StringBuilder();
            int up = 0;
            int total = 0;
            for (Map.Entry<String, int[]> entry : upAndTotal.entrySet()) {
                up += entry.getValue()[0];
                total += entry.getValue()[1];
                if (entry.getValue()[1] == 0) {
                    absent.add(entry.getKey());
                }
                figures.append(figures.isEmpty() ? "" : ", ").append(entry.getKey()).append(' ')
                        .append(entry.getValue()[0]).append('/').append(entry.getValue()[1]);
            }
            String summary = up + " of " + total + " targets up (" + figures + ")";
            if (down.isEmpty() && absent.isEmpty()) {
                return Outcome.passed(summary);
            }
            StringBuilder message = new StringBuilder(summary);
            if (!down.isEmpty()) {
                message.append("; down: ").append(String.join(", ", down));
            }
            if (!absent.isEmpty()) {
                message.append("; no scrape target for ").append(String.join(", ", absent));
            }
            return Outcome.failed(message.toString());
        }
    }

    /** Loki has log lines carrying the trace id from each of the three services. */
    static final class LokiLogs implements Check {
        private static final long LOOK_BACK_NANOS = Duration.ofMinutes(5).toNanos();
        private static final long LOOK_AHEAD_NANOS = Duration.ofMinutes(1).toNanos();

        private final HttpClient http;
        private final URI base;
        private final String traceId;
        private final long placedEpochNanos;

        LokiLogs(HttpClient http, URI base, String traceId, long placedEpochNanos) {
            this.http = http;
            this.base = base;
            this.traceId = traceId;
            this.placedEpochNanos = placedEpochNanos;
        }

        @Override
        public String name() {
            return "loki";
        }

        @Override
        public boolean traceBound() {
            return true;
        }

        /** The LogQL: the three services' streams, filtered on the {@code trace_id} structured metadata. */
        static String logQl(String traceId) {
            return "{service_name=~\"" + String.join("|", VerifyCommand.SERVICES) + "\"} | trace_id=\"" + traceId + "\"";
        }

        @Override
        public Outcome poll(Duration timeout) {
            long now = System.currentTimeMillis() * 1_000_000L;
            URI uri = base.resolve("loki/api/v1/query_range?query=" + encode(logQl(traceId))
                                           + "&start=" + (Math.min(placedEpochNanos, now) - LOOK_BACK_NANOS)
                                           + "&end=" + (now + LOOK_AHEAD_NANOS)
                                           + "&limit=1000&direction=backward");
            Answer answer = get(http, uri, timeout);
            if (answer.failure() != null) {
                return Outcome.failed(answer.failure());
            }
            JsonNode json = answer.json();
            if (answer.status() != 200 || json == null || !"success".equals(json.path("status").asText())) {
                return Outcome.failed(answer.unexpected(base.resolve("loki/api/v1/query_range")));
            }
            Map<String, Integer> lines = new LinkedHashMap<>();
            VerifyCommand.SERVICES.forEach(service -> lines.put(service, 0));
            int total = 0;
            for (JsonNode stream : json.path("data").path("result")) {
                JsonNode labels = stream.path("stream");
                for (JsonNode value : stream.path("values")) {
                    total++;
                    String service = serviceOf(labels, value.path(1).asText(""));
                    if (service != null) {
                        lines.merge(service, 1, Integer::sum);
                    }
                }
            }
            List<String> missing = new ArrayList<>();
            StringBuilder figures = new StringBuilder();
            for (Map.Entry<String, Integer> entry : lines.entrySet()) {
                if (entry.getValue() == 0) {
                    missing.add(entry.getKey());
                }
                figures.append(figures.isEmpty() ? "" : ", ").append(entry.getKey()).append(' ').append(entry.getValue());
            }
            String summary = total + " lines with trace " + shortId(traceId) + " (" + figures + ")";
            if (missing.isEmpty()) {
                return Outcome.passed(summary);
            }
            return Outcome.failed(summary + " (waiting for " + String.join(", ", missing) + ")");
        }

        /** The service of a log line: the stream's {@code service_name} label, else the JSON line's {@code service}. */
        private static String serviceOf(JsonNode labels, String line) {
            for (String label : List.of("service_name", "service", "app", "container", "job")) {
                String value = labels.path(label).asText("");
                for (String service : VerifyCommand.SERVICES) {
                    if (value.equals(service) || value.endsWith("/" + service)) {
                        return service;
                    }
                }
            }
            if (line.startsWith("{")) {
                try {
                    JsonNode parsed = Json.MAPPER.readTree(line);
                    String value = parsed == null ? "" : parsed.path("service").asText("");
                    return VerifyCommand.SERVICES.contains(value) ? value : null;
                } catch (IOException e) {
                    return null; // not JSON after all: a line we cannot attribute
                }
            }
            return null;
        }
    }

    /** Whether a target or series with these labels is one of {@code service}'s (see {@link #SERVICE_LABELS}). */
    static boolean belongsTo(Map<String, String> labels, String service) {
        for (String label : SERVICE_LABELS) {
            String value = labels.get(label);
            if (value == null || value.isEmpty()) {
                continue;
            }
            if (value.equals(service) || value.endsWith("/" + service)) {
                return true;
            }
            if ((label.equals("pod") || label.equals("kubernetes_pod_name")) && value.startsWith(service + "-")) {
                return true;
            }
        }
        return false;
    }

    record Sample(Map<String, String> labels, double value) {
    }

    /** An instant vector, or why there is none. */
    record Vector(List<Sample> samples, String failure) {
    }

    /** {@code GET /api/v1/query?query=...}: the vector result. */
    static Vector query(HttpClient http, URI base, String promQl, Duration timeout) {
        URI uri = base.resolve("api/v1/query?query=" + encode(promQl));
        Answer answer = get(http, uri, timeout);
        if (answer.failure() != null) {
            return new Vector(List.of(), answer.failure());
        }
        JsonNode json = answer.json();
        if (answer.status() != 200 || json == null || !"success".equals(json.path("status").asText())) {
            return new Vector(List.of(), answer.unexpected(base.resolve("api/v1/query")));
        }
        JsonNode data = json.path("data");
        if (!"vector".equals(data.path("resultType").asText())) {
            return new Vector(List.of(), "Prometheus answered a " + data.path("resultType").asText() + " for " + promQl);
        }
        List<Sample> samples = new ArrayList<>();
        for (JsonNode result : data.path("result")) {
            Map<String, String> labels = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> fields = result.path("metric").fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                labels.put(field.getKey(), field.getValue().asText());
            }
            double value;
            try {
                value = Double.parseDouble(result.path("value").path(1).asText("NaN"));
            } catch (NumberFormatException e) {
                value = Double.NaN;
            }
            samples.add(new Sample(labels, value));
        }
        return new Vector(samples, null);
    }

    /** An HTTP answer with its body parsed as JSON (null when it is not JSON), or why there is none. */
    record Answer(int status, String body, JsonNode json, String failure) {
        String unexpected(URI uri) {
            String error = json == null ? "" : json.path("error").asText(json.path("errors").toString());
            return uri.getHost() + ":" + uri.getPort() + uri.getPath() + " answered " + status + ": "
                    + VerifyCommand.abbreviate(error.isEmpty() || error.equals("null") ? body : error, 200);
        }
    }

    static Answer get(HttpClient http, URI uri, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = Json.MAPPER.readTree(response.body());
            } catch (IOException e) {
                json = null; // not JSON: reported with the body by the caller
            }
            return new Answer(response.statusCode(), response.body(), json, null);
        } catch (IOException e) {
            return new Answer(0, "", null, "cannot reach " + uri.getScheme() + "://" + uri.getRawAuthority() + ": "
                    + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "", null, "interrupted");
        }
    }

    /** An I/O failure in a few words: timed out, unknown host, connection refused, or the exception and message. */
    static String describe(IOException e) {
        if (e instanceof HttpTimeoutException) {
            return "timed out";
        }
        String message = null;
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                return "unknown host";
            }
            if (message == null && cause.getMessage() != null && !cause.getMessage().isBlank()) {
                message = cause.getMessage();
            }
        }
        if (e instanceof ConnectException) {
            return "connection refused" + (message == null ? "" : " (" + message + ")");
        }
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    static String shortId(String traceId) {
        return traceId.length() > 8 ? traceId.substring(0, 8) + "…" : traceId;
    }

    private static List<String> missing(TreeSet<String> services) {
        List<String> missing = new ArrayList<>();
        for (String service : VerifyCommand.SERVICES) {
            if (!services.contains(service)) {
                missing.add(service);
            }
        }
        return missing;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static List<String> concat(List<String> first, String last) {
        List<String> all = new ArrayList<>(first);
        all.add(last);
        return List.copyOf(all);
    }
}
