package dev.o11yshop.loadgen.alerting;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

/**
 * The chart rendered as {@code helm install} would apply it, and the files the observability stack reads out of
 * it: Prometheus' config and rule files, the Alertmanager config, the Grafana
 * dashboards (each from the ConfigMap the chart mounts), and each workload's pod template (labels, containers,
 * named ports), which is what Kubernetes pod discovery would report.
 * <p>
 * {@link #bundled()} (default values) and {@link #bundledForLocal()} are renderings the load-generator build put into
 * its jar ({@link ChartRenderer}), so running it needs no Helm. A chart that lacks a part is an
 * {@link IllegalStateException} naming the part and the source.
 */
public final class ChartConfig {
    public static final String RELEASE = "o11y-shop";
    public static final String NAMESPACE = "o11y-shop";
    public static final String KUBE_VERSION = "1.31.0";
    /** The classpath resource {@link ChartRenderer} writes at build time: the chart with its default values. */
    public static final String RESOURCE = "/dev/o11yshop/loadgen/alerting/o11y-shop-chart.yaml";
    /** The classpath resource {@link ChartRenderer} writes at build time: the chart with {@link #LOCAL_VALUES}. */
    public static final String LOCAL_RESOURCE = "/dev/o11yshop/loadgen/alerting/o11y-shop-chart-local.yaml";
    /**
     * What {@code load-generator local} deploys, as values: the workloads it does not run (its own OTLP receiver
     * stands in for the collector and Jaeger) are off, so the chart itself leaves them out of its scrape config and
     * of {@code TargetDown}'s "absent = down" clauses, as it would for a release without them.
     */
    public static final Map<String, String> LOCAL_VALUES = Collections.unmodifiableMap(new TreeMap<>(Map.of(
            "otelCollector.enabled", "false",
            "jaeger.enabled", "false")));

    private final String source;
    private final List<Map<String, Object>> docs;

    private ChartConfig(String source, List<Map<String, Object>> docs) {
        this.source = source;
        this.docs = docs;
    }

    /**
     * Reads a rendered manifest ({@code helm template} output: YAML documents separated by {@code ---}).
     *
     * @param source where it came from, for messages (a chart directory, a resource)
     * @throws IllegalStateException when it is not YAML, or a document is not a mapping
     */
    public static ChartConfig parse(String rendered, String source) {
        List<Map<String, Object>> docs = new ArrayList<>();
        try {
            for (Object doc : yaml().loadAll(rendered)) {
                if (doc != null) {
                    docs.add(map(doc, "a document of the rendered chart " + source));
                }
            }
        } catch (YAMLException e) {
            throw new IllegalStateException("the rendered chart " + source + " is not valid YAML: " + e.getMessage(), e);
        }
        return new ChartConfig(source, docs);
    }

    /** The chart as the load-generator build rendered it into its jar with its default values ({@link #RESOURCE}). */
    public static ChartConfig bundled() {
        return bundled(RESOURCE);
    }

    /** The chart as the load-generator build rendered it into its jar for {@code local} ({@link #LOCAL_VALUES}). */
    public static ChartConfig bundledForLocal() {
        return bundled(LOCAL_RESOURCE);
    }

