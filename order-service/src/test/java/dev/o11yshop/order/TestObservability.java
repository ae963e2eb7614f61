package dev.o11yshop.order;

import dev.o11yshop.observability.Observability;
import dev.o11yshop.observability.ServiceInfo;
import io.helidon.config.Config;

/**
 * The one {@link Observability} of the test JVM. Telemetry, the global meter registry and the fault gauges are
 * process-global (a second {@code Observability} would feed gauges already bound to the first), so every routing
 * of this JVM, order-service's and the downstream services' alike, is built on this instance. One consequence:
 * fault injection is shared too, so a test that sets faults resets them afterwards.
 */
final class TestObservability {
    static final Observability OBSERVABILITY = Observability.create(
            new ServiceInfo("order-service", "test", "test", "test-instance"), Config.empty());

    private TestObservability() {
    }
}
