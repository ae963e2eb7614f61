package dev.o11yshop.observability;

import java.time.Duration;

import io.helidon.config.Config;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one {@link Observability} of the test JVM: telemetry, the global meter registry and the fault gauges are
 * process-global, so every test that needs request observation shares this instance.
 */
final class TestObservability {
    static final Observability OBSERVABILITY = Observability.create(
            new ServiceInfo("common-observability-test", "test", "test", "test-instance"), Config.empty());

    private TestObservability() {
    }

    /** Waits until no observed request is in flight: the filter records metrics after the client has its answer. */
    static void settle() {
        try {
            assertEquals(0, OBSERVABILITY.inFlight().awaitIdle(Duration.ofSeconds(5)), "requests still in flight after 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for in-flight requests", e);
        }
    }
}
