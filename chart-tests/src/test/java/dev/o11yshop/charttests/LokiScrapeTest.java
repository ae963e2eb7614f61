package dev.o11yshop.charttests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Loki's own metrics ({@code loki_discarded_samples_total} and {@code loki_request_duration_seconds} for
 * LokiIngestionErrors, {@code up{job="loki"}} for TargetDown) are scraped in both modes with the same labels: by the
 * bundled Prometheus through its static {@code loki} job, and with prometheusOperator.enabled by the operator's
 * Prometheus through a PodMonitor that selects the Loki pod alone (its only HTTP port is named http, which the
 * admin/metrics PodMonitor does not cover). Targets and labels are computed by {@link ScrapeTargets}.
 */
class LokiScrapeTest {

    static final String LOKI = "loki";

    /** The operator profiles that run Loki (that each renders what it declares: ValidationTest). */
    static Stream<Arguments> operatorProfilesWithLoki() {
        return Chart.operatorProfiles().filter(a -> ((Profile) a.get()[0]).renders(LOKI));
    }

    /**
     * Exactly one monitor endpoint makes a target of the Loki pod, on the container port and path the bundled
     * {@code loki} job scrapes (its Service port's targetPort), and that monitor's selector selects the Loki pod and
     * no other pod (the helm test pod included).
     */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("operatorProfilesWithLoki")
    void onePodMonitorScrapesTheLokiPodAlone(Profile profile, String kubeVersion) throws IOException {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<ScrapeTargets.Target> targets = ScrapeTargets.ofPodMonitors(m).stream().filter(t -> t.on(LOKI)).toList();
        assertThat(m.description() + ": monitor endpoints with a target on the Loki pod (a PodMonitor whose selector selects it and"
                + " whose port is one of its container ports)", targets, hasSize(1));
        ScrapeTargets.Target target = targets.getFirst();
        ScrapeTargets.Target bundled = bundledLokiTarget(profile, kubeVersion);
        assertThat(target + ": the bundled " + bundled + " scrapes another port", target.port(), equalTo(bundled.port()));
        assertThat(target + ": the bundled " + bundled + " scrapes another path", target.path(), equalTo(bundled.path()));

        Manifests.Doc monitor = target.monitor();
        List<String> selected = m.workloads().stream()
                .filter(w -> Manifests.selects(Y.map(monitor.body(), "spec", "selector"), w.podLabels()))
                .map(Manifests.Workload::name).toList();
        assertThat(monitor.id() + ": spec.selector " + Y.get(monitor.body(), "spec", "selector") + " selects the pods " + selected,
                selected, equalTo(List.of(LOKI)));
    }

    /**
     * Loki's series carry in operator mode every label the bundled {@code loki} job gives them (job, namespace: what
     * the rules aggregate by and TargetDown matches on), with the same value. Only instance may differ (the bundled
     * job scrapes the Service address, the operator the pod).
     */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("operatorProfilesWithLoki")
    void lokisSeriesGetTheBundledJobAndNamespace(Profile profile, String kubeVersion) throws IOException {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<ScrapeTargets.Target> targets = ScrapeTargets.ofPodMonitors(m).stream().filter(t -> t.on(LOKI)).toList();
        assertThat(m.description() + ": no monitor scrapes the Loki pod", targets, not(empty()));
        Map<String, String> expected = new TreeMap<>(bundledLokiTarget(profile, kubeVersion).labels());
        expected.remove("instance");
        assertThat(m.description() + ": the bundled loki job's labels", expected.keySet(), hasItems("job", "namespace"));
        for (ScrapeTargets.Target target : targets) {
            Map<String, String> actual = new TreeMap<>(target.labels());
            actual.keySet().retainAll(expected.keySet());
            assertThat(target + ": the labels the bundled loki job gives Loki's series", actual, equalTo(expected));
        }
    }

    /** With loki.enabled=false nothing is left to scrape a Loki pod, and every PodMonitor still has targets. */
    @Test
    void withLokiDisabledNoMonitorIsRenderedForIt() throws IOException {
        Manifests.Workload loki = Chart.render(Profile.OPERATOR, Chart.KUBE_NEWEST).workload(LOKI).orElseThrow(
                () -> new AssertionError("the operator profile renders no Loki"));
        Path values = Chart.workDir("loki-disabled").resolve("loki-disabled.yaml");
        Files.writeString(values, "loki:\n  enabled: false\n");
        Manifests m = Manifests.parse(Profile.OPERATOR + " with loki.enabled=false",
                Chart.template(Profile.OPERATOR, Chart.KUBE_NEWEST, values));
        assertThat(m.description() + ": a Loki pod", m.workload(LOKI).isPresent(), is(false));
        List<ScrapeTargets.Target> lokiTargets = ScrapeTargets.ofPodMonitors(m, List.of(loki)).stream().filter(t -> t.on(LOKI)).toList();
        assertThat(m.description() + ": monitors that would scrape a Loki pod", lokiTargets, empty());
        for (Manifests.Doc monitor : m.ofKind("PodMonitor")) {
            assertThat(m.description() + ": " + monitor.id() + " has no target among the rendered pods",
                    ScrapeTargets.ofPodMonitors(m).stream().anyMatch(t -> monitor.equals(t.monitor())), is(true));
        }
    }

    /** The target of the bundled Prometheus' config on the Loki pod, rendered from the same profile without the operator. */
    private static ScrapeTargets.Target bundledLokiTarget(Profile profile, String kubeVersion) throws IOException {
        Path values = Chart.workDir("bundled").resolve("bundled.yaml");
        Files.writeString(values, "prometheusOperator:\n  enabled: false\nprometheus:\n  enabled: true\n");
        Manifests bundled = Manifests.parse(profile + " with the bundled Prometheus", Chart.template(profile, kubeVersion, values));
        Manifests.ConfigFile file = bundled.findYamlConfig("prometheus", "scrape_configs").orElseThrow(
                () -> new AssertionError(bundled.description() + ": no Prometheus config with scrape_configs"));
        List<ScrapeTargets.Target> targets = ScrapeTargets.ofStaticConfigs(bundled, Y.parseMap(file.id(), file.text())).stream()
                .filter(t -> t.on(LOKI)).toList();
        assertThat(file.id() + ": static targets on the Loki pod", targets, hasSize(1));
        return targets.getFirst();
    }
}
