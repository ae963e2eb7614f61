package dev.o11yshop.loadgen.alerting;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;

import static dev.o11yshop.loadgen.alerting.DerivedConfigs.CHART_RULES_DIR;
import static dev.o11yshop.loadgen.alerting.DerivedConfigs.MIN_INTERVAL_MILLIS;
import static dev.o11yshop.loadgen.alerting.DerivedConfigs.RULES_DIR;
import static dev.o11yshop.loadgen.alerting.DerivedConfigs.TARGETS_FILE;
import static dev.o11yshop.loadgen.alerting.DerivedConfigs.checkTimeFactor;
import static dev.o11yshop.loadgen.alerting.DerivedConfigs.formatMillis;

/**
 * A real Prometheus and Alertmanager (Debian's {@code prometheus} and {@code prometheus-alertmanager}) as child
 * processes on free loopback ports, running configs derived from the chart's ({@link ChartConfig}), so that the
 * chart's relabelling, alert rules, routes, inhibition and receivers run for real against local processes. Every file
 * it writes, and both daemons' logs, are in its directory.
 * <p>
 * The configs are derived from the rendered chart, never hand-written ({@code DerivedConfigs} says how). One knob,
 * {@code timeFactor}, makes the chart's timings shorter: 1 keeps them exactly, 24 makes a {@code for: 10m} alert fire
 * after 25 s.
 */
public final class PrometheusStack implements AutoCloseable {
    public static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    public static final Path ALERTMANAGER = Path.of("/usr/bin/prometheus-alertmanager");
    /** The chart's static target for Prometheus itself; always replaced by the local Prometheus. */
    public static final String PROMETHEUS_SELF_TARGET = "localhost:9090";
    /** Prometheus' {@code --rules.alert.resend-delay} at time factor 1 (its default). */
    static final Duration RESEND_DELAY = Duration.ofMinutes(1);
    /** Longest wait for a reloaded rule file to show in {@code /api/v1/rules}. */
    static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern RULE_FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*\\.yaml");
    private static final long POLL_MILLIS = 100;

    private final ChartConfig chart;
    private final Path dir;
    private final long timeFactor;
    private final LocalDaemon alertmanager;
    private final LocalDaemon prometheus;

    private PrometheusStack(ChartConfig chart, Path dir, long timeFactor, LocalDaemon alertmanager, LocalDaemon prometheus) {
        this.chart = chart;
        this.dir = dir;
        this.timeFactor = timeFactor;
        this.alertmanager = alertmanager;
        this.prometheus = prometheus;
    }

    /**
     * A local process standing in for a pod of the chart's workload {@code workload}: each container port of the
     * pod template named in {@code ports} is served on this machine at that port.
     */
    public record LocalPod(String workload, Map<String, Integer> ports) {
        public LocalPod {
            ports = Map.copyOf(ports);
        }
    }

