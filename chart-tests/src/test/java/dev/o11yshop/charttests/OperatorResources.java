package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Structural checks of the Prometheus Operator resources (monitoring.coreos.com/v1), for which client-java-api has
 * no model: required fields, and no field outside the documented set at the levels the chart fills in.
 */
final class OperatorResources {

    private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "spec");
    private static final Set<String> SERVICE_MONITOR_SPEC = Set.of("selector", "endpoints", "namespaceSelector", "jobLabel",
            "targetLabels", "podTargetLabels", "sampleLimit", "targetLimit", "labelLimit", "labelNameLengthLimit",
            "labelValueLengthLimit", "attachMetadata", "scrapeProtocols", "keepDroppedTargets", "bodySizeLimit", "scrapeClass");
    private static final Set<String> POD_MONITOR_SPEC = Set.of("selector", "podMetricsEndpoints", "namespaceSelector", "jobLabel",
            "podTargetLabels", "sampleLimit", "targetLimit", "labelLimit", "labelNameLengthLimit", "labelValueLengthLimit",
            "attachMetadata", "scrapeProtocols", "keepDroppedTargets", "bodySizeLimit", "scrapeClass");
    private static final Set<String> ENDPOINT = Set.of("port", "targetPort", "path", "scheme", "params", "interval",
            "scrapeTimeout", "tlsConfig", "bearerTokenFile", "bearerTokenSecret", "authorization", "honorLabels",
            "honorTimestamps", "trackTimestampsStaleness", "basicAuth", "oauth2", "metricRelabelings", "relabelings",
            "proxyUrl", "followRedirects", "enableHttp2", "filterRunning", "noProxy", "proxyFromEnvironment",
            "proxyConnectHeader");
    private static final Set<String> SELECTOR = Set.of("matchLabels", "matchExpressions");
    private static final Set<String> RULE_SPEC = Set.of("groups");
    private static final Set<String> GROUP = Set.of("name", "interval", "rules", "partial_response_strategy", "limit",
            "query_offset", "labels");
    private static final Set<String> RULE = Set.of("alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations");

    private OperatorResources() {
    }

    static List<String> validate(Manifests.Doc d) {
        List<String> problems = new ArrayList<>();
        unknown(problems, d, "", d.body(), TOP);
        Map<String, Object> spec = Y.map(d.body(), "spec");
        switch (d.kind()) {
            case "ServiceMonitor" -> {
                unknown(problems, d, "spec", spec, SERVICE_MONITOR_SPEC);
                selector(problems, d, spec);
                endpoints(problems, d, spec, "endpoints");
            }
            case "PodMonitor" -> {
                unknown(problems, d, "spec", spec, POD_MONITOR_SPEC);
                selector(problems, d, spec);
                endpoints(problems, d, spec, "podMetricsEndpoints");
            }
            case "PrometheusRule" -> {
                unknown(problems, d, "spec", spec, RULE_SPEC);
                List<Map<String, Object>> groups = Y.maps(spec, "groups");
                if (groups.isEmpty()) {
                    problems.add(d.id() + ": spec.groups is required and must not be empty");
                }
                for (int g = 0; g < groups.size(); g++) {
                    Map<String, Object> group = groups.get(g);
                    String at = "spec.groups[" + g + "]";
                    unknown(problems, d, at, group, GROUP);
                    if (isBlank(group.get("name"))) {
                        problems.add(d.id() + ": " + at + ".name is required");
                    }
                    List<Map<String, Object>> rules = Y.maps(group, "rules");
                    if (rules.isEmpty()) {
                        problems.add(d.id() + ": " + at + ".rules is required and must not be empty");
                    }
                    for (int r = 0; r < rules.size(); r++) {
                        Map<String, Object> rule = rules.get(r);
                        String rat = at + ".rules[" + r + "]";
                        unknown(problems, d, rat, rule, RULE);
                        if (rule.containsKey("alert") == rule.containsKey("record")) {
                            problems.add(d.id() + ": " + rat + " needs exactly one of alert and record");
                        }
                        if (isBlank(rule.get("expr"))) {
                            problems.add(d.id() + ": " + rat + ".expr is required");
                        }
                    }
                }
            }
            default -> problems.add(d.id() + ": unsupported monitoring.coreos.com kind " + d.kind());
        }
        if (isBlank(Y.get(d.body(), "metadata", "name"))) {
            problems.add(d.id() + ": metadata.name is required");
        }
        return problems;
    }

    private static void selector(List<String> problems, Manifests.Doc d, Map<String, Object> spec) {
        Map<String, Object> selector = Y.map(spec, "selector");
        unknown(problems, d, "spec.selector", selector, SELECTOR);
        if (Y.map(selector, "matchLabels").isEmpty() && Y.list(selector, "matchExpressions").isEmpty()) {
            problems.add(d.id() + ": spec.selector is required and must not be empty (an empty selector selects everything)");
        }
    }

    private static void endpoints(List<String> problems, Manifests.Doc d, Map<String, Object> spec, String field) {
        List<Map<String, Object>> endpoints = Y.maps(spec, field);
        if (endpoints.isEmpty()) {
            problems.add(d.id() + ": spec." + field + " is required and must not be empty");
        }
        for (int i = 0; i < endpoints.size(); i++) {
            Map<String, Object> e = endpoints.get(i);
            unknown(problems, d, "spec." + field + "[" + i + "]", e, ENDPOINT);
            if (!e.containsKey("port") && !e.containsKey("targetPort")) {
                problems.add(d.id() + ": spec." + field + "[" + i + "] needs port (or targetPort)");
            }
        }
    }

    private static void unknown(List<String> problems, Manifests.Doc d, String at, Map<String, Object> node, Set<String> allowed) {
        for (String key : node.keySet()) {
            if (!allowed.contains(key)) {
                problems.add(d.id() + ": unknown field " + (at.isEmpty() ? "" : at + ".") + key);
            }
        }
    }

    private static boolean isBlank(Object o) {
        return o == null || String.valueOf(o).isBlank();
    }
}
