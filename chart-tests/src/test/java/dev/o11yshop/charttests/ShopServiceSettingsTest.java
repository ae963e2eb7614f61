package dev.o11yshop.charttests;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;

/**
 * What the chart derives for the shop services' graceful shutdown and admission control: a grace period that outlasts
 * the worst case of the shutdown, and MAX_CONCURRENT_REQUESTS from the values.
 */
class ShopServiceSettingsTest {

    /** After the delay, the service waits until nothing has been in flight for this long (ShopServer's quiet period). */
    static final long QUIET_PERIOD_MS = 1_000;
    /** Helidon's stop waits up to 4 s for each of its two executors (ShopServer.ServerSettings.stopGrace). */
    static final long STOP_GRACE_MS = 8_000;
    /** The longest span flush after the server stopped (ShopServer: telemetry().flush(5_000)). */
    static final long SPAN_FLUSH_MS = 5_000;
    /** Room for the server stop, the JVM's exit and a busy node. */
    static final long MARGIN_MS = 5_000;

    /**
     * terminationGracePeriodSeconds ≥ preStop + SHUTDOWN_DELAY_MS + quiet period + SHUTDOWN_TIMEOUT_MS + span flush +
     * margin, from what each Deployment really runs with (its env, the last entry of a name winning as in Kubernetes).
     */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void theGracePeriodOutlastsTheWorstCaseOfTheShutdown(Profile profile, String kubeVersion) {
        Manifests m = Chart.render(profile, kubeVersion);
        assertThat(m.description(), graceProblems(m), empty());
    }

    @Test
    void theGracePeriodFollowsTheShutdownValues() throws IOException {
        Path values = Chart.valuesFile("shop:\n  shutdownDelayMs: 20000\n  shutdownTimeoutMs: 45500\n");
        Manifests m = Manifests.parse("long shutdown", Chart.template(Profile.DEFAULT, Chart.KUBE_NEWEST, values));
        assertThat(m.description(), graceProblems(m), empty());
    }

    private static List<String> graceProblems(Manifests m) {
        List<String> problems = new ArrayList<>();
        for (String name : Chart.SHOP_SERVICES) {
            Manifests.Workload w = m.workload(name).orElseThrow(() -> new AssertionError(m.description() + ": no workload " + name));
            Map<String, Object> c = w.containers().getFirst();
            Map<String, String> env = env(c);
            long delay = Long.parseLong(env.getOrDefault("SHUTDOWN_DELAY_MS", "0"));
            long timeout = Long.parseLong(env.getOrDefault("SHUTDOWN_TIMEOUT_MS", "10000"));
            long preStop = preStopMs(w.id(), c, problems);
            long needed = preStop + delay + QUIET_PERIOD_MS + timeout + STOP_GRACE_MS + SPAN_FLUSH_MS + MARGIN_MS;
            Object grace = w.podSpec().get("terminationGracePeriodSeconds");
            if (!(grace instanceof Number seconds) || seconds.longValue() * 1000 < needed) {
                problems.add(w.id() + ": terminationGracePeriodSeconds " + grace + " < " + needed + " ms = preStop " + preStop
                        + " + SHUTDOWN_DELAY_MS " + delay + " + quiet " + QUIET_PERIOD_MS + " + SHUTDOWN_TIMEOUT_MS " + timeout
                        + " + stop grace " + STOP_GRACE_MS + " + flush " + SPAN_FLUSH_MS + " + margin " + MARGIN_MS + ": the kubelet would kill it mid-shutdown");
            }
        }
        return problems;
    }

    /** The preStop hook's duration: none, or a {@code sleep} action; an exec/http hook has no bound the chart can see. */
    private static long preStopMs(String at, Map<String, Object> container, List<String> problems) {
        Map<String, Object> preStop = Y.map(container, "lifecycle", "preStop");
        if (preStop.isEmpty()) {
            return 0;
        }
        Object seconds = Y.get(preStop, "sleep", "seconds");
        if (seconds instanceof Number n && preStop.size() == 1) {
            return n.longValue() * 1000;
        }
        problems.add(at + ": preStop " + preStop + " has no known duration to add to the grace period");
        return 0;
    }

    /** name → value of the plain env entries; a later entry of a name wins, as in the kubelet. */
    private static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map<String, Object> e : Y.maps(container, "env")) {
            if (e.containsKey("value")) {
                out.put(Y.str(e, "name"), String.valueOf(e.get("value")));
            }
        }
        return out;
    }

    @Test
    void everyServiceGetsItsConcurrencyLimit() throws IOException {
        Path values = Chart.valuesFile("orderService:\n  maxConcurrentRequests: 7\ninventoryService:\n  maxConcurrentRequests: 8\n"
                + "paymentService:\n  maxConcurrentRequests: 9\n");
        Manifests m = Manifests.parse("maxConcurrentRequests 7/8/9", Chart.template(Profile.DEFAULT, Chart.KUBE_NEWEST, values));
        Map<String, String> expected = Map.of("order-service", "7", "inventory-service", "8", "payment-service", "9");
        List<String> problems = new ArrayList<>();
        expected.forEach((name, limit) -> {
            Manifests.Workload w = m.workload(name).orElseThrow(() -> new AssertionError("no workload " + name));
            String actual = env(w.containers().getFirst()).get("MAX_CONCURRENT_REQUESTS");
            if (!limit.equals(actual)) {
                problems.add(w.id() + ": MAX_CONCURRENT_REQUESTS " + actual + ", expected " + limit);
            }
        });
        assertThat(m.description(), problems, empty());
    }

    /** Every profile sets a limit on every service (a missing one would leave the service's own default in force). */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#profiles")
    void everyProfileBoundsTheRequestsInProgress(Profile profile, String kubeVersion) {
        Manifests m = Chart.render(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        for (String name : Chart.SHOP_SERVICES) {
            Manifests.Workload w = m.workload(name).orElseThrow(() -> new AssertionError(m.description() + ": no workload " + name));
            String limit = env(w.containers().getFirst()).get("MAX_CONCURRENT_REQUESTS");
            if (limit == null || !limit.matches("[1-9][0-9]*")) {
                problems.add(w.id() + ": MAX_CONCURRENT_REQUESTS " + limit + ", expected a positive integer");
            }
        }
        assertThat(m.description(), problems, empty());
    }
}
