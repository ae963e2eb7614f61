package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The targets a Prometheus would scrape from the rendered objects, each with the labels its series get: from the
 * bundled config's static targets (resolved through the rendered Services to pods), and from the PodMonitors as the
 * Prometheus Operator turns them into scrape configs. The labels come from running the relabelling ({@link Relabel}),
 * so two modes can be compared by what a rule or dashboard sees.
 */
final class ScrapeTargets {

    /**
     * One target: who defines it (the monitor, null for a static target), the pod and container port it reaches (pod
     * null: not a pod of the release).
     */
    record Target(String source, Manifests.Doc monitor, Manifests.Workload pod, Integer port, String path, Map<String, String> labels) {
        boolean on(String workload) {
            return pod != null && pod.name().equals(workload);
        }

        @Override
        public String toString() {
            return source + " -> " + (pod == null ? "?" : pod.name()) + ":" + port + path + " " + labels;
        }
    }

    private ScrapeTargets() {
    }

    /**
     * The static_configs targets of a Prometheus config: {@code job} is the job name, then the target's labels and
     * the job's relabel_configs. A target {@code <service>:<port>} reaches the pods its rendered Service selects.
     */
    static List<Target> ofStaticConfigs(Manifests m, Map<String, Object> config) {
        List<Target> out = new ArrayList<>();
        for (Map<String, Object> job : Y.maps(config, "scrape_configs")) {
            String jobName = Y.str(job, "job_name");
            String path = Y.str(job, "metrics_path") == null ? "/metrics" : Y.str(job, "metrics_path");
            for (Map<String, Object> group : Y.maps(job, "static_configs")) {
                for (Object address : Y.list(group, "targets")) {
                    Map<String, String> discovered = new TreeMap<>(Y.stringMap(group, "labels"));
                    discovered.put("__address__", String.valueOf(address));
                    discovered.put("__metrics_path__", path);
                    discovered.put("job", jobName);
                    Map<String, String> labels = Relabel.apply(discovered, Y.maps(job, "relabel_configs"));
                    if (labels == null) {
                        continue;
                    }
                    String source = "scrape job " + jobName + " target " + address;
                    List<Target> viaService = throughService(m, source, String.valueOf(address), path, labels);
                    out.addAll(viaService.isEmpty() ? List.of(new Target(source, null, null, null, path, labels)) : viaService);
                }
            }
        }
        return out;
    }

