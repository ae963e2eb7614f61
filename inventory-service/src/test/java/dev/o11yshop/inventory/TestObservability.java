package dev.o11yshop.inventory;

import dev.o11yshop.observability.Observability;
import dev.o11yshop.observability.ServiceInfo;
import io.helidon.config.Config;

/**
 * The one {@link Observability} of the test JVM. OpenTelemetry, Helidon's global tracer and the metrics registry
 * exist once per process, so every test class shares this instance (and its fault settings) instead of making its
 * own. Spans are exported to {@link RecordedSpans}.
 */
final class TestObservability {
    private TestObservability() {
    }

    static Observability get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        private static final Observability INSTANCE = create();

        private static Observability create() {
            // Read by the autoconfigure module when Observability.create builds the SDK; the build sets "none".
            System.setProperty("otel.traces.exporter", RecordedSpans.EXPORTER_NAME);
            return Observability.create(new ServiceInfo("inventory-service", "test", "test", "test-instance"),
                                        Config.empty());
        }
    }
}
