package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loki, Jaeger v2 and Grafana configs: no binaries here, so they are parsed and cross-referenced. */
class BackendConfigTest {

    private static Manifests.ConfigFile config(Manifests m, Profile profile, String workload, String topLevelKey) {
        return m.findYamlConfig(workload, topLevelKey).orElseThrow(() -> new AssertionError(
                m.description() + ": no config with " + topLevelKey + " mounted by " + workload));
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithLoki")
    void lokiIsSingleBinaryOnFilesystemWithStructuredMetadataAndRetention(Profile profile, String kubeVersion) {
        Manifests m = Chart.render(profile, kubeVersion);
        Manifests.ConfigFile file = config(m, profile, "loki", "schema_config");
        String id = m.description() + ": " + file.id();
        Map<String, Object> c = Y.parseMap(id, file.text());
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> schemas = Y.maps(c, "schema_config", "configs");
        if (schemas.isEmpty()) {
            problems.add(id + ": schema_config.configs is empty");
        } else {
            Map<String, Object> latest = schemas.get(schemas.size() - 1);
            // structured metadata (and so the native OTLP endpoint) needs the tsdb store with schema v13
            if (!"tsdb".equals(Y.str(latest, "store")) || !"v13".equals(Y.str(latest, "schema"))) {
                problems.add(id + ": the newest schema_config entry must be store tsdb, schema v13, got " + latest);
            }
            for (Map<String, Object> s : schemas) {
                if (!"filesystem".equals(Y.str(s, "object_store"))) {
                    problems.add(id + ": schema_config entry " + s + " must use object_store filesystem");
                }
            }
        }
        boolean filesystem = Y.get(c, "common", "storage", "filesystem") instanceof Map
                || Y.get(c, "storage_config", "filesystem") instanceof Map;
        if (!filesystem) {
            problems.add(id + ": no filesystem storage (common.storage.filesystem or storage_config.filesystem)");
        }
        if (!Y.isTrue(c, "limits_config", "allow_structured_metadata")) {
            problems.add(id + ": limits_config.allow_structured_metadata must be true, got " + Y.get(c, "limits_config", "allow_structured_metadata"));
        }
        String retention = Y.str(c, "limits_config", "retention_period");
        if (retention == null || retention.matches("0+[a-z]*")) {
            problems.add(id + ": limits_config.retention_period must be set, got " + retention);
        }
        if (!Y.isTrue(c, "compactor", "retention_enabled")) {
            problems.add(id + ": compactor.retention_enabled must be true, or retention_period is never applied");
        }
        assertThat(id, problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithJaeger")
    void jaegerPipelinesAreDefinedAndStorageIsBounded(Profile profile, String kubeVersion) {
        Manifests m = Chart.render(profile, kubeVersion);
        Manifests.ConfigFile file = config(m, profile, "jaeger", "service");
        String id = m.description() + ": " + file.id();
        Map<String, Object> c = Y.parseMap(id, file.text());
        List<String> problems = new ArrayList<>(Pipelines.undefinedComponents(id, c));
        Map<String, Object> backends = Y.map(c, "extensions", "jaeger_storage", "backends");
        if (backends.isEmpty()) {
            problems.add(id + ": extensions.jaeger_storage.backends is empty");
        }
        backends.forEach((name, backend) -> {
            Object max = Y.get(backend, "memory", "max_traces");
            if (!(max instanceof Number n) || n.longValue() <= 0) {
                problems.add(id + ": jaeger_storage backend " + name + " must be memory with max_traces > 0, got " + backend);
            }
        });
        String queried = Y.str(c, "extensions", "jaeger_query", "storage", "traces");
        if (!backends.containsKey(queried)) {
            problems.add(id + ": extensions.jaeger_query.storage.traces " + queried + " is not a jaeger_storage backend " + backends.keySet());
        }
        Y.map(c, "exporters").forEach((name, exporter) -> {
            if (Pipelines.type(name).equals("jaeger_storage_exporter") && !backends.containsKey(Y.str(exporter, "trace_storage"))) {
                problems.add(id + ": exporters." + name + ".trace_storage " + Y.str(exporter, "trace_storage") + " is not a jaeger_storage backend");
            }
        });
        assertThat(id, problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithGrafana")
    void grafanaDatasourceLinksNameProvisionedDatasources(Profile profile, String kubeVersion) {
        Manifests m = Chart.render(profile, kubeVersion);
        Manifests.ConfigFile file = config(m, profile, "grafana", "datasources");
        String id = m.description() + ": " + file.id();
        Map<String, Object> c = Y.parseMap(id, file.text());
        List<String> problems = new ArrayList<>();
        Set<String> uids = new HashSet<>();
        for (Map<String, Object> ds : Y.maps(c, "datasources")) {
            String uid = Y.str(ds, "uid");
            if (uid == null || !uids.add(uid)) {
                problems.add(id + ": datasource " + Y.str(ds, "name") + " needs a unique uid, got " + uid);
            }
        }
        for (Map<String, Object> ds : Y.maps(c, "datasources")) {
            Y.walk(Y.get(ds, "jsonData"), "jsonData", (path, value) -> {
                if (Y.lastKey(path).equals("datasourceUid") && !uids.contains(String.valueOf(value))) {
                    problems.add(id + ": datasource " + Y.str(ds, "uid") + " " + path + " = " + value + " is not a provisioned uid " + uids);
                }
            });
        }
        assertThat(id, problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithGrafana")
    void grafanaDashboardPanelsUseProvisionedDatasourcesAndHaveQueries(Profile profile, String kubeVersion) {
        Manifests m = Chart.render(profile, kubeVersion);
        Manifests.ConfigFile sources = config(m, profile, "grafana", "datasources");
        Map<String, String> typeByUid = new HashMap<>();
        for (Map<String, Object> ds : Y.maps(Y.parseMap(sources.id(), sources.text()), "datasources")) {
            typeByUid.put(Y.str(ds, "uid"), Y.str(ds, "type"));
        }
        List<Manifests.ConfigFile> dashboards = m.configFilesMountedBy("grafana").stream().filter(f -> f.key().endsWith(".json")).toList();
        assertThat(m.description() + ": grafana mounts no dashboard JSON", dashboards, not(empty()));
        List<String> problems = new ArrayList<>();
        for (Manifests.ConfigFile d : dashboards) {
            JsonObject dashboard;
            try {
                dashboard = JsonParser.parseString(d.text()).getAsJsonObject();
            } catch (RuntimeException e) {
                throw new AssertionError(d.id() + " is not a JSON object: " + e.getMessage(), e);
            }
            Set<String> datasourceVariables = new HashSet<>();
            if (dashboard.has("templating")) {
                for (JsonElement v : dashboard.getAsJsonObject("templating").getAsJsonArray("list")) {
                    if ("datasource".equals(string(v.getAsJsonObject(), "type"))) {
                        datasourceVariables.add(string(v.getAsJsonObject(), "name"));
                    }
                }
            }
            List<JsonObject> panels = new ArrayList<>();
            collectPanels(dashboard.getAsJsonArray("panels"), panels);
            if (panels.isEmpty()) {
                problems.add(d.id() + ": no panels");
            }
            for (JsonObject panel : panels) {
                String type = string(panel, "type");
                if ("row".equals(type) || "text".equals(type)) {
                    continue;
                }
                String at = d.id() + " panel \"" + string(panel, "title") + "\"";
                String panelUid = uid(panel.get("datasource"));
                JsonArray targets = panel.has("targets") ? panel.getAsJsonArray("targets") : new JsonArray();
                int withQuery = 0;
                for (JsonElement t : targets) {
                    JsonObject target = t.getAsJsonObject();
                    String uid = target.has("datasource") ? uid(target.get("datasource")) : panelUid;
                    checkUid(problems, at, uid, typeByUid.keySet(), datasourceVariables);
                    String query = firstNonBlank(string(target, "expr"), string(target, "query"));
                    if (query != null) {
                        withQuery++;
                    }
                }
                if (panelUid != null) {
                    checkUid(problems, at, panelUid, typeByUid.keySet(), datasourceVariables);
                } else if (targets.isEmpty()) {
                    problems.add(at + ": no datasource");
                }
                if (withQuery == 0) {
                    problems.add(at + ": no target with a non-empty expr or query");
                }
            }
        }
        assertThat(m.description(), problems, empty());
    }

    private static void checkUid(List<String> problems, String at, String uid, Set<String> provisioned, Set<String> variables) {
        if (uid == null) {
            problems.add(at + ": datasource has no uid");
            return;
        }
        String variable = uid.replaceAll("^\\$\\{?([^}:]+).*$", "$1");
        if (!provisioned.contains(uid) && !(uid.startsWith("$") && variables.contains(variable))) {
            problems.add(at + ": datasource uid " + uid + " is not provisioned " + provisioned + " nor a datasource variable " + variables);
        }
    }

    private static void collectPanels(JsonArray array, List<JsonObject> out) {
        if (array == null) {
            return;
        }
        for (JsonElement e : array) {
            JsonObject panel = e.getAsJsonObject();
            out.add(panel);
            if (panel.has("panels")) {
                collectPanels(panel.getAsJsonArray("panels"), out);
            }
        }
    }

    private static String uid(JsonElement datasource) {
        if (datasource == null || datasource.isJsonNull()) {
            return null;
        }
        if (datasource.isJsonPrimitive()) {
            return datasource.getAsString();
        }
        return string(datasource.getAsJsonObject(), "uid");
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() || !e.isJsonPrimitive() ? null : e.getAsString();
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
