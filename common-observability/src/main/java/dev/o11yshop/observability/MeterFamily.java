package dev.o11yshop.observability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionStatisticsConfig;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * One metric name with a fixed list of label names, and one meter per combination of label values, created
 * on first use and cached so the hot path is a map lookup. Histograms publish buckets only: Helidon's default
 * client-side percentiles would add {@code quantile} series to a histogram family, which Prometheus rejects. Callers must pass bounded values only
 * (route templates, enum names, {@link LabelValues} guards): every distinct combination is a new series.
 *
 * @param <M> meter type
 */
public final class MeterFamily<M extends Meter> {
    /** Buckets of every HTTP latency histogram, in seconds (contract, section 4). */
    public static final double[] LATENCY_BUCKETS_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final String name;
    private final List<String> labelNames;
    private final Function<List<Tag>, M> factory;
    private final Map<List<String>, M> meters = new ConcurrentHashMap<>();

    private MeterFamily(String name, List<String> labelNames, Function<List<Tag>, M> factory) {
        this.name = name;
        this.labelNames = List.copyOf(labelNames);
        this.factory = factory;
    }

    /** A counter family; {@code name} is the exposed name, ending in {@code _total}. */
    public static MeterFamily<Counter> counter(String name, String help, String... labelNames) {
        MeterRegistry registry = Metrics.globalRegistry();
        return new MeterFamily<>(name, List.of(labelNames),
                                 tags -> registry.getOrCreate(Counter.builder(name).description(help).tags(tags)));
    }

    /** A latency histogram family in seconds; {@code name} is the exposed name, ending in {@code _seconds}. */
    public static MeterFamily<Timer> latencyHistogram(String name, String help, String... labelNames) {
        MeterRegistry registry = Metrics.globalRegistry();
        Duration[] buckets = Arrays.stream(LATENCY_BUCKETS_SECONDS)
                .mapToObj(seconds -> Duration.ofNanos((long) (seconds * 1_000_000_000L)))
                .toArray(Duration[]::new);
        return new MeterFamily<>(name, List.of(labelNames),
                                 tags -> registry.getOrCreate(Timer.builder(name)
                                                                      .description(help)
                                                                      .buckets(buckets)
                                                                      .percentiles(new double[0])
                                                                      .tags(tags)));
    }

    /** A latency summary family with client-side quantiles; these cannot be aggregated across instances. */
    public static MeterFamily<Timer> latencySummary(String name, String help, double[] quantiles, String... labelNames) {
        MeterRegistry registry = Metrics.globalRegistry();
        return new MeterFamily<>(name, List.of(labelNames),
                                 tags -> registry.getOrCreate(Timer.builder(name)
                                                                      .description(help)
                                                                      .percentiles(quantiles)
                                                                      .tags(tags)));
    }

    /** A histogram of plain values (not durations) with the given bucket bounds. */
    public static MeterFamily<DistributionSummary> valueHistogram(String name, String help, double[] buckets,
                                                                  String... labelNames) {
        MeterRegistry registry = Metrics.globalRegistry();
        return new MeterFamily<>(name, List.of(labelNames),
                                 tags -> registry.getOrCreate(
                                         DistributionSummary.builder(name)
                                                 .description(help)
                                                 .distributionStatisticsConfig(
                                                         DistributionStatisticsConfig.builder()
                                                                 .buckets(buckets)
                                                                 .percentiles(new double[0]))
                                                 .tags(tags)));
    }

    /**
     * Registers a gauge read from {@code value} at scrape time, replacing one of the same name and labels that an
     * earlier instance registered in this JVM (the registry is global; the newest owner of a series reports it).
     */
    public static void replaceGauge(String name, String help, Supplier<? extends Number> value, Iterable<Tag> tags) {
        MeterRegistry registry = Metrics.globalRegistry();
        registry.remove(name, tags);
        registry.getOrCreate(Gauge.builder(name, value::get).description(help).tags(tags));
    }

    /** The meter for these label values, in the order of the label names. */
    public M labels(String... values) {
        if (values.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " takes labels " + labelNames + ", got " + values.length + " values");
        }
        return meters.computeIfAbsent(List.of(values), this::create);
    }

    public String name() {
        return name;
    }

    private M create(List<String> values) {
        List<Tag> tags = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            tags.add(Tag.create(labelNames.get(i), values.get(i)));
        }
        return factory.apply(tags);
    }
}
