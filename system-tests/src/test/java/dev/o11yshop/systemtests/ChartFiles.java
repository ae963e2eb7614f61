package dev.o11yshop.systemtests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.marcnuri.helm.Helm;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The chart (system property {@code o11yshop.chartDir}) rendered with its default values, as {@code helm install}
 * would apply it, and the files the observability stack reads out of it: Prometheus' config and rule files, the
 * Alertmanager config, the Grafana dashboards (each from the ConfigMap the chart mounts), and each workload's pod
 * template (labels, containers, named ports), which is what Kubernetes pod discovery would report.
 */
final class ChartFiles {
    static final String RELEASE = "o11y-shop";
    static final String NAMESPACE = "o11y-shop";
    static final String KUBE_VERSION = "1.31.0";

    private final Path chartDir;
    private final List<Map<String, Object>> docs;

    private ChartFiles(Path chartDir, List<Map<String, Object>> docs) {
        this.chartDir = chartDir;
        this.docs = docs;
    }

    /** Renders the chart at {@code o11yshop.chartDir}. */
    static ChartFiles render() {
        String dir = Objects.requireNonNull(System.getProperty("o11yshop.chartDir"),
                "system property o11yshop.chartDir (set by the failsafe configuration of system-tests)");
        Path chart = Path.of(dir).toAbsolutePath().normalize();
        if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
            throw new IllegalStateException("o11yshop.chartDir has no Chart.yaml: " + chart);
        }
        String rendered = new Helm(chart).template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION)
                .call();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : yaml().loadAll(rendered)) {
            if (doc != null) {
                docs.add(map(doc, "a rendered document"));
            }
        }
        return new ChartFiles(chart, docs);
    }

    Path chartDir() {
        return chartDir;
    }

    /** {@code prometheus.yml} of ConfigMap {@code prometheus-config}. */
    String prometheusConfig() {
        return configMapEntry("prometheus-config", "prometheus.yml");
    }

    /** Every rule file of ConfigMap {@code prometheus-rules}, by file name. */
    Map<String, String> ruleFiles() {
        return configMapData("prometheus-rules");
    }

    /** {@code alertmanager.yml} of ConfigMap {@code alertmanager-config}. */
    String alertmanagerConfig() {
        return configMapEntry("alertmanager-config", "alertmanager.yml");
    }

    /** Every dashboard of ConfigMap {@code grafana-dashboards}, by file name. */
    Map<String, String> dashboards() {
        return configMapData("grafana-dashboards");
    }

    /** The pod template ({@code spec.template}) of the Deployment or StatefulSet {@code name}, if the chart renders one. */
    Optional<Map<String, Object>> podTemplate(String name) {
        return docs.stream()
                .filter(doc -> List.of("Deployment", "StatefulSet", "DaemonSet").contains(doc.get("kind")))
                .filter(doc -> name.equals(map(doc.get("metadata"), "metadata").get("name")))
                .findFirst()
                .map(doc -> map(map(doc.get("spec"), name + " spec").get("template"), name + " spec.template"));
    }

    /** Every rule of every group of every rule file: (file, group, rule) with the rule as parsed. */
    List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        ruleFiles().forEach((file, text) -> {
            Map<String, Object> content = map(yaml().load(text), "rule file " + file);
            for (Object group : list(content.get("groups"), file + " groups")) {
                Map<String, Object> g = map(group, file + " group");
                for (Object rule : list(g.get("rules"), file + " group " + g.get("name") + " rules")) {
                    rules.add(new Rule(file, String.valueOf(g.get("name")), map(rule, file + " rule")));
                }
            }
        });
        return rules;
    }

    record Rule(String file, String group, Map<String, Object> body) {
        Optional<String> alert() {
            return Optional.ofNullable((String) body.get("alert"));
        }

        Optional<String> record() {
            return Optional.ofNullable((String) body.get("record"));
        }

        String expr() {
            return String.valueOf(body.get("expr"));
        }

        /** {@code labels.severity}, or "" */
        String severity() {
            Object labels = body.get("labels");
            return labels == null ? "" : String.valueOf(map(labels, "labels").getOrDefault("severity", ""));
        }
    }

    private String configMapEntry(String configMap, String key) {
        String value = configMapData(configMap).get(key);
        if (value == null) {
            throw new AssertionError("ConfigMap " + configMap + " of the rendered chart has no " + key);
        }
        return value;
    }

    private Map<String, String> configMapData(String name) {
        Map<String, Object> configMap = docs.stream()
                .filter(doc -> "ConfigMap".equals(doc.get("kind")))
                .filter(doc -> name.equals(map(doc.get("metadata"), "metadata").get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the rendered chart (" + chartDir + ", default values) has no ConfigMap " + name));
        Map<String, String> data = new LinkedHashMap<>();
        map(configMap.getOrDefault("data", Map.of()), name + " data").forEach((k, v) -> data.put(k, String.valueOf(v)));
        return data;
    }

    /** A safe YAML loader/dumper (no arbitrary types), block style. */
    static Yaml yaml() {
        LoaderOptions loader = new LoaderOptions();
        loader.setMaxAliasesForCollections(10);
        org.yaml.snakeyaml.DumperOptions dumper = new org.yaml.snakeyaml.DumperOptions();
        dumper.setDefaultFlowStyle(org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK);
        dumper.setWidth(200);
        return new Yaml(new SafeConstructor(loader), new org.yaml.snakeyaml.representer.Representer(dumper), dumper, loader);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        if (!(value instanceof Map<?, ?>)) {
            throw new AssertionError(what + " is not a YAML mapping: " + value);
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value, String what) {
        if (!(value instanceof List<?>)) {
            throw new AssertionError(what + " is not a YAML list: " + value);
        }
        return (List<Object>) value;
    }
}
