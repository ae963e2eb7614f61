package dev.o11yshop.charttests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's Prometheus rules as rendered (files/prometheus/rules/*.yaml through tpl, default values), unit-tested with
 * {@code promtool test rules} against the files in {@code src/test/resources/rule-tests/}: each test file is run with
 * {@code rule_files} set to every rendered rule file. Every alert must have a case that fires it and one that must
 * not, every alert must carry a severity, a summary, a description and a runbook link, and every runbook must exist
 * under docs/runbooks/.
 */
class RuleUnitTest {

    private static final String PROMTOOL = "/usr/bin/promtool";
    static final String RULES_CONFIGMAP = "ConfigMap/prometheus-rules";
    static final String TESTS = "rule-tests";
    /** Alertmanager routes these (files/alertmanager/alertmanager.yml: critical|page → page, warning|ticket → ticket). */
    static final Set<String> SEVERITIES = Set.of("page", "critical", "ticket", "warning");

    /** The rendered rule files of the default profile: file name → text. */
    static Map<String, String> renderedRuleFiles() {
        Manifests m = Chart.render(Profile.DEFAULT, Chart.KUBE_NEWEST);
        Map<String, String> files = m.configFiles().get(RULES_CONFIGMAP);
        assertTrue(files != null && !files.isEmpty(), m.description() + ": no " + RULES_CONFIGMAP + " with rule files");
        return new TreeMap<>(files);
    }

    /** Every alerting rule of the given rule files, with the file it is in (an alert name may have several rules). */
    static List<Map<String, Object>> alertingRules(Map<String, String> files) {
        List<Map<String, Object>> out = new ArrayList<>();
        files.forEach((name, text) -> {
            for (Map<String, Object> group : Y.maps(Y.parseMap(name, text), "groups")) {
                for (Map<String, Object> rule : Y.maps(group, "rules")) {
                    if (rule.containsKey("alert")) {
                        Map<String, Object> r = new LinkedHashMap<>(rule);
                        r.put("$file", name + " group " + Y.str(group, "name"));
                        out.add(r);
                    }
                }
            }
        });
        return out;
    }

