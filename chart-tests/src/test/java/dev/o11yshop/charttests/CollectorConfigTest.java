package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenTelemetry Collector config: pipelines reference defined components, exporters reach rendered Services. */
class CollectorConfigTest {

    private static Map<String, Object> config(Manifests m, Profile profile, StringBuilder id) {
        Manifests.ConfigFile file = m.findYamlConfig("otel-collector", "service").orElseThrow(() -> new AssertionError(
                m.description() + ": no config with a service section mounted by otel-collector"));
        id.append(m.description()).append(": ").append(file.id());
        return Y.parseMap(file.id(), file.text());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithCollector")
    void everyPipelineComponentAndExtensionIsDefined(Profile profile, String kubeVersion) {
        StringBuilder id = new StringBuilder();
        Map<String, Object> config = config(Chart.render(profile, kubeVersion), profile, id);
        assertThat(id.toString(), Pipelines.undefinedComponents(id.toString(), config), empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithCollector")
    void everyExporterEndpointResolvesToARenderedServicePort(Profile profile, String kubeVersion) {
        Manifests m = Chart.render(profile, kubeVersion);
        StringBuilder id = new StringBuilder();
        Map<String, Object> config = config(m, profile, id);
        List<String> problems = new ArrayList<>();
        Pipelines.usedExporters(config).forEach((exporter, settings) -> {
            List<Endpoints.Endpoint> found = new ArrayList<>();
            for (String field : List.of("endpoint", "traces_endpoint", "logs_endpoint", "metrics_endpoint")) {
                Object value = Y.get(settings, field);
                if (value != null) {
                    Endpoints.extract(id + " exporters." + exporter + "." + field, String.valueOf(value), found);
                }
            }
            if (found.isEmpty() && Pipelines.NETWORK_EXPORTERS.contains(Pipelines.type(exporter))) {
                problems.add(id + ": exporter " + exporter + " names no endpoint host:port");
            }
            for (Endpoints.Endpoint e : found) {
                String problem = Endpoints.problem(m, profile, e);
                if (problem != null) {
                    problems.add(problem);
                }
            }
        });
        assertThat(id.toString(), problems, empty());
    }

    /** Section 7: pod logs of the release namespace only, JSON parsed so trace_id/span_id are kept. */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profilesWithCollector")
    void filelogReadsOnlyTheReleaseNamespaceAndKeepsTraceContext(Profile profile, String kubeVersion) {
        StringBuilder id = new StringBuilder();
        Map<String, Object> config = config(Chart.render(profile, kubeVersion), profile, id);
        boolean used = Y.map(config, "service", "pipelines").values().stream()
                .anyMatch(p -> Y.list(p, "receivers").stream().anyMatch(r -> Pipelines.type(String.valueOf(r)).equals("filelog")));
        // Every profile that runs the collector keeps otelCollector.logs on (the default).
        assertTrue(used, id + ": the collector reads pod logs, but no pipeline uses a filelog receiver");
        List<String> problems = new ArrayList<>();
        Y.map(config, "receivers").forEach((name, receiver) -> {
            if (!Pipelines.type(name).equals("filelog")) {
                return;
            }
            for (Object include : Y.list(receiver, "include")) {
                if (!String.valueOf(include).startsWith("/var/log/pods/" + Chart.NAMESPACE + "_")) {
                    problems.add(id + ": receivers." + name + ".include " + include + " is not limited to /var/log/pods/" + Chart.NAMESPACE + "_*");
                }
            }
            List<String> operators = Y.maps(receiver, "operators").stream().map(o -> Y.str(o, "type")).toList();
            assertThat(id + ": receivers." + name + ".operators parse JSON lines", operators, hasItem("json_parser"));
            assertThat(id + ": receivers." + name + ".operators keep trace_id/span_id", operators, hasItem("trace_parser"));
        });
        assertThat(id.toString(), problems, empty());
    }
}
