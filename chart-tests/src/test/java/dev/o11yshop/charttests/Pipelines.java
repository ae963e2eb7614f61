package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Cross-references of an OpenTelemetry Collector style config (the collector itself, and Jaeger v2). */
final class Pipelines {

    private Pipelines() {
    }

    /** Every pipeline component and service extension is defined in its section (connectors count both ways). */
    static List<String> undefinedComponents(String id, Map<String, Object> config) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> connectors = Y.map(config, "connectors");
        for (Object ext : Y.list(config, "service", "extensions")) {
            if (!Y.map(config, "extensions").containsKey(String.valueOf(ext))) {
                problems.add(id + ": service.extensions names " + ext + ", which is not defined under extensions");
            }
        }
        Map<String, Object> pipelines = Y.map(config, "service", "pipelines");
        if (pipelines.isEmpty()) {
            problems.add(id + ": service.pipelines is empty");
        }
        pipelines.forEach((name, pipeline) -> {
            for (String section : List.of("receivers", "processors", "exporters")) {
                List<Object> used = Y.list(pipeline, section);
                if (used.isEmpty() && !"processors".equals(section)) {
                    problems.add(id + ": pipeline " + name + " has no " + section);
                }
                for (Object component : used) {
                    String c = String.valueOf(component);
                    boolean defined = Y.map(config, section).containsKey(c)
                            || (!"processors".equals(section) && connectors.containsKey(c));
                    if (!defined) {
                        problems.add(id + ": pipeline " + name + " " + section + " names " + c + ", which is not defined under " + section);
                    }
                }
            }
        });
        return problems;
    }

    /** Exporter types that send to a network endpoint and so must name one. */
    static final Set<String> NETWORK_EXPORTERS = Set.of("otlp", "otlphttp", "loki", "prometheusremotewrite", "zipkin");

    /** The exporters used in some pipeline, by id. */
    static Map<String, Object> usedExporters(Map<String, Object> config) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        Y.map(config, "service", "pipelines").forEach((name, pipeline) -> {
            for (Object e : Y.list(pipeline, "exporters")) {
                out.put(String.valueOf(e), Y.get(config, "exporters", String.valueOf(e)));
            }
        });
        return out;
    }

    static String type(String componentId) {
        int slash = componentId.indexOf('/');
        return slash < 0 ? componentId : componentId.substring(0, slash);
    }
}
