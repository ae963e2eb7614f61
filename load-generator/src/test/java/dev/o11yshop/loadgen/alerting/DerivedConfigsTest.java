package dev.o11yshop.loadgen.alerting;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.o11yshop.loadgen.alerting.PrometheusStack.LocalPod;
import dev.o11yshop.observability.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.o11yshop.loadgen.alerting.ChartConfig.list;
import static dev.o11yshop.loadgen.alerting.ChartConfig.load;
import static dev.o11yshop.loadgen.alerting.ChartConfig.map;
import static dev.o11yshop.loadgen.alerting.DerivedConfigs.millis;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The derived configs, from the chart as the build rendered it ({@link ChartConfig#bundled()}): what is divided by
 * the time factor and with which floor, what is replaced, dropped or refused, and what stays the chart's.
 */
class DerivedConfigsTest {
    private static final ChartConfig CHART = ChartConfig.bundled();
    private static final URI WEBHOOK = URI.create("http://127.0.0.1:4242/alerts");
    private static final Path RULES_DIR = Path.of("/stack/rules");
    private static final Path TARGETS = Path.of("/stack/targets.json");
    private static final String ALERTMANAGER = "127.0.0.1:9093";
    private static final Map<String, String> SELF = Map.of(PrometheusStack.PROMETHEUS_SELF_TARGET, "127.0.0.1:9999");

    // ---- rule files -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 5, 24, 1000})
    void everyForAndGroupIntervalIsTheChartsDividedByTheFactor(long factor) {
        int rulesWithFor = 0;
        for (Map.Entry<String, String> file : CHART.ruleFiles().entrySet()) {
            List<Object> chartGroups = groups(file.getValue(), file.getKey());
            List<Object> derivedGroups = groups(DerivedConfigs.rules(file.getKey(), file.getValue(), factor), file.getKey());
            assertEquals(chartGroups.size(), derivedGroups.size(), file.getKey());
            for (int g = 0; g < chartGroups.size(); g++) {
                Map<String, Object> chartGroup = map(chartGroups.get(g), "group");
                Map<String, Object> derivedGroup = map(derivedGroups.get(g), "group");
                assertEquals(chartGroup.get("name"), derivedGroup.get("name"));
                assertDivided(chartGroup.get("interval"), derivedGroup.get("interval"), factor, 1000, file.getKey() + " interval");
                List<Object> chartRules = list(chartGroup.get("rules"), "rules");
                List<Object> derivedRules = list(derivedGroup.get("rules"), "rules");
                assertEquals(chartRules.size(), derivedRules.size());
                for (int r = 0; r < chartRules.size(); r++) {
                    Map<String, Object> chartRule = map(chartRules.get(r), "rule");
                    Map<String, Object> derivedRule = map(derivedRules.get(r), "rule");
                    String what = file.getKey() + " " + chartRule.getOrDefault("alert", chartRule.get("record"));
                    assertDivided(chartRule.get("for"), derivedRule.get("for"), factor, 0, what + " for");
                    assertDivided(chartRule.get("keep_firing_for"), derivedRule.get("keep_firing_for"), factor, 0, what);
                    for (String unchanged : List.of("alert", "record", "expr", "labels", "annotations")) {
                        assertEquals(chartRule.get(unchanged), derivedRule.get(unchanged), what + " " + unchanged);
                    }
                    rulesWithFor += chartRule.containsKey("for") ? 1 : 0;
                }
            }
        }
        assertTrue(rulesWithFor > 0, "the chart has alerts with a `for`");
    }

    @Test
    void durationsAreDividedExactlyAndIntervalsNeverBelowOneSecond() {
        String rules = """
                groups:
                  - name: slow
                    interval: 30s
                    rules:
                      - alert: A
                        expr: vector(1)
                        for: 10m
                        keep_firing_for: 1m
                      - alert: B
                        expr: vector(1)
                        for: 1h30m
                  - name: fast
                    interval: 10s
                    rules:
                      - record: r
                        expr: vector(1)
                """;

        List<Object> groups = groups(DerivedConfigs.rules("t.yaml", rules, 24), "t.yaml");

        Map<String, Object> slow = map(groups.get(0), "slow");
        assertEquals("1250ms", slow.get("interval"));
        List<Object> slowRules = list(slow.get("rules"), "rules");
        assertEquals("25s", map(slowRules.get(0), "A").get("for"));
        assertEquals("2500ms", map(slowRules.get(0), "A").get("keep_firing_for"));
        assertEquals("225s", map(slowRules.get(1), "B").get("for"));
        assertEquals("1s", map(groups.get(1), "fast").get("interval"), "10s / 24 is under the 1 s floor");
    }

    @Test
    void factorOneLeavesEveryTimingAsTheChartWroteIt() {
        CHART.ruleFiles().forEach((name, text) ->
                assertEquals(load(text, name), load(DerivedConfigs.rules(name, text, 1), name), name));

        Map<String, Object> chartGlobal = global(CHART.prometheusConfig());
        Map<String, Object> derivedGlobal = global(DerivedConfigs.prometheusConfig(CHART.prometheusConfig(), RULES_DIR,
                TARGETS, ALERTMANAGER, SELF, 1));
        assertEquals(chartGlobal, derivedGlobal);

        Map<String, Object> chartAm = map(load(CHART.alertmanagerConfig(), "am"), "am");
        Map<String, Object> derivedAm = map(load(DerivedConfigs.alertmanagerConfig(CHART.alertmanagerConfig(), WEBHOOK, 1), "am"), "am");
        assertEquals(chartAm.get("route"), derivedAm.get("route"));
        assertEquals(chartAm.get("inhibit_rules"), derivedAm.get("inhibit_rules"));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 5, 24, 1000})
    void scrapeAndEvaluationIntervalsAreDividedWithAOneSecondFloorAndTheTimeoutFits(long factor) {
        Map<String, Object> chart = global(CHART.prometheusConfig());
        Map<String, Object> derived = global(DerivedConfigs.prometheusConfig(CHART.prometheusConfig(), RULES_DIR, TARGETS,
                ALERTMANAGER, SELF, factor));

        assertDivided(chart.get("scrape_interval"), derived.get("scrape_interval"), factor, 1000, "scrape_interval");
        assertDivided(chart.get("evaluation_interval"), derived.get("evaluation_interval"), factor, 1000, "evaluation_interval");
        assertEquals(Math.min(millis(chart.get("scrape_timeout")), millis(derived.get("scrape_interval"))),
                     millis(derived.get("scrape_timeout")), "the chart's timeout, at most the scrape interval");
        assertEquals(chart.get("external_labels"), derived.get("external_labels"));
    }

    @Test
    void theStageDemoFactorGivesOneSecondScrapesAndEvaluations() {
        Map<String, Object> derived = global(DerivedConfigs.prometheusConfig(CHART.prometheusConfig(), RULES_DIR, TARGETS,
                ALERTMANAGER, SELF, 24));

        assertEquals(Map.of("scrape_interval", "1s", "scrape_timeout", "1s", "evaluation_interval", "1s"),
                     Map.of("scrape_interval", derived.get("scrape_interval"), "scrape_timeout", derived.get("scrape_timeout"),
                            "evaluation_interval", derived.get("evaluation_interval")));
    }

    // ---- scrape jobs --------------------------------------------------------------------------------------------

    @Test
    void podDiscoveryBecomesTheTargetsFileAndTheChartsRelabellingStays() {
        Map<String, Map<String, Object>> chartJobs = jobs(CHART.prometheusConfig());
        Map<String, Map<String, Object>> derivedJobs = jobs(DerivedConfigs.prometheusConfig(CHART.prometheusConfig(), RULES_DIR,
                TARGETS, ALERTMANAGER, SELF, 24));
        int discovered = 0;
        for (Map.Entry<String, Map<String, Object>> job : chartJobs.entrySet()) {
            if (!job.getValue().containsKey("kubernetes_sd_configs")) {
                continue;
            }
            discovered++;
            Map<String, Object> derived = derivedJobs.get(job.getKey());
            assertFalse(derived.containsKey("kubernetes_sd_configs"), job.getKey());
            Map<String, Object> fileSd = map(list(derived.get("file_sd_configs"), "file_sd").getFirst(), "file_sd");
            assertEquals(List.of(TARGETS.toString()), fileSd.get("files"));
            assertEquals(job.getValue().get("relabel_configs"), derived.get("relabel_configs"), job.getKey());
            assertEquals(job.getValue().get("metrics_path"), derived.get("metrics_path"), job.getKey());
        }
        assertTrue(discovered > 0, "the chart discovers pods");
    }

    @Test
    void aStaticJobIsKeptOnlyWhenEveryTargetHasALocalStandIn(@TempDir Path dir) throws Exception {
        Map<String, Map<String, Object>> chartJobs = jobs(CHART.prometheusConfig());
        assertEquals(List.of("loki:3100"), staticTargets(chartJobs.get("loki")), "the chart's loki job (this test's premise)");

        // Without a stand-in for loki:3100 its job is left out; Prometheus itself is always replaced.
        DerivedConfigs.writeConfigs(CHART, dir, List.of(), Map.of(), WEBHOOK, 24, 9093, 9999);
        Map<String, Map<String, Object>> without = jobs(Files.readString(dir.resolve("prometheus.yml")));
        assertFalse(without.containsKey("loki"), without.keySet().toString());
        assertEquals(List.of("127.0.0.1:9999"), staticTargets(without.get("prometheus")));

        Path other = Files.createDirectories(dir.resolve("with-loki"));
        DerivedConfigs.writeConfigs(CHART, other, List.of(), Map.of("loki:3100", "127.0.0.1:4100"), WEBHOOK, 24, 9093, 9999);
        Map<String, Map<String, Object>> with = jobs(Files.readString(other.resolve("prometheus.yml")));
        assertEquals(List.of("127.0.0.1:4100"), staticTargets(with.get("loki")));
        Map<String, Object> chartStatic = map(list(chartJobs.get("loki").get("static_configs"), "s").getFirst(), "s");
        Map<String, Object> derivedStatic = map(list(with.get("loki").get("static_configs"), "s").getFirst(), "s");
        assertEquals(chartStatic.get("labels"), derivedStatic.get("labels"), "the static config's labels stay");
        assertEquals(chartJobs.keySet(), with.keySet(), "with every static target served, every job of the chart runs");
    }

    @Test
    void alertsGoToTheLocalAlertmanagerAndRulesFromTheDerivedFiles() {
        Map<String, Object> config = map(load(DerivedConfigs.prometheusConfig(CHART.prometheusConfig(), RULES_DIR, TARGETS,
                ALERTMANAGER, SELF, 24), "prometheus.yml"), "prometheus.yml");

        assertEquals(List.of(RULES_DIR.resolve("*.yaml").toString()), config.get("rule_files"));
        Map<String, Object> alerting = map(config.get("alerting"), "alerting");
        assertEquals(List.of(Map.of("static_configs", List.of(Map.of("targets", List.of(ALERTMANAGER))))),
                     alerting.get("alertmanagers"));
    }

    // ---- file_sd targets ----------------------------------------------------------------------------------------

    @Test
    void eachServedPortIsATargetLabelledAsPodDiscoveryWouldFromThePodTemplate() {
        Map<String, Object> template = CHART.podTemplate("payment-service").orElseThrow();
        Map<String, Object> podLabels = map(map(template.get("metadata"), "metadata").get("labels"), "labels");
        Map<String, Object> container = map(list(map(template.get("spec"), "spec").get("containers"), "containers").getFirst(), "c");
        Map<String, Object> adminPort = list(container.get("ports"), "ports").stream().map(p -> map(p, "port"))
                .filter(p -> "admin".equals(p.get("name"))).findFirst().orElseThrow();

        List<Map<String, Object>> groups = DerivedConfigs.targets(CHART, List.of(
                new LocalPod("payment-service", Map.of("admin", 19092))));

        assertEquals(1, groups.size(), "only the port served locally: " + groups);
        assertEquals(List.of("127.0.0.1:19092"), groups.getFirst().get("targets"));
        Map<String, Object> labels = map(groups.getFirst().get("labels"), "labels");
        assertEquals(ChartConfig.NAMESPACE, labels.get("__meta_kubernetes_namespace"));
        assertEquals("Running", labels.get("__meta_kubernetes_pod_phase"));
        assertEquals("true", labels.get("__meta_kubernetes_pod_ready"));
        podLabels.forEach((name, value) -> {
            String key = name.replaceAll("[^a-zA-Z0-9_]", "_");
            assertEquals(String.valueOf(value), labels.get("__meta_kubernetes_pod_label_" + key), name);
            assertEquals("true", labels.get("__meta_kubernetes_pod_labelpresent_" + key), name);
        });
        assertEquals("payment-service", labels.get("__meta_kubernetes_pod_label_app_kubernetes_io_name"));
        assertEquals(container.get("name"), labels.get("__meta_kubernetes_pod_container_name"));
        assertEquals(container.get("image"), labels.get("__meta_kubernetes_pod_container_image"));
        assertEquals("admin", labels.get("__meta_kubernetes_pod_container_port_name"));
        assertEquals(String.valueOf(adminPort.get("containerPort")), labels.get("__meta_kubernetes_pod_container_port_number"));
        assertEquals("TCP", labels.get("__meta_kubernetes_pod_container_port_protocol"));
    }

    @Test
    void thePlatformsFourWorkloadsGiveOneTargetPerServedPort() throws Exception {
        List<LocalPod> pods = new ArrayList<>();
        for (String service : List.of("order-service", "inventory-service", "payment-service")) {
            pods.add(new LocalPod(service, Map.of("http", 1, "admin", 2)));
        }
        pods.add(new LocalPod("load-generator", Map.of("admin", 3)));

        List<Map<String, Object>> groups = DerivedConfigs.targets(CHART, pods);

        assertEquals(7, groups.size(), Json.MAPPER.writeValueAsString(groups));
    }

    @Test
    void aPodOfNoWorkloadOrAPortTheTemplateLacksIsRefused() {
        IllegalArgumentException noWorkload = assertThrows(IllegalArgumentException.class,
                () -> DerivedConfigs.targets(CHART, List.of(new LocalPod("cart-service", Map.of("admin", 1)))));
        assertThat(noWorkload.getMessage(), containsString("renders no workload cart-service"));
        IllegalArgumentException noPort = assertThrows(IllegalArgumentException.class,
                () -> DerivedConfigs.targets(CHART, List.of(new LocalPod("load-generator", Map.of("metrics", 1)))));
        assertThat(noPort.getMessage(), containsString("the chart's load-generator pod has no port named [metrics]"));
    }

    // ---- Alertmanager -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 24, 1000})
    void routeTimingsAreDividedWithAOneSecondFloorThroughTheWholeTree(long factor) {
        Map<String, Object> chart = map(load(CHART.alertmanagerConfig(), "am"), "am");
        Map<String, Object> derived = map(load(DerivedConfigs.alertmanagerConfig(CHART.alertmanagerConfig(), WEBHOOK, factor), "am"), "am");

        int routes = assertRouteDivided(map(chart.get("route"), "route"), map(derived.get("route"), "route"), factor);

        assertTrue(routes > 1, "the chart has child routes");
        assertEquals(chart.get("inhibit_rules"), derived.get("inhibit_rules"));
    }

    @Test
    void everyWebhookPostsToTheLoadGeneratorAndKeepsSendResolved() {
        Map<String, Object> chart = map(load(CHART.alertmanagerConfig(), "am"), "am");
        Map<String, Object> derived = map(load(DerivedConfigs.alertmanagerConfig(CHART.alertmanagerConfig(), WEBHOOK, 24), "am"), "am");

        List<Object> chartReceivers = list(chart.get("receivers"), "receivers");
        List<Object> receivers = list(derived.get("receivers"), "receivers");
        assertEquals(chartReceivers.size(), receivers.size());
        for (int i = 0; i < receivers.size(); i++) {
            List<Object> chartHooks = list(map(chartReceivers.get(i), "r").get("webhook_configs"), "hooks");
            List<Object> hooks = list(map(receivers.get(i), "r").get("webhook_configs"), "hooks");
            for (int h = 0; h < hooks.size(); h++) {
                assertEquals(WEBHOOK.toString(), map(hooks.get(h), "hook").get("url"));
                assertEquals(map(chartHooks.get(h), "hook").get("send_resolved"), map(hooks.get(h), "hook").get("send_resolved"));
            }
        }
    }

    @Test
    void aReceiverThatIsNotAWebhookIsRefused() {
        Map<String, Object> config = map(load(CHART.alertmanagerConfig(), "am"), "am");
        Map<String, Object> receiver = map(list(config.get("receivers"), "receivers").getFirst(), "receiver");
        receiver.put("email_configs", List.of(Map.of("to", "oncall@example.com")));

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> DerivedConfigs.alertmanagerConfig(ChartConfig.yaml().dump(config), WEBHOOK, 24));

        assertEquals("receiver " + receiver.get("name") + " of the chart's alertmanager.yml uses email_configs: the local "
                             + "stack delivers only webhooks (to " + WEBHOOK + ")", refused.getMessage());
    }

    // ---- arguments and durations --------------------------------------------------------------------------------

    @Test
    void aTimeFactorBelowOneIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> DerivedConfigs.alertmanagerConfig(CHART.alertmanagerConfig(), WEBHOOK, 0));
        assertEquals("timeFactor must be at least 1 (1 = the chart's timings), got 0", refused.getMessage());
    }

    @Test
    void prometheusDurationsAreRead() {
        assertEquals(5_400_000, millis("1h30m"));
        assertEquals(500, millis("500ms"));
        assertEquals(90_000, millis(90), "a bare number from YAML is seconds");
        assertEquals(150_000, millis("2m30s"));
        for (String bad : List.of("5 minutes", "", "1.5m", "m5", "10s extra")) {
            assertThrows(IllegalStateException.class, () -> millis(bad), bad);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** {@code derived} is {@code chart} divided by {@code factor}, at least {@code floor} ms; both absent is fine. */
    private static void assertDivided(Object chart, Object derived, long factor, long floor, String what) {
        if (chart == null) {
            assertNull(derived, what);
            return;
        }
        assertEquals(Math.max(floor, millis(chart) / factor), millis(derived), what + ": chart " + chart + ", derived " + derived);
        if (factor == 1) {
            assertEquals(chart, derived, what + ": factor 1 keeps the chart's spelling");
        }
    }

    private static int assertRouteDivided(Map<String, Object> chart, Map<String, Object> derived, long factor) {
        for (String key : List.of("group_wait", "group_interval", "repeat_interval")) {
            assertDivided(chart.get(key), derived.get(key), factor, 1000, "route " + chart.get("receiver") + " " + key);
        }
        assertEquals(chart.get("receiver"), derived.get("receiver"));
        assertEquals(chart.get("matchers"), derived.get("matchers"));
        assertEquals(chart.get("group_by"), derived.get("group_by"));
        int routes = 1;
        if (chart.containsKey("routes")) {
            List<Object> chartChildren = list(chart.get("routes"), "routes");
            List<Object> derivedChildren = list(derived.get("routes"), "routes");
            assertEquals(chartChildren.size(), derivedChildren.size());
            for (int i = 0; i < chartChildren.size(); i++) {
                routes += assertRouteDivided(map(chartChildren.get(i), "route"), map(derivedChildren.get(i), "route"), factor);
            }
        }
        return routes;
    }

    private static List<Object> groups(String ruleFile, String name) {
        return list(map(load(ruleFile, name), name).get("groups"), name + " groups");
    }

    private static Map<String, Object> global(String prometheusConfig) {
        return map(map(load(prometheusConfig, "prometheus.yml"), "prometheus.yml").get("global"), "global");
    }

    private static Map<String, Map<String, Object>> jobs(String prometheusConfig) {
        Map<String, Map<String, Object>> jobs = new java.util.LinkedHashMap<>();
        for (Object job : list(map(load(prometheusConfig, "prometheus.yml"), "prometheus.yml").get("scrape_configs"), "jobs")) {
            Map<String, Object> j = map(job, "job");
            jobs.put(String.valueOf(j.get("job_name")), j);
        }
        return jobs;
    }

    private static List<Object> staticTargets(Map<String, Object> job) {
        List<Object> targets = new ArrayList<>();
        for (Object config : list(job.get("static_configs"), "static_configs")) {
            targets.addAll(list(map(config, "static config").get("targets"), "targets"));
        }
        return targets;
    }
}
