package dev.o11yshop.observability;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Timer;

/**
 * RED metrics of the API socket, keyed by route template (contract names, section 4). Helidon's own KPI
 * metrics count only the observe socket when it runs apart from the API, so requests are counted here.
 */
final class HttpServerMetrics {
    private final MeterFamily<Counter> requests = MeterFamily.counter(
            "http_requests_total", "HTTP requests served, by route template and status",
            "method", "endpoint", "status");
    private final MeterFamily<Timer> duration = MeterFamily.latencyHistogram(
            "http_request_duration_seconds", "Time to serve an HTTP request", "method", "endpoint");
    // Static like the registry it feeds: a second filter in the same JVM (tests) must feed the same gauge.
    private static final Map<String, AtomicInteger> IN_PROGRESS = new ConcurrentHashMap<>();

    /** Marks a request of {@code method} as started; returns the counter to decrement when it ends. */
    AtomicInteger started(String method) {
        AtomicInteger counter = IN_PROGRESS.computeIfAbsent(method, HttpServerMetrics::inProgressGauge);
        counter.incrementAndGet();
        return counter;
    }

    void completed(String method, String endpoint, int status, long durationNanos) {
        requests.labels(method, endpoint, LabelValues.status(status)).increment();
        duration.labels(method, endpoint).record(durationNanos, TimeUnit.NANOSECONDS);
    }

    private static AtomicInteger inProgressGauge(String method) {
        AtomicInteger counter = new AtomicInteger();
        Metrics.globalRegistry().getOrCreate(
                Gauge.builder("http_requests_in_progress", counter, AtomicInteger::get)
                        .description("HTTP requests being served now")
                        .tags(Metrics.tags("method", method)));
        return counter;
    }
}
