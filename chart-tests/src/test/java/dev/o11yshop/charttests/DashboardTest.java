package dev.o11yshop.charttests;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.internal.bind.TypeAdapters;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provisioned Grafana dashboards (ConfigMap {@code grafana-dashboards} of the default profile): identity, datasources,
 * queries, links, exemplars, and every metric name a PromQL query uses, checked against what actually exists: the
 * contract (shared/PLATFORM.md section 4), the metrics the load generator and the span pipeline register in the Java
 * sources, the chart's recording rules, Prometheus' own and synthetic series, the OpenTelemetry Collector's documented
 * internal metrics ({@code otelcol-0.114-metrics.txt}) and Loki's ingestion metrics.
 */
class DashboardTest {

    static final String DASHBOARDS_CONFIGMAP = "ConfigMap/grafana-dashboards";
    static final String DATASOURCES_CONFIGMAP = "ConfigMap/grafana-datasources";
    static final String RULES_CONFIGMAP = "ConfigMap/prometheus-rules";
    static final String COLLECTOR_METRICS = "otelcol-0.114-metrics.txt";
    /** The collector release the metric list was taken from; a different image needs the list re-checked. */
    static final String COLLECTOR_VERSION = "0.114.0";
    static final int SCHEMA_VERSION = 39;
    static final String TITLE_PREFIX = "o11y-shop / ";
    static final String TAG = "o11y-shop";

    /**
     * Loki's own ingestion metrics (grafana/loki v3.3: pkg/distributor/http.go and pkg/validation/validate.go, namespace
     * {@code loki}). Only scraped when a Prometheus job targets Loki; the panels that use them say so.
     */
    static final Set<String> LOKI_METRICS = Set.of(
            "loki_distributor_lines_received_total", "loki_distributor_bytes_received_total",
            "loki_discarded_samples_total", "loki_discarded_bytes_total");
    /** Series Prometheus writes itself for every target and for alerting rules (not exposed by any target). */
    static final Set<String> PROMETHEUS_SYNTHETIC = Set.of(
            "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
            "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE");

    // ------------------------------------------------------------------------------------------------ fixtures

    private static Manifests rendered() {
        return Chart.render(Profile.DEFAULT, Chart.KUBE_NEWEST);
    }

    /** file name → parsed dashboard, from the rendered ConfigMap. */
    private static Map<String, JsonObject> dashboards() {
        Map<String, String> data = rendered().configFiles().get(DASHBOARDS_CONFIGMAP);
        assertTrue(data != null && !data.isEmpty(), rendered().description() + ": no " + DASHBOARDS_CONFIGMAP + " with data");
        Map<String, JsonObject> out = new TreeMap<>();
        data.forEach((key, text) -> out.put(key, parseStrict(key, text)));
        return out;
    }