    private static ChartConfig bundled(String resource) {
        try (InputStream in = ChartConfig.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + resource + " is missing: the load-generator build "
                        + "renders it in process-classes (./mvnw -pl load-generator process-classes, or package)");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + resource, e);
        }
    }

    /** Where the manifest came from. */
    public String source() {
        return source;
    }

    /** {@code prometheus.yml} of ConfigMap {@code prometheus-config}. */
    public String prometheusConfig() {
        return configMapEntry("prometheus-config", "prometheus.yml");
    }

    /** Every rule file of ConfigMap {@code prometheus-rules}, by file name. */
    public Map<String, String> ruleFiles() {
        return configMapData("prometheus-rules");
    }

    /** {@code alertmanager.yml} of ConfigMap {@code alertmanager-config}. */
    public String alertmanagerConfig() {
        return configMapEntry("alertmanager-config", "alertmanager.yml");
    }

    /** Every dashboard of ConfigMap {@code grafana-dashboards}, by file name. */
    public Map<String, String> dashboards() {
        return configMapData("grafana-dashboards");
    }

    /** The pod template ({@code spec.template}) of the Deployment, StatefulSet or DaemonSet {@code workload}, if rendered. */
    public Optional<Map<String, Object>> podTemplate(String workload) {
        return docs.stream()
                .filter(doc -> List.of("Deployment", "StatefulSet", "DaemonSet").contains(doc.get("kind")))
                .filter(doc -> workload.equals(map(doc.get("metadata"), "metadata").get("name")))
                .findFirst()
                .map(doc -> map(map(doc.get("spec"), workload + " spec").get("template"), workload + " spec.template"));
    }

    /**
     * The {@code --enable-feature=…} arguments of the chart's Prometheus container (exemplar storage, for one), so a
     * local Prometheus runs with the features the chart's Prometheus has.
     */
    public List<String> prometheusFeatureFlags() {
        Map<String, Object> template = podTemplate("prometheus").orElseThrow(
                () -> new IllegalStateException("the rendered chart " + source + " has no prometheus workload"));
        Map<String, Object> spec = map(template.get("spec"), "prometheus pod spec");
        List<String> flags = new ArrayList<>();
        for (Object container : list(spec.get("containers"), "prometheus containers")) {
            Map<String, Object> c = map(container, "a prometheus container");
            if ("prometheus".equals(c.get("name")) && c.get("args") != null) {
                for (Object arg : list(c.get("args"), "prometheus container args")) {
                    if (String.valueOf(arg).startsWith("--enable-feature=")) {
                        flags.add(String.valueOf(arg));
                    }
                }
            }
        }
        return flags;
    }

    /** Every rule of every group of every rule file: (file, group, rule) with the rule as parsed. */
    public List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        ruleFiles().forEach((file, text) -> {
            Map<String, Object> content = map(load(text, "rule file " + file), "rule file " + file);
            for (Object group : list(content.get("groups"), file + " groups")) {
                Map<String, Object> g = map(group, file + " group");
                for (Object rule : list(g.get("rules"), file + " group " + g.get("name") + " rules")) {
                    rules.add(new Rule(file, String.valueOf(g.get("name")), map(rule, file + " rule")));
                }
            }
        });
        return rules;
    }

    /** One alerting or recording rule of the chart, as parsed. */
    public record Rule(String file, String group, Map<String, Object> body) {
        public Optional<String> alert() {
            return Optional.ofNullable(body.get("alert")).map(String::valueOf);
        }

        public Optional<String> record() {
            return Optional.ofNullable(body.get("record")).map(String::valueOf);
        }

        public String expr() {
            return String.valueOf(body.get("expr"));
        }

        /** {@code labels.severity}, or "". */
        public String severity() {
            Object labels = body.get("labels");
            return labels == null ? "" : String.valueOf(map(labels, "labels").getOrDefault("severity", ""));
        }
    }

    private String configMapEntry(String configMap, String key) {
        String value = configMapData(configMap).get(key);
        if (value == null) {
            throw new IllegalStateException("ConfigMap " + configMap + " of the rendered chart " + source + " has no " + key);
        }
        return value;
    }

    private Map<String, String> configMapData(String name) {
        Map<String, Object> configMap = docs.stream()
                .filter(doc -> "ConfigMap".equals(doc.get("kind")))
                .filter(doc -> name.equals(map(doc.get("metadata"), "metadata").get("name")))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the rendered chart " + source + " has no ConfigMap " + name));
        Map<String, String> data = new LinkedHashMap<>();
        map(configMap.getOrDefault("data", Map.of()), name + " data").forEach((k, v) -> data.put(k, String.valueOf(v)));
        return data;
    }

    // ---- YAML helpers, shared with PrometheusStack's derivations -------------------------------------------------

    /** A safe YAML loader/dumper (no arbitrary types), block style. */
    public static Yaml yaml() {
        LoaderOptions loader = new LoaderOptions();
        loader.setMaxAliasesForCollections(10);
        DumperOptions dumper = new DumperOptions();
        dumper.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        dumper.setWidth(200);
        return new Yaml(new SafeConstructor(loader), new Representer(dumper), dumper, loader);
    }

    /** {@code text} parsed as one YAML document; {@code what} names it in the error. */
    public static Object load(String text, String what) {
        try {
            return yaml().load(text);
        } catch (YAMLException e) {
            throw new IllegalStateException(what + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    /** {@code value} as a YAML mapping; {@code what} names it in the error. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object value, String what) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalStateException(what + " is not a YAML mapping: " + value);
        }
        return (Map<String, Object>) value;
    }

    /** {@code value} as a YAML list; {@code what} names it in the error. */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Object value, String what) {
        if (!(value instanceof List<?>)) {
            throw new IllegalStateException(what + " is not a YAML list: " + value);
        }
        return (List<Object>) value;
    }
}