    /** Empty when both binaries are installed; otherwise what is missing and the {@code apt-get} command for it. */
    public static Optional<String> missingBinaries() {
        List<String> missing = new ArrayList<>();
        List<String> packages = new ArrayList<>();
        if (!Files.isExecutable(PROMETHEUS)) {
            missing.add(PROMETHEUS.toString());
            packages.add("prometheus");
        }
        if (!Files.isExecutable(ALERTMANAGER)) {
            missing.add(ALERTMANAGER.toString());
            packages.add("prometheus-alertmanager");
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of(String.join(" and ", missing) + " not installed (apt-get install "
                + String.join(" ", packages) + ")");
    }

    /**
     * Writes the derived configs into {@code dir}, starts Alertmanager, then Prometheus, and returns once both are
     * ready.
     *
     * @param stackDir      the stack's files; must not exist, be empty, or be an earlier stack's directory (which
     *                      is cleared: its series and alerts would still be in the rules' windows)
     * @param pods          the local processes standing in for the chart's pods, found by Prometheus as pod discovery
     *                      would find them (file_sd targets with the pod template's {@code __meta_kubernetes_*} labels)
     * @param staticTargets replacements for the chart's static scrape targets, e.g. {@code loki:3100 →
     *                      127.0.0.1:41234}; {@link #PROMETHEUS_SELF_TARGET} is always the local Prometheus. A job
     *                      with a static target that has no replacement is left out
     * @param webhook       where every receiver's webhook posts (the load generator's {@code POST /alerts})
     * @param timeFactor    1 = the chart's timings; n = rule {@code for}s and group intervals, scrape and evaluation
     *                      intervals (at least 1 s) and Alertmanager's group_wait, group_interval, repeat_interval (at
     *                      least 1 s) divided by n
     * @throws IllegalArgumentException on a bad argument (timeFactor below 1, a pod of no chart workload, ...)
     * @throws IllegalStateException    when a binary is missing, the chart lacks a part, or a daemon does not start
     *                                  (with its log's tail)
     */
    public static PrometheusStack start(ChartConfig chart, Path stackDir, List<LocalPod> pods, Map<String, String> staticTargets,
                                        URI webhook, long timeFactor) throws IOException, InterruptedException {
        checkTimeFactor(timeFactor);
        // The daemons run in this directory, and their configs name files in it: relative paths would resolve twice.
        Path dir = stackDir.toAbsolutePath().normalize();
        Optional<String> missing = missingBinaries();
        if (missing.isPresent()) {
            throw new IllegalStateException("cannot start Prometheus and Alertmanager: " + missing.get());
        }
        clearDirectory(dir);
        int alertmanagerPort = LocalDaemon.freePort();
        int prometheusPort = LocalDaemon.freePort();
        int discoveredTargets = DerivedConfigs.writeConfigs(chart, dir, pods, staticTargets, webhook, timeFactor,
                                                            alertmanagerPort, prometheusPort);

        LocalDaemon alertmanager = LocalDaemon.start("alertmanager", dir, alertmanagerPort, List.of(ALERTMANAGER.toString(),
                "--config.file=" + dir.resolve("alertmanager.yml"),
                "--storage.path=" + Files.createDirectories(dir.resolve("alertmanager-data")),
                "--cluster.listen-address=",
                "--web.listen-address=127.0.0.1:" + alertmanagerPort));
        LocalDaemon prometheus = null;
        try {
            List<String> command = new ArrayList<>(List.of(PROMETHEUS.toString(),
                    "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("prometheus-data")),
                    "--web.listen-address=127.0.0.1:" + prometheusPort,
                    "--web.enable-lifecycle",
                    // A notification dropped while Alertmanager is not discovered yet is resent after this delay.
                    "--rules.alert.resend-delay=" + formatMillis(Math.max(MIN_INTERVAL_MILLIS, RESEND_DELAY.toMillis() / timeFactor))));
            command.addAll(chart.prometheusFeatureFlags());
            prometheus = LocalDaemon.start("prometheus", dir, prometheusPort, command);
            PrometheusStack stack = new PrometheusStack(chart, dir, timeFactor, alertmanager, prometheus);
            stack.installChartRules(discoveredTargets);
            return stack;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (prometheus != null) {
                prometheus.close();
            }
            alertmanager.close();
            throw e;
        }
    }

    /**
     * Loads the chart's rules once Prometheus has discovered the pods. Prometheus applies discovered targets (pods and
     * Alertmanager alike) only every 5 s; rules evaluated before that would see no {@code up} series and, with a
     * divided {@code for}, could fire {@code TargetDown} for pods that are running. Once the targets are discovered,
     * their first scrape comes within a scrape interval, which is shorter than any of the chart's {@code for}s.
     */
    private void installChartRules(int discoveredTargets) throws IOException, InterruptedException {
        awaitDiscovered(discoveredTargets);
        Path rulesDir = dir.resolve(RULES_DIR);
        List<Path> chartRules;
        try (Stream<Path> files = Files.list(dir.resolve(CHART_RULES_DIR))) {
            chartRules = files.sorted().toList();
        }
        for (Path file : chartRules) {
            Files.copy(file, rulesDir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        reload();
        for (Path file : chartRules) {
            awaitRuleGroups(rulesDir.resolve(file.getFileName()), ruleGroupNames(file.getFileName().toString(),
                    Files.readString(file)), "the chart's groups loaded");
        }
    }

    /** Waits until Prometheus has applied at least {@code count} targets from the targets file (kept or dropped). */
    private void awaitDiscovered(int count) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + RELOAD_TIMEOUT.toNanos();
        while (true) {
            JsonNode data = getJson(prometheus.uri().resolve("/api/v1/targets?state=any")).path("data");
            int discovered = 0;
            for (String state : List.of("activeTargets", "droppedTargets")) {
                for (JsonNode target : data.path(state)) {
                    discovered += target.path("discoveredLabels").has("__meta_kubernetes_pod_name") ? 1 : 0;
                }
            }
            if (discovered >= count) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Prometheus discovered " + discovered + " of the " + count + " pod targets in "
                        + dir.resolve(TARGETS_FILE) + " within " + RELOAD_TIMEOUT.toSeconds() + " s; " + prometheus.log()
                        + ":\n" + prometheus.logTail());
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    public URI prometheus() {
        return prometheus.uri();
    }

    public URI alertmanager() {
        return alertmanager.uri();
    }

    public Path dir() {
        return dir;
    }

    public long timeFactor() {
        return timeFactor;
    }

    /** Alertmanager's alerts in state {@code active}: neither silenced nor inhibited ({@code GET /api/v2/alerts}). */
    public List<JsonNode> activeAlerts() throws IOException, InterruptedException {
        List<JsonNode> active = new ArrayList<>();
        getJson(alertmanager.uri().resolve("/api/v2/alerts?active=true&silenced=false&inhibited=false")).forEach(alert -> {
            if ("active".equals(alert.path("status").path("state").asText())) {
                active.add(alert);
            }
        });
        return active;
    }

    /**
     * Every alert Alertmanager holds now, suppressed (silenced or inhibited) ones included: each has
     * {@code labels}, {@code fingerprint}, {@code status.state} ({@code active}, {@code suppressed},
     * {@code unprocessed}) and {@code status.inhibitedBy} / {@code status.silencedBy}.
     */
    public List<JsonNode> alerts() throws IOException, InterruptedException {
        List<JsonNode> all = new ArrayList<>();
        getJson(alertmanager.uri().resolve("/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"))
                .forEach(all::add);
        return all;
    }

    /**
     * Silences the alerts whose labels match every regular expression of {@code labelRegexes} (anchored, as
     * Alertmanager matchers are) for {@code duration}: {@code POST /api/v2/silences}.
     *
     * @return the silence's id
     */
    public String silence(Map<String, String> labelRegexes, Duration duration, String comment)
            throws IOException, InterruptedException {
        List<Map<String, Object>> matchers = new ArrayList<>();
        labelRegexes.forEach((label, regex) -> matchers.add(Map.of("name", label, "value", regex, "isRegex", true,
                                                                    "isEqual", true)));
        Instant now = Instant.now();
        Map<String, Object> silence = Map.of("matchers", matchers, "startsAt", now.toString(),
                "endsAt", now.plus(duration).toString(), "createdBy", "load-generator", "comment", comment);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(alertmanager.uri().resolve("/api/v2/silences"))
                        .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(silence))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("Alertmanager refused the silence " + labelRegexes + " (" + response.statusCode()
                    + "): " + response.body());
        }
        return Json.MAPPER.readTree(response.body()).path("silenceID").asText();
    }

    /**
     * The exemplars Prometheus stored for the series of {@code promql} between {@code start} and {@code end}: the
     * {@code data} of {@code /api/v1/query_exemplars}, one element per series with its {@code exemplars}.
     */
    public JsonNode exemplars(String promql, Instant start, Instant end) throws IOException, InterruptedException {
        return api("/api/v1/query_exemplars?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                           + "&start=" + start.getEpochSecond() + "&end=" + (end.getEpochSecond() + 1), promql);
    }

    /**
     * An instant query's result vector ({@code GET /api/v1/query}).
     *
     * @throws IllegalStateException when Prometheus does not answer {@code success} (a bad expression, ...)
     */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8), promql).path("result");
    }

    /** The {@code data} of a Prometheus API answer; a failure (a bad expression: 400 with the reason) throws. */
    private JsonNode api(String pathAndQuery, String promql) throws IOException, InterruptedException {
        URI uri = prometheus.uri().resolve(pathAndQuery);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                                                  HttpResponse.BodyHandlers.ofString());
        JsonNode body = response.body().startsWith("{") ? Json.MAPPER.readTree(response.body()) : null;
        if (body == null || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("query " + promql + " failed (" + response.statusCode() + "): "
                    + (body == null ? response.body() : body.path("error").asText(response.body())));
        }
        return body.path("data");
    }

    /** The scrape targets' health by job ({@code up}, {@code down}, {@code unknown}; comma-joined for several targets). */
    public Map<String, String> targetHealth() throws IOException, InterruptedException {
        Map<String, String> health = new LinkedHashMap<>();
        getJson(prometheus.uri().resolve("/api/v1/targets?state=active")).path("data").path("activeTargets")
                .forEach(t -> health.merge(t.path("labels").path("job").asText(), t.path("health").asText(),
                        (a, b) -> a + "," + b));
        return health;
    }

    /** Prometheus' rule groups ({@code GET /api/v1/rules} {@code data}): each rule's state, health and last error. */
    public JsonNode rulesStatus() throws IOException, InterruptedException {
        return getJson(prometheus.uri().resolve("/api/v1/rules")).path("data");
    }

    /**
     * Adds (or replaces) a rule file of the caller's, as given: it is not derived, so {@code timeFactor} does not
     * apply to it. Prometheus reloads its config; this returns once {@code /api/v1/rules} lists every group of the
     * file and Prometheus has found Alertmanager again. An alert that fires before that (a rule without {@code for})
     * is dropped by Prometheus and reaches Alertmanager only after the resend delay (1m ÷ timeFactor, at least 1 s).
     *
     * @param fileName a plain name ending in {@code .yaml}
     * @throws IllegalArgumentException when the name or the YAML is not a rule file, or Prometheus rejects the
     *                                  file (it is removed again then, with Prometheus' message)
     */
    public void addRuleFile(String fileName, String yaml) throws IOException, InterruptedException {
        Path file = ruleFile(fileName);
        Set<String> groups;
        try {
            groups = ruleGroupNames(fileName, yaml);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Files.writeString(file, yaml);
        String rejected = postReload();
        if (rejected != null) {
            // Left in place, the file would make every later reload fail too.
            Files.delete(file);
            reload();
            throw new IllegalArgumentException("Prometheus rejected rule file " + fileName + ": " + rejected);
        }
        awaitAlertmanager();
        awaitRuleGroups(file, groups, "its groups " + groups + " loaded");
    }

    /** Removes a rule file {@link #addRuleFile} added (or a derived one); returns once its groups are gone. */
    public void removeRuleFile(String fileName) throws IOException, InterruptedException {
        Path file = ruleFile(fileName);
        if (!Files.deleteIfExists(file)) {
            throw new IllegalArgumentException("no rule file " + fileName + " in " + file.getParent());
        }
        reload();
        awaitRuleGroups(file, Set.of(), "its groups gone");
    }

    /**
     * Replaces the pods Prometheus discovers (applied within about 5 s); the targets file is replaced atomically, so
     * Prometheus never reads half of it.
     */
    public void updatePods(List<LocalPod> pods) throws IOException {
        DerivedConfigs.writeTargets(dir.resolve(TARGETS_FILE), DerivedConfigs.targets(chart, pods));
    }

    /** Stops Prometheus, then Alertmanager (SIGTERM; SIGKILL after 10 s); returns once both are gone. */
    @Override
    public void close() {
        try {
            prometheus.close();
        } finally {
            alertmanager.close();
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "prometheus %s, alertmanager %s, time factor %d, files in %s",
                             prometheus.uri(), alertmanager.uri(), timeFactor, dir);
    }

    private static Set<String> ruleGroupNames(String fileName, String yaml) {
        Set<String> groups = new TreeSet<>();
        Map<String, Object> content = ChartConfig.map(ChartConfig.load(yaml, "rule file " + fileName), "rule file " + fileName);
        for (Object group : ChartConfig.list(content.get("groups"), fileName + " groups")) {
            groups.add(String.valueOf(ChartConfig.map(group, fileName + " group").get("name")));
        }
        return groups;
    }

    private Path ruleFile(String fileName) {
        if (!RULE_FILE_NAME.matcher(fileName).matches()) {
            throw new IllegalArgumentException("a rule file name is a plain name ending in .yaml, got '" + fileName + "'");
        }
        return dir.resolve(RULES_DIR).resolve(fileName);
    }

    /** {@code POST /-/reload}, then {@link #awaitAlertmanager()}; a rejected config is an IllegalStateException. */
    private void reload() throws IOException, InterruptedException {
        String rejected = postReload();
        if (rejected != null) {
            throw new IllegalStateException("Prometheus rejected its reloaded config: " + rejected);
        }
        awaitAlertmanager();
    }

    /** {@code POST /-/reload}: null when Prometheus applied the config, else its error. */
    private String postReload() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(prometheus.uri().resolve("/-/reload"))
                        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? null : response.statusCode() + " " + response.body().strip();
    }

    /**
     * A reload resets Prometheus' Alertmanager list until discovery applies it again (up to 5 s); alerts firing
     * meanwhile are dropped, and resent only after the resend delay. This returns once alerts are delivered again.
     */
    private void awaitAlertmanager() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + RELOAD_TIMEOUT.toNanos();
        while (getJson(prometheus.uri().resolve("/api/v1/alertmanagers")).path("data").path("activeAlertmanagers").isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Prometheus has no Alertmanager " + RELOAD_TIMEOUT.toSeconds()
                        + " s after a reload; " + prometheus.log() + ":\n" + prometheus.logTail());
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** Waits until the groups {@code /api/v1/rules} lists from {@code file} are exactly {@code expected}. */
    private void awaitRuleGroups(Path file, Set<String> expected, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + RELOAD_TIMEOUT.toNanos();
        while (true) {
            Set<String> loaded = new TreeSet<>();
            for (JsonNode group : rulesStatus().path("groups")) {
                if (file.toString().equals(group.path("file").asText())) {
                    loaded.add(group.path("name").asText());
                }
            }
            if (loaded.equals(expected)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("rule file " + file + " not reloaded within " + RELOAD_TIMEOUT.toSeconds()
                        + " s (waiting for " + what + "; loaded from it: " + loaded + ")");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Makes {@code dir} an empty directory. An earlier stack's directory (it has a {@code prometheus.yml} and an
     * {@code alertmanager.yml}) is cleared first; any other non-empty directory is refused, so that a wrong path
     * never deletes someone's files.
     */
    private static void clearDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            boolean empty;
            try (Stream<Path> entries = Files.list(dir)) {
                empty = entries.findAny().isEmpty();
            }
            if (!empty) {
                if (!Files.exists(dir.resolve("prometheus.yml")) || !Files.exists(dir.resolve("alertmanager.yml"))) {
                    throw new IllegalArgumentException(dir + " is neither empty nor an earlier PrometheusStack's directory");
                }
                try (Stream<Path> paths = Files.walk(dir)) {
                    for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                        if (!path.equals(dir)) {
                            Files.delete(path);
                        }
                    }
                }
            }
        }
        Files.createDirectories(dir);
    }

    private static JsonNode getJson(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                                                  HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return Json.MAPPER.readTree(response.body());
    }
}