    /** Strict JSON (no comments, no unquoted names, no trailing garbage) of one object. */
    static JsonObject parseStrict(String what, String text) {
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            TypeAdapter<JsonElement> adapter = TypeAdapters.JSON_ELEMENT;
            JsonElement element = adapter.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new AssertionError(what + ": content after the JSON document");
            }
            if (!element.isJsonObject()) {
                throw new AssertionError(what + ": not a JSON object");
            }
            return element.getAsJsonObject();
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new AssertionError(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** uid → type of every datasource the rendered provisioning file defines. */
    private static Map<String, String> provisionedDatasources() {
        String text = rendered().configFiles().getOrDefault(DATASOURCES_CONFIGMAP, Map.of()).get("datasources.yaml");
        Objects.requireNonNull(text, DATASOURCES_CONFIGMAP + " has no datasources.yaml");
        Map<String, String> out = new HashMap<>();
        for (Map<String, Object> ds : Y.maps(Y.parseMap("datasources.yaml", text), "datasources")) {
            out.put(Y.str(ds, "uid"), Y.str(ds, "type"));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ identity

    @Test
    void everyDashboardFileIsRenderedIntoTheConfigMap() throws IOException {
        Set<String> files;
        try (Stream<Path> s = Files.list(Chart.dir().resolve("files/grafana/dashboards"))) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(new TreeSet<>(dashboards().keySet()), equalTo(files));
    }

    @Test
    void everyDashboardIsValidJsonWithIdentityAndPanels() {
        List<String> problems = new ArrayList<>();
        dashboards().forEach((file, d) -> {
            String uid = str(d, "uid");
            if (uid == null || !uid.matches("[A-Za-z0-9_-]{1,40}")) {
                problems.add(file + ": uid " + uid + " must be 1-40 characters of [A-Za-z0-9_-] (stable, so links and bookmarks keep working)");
            }
            String title = str(d, "title");
            if (title == null || !title.startsWith(TITLE_PREFIX)) {
                problems.add(file + ": title " + title + " must start with '" + TITLE_PREFIX + "'");
            }
            if (!d.has("schemaVersion") || d.get("schemaVersion").getAsInt() != SCHEMA_VERSION) {
                problems.add(file + ": schemaVersion must be " + SCHEMA_VERSION + ", got " + d.get("schemaVersion"));
            }
            if (!strings(d.get("tags")).contains(TAG)) {
                problems.add(file + ": tags must contain " + TAG);
            }
            if (!d.has("panels") || !d.get("panels").isJsonArray() || panels(d).stream().noneMatch(p -> !isRow(p))) {
                problems.add(file + ": no panels");
            }
            Set<Integer> ids = new HashSet<>();
            for (JsonObject p : panels(d)) {
                if (!p.has("id") || !ids.add(p.get("id").getAsInt())) {
                    problems.add(file + ": panel \"" + str(p, "title") + "\" has a missing or duplicate id " + p.get("id"));
                }
                if (!p.has("gridPos")) {
                    problems.add(file + ": panel \"" + str(p, "title") + "\" has no gridPos");
                }
            }
        });
        assertThat(problems, empty());
    }

    @Test
    void uidsAndTitlesAreUnique() {
        Map<String, List<String>> byUid = new TreeMap<>();
        Map<String, List<String>> byTitle = new TreeMap<>();
        dashboards().forEach((file, d) -> {
            byUid.computeIfAbsent(str(d, "uid"), k -> new ArrayList<>()).add(file);
            byTitle.computeIfAbsent(str(d, "title"), k -> new ArrayList<>()).add(file);
        });
        List<String> problems = new ArrayList<>();
        byUid.forEach((uid, files) -> {
            if (files.size() > 1) {
                problems.add("uid " + uid + " in " + files);
            }
        });
        byTitle.forEach((title, files) -> {
            if (files.size() > 1) {
                problems.add("title " + title + " in " + files);
            }
        });
        assertThat(problems, empty());
    }

    // ------------------------------------------------------------------------------------------------ datasources and queries

    @Test
    void everyPanelHasAProvisionedDatasourceAndAQuery() {
        Map<String, String> provisioned = provisionedDatasources();
        List<String> problems = new ArrayList<>();
        dashboards().forEach((file, d) -> {
            Map<String, String> dsVariables = datasourceVariables(d);
            Set<Integer> panelIds = panels(d).stream().filter(p -> p.has("id")).map(p -> p.get("id").getAsInt()).collect(Collectors.toSet());
            for (JsonObject panel : panels(d)) {
                if (isRow(panel)) {
                    continue;
                }
                String at = file + " panel \"" + str(panel, "title") + "\"";
                String panelUid = uid(panel.get("datasource"));
                List<JsonObject> targets = objects(panel.get("targets"));
                if (targets.isEmpty()) {
                    problems.add(at + ": no targets");
                    continue;
                }
                if (panelUid == null) {
                    problems.add(at + ": no datasource (name it explicitly, do not rely on the default)");
                    continue;
                }
                boolean mixed = "-- Mixed --".equals(panelUid);
                boolean dashboard = "-- Dashboard --".equals(panelUid);
                if (!mixed && !dashboard && resolveType(panelUid, provisioned, dsVariables) == null) {
                    problems.add(at + ": datasource uid " + panelUid + " is not provisioned " + provisioned.keySet()
                            + " nor a datasource variable of a provisioned type " + dsVariables);
                    continue;
                }
                int withQuery = 0;
                for (JsonObject target : targets) {
                    String ref = at + " target " + str(target, "refId");
                    if (dashboard) {
                        if (target.has("panelId") && panelIds.contains(target.get("panelId").getAsInt())) {
                            withQuery++;
                        } else {
                            problems.add(ref + ": '-- Dashboard --' target must name an existing panelId");
                        }
                        continue;
                    }
                    String targetUid = target.has("datasource") ? uid(target.get("datasource")) : (mixed ? null : panelUid);
                    String type = targetUid == null ? null : resolveType(targetUid, provisioned, dsVariables);
                    if (type == null) {
                        problems.add(ref + ": datasource " + targetUid + " is not provisioned " + provisioned.keySet());
                        continue;
                    }
                    if (!mixed && !targetUid.equals(panelUid)) {
                        problems.add(ref + ": datasource " + targetUid + " differs from the panel's " + panelUid + " (use '-- Mixed --')");
                    }
                    String problem = queryProblem(type, target);
                    if (problem == null) {
                        withQuery++;
                    } else {
                        problems.add(ref + ": " + problem);
                    }
                }
                if (withQuery == 0) {
                    problems.add(at + ": no target with a query");
                }
            }
            for (JsonObject v : objects(templating(d))) {
                if ("query".equals(str(v, "type")) && resolveType(uid(v.get("datasource")), provisioned, dsVariables) == null) {
                    problems.add(file + " variable " + str(v, "name") + ": datasource " + uid(v.get("datasource")) + " is not provisioned");
                }
            }
        });
        assertThat(problems, empty());
    }

    /** Why a target of a datasource type has no usable query, or null. */
    static String queryProblem(String type, JsonObject target) {
        switch (type) {
            case "prometheus" -> {
                return blank(str(target, "expr")) ? "prometheus target without expr" : null;
            }
            case "loki" -> {
                String expr = str(target, "expr");
                if (blank(expr)) {
                    return "loki target without expr";
                }
                return LOKI_STREAM_SELECTOR.matcher(expr).find() ? null : "loki expr has no stream selector {label=...}: " + expr;
            }
            case "jaeger" -> {
                boolean search = "search".equals(str(target, "queryType")) && !blank(str(target, "service"));
                return blank(str(target, "query")) && !search ? "jaeger target without query (trace id) or search service" : null;
            }
            default -> {
                return blank(str(target, "expr")) && blank(str(target, "query")) ? type + " target without expr or query" : null;
            }
        }
    }

    private static final Pattern LOKI_STREAM_SELECTOR = Pattern.compile("\\{\\s*[A-Za-z_][A-Za-z0-9_]*\\s*(=~|!~|!=|=)");

    private static String resolveType(String uid, Map<String, String> provisioned, Map<String, String> dsVariables) {
        if (uid == null) {
            return null;
        }
        if (provisioned.containsKey(uid)) {
            return provisioned.get(uid);
        }
        if (uid.startsWith("$")) {
            String pluginType = dsVariables.get(uid.replaceAll("^\\$\\{?([^}:]+).*$", "$1"));
            return pluginType != null && provisioned.containsValue(pluginType) ? pluginType : null;
        }
        return null;
    }

    /** name → plugin type of every {@code datasource} template variable. */
    private static Map<String, String> datasourceVariables(JsonObject d) {
        Map<String, String> out = new HashMap<>();
        for (JsonObject v : objects(templating(d))) {
            if ("datasource".equals(str(v, "type"))) {
                out.put(str(v, "name"), str(v, "query"));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ metric names

    @Test
    void everyMetricAPrometheusQueryUsesExists() {
        KnownMetrics known = KnownMetrics.load(rendered());
        List<String> problems = new ArrayList<>();
        dashboards().forEach((file, d) -> forEachPrometheusQuery(d, (where, expr) -> {
            for (String name : PromQl.metricNames(expr)) {
                if (!known.knows(name)) {
                    problems.add(file + " " + where + ": unknown metric " + name + " in " + expr);
                }
            }
        }));
        assertThat("metric names must exist (contract from " + known.contractSource + ")", problems, empty());
    }

    /** Calls {@code check(where, expr)} for every Prometheus panel expr and variable query of a dashboard. */
    static void forEachPrometheusQuery(JsonObject d, java.util.function.BiConsumer<String, String> check) {
        for (JsonObject panel : panels(d)) {
            String panelUid = uid(panel.get("datasource"));
            for (JsonObject target : objects(panel.get("targets"))) {
                String type = target.has("datasource") ? type(target.get("datasource")) : type(panel.get("datasource"));
                String uid = target.has("datasource") ? uid(target.get("datasource")) : panelUid;
                if (("prometheus".equals(type) || "prometheus".equals(uid)) && !blank(str(target, "expr"))) {
                    check.accept("panel \"" + str(panel, "title") + "\" " + str(target, "refId"), str(target, "expr"));
                }
            }
        }
        for (JsonObject v : objects(templating(d))) {
            if ("query".equals(str(v, "type")) && ("prometheus".equals(type(v.get("datasource"))) || "prometheus".equals(uid(v.get("datasource"))))) {
                JsonElement q = v.get("query");
                String query = q == null ? null : q.isJsonObject() ? str(q.getAsJsonObject(), "query") : q.getAsString();
                String expr = PromQl.variableQueryExpr(query);
                if (expr != null) {
                    check.accept("variable " + str(v, "name"), expr);
                }
            }
        }
    }

    @Test
    void aTypoInAMetricNameIsCaught() {
        KnownMetrics known = KnownMetrics.load(rendered());
        String typo = "sum by (endpoint) (rate(http_request_total{job=\"$service\", status=~\"5..\"}[$__rate_interval]))";
        assertEquals(Set.of("http_request_total"), PromQl.metricNames(typo));
        assertFalse(known.knows("http_request_total"), "http_request_total (typo of http_requests_total) must be unknown");
        assertTrue(known.knows("http_requests_total"));
        // histogram series exist only with their suffixes; a summary also bare (with quantile)
        assertTrue(known.knows("http_request_duration_seconds_bucket"));
        assertFalse(known.knows("http_request_duration_seconds"), "a histogram has no bare series");
        assertFalse(known.knows("http_requests_total_bucket"), "a counter has no _bucket series");
        assertTrue(known.knows("payment_authorization_seconds"));
        assertTrue(known.knows("payment_authorization_seconds_count"));
        // sources, rules, self metrics, the collector list
        assertTrue(known.knows("loadgen_requests_total"));
        assertTrue(known.knows("loadgen_request_duration_seconds_bucket"));
        assertTrue(known.knows("loadgen_alerts_received_total"));
        assertTrue(known.knows("otel_span_export_failures_total"));
        assertTrue(known.knows("job:http_requests:rate5m"));
        assertTrue(known.knows("prometheus_tsdb_head_series"));
        assertTrue(known.knows("up"));
        assertTrue(known.knows("otelcol_exporter_sent_spans"));
        assertTrue(known.knows("otelcol_processor_batch_batch_send_size_bucket"));
        assertFalse(known.knows("otelcol_exporter_sent_spans_total"), "0.114 exposes collector counters without _total");
        assertFalse(known.knows("loadgen_request_total"));

        // and the whole check flags it on a dashboard
        JsonObject d = parseStrict("typo", """
                {"uid": "t", "panels": [{"type": "timeseries", "title": "T", "datasource": {"type": "prometheus", "uid": "prometheus"},
                  "targets": [{"refId": "A", "expr": "%s"}]}]}""".formatted(typo.replace("\"", "\\\"")));
        List<String> unknown = new ArrayList<>();
        forEachPrometheusQuery(d, (where, expr) -> PromQl.metricNames(expr).stream().filter(n -> !known.knows(n)).forEach(unknown::add));
        assertEquals(List.of("http_request_total"), unknown);
    }

    @Test
    void tokenizerFindsOnlyMetricNames() {
        assertEquals(Set.of("orders_processed_total"), PromQl.metricNames(
                "sum by (status) (rate(orders_processed_total{namespace=~\"$namespace\"}[$__rate_interval]))"
                        + " / ignoring (status) group_left sum(rate(orders_processed_total[5m]))"));
        assertEquals(Set.of("a_total", "b_bucket", "job:c:rate5m"), PromQl.metricNames(
                "histogram_quantile(0.99, sum without (pod, instance) (rate(b_bucket{le!=\"+Inf\", x='y}'}[5m:30s] offset 1h)))"
                        + " > bool on (job) group_right (env) a_total @ start() and job:c:rate5m unless count_over_time(a_total[1m])"
                        + " or label_replace(a_total, \"dst\", \"$1\", \"src\", \"(.*)\") * 1e-3 + Inf - NaN"));
        assertEquals(Set.of("x_seconds"), PromQl.metricNames("max by (pod, quantile) (x_seconds{quantile=~\"0.5|0.99\"}) # by (comment_metric)"));
        assertEquals(Set.of(), PromQl.metricNames("vector(0) + scalar(time()) * ${factor} + $__range_s"));
        assertEquals(Set.of("http_requests_total"), PromQl.metricNames("count(http_requests_total == 1) or vector(0)"));
        assertEquals(Set.of("up"), PromQl.metricNames("min by (job) (up{namespace=~\"$namespace\"} or up{job=\"prometheus\"})"));
        assertEquals("http_requests_total{job=\"$service\"}",
                PromQl.variableQueryExpr("label_values(http_requests_total{job=\"$service\"}, endpoint)"));
        assertEquals(null, PromQl.variableQueryExpr("label_values(job)"));
        assertEquals("up", PromQl.variableQueryExpr("query_result(up)"));
        assertEquals(Set.of("http_requests_total"),
                PromQl.metricNames(Objects.requireNonNull(PromQl.variableQueryExpr("label_values(http_requests_total, job)"))));
    }

    /** Names that exist, and why. */
    static final class KnownMetrics {
        final Set<String> exact = new HashSet<>();
        final Set<String> histograms = new HashSet<>();
        final Set<String> summaries = new HashSet<>();
        final Set<String> prefixes = new HashSet<>();
        String contractSource;

        boolean knows(String name) {
            if (exact.contains(name) || summaries.contains(name) || prefixes.stream().anyMatch(name::startsWith)) {
                return true;
            }
            for (String suffix : List.of("_bucket", "_sum", "_count")) {
                if (name.endsWith(suffix)) {
                    String base = name.substring(0, name.length() - suffix.length());
                    if (histograms.contains(base) || (!suffix.equals("_bucket") && summaries.contains(base))) {
                        return true;
                    }
                }
            }
            return false;
        }

        void add(String name, String type) {
            String t = type == null ? "" : type.toLowerCase(Locale.ROOT);
            if (t.startsWith("histogram")) {
                histograms.add(name);
            } else if (t.startsWith("summary")) {
                summaries.add(name);
            } else {
                exact.add(name);
            }
        }

        static KnownMetrics load(Manifests m) {
            KnownMetrics k = new KnownMetrics();
            k.contractSource = loadContract(k);
            loadJavaSources(k);
            loadRecordingRules(k, m);
            k.prefixes.add("prometheus_");
            k.exact.addAll(PROMETHEUS_SYNTHETIC);
            for (String name : collectorMetrics()) {
                // the list holds documented names; histograms among them add _bucket/_sum/_count
                k.histograms.add(name);
                k.exact.add(name);
            }
            k.exact.addAll(LOKI_METRICS);
            return k;
        }

        /** shared/PLATFORM.md section 4 (rows "| `name` | type | labels |"); the services' main sources if it is not here. */
        private static String loadContract(KnownMetrics k) {
            Path doc = Path.of(System.getProperty("o11yshop.platformDoc",
                    Chart.repoRoot().resolve("../shared/PLATFORM.md").normalize().toString()));
            if (Files.isRegularFile(doc)) {
                String text = read(doc);
                int start = text.indexOf("## 4.");
                int end = text.indexOf("### Spans", Math.max(start, 0));
                assertTrue(start >= 0 && end > start, doc + ": no section 4 with a metrics table");
                Matcher row = Pattern.compile("(?m)^\\|\\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\\s*\\|\\s*([a-z]+)").matcher(text.substring(start, end));
                int rows = 0;
                while (row.find()) {
                    k.add(row.group(1), row.group(2));
                    rows++;
                }
                assertTrue(rows >= 10, doc + ": only " + rows + " metric rows in section 4");
                return doc.toString();
            }
            // Without the contract file (a checkout of this repository alone), the names the services register stand in for it.
            for (String module : List.of("common-observability", "order-service", "inventory-service", "payment-service")) {
                javaSources(module).forEach(text -> registeredNames(text, name -> true, k));
            }
            return "metric names registered in the services' main sources (" + doc + " not found)";
        }

        /** loadgen_* and otel_span(s)_* metrics of the load generator and the span pipeline. */
        private static void loadJavaSources(KnownMetrics k) {
            for (String module : List.of("load-generator", "common-observability")) {
                javaSources(module).forEach(text -> registeredNames(text,
                        name -> name.startsWith("loadgen_") || name.startsWith("otel_span"), k));
            }
            assertThat("loadgen_requests_total is registered in load-generator", k.exact, hasItem("loadgen_requests_total"));
        }

        private static final Pattern NAME_LITERAL = Pattern.compile("\"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\"");
        private static final Pattern HISTOGRAM_CALL = Pattern.compile("(?:latencyHistogram|valueHistogram)\\(\\s*\"([a-z0-9_]+)\"");
        private static final Pattern SUMMARY_CALL = Pattern.compile("latencySummary\\(\\s*\"([a-z0-9_]+)\"");

        private static void registeredNames(String source, java.util.function.Predicate<String> wanted, KnownMetrics k) {
            Set<String> histograms = names(HISTOGRAM_CALL, source);
            Set<String> summaries = names(SUMMARY_CALL, source);
            for (String name : names(NAME_LITERAL, source)) {
                if (wanted.test(name)) {
                    k.add(name, histograms.contains(name) ? "histogram" : summaries.contains(name) ? "summary" : "counter");
                }
            }
        }

        private static Set<String> names(Pattern p, String text) {
            Set<String> out = new LinkedHashSet<>();
            Matcher m = p.matcher(text);
            while (m.find()) {
                out.add(m.group(1));
            }
            return out;
        }

        private static List<String> javaSources(String module) {
            Path dir = Chart.repoRoot().resolve(module).resolve("src/main/java");
            assertTrue(Files.isDirectory(dir), dir + " is missing");
            try (Stream<Path> s = Files.walk(dir)) {
                return s.filter(p -> p.toString().endsWith(".java")).sorted().map(KnownMetrics::read).toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void loadRecordingRules(KnownMetrics k, Manifests m) {
            Map<String, String> files = m.configFiles().get(RULES_CONFIGMAP);
            assertTrue(files != null && !files.isEmpty(), m.description() + ": no " + RULES_CONFIGMAP);
            files.forEach((key, text) -> {
                for (Map<String, Object> group : Y.maps(Y.parseMap(key, text), "groups")) {
                    for (Map<String, Object> rule : Y.maps(group, "rules")) {
                        if (Y.str(rule, "record") != null) {
                            k.exact.add(Y.str(rule, "record"));
                        }
                    }
                }
            });
        }

        private static String read(Path p) {
            try {
                return Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The names of {@code otelcol-0.114-metrics.txt}: a # header citing the source, then one name per line. */
    static List<String> collectorMetrics() {
        try (InputStream in = DashboardTest.class.getClassLoader().getResourceAsStream(COLLECTOR_METRICS)) {
            Objects.requireNonNull(in, COLLECTOR_METRICS + " is not on the test classpath");
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertTrue(!lines.isEmpty() && lines.get(0).startsWith("#"), COLLECTOR_METRICS + " must start with a # header naming its source");
            return lines.stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void collectorMetricListMatchesTheDeployedCollector() {
        List<String> names = collectorMetrics();
        List<String> problems = new ArrayList<>();
        for (String name : names) {
            if (!name.matches("otelcol_[a-z0-9_]+")) {
                problems.add(COLLECTOR_METRICS + ": " + name + " is not an otelcol_ metric name");
            }
            if (name.endsWith("_total")) {
                problems.add(COLLECTOR_METRICS + ": " + name + ": collector " + COLLECTOR_VERSION + " exposes counters without _total");
            }
        }
        if (new HashSet<>(names).size() != names.size()) {
            problems.add(COLLECTOR_METRICS + ": duplicate names");
        }
        Manifests m = rendered();
        Manifests.Workload collector = m.workload("otel-collector")
                .orElseThrow(() -> new AssertionError(m.description() + ": no otel-collector workload"));
        for (Map<String, Object> c : collector.containers()) {
            String image = Y.str(c, "image");
            if (image != null && image.contains("opentelemetry-collector") && !image.endsWith(":" + COLLECTOR_VERSION)) {
                problems.add(collector.id() + " runs " + image + ": the dashboards' collector metric names were checked against "
                        + COLLECTOR_VERSION + " (" + COLLECTOR_METRICS + "); re-check them (e.g. the _total suffix of 0.120+) and update the list");
            }
        }
        assertThat(problems, empty());
    }

    // ------------------------------------------------------------------------------------------------ links and exemplars

    private static final Pattern DASHBOARD_URL = Pattern.compile("/d/([A-Za-z0-9_-]+)");

    @Test
    void linksPointAtExistingDashboardsAndEveryDashboardLinksToAnother() {
        Map<String, JsonObject> all = dashboards();
        Map<String, Set<String>> tagsByUid = new HashMap<>();
        all.values().forEach(d -> tagsByUid.put(str(d, "uid"), strings(d.get("tags"))));
        List<String> problems = new ArrayList<>();
        all.forEach((file, d) -> {
            String self = str(d, "uid");
            Set<String> targets = new TreeSet<>();
            walkStrings(d, s -> {
                Matcher m = DASHBOARD_URL.matcher(s);
                while (m.find()) {
                    targets.add(m.group(1));
                }
            });
            for (String uid : targets) {
                if (!tagsByUid.containsKey(uid)) {
                    problems.add(file + ": links to /d/" + uid + ", which no provisioned dashboard has as uid " + tagsByUid.keySet());
                }
            }
            boolean linksOthers = targets.stream().anyMatch(uid -> !uid.equals(self));
            for (JsonObject link : objects(d.get("links"))) {
                if ("dashboards".equals(str(link, "type"))) {
                    Set<String> tags = strings(link.get("tags"));
                    boolean matches = tagsByUid.entrySet().stream()
                            .anyMatch(e -> !e.getKey().equals(self) && e.getValue().containsAll(tags));
                    if (!matches) {
                        problems.add(file + ": dashboards link with tags " + tags + " matches no other dashboard");
                    }
                    linksOthers |= matches;
                }
            }
            if (!linksOthers && all.size() > 1) {
                problems.add(file + ": links to no other dashboard");
            }
        });
        assertThat(problems, empty());
    }

    @Test
    void latencyQuantilesOfServerRequestsShowExemplarsAndRedHasLogs() {
        List<String> problems = new ArrayList<>();
        dashboards().forEach((file, d) -> {
            for (JsonObject panel : panels(d)) {
                if (!"timeseries".equals(str(panel, "type"))) {
                    continue;   // exemplars are drawn on time series only
                }
                for (JsonObject target : objects(panel.get("targets"))) {
                    String expr = str(target, "expr");
                    boolean range = !target.has("instant") || !target.get("instant").getAsBoolean();
                    if (expr != null && range && expr.contains("histogram_quantile")
                            && expr.contains("http_request_duration_seconds_bucket")
                            && !(target.has("exemplar") && target.get("exemplar").getAsBoolean())) {
                        problems.add(file + " panel \"" + str(panel, "title") + "\" " + str(target, "refId")
                                + ": latency quantile over http_request_duration_seconds_bucket without \"exemplar\": true");
                    }
                }
            }
        });
        assertThat(problems, empty());
        JsonObject red = dashboards().values().stream().filter(d -> "o11y-shop-service-red".equals(str(d, "uid"))).findFirst()
                .orElseThrow(() -> new AssertionError("no dashboard o11y-shop-service-red"));
        assertThat("the RED dashboard has a Loki logs panel", panels(red).stream()
                .filter(p -> "logs".equals(str(p, "type"))).map(p -> type(p.get("datasource"))).toList(), hasItem("loki"));
        assertThat(provisionedDatasources().keySet(), hasItem("jaeger"));
        assertThat(panels(red).stream().filter(p -> !isRow(p)).toList(), not(empty()));
    }

    // ------------------------------------------------------------------------------------------------ PromQL

    /**
     * A small PromQL scanner that finds the metric names of an expression: identifiers outside strings, label matchers
     * {@code {...}}, ranges and subqueries {@code [...]}, not followed by {@code (} (functions, aggregations), not
     * keywords, not the label lists of {@code by/without/on/ignoring/group_left/group_right}, and not Grafana
     * variables ({@code $x}, {@code ${x}}).
     */
    static final class PromQl {
        private static final Set<String> LABEL_LIST_KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
        private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");
        /** Aggregation operators: followed by "(" or by a by/without clause and then "(". */
        private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
        private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\s*\\((.*),\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)\\s*$", Pattern.DOTALL);
        private static final Pattern QUERY_RESULT = Pattern.compile("^\\s*query_result\\s*\\((.*)\\)\\s*$", Pattern.DOTALL);

        private PromQl() {
        }

        /** The PromQL expression inside a Grafana Prometheus variable query, or null when it has none. */
        static String variableQueryExpr(String query) {
            if (query == null || query.isBlank()) {
                return null;
            }
            Matcher m = LABEL_VALUES.matcher(query);
            if (m.matches()) {
                return m.group(1).strip();
            }
            m = QUERY_RESULT.matcher(query);
            if (m.matches()) {
                return m.group(1).strip();
            }
            if (query.strip().matches("(label_values|label_names|metrics)\\s*\\(.*\\)")) {
                return null;
            }
            return query;
        }

        static Set<String> metricNames(String expr) {
            Set<String> out = new LinkedHashSet<>();
            int n = expr.length();
            int i = 0;
            while (i < n) {
                char c = expr.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '#') {
                    while (i < n && expr.charAt(i) != '\n') {
                        i++;
                    }
                } else if (c == '"' || c == '\'' || c == '`') {
                    i = skipString(expr, i);
                } else if (c == '{') {
                    i = skipBlock(expr, i, '{', '}');
                } else if (c == '[') {
                    i = skipBlock(expr, i, '[', ']');
                } else if (c == '$') {
                    i++;
                    if (i < n && expr.charAt(i) == '{') {
                        i = skipBlock(expr, i, '{', '}');
                    } else {
                        while (i < n && isIdentPart(expr.charAt(i))) {
                            i++;
                        }
                    }
                } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                    // numbers, durations (5m, 1h30m), hex, exponents
                    i++;
                    while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.' || expr.charAt(i) == '_')) {
                        i++;
                    }
                } else if (isIdentStart(c)) {
                    int start = i;
                    while (i < n && isIdentPart(expr.charAt(i))) {
                        i++;
                    }
                    String word = expr.substring(start, i);
                    int j = i;
                    while (j < n && Character.isWhitespace(expr.charAt(j))) {
                        j++;
                    }
                    boolean call = j < n && expr.charAt(j) == '(';
                    String lower = word.toLowerCase(Locale.ROOT);
                    if (LABEL_LIST_KEYWORDS.contains(lower)) {
                        if (call) {
                            i = skipBlock(expr, j, '(', ')');
                        }
                    } else if (!KEYWORDS.contains(lower) && !AGGREGATIONS.contains(lower) && !call) {
                        out.add(word);
                    }
                } else {
                    i++;
                }
            }
            return out;
        }

        private static boolean isIdentStart(char c) {
            return Character.isLetter(c) || c == '_' || c == ':';
        }

        private static boolean isIdentPart(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == ':';
        }

        /** Index after the string literal that starts at {@code start}. */
        private static int skipString(String s, int start) {
            char quote = s.charAt(start);
            int i = start + 1;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '\\' && quote != '`') {
                    i += 2;
                } else if (c == quote) {
                    return i + 1;
                } else {
                    i++;
                }
            }
            return s.length();
        }

        /** Index after the balanced block that opens at {@code start}, strings inside included. */
        private static int skipBlock(String s, int start, char open, char close) {
            int depth = 0;
            int i = start;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '"' || c == '\'' || c == '`') {
                    i = skipString(s, i);
                    continue;
                }
                if (c == open) {
                    depth++;
                } else if (c == close && --depth == 0) {
                    return i + 1;
                }
                i++;
            }
            return s.length();
        }
    }

    // ------------------------------------------------------------------------------------------------ JSON helpers

    /** Every panel, the panels of (collapsed) rows included. */
    static List<JsonObject> panels(JsonObject dashboard) {
        List<JsonObject> out = new ArrayList<>();
        collect(dashboard.get("panels"), out);
        return out;
    }

    private static void collect(JsonElement array, List<JsonObject> out) {
        for (JsonObject p : objects(array)) {
            out.add(p);
            collect(p.get("panels"), out);
        }
    }

    private static JsonElement templating(JsonObject d) {
        return d.has("templating") && d.get("templating").isJsonObject() ? d.getAsJsonObject("templating").get("list") : null;
    }

    private static boolean isRow(JsonObject panel) {
        return "row".equals(str(panel, "type"));
    }

    static List<JsonObject> objects(JsonElement array) {
        List<JsonObject> out = new ArrayList<>();
        if (array != null && array.isJsonArray()) {
            for (JsonElement e : array.getAsJsonArray()) {
                if (e.isJsonObject()) {
                    out.add(e.getAsJsonObject());
                }
            }
        }
        return out;
    }

    static Set<String> strings(JsonElement array) {
        Set<String> out = new LinkedHashSet<>();
        if (array != null && array.isJsonArray()) {
            for (JsonElement e : array.getAsJsonArray()) {
                if (e.isJsonPrimitive()) {
                    out.add(e.getAsString());
                }
            }
        }
        return out;
    }

    private static void walkStrings(JsonElement e, Consumer<String> visitor) {
        if (e == null || e.isJsonNull()) {
            return;
        }
        if (e.isJsonPrimitive()) {
            if (e.getAsJsonPrimitive().isString()) {
                visitor.accept(e.getAsString());
            }
        } else if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                walkStrings(x, visitor);
            }
        } else {
            for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
                walkStrings(x.getValue(), visitor);
            }
        }
    }

    static String uid(JsonElement datasource) {
        if (datasource == null || datasource.isJsonNull()) {
            return null;
        }
        if (datasource.isJsonPrimitive()) {
            return datasource.getAsString();
        }
        return str(datasource.getAsJsonObject(), "uid");
    }

    static String type(JsonElement datasource) {
        return datasource != null && datasource.isJsonObject() ? str(datasource.getAsJsonObject(), "type") : null;
    }

    static String str(JsonObject o, String key) {
        JsonElement e = o == null ? null : o.get(key);
        return e == null || e.isJsonNull() || !e.isJsonPrimitive() ? null : e.getAsString();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
