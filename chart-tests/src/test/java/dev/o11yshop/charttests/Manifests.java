package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The documents of one {@code helm template} output, with typed access to what the checks need. */
final class Manifests {

    /** One rendered document; {@code source} is the template it came from (Helm's {@code # Source:} comment). */
    record Doc(String source, Map<String, Object> body) {
        String apiVersion() {
            return Y.str(body, "apiVersion");
        }

        String kind() {
            return Y.str(body, "kind");
        }

        String name() {
            return Y.str(body, "metadata", "name");
        }

        String id() {
            return kind() + "/" + name() + " (" + source + ")";
        }

        Map<String, String> annotations() {
            return Y.stringMap(body, "metadata", "annotations");
        }

        boolean isHook() {
            return annotations().containsKey("helm.sh/hook");
        }

        boolean isTestHook() {
            String hook = annotations().get("helm.sh/hook");
            return hook != null && hook.contains("test");
        }
    }

    /** A pod or a pod template of a workload: what runs, with the labels a selector sees. */
    record Workload(Doc doc, Map<String, Object> podSpec, Map<String, String> podLabels) {
        String name() {
            return doc.name();
        }

        String id() {
            return doc.id();
        }

        boolean isTestHook() {
            return doc.isTestHook();
        }

        List<Map<String, Object>> containers() {
            return Y.maps(podSpec, "containers");
        }

        List<Map<String, Object>> initContainers() {
            return Y.maps(podSpec, "initContainers");
        }

        List<Map<String, Object>> allContainers() {
            List<Map<String, Object>> all = new ArrayList<>(initContainers());
            all.addAll(containers());
            return all;
        }

        List<Map<String, Object>> volumes() {
            return Y.maps(podSpec, "volumes");
        }

        /** Container port number for a port name, or the number itself when a number is given; null if absent. */
        Integer resolvePort(Object port) {
            for (Map<String, Object> c : containers()) {
                for (Map<String, Object> p : Y.maps(c, "ports")) {
                    Object number = p.get("containerPort");
                    if (port instanceof Number n && number instanceof Number cn && n.intValue() == cn.intValue()) {
                        return cn.intValue();
                    }
                    if (port instanceof String s && s.equals(p.get("name")) && number instanceof Number cn) {
                        return cn.intValue();
                    }
                }
            }
            return null;
        }
    }

    private static final Pattern SOURCE = Pattern.compile("(?m)^# Source: (.+)$");
    private static final Set<String> POD_TEMPLATE_KINDS = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job");

    private final String description;
    private final List<Doc> docs;

    private Manifests(String description, List<Doc> docs) {
        this.description = description;
        this.docs = docs;
    }

    static Manifests parse(String description, String rendered) {
        List<Doc> docs = new ArrayList<>();
        for (String chunk : rendered.split("(?m)^---\\s*$")) {
            Matcher m = SOURCE.matcher(chunk);
            String source = m.find() ? m.group(1).trim() : "(no source)";
            Object parsed;
            try {
                parsed = Y.yaml().load(chunk);
            } catch (RuntimeException e) {
                throw new AssertionError(description + ": rendered document from " + source + " is not valid YAML: " + e.getMessage(), e);
            }
            if (parsed == null) {
                continue;
            }
            if (!(parsed instanceof Map)) {
                throw new AssertionError(description + ": rendered document from " + source + " is not a mapping");
            }
            docs.add(new Doc(source, Y.cast(parsed)));
        }
        return new Manifests(description, List.copyOf(docs));
    }

    String description() {
        return description;
    }

    List<Doc> all() {
        return docs;
    }

    List<Doc> ofKind(String kind) {
        return docs.stream().filter(d -> kind.equals(d.kind())).toList();
    }

    Optional<Doc> find(String kind, String name) {
        return docs.stream().filter(d -> kind.equals(d.kind()) && name.equals(d.name())).findFirst();
    }

    Set<String> names(String kind) {
        Set<String> names = new HashSet<>();
        ofKind(kind).forEach(d -> names.add(d.name()));
        return names;
    }

    /** Every pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) and every bare Pod. */
    List<Workload> workloads() {
        List<Workload> out = new ArrayList<>();
        for (Doc d : docs) {
            Map<String, Object> template = null;
            if (POD_TEMPLATE_KINDS.contains(d.kind())) {
                template = Y.map(d.body(), "spec", "template");
            } else if ("CronJob".equals(d.kind())) {
                template = Y.map(d.body(), "spec", "jobTemplate", "spec", "template");
            } else if ("Pod".equals(d.kind())) {
                template = d.body();
            }
            if (template != null) {
                out.add(new Workload(d, Y.map(template, "spec"), Y.stringMap(template, "metadata", "labels")));
            }
        }
        return out;
    }

    Optional<Workload> workload(String name) {
        return workloads().stream().filter(w -> w.name().equals(name) && !w.isTestHook()).findFirst();
    }

