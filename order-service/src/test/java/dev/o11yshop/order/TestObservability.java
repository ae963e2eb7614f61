package dev.o11yshop.order;

import java.util.Map;

import dev.o11yshop.observability.Observability;
import dev.o11yshop.observability.ServiceInfo;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * The one {@link Observability} of the test JVM. Telemetry, the global meter registry and the fault gauges are
 * process-global (a second {@code Observability} would feed gauges already bound to the first), so every routing
 * of this JVM, order-service's and the downstream services' alike, is built on this instance. One consequence:
 * fault injection is shared too, so a test that sets faults resets them afterwards.
 */
final class TestObservability {
    /**
     * Admission control is shared too: one bound for the three services of this JVM, and a checkout holds a permit while
     * its inventory and payment calls need one each. The concurrency tests send hundreds of checkouts at once, so the
     * bound is set far above them; shedding itself is tested in common-observability.
     */
    static final Observability OBSERVABILITY = Observability.create(
            new ServiceInfo("order-service", "test", "test", "test-instance"),
            Config.just(ConfigSources.create(Map.of("max.concurrent.requests", "100000"))));

    private TestObservability() {
    }
}
