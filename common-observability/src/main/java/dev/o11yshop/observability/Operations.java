package dev.o11yshop.observability;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import io.helidon.metrics.api.Timer;
import io.helidon.tracing.Scope;
import io.helidon.tracing.Span;
import io.helidon.tracing.Tracer;

/**
 * Timed business operations: each call is an INTERNAL span (child of the current span) and one observation of
 * {@code operation_duration_seconds{operation}}. An exception leaving the operation is recorded on its span,
 * which is then marked as an error, and rethrown unchanged. Operation names are label values: pass constants.
 */
public final class Operations {
    private final Tracer tracer;
    private final MeterFamily<Timer> durations = MeterFamily.latencyHistogram(
            "operation_duration_seconds", "Duration of timed business operations", "operation");

    public Operations(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Runs {@code body} as operation {@code name}; the body may tag the span it is given. */
    public <T> T call(String name, Function<Span, T> body) {
        long start = System.nanoTime();
        Span span = tracer.spanBuilder(name).kind(Span.Kind.INTERNAL).start();
        try (Scope ignored = span.activate()) {
            T result = body.apply(span);
            span.end();
            return result;
        } catch (RuntimeException | Error e) {
            span.end(e);
            throw e;
        } finally {
            durations.labels(name).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /** {@link #call(String, Function)} for operations without a result. */
    public void run(String name, Consumer<Span> body) {
        call(name, span -> {
            body.accept(span);
            return null;
        });
    }
}
