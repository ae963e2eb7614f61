package dev.o11yshop.observability;

import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
// Internal in SDK 1.29 (what its own InMemoryMetricReader uses); the one way to pull metrics on demand there.
import io.opentelemetry.sdk.metrics.internal.export.MetricProducer;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the health of the span pipeline visible in Prometheus: spans exported, spans that failed to export
 * (backend down or slow) and spans dropped because the batch queue was full. The OpenTelemetry SDK counts
 * drops and the queue size on its own meter provider; this reader pulls those numbers on each scrape, and
 * {@link #wrap(SpanExporter)} counts export outcomes. A failing backend is logged at most once a minute:
 * it must never flood the logs or slow a request.
 */
final class SpanPipelineMetrics implements MetricReader {
    private static final Logger LOG = LoggerFactory.getLogger(SpanPipelineMetrics.class);
    private static final AttributeKey<Boolean> DROPPED = AttributeKey.booleanKey("dropped");
    private static final long FAILURE_LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final AtomicLong exported = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lastFailureLog = new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);
    private volatile MetricProducer producer = MetricProducer.noop();

    /** Registers the pipeline meters in {@code registry}. */
    void registerMeters(MeterRegistry registry) {
        registry.getOrCreate(FunctionalCounter.builder("otel_spans_exported_total", exported, AtomicLong::get)
                                     .description("Spans accepted by the trace backend"));
        registry.getOrCreate(FunctionalCounter.builder("otel_span_export_failures_total", failed, AtomicLong::get)
                                     .description("Spans the trace backend did not accept (unreachable, timeout, error)"));
        registry.getOrCreate(FunctionalCounter.builder("otel_spans_dropped_total", this, SpanPipelineMetrics::dropped)
                                     .description("Spans dropped before export because the batch queue was full"));
        registry.getOrCreate(Gauge.builder("otel_span_queue_size", this, SpanPipelineMetrics::queueSize)
                                     .description("Spans waiting in the batch queue"));
    }

    /** An exporter that counts what {@code delegate} exported or failed to export. */
    SpanExporter wrap(SpanExporter delegate) {
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                int count = spans.size();
                CompletableResultCode result = delegate.export(spans);
                result.whenComplete(() -> {
                    if (result.isSuccess()) {
                        exported.addAndGet(count);
                    } else {
                        failed.addAndGet(count);
                        logFailureThrottled(count);
                    }
                });
                return result;
            }

            @Override
            public CompletableResultCode flush() {
                return delegate.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return delegate.shutdown();
            }
        };
    }

    long dropped() {
        long total = 0;
        for (MetricData metric : producer.collectAllMetrics()) {
            if ("processedSpans".equals(metric.getName())) {
                for (LongPointData point : metric.getLongSumData().getPoints()) {
                    if (Boolean.TRUE.equals(point.getAttributes().get(DROPPED))) {
                        total += point.getValue();
                    }
                }
            }
        }
        return total;
    }

    double queueSize() {
        for (MetricData metric : producer.collectAllMetrics()) {
            if ("queueSize".equals(metric.getName())) {
                return metric.getLongGaugeData().getPoints().stream().mapToLong(LongPointData::getValue).sum();
            }
        }
        return 0;
    }

    private void logFailureThrottled(int count) {
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        if (now - last >= FAILURE_LOG_INTERVAL_NANOS && lastFailureLog.compareAndSet(last, now)) {
            LOG.atWarn()
                    .addKeyValue("span_count", count)
                    .addKeyValue("failed_total", failed.get())
                    .log("span_export_failed");
        }
    }

    @Override
    public void register(CollectionRegistration registration) {
        producer = MetricProducer.asMetricProducer(registration);
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
