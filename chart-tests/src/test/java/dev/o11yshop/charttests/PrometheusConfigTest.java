package dev.o11yshop.charttests;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled Prometheus and Alertmanager configs, and the operator's PrometheusRules, checked by the real tools.
 * Debian's promtool (2.42) is built without kubernetes_sd_configs, so it checks a copy in which each such block is a
 * file_sd_configs block (shared/PLATFORM.md, section 8); everything else is checked as rendered.
 */
class PrometheusConfigTest {

    private static final String PROMTOOL = "/usr/bin/promtool";
    private static final String AMTOOL = "/usr/bin/amtool";

    /** The rendered config files the workload mounts, written under root at their in-pod paths. */
    private static void extract(Manifests m, String workload, Path root) throws IOException {
        for (Manifests.ConfigFile f : m.configFilesMountedBy(workload)) {
            Path target = root.resolve(f.mountPath().replaceFirst("^/", ""));
            Files.createDirectories(target.getParent());
            Files.writeString(target, f.text());
        }
    }

    private static Manifests.ConfigFile prometheusConfig(Manifests m, Profile profile) {
        return m.findYamlConfig("prometheus", "scrape_configs").orElseThrow(() -> new AssertionError(
                m.description() + ": no config with scrape_configs mounted by Deployment prometheus"));
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithPrometheus")
    void promtoolAcceptsTheConfigAndEveryRuleFile(Profile profile, String kubeVersion) throws Exception {
        Manifests m = Chart.render(profile, kubeVersion);
        Manifests.ConfigFile file = prometheusConfig(m, profile);
        Path promtool = Tools.require(PROMTOOL, "apt-get install -y prometheus");
        Path dir = Chart.workDir("prometheus");
        Path root = dir.resolve("root");
        extract(m, "prometheus", root);
        Path sd = dir.resolve("targets.json");
        Files.writeString(sd, "[]");

        Map<String, Object> config = Y.parseMap(file.id(), file.text());
        List<Path> ruleFiles = new ArrayList<>();
        List<String> rewritten = new ArrayList<>();
        for (Object pattern : Y.list(config, "rule_files")) {
            String p = String.valueOf(pattern);
            String local = p.startsWith("/") ? root.resolve(p.substring(1)).toString() : p;
            rewritten.add(local);
            List<Path> matched = glob(local);
            assertThat(file.id() + ": rule_files entry " + p + " matches no rendered rule file mounted by prometheus", matched, not(empty()));
            ruleFiles.addAll(matched);
        }
        if (!rewritten.isEmpty()) {
            config.put("rule_files", rewritten);
        }
        int replaced = replaceKubernetesSd(config, sd.toString());
        Path checked = dir.resolve("prometheus-file-sd.yml");
        Files.writeString(checked, Y.dump(config));

        Tools.Result configCheck = Tools.run(dir, Tools.cmd(promtool, "check", "config", checked));
        assertThat(file.id() + " (with " + replaced + " kubernetes_sd_configs blocks as file_sd_configs, " + checked
                + "): promtool check config\n" + configCheck.output(), configCheck.exit(), is(0));
        assertThat(file.id() + ": the bundled Prometheus has no rule files", ruleFiles, not(empty()));
        Tools.Result rules = Tools.run(dir, Tools.cmd(promtool, "check", "rules", ruleFiles));
        assertThat("promtool check rules " + ruleFiles + "\n" + rules.output(), rules.exit(), is(0));
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithPrometheus")
    void discoveryIsLimitedToTheReleaseNamespaceWithARole(Profile profile, String kubeVersion) {
        Manifests m = Chart.render(profile, kubeVersion);
        Manifests.ConfigFile file = prometheusConfig(m, profile);
        Map<String, Object> config = Y.parseMap(file.id(), file.text());
        List<String> problems = new ArrayList<>();
        int blocks = 0;
        for (Map<String, Object> job : Y.maps(config, "scrape_configs")) {
            for (Map<String, Object> sd : Y.maps(job, "kubernetes_sd_configs")) {
                blocks++;
                List<Object> names = Y.list(sd, "namespaces", "names");
                boolean own = Y.isTrue(sd, "namespaces", "own_namespace");
                if (!own && !(names.size() == 1 && Chart.NAMESPACE.equals(names.get(0)))) {
                    problems.add(file.id() + " job " + Y.str(job, "job_name") + ": kubernetes_sd_configs must be limited to namespace "
                            + Chart.NAMESPACE + " (namespaces.names or own_namespace), got " + Y.get(sd, "namespaces"));
                }
            }
        }
        assertThat(file.id() + " discovers no pods (no kubernetes_sd_configs)", blocks > 0, is(true));
        String sa = Y.str(m.workload("prometheus").orElseThrow().podSpec(), "serviceAccountName");
        for (Manifests.Doc b : m.ofKind("ClusterRoleBinding")) {
            if (Y.maps(b.body(), "subjects").stream().anyMatch(s -> sa.equals(Y.str(s, "name")))) {
                problems.add(b.id() + " binds ServiceAccount " + sa + " cluster-wide; a Role in the namespace is enough");
            }
        }
        List<String> granted = new ArrayList<>();
        for (Manifests.Doc b : m.ofKind("RoleBinding")) {
            if (Y.maps(b.body(), "subjects").stream().anyMatch(s -> sa.equals(Y.str(s, "name")))
                    && "Role".equals(Y.str(b.body(), "roleRef", "kind"))) {
                m.find("Role", Y.str(b.body(), "roleRef", "name")).ifPresent(role -> {
                    for (Map<String, Object> rule : Y.maps(role.body(), "rules")) {
                        if (Y.list(rule, "resources").contains("pods")) {
                            Y.list(rule, "verbs").forEach(v -> granted.add(String.valueOf(v)));
                        }
                    }
                });
            }
        }
        for (String verb : List.of("get", "list", "watch")) {
            assertThat(m.description() + ": ServiceAccount " + sa + " needs a Role granting " + verb + " on pods", granted, hasItem(verb));
        }
        assertThat(m.description(), problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithAlertmanager")
    void amtoolAcceptsTheAlertmanagerConfig(Profile profile, String kubeVersion) throws Exception {
        Manifests m = Chart.render(profile, kubeVersion);
        Optional<Manifests.ConfigFile> file = m.findYamlConfig("alertmanager", "route");
        assertTrue(file.isPresent(), m.description() + ": no config with a route mounted by Deployment alertmanager");
        Path amtool = Tools.require(AMTOOL, "apt-get install -y prometheus-alertmanager");
        Path dir = Chart.workDir("alertmanager");
        Path root = dir.resolve("root");
        extract(m, "alertmanager", root);
        Map<String, Object> config = Y.parseMap(file.get().id(), file.get().text());
        List<String> templates = new ArrayList<>();
        for (Object t : Y.list(config, "templates")) {
            String p = String.valueOf(t);
            templates.add(p.startsWith("/") ? root.resolve(p.substring(1)).toString() : p);
        }
        if (!templates.isEmpty()) {
            config.put("templates", templates);
        }
        Path checked = dir.resolve("alertmanager.yml");
        Files.writeString(checked, Y.dump(config));
        Tools.Result result = Tools.run(dir, Tools.cmd(amtool, "check-config", checked));
        assertThat(file.get().id() + ": amtool check-config\n" + result.output(), result.exit(), is(0));
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#operatorProfiles")
    void promtoolAcceptsEveryPrometheusRuleObject(Profile profile, String kubeVersion) throws Exception {
        Manifests m = Chart.render(profile, kubeVersion);
        List<Manifests.Doc> rules = m.ofKind("PrometheusRule");
        assertThat(m.description() + ": the operator profile renders no PrometheusRule", rules, not(empty()));
        Path promtool = Tools.require(PROMTOOL, "apt-get install -y prometheus");
        Path dir = Chart.workDir("prometheusrule");
        for (Manifests.Doc rule : rules) {
            Path file = dir.resolve(rule.name() + ".rules.yml");
            Files.writeString(file, Y.dump(Map.of("groups", Y.list(rule.body(), "spec", "groups"))));
            Tools.Result result = Tools.run(dir, Tools.cmd(promtool, "check", "rules", file));
            assertThat(rule.id() + " spec: promtool check rules\n" + result.output(), result.exit(), is(0));
        }
    }

    /** Replaces every kubernetes_sd_configs list (at any depth) with a file_sd_configs list; returns how many. */
    static int replaceKubernetesSd(Object node, String targetsFile) {
        int count = 0;
        if (node instanceof Map<?, ?> raw) {
            Map<String, Object> map = Y.cast(raw);
            if (map.containsKey("kubernetes_sd_configs")) {
                count += Y.list(map, "kubernetes_sd_configs").size();
                map.remove("kubernetes_sd_configs");
                map.put("file_sd_configs", List.of(Map.of("files", List.of(targetsFile))));
            }
            for (Object v : map.values()) {
                count += replaceKubernetesSd(v, targetsFile);
            }
        } else if (node instanceof List<?> list) {
            for (Object v : list) {
                count += replaceKubernetesSd(v, targetsFile);
            }
        }
        return count;
    }

    private static List<Path> glob(String pattern) throws IOException {
        Path p = Path.of(pattern);
        Path parent = p.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + p.getFileName());
        try (Stream<Path> files = Files.list(parent)) {
            return files.filter(f -> Files.isRegularFile(f) && matcher.matches(f.getFileName())).sorted().toList();
        }
    }
}
