package dev.o11yshop.inventory;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Keeps every span the test JVM exports, so that tests can check span names, nesting and attributes. Selected with
 * {@code otel.traces.exporter=recording} (see {@link TestObservability}); found by the OpenTelemetry autoconfigure
 * module through {@code META-INF/services}.
 */
public final class RecordedSpans implements ConfigurableSpanExporterProvider {
    static final String EXPORTER_NAME = "recording";

    private static final List<SpanData> SPANS = new CopyOnWriteArrayList<>();

    /** Every span exported so far in this JVM. */
    static List<SpanData> all() {
        return List.copyOf(SPANS);
    }

    /** The exported spans of one trace. */
    static List<SpanData> ofTrace(String traceId) {
        return SPANS.stream().filter(span -> span.getTraceId().equals(traceId)).toList();
    }

    @Override
    public SpanExporter createExporter(ConfigProperties config) {
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                SPANS.addAll(spans);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
    }

    @Override
    public String getName() {
        return EXPORTER_NAME;
    }
}
