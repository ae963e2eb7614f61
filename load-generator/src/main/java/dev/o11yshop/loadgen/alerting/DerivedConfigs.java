package dev.o11yshop.loadgen.alerting;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.o11yshop.loadgen.alerting.PrometheusStack.LocalPod;
import dev.o11yshop.observability.Json;

/**
 * The chart's Prometheus and Alertmanager files, derived for {@link PrometheusStack}'s local daemons: each made from
 * the rendered chart ({@link ChartConfig}), never hand-written. {@link #rules}, {@link #prometheusConfig},
 * {@link #alertmanagerConfig} and {@link #targets} say what changes; everything else stays the chart's. One knob,
 * {@code timeFactor}, shortens the timings: 1 keeps them exactly.
 */
final class DerivedConfigs {
    static final String TARGETS_FILE = "targets.json";
    /** The rule files Prometheus loads ({@code rule_files} is {@code rules/*.yaml}). */
    static final String RULES_DIR = "rules";
    /** The derived chart rule files, written first and copied into {@link #RULES_DIR} once the pods are discovered. */
    static final String CHART_RULES_DIR = "chart-rules";
    /** Shortest interval a derived scrape, evaluation or Alertmanager timing gets. */
    static final long MIN_INTERVAL_MILLIS = 1000;

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|y|w|d|h|m|s)");

    private DerivedConfigs() {
    }

    /**
     * Writes into {@code dir} what the daemons read: the derived rule files ({@code chart-rules/*.yaml}, loaded from
     * {@code rules/} once the pods are discovered), {@code targets.json}, {@code alertmanager.yml} and
     * {@code prometheus.yml}, for Alertmanager and Prometheus on the given loopback ports.
     *
     * @return how many targets the targets file holds
     */
    static int writeConfigs(ChartConfig chart, Path dir, List<LocalPod> pods, Map<String, String> staticTargets,
                            URI webhook, long timeFactor, int alertmanagerPort, int prometheusPort) throws IOException {
        Path rulesDir = Files.createDirectories(dir.resolve(RULES_DIR));
        Path chartRulesDir = Files.createDirectories(dir.resolve(CHART_RULES_DIR));
        for (Map.Entry<String, String> file : chart.ruleFiles().entrySet()) {
            Files.writeString(chartRulesDir.resolve(file.getKey()), rules(file.getKey(), file.getValue(), timeFactor));
        }
        List<Map<String, Object>> targets = targets(chart, pods);
        writeTargets(dir.resolve(TARGETS_FILE), targets);
        Map<String, String> replacements = new LinkedHashMap<>(staticTargets);
        replacements.put(PrometheusStack.PROMETHEUS_SELF_TARGET, "127.0.0.1:" + prometheusPort);
        Files.writeString(dir.resolve("alertmanager.yml"), alertmanagerConfig(chart.alertmanagerConfig(), webhook, timeFactor));
        Files.writeString(dir.resolve("prometheus.yml"), prometheusConfig(chart.prometheusConfig(), rulesDir,
                dir.resolve(TARGETS_FILE), "127.0.0.1:" + alertmanagerPort, replacements, timeFactor));
        return targets.size();
    }

    static void checkTimeFactor(long timeFactor) {
        if (timeFactor < 1) {
            throw new IllegalArgumentException("timeFactor must be at least 1 (1 = the chart's timings), got " + timeFactor);
        }
    }

    /**
     * The local copy of one of the chart's rule files: the same groups, rules, expressions, labels and annotations,
     * with every duration that only delays the outcome divided by {@code timeFactor}: each rule's {@code for} and
     * {@code keep_firing_for} (10m ÷ 24 → 25s), and each group's {@code interval} (at least 1 s; a group without one
     * runs at the derived global evaluation interval). Expressions, range windows included, are untouched, so what
     * fires is what the chart's rule decides.
     */
    static String rules(String fileName, String chartRules, long timeFactor) {
        checkTimeFactor(timeFactor);
        Map<String, Object> content = ChartConfig.map(ChartConfig.load(chartRules, "rule file " + fileName), "rule file " + fileName);
        for (Object group : ChartConfig.list(content.get("groups"), fileName + " groups")) {
            Map<String, Object> g = ChartConfig.map(group, fileName + " group");
            divide(g, "interval", timeFactor, MIN_INTERVAL_MILLIS);
            for (Object rule : ChartConfig.list(g.get("rules"), fileName + " rules")) {
                Map<String, Object> r = ChartConfig.map(rule, fileName + " rule");
                divide(r, "for", timeFactor, 0);
                divide(r, "keep_firing_for", timeFactor, 0);
            }
        }
        return "# Derived by the load generator's PrometheusStack from the chart's " + fileName + ": every `for`,\n"
                + "# `keep_firing_for` and group `interval` divided by " + timeFactor + "; expressions unchanged.\n"
                + ChartConfig.yaml().dump(content);
    }

    /**
     * The local copy of the chart's {@code prometheus.yml}:
     * <ul>
     *   <li>{@code global}: scrape and evaluation interval the chart's divided by {@code timeFactor} (at least 1 s),
     *   scrape timeout the chart's but at most the scrape interval; {@code external_labels} kept. A job's own
     *   {@code scrape_interval}/{@code scrape_timeout} likewise;</li>
     *   <li>{@code rule_files}: the derived rule files in {@code rulesDir} ({@link #rules});</li>
     *   <li>{@code alerting}: the local Alertmanager instead of the chart's Service address;</li>
     *   <li>each {@code kubernetes_sd_configs} becomes one {@code file_sd_configs} reading {@code targetsFile}, whose
     *   targets carry the {@code __meta_kubernetes_*} labels pod discovery would give ({@link #targets}); the job's
     *   {@code relabel_configs} (and everything else in it) are kept, so the chart's relabelling runs for real;</li>
     *   <li>static targets: a job is kept only when every one of its static targets has a replacement in
     *   {@code staticTargets} (which then serves it here); any other job with static targets is left out.</li>
     * </ul>
     */
    static String prometheusConfig(String chartConfig, Path rulesDir, Path targetsFile, String alertmanager,
                                   Map<String, String> staticTargets, long timeFactor) {
        checkTimeFactor(timeFactor);
        Map<String, Object> config = ChartConfig.map(ChartConfig.load(chartConfig, "prometheus.yml"), "prometheus.yml");
        Map<String, Object> global = ChartConfig.map(config.computeIfAbsent("global", k -> new LinkedHashMap<>()), "global");
        // Prometheus' defaults when the chart sets none: 1m intervals, 10s timeout.
        global.putIfAbsent("scrape_interval", "1m");
        global.putIfAbsent("evaluation_interval", "1m");
        global.putIfAbsent("scrape_timeout", "10s");
        divide(global, "scrape_interval", timeFactor, MIN_INTERVAL_MILLIS);
        divide(global, "evaluation_interval", timeFactor, MIN_INTERVAL_MILLIS);
        long scrapeInterval = millis(global.get("scrape_interval"));
        capTimeout(global, scrapeInterval);
        config.put("rule_files", List.of(rulesDir.resolve("*.yaml").toString()));
        if (!config.containsKey("alerting")) {
            throw new IllegalStateException("the chart's prometheus.yml sends alerts nowhere (no alerting block)");
        }
        Map<String, Object> alerting = ChartConfig.map(config.get("alerting"), "alerting");
        alerting.put("alertmanagers", List.of(Map.of("static_configs", List.of(Map.of("targets", List.of(alertmanager))))));
        List<Object> jobs = new ArrayList<>();
        for (Object job : ChartConfig.list(config.get("scrape_configs"), "scrape_configs")) {
            Map<String, Object> j = ChartConfig.map(job, "scrape config");
            String name = String.valueOf(j.get("job_name"));
            divide(j, "scrape_interval", timeFactor, MIN_INTERVAL_MILLIS);
            capTimeout(j, j.containsKey("scrape_interval") ? millis(j.get("scrape_interval")) : scrapeInterval);
            if (j.remove("kubernetes_sd_configs") != null) {
                j.put("file_sd_configs", List.of(Map.of("files", List.of(targetsFile.toString()),
                                                        "refresh_interval", formatMillis(scrapeInterval))));
            }
            if (j.containsKey("static_configs") && !replaceStaticTargets(j, name, staticTargets)) {
                continue; // nothing here serves one of its targets
            }
            jobs.add(j);
        }
        config.put("scrape_configs", jobs);
        return "# Derived by the load generator's PrometheusStack from the chart's prometheus.yml: timings divided by "
                + timeFactor + ",\n# pod discovery read from " + targetsFile.getFileName() + ", static targets replaced "
                + "by local ones (see the class's javadoc).\n" + ChartConfig.yaml().dump(config);
    }

    /** A {@code scrape_timeout} longer than the (divided) scrape interval becomes the interval: Prometheus requires it. */
    private static void capTimeout(Map<String, Object> config, long scrapeIntervalMillis) {
        if (config.containsKey("scrape_timeout") && millis(config.get("scrape_timeout")) > scrapeIntervalMillis) {
            config.put("scrape_timeout", formatMillis(scrapeIntervalMillis));
        }
    }

    /** Replaces every static target of {@code job}; false (job unchanged) when one has no replacement. */
    private static boolean replaceStaticTargets(Map<String, Object> job, String name, Map<String, String> replacements) {
        List<Object> replaced = new ArrayList<>();
        for (Object staticConfig : ChartConfig.list(job.get("static_configs"), name + " static_configs")) {
            Map<String, Object> config = new LinkedHashMap<>(ChartConfig.map(staticConfig, name + " static config"));
            List<String> targets = new ArrayList<>();
            for (Object target : ChartConfig.list(config.getOrDefault("targets", List.of()), name + " targets")) {
                String local = replacements.get(String.valueOf(target));
                if (local == null) {
                    return false;
                }
                targets.add(local);
            }
            config.put("targets", targets);
            replaced.add(config);
        }
        job.put("static_configs", replaced);
        return true;
    }

    /**
     * The local copy of the chart's {@code alertmanager.yml}: every receiver's {@code webhook_configs} URL becomes
     * {@code webhook}; in the whole route tree {@code group_wait}, {@code group_interval} and {@code repeat_interval}
     * are divided by {@code timeFactor} (at least 1 s). Routes, matchers, grouping, inhibition and
     * {@code send_resolved} stay the chart's.
     *
     * @throws IllegalStateException when a receiver uses another integration than a webhook: nothing here could
     *                               deliver it
     */
    static String alertmanagerConfig(String chartConfig, URI webhook, long timeFactor) {
        checkTimeFactor(timeFactor);
        Map<String, Object> config = ChartConfig.map(ChartConfig.load(chartConfig, "alertmanager.yml"), "alertmanager.yml");
        divideRouteTimings(ChartConfig.map(config.get("route"), "route"), timeFactor);
        for (Object receiver : ChartConfig.list(config.get("receivers"), "receivers")) {
            Map<String, Object> r = ChartConfig.map(receiver, "receiver");
            for (String key : r.keySet()) {
                if (key.endsWith("_configs") && !key.equals("webhook_configs")) {
                    throw new IllegalStateException("receiver " + r.get("name") + " of the chart's alertmanager.yml uses "
                            + key + ": the local stack delivers only webhooks (to " + webhook + ")");
                }
            }
            if (r.containsKey("webhook_configs")) {
                for (Object hook : ChartConfig.list(r.get("webhook_configs"), "webhook_configs")) {
                    ChartConfig.map(hook, "webhook config").put("url", webhook.toString());
                }
            }
        }
        return "# Derived by the load generator's PrometheusStack from the chart's alertmanager.yml: webhooks post to "
                + webhook + ",\n# group_wait, group_interval and repeat_interval divided by " + timeFactor + ".\n"
                + ChartConfig.yaml().dump(config);
    }

    private static void divideRouteTimings(Map<String, Object> route, long timeFactor) {
        for (String key : List.of("group_wait", "group_interval", "repeat_interval")) {
            divide(route, key, timeFactor, MIN_INTERVAL_MILLIS);
        }
        if (route.containsKey("routes")) {
            for (Object child : ChartConfig.list(route.get("routes"), "routes")) {
                divideRouteTimings(ChartConfig.map(child, "route"), timeFactor);
            }
        }
    }

    /**
     * {@code map[key]} (a Prometheus duration) divided by {@code factor}, at least {@code floorMillis}; absent stays
     * absent, and a value that does not change keeps the chart's spelling ({@code 10m}, not {@code 600s}).
     */
    private static void divide(Map<String, Object> map, String key, long factor, long floorMillis) {
        if (map.containsKey(key)) {
            long chart = millis(map.get(key));
            long divided = Math.max(floorMillis, chart / factor);
            if (divided != chart) {
                map.put(key, formatMillis(divided));
            }
        }
    }

    /**
     * The file_sd target groups: for each local pod, one target per container port of the chart's pod template it
     * serves, labelled as Kubernetes' {@code role: pod} discovery would: {@code __address__} (127.0.0.1 and the local
     * port), {@code __meta_kubernetes_namespace}, {@code _pod_name}, {@code _pod_ip}, {@code _pod_label_*} /
     * {@code _pod_labelpresent_*} and {@code _pod_annotation_*} / {@code _pod_annotationpresent_*} from the pod
     * template, {@code _pod_container_name}/{@code _image}/{@code _port_name}/{@code _port_number}/
     * {@code _port_protocol}, {@code _pod_phase=Running}, {@code _pod_ready=true}.
     *
     * @throws IllegalArgumentException for a pod of a workload the chart does not render, or a port name its
     *                                  template does not have
     */
    static List<Map<String, Object>> targets(ChartConfig chart, List<LocalPod> pods) {
        List<Map<String, Object>> groups = new ArrayList<>();
        for (LocalPod pod : pods) {
            Map<String, Object> template = chart.podTemplate(pod.workload()).orElseThrow(() -> new IllegalArgumentException(
                    "the chart (" + chart.source() + ") renders no workload " + pod.workload()));
            Map<String, Object> metadata = ChartConfig.map(template.getOrDefault("metadata", Map.of()), "pod metadata");
            Map<String, Object> spec = ChartConfig.map(template.get("spec"), pod.workload() + " pod spec");
            Map<String, String> podLabels = new LinkedHashMap<>();
            podLabels.put("__meta_kubernetes_namespace", ChartConfig.NAMESPACE);
            podLabels.put("__meta_kubernetes_pod_name", pod.workload() + "-local-0");
            podLabels.put("__meta_kubernetes_pod_ip", "127.0.0.1");
            podLabels.put("__meta_kubernetes_pod_host_ip", "127.0.0.1");
            podLabels.put("__meta_kubernetes_pod_node_name", "local");
            podLabels.put("__meta_kubernetes_pod_phase", "Running");
            podLabels.put("__meta_kubernetes_pod_ready", "true");
            podLabels.put("__meta_kubernetes_pod_controller_kind", "ReplicaSet");
            podLabels.put("__meta_kubernetes_pod_controller_name", pod.workload() + "-local");
            ChartConfig.map(metadata.getOrDefault("labels", Map.of()), "pod labels").forEach((k, v) -> {
                podLabels.put("__meta_kubernetes_pod_label_" + sanitize(k), String.valueOf(v));
                podLabels.put("__meta_kubernetes_pod_labelpresent_" + sanitize(k), "true");
            });
            ChartConfig.map(metadata.getOrDefault("annotations", Map.of()), "pod annotations").forEach((k, v) -> {
                podLabels.put("__meta_kubernetes_pod_annotation_" + sanitize(k), String.valueOf(v));
                podLabels.put("__meta_kubernetes_pod_annotationpresent_" + sanitize(k), "true");
            });
            Set<String> templatePorts = new TreeSet<>();
            for (Object c : ChartConfig.list(spec.get("containers"), pod.workload() + " containers")) {
                Map<String, Object> container = ChartConfig.map(c, "container");
                for (Object p : ChartConfig.list(container.getOrDefault("ports", List.of()), "ports")) {
                    Map<String, Object> port = ChartConfig.map(p, "port");
                    String portName = String.valueOf(port.get("name"));
                    templatePorts.add(portName);
                    Integer local = pod.ports().get(portName);
                    if (local == null) {
                        continue; // not served here: no target, as for a container that is not running
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
            if (!templatePorts.containsAll(pod.ports().keySet())) {
                throw new IllegalArgumentException("the chart's " + pod.workload() + " pod has no port named "
                        + new TreeSet<>(pod.ports().keySet()).stream().filter(p -> !templatePorts.contains(p)).toList()
                        + "; its ports: " + templatePorts);
            }
        }
        return groups;
    }

    /** Writes the file_sd targets through a temporary file and an atomic rename. */
    static void writeTargets(Path file, List<Map<String, Object>> groups) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(groups));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A Prometheus duration ({@code 1h30m}, {@code 2m}, {@code 500ms}, or a bare number of seconds from YAML) in ms. */
    static long millis(Object duration) {
        String text = String.valueOf(duration).trim();
        if (text.matches("\\d+")) {
            return Long.parseLong(text) * 1000;
        }
        Matcher part = DURATION_PART.matcher(text);
        long total = 0;
        int end = 0;
        while (part.find() && part.start() == end) {
            long n = Long.parseLong(part.group(1));
            total += switch (part.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                case "h" -> n * 3_600_000;
                case "d" -> n * 86_400_000;
                case "w" -> n * 604_800_000;
                default -> n * 31_536_000_000L; // y
            };
            end = part.end();
        }
        if (end != text.length() || end == 0) {
            throw new IllegalStateException("not a Prometheus duration: '" + text + "'");
        }
        return total;
    }

    /** Milliseconds as a Prometheus duration: whole seconds as {@code 25s}, otherwise {@code 2500ms}. */
    static String formatMillis(long millis) {
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }

    private static String sanitize(String name) {
        return name.replaceAll("[^a-zA-Z0-9_]", "_");
    }
}