    /** The data of every ConfigMap (and the decoded stringData/data of every Secret) keyed by "Kind/name". */
    Map<String, Map<String, String>> configFiles() {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Doc d : docs) {
            if ("ConfigMap".equals(d.kind())) {
                out.put("ConfigMap/" + d.name(), Y.stringMap(d.body(), "data"));
            } else if ("Secret".equals(d.kind())) {
                Map<String, String> data = new LinkedHashMap<>();
                Y.stringMap(d.body(), "data").forEach((k, v) -> data.put(k,
                        new String(java.util.Base64.getDecoder().decode(v.replaceAll("\\s", "")), java.nio.charset.StandardCharsets.UTF_8)));
                data.putAll(Y.stringMap(d.body(), "stringData"));
                out.put("Secret/" + d.name(), data);
            }
        }
        return out;
    }

    /** The first config file (ConfigMap or Secret entry) whose key matches and whose parsed YAML has the given top-level key. */
    Optional<ConfigFile> findYamlConfig(String mountedBy, String requiredTopLevelKey) {
        for (ConfigFile f : configFilesMountedBy(mountedBy)) {
            if ((f.key().endsWith(".yaml") || f.key().endsWith(".yml"))) {
                Map<String, Object> parsed = Y.parseMap(f.id(), f.text());
                if (parsed.containsKey(requiredTopLevelKey)) {
                    return Optional.of(f);
                }
            }
        }
        return Optional.empty();
    }

    /** A key of a ConfigMap or Secret, with where the workload mounts it (null if it is not mounted by file). */
    record ConfigFile(String owner, String key, String text, String mountPath) {
        String id() {
            return owner + " key " + key;
        }
    }

    /** Every ConfigMap/Secret key that the named (non-test) workload mounts as a file, with its path in the pod. */
    List<ConfigFile> configFilesMountedBy(String workloadName) {
        List<ConfigFile> out = new ArrayList<>();
        Optional<Workload> w = workload(workloadName);
        if (w.isEmpty()) {
            return out;
        }
        Map<String, Map<String, String>> files = configFiles();
        for (Map<String, Object> volume : w.get().volumes()) {
            String volumeName = Y.str(volume, "name");
            List<String[]> sources = new ArrayList<>();   // {owner}
            if (volume.containsKey("configMap")) {
                sources.add(new String[]{"ConfigMap/" + Y.str(volume, "configMap", "name")});
            }
            if (volume.containsKey("secret")) {
                sources.add(new String[]{"Secret/" + Y.str(volume, "secret", "secretName")});
            }
            for (Map<String, Object> s : Y.maps(volume, "projected", "sources")) {
                if (s.containsKey("configMap")) {
                    sources.add(new String[]{"ConfigMap/" + Y.str(s, "configMap", "name")});
                }
                if (s.containsKey("secret")) {
                    sources.add(new String[]{"Secret/" + Y.str(s, "secret", "name")});
                }
            }
            for (Map<String, Object> c : w.get().allContainers()) {
                for (Map<String, Object> mount : Y.maps(c, "volumeMounts")) {
                    if (!volumeName.equals(Y.str(mount, "name"))) {
                        continue;
                    }
                    String mountPath = Y.str(mount, "mountPath");
                    String subPath = Y.str(mount, "subPath");
                    for (String[] source : sources) {
                        Map<String, String> data = files.getOrDefault(source[0], Map.of());
                        data.forEach((key, text) -> {
                            if (subPath == null) {
                                out.add(new ConfigFile(source[0], key, text, mountPath + "/" + key));
                            } else if (subPath.equals(key)) {
                                out.add(new ConfigFile(source[0], key, text, mountPath));
                            }
                        });
                    }
                }
            }
        }
        return out;
    }

    /** Selector semantics of Kubernetes matchLabels/matchExpressions against a label set. */
    static boolean selects(Map<String, Object> selector, Map<String, String> labels) {
        Map<String, String> matchLabels = Y.stringMap(selector, "matchLabels");
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (Map<String, Object> expr : Y.maps(selector, "matchExpressions")) {
            String key = Y.str(expr, "key");
            String op = Y.str(expr, "operator");
            List<String> values = Y.list(expr, "values").stream().map(String::valueOf).toList();
            boolean has = labels.containsKey(key);
            boolean ok = switch (op) {
                case "In" -> has && values.contains(labels.get(key));
                case "NotIn" -> !has || !values.contains(labels.get(key));
                case "Exists" -> has;
                case "DoesNotExist" -> !has;
                default -> throw new AssertionError("unknown selector operator " + op);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A Service selector (a plain label map) against a label set; an empty selector selects nothing here. */
    static boolean selectsPlain(Map<String, String> selector, Map<String, String> labels) {
        return !selector.isEmpty() && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
