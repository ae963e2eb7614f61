package dev.o11yshop.payment;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import dev.o11yshop.observability.Observability;
import dev.o11yshop.observability.ServiceInfo;
import io.helidon.config.Config;
import io.helidon.webserver.http.HttpRouting;

/**
 * The one {@link Observability} of the test JVM. Telemetry, the global meter registry and the fault gauges are
 * process-global (a second {@code Observability} would feed gauges already bound to the first), so every
 * routing in every test class is built on this instance.
 */
final class TestObservability {
    static final Observability OBSERVABILITY = Observability.create(
            new ServiceInfo("payment-service", "test", "test", "test-instance"), Config.empty());
    static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private TestObservability() {
    }

    /** The API socket exactly as production builds it (minus the server). */
    static void apiRouting(HttpRouting.Builder routing) {
        OBSERVABILITY.api(routing);
        Main.routing(routing, OBSERVABILITY, Config.empty(), CLOCK);
    }

    /** The admin socket's routes ({@code /faults}); metrics and health come from the observe feature. */
    static void adminRouting(HttpRouting.Builder routing) {
        OBSERVABILITY.admin(routing);
    }
}
