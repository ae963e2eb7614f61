package dev.o11yshop.observability;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.Metrics;

/** Shared by the modules' tests (common-observability's test-jar). Reads meters of the global registry by name and a subset of their labels (Helidon may add a scope label). */
public final class MetricsProbe {
    private MetricsProbe() {
    }

    public static Collection<Meter> meters(String name, Map<String, String> labels) {
        return Metrics.globalRegistry().meters(meter -> meter.id().name().equals(name)
                && meter.id().tagsMap().entrySet().containsAll(labels.entrySet()));
    }

    /** Sum of the matching counters; 0 when there is none yet. */
    public static long counter(String name, Map<String, String> labels) {
        return meters(name, labels).stream().mapToLong(meter -> ((Counter) meter).count()).sum();
    }

    /** Value of the one matching gauge; fails when it is missing or ambiguous. */
    public static double gauge(String name, Map<String, String> labels) {
        Collection<Meter> gauges = meters(name, labels);
        if (gauges.size() != 1) {
            throw new AssertionError("expected exactly one gauge " + name + labels + ", found " + gauges);
        }
        return ((Gauge<?>) gauges.iterator().next()).value().doubleValue();
    }

    /** Every distinct label set of the meters named {@code name}. */
    public static Set<Map<String, String>> labelSets(String name) {
        return meters(name, Map.of()).stream().map(meter -> meter.id().tagsMap()).collect(Collectors.toSet());
    }
}