    static Path testDir() {
        URL url = Objects.requireNonNull(RuleUnitTest.class.getClassLoader().getResource(TESTS), TESTS + " is not on the test classpath");
        try {
            return Paths.get(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Path> testFiles() throws IOException {
        try (Stream<Path> s = Files.list(testDir())) {
            List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
            assertThat("no promtool test files in " + testDir(), files, not(empty()));
            return files.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("testFiles")
    void promtoolUnitTestsPass(Path testFile) throws Exception {
        Path promtool = Tools.require(PROMTOOL, "apt-get install -y prometheus");
        Map<String, String> rules = renderedRuleFiles();
        Path dir = Chart.workDir("rule-tests");
        for (Map.Entry<String, String> e : rules.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        Map<String, Object> test = Y.parseMap(testFile.toString(), Files.readString(testFile));
        test.put("rule_files", new ArrayList<>(rules.keySet()));
        Path written = dir.resolve(testFile.getFileName());
        Files.writeString(written, Y.dump(test));
        Tools.Result result = Tools.run(dir, Tools.cmd(promtool, "test", "rules", written.getFileName()));
        assertThat("promtool test rules " + written + " (rule files: " + rules.keySet() + ")\n" + result.output(), result.exit(), is(0));
    }

    @Test
    void everyAlertHasAFiringAndANonFiringCase() throws IOException {
        Set<String> alerts = new TreeSet<>();
        alertingRules(renderedRuleFiles()).forEach(r -> alerts.add(Y.str(r, "alert")));
        Set<String> firing = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (Path file : testFiles().toList()) {
            Map<String, Object> parsed = Y.parseMap(file.toString(), Files.readString(file));
            for (Map<String, Object> test : Y.maps(parsed, "tests")) {
                for (Map<String, Object> t : Y.maps(test, "alert_rule_test")) {
                    String name = Y.str(t, "alertname");
                    if (!alerts.contains(name)) {
                        problems.add(file.getFileName() + " test '" + Y.str(test, "name") + "' checks " + name + ", which no rendered rule defines");
                    }
                    (Y.list(t, "exp_alerts").isEmpty() ? quiet : firing).add(name);
                }
            }
        }
        for (String alert : alerts) {
            if (!firing.contains(alert)) {
                problems.add(alert + " has no test case that fires it (an alert_rule_test with exp_alerts)");
            }
            if (!quiet.contains(alert)) {
                problems.add(alert + " has no test case in which it must not fire (an alert_rule_test with exp_alerts: [])");
            }
        }
        assertThat("alerts " + alerts, problems, empty());
    }

    @Test
    void everyAlertHasSeveritySummaryDescriptionAndAnExistingRunbook() {
        String base = Y.str(Y.parseMap("values.yaml", read(Chart.dir().resolve("values.yaml"))), "alerting", "runbookBaseUrl");
        assertTrue(base != null && !base.isBlank(), "values.yaml has no alerting.runbookBaseUrl");
        base = base.replaceAll("/+$", "");
        List<Map<String, Object>> rules = alertingRules(renderedRuleFiles());
        assertThat("the rendered rules define no alert", rules, not(empty()));
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> rule : rules) {
            String name = Y.str(rule, "alert");
            String at = name + " (" + rule.get("$file") + ")";
            String severity = Y.str(rule, "labels", "severity");
            if (!SEVERITIES.contains(String.valueOf(severity))) {
                problems.add(at + ": labels.severity is " + severity + ", not one of " + SEVERITIES);
            }
            for (String key : List.of("summary", "description", "runbook_url")) {
                String value = Y.str(rule, "annotations", key);
                if (value == null || value.isBlank()) {
                    problems.add(at + ": no annotations." + key);
                }
            }
            String url = Y.str(rule, "annotations", "runbook_url");
            String expected = base + "/" + name + ".md";
            if (url != null && !url.equals(expected)) {
                problems.add(at + ": runbook_url is " + url + ", expected " + expected);
            }
            Path runbook = Chart.repoRoot().resolve("docs").resolve("runbooks").resolve(name + ".md");
            if (!Files.isRegularFile(runbook)) {
                problems.add(at + ": no runbook " + Chart.repoRoot().relativize(runbook));
            }
        }
        assertThat(problems, empty());
    }

    /** The operator's PrometheusRule carries exactly the groups the bundled Prometheus loads. */
    @Test
    void thePrometheusRuleHasTheSameGroupsAsTheBundledRuleFiles() {
        List<Object> bundled = new ArrayList<>();
        renderedRuleFiles().forEach((name, text) -> bundled.addAll(Y.list(Y.parseMap(name, text), "groups")));
        Manifests operator = Chart.render(Profile.OPERATOR, Chart.KUBE_NEWEST);
        List<Manifests.Doc> rules = operator.ofKind("PrometheusRule");
        assertThat(operator.description() + ": PrometheusRule objects", rules.size(), is(1));
        assertThat(rules.get(0).id() + " spec.groups", Y.list(rules.get(0).body(), "spec", "groups"), equalTo(bundled));
    }

    /** SLO targets, the latency bucket and thresholds come from values, and the result still passes promtool. */
    @Test
    void targetsAndThresholdsComeFromValues() throws Exception {
        Path values = Chart.workDir("alerting-values").resolve("alerting.yaml");
        Files.writeString(values, """
                alerting:
                  runbookBaseUrl: https://runbooks.example.org/o11y/
                  slo:
                    checkoutAvailability: 0.999
                    checkoutLatency:
                      target: 0.95
                      thresholdSeconds: 1
                  service:
                    errorRatio: 0.1
                    p99LatencySeconds: 2.5
                    minRequestRate: 1
                  inventory:
                    lowStockUnits: 12
                """);
        Manifests m = Manifests.parse("alerting overrides", Chart.template(Profile.DEFAULT, Chart.KUBE_NEWEST, values));
        Map<String, String> files = new TreeMap<>(m.configFiles().get(RULES_CONFIGMAP));
        String all = String.join("\n", files.values());
        for (String expected : List.of(
                "/ (1 - 0.999) > 14.4",
                "/ (1 - 0.95) > 6",
                "endpoint=\"/api/orders\", le=\"1.0\"}",
                "job:http_requests_5xx:ratio_rate5m > 0.1",
                "job_method_endpoint:http_request_duration_seconds:p99_5m > 2.5",
                "job:http_requests:rate5m > 1",
                "(inventory_level) < 12",
                "runbook_url: https://runbooks.example.org/o11y/CheckoutLatencyBudgetBurn.md")) {
            assertThat("rendered rules with alerting overrides", all, containsString(expected));
        }
        Path promtool = Tools.require(PROMTOOL, "apt-get install -y prometheus");
        Path dir = Chart.workDir("rules-overridden");
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, String> e : files.entrySet()) {
            written.add(Files.writeString(dir.resolve(e.getKey()), e.getValue()));
        }
        Tools.Result result = Tools.run(dir, Tools.cmd(promtool, "check", "rules", written));
        assertThat("promtool check rules " + written + "\n" + result.output(), result.exit(), is(0));
    }

    @Test
    void theLatencyThresholdMustBeABucketBound() throws IOException {
        Path values = Chart.workDir("alerting-values").resolve("bad-threshold.yaml");
        Files.writeString(values, "alerting:\n  slo:\n    checkoutLatency:\n      thresholdSeconds: 0.3\n");
        Exception e = assertThrows(Exception.class, () -> Chart.template(Profile.DEFAULT, Chart.KUBE_NEWEST, values),
                "thresholdSeconds 0.3 is no bucket bound of http_request_duration_seconds: values.schema.json must reject it");
        assertThat(String.valueOf(e.getMessage()), containsString("thresholdSeconds"));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