    private static List<Target> throughService(Manifests m, String source, String address, String path, Map<String, String> labels) {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            return List.of();
        }
        String host = address.substring(0, colon);
        String port = address.substring(colon + 1);
        String service = host.endsWith("." + Chart.NAMESPACE) || host.contains("." + Chart.NAMESPACE + ".svc")
                ? host.substring(0, host.indexOf('.')) : host;
        List<Target> out = new ArrayList<>();
        m.find("Service", service).ifPresent(s -> {
            Map<String, String> selector = Y.stringMap(s.body(), "spec", "selector");
            for (Map<String, Object> p : Y.maps(s.body(), "spec", "ports")) {
                if (!port.equals(Y.str(p, "port"))) {
                    continue;
                }
                Object targetPort = p.containsKey("targetPort") ? p.get("targetPort") : p.get("port");
                m.workloads().stream().filter(w -> Manifests.selectsPlain(selector, w.podLabels()))
                        .forEach(w -> out.add(new Target(source, null, w, w.resolvePort(targetPort), path, labels)));
            }
        });
        return out;
    }

    /**
     * The targets of every PodMonitor, as the Prometheus Operator generates its scrape config: a pod its selector and
     * namespaceSelector select, once per container port named as the endpoint's port; labels namespace, container,
     * pod, job (the pod's value of the jobLabel label, else {@code <namespace>/<monitor name>}), endpoint, then the
     * endpoint's relabelings. The pods are this rendering's, the helm test pod included.
     */
    static List<Target> ofPodMonitors(Manifests m) {
        return ofPodMonitors(m, m.workloads());
    }

    /** The targets the PodMonitors of {@code m} would find among {@code pods} (e.g. pods of another rendering). */
    static List<Target> ofPodMonitors(Manifests m, List<Manifests.Workload> pods) {
        List<Target> out = new ArrayList<>();
        for (Manifests.Doc monitor : m.ofKind("PodMonitor")) {
            Map<String, Object> spec = Y.map(monitor.body(), "spec");
            String monitorNamespace = Y.str(monitor.body(), "metadata", "namespace");
            boolean inNamespace = Y.isTrue(spec, "namespaceSelector", "any")
                    || Y.list(spec, "namespaceSelector", "matchNames").contains(Chart.NAMESPACE)
                    || (Y.list(spec, "namespaceSelector", "matchNames").isEmpty() && Chart.NAMESPACE.equals(monitorNamespace));
            if (!inNamespace) {
                continue;
            }
            List<Map<String, Object>> endpoints = Y.maps(spec, "podMetricsEndpoints");
            for (int i = 0; i < endpoints.size(); i++) {
                Map<String, Object> endpoint = endpoints.get(i);
                String portName = Y.str(endpoint, "port");
                String path = Y.str(endpoint, "path") == null ? "/metrics" : Y.str(endpoint, "path");
                for (Manifests.Workload pod : pods) {
                    if (!Manifests.selects(Y.map(spec, "selector"), pod.podLabels())) {
                        continue;
                    }
                    for (Map<String, Object> container : pod.containers()) {
                        for (Map<String, Object> p : Y.maps(container, "ports")) {
                            if (portName == null || !portName.equals(Y.str(p, "name"))) {
                                continue;
                            }
                            Map<String, String> discovered = podMeta(pod, container, p);
                            discovered.put("__metrics_path__", path);
                            discovered.put("job", "podMonitor/" + monitorNamespace + "/" + monitor.name() + "/" + i);
                            Map<String, String> labels = Relabel.apply(discovered, operatorRelabelings(monitor, endpoint));
                            if (labels != null) {
                                int number = ((Number) p.get("containerPort")).intValue();
                                out.add(new Target(monitor.id() + " podMetricsEndpoints[" + i + "]", monitor, pod, number, path, labels));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** What Kubernetes pod discovery gives a container port of a pod of the release namespace. */
    private static Map<String, String> podMeta(Manifests.Workload pod, Map<String, Object> container, Map<String, Object> port) {
        Map<String, String> meta = new TreeMap<>();
        meta.put("__address__", pod.name() + "-pod-ip:" + port.get("containerPort"));
        meta.put("__meta_kubernetes_namespace", Chart.NAMESPACE);
        meta.put("__meta_kubernetes_pod_name", pod.name() + "-pod");
        meta.put("__meta_kubernetes_pod_phase", "Running");
        meta.put("__meta_kubernetes_pod_container_name", Y.str(container, "name"));
        meta.put("__meta_kubernetes_pod_container_port_name", Y.str(port, "name"));
        meta.put("__meta_kubernetes_pod_container_port_number", Y.str(port, "containerPort"));
        pod.podLabels().forEach((k, v) -> {
            meta.put("__meta_kubernetes_pod_label_" + sanitize(k), v);
            meta.put("__meta_kubernetes_pod_labelpresent_" + sanitize(k), "true");
        });
        return meta;
    }

    /**
     * The relabelings the operator puts before and around a PodMonitor endpoint's own (prometheus-operator
     * pkg/prometheus/promcfg.go, generatePodMonitorConfig; selector and namespace are applied by the caller).
     */
    private static List<Map<String, Object>> operatorRelabelings(Manifests.Doc monitor, Map<String, Object> endpoint) {
        Map<String, Object> spec = Y.map(monitor.body(), "spec");
        String port = Y.str(endpoint, "port");
        List<Map<String, Object>> rules = new ArrayList<>();
        rules.add(rule("sourceLabels", List.of("__meta_kubernetes_pod_container_port_name"), "regex", port, "action", "keep"));
        rules.add(rule("sourceLabels", List.of("__meta_kubernetes_namespace"), "targetLabel", "namespace"));
        rules.add(rule("sourceLabels", List.of("__meta_kubernetes_pod_container_name"), "targetLabel", "container"));
        rules.add(rule("sourceLabels", List.of("__meta_kubernetes_pod_name"), "targetLabel", "pod"));
        for (Object label : Y.list(spec, "podTargetLabels")) {
            rules.add(rule("sourceLabels", List.of("__meta_kubernetes_pod_label_" + sanitize(String.valueOf(label))),
                    "targetLabel", sanitize(String.valueOf(label)), "regex", "(.+)", "replacement", "${1}"));
        }
        rules.add(rule("targetLabel", "job", "replacement", Y.str(monitor.body(), "metadata", "namespace") + "/" + monitor.name()));
        String jobLabel = Y.str(spec, "jobLabel");
        if (jobLabel != null && !jobLabel.isEmpty()) {
            rules.add(rule("sourceLabels", List.of("__meta_kubernetes_pod_label_" + sanitize(jobLabel)),
                    "targetLabel", "job", "regex", "(.+)", "replacement", "${1}"));
        }
        rules.add(rule("targetLabel", "endpoint", "replacement", port));
        rules.addAll(Y.maps(endpoint, "relabelings"));
        return rules;
    }

    private static Map<String, Object> rule(Object... keyValues) {
        Map<String, Object> rule = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            rule.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
        }
        return rule;
    }

    /** Prometheus' label name sanitising of Kubernetes label keys. */
    private static String sanitize(String name) {
        return name.replaceAll("[^a-zA-Z0-9_]", "_");
    }
}
