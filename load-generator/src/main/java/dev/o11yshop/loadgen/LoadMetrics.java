package dev.o11yshop.loadgen;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.o11yshop.observability.LabelValues;
import dev.o11yshop.observability.MeterFamily;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Timer;

/**
 * The generator's client-side RED metrics in the global registry (served on the admin port's {@code /metrics}).
 * Every label value is bounded: scenario labels, status codes (or {@code error}), three outcomes, and one drop
 * reason. The gauges follow the most recently started {@link LoadRun} of the process.
 * <p>
 * {@code loadgen_requests_total{outcome}} tells a shed answer (503 with {@code Retry-After}: the service turned the
 * request away at once) from other failures; its {@code status} stays the HTTP status, so queries on status (the
 * dashboard's 5xx share) count shed answers as they did.
 */
final class LoadMetrics {
    /** The one reason an arrival is dropped: {@code maxConcurrency} actions were already in flight. */
    static final String DROP_CONCURRENCY_CAP = "concurrency_cap";
    /** Outcome of an action that ended with its scenario's expected status. */
    static final String OUTCOME_OK = "ok";
    /** Outcome of an action a service shed: 503 with {@code Retry-After}. */
    static final String OUTCOME_SHED = TrafficStats.SHED_KEY;
    /** Outcome of any other action: an unexpected status, or no answer. */
    static final String OUTCOME_FAILED = "failed";

    private static final MeterFamily<Counter> REQUESTS = MeterFamily.counter(
            "loadgen_requests_total", "User actions completed by the load generator, by scenario, HTTP status ('error': "
                    + "no response) and outcome (ok, shed: 503 with Retry-After, failed)",
            "scenario", "status", "outcome");
    private static final MeterFamily<Timer> DURATION = MeterFamily.latencyHistogram(
            "loadgen_request_duration_seconds",
            "Latency of user actions measured from their intended start (coordinated omission corrected)", "scenario");
    private static final MeterFamily<Counter> DROPPED = MeterFamily.counter(
            "loadgen_dropped_total", "Scheduled user actions that were not sent, by reason", "reason");
    private static final AtomicReference<LoadRun> ACTIVE = new AtomicReference<>();
    private static final Map<Scenario, Timer> TIMERS = new EnumMap<>(Scenario.class);

    static {
        for (Scenario scenario : Scenario.values()) {
            TIMERS.put(scenario, DURATION.labels(scenario.label()));
        }
        DROPPED.labels(DROP_CONCURRENCY_CAP);
        Metrics.globalRegistry().getOrCreate(
                Gauge.builder("loadgen_target_rate", () -> {
                            LoadRun run = ACTIVE.get();
                            return run == null ? 0.0 : run.currentTargetRate();
                        })
                        .description("Arrival rate the load generator is asked for now, in user actions per second"));
        Metrics.globalRegistry().getOrCreate(
                Gauge.builder("loadgen_in_flight", () -> {
                            LoadRun run = ACTIVE.get();
                            return run == null ? 0 : run.inFlight();
                        })
                        .description("User actions sent and not yet answered"));
    }

    private LoadMetrics() {
    }

    /** Makes the gauges follow {@code run}. */
    static void activate(LoadRun run) {
        ACTIVE.set(run);
    }

    /** One action's outcome: {@code status} is the HTTP status or {@link TrafficStats#NO_RESPONSE}. */
    static void recordResult(Scenario scenario, int status, boolean shed, long latencyNanos) {
        String statusLabel = status == TrafficStats.NO_RESPONSE ? "error" : LabelValues.status(status);
        String outcome = shed ? OUTCOME_SHED : scenario.expected(status) ? OUTCOME_OK : OUTCOME_FAILED;
        REQUESTS.labels(scenario.label(), statusLabel, outcome).increment();
        TIMERS.get(scenario).record(Math.max(0, latencyNanos), TimeUnit.NANOSECONDS);
    }

    static void recordDroppedByCap() {
        DROPPED.labels(DROP_CONCURRENCY_CAP).increment();
    }
}
