package dev.o11yshop.payment;

import java.util.Map;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.Metrics;

/** Reads meters of the global registry by name and a subset of their labels (Helidon may add a scope label). */
final class MetricsProbe {
    private MetricsProbe() {
    }

    /** Sum of the counters named {@code name} whose labels include {@code labels}; 0 when there is none yet. */
    static long counter(String name, Map<String, String> labels) {
        return Metrics.globalRegistry().meters(meter -> matches(meter, name, labels)).stream()
                .mapToLong(meter -> ((Counter) meter).count())
                .sum();
    }

    /** Value of the one gauge named {@code name} with {@code labels}; fails when it is missing or ambiguous. */
    static double gauge(String name, Map<String, String> labels) {
        var gauges = Metrics.globalRegistry().meters(meter -> matches(meter, name, labels));
        if (gauges.size() != 1) {
            throw new AssertionError("expected exactly one gauge " + name + labels + ", found " + gauges);
        }
        return ((Gauge<?>) gauges.iterator().next()).value().doubleValue();
    }

    private static boolean matches(Meter meter, String name, Map<String, String> labels) {
        return meter.id().name().equals(name) && meter.id().tagsMap().entrySet().containsAll(labels.entrySet());
    }
}
