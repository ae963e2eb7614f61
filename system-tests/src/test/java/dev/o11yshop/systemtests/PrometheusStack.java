package dev.o11yshop.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.o11yshop.observability.RequiredInCi;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real Prometheus and Alertmanager (Debian's {@code prometheus} 2.42 and {@code prometheus-alertmanager} 0.25) as
 * child processes on ephemeral loopback ports, running configs derived from the chart's ({@link ChartFiles}) so that
 * the chart's relabel rules, alert rules, routes and receivers run for real against local processes. Every file it
 * writes, and both processes' logs, stay in its directory (under target/).
 * <p>
 * The derivations, each done programmatically from the rendered chart (never hand-written), are described on
 * {@link #rules}, {@link #prometheusConfig} and {@link #alertmanagerConfig}.
 */
final class PrometheusStack implements AutoCloseable {
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Path ALERTMANAGER = Path.of("/usr/bin/prometheus-alertmanager");
    /** Rule files: {@code for}, {@code keep_firing_for} and group {@code interval} are divided by this (2m → 5s). */
    static final long RULE_TIME_FACTOR = 24;
    /** Alertmanager: {@code group_wait}, {@code group_interval}, {@code repeat_interval} are divided by this (1m → 1s). */
    static final long ALERTMANAGER_TIME_FACTOR = 60;
    /** The derived config's scrape and evaluation interval (the chart's: 15s). */
    static final Duration INTERVAL = Duration.ofSeconds(1);
    static final String TARGETS_FILE = "targets.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|y|w|d|h|m|s)");

    private final Path dir;
    private final ChartFiles chart;
    private final Process alertmanager;
    private final Process prometheus;
    private final URI alertmanagerUri;
    private final URI prometheusUri;

    private PrometheusStack(Path dir, ChartFiles chart, Process alertmanager, URI alertmanagerUri, Process prometheus,
                            URI prometheusUri) {
        this.dir = dir;
        this.chart = chart;
        this.alertmanager = alertmanager;
        this.alertmanagerUri = alertmanagerUri;
        this.prometheus = prometheus;
        this.prometheusUri = prometheusUri;
    }

    /**
     * A process standing in for the pod of the chart's workload {@code workload}: each of the pod template's
     * container ports is served locally on {@code ports.get(portName)}.
     */
    record LocalPod(String workload, Map<String, Integer> ports) {
    }

    /** Skips (developer machine) or fails (CI=true) when the binaries are not installed. */
    static void requireBinaries() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(PROMETHEUS)) {
            missing.add(PROMETHEUS + " (apt-get install prometheus)");
        }
        if (!Files.isExecutable(ALERTMANAGER)) {
            missing.add(ALERTMANAGER + " (apt-get install prometheus-alertmanager)");
        }
        RequiredInCi.require(missing.isEmpty() ? null : "the alerting tests need " + missing);
    }

    /**
     * Writes the derived configs into {@code dir}, starts Alertmanager, then Prometheus, and waits until both are
     * ready.
     *
     * @param staticTargets the local stand-ins for the chart's static scrape targets (e.g. {@code loki:3100}); a job
     *                      with a static target not in here is dropped
     * @param webhook where every receiver's webhook posts (the load generator's {@code /alerts})
     */
    static PrometheusStack start(ChartFiles chart, Path dir, List<LocalPod> pods, Map<String, String> staticTargets,
                                 URI webhook) throws Exception {
        // A fresh TSDB and Alertmanager state: series and alerts of an earlier run would still be in the windows.
        deleteRecursively(dir);
        Files.createDirectories(dir);
        Path rulesDir = Files.createDirectories(dir.resolve("rules"));
        for (Map.Entry<String, String> file : chart.ruleFiles().entrySet()) {
            Files.writeString(rulesDir.resolve(file.getKey()), rules(file.getKey(), file.getValue()));
        }
        writeTargets(chart, dir, pods);
        int amPort = freePort();
        int promPort = freePort();
        Files.writeString(dir.resolve("alertmanager.yml"), alertmanagerConfig(chart.alertmanagerConfig(), webhook));
        Map<String, String> statics = new LinkedHashMap<>(staticTargets);
        statics.put("localhost:9090", "127.0.0.1:" + promPort); // the chart's self-scrape: this Prometheus
        Files.writeString(dir.resolve("prometheus.yml"), prometheusConfig(chart.prometheusConfig(), rulesDir,
                dir.resolve(TARGETS_FILE), "127.0.0.1:" + amPort, statics));

        Process am = start(dir, "alertmanager", List.of(ALERTMANAGER.toString(),
                "--config.file=" + dir.resolve("alertmanager.yml"),
                "--storage.path=" + Files.createDirectories(dir.resolve("alertmanager-data")),
                "--cluster.listen-address=",
                "--web.listen-address=127.0.0.1:" + amPort));
        URI amUri = URI.create("http://127.0.0.1:" + amPort);
        Process prom = null;
        try {
            awaitReady("alertmanager", am, amUri, dir);
            prom = start(dir, "prometheus", List.of(PROMETHEUS.toString(),
                    "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("prometheus-data")),
                    "--web.listen-address=127.0.0.1:" + promPort,
                    "--web.enable-lifecycle")); // POST /-/reload: rule files added and removed by a scenario
            URI promUri = URI.create("http://127.0.0.1:" + promPort);
            awaitReady("prometheus", prom, promUri, dir);
            return new PrometheusStack(dir, chart, am, amUri, prom, promUri);
        } catch (Exception | Error e) {
            stop(am);
            if (prom != null) {
                stop(prom);
            }
            throw e;
        }
    }

    URI prometheus() {
        return prometheusUri;
    }

    URI alertmanager() {
        return alertmanagerUri;
    }

    Path dir() {
        return dir;
    }

    /** Alertmanager's alerts in state {@code active} (not suppressed, not resolved): {@code GET /api/v2/alerts}. */
    List<JsonNode> activeAlerts() throws IOException, InterruptedException {
        JsonNode alerts = getJson(alertmanagerUri.resolve("/api/v2/alerts?active=true&silenced=false&inhibited=false"));
        List<JsonNode> active = new ArrayList<>();
        alerts.forEach(alert -> {
            if ("active".equals(alert.path("status").path("state").asText())) {
                active.add(alert);
            }
        });
        return active;
    }

    /**
     * Every alert Alertmanager holds now, including those it suppresses (inhibited or silenced: {@code status.state}
     * {@code suppressed}, {@code status.inhibitedBy} names the inhibiting alerts' fingerprints).
     */
    List<JsonNode> alerts() throws IOException, InterruptedException {
        List<JsonNode> all = new ArrayList<>();
        getJson(alertmanagerUri.resolve("/api/v2/alerts")).forEach(all::add);
        return all;
    }

    /** Rewrites the file_sd targets: a pod left out is gone from discovery, as if its workload were scaled to 0. */
    void updatePods(List<LocalPod> pods) throws IOException {
        writeTargets(chart, dir, pods);
    }

    /** Adds a rule file next to the chart's (as it is: not derived) and reloads Prometheus until it has its groups. */
    void addRuleFile(String fileName, String yaml) throws Exception {
        Files.writeString(dir.resolve("rules").resolve(fileName), yaml);
        reloadUntil(fileName, true);
    }

    /** Removes a rule file added with {@link #addRuleFile} and reloads Prometheus until its groups are gone. */
    void removeRuleFile(String fileName) throws Exception {
        Files.delete(dir.resolve("rules").resolve(fileName));
        reloadUntil(fileName, false);
    }

    private void reloadUntil(String fileName, boolean loaded) throws Exception {
        HttpResponse<String> reload = HTTP.send(HttpRequest.newBuilder(prometheusUri.resolve("/-/reload"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, reload.statusCode(), "POST /-/reload: " + reload.body());
        eventually(Duration.ofSeconds(10), () -> {
            boolean found = false;
            for (JsonNode group : rulesStatus().path("groups")) {
                found |= group.path("file").asText().endsWith("/" + fileName);
            }
            assertEquals(loaded, found, "rule file " + fileName + " loaded, per /api/v1/rules");
        });
    }

    /** An instant query's result vector ({@code GET /api/v1/query}). */
    JsonNode query(String promql) throws IOException, InterruptedException {
        JsonNode response = getJson(prometheusUri.resolve("/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
        assertEquals("success", response.path("status").asText(), "query " + promql + ": " + response);
        return response.path("data").path("result");
    }

    /** The scrape targets' health by job ({@code GET /api/v1/targets}, active targets). */
    Map<String, String> targetHealth() throws IOException, InterruptedException {
        Map<String, String> health = new LinkedHashMap<>();
        getJson(prometheusUri.resolve("/api/v1/targets?state=active")).path("data").path("activeTargets")
                .forEach(t -> health.merge(t.path("labels").path("job").asText(), t.path("health").asText(),
                        (a, b) -> a + "," + b));
        return health;
    }

    /** Prometheus' rule groups ({@code GET /api/v1/rules}): health and last error of each rule, for failure messages. */
    JsonNode rulesStatus() throws IOException, InterruptedException {
        return getJson(prometheusUri.resolve("/api/v1/rules")).path("data");
    }

    @Override
    public void close() {
        stop(prometheus);
        stop(alertmanager);
    }

    // ---- derivations ----------------------------------------------------------------------------------------

    /**
     * The test copy of one of the chart's rule files: the same groups, rules, expressions, labels and annotations,
     * with every duration that only delays the outcome divided by {@link #RULE_TIME_FACTOR} — each rule's {@code for}
     * and {@code keep_firing_for} (e.g. 2m → 5s) and each group's {@code interval} (at least 1s; otherwise the group
     * runs at the derived global {@link #INTERVAL}). Expressions, including their range windows, are untouched, so
     * what fires is what the chart's rule decides.
     */
    static String rules(String fileName, String chartRules) {
        Map<String, Object> content = ChartFiles.map(ChartFiles.yaml().load(chartRules), "rule file " + fileName);
        for (Object group : ChartFiles.list(content.get("groups"), fileName + " groups")) {
            Map<String, Object> g = ChartFiles.map(group, fileName + " group");
            if (g.containsKey("interval")) {
                g.put("interval", formatMillis(Math.max(1000, millis(g.get("interval")) / RULE_TIME_FACTOR)));
            }
            for (Object rule : ChartFiles.list(g.get("rules"), fileName + " rules")) {
                Map<String, Object> r = ChartFiles.map(rule, fileName + " rule");
                for (String key : List.of("for", "keep_firing_for")) {
                    if (r.containsKey(key)) {
                        r.put(key, formatMillis(millis(r.get(key)) / RULE_TIME_FACTOR));
                    }
                }
            }
        }
        return "# Derived by system-tests' PrometheusStack from the chart's " + fileName + ": every `for`, `keep_firing_for`\n"
                + "# and group `interval` divided by " + RULE_TIME_FACTOR + "; expressions unchanged.\n"
                + ChartFiles.yaml().dump(content);
    }

    /**
     * The test copy of the chart's {@code prometheus.yml}:
     * <ul>
     *   <li>{@code global}: scrape and evaluation interval {@link #INTERVAL} (scrape timeout the same), so that a
     *   test runs in minutes; {@code external_labels} kept;</li>
     *   <li>{@code rule_files}: the derived rule files ({@link #rules});</li>
     *   <li>{@code alerting}: the local Alertmanager instead of the chart's Service address;</li>
     *   <li>each {@code kubernetes_sd_configs} becomes one {@code file_sd_configs} reading {@link #TARGETS_FILE},
     *   whose targets carry the {@code __meta_kubernetes_*} labels Kubernetes pod discovery would give
     *   ({@link #writeTargets}); the job's {@code relabel_configs} (and everything else in it) are kept, so the
     *   chart's relabelling runs for real. The namespace restriction holds: every target is in the release
     *   namespace;</li>
     *   <li>static targets: each is replaced by its local stand-in from {@code staticTargets} (the {@code prometheus}
     *   job's {@code localhost:9090} by the local Prometheus itself), labels kept; a job with a static target that
     *   has no stand-in is dropped, as nothing serves it here.</li>
     * </ul>
     */
    static String prometheusConfig(String chartConfig, Path rulesDir, Path targetsFile, String alertmanager,
                                   Map<String, String> staticTargets) {
        Map<String, Object> config = ChartFiles.map(ChartFiles.yaml().load(chartConfig), "prometheus.yml");
        Map<String, Object> global = ChartFiles.map(config.computeIfAbsent("global", k -> new LinkedHashMap<>()), "global");
        String interval = formatMillis(INTERVAL.toMillis());
        global.put("scrape_interval", interval);
        global.put("scrape_timeout", interval);
        global.put("evaluation_interval", interval);
        config.put("rule_files", List.of(rulesDir.resolve("*.yaml").toString()));
        if (!config.containsKey("alerting")) {
            throw new AssertionError("the chart's prometheus.yml sends alerts nowhere (no alerting block)");
        }
        config.put("alerting", Map.of("alertmanagers", List.of(Map.of("static_configs",
                List.of(Map.of("targets", List.of(alertmanager)))))));
        List<Object> jobs = new ArrayList<>();
        for (Object job : ChartFiles.list(config.get("scrape_configs"), "scrape_configs")) {
            Map<String, Object> j = ChartFiles.map(job, "scrape config");
            String name = String.valueOf(j.get("job_name"));
            if (j.remove("kubernetes_sd_configs") != null) {
                j.put("file_sd_configs", List.of(Map.of("files", List.of(targetsFile.toString()),
                                                        "refresh_interval", interval)));
            }
            if (j.containsKey("static_configs")) {
                List<Object> statics = new ArrayList<>();
                boolean served = true;
                for (Object staticConfig : ChartFiles.list(j.get("static_configs"), name + " static_configs")) {
                    Map<String, Object> c = ChartFiles.map(staticConfig, name + " static config");
                    List<Object> targets = new ArrayList<>();
                    for (Object target : ChartFiles.list(c.get("targets"), name + " targets")) {
                        String local = staticTargets.get(String.valueOf(target));
                        served &= local != null;
                        targets.add(local);
                    }
                    Map<String, Object> derived = new LinkedHashMap<>(c);
                    derived.put("targets", targets);
                    statics.add(derived);
                }
                if (!served) {
                    continue; // nothing runs here that could serve it
                }
                j.put("static_configs", statics);
            }
            jobs.add(j);
        }
        config.put("scrape_configs", jobs);
        return "# Derived by system-tests' PrometheusStack from the chart's prometheus.yml (see its javadoc).\n"
                + ChartFiles.yaml().dump(config);
    }

    /**
     * The test copy of the chart's {@code alertmanager.yml}: every receiver's {@code webhook_configs} URL becomes
     * {@code webhook}; in the whole route tree {@code group_wait}, {@code group_interval} and {@code repeat_interval}
     * are divided by {@link #ALERTMANAGER_TIME_FACTOR} (at least 1s). Routes, matchers, grouping, inhibition and
     * {@code send_resolved} stay the chart's. A receiver with another integration than a webhook fails the test: it
     * could not be observed here.
     */
    static String alertmanagerConfig(String chartConfig, URI webhook) {
        Map<String, Object> config = ChartFiles.map(ChartFiles.yaml().load(chartConfig), "alertmanager.yml");
        shortenRoute(ChartFiles.map(config.get("route"), "route"));
        for (Object receiver : ChartFiles.list(config.get("receivers"), "receivers")) {
            Map<String, Object> r = ChartFiles.map(receiver, "receiver");
            for (String key : r.keySet()) {
                if (key.endsWith("_configs") && !key.equals("webhook_configs")) {
                    throw new AssertionError("receiver " + r.get("name") + " uses " + key
                            + ": the alerting test can only observe webhook receivers");
                }
            }
            if (r.containsKey("webhook_configs")) {
                for (Object hook : ChartFiles.list(r.get("webhook_configs"), "webhook_configs")) {
                    ChartFiles.map(hook, "webhook config").put("url", webhook.toString());
                }
            }
        }
        return "# Derived by system-tests' PrometheusStack from the chart's alertmanager.yml (see its javadoc).\n"
                + ChartFiles.yaml().dump(config);
    }

    private static void shortenRoute(Map<String, Object> route) {
        for (String key : List.of("group_wait", "group_interval", "repeat_interval")) {
            if (route.containsKey(key)) {
                route.put(key, formatMillis(Math.max(1000, millis(route.get(key)) / ALERTMANAGER_TIME_FACTOR)));
            }
        }
        if (route.containsKey("routes")) {
            for (Object child : ChartFiles.list(route.get("routes"), "routes")) {
                shortenRoute(ChartFiles.map(child, "route"));
            }
        }
    }

    /**
     * The file_sd targets: for each local pod, one target per container port of the chart's pod template for that
     * workload, as Kubernetes' {@code role: pod} discovery makes them — {@code __address__} (here 127.0.0.1 and the
     * local port serving that port name), {@code __meta_kubernetes_namespace}, {@code _pod_name}, {@code _pod_ip},
     * {@code _pod_label_*}/{@code _pod_labelpresent_*} and {@code _pod_annotation_*} from the pod template,
     * {@code _pod_container_name}/{@code _image}/{@code _port_name}/{@code _port_number}/{@code _port_protocol},
     * {@code _pod_phase=Running}, {@code _pod_ready=true}. A port the local process does not serve gets no target.
     */
    static void writeTargets(ChartFiles chart, Path dir, List<LocalPod> pods) throws IOException {
        List<Map<String, Object>> groups = new ArrayList<>();
        for (LocalPod pod : pods) {
            Map<String, Object> template = chart.podTemplate(pod.workload())
                    .orElseThrow(() -> new AssertionError("the chart renders no workload " + pod.workload()));
            Map<String, Object> metadata = ChartFiles.map(template.getOrDefault("metadata", Map.of()), "pod metadata");
            Map<String, Object> spec = ChartFiles.map(template.get("spec"), pod.workload() + " pod spec");
            Map<String, String> podLabels = new LinkedHashMap<>();
            podLabels.put("__meta_kubernetes_namespace", ChartFiles.NAMESPACE);
            podLabels.put("__meta_kubernetes_pod_name", pod.workload() + "-local-0");
            podLabels.put("__meta_kubernetes_pod_ip", "127.0.0.1");
            podLabels.put("__meta_kubernetes_pod_host_ip", "127.0.0.1");
            podLabels.put("__meta_kubernetes_pod_node_name", "local");
            podLabels.put("__meta_kubernetes_pod_phase", "Running");
            podLabels.put("__meta_kubernetes_pod_ready", "true");
            podLabels.put("__meta_kubernetes_pod_controller_kind", "ReplicaSet");
            podLabels.put("__meta_kubernetes_pod_controller_name", pod.workload() + "-local");
            ChartFiles.map(metadata.getOrDefault("labels", Map.of()), "pod labels").forEach((k, v) -> {
                podLabels.put("__meta_kubernetes_pod_label_" + sanitize(k), String.valueOf(v));
                podLabels.put("__meta_kubernetes_pod_labelpresent_" + sanitize(k), "true");
            });
            ChartFiles.map(metadata.getOrDefault("annotations", Map.of()), "pod annotations").forEach((k, v) -> {
                podLabels.put("__meta_kubernetes_pod_annotation_" + sanitize(k), String.valueOf(v));
                podLabels.put("__meta_kubernetes_pod_annotationpresent_" + sanitize(k), "true");
            });
            for (Object c : ChartFiles.list(spec.get("containers"), pod.workload() + " containers")) {
                Map<String, Object> container = ChartFiles.map(c, "container");
                for (Object p : ChartFiles.list(container.getOrDefault("ports", List.of()), "ports")) {
                    Map<String, Object> port = ChartFiles.map(p, "port");
                    String portName = String.valueOf(port.get("name"));
                    Integer local = pod.ports().get(portName);
                    if (local == null) {
                        continue;
                    }
                    Map<String, String> labels = new LinkedHashMap<>(podLabels);
                    labels.put("__meta_kubernetes_pod_container_name", String.valueOf(container.get("name")));
                    labels.put("__meta_kubernetes_pod_container_image", String.valueOf(container.get("image")));
                    labels.put("__meta_kubernetes_pod_container_init", "false");
                    labels.put("__meta_kubernetes_pod_container_port_name", portName);
                    labels.put("__meta_kubernetes_pod_container_port_number", String.valueOf(port.get("containerPort")));
                    labels.put("__meta_kubernetes_pod_container_port_protocol", String.valueOf(port.getOrDefault("protocol", "TCP")));
                    groups.add(Map.of("targets", List.of("127.0.0.1:" + local), "labels", labels));
                }
            }
        }
        Path file = dir.resolve(TARGETS_FILE);
        Path tmp = dir.resolve(TARGETS_FILE + ".tmp");
        Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(groups));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** A Prometheus duration ("1h30m", "2m", "500ms", or a bare number of seconds from YAML) in milliseconds. */
    static long millis(Object duration) {
        String text = String.valueOf(duration).trim();
        if (text.matches("\\d+")) {
            return Long.parseLong(text) * 1000;
        }
        Matcher part = DURATION_PART.matcher(text);
        long total = 0;
        int end = 0;
        while (part.find()) {
            if (part.start() != end) {
                break;
            }
            long n = Long.parseLong(part.group(1));
            total += switch (part.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                case "h" -> n * 3_600_000;
                case "d" -> n * 86_400_000;
                case "w" -> n * 604_800_000;
                case "y" -> n * 31_536_000_000L;
                default -> throw new IllegalStateException(part.group(2));
            };
            end = part.end();
        }
        if (end != text.length() || end == 0) {
            throw new AssertionError("not a Prometheus duration: '" + text + "'");
        }
        return total;
    }

    static String formatMillis(long millis) {
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }

    private static String sanitize(String name) {
        return name.replaceAll("[^a-zA-Z0-9_]", "_");
    }

    // ---- processes ------------------------------------------------------------------------------------------

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Process start(Path dir, String name, List<String> command) throws IOException {
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
    }

    private static void awaitReady(String name, Process process, URI base, Path dir) throws Exception {
        try {
            eventually(Duration.ofSeconds(30), () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + log(dir, name));
                }
                int status;
                try {
                    status = HTTP.send(HttpRequest.newBuilder(base.resolve("/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                                       HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException e) {
                    throw new AssertionError(name + " not reachable yet at " + base + ": " + e, e);
                }
                assertEquals(200, status, name + " /-/ready");
            });
        } catch (AssertionError e) {
            throw new AssertionError(name + " not ready within 30s at " + base + ":\n" + log(dir, name), e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    static String log(Path dir, String name) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(name + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode getJson(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                                                  HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + uri + " → " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "prometheus %s, alertmanager %s, files in %s", prometheusUri, alertmanagerUri, dir);
    }
}
