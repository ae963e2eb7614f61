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
    static final String COLLECTOR_METRICS = "otelcol-0.114-metrics.txt";
    /** The collector release the metric list was taken from; a different image needs the list re-checked. */
    static final String COLLECTOR_VERSION = "0.114.0";
    static final int SCHEMA_VERSION = 39;
    static final String TITLE_PREFIX = "o11y-shop / ";
    static final String TAG = "o11y-shop";

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

    // ------------------------------------------------------------------------------------------------ collector metric names
    // (Metric names in dashboard queries and rules are checked against the live services by system-tests' MetricNamesIT.)

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
