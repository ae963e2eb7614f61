package dev.o11yshop.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.loadgen.ServiceProcess;
import dev.o11yshop.loadgen.alerting.ChartConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every metric name the chart's rule files and Grafana dashboards (Prometheus queries: panel targets and template
 * variables) reference exists: in the live {@code /metrics} of the three services and the load generator after
 * traffic (the samples, so a histogram's {@code _bucket}/{@code _sum}/{@code _count}), as a recording rule of the
 * rule files, as a series Prometheus makes itself ({@code up}, the {@code scrape_*} series, {@code ALERTS},
 * {@code ALERTS_FOR_STATE}, {@code prometheus_*}), in the OpenTelemetry Collector's list
 * ({@code chart-tests/src/test/resources/otelcol-0.114-metrics.txt}) or in Loki's
 * ({@code loki-3.3-metrics.txt} of this module). A metric renamed on either side fails it, naming the reference.
 */
class MetricNamesIT {
    private static final Set<String> PROMETHEUS_SYNTHETIC = Set.of(
            "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
            "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)\\s*$", Pattern.DOTALL);
    private static final Pattern LABEL_VALUES_ONLY_LABEL = Pattern.compile("^\\s*label_values\\(\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)\\s*$");
    private static final Pattern QUERY_RESULT = Pattern.compile("^\\s*query_result\\((.*)\\)\\s*$", Pattern.DOTALL);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalPlatform platform;
    private static LoadGeneratorProcess loadGenerator;

    @BeforeAll
    static void startPlatformWithTraffic() throws Exception {
        platform = Platform.start("metric-names", Map.of());
        Path runDir = Path.of(System.getProperty("o11yshop.runDir", "target/platform-runs")).resolve("metric-names");
        // the default mix: browsing, checkouts, declined cards and invalid orders, so every outcome has a series
        loadGenerator = LoadGeneratorProcess.start(platform, runDir, 40, "browse=60,checkout=30,declined=5,invalid=5");
        eventually(Duration.ofSeconds(60), () -> {
            String order = get(platform.order().admin().resolve("/metrics"));
            // order_value_dollars appears only with the first confirmed checkout: wait for what the test reads
            assertTrue(order.contains("status=\"confirmed\"") && order.contains("status=\"rejected_payment\"")
                               && order.contains("order_value_dollars_count"),
                    "order-service has counted confirmed and declined checkouts");
            assertTrue(get(loadGenerator.admin().resolve("/metrics")).contains("loadgen_requests_total{"),
                    "the load generator has counted requests");
        });
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (loadGenerator != null) {
                loadGenerator.close();
            }
        } finally {
            if (platform != null) {
                platform.close();
            }
        }
    }

    @Test
    void everyReferencedMetricExists() throws Exception {
        ChartConfig chart = ChartFiles.render();
        Map<String, Set<String>> references = references(chart);
        assertFalse(references.isEmpty(), "no metric name found in the chart's rules and dashboards");

        Set<String> exposed = new TreeSet<>();
        for (ServiceProcess service : platform.services()) {
            exposed.addAll(exposedNames(get(service.admin().resolve("/metrics"))));
        }
        exposed.addAll(exposedNames(get(loadGenerator.admin().resolve("/metrics"))));
        Set<String> recorded = new TreeSet<>();
        chart.rules().forEach(rule -> rule.record().ifPresent(recorded::add));

        Map<String, Set<String>> unknown = unknown(references, exposed, recorded);
        if (!unknown.isEmpty()) {
            StringBuilder message = new StringBuilder("metric names referenced by the chart that nothing exposes:\n");
            unknown.forEach((name, where) -> message.append("  ").append(name).append("  ← ").append(where).append('\n'));
            message.append("exposed by the services and the load generator: ").append(exposed).append('\n');
            message.append("recording rules: ").append(recorded);
            fail(message.toString());
        }
    }

    /** The check itself: a renamed metric (here a name no exposition has) is reported with where it is used. */
    @Test
    void aRenamedMetricIsReported() throws Exception {
        Map<String, Set<String>> references = new TreeMap<>(Map.of(
                "http_requests_total", Set.of("rule A"),
                "http_request_total", Set.of("rule B"),
                "otelcol_made_up_metric_total", Set.of("rule C"),
                "loki_made_up_total", Set.of("rule D")));
        Map<String, Set<String>> unknown = unknown(references, Set.of("http_requests_total"), Set.of());
        assertEquals(Set.of("http_request_total", "loki_made_up_total", "otelcol_made_up_metric_total"), unknown.keySet());
        assertEquals(Set.of("rule B"), unknown.get("http_request_total"));
    }

    /** Names in {@code references} that no source accounts for, with where they are referenced. */
    private static Map<String, Set<String>> unknown(Map<String, Set<String>> references, Set<String> exposed,
                                                    Set<String> recorded) throws IOException {
        Set<String> loki = DocumentedMetrics.loki();
        Path otelFile = DocumentedMetrics.collectorFile();
        Set<String> otel = DocumentedMetrics.collector().orElse(null);
        Map<String, Set<String>> unknown = new TreeMap<>();
        references.forEach((name, where) -> {
            boolean known = exposed.contains(name)
                    || recorded.contains(name)
                    || PROMETHEUS_SYNTHETIC.contains(name)
                    || name.startsWith("prometheus_")
                    || (name.startsWith("loki_") && loki.contains(name))
                    || (name.startsWith("otelcol_") && otel != null && DocumentedMetrics.listed(otel, name));
            if (!known) {
                Set<String> reason = new TreeSet<>(where);
                if (name.startsWith("otelcol_") && otel == null) {
                    reason.add("(and " + otelFile + " is missing)");
                }
                unknown.put(name, reason);
            }
        });
        return unknown;
    }

    /** Listed as is, or a histogram's series of a listed name. */
    /** Metric name → where it is referenced ("rules file: alert X", "dashboard d.json: panel 'P'"). */
    static Map<String, Set<String>> references(ChartConfig chart) throws IOException {
        Map<String, Set<String>> references = new TreeMap<>();
        for (ChartConfig.Rule rule : chart.rules()) {
            String where = rule.file() + ": " + rule.alert().map(a -> "alert " + a)
                    .orElseGet(() -> "record " + rule.record().orElse("?"));
            add(references, rule.expr(), where);
        }
        for (Map.Entry<String, String> dashboard : chart.dashboards().entrySet()) {
            JsonNode root = JSON.readTree(dashboard.getValue());
            String file = "dashboard " + dashboard.getKey();
            List<JsonNode> panels = new ArrayList<>();
            collectPanels(root.path("panels"), panels);
            for (JsonNode panel : panels) {
                for (JsonNode target : panel.path("targets")) {
                    JsonNode datasource = target.has("datasource") ? target.get("datasource") : panel.path("datasource");
                    if (isPrometheus(datasource) && target.hasNonNull("expr")) {
                        add(references, target.get("expr").asText(), file + ": panel '" + panel.path("title").asText() + "'");
                    }
                }
            }
            for (JsonNode variable : root.path("templating").path("list")) {
                if (!"query".equals(variable.path("type").asText()) || !isPrometheus(variable.path("datasource"))) {
                    continue;
                }
                JsonNode query = variable.path("query");
                String text = query.isObject() ? query.path("query").asText() : query.asText();
                String where = file + ": variable $" + variable.path("name").asText();
                Matcher labelValues = LABEL_VALUES.matcher(text);
                Matcher queryResult = QUERY_RESULT.matcher(text);
                if (labelValues.matches()) {
                    add(references, labelValues.group(1), where);
                } else if (queryResult.matches()) {
                    add(references, queryResult.group(1), where);
                } else if (!LABEL_VALUES_ONLY_LABEL.matcher(text).matches()) {
                    throw new AssertionError(where + ": a variable query this test cannot read: " + text);
                }
            }
        }
        return references;
    }

    /** A target or variable datasource that is Prometheus; none given means the default datasource, Prometheus. */
    private static boolean isPrometheus(JsonNode datasource) {
        if (datasource.isMissingNode() || datasource.isNull()) {
            return true;
        }
        if (datasource.isTextual()) {
            return datasource.asText().toLowerCase(java.util.Locale.ROOT).contains("prometheus");
        }
        return "prometheus".equals(datasource.path("type").asText()) || "prometheus".equals(datasource.path("uid").asText());
    }

    private static void collectPanels(JsonNode panels, List<JsonNode> out) {
        for (JsonNode panel : panels) {
            out.add(panel);
            collectPanels(panel.path("panels"), out); // collapsed rows hold their panels
        }
    }

    private static void add(Map<String, Set<String>> references, String expr, String where) {
        Set<String> names;
        try {
            names = PromQl.metricNames(expr);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(where + ": cannot read the query: " + e.getMessage(), e);
        }
        names.forEach(name -> references.computeIfAbsent(name, k -> new TreeSet<>()).add(where));
    }

    /** The metric names of the samples of a Prometheus text exposition. */
    static Set<String> exposedNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    private static String get(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                                                  HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "GET " + uri);
        return response.body();
    }
}
