package dev.o11yshop.loadgen.alerting;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chart as the build rendered it into the jar, and what a broken manifest gives. */
class ChartConfigTest {
    private static final ChartConfig CHART = ChartConfig.bundled();

    @Test
    void theBundledChartHasEveryPartTheStackReads() {
        assertThat(CHART.prometheusConfig(), containsString("scrape_configs:"));
        assertThat(CHART.prometheusConfig(), containsString("kubernetes_sd_configs:"));
        assertThat(CHART.alertmanagerConfig(), containsString("receivers:"));
        assertFalse(CHART.ruleFiles().isEmpty(), "rule files");
        assertTrue(CHART.ruleFiles().keySet().stream().allMatch(name -> name.endsWith(".yaml")), CHART.ruleFiles().keySet().toString());
        assertFalse(CHART.dashboards().isEmpty(), "dashboards");
        // Helm rendered the templates: no template markers are left in what Prometheus reads.
        assertThat(CHART.prometheusConfig(), not(containsString("{{ .Values")));
    }

    @Test
    void prometheusFeatureFlagsAreTheChartsContainerArgs() {
        assertEquals(List.of("--enable-feature=exemplar-storage"), CHART.prometheusFeatureFlags());
    }

    @Test
    void rulesAreReadWithFileGroupAndSeverity() {
        List<ChartConfig.Rule> rules = CHART.rules();
        ChartConfig.Rule fault = rules.stream().filter(r -> r.alert().equals(Optional.of("FaultInjectionActive")))
                .findFirst().orElseThrow(() -> new AssertionError("no FaultInjectionActive in " + rules));
        assertEquals("warning", fault.severity());
        assertThat(fault.expr(), containsString("fault_injection_active"));
        assertTrue(fault.record().isEmpty());
        assertThat(CHART.ruleFiles().keySet(), hasItem(fault.file()));
        assertTrue(rules.stream().anyMatch(r -> r.record().equals(Optional.of("job:http_requests:rate5m"))), "a recording rule");
    }

    @Test
    void localRenderingLeavesOutWhatLocalDoesNotRunAndKeepsEveryRule() {
        ChartConfig local = ChartConfig.bundledForLocal();
        String chartTargetDown = targetDown(CHART).expr();
        String localTargetDown = targetDown(local).expr();
        for (String job : List.of("otel-collector", "jaeger")) {
            String absent = "absent(up{job=\"" + job + "\"";
            assertThat(chartTargetDown, containsString(absent));
            assertThat("local's TargetDown does not expect " + job, localTargetDown, not(containsString(absent)));
            assertTrue(CHART.podTemplate(job).isPresent(), job + " is deployed by default");
            assertTrue(local.podTemplate(job).isEmpty(), job + " is not deployed for local");
        }
        for (String job : List.of("order-service", "inventory-service", "payment-service", "load-generator")) {
            assertThat(localTargetDown, containsString("absent(up{job=\"" + job + "\""));
        }
        assertEquals(ruleNames(CHART), ruleNames(local), "the same rules, in the same order");
    }

    private static List<String> ruleNames(ChartConfig chart) {
        return chart.rules().stream().map(r -> r.alert().or(r::record).orElseThrow()).toList();
    }

    private static ChartConfig.Rule targetDown(ChartConfig chart) {
        return chart.rules().stream().filter(r -> r.alert().equals(Optional.of("TargetDown"))).findFirst()
                .orElseThrow(() -> new AssertionError("no TargetDown in " + chart.source()));
    }

    @Test
    void podTemplatesAreTheWorkloadsOfTheChart() {
        Map<String, Object> template = CHART.podTemplate("payment-service").orElseThrow();
        Map<String, Object> labels = ChartConfig.map(ChartConfig.map(template.get("metadata"), "metadata").get("labels"), "labels");
        assertEquals("payment-service", labels.get("app.kubernetes.io/name"));
        assertTrue(CHART.podTemplate("no-such-workload").isEmpty());
    }

    @Test
    void aManifestWithoutAPartSaysWhichAndWhere() {
        ChartConfig partial = ChartConfig.parse("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: prometheus-config}
                data:
                  other.yml: "x: 1"
                ---
                """, "test manifest");

        IllegalStateException noEntry = assertThrows(IllegalStateException.class, partial::prometheusConfig);
        assertEquals("ConfigMap prometheus-config of the rendered chart test manifest has no prometheus.yml", noEntry.getMessage());
        IllegalStateException noConfigMap = assertThrows(IllegalStateException.class, partial::alertmanagerConfig);
        assertEquals("the rendered chart test manifest has no ConfigMap alertmanager-config", noConfigMap.getMessage());
    }

    @Test
    void aManifestThatIsNotYamlIsRefused() {
        IllegalStateException notYaml = assertThrows(IllegalStateException.class,
                () -> ChartConfig.parse("kind: [unclosed", "broken.yaml"));
        assertThat(notYaml.getMessage(), containsString("the rendered chart broken.yaml is not valid YAML"));
        IllegalStateException notAMapping = assertThrows(IllegalStateException.class,
                () -> ChartConfig.parse("- a list\n", "list.yaml"));
        assertThat(notAMapping.getMessage(), containsString("is not a YAML mapping"));
    }
}
